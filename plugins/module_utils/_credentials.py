# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find the API account (client id + secret) in the first source that has it, never mixing sources."""

from __future__ import annotations

import json
import os
import stat
import sys
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError, named
from ansible_collections.netfoundry.api.plugins.module_utils._memo import MEMO, stat_signature

FILES_SPACE = 'credentials files'  # the memo's space of credentials files read (their stat signature the check)

ENV_ACCOUNT = 'NETFOUNDRY_API_ACCOUNT'
ENV_CLIENT_ID = 'NETFOUNDRY_CLIENT_ID'
ENV_CLIENT_SECRET = 'NETFOUNDRY_CLIENT_SECRET'
ENV_PASSWORD = 'NETFOUNDRY_PASSWORD'
ENV_OAUTH_URL = 'NETFOUNDRY_OAUTH_URL'
ENV_API_TOKEN = 'NETFOUNDRY_API_TOKEN'
FILE_NAME = 'credentials.json'

MAX_FILE_BYTES = 64 * 1024
FILE_FIX = 'download the API account again from NF Console (Organization > Manage API Account)'


class Credential:
    """A client id + secret pair, the token URL its source names (if any) and where it came from.

    missing_url tells what the source lacks when it names no token URL (a file without authenticationUrl, no
    NETFOUNDRY_OAUTH_URL). It is None for the client_id + client_secret options, which may be any RFC 6749 client;
    a source that has one holds NetFoundry's own API account, whose form-encoded grant carries NetFoundry's scope."""

    __slots__ = ('client_id', 'client_secret', 'token_url', 'source', 'missing_url', 'notes')

    def __init__(self, client_id: str, client_secret: Optional[str], token_url: Optional[str], source: str,
                 missing_url: Optional[str] = None, notes: Sequence[str] = ()) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_url = token_url
        self.source = source
        self.missing_url = missing_url
        self.notes = tuple(notes)  # warnings for the front-end to show once (a file others may read)

    @property
    def netfoundry(self) -> bool:
        return self.missing_url is not None

    def __repr__(self) -> str:
        return 'Credential(client_id=%r, source=%r)' % (self.client_id, self.source)


class ReadyToken:
    """A bearer token someone already holds (NETFOUNDRY_API_TOKEN): used as it is, never exchanged or cached."""

    __slots__ = ('access_token', 'source')

    def __init__(self, access_token: str, source: str) -> None:
        self.access_token = access_token
        self.source = source

    def __repr__(self) -> str:
        return 'ReadyToken(source=%r)' % self.source


def default_dirs(cwd: Optional[str] = None, home: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> List[str]:
    """The directories NetFoundry's SDK and CLI look for credentials.json in, in their order: the working
    directory, ~/.netfoundry, /netfoundry, then the XDG config directory ($XDG_CONFIG_HOME, else ~/.config)."""
    environ = os.environ if environ is None else environ
    cwd = cwd or os.getcwd()
    home = home or os.path.expanduser('~')
    config = (environ.get('XDG_CONFIG_HOME') or '').strip() or os.path.join(home, '.config')
    folders = [cwd, os.path.join(home, '.netfoundry'), os.path.join(os.sep, 'netfoundry'), os.path.join(config, 'netfoundry')]
    if sys.platform == 'darwin':  # the SDK's macOS config folder (platformdirs)
        folders.append(os.path.join(home, 'Library', 'Application Support', 'netfoundry'))
    return folders


def default_files(cwd: Optional[str] = None, home: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> List[str]:
    """The credentials files NetFoundry's SDK and CLI look for, in their order."""
    return [os.path.join(folder, FILE_NAME) for folder in default_dirs(cwd, home, environ)]


def read_credentials_file(path: str, source: str) -> Credential:
    """Read NF Console's API account file: clientId, password, authenticationUrl; other keys are ignored.

    A lookup evaluated many times in one process stats the file each time and reads it again only when it changed
    (the memo's check value is the file's stat signature)."""
    path = os.path.expanduser(path)
    signature = stat_signature(path)
    known = MEMO.get(FILES_SPACE, path, signature) if signature is not None else None
    if known is not None:
        client_id, password, url, notes = known
        return Credential(client_id, password, url, '%s %s' % (source, path), _no_url_in(path), notes)
    credential = _read_credentials_file(path, source)
    if signature is not None:
        MEMO.put(FILES_SPACE, path, (credential.client_id, credential.client_secret, credential.token_url,
                                     credential.notes), signature)
    return credential


def _read_credentials_file(path: str, source: str) -> Credential:
    if '\0' in path:
        raise NFError('credentials file path %r (%s) holds a NUL byte: check the path' % (path, source))
    try:
        # O_NONBLOCK: opening a FIFO would otherwise wait for a writer for ever; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        info = os.fstat(fd)
        mode = info.st_mode
        if not stat.S_ISREG(mode):
            os.close(fd)
            raise NFError('credentials file %s (%s) is not a regular file (%s): give the path of the JSON '
                          'file NF Console gave you' % (path, source, _kind(mode)))
        with os.fdopen(fd, 'rb') as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except (IOError, OSError) as exc:
        reason = exc.strerror or type(exc).__name__
        raise NFError('cannot read credentials file %s (%s): %s; check the path and its permissions'
                      % (path, source, reason))
    if len(raw) > MAX_FILE_BYTES:
        raise NFError('credentials file %s (%s) is larger than %d bytes: it is not an API account file; %s'
                      % (path, source, MAX_FILE_BYTES, FILE_FIX))
    if not raw.strip():
        raise NFError('credentials file %s (%s) is empty; %s' % (path, source, FILE_FIX))
    if raw[:2] in (b'\xff\xfe', b'\xfe\xff'):
        raise NFError('credentials file %s (%s) is UTF-16 text (an editor saved it so): save it as UTF-8; %s'
                      % (path, source, FILE_FIX))
    duplicated: list[str] = []

    def pairs(items: List[Any]) -> dict:
        keys = [key for key, _value in items]
        duplicated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(items)
    try:
        data = json.loads(raw.decode('utf-8-sig'), object_pairs_hook=pairs)
    except UnicodeDecodeError:
        raise NFError('credentials file %s (%s) is not UTF-8 text; %s' % (path, source, FILE_FIX))
    except RecursionError:
        raise NFError('credentials file %s (%s) is nested too deeply to be an API account file; %s'
                      % (path, source, FILE_FIX))
    except ValueError as exc:
        where = 'line %s column %s' % (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else 'invalid'
        raise NFError('credentials file %s (%s) is not valid JSON (%s); %s' % (path, source, where, FILE_FIX))
    if not isinstance(data, dict):
        raise NFError('credentials file %s (%s) must hold a JSON object with clientId and password; %s'
                      % (path, source, FILE_FIX))
    repeated = sorted(set(duplicated) & set(('clientId', 'password', 'authenticationUrl')))
    if repeated:
        raise NFError('credentials file %s (%s) has %s more than once: keep one'
                      % (path, source, ' and '.join(repeated)))
    values: Dict[str, Any] = {}
    for key in ('clientId', 'password', 'authenticationUrl'):
        value = data.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise NFError('credentials file %s (%s) has an invalid %s (it must be a non-empty string); %s'
                          % (path, source, key, FILE_FIX))
        values[key] = value.strip() if value is not None and key != 'password' else value
    missing = [key for key in ('clientId', 'password') if values[key] is None]
    if missing:
        near = sorted(str(key) for key in data if str(key).lower() in [name.lower() for name in missing])
        hint = ' (it has %s: the names are case-sensitive)' % ', '.join(near) if near else ''
        raise NFError('credentials file %s (%s) has no %s%s; %s'
                      % (path, source, ' or '.join(missing), hint, FILE_FIX))
    notes = []
    if stat.S_IMODE(mode) & 0o077:
        notes.append('credentials file %s can be read by other users (mode %04o): chmod 600 it, it holds the API '
                     "account's secret" % (path, stat.S_IMODE(mode)))
    return Credential(values['clientId'], values['password'], values['authenticationUrl'], '%s %s' % (source, path),
                      _no_url_in(path), notes)


def _no_url_in(path: str) -> str:
    return 'credentials file %s has no authenticationUrl' % path


def _kind(mode: int) -> str:
    return 'a directory' if stat.S_ISDIR(mode) else 'a FIFO' if stat.S_ISFIFO(mode) else 'a socket' \
        if stat.S_ISSOCK(mode) else 'a device' if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else 'a special file'


def _from_environment(environ: Mapping[str, str]) -> Optional[Credential]:
    client_id = environ.get(ENV_CLIENT_ID) or None
    secret = environ.get(ENV_CLIENT_SECRET) or None
    password = environ.get(ENV_PASSWORD) or None
    url = environ.get(ENV_OAUTH_URL) or None
    if not (client_id or secret or password or url):
        return None
    if secret and password and secret != password:
        raise NFError('both %s and %s are set and differ: unset one of them' % (ENV_CLIENT_SECRET, ENV_PASSWORD))
    secret_name = ENV_PASSWORD if password else ENV_CLIENT_SECRET
    if not client_id:
        present = [name for name, value in ((ENV_CLIENT_SECRET, secret), (ENV_PASSWORD, password), (ENV_OAUTH_URL, url)) if value]
        raise NFError('environment variable %s is not set but %s is: set %s too, or unset %s'
                      % (ENV_CLIENT_ID, ' and '.join(present), ENV_CLIENT_ID, ' and '.join(present)))
    if not (secret or password):
        raise NFError('environment variable %s is set but neither %s nor %s is: set the secret too, or unset %s'
                      % (ENV_CLIENT_ID, ENV_PASSWORD, ENV_CLIENT_SECRET, ENV_CLIENT_ID))
    return Credential(client_id.strip(), password or secret, url.strip() if url else None,
                      'env %s + %s' % (ENV_CLIENT_ID, secret_name),
                      'environment variable %s is set but %s is not' % (ENV_CLIENT_ID, ENV_OAUTH_URL))


def _account_file(name: str, cwd: Optional[str], home: Optional[str], environ: Mapping[str, str],
                  source: str = 'env %s' % ENV_ACCOUNT) -> Credential:
    """NETFOUNDRY_API_ACCOUNT or the option credentials_file: a path; a bare file name that is not in the working
    directory is looked for in the default directories, as NetFoundry's SDK does."""
    bare = os.sep not in name and not name.startswith('~')
    if not bare:
        return read_credentials_file(name, source)
    places = [os.path.join(folder, name) for folder in default_dirs(cwd, home, environ)]
    for path in places:
        if os.path.exists(path):
            return read_credentials_file(path, source)
    raise NFError('%s names the file %r, which is in none of %s: give its full path, or put it in one of them'
                  % (source[4:] if source.startswith('env ') else source, name, ', '.join(places)))


def _ready_token(environ: Mapping[str, str]) -> Optional[ReadyToken]:
    token = (environ.get(ENV_API_TOKEN) or '').strip()
    return ReadyToken(token, 'env %s' % ENV_API_TOKEN) if token else None


def resolve(client_id: Optional[str] = None, client_secret: Optional[str] = None,  # pylint: disable=too-many-arguments
            credentials_file: Optional[str] = None, environ: Optional[Mapping[str, str]] = None, cwd: Optional[str] = None,
            home: Optional[str] = None, origins: Optional[Mapping[str, str]] = None) -> Union[Credential, ReadyToken]:
    """The Credential (or ReadyToken) of the first source that has one, or NFError naming every place looked.

    Explicit options first; then a token someone already holds; then NetFoundry's SDK order. origins (name -> the
    variable or ansible.cfg line that gave it) names those in the source and in messages."""
    environ = os.environ if environ is None else environ
    cwd = cwd or os.getcwd()
    if client_id or client_secret:
        # The missing half is named as the given half was (a variable for a variable).
        if not client_secret:
            given = named(origins, 'client_id')
            raise NFError('%s is set but %s is not: set it too (or leave both out to use credentials_file or '
                          'the environment)' % (given, given.replace('client_id', 'client_secret')))
        if not client_id:
            given = named(origins, 'client_secret')
            raise NFError('%s is set but %s is not: set it too (or leave both out to use credentials_file or '
                          'the environment)' % (given, given.replace('client_secret', 'client_id')))
        pair = (named(origins, 'client_id'), named(origins, 'client_secret'))
        kinds = set(where.split()[0] for where in pair)
        both = '%ss %s + %s' % (kinds.pop(), pair[0].split()[-1], pair[1].split()[-1]) if len(kinds) == 1 else \
            ' + '.join(pair)
        return Credential(client_id, client_secret, None, both)
    if credentials_file:
        return _account_file(credentials_file, cwd, home, environ, named(origins, 'credentials_file'))
    ready = _ready_token(environ)
    if ready:
        return ready
    return account(environ, cwd, home)


def account(environ: Mapping[str, str], cwd: Optional[str] = None, home: Optional[str] = None) -> Credential:
    """The API account of NetFoundry's SDK order (NETFOUNDRY_API_ACCOUNT, the NETFOUNDRY_* pair, the default files),
    or NFError naming every place looked; also what renews an expiring NETFOUNDRY_API_TOKEN."""
    cwd = cwd or os.getcwd()
    named = (environ.get(ENV_ACCOUNT) or '').strip()
    if named:
        return _account_file(named, cwd, home, environ)
    credential = _from_environment(environ)
    if credential:
        return credential
    candidates = default_files(cwd, home, environ)
    skipped = []
    for path in candidates:
        if os.path.exists(path):
            owner = _foreign_owner(path)
            if owner is not None:  # a file another user left in a shared working directory is not ours to use
                skipped.append('%s, owned by uid %d' % (path, owner))
                continue
            credential = read_credentials_file(path, 'default file')
            if skipped:
                credential.notes += ('skipped the credentials file %s: found in a default place but not yours; used %s'
                                     % ('; '.join(skipped), path),)
            return credential
    raise NFError(
        'no NetFoundry API account found (looked in: options client_id + client_secret, option credentials_file, '
        'env %s, env %s, env %s + %s or %s, %s%s): set client_id and client_secret, or credentials_file to the file '
        'NF Console gave you' % (ENV_API_TOKEN, ENV_ACCOUNT, ENV_CLIENT_ID, ENV_PASSWORD, ENV_CLIENT_SECRET,
                                 ', '.join(candidates),
                                 '; skipped, not yours: %s' % '; '.join(skipped) if skipped else ''))


def _foreign_owner(path: str) -> Optional[int]:
    """The owner's uid of a file neither this user nor root owns, else None."""
    try:
        owner = os.stat(path).st_uid
    except OSError:
        return None
    return owner if owner not in (os.geteuid(), 0) else None
