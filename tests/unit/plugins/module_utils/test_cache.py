# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import stat
import threading
import time

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils import _cache
from ansible_collections.netfoundry.api.plugins.module_utils._cache import TokenCache, cache_key, default_dir, is_fresh
from ansible_collections.netfoundry.api.plugins.module_utils._credentials import Credential
from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import TokenRequest
from ansible_collections.netfoundry.api.plugins.module_utils._options import validate

NOW = 1800000000.0
SECRET = 'cache-s3cret'


@pytest.fixture(autouse=True)
def no_memo():
    _cache._MEMO.clear()
    yield
    _cache._MEMO.clear()


def request(secret=SECRET, **options):
    options.setdefault('token_url', 'https://idp.example.com/token')
    return TokenRequest(validate(options), Credential('cid', secret, None, 'test'))


def result(expires_at=NOW + 3600, token='tok'):
    return dict(access_token=token, token_type='Bearer', expires_at=expires_at, audience=None, api_url='https://a/',
                token_url='https://idp.example.com/token', auth_method='client_secret_basic', credential_source='test',
                environment='production', claims={'sub': 'cid'})


@pytest.fixture
def store(tmp_path):
    warnings = []
    cache = TokenCache(str(tmp_path / 'cache'), warnings.append)
    cache.warnings = warnings
    return cache


def test_key_covers_every_part_of_the_grant():
    base = cache_key(request())
    assert base == cache_key(request())
    assert len({base, cache_key(request(secret='other')), cache_key(request(scope='s')), cache_key(request(audience='https://x/')),
                cache_key(request(resource='https://r/')), cache_key(request(auth_method='client_secret_post')),
                cache_key(request(token_url='https://idp2.example.com/token'))}) == 7
    assert cache_key(request(timeout=5)) == base


def test_default_dir(monkeypatch):
    monkeypatch.setenv('HOME', '/home/u')
    assert default_dir({}) == '/home/u/.cache/netfoundry/ansible'
    assert default_dir({'XDG_CACHE_HOME': '/x'}) == '/x/netfoundry/ansible'
    assert default_dir({'XDG_CACHE_HOME': '/x', 'NETFOUNDRY_CACHE_DIR': '~/nf'}) == '/home/u/nf'


@pytest.mark.parametrize('left, lifetime, min_ttl, fresh', [
    (3000, 3600, 600, True), (600, 3600, 600, True), (599, 3600, 600, False),
    (3, 5, 600, True), (2.5, 5, 600, True), (2.4, 5, 600, False),
    (1, 3600, 0, True), (0, 3600, 0, False), (-1, 3600, 0, False),
])
def test_freshness_rule(left, lifetime, min_ttl, fresh):
    assert is_fresh({'expires_at': NOW + left, 'lifetime': lifetime}, min_ttl, NOW) is fresh


def test_round_trip_modes_and_no_secret(store, tmp_path):
    key = cache_key(request())
    store.put(key, result(), NOW)
    directory = tmp_path / 'cache'
    files = list(directory.iterdir())
    assert [p.name for p in files] == [key + '.json']
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    content = files[0].read_text()
    assert SECRET not in content and json.loads(content)['lifetime'] == 3600
    _cache._MEMO.clear()
    entry = store.get(key, 600, NOW + 10)
    assert entry['access_token'] == 'tok' and store.warnings == []


def test_memo_spares_file_reads(store, tmp_path):
    key = cache_key(request())
    store.put(key, result(), NOW)
    (tmp_path / 'cache' / (key + '.json')).unlink()
    assert store.get(key, 600, NOW)['access_token'] == 'tok'


def test_token_without_expiry_is_not_cached(store, tmp_path):
    store.put('k' * 64, result(expires_at=None), NOW)
    assert not (tmp_path / 'cache').exists() or list((tmp_path / 'cache').iterdir()) == []
    assert store.get('k' * 64, 0, NOW) is None


@pytest.mark.parametrize('mode', [0o777, 0o770, 0o722])
def test_writable_directory_is_not_trusted(tmp_path, mode):
    directory = tmp_path / 'open'
    directory.mkdir()
    directory.chmod(mode)
    warnings = []
    store = TokenCache(str(directory), warnings.append)
    key = cache_key(request())
    store.put(key, result(), NOW)
    assert list(directory.iterdir()) == []
    _cache._MEMO.clear()
    assert store.get(key, 600, NOW) is None
    assert warnings == ['token cache directory %s is not trusted (owned by uid %d, mode %04o; it must be yours and not '
                        'writable by others): the token is not cached; fix it with chmod 700 or set cache_dir'
                        % (directory, os.geteuid(), mode)]


def write_entry(store, key, **changes):
    store.put(key, result(), NOW)
    _cache._MEMO.clear()
    path = os.path.join(store.directory, key + '.json')
    entry = json.load(open(path))
    entry.update(changes)
    with open(path, 'w') as handle:
        json.dump(entry, handle)
    return path


@pytest.mark.parametrize('content', ['', '{', 'null', '[]', '{"format": 1}', '\x00\x01garbage'])
def test_damaged_file_means_a_fresh_request(store, content):
    key = cache_key(request())
    path = write_entry(store, key)
    with open(path, 'w') as handle:
        handle.write(content)
    assert store.get(key, 600, NOW) is None
    assert store.warnings == ['token cache file %s is damaged or not for this credential: asking for a new token' % path]
    store.put(key, result(token='new'), NOW)
    _cache._MEMO.clear()
    assert store.get(key, 600, NOW)['access_token'] == 'new'


def test_file_for_another_credential_is_refused(store):
    key = cache_key(request())
    other = cache_key(request(secret='other'))
    path = write_entry(store, other)
    os.rename(path, os.path.join(store.directory, key + '.json'))
    assert store.get(key, 600, NOW) is None
    assert 'is damaged or not for this credential' in store.warnings[0]


def test_loose_file_mode_is_refused(store):
    key = cache_key(request())
    path = write_entry(store, key)
    os.chmod(path, 0o644)
    assert store.get(key, 600, NOW) is None
    assert store.warnings == ['token cache file %s is not trusted (owner uid %d, mode 0644; it must be yours and 0600): '
                              'asking for a new token' % (path, os.geteuid())]


@pytest.mark.skipif(os.geteuid() != 0, reason='needs root to give a file to another user')
def test_file_of_another_user_is_refused(store):
    key = cache_key(request())
    path = write_entry(store, key)
    os.chown(path, 65534, 65534)
    assert store.get(key, 600, NOW) is None
    assert 'owner uid 65534' in store.warnings[0]


def test_symlink_is_never_followed(store, tmp_path):
    key = cache_key(request())
    store.put(key, result(), NOW)
    _cache._MEMO.clear()
    target = tmp_path / 'victim.txt'
    target.write_text('precious')
    path = os.path.join(store.directory, key + '.json')
    os.unlink(path)
    os.symlink(str(target), path)
    assert store.get(key, 600, NOW) is None
    assert store.warnings == ['token cache file %s is not trusted (a symlink): asking for a new token' % path]
    store.put(key, result(token='fresh'), NOW)
    assert target.read_text() == 'precious'
    assert not os.path.islink(path)


def test_directory_made_by_another_process_meanwhile_is_fine(tmp_path, monkeypatch):
    directory = tmp_path / 'racy'
    real_makedirs = os.makedirs

    def racing_makedirs(path, mode=0o777, exist_ok=False):
        real_makedirs(path, mode, exist_ok=True)  # the other process wins the race
        return real_makedirs(path, mode, exist_ok=exist_ok)
    monkeypatch.setattr(os, 'makedirs', racing_makedirs)
    warnings = []
    assert TokenCache(str(directory), warnings.append).trusted() is True
    assert warnings == []


def test_forget(store):
    key = cache_key(request())
    assert store.forget(key) is False
    store.put(key, result(), NOW)
    assert store.forget(key, check_mode=True) is True
    assert store.get(key, 600, NOW)['access_token'] == 'tok'
    assert os.path.exists(os.path.join(store.directory, key + '.json'))
    assert store.forget(key) is True
    assert store.get(key, 600, NOW) is None


def test_lock_is_exclusive_and_bounded(store):
    key = cache_key(request())
    order = []
    held = threading.Event()

    def holder():
        with store.lock(key, 5):
            held.set()
            time.sleep(0.3)
            order.append('holder done')
    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(5)
    with store.lock(key, 5):
        order.append('waiter in')
    thread.join()
    assert order == ['holder done', 'waiter in']
    with store.lock(key, 5):
        started = time.monotonic()
        with store.lock(key, 0.2):
            waited = time.monotonic() - started
    assert 0.2 <= waited < 2
    assert store.warnings == ['waited 0.2 s for another process to get the token: asking without waiting longer']
