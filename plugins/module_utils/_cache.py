# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The token cache: one 0600 file per grant in a 0700 directory, atomic writes, one request at a time per grant.

A file is trusted only when it is a regular file (never a symlink) owned by this user, with no group or other
permission bits, in a directory (never a symlink) owned by this user that no one else can write, and when it names
the same key. Anything else is ignored with a warning, and a fresh token is asked for.

A file's name is a hash of the grant without its secret (so a name printed in a warning says nothing about the
secret); the file holds a salted, slow verifier of the secret (PBKDF2), and a token stored under another secret
(a rotated one) is not returned.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import hmac
import json
import math
import os
import stat
import tempfile
import time
from typing import Any, Callable, Dict, Iterator, Mapping, Optional, TYPE_CHECKING

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._memo import MEMO
from ansible_collections.netfoundry.api.plugins.module_utils._response import MAX_TOKEN_LIFE

if TYPE_CHECKING:  # the grant is only named here
    from ansible_collections.netfoundry.api.plugins.module_utils._grants import ExchangeGrant

ENV_CACHE_DIR = 'NETFOUNDRY_CACHE_DIR'
CACHE_FORMAT = 2
MAX_FILE_BYTES = 256 * 1024
VERIFIER_ITERATIONS = 10000
SALT_BYTES = 16

# Entries this process has read or written are kept in the memo by (directory, key), checked against a fingerprint
# of the secret they were verified for, so repeated evaluations neither re-read the file nor re-run the slow
# verifier. The fingerprint is an HMAC under a key that lives only in this process's memory.
MEMO_SPACE = 'token cache'
_PROCESS_KEY = os.urandom(32)


def default_dir(environ: Mapping[str, str]) -> str:
    """NETFOUNDRY_CACHE_DIR, else $XDG_CACHE_HOME/netfoundry/ansible, else ~/.cache/netfoundry/ansible."""
    if environ.get(ENV_CACHE_DIR):
        return os.path.expanduser(environ[ENV_CACHE_DIR])
    base = environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'netfoundry', 'ansible')


def cache_key(request: ExchangeGrant) -> str:
    """Everything that identifies the grant except the secret (the verifier inside the file checks that)."""
    material = json.dumps([CACHE_FORMAT, request.token_url, request.auth_method, request.credential.client_id,
                           request.audience, request.scope, request.resource])
    return hashlib.sha256(b'netfoundry.api token cache\0' + material.encode('utf-8')).hexdigest()


def _verifier(secret: str, salt: bytes, iterations: int = VERIFIER_ITERATIONS) -> str:
    return hashlib.pbkdf2_hmac('sha256', secret.encode('utf-8'), salt, iterations).hex()


def new_verifier(secret: str) -> Dict[str, Any]:
    salt = os.urandom(SALT_BYTES)
    return dict(salt=salt.hex(), iterations=VERIFIER_ITERATIONS, hash=_verifier(secret, salt))


def verifies(verifier: Any, secret: str) -> bool:
    """True when verifier (from a cache file) was made from secret."""
    try:
        salt = bytes.fromhex(verifier['salt'])
        iterations = verifier['iterations']
        expected = verifier['hash']
        if not (isinstance(iterations, int) and 1000 <= iterations <= 10 * VERIFIER_ITERATIONS
                and isinstance(expected, str) and len(salt) >= SALT_BYTES):
            return False
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(_verifier(secret, salt, iterations), expected)


def fingerprint(secret: str) -> bytes:
    """The memo's check value of a secret: an HMAC under this process's key (never stored anywhere)."""
    return hmac.new(_PROCESS_KEY, secret.encode('utf-8'), hashlib.sha256).digest()


# How far the clock may have stepped back since a token was stored before it no longer counts as fresh: after a
# larger step its life left cannot be known.
CLOCK_STEP = 300


def is_fresh(entry: Mapping[str, Any], min_ttl: float, now: float) -> bool:
    """Reusable while the life left is at least min_ttl, capped at half the token's life; never once expired, never
    when the clock is well before the time it was stored (stepped back)."""
    left = entry['expires_at'] - now
    if entry.get('stored_at') is not None and entry['stored_at'] > now + CLOCK_STEP:
        return False
    return left > 0 and left >= min(min_ttl, entry['lifetime'] / 2.0)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _valid(entry: Any, key: str) -> bool:
    """A record this collection wrote for this key: finite times, and an expiry no further from when it was stored
    than the longest token life the collection accepts (a hand-made record is not trusted beyond that)."""
    try:
        return bool(entry['format'] == CACHE_FORMAT and entry['key'] == key and isinstance(entry['access_token'], str)
                    and entry['access_token'] and _number(entry['expires_at']) and _number(entry['stored_at'])
                    and _number(entry['lifetime']) and 0 < entry['lifetime'] <= MAX_TOKEN_LIFE
                    and entry['expires_at'] - entry['stored_at'] <= MAX_TOKEN_LIFE + CLOCK_STEP
                    and isinstance(entry['claims'], dict) and isinstance(entry['verifier'], dict))
    except (KeyError, TypeError):
        return False


class TokenCache:
    """The cache directory; warn(text) reports anything it will not trust or cannot do."""

    def __init__(self, directory: str, warn: Callable[[str], None]) -> None:
        # Normalised: 'dir/' would make lstat follow a symlink named dir.
        self.directory = os.path.normpath(directory)
        self.warn = warn
        self._trusted: Optional[bool] = None

    def _path(self, key: str, suffix: str = '.json') -> str:
        return os.path.join(self.directory, key + suffix)

    def trusted(self) -> bool:
        """Make the directory (0700) if needed; True when it is safe to read and write."""
        if self._trusted is None:
            self._trusted = self._check_directory()
        return self._trusted

    def _check_directory(self) -> bool:
        try:
            _make_private_dirs(self.directory)
            info = os.lstat(self.directory)
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
            self.warn('token cache directory %s cannot be used (%s): the token is not cached; set cache_dir'
                      % (self.directory, _reason(exc)))
            return False
        if not stat.S_ISDIR(info.st_mode):
            self.warn('token cache directory %s is not trusted (%s): the token is not cached; set cache_dir to a '
                      'real directory' % (self.directory, 'a symlink' if stat.S_ISLNK(info.st_mode) else 'not a directory'))
            return False
        if info.st_uid != os.geteuid() or info.st_mode & 0o022:
            self.warn('token cache directory %s is not trusted (owned by uid %d, mode %04o; it must be yours and not '
                      'writable by others): the token is not cached; fix it with chmod 700 or set cache_dir'
                      % (self.directory, info.st_uid, stat.S_IMODE(info.st_mode)))
            return False
        return True

    def get(self, key: str, min_ttl: float, now: float, secret: str, refused: Optional[str] = None,
            secret_print: Optional[bytes] = None) -> Optional[Dict[str, Any]]:
        """A fresh entry for key, stored under this secret, or None; never one that holds the token refused (the API
        refused it: the file may hold a newer one, which another process got meanwhile). secret_print: the secret's
        fingerprint() when the caller has it already."""
        secret_print = secret_print or fingerprint(secret)
        entry = MEMO.get(MEMO_SPACE, (self.directory, key), secret_print)
        if entry is not None and is_fresh(entry, min_ttl, now) and entry['access_token'] != refused:
            return entry
        entry = self._read(key)
        if entry is not None and (not is_fresh(entry, min_ttl, now) or entry['access_token'] == refused):
            entry = None
        if entry is not None and not verifies(entry['verifier'], secret):
            self.warn('token cache file %s holds a token got with another client secret than this one (changed, or '
                      'mistyped): asking for a new token with this one' % self._path(key))
            entry = None
        if entry is not None:
            MEMO.put(MEMO_SPACE, (self.directory, key), entry, secret_print)
        return entry

    def _read(self, key: str) -> Optional[Dict[str, Any]]:
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
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            entry = None
        if not isinstance(entry, dict) or not _valid(entry, key):
            self.warn('token cache file %s is damaged or not for this credential: asking for a new token' % path)
            return None
        return entry

    def put(self, key: str, record: Dict[str, Any], fetched_at: float, secret: str) -> None:
        """Store a token's record (Token.record()) with a known expiry, atomically; a token without one is not
        cached. A file that cannot be written is a warning: the token is still returned, and no temporary file is
        left behind."""
        if record['expires_at'] is None or record['expires_at'] <= fetched_at:
            return
        entry = dict(record)
        entry.update(format=CACHE_FORMAT, key=key, lifetime=record['expires_at'] - fetched_at, stored_at=int(fetched_at),
                     verifier=new_verifier(secret))
        MEMO.put(MEMO_SPACE, (self.directory, key), entry, fingerprint(secret))
        if not self.trusted():
            return
        data = json.dumps(entry).encode('utf-8')
        if len(data) > MAX_FILE_BYTES:
            # A file a read would refuse as too large: each run would ask again and call the file damaged. An older
            # token in the file goes too: after force it may be the one just replaced.
            with contextlib.suppress(OSError):
                os.unlink(self._path(key))
            self.warn('the token is too large for the token cache (%d bytes; a cache file holds at most %d): it is not '
                      'cached, and each run asks for a new one' % (len(data), MAX_FILE_BYTES))
            return
        fd = temporary = None
        try:
            fd, temporary = tempfile.mkstemp(prefix='.%s.' % key[:16], suffix='.tmp', dir=self.directory)
            os.fchmod(fd, 0o600)
            while data:  # unbuffered, so that a failed write (disk full) is never retried by a close()
                data = data[os.write(fd, data):]
            os.fsync(fd)
            os.close(fd)
            fd = None
            os.replace(temporary, self._path(key))
            temporary = None
        except OSError as exc:
            self.warn('token cache file %s could not be written (%s): the token is not cached'
                      % (self._path(key), _reason(exc)))
        finally:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)

    def forget(self, key: str, check_mode: bool = False) -> bool:
        """Remove the cached token for key; True when there was one. The directory and the file must pass the checks
        a read makes; anything else is an NFError (one line), and nothing is removed."""
        MEMO.forget(MEMO_SPACE, (self.directory, key))
        path = self._path(key)
        try:
            info = os.lstat(self.directory)
        except (OSError, ValueError) as exc:
            if isinstance(exc, OSError) and exc.errno == errno.ENOENT:
                return False
            raise NFError('token cache directory %s cannot be used (%s): check cache_dir' % (self.directory, _reason(exc)))
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
            raise NFError('token cache directory %s is not trusted (%s): nothing was removed; set cache_dir to a '
                          'directory of yours that no one else can write' % (self.directory, _describe(info)))
        try:
            info = os.lstat(path)
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                return False
            raise NFError('token cache file %s cannot be checked (%s): check cache_dir' % (path, _reason(exc)))
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
            raise NFError('token cache file %s is not trusted (%s): nothing was removed; remove it by hand'
                          % (path, _describe(info)))
        if not check_mode:
            try:
                os.unlink(path)
            except OSError as exc:
                raise NFError('token cache file %s could not be removed (%s): check the permissions of cache_dir'
                              % (path, _reason(exc)))
        return True

    @contextlib.contextmanager
    def lock(self, key: str, timeout: float) -> Iterator[Held]:
        """Hold the grant's lock so one process asks while the others wait (at most timeout seconds); yields a Held,
        through which the holder leaves the reason it failed for the waiters."""
        fd = None
        if self.trusted():
            try:
                fd = os.open(self._path(key, '.lock'), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            except OSError as exc:
                self.warn('token cache lock %s cannot be used (%s): asking without it'
                          % (self._path(key, '.lock'), exc.strerror))
        try:
            if fd is not None and not self._acquire(fd, timeout):
                os.close(fd)
                fd = None
            yield Held(fd)
        finally:
            if fd is not None:
                os.close(fd)

    def _acquire(self, fd: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        pause = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    self.warn('token cache lock cannot be taken (%s): asking without it' % exc.strerror)
                    return False
            if time.monotonic() >= deadline:
                self.warn('waited %g s for another process to get the token: asking without waiting longer' % timeout)
                return False
            time.sleep(pause)
            pause = min(pause * 2, 0.1)


class Held:
    """The grant's lock, held (fd None: not held). The lock file holds the last holder's failure, if it failed: when
    the identity provider is down, the processes that waited meanwhile fail with that reason at once instead of each
    asking in turn (four processes took 10, 18, 26 and 35 s where one fails in 8)."""

    def __init__(self, fd: Optional[int]) -> None:
        self.fd = fd

    def failure_since(self, since: float, asked: str) -> Optional[str]:
        """The reason the last holder failed, if that was at or after since (wall-clock seconds) and its request was
        the one this process would send (asked: a fingerprint of the secret and the connection settings), else
        None: a holder with another secret, timeout, CA bundle or proxy may have failed where this one would not."""
        if self.fd is None:
            return None
        try:
            os.lseek(self.fd, 0, os.SEEK_SET)
            record = json.loads(os.read(self.fd, 4096).decode('utf-8') or 'null')
        except (OSError, ValueError, RecursionError):
            return None
        if not (isinstance(record, dict) and _number(record.get('at')) and isinstance(record.get('reason'), str)):
            return None
        return record['reason'] if record['at'] >= since and record.get('asked') == asked else None

    def record(self, reason: str, asked: Optional[str] = None) -> None:
        """Leave reason (a message already redacted) for the processes waiting now, with the fingerprint of the
        request that failed; empty: clear it."""
        if self.fd is None:
            return
        data = json.dumps(dict(at=time.time(), reason=reason[:2000], asked=asked)).encode('utf-8') if reason else b''
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
            os.lseek(self.fd, 0, os.SEEK_SET)
            os.write(self.fd, data)


def _reason(exc: BaseException) -> str:
    return getattr(exc, 'strerror', None) or ('a NUL byte in the path' if 'null' in str(exc) else type(exc).__name__)


def _describe(info: os.stat_result) -> str:
    kind = 'a symlink' if stat.S_ISLNK(info.st_mode) else 'a directory' if stat.S_ISDIR(info.st_mode) else \
        'a regular file' if stat.S_ISREG(info.st_mode) else 'a special file'
    return '%s, owner uid %d, mode %04o' % (kind, info.st_uid, stat.S_IMODE(info.st_mode))


def _make_private_dirs(path: str) -> None:
    """Make path and its missing parents with mode 0700 (os.makedirs gives parents 0777 less the umask)."""
    missing = []
    head = os.path.abspath(path)
    while not os.path.lexists(head):
        missing.append(head)
        parent = os.path.dirname(head)
        if parent == head:
            break
        head = parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, 0o700)
        except FileExistsError:  # made by another process meanwhile
            continue
        os.chmod(folder, 0o700)  # a umask with owner bits (0o277) would leave it unusable
