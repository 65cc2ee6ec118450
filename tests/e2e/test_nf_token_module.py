# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_token through ansible-playbook against the test bed. (More of the module's tests are playbook
scenarios: tests/e2e/scenarios/module_*, run by test_scenarios.py.)"""

import json

import pytest

from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_ID, CLIENT_SECRET, assert_clean, play, token_task)


@pytest.mark.core_behaviour  # the request shapes of each identity provider
def test_each_request_shape(testbed, playbook, tmp_path):
    info = testbed.info
    account = tmp_path / 'credentials.json'
    account.write_text(json.dumps({'clientId': CLIENT_ID, 'password': CLIENT_SECRET,
                                   'authenticationUrl': info['idp_https'] + '/oauth2/token', 'extra': True}))
    tasks = (token_task('auth0', {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'audience': info['api'],
                                  'token_url': info['idp_http'] + '/oauth/token', 'auth_method': 'client_secret_json'})
             + token_task('cognito', {'credentials_file': str(account), 'ca_path': info['ca'],
                                      'scope': info['api'] + '/ignore-scope'})
             + token_task('post', {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'resource': info['api'],
                                   'token_url': info['idp_http'] + '/token', 'auth_method': 'client_secret_post'}))
    run = playbook(play(tasks))
    assert run.rc == 0, run.output
    auth0, cognito, post = run.saved('auth0'), run.saved('cognito'), run.saved('post')
    assert (auth0['auth_method'], auth0['claims']['aud'], auth0['api_url']) == ('client_secret_json', info['api'], info['api'])
    # The emulator is no NetFoundry environment: nothing named one, so none is reported (it said production).
    assert (auth0['environment'], auth0['api_url_source']) == (None, 'option audience')
    assert (cognito['auth_method'], cognito['claims']['scope'], cognito['credential_source']) == \
        ('client_secret_basic', info['api'] + '/ignore-scope', 'option credentials_file %s' % account)
    assert (post['auth_method'], post['claims']['aud']) == ('client_secret_post', info['api'])
    log = testbed.stats()['log']
    assert [(e['endpoint'], e['content_type'], e['auth_scheme'], e['status']) for e in log] == [
        ('auth0', 'application/json', None, 200),
        ('cognito', 'application/x-www-form-urlencoded', 'basic', 200),
        ('generic', 'application/x-www-form-urlencoded', None, 200)]
    assert [e['params'] for e in log] == [['audience', 'client_id', 'client_secret', 'grant_type'], ['grant_type', 'scope'],
                                          ['client_id', 'client_secret', 'grant_type', 'resource']]
    assert_clean(run)


@pytest.mark.core_behaviour  # where the credential comes from, in order
def test_credential_sources_and_precedence(testbed, playbook, tmp_path):
    info = testbed.info
    url = info['idp_http'] + '/token'
    for name in ('opt', 'file', 'acct', 'env', 'seed', 'cwd', 'home'):
        testbed.add_client(name + '-id', name + '-pw')

    def account(path, name, with_url=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {'clientId': name + '-id', 'password': name + '-pw'}
        if with_url:
            data['authenticationUrl'] = url
        path.write_text(json.dumps(data))
        return str(path)
    file_path = account(tmp_path / 'file.json', 'file')
    acct_path = account(tmp_path / 'acct.json', 'acct')
    env_all = {'NETFOUNDRY_API_ACCOUNT': acct_path, 'NETFOUNDRY_CLIENT_ID': 'env-id', 'NETFOUNDRY_PASSWORD': 'env-pw',
               'NETFOUNDRY_OAUTH_URL': url}
    env_pair = {'NETFOUNDRY_CLIENT_ID': 'env-id', 'NETFOUNDRY_PASSWORD': 'env-pw', 'NETFOUNDRY_OAUTH_URL': url}
    tasks = (
        [{'name': 'a credentials.json in the working directory and in ~/.netfoundry', 'ansible.builtin.copy': {
            'content': json.dumps({'clientId': 'cwd-id', 'password': 'cwd-pw', 'authenticationUrl': url}),
            'dest': '{{ work_dir }}/credentials.json', 'mode': '0600'}},
         {'name': 'home folder', 'ansible.builtin.file': {'path': '{{ home_dir }}/.netfoundry', 'state': 'directory',
                                                          'mode': '0700'}},
         {'name': 'home file', 'ansible.builtin.copy': {
             'content': json.dumps({'clientId': 'home-id', 'password': 'home-pw', 'authenticationUrl': url}),
             'dest': '{{ home_dir }}/.netfoundry/credentials.json', 'mode': '0600'}}]
        + token_task('options', {'client_id': 'opt-id', 'client_secret': 'opt-pw', 'token_url': url,
                                 'credentials_file': file_path}, environment=env_all)
        + token_task('file', {'credentials_file': file_path}, environment=env_all)
        + token_task('acct', {}, environment=env_all)
        + token_task('env', {}, environment=env_pair)
        + token_task('seed', {'token_url': url},
                     environment={'NETFOUNDRY_CLIENT_ID': 'seed-id', 'NETFOUNDRY_CLIENT_SECRET': 'seed-pw'})
        + token_task('half_env', {}, environment={'NETFOUNDRY_CLIENT_ID': 'env-id'})
        + token_task('half_options', {'client_id': 'opt-id'}, environment=env_all)
        + token_task('cwd', {})
        + [{'name': 'remove the working directory file', 'ansible.builtin.file': {
            'path': '{{ work_dir }}/credentials.json', 'state': 'absent'}}]
        + token_task('home', {})
        + [{'name': 'remove the home file', 'ansible.builtin.file': {
            'path': '{{ home_dir }}/.netfoundry/credentials.json', 'state': 'absent'}}]
        + token_task('nothing', {}))
    run = playbook(play(tasks))
    assert run.rc == 0, run.output
    work, home = tmp_path / 'work', tmp_path / 'home'
    expected = {
        'options': ('opt-id', 'options client_id + client_secret'),
        'file': ('file-id', 'option credentials_file %s' % file_path),
        'acct': ('acct-id', 'env NETFOUNDRY_API_ACCOUNT %s' % acct_path),
        'env': ('env-id', 'env NETFOUNDRY_CLIENT_ID + NETFOUNDRY_PASSWORD'),
        'seed': ('seed-id', 'env NETFOUNDRY_CLIENT_ID + NETFOUNDRY_CLIENT_SECRET'),
        'cwd': ('cwd-id', 'default file %s/credentials.json' % work),
        'home': ('home-id', 'default file %s/.netfoundry/credentials.json' % home),
    }
    for name, (client_id, source) in expected.items():
        result = run.saved(name)
        assert (result.get('claims', {}).get('client_id'), result.get('credential_source')) == (client_id, source), result
    assert run.saved('half_env')['msg'].startswith('environment variable NETFOUNDRY_CLIENT_ID is set but neither')
    assert run.saved('half_options')['msg'].startswith('option client_id is set but option client_secret is not: set it too')
    nothing = run.saved('nothing')['msg']
    assert nothing.startswith('no NetFoundry API account found (looked in: options client_id + client_secret,')
    assert '%s/credentials.json' % work in nothing and '%s/.netfoundry/credentials.json' % home in nothing
    assert testbed.stats()['total'] == 7


@pytest.mark.core_behaviour  # host-name rules
def test_environment_rules(testbed, playbook):
    info = testbed.info
    cognito = 'https://netfoundry-staging-abc123.auth.us-east-1.amazoncognito.com/oauth2/token'
    tasks = (token_task('sandbox', {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'environment': 'sandbox',
                                    'token_url': info['idp_http'] + '/token'})
             + token_task('mismatch', {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': cognito,
                                       'environment': 'production'}))
    run = playbook(play(tasks))
    assert run.rc == 0, run.output
    sandbox = run.saved('sandbox')
    assert (sandbox['environment'], sandbox['api_url'], sandbox['auth_method'], sandbox['audience']) == \
        ('sandbox', 'https://gateway.sandbox.netfoundry.io/', 'client_secret_basic', None)
    assert run.saved('mismatch')['msg'] == (
        "option environment 'production' does not match the token URL %s, which is for environment 'staging': leave "
        "environment out or fix it (credential source: options client_id + client_secret)" % cognito)
    assert testbed.stats()['total'] == 1


BAD_INPUTS = [
    ({'auth_method': 'magic'}, 'value of auth_method must be one of: auto, client_secret_json, client_secret_basic, '
                               'client_secret_post, got: magic'),
    ({'timeout': 'soon'}, "argument 'timeout' is of type"),
    ({'timeout': -5}, 'option timeout must be a number >= 0, got -5'),
    ({'timeout': 0}, 'option timeout must be more than 0 seconds, got 0'),
    ({'retries': -1}, 'option retries must be a whole number >= 0, got -1'),
    ({'retries': 'many'}, "option retries must be a whole number >= 0, got 'many'"),
    ({'retries': {'attempts': 3}}, 'option retries has unknown key(s) attempts: use total and backoff_factor'),
    ({'validate_certs': 'perhaps'}, "argument 'validate_certs' is of type"),
    ({'client_id': ''}, 'option client_id is empty: give a value or leave the option out'),
    ({'client_secret': ''}, 'option client_secret is empty: give a value or leave the option out'),
    ({'token_url': 'oauth/token'}, "token_url 'oauth/token' is not an absolute http(s) URL: give it as https://host/path"),
    ({'token_url': 'ftp://127.0.0.1/token'}, "token_url 'ftp://127.0.0.1/token' is not an absolute http(s) URL"),
    ({'token_url': 'http://idp.example.com/token'}, 'refusing to send the client secret over plain http:// to '
                                                    'idp.example.com (token_url): use https://'),
    ({'token_url': 'https://127.0.0.1:70000/token'}, "token_url 'https://127.0.0.1:70000/token' is not a valid URL"),
    ({'environment': 'Production!'}, "option environment 'Production!' is not a NetFoundry environment name"),
    ({'resource': 'not-a-uri'}, "option resource must be an absolute http(s) URI (RFC 8707), got 'not-a-uri'"),
    ({'proxy': 'proxy:3128'}, "option proxy 'proxy:3128' is not an http:// or https:// proxy URL"),
    ({'bogus_option': 1}, 'Unsupported parameters for (netfoundry.api.nf_token) module: bogus_option'),
]


def test_bad_inputs_fail_clearly_before_the_network(testbed, playbook, tmp_path):
    base = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token'}
    tasks = []
    for number, (args, _message) in enumerate(BAD_INPUTS):
        tasks += token_task('bad%02d' % number, dict(base, **args))
    empty = tmp_path / 'empty.json'
    empty.write_text('')
    broken = tmp_path / 'broken.json'
    broken.write_text('{"clientId": "x", "password": "%s"' % CLIENT_SECRET)
    tasks += token_task('empty_file', {'credentials_file': str(empty)})
    tasks += token_task('broken_file', {'credentials_file': str(broken)})
    tasks += token_task('missing_file', {'credentials_file': str(tmp_path / 'nope.json')})
    run = playbook(play(tasks))
    assert run.rc == 0, run.output
    for number, (_args, message) in enumerate(BAD_INPUTS):
        result = run.saved('bad%02d' % number)
        assert result['failed'] is True
        assert message in result['msg'], result['msg']
    assert run.saved('empty_file')['msg'].startswith('credentials file %s (option credentials_file) is empty' % empty)
    assert run.saved('broken_file')['msg'].startswith('credentials file %s (option credentials_file) is not valid JSON '
                                                      '(line 1 column %d)' % (broken, len(broken.read_text()) + 1))
    assert 'No such file or directory' in run.saved('missing_file')['msg']
    assert testbed.stats()['total'] == 0
    assert_clean(run)


def test_secret_from_a_file_never_shows_even_verbose(testbed, playbook, tmp_path):
    account = tmp_path / 'credentials.json'
    account.write_text(json.dumps({'clientId': CLIENT_ID, 'password': CLIENT_SECRET,
                                   'authenticationUrl': testbed.info['idp_http'] + '/token'}))
    tasks = token_task('ok', {'credentials_file': str(account)}) + token_task(
        'refused', {'credentials_file': str(account), 'token_url': testbed.info['idp_http'] + '/oauth/token'})
    run = playbook(play(tasks), args=['-vvvv'])
    assert run.rc == 0, run.output
    assert run.saved('ok')['access_token']
    assert run.saved('refused')['msg'].startswith('token request to %s/oauth/token was refused: HTTP 400 invalid_request'
                                                  % testbed.info['idp_http'])
    assert_clean(run)
