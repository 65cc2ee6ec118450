# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bad-input matrix for the lookup, the role and the module (beyond test_nf_token_module's BAD_INPUTS and
test_cache_and_lookup's lookup cases): each malformed input fails its task with one clear line, before the
network, without a traceback (the secret scan of conftest runs too)."""

import json

import pytest

from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_ID, CLIENT_SECRET, as_variables, assert_clean, play, same_wording, save, token_task)


@pytest.fixture
def files(tmp_path):
    """Credentials files that are wrong in every way a file can be."""
    folder = tmp_path / 'files'
    folder.mkdir()
    paths = dict(directory=folder, missing=folder / 'missing.json')
    for name, text in (('empty', ''), ('not_json', 'clientId = x\n'), ('array', '["x", "y"]'),
                       ('no_password', json.dumps({'clientId': CLIENT_ID, 'authenticationUrl': 'https://127.0.0.1/t'})),
                       ('empty_id', json.dumps({'clientId': '', 'password': CLIENT_SECRET})),
                       ('id_number', json.dumps({'clientId': 42, 'password': CLIENT_SECRET}))):
        paths[name] = folder / (name + '.json')
        paths[name].write_text(text)
    return dict((name, str(path)) for name, path in paths.items())


def literal(options):
    """Keyword arguments for lookup() in Jinja syntax."""
    return ', '.join('%s=%s' % (name, json.dumps(value)) for name, value in options.items())


def merged(base, changes, files):
    """base with a case's changes: '{name}' filled in with the path of files[name]; a None removes the key."""
    result = dict(base)
    for key, value in changes.items():
        result[key] = value.format(**files) if isinstance(value, str) else value
    return dict((key, value) for key, value in result.items() if value is not None)


def assert_failures(run, testbed, cases, files, one_line=False):
    """Each case's saved result failed with its message; nothing reached the test bed; no traceback."""
    assert run.rc == 0, run.output
    for name, _changes, message in cases:
        result = run.saved(name)
        assert result['failed'] is True and message.format(**files) in same_wording(result['msg']), (name, result['msg'])
        assert not one_line or '\n' not in result['msg'].strip(), (name, result['msg'])
    assert testbed.stats()['total'] == 0
    assert_clean(run)


# Leave the option pair out, so that the credentials file is the source.
FILE_ONLY = {'client_id': None, 'client_secret': None}


LOOKUP_CASES = [
    ('client_id_empty', {'client_id': ''}, 'option client_id is empty: give a value or leave the option out'),
    ('client_secret_empty', {'client_secret': ''}, 'option client_secret is empty: give a value or leave the option out'),
    ('client_id_list', {'client_id': ['a', 'b']}, 'option client_id must be a string, got a list'),
    ('relative_url', {'token_url': 'oauth/token'}, "token_url 'oauth/token' is not an absolute http(s) URL"),
    ('ftp_url', {'token_url': 'ftp://127.0.0.1/token'}, "token_url 'ftp://127.0.0.1/token' is not an absolute http(s) URL"),
    ('http_remote', {'token_url': 'http://idp.example.com/token'},
     'refusing to send the client secret over plain http:// to idp.example.com (token_url): use https://'),
    ('auth_method', {'auth_method': 'client_secret_jwt'}, 'value of auth_method must be one of: auto, client_secret_json, '
                                                          'client_secret_basic, client_secret_post, got: client_secret_jwt'),
    ('timeout_negative', {'timeout': -5}, 'option timeout must be a number >= 0, got -5'),
    ('retries_negative', {'retries': -1}, 'option retries must be a whole number >= 0, got -1'),
    ('retries_keys', {'retries': {'attempts': 3}}, 'option retries has unknown key(s) attempts: use total and backoff_factor'),
    ('backoff_negative', {'retries': {'total': 2, 'backoff_factor': -1}},
     'option retries.backoff_factor must be a number >= 0, got -1'),
    ('validate_certs_word', {'validate_certs': 'perhaps'}, "argument 'validate_certs' is of type str and we were unable to "
                                                           "convert to bool: The value 'perhaps' is not a valid boolean"),
    ('cache_word', {'cache': 'maybe'}, "we were unable to convert to bool: The value 'maybe' is not a valid boolean"),
    ('force_number', {'force': 2}, "argument 'force' is of type int and we were unable to convert to bool"),
    ('environment', {'environment': 'Production!'}, "option environment 'Production!' is not a NetFoundry environment name"),
    ('proxy', {'proxy': 'proxy:3128'}, "option proxy 'proxy:3128' is not an http:// or https:// proxy URL"),
    ('resource', {'resource': 'not-a-uri'}, "option resource must be an absolute http(s) URI (RFC 8707), got 'not-a-uri'"),
    ('ca_path_missing', {'ca_path': '/nonexistent/ca.pem'},
     'option ca_path /nonexistent/ca.pem is not a readable file: give the path of a PEM CA bundle'),
    ('file_empty', dict(FILE_ONLY, credentials_file='{empty}'), 'credentials file {empty} (option credentials_file) is empty'),
    ('file_not_json', dict(FILE_ONLY, credentials_file='{not_json}'),
     'credentials file {not_json} (option credentials_file) is not valid JSON (line 1 column 1)'),
    ('file_array', dict(FILE_ONLY, credentials_file='{array}'),
     'credentials file {array} (option credentials_file) must hold a JSON object with clientId and password'),
    ('file_no_password', dict(FILE_ONLY, credentials_file='{no_password}'),
     'credentials file {no_password} (option credentials_file) has no password; download the API account again'),
    ('file_empty_id', dict(FILE_ONLY, credentials_file='{empty_id}'),
     'credentials file {empty_id} (option credentials_file) has an invalid clientId (it must be a non-empty string)'),
    ('file_id_number', dict(FILE_ONLY, credentials_file='{id_number}'),
     'credentials file {id_number} (option credentials_file) has an invalid clientId (it must be a non-empty string)'),
    ('file_directory', dict(FILE_ONLY, credentials_file='{directory}'),
     'credentials file {directory} (option credentials_file) is not a regular file (a directory): give the path'),
    ('file_missing', dict(FILE_ONLY, credentials_file='{missing}'),
     'cannot read credentials file {missing} (option credentials_file): No such file or directory; check the path'),
]


def test_lookup_bad_inputs(testbed, playbook, files):
    base = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token'}
    tasks = []
    for name, changes, _message in LOOKUP_CASES:
        tasks += [{'name': name, 'ansible.builtin.debug': {
            'msg': "{{ lookup('netfoundry.api.nf_token', %s) }}" % literal(merged(base, changes, files))},
            'register': 'r_' + name, 'ignore_errors': True}, save(name, 'r_' + name)]
    tasks += [{'name': 'a variable that is not a boolean', 'ansible.builtin.debug': {
        'msg': "{{ lookup('netfoundry.api.nf_token') }}"}, 'vars': as_variables(dict(base, validate_certs='no way')),
        'register': 'r_bool_var', 'ignore_errors': True}, save('bool_var', 'r_bool_var')]
    tasks += [{'name': 'half env pair', 'ansible.builtin.debug': {
        'msg': "{{ lookup('netfoundry.api.nf_token', token_url=%s) }}" % json.dumps(base['token_url'])},
        'register': 'r_half_env', 'ignore_errors': True}, save('half_env', 'r_half_env')]
    run = playbook(play(tasks), env={'NETFOUNDRY_CLIENT_ID': CLIENT_ID})
    extra = [('half_env', None, 'environment variable NETFOUNDRY_CLIENT_ID is set but neither NETFOUNDRY_PASSWORD nor '
                                'NETFOUNDRY_CLIENT_SECRET is: set the secret too, or unset NETFOUNDRY_CLIENT_ID'),
             ('bool_var', None, "we were unable to convert to bool: The value 'no way' is not a valid boolean")]
    assert_failures(run, testbed, LOOKUP_CASES + extra, files, one_line=True)


ROLE_CASES = [
    ('timeout_word', {'netfoundry_timeout': 'soon'}, "Validation of arguments failed"),
    ('verify_word', {'netfoundry_verify': 'perhaps'}, "Validation of arguments failed"),
    ('auth_method', {'netfoundry_auth_method': 'magic'}, "Validation of arguments failed"),
    ('client_id_dict', {'netfoundry_client_id': {'id': 1}},
     'option client_id must be a string, got a dictionary (from variable netfoundry_client_id)'),
    ('timeout_negative', {'netfoundry_timeout': -1}, 'option timeout must be a number >= 0, got -1 (from variable '
                                                     'netfoundry_timeout)'),
    ('retries_negative', {'netfoundry_retries': -1}, 'option retries must be a whole number >= 0, got -1'),
    ('min_ttl_negative', {'netfoundry_min_ttl': -5}, 'option min_ttl must be a whole number >= 0, got -5'),
    ('client_id_empty', {'netfoundry_client_id': ''},
     'option client_id is empty: give a value or leave the option out (from variable netfoundry_client_id)'),
    ('relative_url', {'netfoundry_token_url': 'oauth/token'}, "token_url 'oauth/token' is not an absolute http(s) URL"),
    ('http_remote', {'netfoundry_token_url': 'http://idp.example.com/token'},
     'refusing to send the client secret over plain http:// to idp.example.com (token_url): use https://'),
    ('environment', {'netfoundry_environment': 'Production!'},
     "option environment 'Production!' is not a NetFoundry environment name"),
    ('half_pair', {'netfoundry_client_secret': None},
     'variable netfoundry_client_id is set but variable netfoundry_client_secret is not: set it too'),
    ('file_missing', as_variables(dict(FILE_ONLY, credentials_file='{missing}')),
     'cannot read credentials file {missing} (variable netfoundry_credentials_file): No such file or directory'),
    ('file_not_json', as_variables(dict(FILE_ONLY, credentials_file='{not_json}')),
     'credentials file {not_json} (variable netfoundry_credentials_file) is not valid JSON (line 1 column 1)'),
    ('rapidapi_without_host', {'netfoundry_rapidapi_key': 'k'},
     'netfoundry_rapidapi_key is set but netfoundry_rapidapi_host is not'),
]


def test_role_bad_inputs(testbed, playbook, files):
    base = as_variables({'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET,
                         'token_url': testbed.info['idp_http'] + '/token'})
    tasks = [{'name': name, 'block': [{'name': 'the role', 'ansible.builtin.include_role': {'name': 'netfoundry.api.token'},
                                       'vars': merged(base, changes, files)}],
              'rescue': [save(name, 'ansible_failed_result')]} for name, changes, _message in ROLE_CASES]
    assert_failures(playbook(play(tasks)), testbed, ROLE_CASES, files)


MODULE_CASES = [
    ('min_ttl_negative', {'min_ttl': -1}, 'option min_ttl must be a whole number >= 0, got -1'),
    ('backoff_negative', {'retries': {'total': 1, 'backoff_factor': -2}},
     'option retries.backoff_factor must be a number >= 0, got -2'),
    ('timeout_list', {'timeout': [1]}, "argument 'timeout' is of type"),
    ('file_directory', dict(FILE_ONLY, credentials_file='{directory}'),
     'credentials file {directory} (option credentials_file) is not a regular file (a directory)'),
    ('file_no_password', dict(FILE_ONLY, credentials_file='{no_password}'),
     'credentials file {no_password} (option credentials_file) has no password'),
    ('file_array', dict(FILE_ONLY, credentials_file='{array}'),
     'credentials file {array} (option credentials_file) must hold a JSON object with clientId and password'),
]


def test_module_bad_inputs_and_environment(testbed, playbook, files):
    base = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token'}
    tasks = []
    for name, changes, _message in MODULE_CASES:
        tasks += token_task(name, merged(base, changes, files))
    # Dummy secrets here: Ansible itself shows a task's environment values in its -vvv EXEC lines (the README
    # says never to put a real secret in a task's environment keyword).
    environments = [
        ('password_only', {'NETFOUNDRY_PASSWORD': 'dummy-env-pw'},
         'environment variable NETFOUNDRY_CLIENT_ID is not set but NETFOUNDRY_PASSWORD is: set NETFOUNDRY_CLIENT_ID too'),
        ('two_secrets', {'NETFOUNDRY_CLIENT_ID': CLIENT_ID, 'NETFOUNDRY_PASSWORD': 'dummy-env-pw',
                         'NETFOUNDRY_CLIENT_SECRET': 'dummy-env-pw2'},
         'both NETFOUNDRY_CLIENT_SECRET and NETFOUNDRY_PASSWORD are set and differ: unset one of them'),
        ('account_missing', {'NETFOUNDRY_API_ACCOUNT': files['missing']},
         'cannot read credentials file %s (env NETFOUNDRY_API_ACCOUNT): No such file or directory' % files['missing']),
        ('account_empty', {'NETFOUNDRY_API_ACCOUNT': files['empty']},
         'credentials file %s (env NETFOUNDRY_API_ACCOUNT) is empty' % files['empty']),
    ]
    for name, environment, _message in environments:
        tasks += token_task(name, {'token_url': base['token_url']}, environment=environment)
    assert_failures(playbook(play(tasks)), testbed, MODULE_CASES + environments, files)


SAME_MISTAKES = [
    ('timeout_word', {'timeout': 'soon'}, "argument 'timeout' is of type str and we were unable to convert to float"),
    ('validate_certs_word', {'validate_certs': 'perhaps'},
     "argument 'validate_certs' is of type str and we were unable to convert to bool: The value 'perhaps' is not a "
     "valid boolean"),
    ('auth_method', {'auth_method': 'magic'}, 'value of auth_method must be one of: auto, client_secret_json, '
                                              'client_secret_basic, client_secret_post, got: magic'),
    ('timeout_negative', {'timeout': -5}, 'option timeout must be a number >= 0, got -5'),
    ('retries_keys', {'retries': {'tries': 2}}, 'option retries has unknown key(s) tries: use total and backoff_factor'),
    ('client_id_empty', {'client_id': ''}, 'option client_id is empty'),
    ('relative_url', {'token_url': 'oauth/token'}, "token_url 'oauth/token' is not an absolute http(s) URL"),
    ('environment', {'environment': 'Production!'}, "option environment 'Production!' is not a NetFoundry environment"),
]


def test_the_same_mistake_reads_the_same_from_every_front_end(testbed, playbook):
    """One option table, one validation: the module, the lookup and the role say the same thing (the role's
    argument_specs name the variable, netfoundry_<option>, where ansible-core checks a type)."""
    base = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token'}
    tasks = []
    for name, changes, _message in SAME_MISTAKES:
        options = dict(base, **changes)
        tasks += token_task('module_' + name, options)
        tasks += [{'name': 'lookup_' + name, 'ansible.builtin.debug': {'msg': "{{ lookup('netfoundry.api.nf_token') }}"},
                   'vars': as_variables(options), 'register': 'r_lookup_' + name, 'ignore_errors': True},
                  save('lookup_' + name, 'r_lookup_' + name)]
        tasks += [{'name': 'role_' + name, 'block': [{'name': 'the role', 'ansible.builtin.include_role': {
            'name': 'netfoundry.api.token'}, 'vars': as_variables(options)}],
            'rescue': [save('role_' + name, 'ansible_failed_result')]}]
    run = playbook(play(tasks))
    assert run.rc == 0, run.output
    for name, _changes, message in SAME_MISTAKES:
        role_message = message.replace("argument '", "argument 'netfoundry_").replace('value of ', 'value of netfoundry_')
        for front_end, expected in (('module', message), ('lookup', message), ('role', role_message)):
            result = run.saved('%s_%s' % (front_end, name))
            assert result['failed'] is True and expected in same_wording(result['msg']), (front_end, name, result['msg'])
    assert testbed.stats()['total'] == 0
    assert_clean(run)
