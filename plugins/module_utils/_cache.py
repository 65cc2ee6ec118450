# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The token cache: one 0600 file per grant in a 0700 directory, atomic writes, one request at a time per grant.

A file is trusted only when it is a regular file (never a symlink) owned by this user, with no group or other
permission bits, in a directory owned by this user that no one else can write, and when it names the same key.
Anything else is ignored with a warning, and a fresh token is asked for.
"""

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import stat
import tempfile
import time

ENV_CACHE_DIR = 'NETFOUNDRY_CACHE_DIR'
FORMAT = 1
MAX_FILE_BYTES = 256 * 1024
STORED_KEYS = ('access_token', 'token_type', 'expires_at', 'audience', 'api_url', 'token_url', 'auth_method',
               'credential_source', 'environment', 'claims')

# Entries this process has read or written, by (directory, key), so repeated evaluations do not re-read the file.
_MEMO = {}


def default_dir(environ):
    """NETFOUNDRY_CACHE_DIR, else $XDG_CACHE_HOME/netfoundry/ansible, else ~/.cache/netfoundry/ansible."""
    if environ.get(ENV_CACHE_DIR):
        return os.path.expanduser(environ[ENV_CACHE_DIR])
    base = environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'netfoundry', 'ansible')


def cache_key(request):
    """Everything that identifies the grant, the secret included, so a rotated or wrong secret never matches."""
    credential = request.credential
    material = json.dumps([FORMAT, request.token_url, request.auth_method, credential.client_id,
                           credential.client_secret, request.audience, request.scope, request.resource])
    return hashlib.sha256(b'netfoundry.api token cache\0' + material.encode('utf-8')).hexdigest()


def is_fresh(entry, min_ttl, now):
    """Reusable while the life left is at least min_ttl, capped at half the token's life; never once expired."""
    left = entry['expires_at'] - now
    return left > 0 and left >= min(min_ttl, entry['lifetime'] / 2.0)


def _valid(entry, key):
    try:
        return (entry['format'] == FORMAT and entry['key'] == key and isinstance(entry['access_token'], str)
                and entry['access_token'] and isinstance(entry['expires_at'], (int, float))
                and isinstance(entry['lifetime'], (int, float)) and entry['lifetime'] > 0
                and isinstance(entry['claims'], dict))
    except (KeyError, TypeError):
        return False


class TokenCache:
    """The cache directory; warn(text) reports anything it will not trust or cannot do."""

    def __init__(self, directory, warn):
        self.directory = directory
        self.warn = warn
        self._trusted = None

    def _path(self, key, suffix='.json'):
        return os.path.join(self.directory, key + suffix)

    def trusted(self):
        """Make the directory (0700) if needed; True when it is safe to read and write."""
        if self._trusted is None:
            self._trusted = self._check_directory()
        return self._trusted

    def _check_directory(self):
        try:
            os.makedirs(self.directory, 0o700, exist_ok=True)
            info = os.stat(self.directory)
        except OSError as exc:
            self.warn('token cache directory %s cannot be used (%s): the token is not cached; set cache_dir'
                      % (self.directory, exc.strerror or type(exc).__name__))
            return False
        if info.st_uid != os.geteuid() or info.st_mode & 0o022:
            self.warn('token cache directory %s is not trusted (owned by uid %d, mode %04o; it must be yours and not '
                      'writable by others): the token is not cached; fix it with chmod 700 or set cache_dir'
                      % (self.directory, info.st_uid, stat.S_IMODE(info.st_mode)))
            return False
        return True

    def get(self, key, min_ttl, now):
        """A fresh entry for key, or None."""
        entry = _MEMO.get((self.directory, key))
        if entry is None or not is_fresh(entry, min_ttl, now):
            entry = self._read(key)
        if entry is not None and is_fresh(entry, min_ttl, now):
            _MEMO[(self.directory, key)] = entry
            return entry
        return None

    def _read(self, key):
        if not self.trusted():
            return None
        path = self._path(key)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                self.warn('token cache file %s is not trusted (%s): asking for a new token'
                          % (path, 'a symlink' if exc.errno == errno.ELOOP else exc.strerror))
            return None
        with os.fdopen(fd, 'rb') as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
                self.warn('token cache file %s is not trusted (owner uid %d, mode %04o; it must be yours and 0600): '
                          'asking for a new token' % (path, info.st_uid, stat.S_IMODE(info.st_mode)))
                return None
            raw = handle.read(MAX_FILE_BYTES + 1)
        try:
            entry = json.loads(raw.decode('utf-8'))
        except ValueError:
            entry = None
        if not isinstance(entry, dict) or not _valid(entry, key):
            self.warn('token cache file %s is damaged or not for this credential: asking for a new token' % path)
            return None
        return entry

    def put(self, key, result, fetched_at):
        """Store a token with a known expiry (atomically); a token without one is not cached."""
        if result['expires_at'] is None or result['expires_at'] <= fetched_at:
            return
        entry = dict((name, result[name]) for name in STORED_KEYS)
        entry.update(format=FORMAT, key=key, lifetime=result['expires_at'] - fetched_at, stored_at=int(time.time()))
        _MEMO[(self.directory, key)] = entry
        if not self.trusted():
            return
        handle = None
        try:
            fd, temporary = tempfile.mkstemp(prefix='.%s.' % key[:16], suffix='.tmp', dir=self.directory)
            handle = os.fdopen(fd, 'w')
            os.fchmod(fd, 0o600)
            json.dump(entry, handle)
            handle.flush()
            os.fsync(fd)
            handle.close()
            os.replace(temporary, self._path(key))
        except OSError as exc:
            if handle is not None and not handle.closed:
                handle.close()
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            self.warn('token cache file %s could not be written (%s): the token is not cached'
                      % (self._path(key), exc.strerror or type(exc).__name__))

    def forget(self, key, check_mode=False):
        """Remove the cached token for key; True when there was one."""
        _MEMO.pop((self.directory, key), None)
        path = self._path(key)
        if not os.path.lexists(path):
            return False
        if not check_mode:
            os.unlink(path)
        return True

    @contextlib.contextmanager
    def lock(self, key, timeout):
        """Hold the grant's lock so one process asks while the others wait (at most timeout seconds)."""
        fd = None
        if self.trusted():
            try:
                fd = os.open(self._path(key, '.lock'), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            except OSError as exc:
                self.warn('token cache lock %s cannot be used (%s): asking without it'
                          % (self._path(key, '.lock'), exc.strerror))
        try:
            if fd is not None:
                self._acquire(fd, timeout)
            yield
        finally:
            if fd is not None:
                os.close(fd)

    def _acquire(self, fd, timeout):
        deadline = time.monotonic() + timeout
        pause = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    self.warn('token cache lock cannot be taken (%s): asking without it' % exc.strerror)
                    return
            if time.monotonic() >= deadline:
                self.warn('waited %g s for another process to get the token: asking without waiting longer' % timeout)
                return
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
