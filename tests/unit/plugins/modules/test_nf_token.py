# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module's main() with real arguments, against the in-process test bed."""

import json

import pytest

from ansible_collections.netfoundry.api.plugins.modules import nf_token
from ansible_collections.netfoundry.api.tests.unit.conftest import CLIENT_ID, CLIENT_SECRET

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19: modules read their arguments from basic._ANSIBLE_ARGS (the old unit-test way)
    import contextlib

    from ansible.module_utils import basic

    @contextlib.contextmanager
    def patch_module_args(args):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode('utf-8')
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


@pytest.fixture
def run(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv('HOME', str(tmp_path))
    for name in ('NETFOUNDRY_API_ACCOUNT', 'NETFOUNDRY_CLIENT_ID', 'NETFOUNDRY_CLIENT_SECRET', 'NETFOUNDRY_PASSWORD',
                 'NETFOUNDRY_OAUTH_URL'):
        monkeypatch.delenv(name, raising=False)

    def run_module(args):
        with patch_module_args(args):
            with pytest.raises(SystemExit) as exit_info:
                nf_token.main()
        out = capsys.readouterr().out
        return exit_info.value.code, json.loads(out), out
    return run_module


def test_success_returns_results_and_facts(testbed, run):
    rc, result, out = run({'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET,
                           'token_url': testbed.info['idp_http'] + '/oauth/token',
                           'auth_method': 'client_secret_json', 'audience': testbed.info['api']})
    assert rc == 0
    assert result['changed'] is False
    facts = result['ansible_facts']
    assert facts == {'netfoundry_api_token': result['access_token'], 'netfoundry_api_headers': result['headers'],
                     'netfoundry_api_url': testbed.info['api'], 'netfoundry_api_token_expires_at': result['expires_at']}
    assert result['credential_source'] == 'options client_id + client_secret'
    assert result['token_type'] == 'Bearer'
    assert CLIENT_SECRET not in out


def test_check_mode_still_gets_a_token(testbed, run):
    rc, result, _out = run({'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, '_ansible_check_mode': True,
                            'token_url': testbed.info['idp_http'] + '/token'})
    assert rc == 0 and result['changed'] is False and result['access_token']
    assert testbed.stats()['total'] == 1


def test_secret_from_a_file_is_masked_in_output(testbed, run, tmp_path):
    path = tmp_path / 'credentials.json'
    path.write_text(json.dumps({'clientId': CLIENT_ID, 'password': CLIENT_SECRET,
                                'authenticationUrl': testbed.info['idp_http'] + '/token'}))
    testbed.faults({'status': 200, 'content_type': 'application/json',
                    'body': {'access_token': 'opaque-' + CLIENT_SECRET, 'token_type': 'Bearer'}})
    rc, result, out = run({})
    assert rc == 0
    assert result['credential_source'] == 'default file %s' % path
    assert CLIENT_SECRET not in out


def test_failure_is_one_line(testbed, run):
    rc, result, out = run({'client_id': CLIENT_ID, 'client_secret': 'wrong', 'token_url': testbed.info['idp_http'] + '/token'})
    assert rc == 1 and result['failed'] is True
    assert result['msg'] == ('token request to %s/token was refused: HTTP 401 invalid_client (Client authentication '
                             'failed); check client_id and client_secret (credential source: options client_id + '
                             'client_secret)' % testbed.info['idp_http'])
    assert 'Traceback' not in out and 'exception' not in result


def test_bad_input_fails_before_the_network(testbed, run):
    rc, result, _out = run({'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'retries': -3})
    assert rc == 1 and result['msg'] == 'option retries must be a whole number >= 0, got -3'
    assert testbed.stats()['total'] == 0


def test_argspec_rejects_unknown_choice(run):
    rc, result, _out = run({'auth_method': 'magic'})
    assert rc == 1 and 'auth_method' in result['msg'] and 'magic' in result['msg']
