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
from ansible_collections.netfoundry.api.plugins.module_utils._grants import ExchangeGrant
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._options import validate

NOW = 1800000000.0
SECRET = 'cache-s3cret'


def request(secret=SECRET, **options):
    options.setdefault('token_url', 'https://idp.example.com/token')
    return ExchangeGrant(validate(options), Credential('cid', secret, None, 'test'))


def result(expires_at=NOW + 3600, token='tok'):
    return dict(access_token=token, token_type='Bearer', expires_at=expires_at, audience=None, api_url='https://a/',
                token_url='https://idp.example.com/token', auth_method='client_secret_basic', credential_source='test',
                environment='production', claims={'sub': 'cid'})


@pytest.fixture
def store(tmp_path, memo):
    warnings = []
    cache = TokenCache(str(tmp_path / 'cache'), warnings.append)
    cache.warnings = warnings
    cache.memo = memo
    return cache


def test_key_covers_every_part_of_the_grant_but_the_secret():
    base = cache_key(request())
    assert base == cache_key(request())
    assert len({base, cache_key(request(scope='s')), cache_key(request(audience='https://x/')),
                cache_key(request(resource='https://r/')), cache_key(request(auth_method='client_secret_post')),
                cache_key(request(token_url='https://idp2.example.com/token'))}) == 6
    assert cache_key(request(timeout=5)) == base
    # The file name (printed in warnings) is no function of the secret: nothing to try a dictionary on.
    assert cache_key(request(secret='other')) == base


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


def test_round_trip_modes_and_no_secret(memo, store, tmp_path):
    key = cache_key(request())
    store.put(key, result(), NOW, SECRET)
    directory = tmp_path / 'cache'
    files = list(directory.iterdir())
    assert [p.name for p in files] == [key + '.json']
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    content = files[0].read_text()
    assert SECRET not in content and json.loads(content)['lifetime'] == 3600
    memo.clear()
    entry = store.get(key, 600, NOW + 10, SECRET)
    assert entry['access_token'] == 'tok' and store.warnings == []


def test_memo_spares_file_reads(store, tmp_path):
    key = cache_key(request())
    store.put(key, result(), NOW, SECRET)
    (tmp_path / 'cache' / (key + '.json')).unlink()
    assert store.get(key, 600, NOW, SECRET)['access_token'] == 'tok'


def test_token_without_expiry_is_not_cached(store, tmp_path):
    store.put('k' * 64, result(expires_at=None), NOW, SECRET)
    assert not (tmp_path / 'cache').exists() or list((tmp_path / 'cache').iterdir()) == []
    assert store.get('k' * 64, 0, NOW, SECRET) is None


def test_a_token_too_large_to_read_back_is_not_written(memo, store, tmp_path):
    key = cache_key(request())
    store.put(key, result(token='old'), NOW, SECRET)
    store.put(key, result(token='x' * _cache.MAX_FILE_BYTES), NOW, SECRET)
    assert list((tmp_path / 'cache').iterdir()) == []  # nor the token it replaced
    [warning] = store.warnings
    size = int(warning.split('(')[1].split()[0])
    assert size > _cache.MAX_FILE_BYTES and warning == (
        'the token is too large for the token cache (%d bytes; a cache file holds at most %d): it is not cached, and '
        'each run asks for a new one' % (size, _cache.MAX_FILE_BYTES))
    assert store.get(key, 600, NOW, SECRET)['access_token'] == 'x' * _cache.MAX_FILE_BYTES  # this process keeps it
    memo.clear()
    assert store.get(key, 600, NOW, SECRET) is None and len(store.warnings) == 1


@pytest.mark.parametrize('mode', [0o777, 0o770, 0o722])
def test_writable_directory_is_not_trusted(memo, tmp_path, mode):
    directory = tmp_path / 'open'
    directory.mkdir()
    directory.chmod(mode)
    warnings = []
    store = TokenCache(str(directory), warnings.append)
    key = cache_key(request())
    store.put(key, result(), NOW, SECRET)
    assert list(directory.iterdir()) == []
    memo.clear()
    assert store.get(key, 600, NOW, SECRET) is None
    assert warnings == ['token cache directory %s is not trusted (owned by uid %d, mode %04o; it must be yours and not '
                        'writable by others): the token is not cached; fix it with chmod 700 or set cache_dir'
                        % (directory, os.geteuid(), mode)]


def write_entry(store, key, **changes):
    store.put(key, result(), NOW, SECRET)
    store.memo.clear()  # as a new process would: the file is read again
    path = os.path.join(store.directory, key + '.json')
    entry = json.load(open(path))
    entry.update(changes)
    with open(path, 'w') as handle:
        json.dump(entry, handle)
    return path


@pytest.mark.parametrize('content', ['', '{', 'null', '[]', '{"format": 1}', '\x00\x01garbage'])
def test_damaged_file_means_a_fresh_request(memo, store, content):
    key = cache_key(request())
    path = write_entry(store, key)
    with open(path, 'w') as handle:
        handle.write(content)
    assert store.get(key, 600, NOW, SECRET) is None
    assert store.warnings == ['token cache file %s is damaged or not for this credential: asking for a new token' % path]
    store.put(key, result(token='new'), NOW, SECRET)
    memo.clear()
    assert store.get(key, 600, NOW, SECRET)['access_token'] == 'new'


def test_file_for_another_credential_is_refused(store):
    key = cache_key(request())
    other = cache_key(request(scope='other'))
    path = write_entry(store, other)
    os.rename(path, os.path.join(store.directory, key + '.json'))
    assert store.get(key, 600, NOW, SECRET) is None
    assert 'is damaged or not for this credential' in store.warnings[0]


def test_loose_file_mode_is_refused(store):
    key = cache_key(request())
    path = write_entry(store, key)
    os.chmod(path, 0o644)
    assert store.get(key, 600, NOW, SECRET) is None
    assert store.warnings == ['token cache file %s is not trusted (owner uid %d, mode 0644; it must be yours and 0600): '
                              'asking for a new token' % (path, os.geteuid())]


@pytest.mark.skipif(os.geteuid() != 0, reason='needs root to give a file to another user')
def test_file_of_another_user_is_refused(store):
    key = cache_key(request())
    path = write_entry(store, key)
    os.chown(path, 65534, 65534)
    assert store.get(key, 600, NOW, SECRET) is None
    assert 'owner uid 65534' in store.warnings[0]


def test_symlink_is_never_followed(memo, store, tmp_path):
    key = cache_key(request())
    store.put(key, result(), NOW, SECRET)
    memo.clear()
    target = tmp_path / 'victim.txt'
    target.write_text('precious')
    path = os.path.join(store.directory, key + '.json')
    os.unlink(path)
    os.symlink(str(target), path)
    assert store.get(key, 600, NOW, SECRET) is None
    assert store.warnings == ['token cache file %s is not trusted (a symlink): asking for a new token' % path]
    store.put(key, result(token='fresh'), NOW, SECRET)
    assert target.read_text() == 'precious'
    assert not os.path.islink(path)


def test_directory_made_by_another_process_meanwhile_is_fine(tmp_path, monkeypatch):
    directory = tmp_path / 'racy'
    real_mkdir = os.mkdir

    def racing_mkdir(path, mode=0o777):
        real_mkdir(path, mode)  # the other process wins the race
        return real_mkdir(path, mode)
    monkeypatch.setattr(os, 'mkdir', racing_mkdir)
    warnings = []
    assert TokenCache(str(directory), warnings.append).trusted() is True
    assert warnings == []


def test_forget(store):
    key = cache_key(request())
    assert store.forget(key) is False
    store.put(key, result(), NOW, SECRET)
    assert store.forget(key, check_mode=True) is True
    assert store.get(key, 600, NOW, SECRET)['access_token'] == 'tok'
    assert os.path.exists(os.path.join(store.directory, key + '.json'))
    assert store.forget(key) is True
    assert store.get(key, 600, NOW, SECRET) is None


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


# Issue 12: names without the secret, a salted verifier, writes that fail cleanly, forget's checks, directories.

def test_rotated_secret_gets_no_cached_token_and_the_file_holds_a_salted_verifier(memo, store, tmp_path):
    key = cache_key(request())
    store.put(key, result(), NOW, SECRET)
    path = tmp_path / 'cache' / (key + '.json')
    verifier = json.loads(path.read_text())['verifier']
    assert set(verifier) == {'salt', 'iterations', 'hash'} and len(bytes.fromhex(verifier['salt'])) == 16
    assert SECRET not in path.read_text()
    assert store.get(key, 600, NOW, 'rotated-' + SECRET) is None  # the memo does not serve it either
    memo.clear()
    assert store.get(key, 600, NOW, 'rotated-' + SECRET) is None
    assert store.get(key, 600, NOW, SECRET)['access_token'] == 'tok'
    assert store.warnings == ['token cache file %s holds a token got with another client secret than this '
                              'one (changed, or mistyped): asking for a new token with this one' % path] * 2
    store.put(key, result(), NOW, SECRET)
    assert json.loads(path.read_text())['verifier']['salt'] != verifier['salt']  # a fresh salt per write


def test_unsalted_or_tampered_verifier_is_refused(store):
    key = cache_key(request())
    write_entry(store, key, verifier={'salt': '', 'iterations': 1, 'hash': 'x'})
    assert store.get(key, 600, NOW, SECRET) is None


def test_absurd_lifetime_in_a_file_is_not_trusted(store):
    key = cache_key(request())
    path = write_entry(store, key, expires_at=NOW + 10 ** 9, lifetime=10 ** 9)
    assert store.get(key, 600, NOW, SECRET) is None
    assert store.warnings == ['token cache file %s is damaged or not for this credential: asking for a new token' % path]


def test_read_only_directory_warns_and_leaves_no_temporary_file(store, tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise OSError(30, 'Read-only file system')  # (chmod cannot make a directory read-only for root)
    monkeypatch.setattr(_cache.tempfile, 'mkstemp', read_only)
    key = cache_key(request())
    store.put(key, result(), NOW, SECRET)  # before: UnboundLocalError
    monkeypatch.undo()
    assert list((tmp_path / 'cache').iterdir()) == []
    assert store.warnings == ['token cache file %s could not be written (Read-only file system): the token is not '
                              'cached' % (tmp_path / 'cache' / (key + '.json'))]


def test_disk_full_warns_and_leaves_no_temporary_file(store, tmp_path, monkeypatch):
    real_write = os.write

    def full(fd, data):
        real_write(fd, data[:10])
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(os, 'write', full)
    key = cache_key(request())
    store.put(key, result(token='tok-full'), NOW, SECRET)
    monkeypatch.undo()
    assert list((tmp_path / 'cache').iterdir()) == []
    assert store.warnings == ['token cache file %s could not be written (No space left on device): the token is not '
                              'cached' % (tmp_path / 'cache' / (key + '.json'))]


def test_symlinked_cache_dir_is_not_trusted(tmp_path):
    real = tmp_path / 'real'
    real.mkdir(mode=0o700)
    link = tmp_path / 'link'
    link.symlink_to(real)
    for given in (str(link), str(link) + '/'):
        warnings = []
        store = TokenCache(given, warnings.append)
        store.put(cache_key(request()), result(), NOW, SECRET)
        assert list(real.iterdir()) == []
        assert warnings == ['token cache directory %s is not trusted (a symlink): the token is not cached; set '
                            'cache_dir to a real directory' % link]


def test_parents_are_made_0700_whatever_the_umask(tmp_path):
    old = os.umask(0)
    try:
        directory = tmp_path / 'a' / 'b' / 'cache'
        assert TokenCache(str(directory), print).trusted() is True
    finally:
        os.umask(old)
    for folder in (tmp_path / 'a', tmp_path / 'a' / 'b', directory):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_nul_in_cache_dir_is_a_warning(tmp_path):
    warnings = []
    store = TokenCache(str(tmp_path / 'a\0b'), warnings.append)
    store.put(cache_key(request()), result(), NOW, SECRET)
    assert store.get(cache_key(request()), 600, NOW, SECRET) is not None  # from this process's memory only
    assert warnings == ['token cache directory %s cannot be used (a NUL byte in the path): the token is not cached; '
                        'set cache_dir' % (tmp_path / 'a\0b')]
    with pytest.raises(NFError, match='a NUL byte in the path'):
        store.forget(cache_key(request()))


def test_forget_refuses_what_a_read_would_not_trust(store, tmp_path):
    key = cache_key(request())
    path = tmp_path / 'cache' / (key + '.json')
    store.trusted()
    path.mkdir()
    with pytest.raises(NFError) as error:
        store.forget(key)
    assert error.value.message == ('token cache file %s is not trusted (a directory, owner uid %d, mode %04o): '
                                   'nothing was removed; remove it by hand'
                                   % (path, os.geteuid(), stat.S_IMODE(path.stat().st_mode)))
    path.rmdir()
    target = tmp_path / 'victim'
    target.write_text('x')
    path.symlink_to(target)
    with pytest.raises(NFError, match='not trusted \\(a symlink'):
        store.forget(key)
    assert target.exists() and path.is_symlink()
    path.unlink()
    (tmp_path / 'cache').chmod(0o777)
    try:
        with pytest.raises(NFError, match='token cache directory .* is not trusted'):
            store.forget(key)
    finally:
        (tmp_path / 'cache').chmod(0o700)


def test_forget_in_a_read_only_directory_is_one_line(store, tmp_path, monkeypatch):
    key = cache_key(request())
    store.put(key, result(), NOW, SECRET)

    def read_only(path):
        raise OSError(30, 'Read-only file system')
    monkeypatch.setattr(os, 'unlink', read_only)
    with pytest.raises(NFError) as error:
        store.forget(key)
    monkeypatch.undo()
    assert error.value.message == ('token cache file %s could not be removed (Read-only file system): check the '
                                   'permissions of cache_dir' % (tmp_path / 'cache' / (key + '.json')))


def test_forget_without_a_directory_is_nothing_to_do(tmp_path):
    assert TokenCache(str(tmp_path / 'none'), print).forget(cache_key(request())) is False
    assert not (tmp_path / 'none').exists()


@pytest.mark.parametrize('changes', [
    {'expires_at': 'Infinity'}, {'expires_at': NOW + 3 * 365 * 86400}, {'stored_at': None}, {'lifetime': 'NaN'},
], ids=['infinite expiry', 'expiry years ahead', 'no stored_at', 'NaN lifetime'])
def test_a_record_with_an_impossible_expiry_is_not_trusted(store, changes):
    """A hand-made record crashed every run (Infinity) or was trusted for years beyond the 24 h a token may live."""
    key = cache_key(request())
    path = write_entry(store, key)
    text = open(path).read()
    entry = json.loads(text)
    entry.update(changes)
    raw = json.dumps(entry).replace('"Infinity"', 'Infinity').replace('"NaN"', 'NaN')
    with open(path, 'w') as handle:
        handle.write(raw)
    assert store.get(key, 600, NOW, SECRET) is None
    assert store.warnings == ['token cache file %s is damaged or not for this credential: asking for a new token' % path]


def test_a_deeply_nested_file_is_damaged_not_a_crash(store):
    key = cache_key(request())
    path = write_entry(store, key)
    with open(path, 'w') as handle:
        handle.write('[' * 100000 + ']' * 100000)
    assert store.get(key, 600, NOW, SECRET) is None
    assert 'is damaged' in store.warnings[0]


def test_after_the_clock_steps_back_a_stored_token_is_not_fresh(memo, store):
    key = cache_key(request())
    store.put(key, result(expires_at=NOW + 3600), NOW, SECRET)
    assert store.get(key, 600, NOW + 10, SECRET)['access_token'] == 'tok'
    assert store.get(key, 600, NOW - 3600, SECRET) is None  # an hour before it was stored: its life left is unknown
    memo.clear()
    assert store.get(key, 600, NOW - 3600, SECRET) is None
