# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cache-hit path, counted (never timed): in a fresh Python process, 1,000 evaluations after the first one
import neither requests nor urllib3, open no file, take no lock and make no request; a credentials file is read
again only when it changes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils import _credentials

ROOT = Path(_credentials.__file__).resolve().parents[5]  # the folder holding ansible_collections/
PROBE = r'''
import builtins, fcntl, json, os, sys, time
from ansible_collections.netfoundry.api.plugins.module_utils._cache import TokenCache, cache_key
from ansible_collections.netfoundry.api.plugins.module_utils._token import get_token, prepare

options, environ = json.loads(sys.argv[1]), {}
def evaluate():
    return get_token(prepare(dict(options), environ=environ), environ=environ)
request = prepare(dict(options), environ=environ)
result = dict(access_token='cached.token.value', token_type='Bearer', expires_at=time.time() + 3600, audience=None,
              api_url=None, token_url='x', auth_method='client_secret_basic', credential_source='x', environment=None,
              claims={})
TokenCache(options['cache_dir'], print).put(cache_key(request), result, time.time(), request.credential.client_secret)
from ansible_collections.netfoundry.api.plugins.module_utils._memo import MEMO
MEMO.clear()
first = evaluate()
counts = dict(open=0, os_open=0, flock=0)
real_open, real_os_open, real_flock = builtins.open, os.open, fcntl.flock
def counting(name, real):
    def call(*args, **kwargs):
        counts[name] += 1
        return real(*args, **kwargs)
    return call
builtins.open, os.open, fcntl.flock = counting('open', real_open), counting('os_open', real_os_open), counting('flock', real_flock)
tokens = set(evaluate()['access_token'] for _ in range(1000))
builtins.open, os.open, fcntl.flock = real_open, real_os_open, real_flock
print(json.dumps(dict(first=first['access_token'], cached=first['cached'], tokens=sorted(tokens), counts=counts,
                      requests='requests' in sys.modules, urllib3='urllib3' in sys.modules)))
'''


def probe(options):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, '-c', PROBE, json.dumps(options)], env=env, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize('with_file', [False, True], ids=['options', 'credentials_file'])
def test_a_thousand_cache_hits_touch_nothing(tmp_path, with_file):
    options = {'client_id': 'hot-id', 'client_secret': 'hot-secret', 'token_url': 'https://127.0.0.1:9/token',
               'cache_dir': str(tmp_path / 'cache')}
    if with_file:
        account = tmp_path / 'credentials.json'
        account.write_text(json.dumps({'clientId': 'hot-id', 'password': 'hot-secret',
                                       'authenticationUrl': 'https://127.0.0.1:9/token'}))
        options = {'credentials_file': str(account), 'cache_dir': options['cache_dir']}
    seen = probe(options)
    assert (seen['first'], seen['cached'], seen['tokens']) == ('cached.token.value', True, ['cached.token.value'])
    assert seen['counts'] == {'open': 0, 'os_open': 0, 'flock': 0}
    assert (seen['requests'], seen['urllib3']) == (False, False)


def test_a_changed_credentials_file_is_read_again(tmp_path):
    account = tmp_path / 'credentials.json'
    account.write_text(json.dumps({'clientId': 'first-id', 'password': 'first-pw'}))
    assert _credentials.read_credentials_file(str(account), 'test').client_id == 'first-id'
    account.write_text(json.dumps({'clientId': 'second-id', 'password': 'second-pw-longer'}))
    again = _credentials.read_credentials_file(str(account), 'test')
    assert (again.client_id, again.client_secret) == ('second-id', 'second-pw-longer')
    account.write_text('{"clientId": ')
    with pytest.raises(_credentials.NFError, match='is not valid JSON'):
        _credentials.read_credentials_file(str(account), 'test')


# prepare() keeps the request made from options that name the credential, and makes it anew when anything it
# depends on changes.

def _options(tmp_path, **more):
    options = {'client_id': 'memo-id', 'client_secret': 'memo-secret', 'token_url': 'https://127.0.0.1:9/token',
               'cache_dir': str(tmp_path / 'cache')}
    options.update(more)
    return options


def test_prepare_keeps_the_request_while_nothing_changes(tmp_path):
    from ansible_collections.netfoundry.api.plugins.module_utils._token import prepare
    first = prepare(_options(tmp_path), environ={})
    assert prepare(_options(tmp_path), environ={}) is first
    assert prepare(_options(tmp_path), environ={}, origins={'client_id': 'variable netfoundry_client_id'}) is not first
    assert prepare(_options(tmp_path, timeout=5), environ={}) is not first
    # The same value of another type is another key: True is not 1 (the validation of each differs).
    assert prepare(_options(tmp_path, cache=True), environ={}) is not prepare(_options(tmp_path, cache=1), environ={})


def test_prepare_again_when_the_environment_or_a_file_changes(tmp_path):
    from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
    from ansible_collections.netfoundry.api.plugins.module_utils._token import prepare
    first = prepare(_options(tmp_path), environ={})
    other = prepare(_options(tmp_path), environ={'NETFOUNDRY_ENVIRONMENT': 'sandbox'})
    assert (first.environment, other.environment) == ('production', 'sandbox')
    ca = tmp_path / 'ca.pem'
    ca.write_text('one')
    with_ca = prepare(_options(tmp_path, ca_path=str(ca)), environ={})
    assert prepare(_options(tmp_path, ca_path=str(ca)), environ={}) is with_ca
    ca.unlink()
    with pytest.raises(NFError, match='ca_path'):
        prepare(_options(tmp_path, ca_path=str(ca)), environ={})
    again = prepare(_options(tmp_path), environ={})  # made anew: the key's entry holds the sandbox one since
    assert (again is first, again.environment) == (False, 'production')
    account = tmp_path / 'credentials.json'
    account.write_text(json.dumps({'clientId': 'file-id', 'password': 'file-pw', 'authenticationUrl':
                                   'https://127.0.0.1:9/token'}))
    from_file = prepare({'credentials_file': str(account)}, environ={})
    assert prepare({'credentials_file': str(account)}, environ={}) is from_file
    account.write_text(json.dumps({'clientId': 'file-id-2', 'password': 'file-pw', 'authenticationUrl':
                                   'https://127.0.0.1:9/token'}))
    assert prepare({'credentials_file': str(account)}, environ={}).credential.client_id == 'file-id-2'


def test_prepare_anew_for_a_credential_from_the_environment(tmp_path):
    from ansible_collections.netfoundry.api.plugins.module_utils._token import prepare
    environ = {'NETFOUNDRY_CLIENT_ID': 'env-id', 'NETFOUNDRY_PASSWORD': 'env-pw'}
    options = {'token_url': 'https://127.0.0.1:9/token', 'cache_dir': str(tmp_path / 'cache')}
    assert prepare(dict(options), environ=environ).credential.client_id == 'env-id'
    environ['NETFOUNDRY_CLIENT_ID'] = 'env-id-2'
    assert prepare(dict(options), environ=environ).credential.client_id == 'env-id-2'


def test_a_cache_hit_gives_the_same_token_until_the_entry_changes(tmp_path):
    import time
    from ansible_collections.netfoundry.api.plugins.module_utils._cache import TokenCache, cache_key
    from ansible_collections.netfoundry.api.plugins.module_utils._token import fetch, prepare
    request = prepare(_options(tmp_path), environ={})
    store = TokenCache(str(tmp_path / 'cache'), print)

    def put(token):
        store.put(cache_key(request), dict(access_token=token, token_type='Bearer', expires_at=time.time() + 3600,
                                           lifetime=3600, claims={}, audience=None, api_url=None, token_url='x',
                                           auth_method='client_secret_basic', credential_source='x',
                                           environment=None, api_url_source=None), time.time(), 'memo-secret')
    put('first.token.value')
    one = fetch(request, environ={})
    assert fetch(prepare(_options(tmp_path), environ={}), environ={}) is one
    put('second.token.value')
    two = fetch(request, environ={})
    assert (one.access_token, two.access_token, two.cached) == ('first.token.value', 'second.token.value', True)


def test_a_credentials_file_under_home_is_read_again_when_rotated(tmp_path, monkeypatch):
    """A ~ path: the memo's check must stat the file itself (an outsider found a rotated ~/creds.json ignored)."""
    from ansible_collections.netfoundry.api.plugins.module_utils._token import prepare
    monkeypatch.setenv('HOME', str(tmp_path))
    account = tmp_path / 'creds.json'
    account.write_text(json.dumps({'clientId': 'cid-abc', 'password': 'pw', 'authenticationUrl': 'https://127.0.0.1:9/t'}))
    assert prepare({'credentials_file': '~/creds.json'}, environ={}).credential.client_id == 'cid-abc'
    account.write_text(json.dumps({'clientId': 'cid-new', 'password': 'pw2', 'authenticationUrl': 'https://127.0.0.1:9/t'}))
    assert prepare({'credentials_file': '~/creds.json'}, environ={}).credential.client_id == 'cid-new'


def test_the_roles_one_task_loads_no_http_library():
    """nf_session (the role's one task) is an action like the others (plugin_utils/_task.ApiAction), yet loading it
    loads neither requests nor urllib3: the API client is imported only by an action that asks for one. nf_request's
    action, which always calls the API, shows the probe can see them."""
    probe_actions = (
        'import json, sys, importlib\n'
        'seen = {}\n'
        'for name in sys.argv[1:]:\n'
        '    importlib.import_module("ansible_collections.netfoundry.api.plugins.action." + name)\n'
        '    seen[name] = ["requests" in sys.modules, "urllib3" in sys.modules]\n'
        'print(json.dumps(seen))\n')
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, '-c', probe_actions, 'nf_session', 'nf_request'], env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {'nf_session': [False, False], 'nf_request': [True, True]}
