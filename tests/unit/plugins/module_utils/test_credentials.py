# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils._credentials import ReadyToken, default_files, resolve
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError

URL = 'https://netfoundry-production-abc123.auth.us-east-1.amazoncognito.com/oauth2/token'
SECRET = 'file-s3cret'


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return str(path)


@pytest.fixture
def places(tmp_path):
    cwd, home = tmp_path / 'cwd', tmp_path / 'home'
    cwd.mkdir()
    home.mkdir()
    return dict(cwd=str(cwd), home=str(home), environ={})


def test_options_win_over_every_other_source(places, tmp_path):
    places['environ'].update(NETFOUNDRY_CLIENT_ID='env-id', NETFOUNDRY_PASSWORD='env-pw')
    path = write(tmp_path / 'c.json', {'clientId': 'file-id', 'password': SECRET})
    cred = resolve('opt-id', 'opt-secret', path, **places)
    assert (cred.client_id, cred.client_secret, cred.token_url, cred.source) == \
        ('opt-id', 'opt-secret', None, 'options client_id + client_secret')


def test_credentials_file_reads_console_keys_and_ignores_others(places, tmp_path):
    path = write(tmp_path / 'c.json', {'clientId': 'file-id', 'password': SECRET, 'authenticationUrl': URL,
                                       'hostname': 'x', 'nested': {'a': 1}})
    places['environ'].update(NETFOUNDRY_API_ACCOUNT='/nonexistent')
    cred = resolve(None, None, path, **places)
    assert (cred.client_id, cred.client_secret, cred.token_url) == ('file-id', SECRET, URL)
    assert cred.source == 'option credentials_file %s' % path
    assert SECRET not in repr(cred)


def test_api_account_env_comes_before_the_three_variables(places, tmp_path):
    path = write(tmp_path / 'acct.json', {'clientId': 'acct-id', 'password': SECRET})
    places['environ'].update(NETFOUNDRY_API_ACCOUNT=path, NETFOUNDRY_CLIENT_ID='env-id', NETFOUNDRY_PASSWORD='pw')
    cred = resolve(**places)
    assert cred.client_id == 'acct-id' and cred.source == 'env NETFOUNDRY_API_ACCOUNT %s' % path


@pytest.mark.parametrize('secret_var', ['NETFOUNDRY_PASSWORD', 'NETFOUNDRY_CLIENT_SECRET'])
def test_environment_pair_with_either_secret_name(places, secret_var):
    places['environ'].update({'NETFOUNDRY_CLIENT_ID': 'env-id', secret_var: 'env-pw', 'NETFOUNDRY_OAUTH_URL': URL})
    cred = resolve(**places)
    assert (cred.client_id, cred.client_secret, cred.token_url) == ('env-id', 'env-pw', URL)
    assert cred.source == 'env NETFOUNDRY_CLIENT_ID + %s' % secret_var


def test_environment_without_url_leaves_the_url_to_options(places):
    places['environ'].update(NETFOUNDRY_CLIENT_ID='env-id', NETFOUNDRY_CLIENT_SECRET='pw')
    assert resolve(**places).token_url is None


def test_default_files_in_order(places):
    home_file = write(__import__('pathlib').Path(places['home']) / '.netfoundry' / 'credentials.json',
                      {'clientId': 'home-id', 'password': SECRET})
    assert resolve(**places).source == 'default file %s' % home_file
    cwd_file = write(__import__('pathlib').Path(places['cwd']) / 'credentials.json', {'clientId': 'cwd-id', 'password': SECRET})
    cred = resolve(**places)
    assert (cred.client_id, cred.source) == ('cwd-id', 'default file %s' % cwd_file)


def test_default_file_list_matches_netfoundry_tools():
    assert default_files('/w', '/h', {}) == ['/w/credentials.json', '/h/.netfoundry/credentials.json',
                                             '/netfoundry/credentials.json', '/h/.config/netfoundry/credentials.json']
    assert default_files('/w', '/h', {'XDG_CONFIG_HOME': '/x'})[3] == '/x/netfoundry/credentials.json'


@pytest.mark.parametrize('xdg', [None, 'xdg'])
def test_the_xdg_config_directory_is_a_default_place(places, tmp_path, xdg):
    if xdg:
        places['environ']['XDG_CONFIG_HOME'] = str(tmp_path / xdg)
    folder = tmp_path / xdg if xdg else tmp_path / 'home' / '.config'
    data = {'clientId': 'xdg-id', 'password': SECRET, 'authenticationUrl': URL}
    path = write(folder / 'netfoundry' / 'credentials.json', data)
    cred = resolve(**places)
    assert (cred.client_id, cred.source, cred.token_url) == ('xdg-id', 'default file %s' % path, URL)
    home_file = write(tmp_path / 'home' / '.netfoundry' / 'credentials.json', {'clientId': 'home-id', 'password': SECRET})
    assert resolve(**places).source == 'default file %s' % home_file


def test_bare_account_name_is_looked_up_in_the_default_directories(places, tmp_path):
    places['environ']['NETFOUNDRY_API_ACCOUNT'] = 'lab.json'
    config = write(tmp_path / 'home' / '.config' / 'netfoundry' / 'lab.json', {'clientId': 'cfg', 'password': SECRET})
    assert resolve(**places).source == 'env NETFOUNDRY_API_ACCOUNT %s' % config
    home = write(tmp_path / 'home' / '.netfoundry' / 'lab.json', {'clientId': 'home', 'password': SECRET})
    assert resolve(**places).source == 'env NETFOUNDRY_API_ACCOUNT %s' % home
    cwd = write(tmp_path / 'cwd' / 'lab.json', {'clientId': 'cwd', 'password': SECRET})
    assert resolve(**places).source == 'env NETFOUNDRY_API_ACCOUNT %s' % cwd


def test_bare_account_name_found_nowhere_names_every_place(places, tmp_path):
    places['environ']['NETFOUNDRY_API_ACCOUNT'] = 'nowhere.json'
    with pytest.raises(NFError) as error:
        resolve(**places)
    assert error.value.message == (
        "NETFOUNDRY_API_ACCOUNT names the file 'nowhere.json', which is in none of %s/cwd/nowhere.json, "
        "%s/home/.netfoundry/nowhere.json, /netfoundry/nowhere.json, %s/home/.config/netfoundry/nowhere.json: give "
        "its full path, or put it in one of them" % (tmp_path, tmp_path, tmp_path))


def test_account_path_is_read_as_given(places, tmp_path):
    places['environ']['NETFOUNDRY_API_ACCOUNT'] = str(tmp_path / 'missing' / 'c.json')
    with pytest.raises(NFError, match='cannot read credentials file .*/missing/c.json'):
        resolve(**places)


def test_ready_token_comes_after_explicit_options_before_the_account(places, tmp_path):
    path = write(tmp_path / 'c.json', {'clientId': 'file-id', 'password': SECRET})
    places['environ'].update(NETFOUNDRY_API_TOKEN=' a.b.c\n', NETFOUNDRY_API_ACCOUNT=path,
                             NETFOUNDRY_CLIENT_ID='env-id', NETFOUNDRY_PASSWORD='pw')
    ready = resolve(**places)
    assert isinstance(ready, ReadyToken)
    assert (ready.access_token, ready.source) == ('a.b.c', 'env NETFOUNDRY_API_TOKEN')
    assert resolve(credentials_file=path, **places).source == 'option credentials_file %s' % path
    assert resolve('i', 's', **places).source == 'options client_id + client_secret'
    places['environ']['NETFOUNDRY_API_TOKEN'] = '  '
    assert resolve(**places).source == 'env NETFOUNDRY_API_ACCOUNT %s' % path


def test_netfoundry_sources_say_where_their_url_belongs(places, tmp_path):
    path = write(tmp_path / 'c.json', {'clientId': 'i', 'password': SECRET})
    assert resolve(credentials_file=path, **places).missing_url == 'credentials file %s has no authenticationUrl' % path
    places['environ'].update(NETFOUNDRY_CLIENT_ID='env-id', NETFOUNDRY_PASSWORD='pw')
    assert resolve(**places).missing_url == 'environment variable NETFOUNDRY_CLIENT_ID is set but NETFOUNDRY_OAUTH_URL is not'
    assert resolve(**places).netfoundry is True
    assert resolve('i', 's', **places).netfoundry is False


def test_nothing_found_lists_every_place(places):
    if os.path.exists('/netfoundry/credentials.json'):
        pytest.skip('this machine has /netfoundry/credentials.json')
    with pytest.raises(NFError) as error:
        resolve(**places)
    message = error.value.message
    assert message == (
        'no NetFoundry API account found (looked in: options client_id + client_secret, option credentials_file, '
        'env NETFOUNDRY_API_TOKEN, env NETFOUNDRY_API_ACCOUNT, env NETFOUNDRY_CLIENT_ID + NETFOUNDRY_PASSWORD or '
        'NETFOUNDRY_CLIENT_SECRET, %s/credentials.json, %s/.netfoundry/credentials.json, /netfoundry/credentials.json, '
        '%s/.config/netfoundry/credentials.json): set client_id and client_secret, or credentials_file to the file '
        'NF Console gave you' % (places['cwd'], places['home'], places['home']))


@pytest.mark.parametrize('client_id, client_secret, message', [
    ('id', None, 'option client_id is set but option client_secret is not: set it too'),
    (None, 'pw', 'option client_secret is set but option client_id is not: set it too'),
])
def test_half_a_pair_in_options_is_an_error(places, client_id, client_secret, message):
    places['environ'].update(NETFOUNDRY_CLIENT_ID='env-id', NETFOUNDRY_PASSWORD='env-pw')
    with pytest.raises(NFError, match=message):
        resolve(client_id, client_secret, **places)


@pytest.mark.parametrize('environ, message', [
    ({'NETFOUNDRY_CLIENT_ID': 'id'}, 'environment variable NETFOUNDRY_CLIENT_ID is set but neither NETFOUNDRY_PASSWORD '
                                     'nor NETFOUNDRY_CLIENT_SECRET is: set the secret too, or unset NETFOUNDRY_CLIENT_ID'),
    ({'NETFOUNDRY_PASSWORD': 'pw'}, 'environment variable NETFOUNDRY_CLIENT_ID is not set but NETFOUNDRY_PASSWORD is: '
                                    'set NETFOUNDRY_CLIENT_ID too, or unset NETFOUNDRY_PASSWORD'),
    ({'NETFOUNDRY_OAUTH_URL': URL}, 'environment variable NETFOUNDRY_CLIENT_ID is not set but NETFOUNDRY_OAUTH_URL is'),
    ({'NETFOUNDRY_CLIENT_ID': 'id', 'NETFOUNDRY_PASSWORD': 'a', 'NETFOUNDRY_CLIENT_SECRET': 'b'},
     'both NETFOUNDRY_CLIENT_SECRET and NETFOUNDRY_PASSWORD are set and differ: unset one of them'),
])
def test_half_set_environment_is_an_error_not_a_fallthrough(places, tmp_path, environ, message):
    write(tmp_path / 'cwd' / 'credentials.json', {'clientId': 'cwd-id', 'password': SECRET})
    places['environ'].update(environ)
    with pytest.raises(NFError) as error:
        resolve(**places)
    assert error.value.message.startswith(message)


@pytest.mark.parametrize('content, reason', [
    ('', 'is empty'),
    ('   \n', 'is empty'),
    ('{"clientId": "x", "password": ', 'is not valid JSON (line 1 column 31)'),
    ('[1, 2]', 'must hold a JSON object with clientId and password'),
    ('{"clientId": "x"}', 'has no password'),
    ('{"password": "%s"}' % SECRET, 'has no clientId'),
    ('{}', 'has no clientId or password'),
    ('{"clientId": 5, "password": "p"}', 'has an invalid clientId (it must be a non-empty string)'),
    ('{"clientId": "x", "password": ""}', 'has an invalid password (it must be a non-empty string)'),
    ('{"clientId": "x", "password": "p", "authenticationUrl": null}', None),
    (b'\xff\xfe{"clientId"', 'is UTF-16 text'),
    (b'\xc3\x28{"clientId"', 'is not UTF-8 text'),
    ('x' * 70000, 'is larger than 65536 bytes'),
])
def test_bad_credentials_files(places, tmp_path, content, reason):
    path = tmp_path / 'bad.json'
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    if reason is None:
        assert resolve(credentials_file=str(path), **places).token_url is None
        return
    with pytest.raises(NFError) as error:
        resolve(credentials_file=str(path), **places)
    message = error.value.message
    assert message.startswith('credentials file %s (option credentials_file) ' % path)
    assert reason in message
    assert SECRET not in message


def test_unreadable_and_missing_files(places, tmp_path):
    with pytest.raises(NFError) as error:
        resolve(credentials_file=str(tmp_path / 'missing.json'), **places)
    assert error.value.message == ('cannot read credentials file %s (option credentials_file): No such file or directory; '
                                   'check the path and its permissions' % (tmp_path / 'missing.json'))
    with pytest.raises(NFError, match=r'is not a regular file \(a directory\)'):
        resolve(credentials_file=str(tmp_path), **places)
    places['environ']['NETFOUNDRY_API_ACCOUNT'] = str(tmp_path / 'gone.json')
    with pytest.raises(NFError, match=r'\(env NETFOUNDRY_API_ACCOUNT\): No such file'):
        resolve(**places)


def test_bom_and_tilde_are_accepted(places, monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    (tmp_path / 'c.json').write_bytes(b'\xef\xbb\xbf' + json.dumps({'clientId': 'i', 'password': 'p'}).encode())
    assert resolve(credentials_file='~/c.json', **places).client_id == 'i'


@pytest.mark.skipif(os.geteuid() != 0, reason='giving a file to another user needs root')
def test_a_default_file_of_another_user_is_skipped(places):
    """Another user's credentials.json in a shared working directory was used ahead of one's own (an outsider)."""
    from pathlib import Path
    theirs = write(Path(places['cwd']) / 'credentials.json', {'clientId': 'their-id', 'password': SECRET})
    os.chown(theirs, 12345, 12345)
    mine = write(Path(places['home']) / '.netfoundry' / 'credentials.json', {'clientId': 'my-id', 'password': SECRET})
    os.chmod(mine, 0o600)
    cred = resolve(**places)
    assert (cred.client_id, cred.source) == ('my-id', 'default file %s' % mine)
    assert cred.notes == ('skipped the credentials file %s, owned by uid 12345: found in a default place but not '
                          'yours; used %s' % (theirs, mine),)
    os.remove(mine)
    with pytest.raises(NFError, match='; skipped, not yours: %s, owned by uid 12345\\)' % theirs):
        resolve(**places)


def test_a_credentials_file_others_can_read_is_named_and_a_nested_one_is_one_line(places, tmp_path):
    from ansible_collections.netfoundry.api.plugins.module_utils._credentials import read_credentials_file
    path = write(tmp_path / 'open.json', {'clientId': 'id', 'password': SECRET})
    os.chmod(path, 0o644)
    assert read_credentials_file(path, 'test').notes == (
        "credentials file %s can be read by other users (mode 0644): chmod 600 it, it holds the API account's secret"
        % path,)
    os.chmod(path, 0o600)
    assert read_credentials_file(path, 'test').notes == ()
    nested = write(tmp_path / 'nested.json', '[' * 30000 + ']' * 30000)
    with pytest.raises(NFError, match='is nested too deeply to be an API account file'):
        read_credentials_file(nested, 'test')


def test_a_bare_credentials_file_option_is_looked_for_in_the_default_folders(places):
    """credentials_file: credentials.json (netfoundry.platform's own example) is found where the SDK finds it."""
    from pathlib import Path
    home_file = write(Path(places['home']) / '.netfoundry' / 'lab.json', {'clientId': 'lab-id', 'password': SECRET})
    cred = resolve(credentials_file='lab.json', **places)
    assert (cred.client_id, cred.source) == ('lab-id', 'option credentials_file %s' % home_file)
    with pytest.raises(NFError, match="^option credentials_file names the file 'other.json', which is in none of"):
        resolve(credentials_file='other.json', **places)


def test_the_sdk_macos_folder_is_a_default_place_on_macos(places, monkeypatch):
    import sys
    monkeypatch.setattr(sys, 'platform', 'darwin')
    assert default_files(places['cwd'], places['home'], {})[-1] == os.path.join(
        places['home'], 'Library', 'Application Support', 'netfoundry', 'credentials.json')
    monkeypatch.setattr(sys, 'platform', 'linux')
    assert len(default_files(places['cwd'], places['home'], {})) == 4


@pytest.mark.parametrize('raw, message', [
    (json.dumps({'clientId': 'id', 'password': SECRET}).encode('utf-16'), 'is UTF-16 text (an editor saved it so)'),
    (b'{"clientId": "a", "clientId": "b", "password": "p"}', 'has clientId more than once: keep one'),
    (b'{"ClientID": "a", "Password": "p"}', 'has no clientId or password (it has ClientID, Password: the names are '
                                            'case-sensitive)'),
])
def test_what_editors_and_people_do_to_a_credentials_file_is_named(tmp_path, raw, message):
    """UTF-16, a key twice, keys in another case got misleading messages or the last value silently (an outsider)."""
    from ansible_collections.netfoundry.api.plugins.module_utils._credentials import read_credentials_file
    path = tmp_path / 'credentials.json'
    path.write_bytes(raw)
    with pytest.raises(NFError) as error:
        read_credentials_file(str(path), 'test')
    assert message in error.value.message
