# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError
from ansible_collections.netfoundry.api.plugins.module_utils._options import (
    AUTH_ARGSPEC, CONNECTION_ARGSPEC, OptionAdapter, argspec, read_settings)


def settings(**options):
    return read_settings(OptionAdapter.from_dict(options))


def test_defaults_come_from_the_argspec():
    result = settings()
    assert result['auth_method'] == 'auto'
    assert result['validate_certs'] is True
    assert result['timeout'] == 30.0
    assert result['retries'] == {'total': 3, 'backoff_factor': 0.5}
    assert result['client_id'] is None and result['token_url'] is None


def test_argspec_merges_groups_without_sharing_dicts():
    merged = argspec(AUTH_ARGSPEC, CONNECTION_ARGSPEC)
    assert set(merged) == set(AUTH_ARGSPEC) | set(CONNECTION_ARGSPEC)
    merged['timeout']['default'] = 1
    assert CONNECTION_ARGSPEC['timeout']['default'] == 30
    assert merged['client_secret']['no_log'] is True


def test_retries_as_int_and_dict():
    assert settings(retries=0)['retries'] == {'total': 0, 'backoff_factor': 0.5}
    assert settings(retries='2')['retries']['total'] == 2
    assert settings(retries={'backoff_factor': 2})['retries'] == {'total': 3, 'backoff_factor': 2.0}


class TaggedStr(str):
    """Stands for ansible-core's tagged / unsafe str subclasses."""


def test_templated_strings_become_plain_str():
    result = settings(client_id=TaggedStr(' my-id '), client_secret=TaggedStr(' keep spaces '))
    assert not isinstance(result['client_id'], TaggedStr) and result['client_id'] == 'my-id'
    assert not isinstance(result['client_secret'], TaggedStr) and result['client_secret'] == ' keep spaces '


@pytest.mark.parametrize('options, message', [
    ({'timeout': -1}, 'option timeout must be a number >= 0, got -1'),
    ({'timeout': 0}, 'option timeout must be more than 0 seconds, got 0'),
    ({'timeout': 'soon'}, "option timeout must be a number >= 0, got 'soon'"),
    ({'timeout': float('nan')}, 'option timeout must be a number >= 0, got nan'),
    ({'retries': -1}, 'option retries must be a whole number >= 0, got -1'),
    ({'retries': 1.5}, 'option retries must be a whole number >= 0, got 1.5'),
    ({'retries': True}, 'option retries must be a whole number >= 0, got True'),
    ({'retries': {'tries': 2}}, 'option retries has unknown key(s) tries: use total and backoff_factor'),
    ({'retries': {'total': -2}}, 'option retries.total must be a whole number >= 0, got -2'),
    ({'retries': {'backoff_factor': 'x'}}, "option retries.backoff_factor must be a number >= 0, got 'x'"),
    ({'auth_method': 'client_secret_jwt'}, "option auth_method must be one of auto, client_secret_json, "
                                           "client_secret_basic, client_secret_post, got 'client_secret_jwt'"),
    ({'validate_certs': 'maybe'}, "option validate_certs must be a boolean (true or false), got 'maybe'"),
    ({'client_id': ''}, 'option client_id is empty: give a value or leave the option out'),
    ({'token_url': '   '}, 'option token_url is empty: give a value or leave the option out'),
    ({'client_id': 42}, 'option client_id must be a string, got int'),
    ({'scope': ['a']}, 'option scope must be a string, got list'),
])
def test_bad_options_give_one_clear_line(options, message):
    with pytest.raises(NFTokenError) as error:
        settings(**options)
    assert error.value.message == message
