# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._options import CORE_GROUPS, argspec, validate

SECRET = 'opt-s3cret-value'


def test_defaults_come_from_the_table():
    result = validate({})
    assert result['auth_method'] == 'auto'
    assert result['validate_certs'] is True
    assert result['timeout'] == 30.0
    assert result['retries'] == {'total': 3, 'backoff_factor': 0.5}
    assert result['client_id'] is None and result['token_url'] is None


def test_argspec_is_fresh_each_call_and_marks_secrets():
    merged = argspec(*CORE_GROUPS)
    merged['timeout']['default'] = 1
    assert argspec(*CORE_GROUPS)['timeout']['default'] == 30
    assert merged['client_secret']['no_log'] is True and merged['proxy']['no_log'] is False
    assert merged['token_url']['no_log'] is False
    assert 'output' not in merged and 'session' not in merged


def test_retries_as_int_and_dict():
    assert validate({'retries': 0})['retries'] == {'total': 0, 'backoff_factor': 0.5}
    assert validate({'retries': '2'})['retries']['total'] == 2
    assert validate({'retries': {'backoff_factor': 2}})['retries'] == {'total': 3, 'backoff_factor': 2.0}
    assert validate({'retries': {'total': 10, 'backoff_factor': 60}})['retries'] == {'total': 10, 'backoff_factor': 60}


@pytest.mark.parametrize('retries, message', [
    (1e9, 'option retries is 1e+09, more than 10: give at most 10'),
    ({'total': 1000000000}, 'option retries.total is 1e+09, more than 10: give at most 10'),
    ({'backoff_factor': 61}, 'option retries.backoff_factor is 61, more than 60: give at most 60'),
])
def test_retries_are_bounded(retries, message):
    """A server that answers 503 for ever must not hold a task (and the lock's waiters) for ever (an outsider)."""
    with pytest.raises(NFError) as error:
        validate({'retries': retries})
    assert error.value.message.startswith(message)


def test_words_and_strings_of_any_source_are_typed_like_ansible_does():
    result = validate({'validate_certs': 'no', 'cache': 'yes', 'force': 0, 'timeout': '2.5', 'min_ttl': '60'})
    assert (result['validate_certs'], result['cache'], result['force']) == (False, True, False)
    assert (result['timeout'], result['min_ttl']) == (2.5, 60)


class TaggedStr(str):
    """Stands for ansible-core's tagged / unsafe str subclasses."""


def test_templated_strings_become_plain_str():
    result = validate({'client_id': TaggedStr(' my-id '), 'client_secret': TaggedStr(' keep spaces ')})
    assert result['client_id'].__class__ is str and result['client_id'] == 'my-id'
    assert result['client_secret'].__class__ is str and result['client_secret'] == ' keep spaces '


NOT_BOOLEAN = ("argument 'validate_certs' is of type str and we were unable to convert to bool: The value 'perhaps' is "
               "not a valid boolean.")


@pytest.mark.parametrize('options, message', [
    ({'timeout': -1}, 'option timeout must be a number >= 0, got -1'),
    ({'timeout': 0}, 'option timeout must be more than 0 seconds, got 0'),
    ({'timeout': 'soon'}, "argument 'timeout' is of type str and we were unable to convert to float"),
    ({'timeout': float('nan')}, 'option timeout must be a number >= 0, got nan'),
    ({'retries': -1}, 'option retries must be a whole number >= 0, got -1'),
    ({'retries': 1.5}, 'option retries must be a whole number >= 0, got 1.5'),
    ({'retries': True}, 'option retries must be a whole number >= 0, got True'),
    ({'retries': {'tries': 2}}, 'option retries has unknown key(s) tries: use total and backoff_factor'),
    ({'retries': {'total': -2}}, 'option retries.total must be a whole number >= 0, got -2'),
    ({'retries': {'backoff_factor': 'x'}}, "option retries.backoff_factor must be a number >= 0, got 'x'"),
    ({'auth_method': 'client_secret_jwt'}, "value of auth_method must be one of: auto, client_secret_json, "
                                           "client_secret_basic, client_secret_post, got: client_secret_jwt"),
    ({'validate_certs': 'perhaps'}, NOT_BOOLEAN),
    ({'min_ttl': 1.5}, "argument 'min_ttl' is of type float and we were unable to convert to int"),
    ({'client_id': ''}, 'option client_id is empty: give a value or leave the option out'),
    ({'token_url': '   '}, 'option token_url is empty: give a value or leave the option out'),
    ({'scope': ['a']}, 'option scope must be a string, got a list'),
    ({'credentials_file': '/tmp/a\0b'}, 'option credentials_file contains a NUL byte: give a plain path'),
])
def test_bad_options_give_one_clear_line(options, message):
    with pytest.raises(NFError) as error:
        validate(options)
    assert error.value.message.startswith(message)


@pytest.mark.parametrize('value', [[SECRET], {'a': SECRET}, {SECRET: 1}, 42, True])
def test_a_secret_of_the_wrong_type_is_never_shown(value):
    for name in ('client_secret', 'proxy'):
        with pytest.raises(NFError) as error:
            validate({name: value})
        assert error.value.message.startswith('option %s must be a string, got ' % name)
        assert SECRET not in error.value.message and '42' not in error.value.message


def test_messages_say_where_a_value_came_from():
    with pytest.raises(NFError) as error:
        validate({'validate_certs': 'perhaps'}, {'validate_certs': 'ansible.cfg [netfoundry] validate_certs'})
    assert error.value.message.startswith(NOT_BOOLEAN)
    assert error.value.message.endswith('(from ansible.cfg [netfoundry] validate_certs)')
    with pytest.raises(NFError, match=r'^option timeout must be a number >= 0, got -3 \(from variable '
                                      r'netfoundry_timeout\)$'):
        validate({'timeout': -3}, {'timeout': 'variable netfoundry_timeout'})
