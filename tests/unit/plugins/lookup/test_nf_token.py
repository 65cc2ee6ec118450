# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lookup through Ansible's plugin loader against the in-process test bed: option sources (keywords, variables,
ansible.cfg), the checks on them, and sessions. (Run by ansible-test units, which sets up the collection loader.)"""

import os
import time
from pathlib import Path

import pytest

from ansible import constants as C
from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, lookup_loader
from ansible.template import Templar

from ansible_collections.netfoundry.api.plugins.lookup import nf_token
from ansible_collections.netfoundry.api.plugins.plugin_utils import _sources
from ansible_collections.netfoundry.api.tests.unit.conftest import CLIENT_ID, CLIENT_SECRET

COLLECTIONS = str(Path(nf_token.__file__).resolve().parents[5])
pytestmark = pytest.mark.filterwarnings('ignore:AnsibleCollectionFinder has already been configured')


@pytest.fixture
def lookup(monkeypatch):
    init_plugin_loader([COLLECTIONS])
    warnings = []
    monkeypatch.setattr(nf_token.display, 'warning', warnings.append)

    def run(variables=None, **kwargs):
        plugin = lookup_loader.get('netfoundry.api.nf_token', loader=DataLoader(), templar=Templar(loader=DataLoader()))
        return plugin.run([], variables=variables or {}, **kwargs)[0]
    run.warnings = warnings
    return run


@pytest.fixture
def base(testbed, tmp_path):
    return dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, cache_dir=str(tmp_path / 'cache'),
                token_url=testbed.info['idp_http'] + '/token')


def ini(monkeypatch, tmp_path, text):
    path = tmp_path / 'ansible.cfg'
    path.write_text(text)
    monkeypatch.setattr(_sources.C, 'CONFIG_FILE', str(path))
    return path


def test_keywords_then_variables_then_ansible_cfg(testbed, lookup, base, monkeypatch, tmp_path):
    ini(monkeypatch, tmp_path, '[netfoundry]\noutput = full\nmin_ttl = 120\n')
    variables = dict(('netfoundry_' + name, value) for name, value in base.items())
    variables['netfoundry_output'] = 'headers'
    assert lookup(variables, output='token') == lookup(variables)['Authorization'][len('Bearer '):]
    del variables['netfoundry_output']
    assert lookup(variables)['cached'] is True  # output=full from ansible.cfg
    assert testbed.stats()['total'] == 1


def test_a_boolean_word_from_ansible_cfg_is_checked_strictly(testbed, lookup, base, monkeypatch, tmp_path):
    ini(monkeypatch, tmp_path, '[netfoundry]\nvalidate_certs = perhaps\n')
    with pytest.raises(AnsibleLookupError) as error:
        lookup(**base)
    assert "argument 'validate_certs' is of type str and we were unable to convert to bool" in error.value.message
    assert error.value.message.endswith('(from ansible.cfg [netfoundry] validate_certs)')
    assert testbed.stats()['total'] == 0


@pytest.mark.parametrize('key', ['client_secret', 'proxy'])
def test_a_secret_in_ansible_cfg_is_an_error(testbed, lookup, base, monkeypatch, tmp_path, key):
    path = ini(monkeypatch, tmp_path, '[netfoundry]\n%s = cfg-secret-value\n' % key)
    with pytest.raises(AnsibleLookupError) as error:
        lookup(**base)
    assert error.value.message == (
        'netfoundry.api.nf_token: %s may not come from ansible.cfg (%s [netfoundry]): a secret does not belong in a '
        'plaintext file; give it as a variable (with Ansible Vault) or in the NETFOUNDRY_* environment' % (key, path))
    assert testbed.stats()['total'] == 0


def test_bad_keywords_and_outputs_name_the_valid_ones(lookup, base):
    with pytest.raises(AnsibleLookupError, match=r'unknown option\(s\) client_secrt \(did you mean client_secret\?\); '
                                                 r'the options are audience, auth_method'):
        lookup(client_secrt='x', **base)
    with pytest.raises(AnsibleLookupError, match="option output must be one of token, headers, full, session, got 'header'"):
        lookup(output='header', **base)


def test_a_misspelled_variable_gets_one_warning(testbed, lookup, base):
    variables = {'netfoundry_client_secrett': 'x', 'netfoundry_api_headers': {}, 'netfoundry_verify': True}
    lookup(variables, **base)
    lookup(variables, **base)
    assert lookup.warnings == ['variable netfoundry_client_secrett is not an input or output of netfoundry.api and is '
                               'ignored; did you mean netfoundry_client_secret?']


def test_netfoundry_api_url_set_by_hand_is_said_to_be_an_output(testbed, lookup, base):
    """A newcomer set netfoundry_api_url, the role's output, to choose the API URL: it was silently ignored."""
    lookup({'netfoundry_api_url': 'https://gateway.sandbox.netfoundry.io/'}, **base)
    assert lookup.warnings == ['variable netfoundry_api_url is an output of the role netfoundry.api.token (the API URL '
                               'it found), not an input, and is ignored: give the API URL as netfoundry_audience, or '
                               'let the token URL name it']
    del lookup.warnings[:]
    # Beside the other outputs (the role's, or the module's facts), it is theirs: nothing to say.
    lookup({'netfoundry_api_url': 'https://x/', 'netfoundry_api_token': 'y'}, **base)
    assert lookup.warnings == []


def test_a_session_serves_its_token_without_the_inputs_then_renews(testbed, lookup, base):
    testbed.add_client('short-lived', 'short-secret', lifetime=4)
    session = lookup(output='session', **dict(base, client_id='short-lived', client_secret='short-secret', cache=False))
    assert session['options']['cache'] is True and session['options']['cache_dir'] != base['cache_dir']
    first = session['token']['access_token']
    assert lookup(session=session) == first
    assert lookup(output='full', session=session)['cached'] is True
    assert testbed.stats()['token_requests'] == {'short-lived': 1}
    time.sleep(2.5)  # past half of the 4 s token's life: the session renews, through its own cache directory
    renewed = lookup(session=session)
    assert renewed != first and lookup(session=session) == renewed
    assert testbed.stats()['token_requests'] == {'short-lived': 2}
    bad = dict(session, format='x')
    with pytest.raises(AnsibleLookupError, match='option session must be the session'):
        lookup(session=bad)


def test_a_rapidapi_session_gives_headers_only(testbed, lookup, tmp_path):
    variables = {'netfoundry_rapidapi_key': 'rapid-key-123', 'netfoundry_rapidapi_host': 'netfoundry.example-rapidapi.test'}
    session = lookup(variables, output='session')
    assert (session['kind'], session['api_url']) == ('static', 'https://netfoundry.example-rapidapi.test/')
    assert lookup(output='headers', session=session) == {'X-RapidAPI-Key': 'rapid-key-123',
                                                         'X-RapidAPI-Host': 'netfoundry.example-rapidapi.test'}
    with pytest.raises(AnsibleLookupError, match='this session is a RapidAPI one: it holds no bearer token'):
        lookup(session=session)
    with pytest.raises(AnsibleLookupError, match='netfoundry_rapidapi_key is set but netfoundry_rapidapi_host is not'):
        lookup({'netfoundry_rapidapi_key': 'k'}, output='session')
    assert testbed.stats()['total'] == 0


def test_session_options_are_for_output_session_only(testbed, lookup, base):
    with pytest.raises(AnsibleLookupError, match='option rapidapi_key and verify is only for output=session'):
        lookup(verify=True, rapidapi_key='k', **base)
    # As variables (the role's play vars), they are simply not this evaluation's.
    assert lookup({'netfoundry_verify': True, 'netfoundry_rapidapi_key': 'k'}, **base)
    assert testbed.stats()['total'] == 1


def test_a_session_with_the_cache_off_renews_under_ansible_cores_per_run_directory(testbed, lookup, base):
    session = lookup(output='session', **dict(base, cache=False))
    assert session['options']['cache_dir'] == os.path.join(C.DEFAULT_LOCAL_TMP, 'netfoundry-api-session')
