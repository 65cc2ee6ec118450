# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The token every front-end gets: validate, resolve the credential, then a Token from the cache, one exchange or a
ready token (and the RapidAPI grant, which has fixed headers and no token at all)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from typing import Any, Callable, Dict, Hashable, Mapping, NoReturn, Optional, Tuple

from ansible_collections.netfoundry.api.plugins.module_utils import _credentials, _response
from ansible_collections.netfoundry.api.plugins.module_utils._cache import TokenCache, cache_key, default_dir, fingerprint
from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import (
    ENV_ENVIRONMENT, ENV_FALLBACKS, PROXY_VARIABLES, display_url)
from ansible_collections.netfoundry.api.plugins.module_utils._errors import (
    NFError, redact, redact_secret_pieces, secret_forms, secret_pieces)
from ansible_collections.netfoundry.api.plugins.module_utils._grants import (
    Clock, Environ, ExchangeGrant, ReadyGrant, Settings, Token, TokenGrant)
from ansible_collections.netfoundry.api.plugins.module_utils._memo import MEMO, WARNED_SPACE, stat_signature
from ansible_collections.netfoundry.api.plugins.module_utils._options import CORE, validate

Warn = Callable[[str], None]
Origins = Dict[str, str]
PREPARED_SPACE = 'prepared'  # the memo's space of prepared token requests (options that name the credential)


def prepare(options: Mapping[str, Any], environ: Optional[Environ] = None, cwd: Optional[str] = None,
            home: Optional[str] = None, origins: Optional[Origins] = None) -> TokenGrant:
    """Everything that needs no network: options (raw values by name), credential source, endpoint, request shape.

    origins (name -> where the front-end found the value) only makes error messages say where to look. When the
    options name the credential (client_id + client_secret, or credentials_file), the request depends on nothing
    else but NETFOUNDRY_ENVIRONMENT and the files named: it is made once and kept while those are unchanged (a
    lookup is evaluated again at every use)."""
    environ = os.environ if environ is None else environ
    options, origins = _from_environment(options, environ, origins)
    key = _prepared_key(options, origins)
    if key is not None:
        check = (environ.get(ENV_ENVIRONMENT),) + tuple(
            stat_signature(os.path.expanduser(os.path.expandvars(path))) if isinstance(path, str) else None
            for path in (options.get('ca_path'), options.get('credentials_file')))
        known: Optional[TokenGrant] = MEMO.get(PREPARED_SPACE, key, check)
        if known is not None:
            return known
    request = _prepare(options, environ, cwd, home, origins)
    if key is not None:
        MEMO.put(PREPARED_SPACE, key, request, check)
    return request


def _from_environment(options: Mapping[str, Any], environ: Environ,
                      origins: Optional[Origins]) -> Tuple[Mapping[str, Any], Optional[Origins]]:
    """ca_path and proxy from NETFOUNDRY_CA_PATH and NETFOUNDRY_PROXY when no option, variable or ansible.cfg gave
    them (an empty variable counts as unset)."""
    found = [(name, variable) for name, variable in ENV_FALLBACKS
             if options.get(name) is None and (environ.get(variable) or '').strip()]
    if not found:
        return options, origins
    changed, where = dict(options), dict(origins or {})
    for name, variable in found:
        changed[name] = environ[variable]
        where[name] = 'environment variable %s' % variable
    return changed, where


def _prepared_key(options: Mapping[str, Any], origins: Optional[Origins]) -> Optional[Hashable]:
    """The memo key of options that name the credential (their raw values and types, and where they came from), or
    None when the credential comes from the environment or a default file, or a value cannot be a key."""
    named = options.get('credentials_file')
    if isinstance(named, str) and os.sep not in named and not named.startswith('~'):
        return None  # a bare file name is looked for in several folders: found anew each time
    if not ((options.get('client_id') and options.get('client_secret')) or named):
        return None
    values = tuple((value, type(value)) for value in (options.get(name) for name in CORE))
    key = (values, tuple(sorted(origins.items())) if origins else ())
    try:
        hash(key)
    except TypeError:  # a list or dict value (retries as a mapping): validated anew each time
        return None
    return key


def _prepare(options: Mapping[str, Any], environ: Environ, cwd: Optional[str], home: Optional[str],
             origins: Optional[Origins]) -> TokenGrant:
    settings = validate(options, origins)
    settings['origins'] = dict(origins or {})
    if settings['environment'] is None and (environ.get(ENV_ENVIRONMENT) or '').strip():
        settings['environment'] = environ[ENV_ENVIRONMENT].strip()
        settings['environment_source'] = 'env %s' % ENV_ENVIRONMENT
    elif settings['origins'].get('environment'):
        settings['environment_source'] = settings['origins']['environment']
    credential = _credentials.resolve(settings['client_id'], settings['client_secret'], settings['credentials_file'],
                                      environ=environ, cwd=cwd, home=home, origins=settings['origins'])
    if isinstance(credential, _credentials.ReadyToken):
        ready = ReadyGrant(settings, credential)
        ready.account_at = (environ, cwd, home)
        return ready
    try:
        return ExchangeGrant(settings, credential)
    except NFError as exc:
        message = redact(exc.message, secret_forms(credential.client_secret))
        raise NFError('%s (credential source: %s)' % (message, credential.source))


def exchange(request: ExchangeGrant, environ: Optional[Environ] = None, warn: Optional[Warn] = None, clock: Clock = time.time) -> Token:
    """POST the grant and turn the answer into a Token."""
    environ = os.environ if environ is None else environ
    warn = warn or (lambda _text: None)
    secrets = request.secret_forms(environ)
    pieces = secret_pieces(request.credential.client_secret, request.credential.client_id)
    where = 'token request to %s' % display_url(request.token_url)
    source = request.credential.source

    def fail(text: str) -> NoReturn:
        raise NFError(redact_secret_pieces(redact('%s (credential source: %s)' % (text, source), secrets), pieces))

    # Imported here so that a cache hit never loads requests.
    from ansible_collections.netfoundry.api.plugins.module_utils import _http

    headers, body = request.http_parts()
    started = clock()
    try:
        answer = _http.post(request.token_url, headers, body, request.settings, environ,
                            lambda text: warn(redact_secret_pieces(redact(text, secrets), pieces)))
    except NFError as exc:
        fail('%s failed: %s' % (where, exc.message))
    if 300 <= answer.status < 400:
        fail('%s was redirected (HTTP %d to %s): set token_url to the final token endpoint; the secret is not sent '
             'to redirects' % (where, answer.status, display_url(answer.location or '?')))
    if not 200 <= answer.status < 300:
        reason, fix = _response.error_reason(answer.status, answer.body, answer.content_type, secrets)
        secret = request.credential.client_secret or ''
        if answer.status in (400, 401) and secret != secret.strip():
            fix += '; the client secret begins or ends with white space (a space or a line break), which is sent as it is'
        retried = ' after %d attempts' % answer.attempts if answer.attempts > 1 else ''
        fail('%s was refused%s: %s; %s' % (where, retried, reason, fix))
    try:
        parsed = _response.parse_token(answer.body, answer.content_type, started, secrets)
    except NFError as exc:
        fail('%s got no usable token: %s; check token_url and auth_method' % (where, exc.message))
    expires_at = parsed['expires_at']
    return Token.from_grant(request, parsed['access_token'], expires_at, parsed['claims'],
                            expires_at - started if expires_at is not None else None, cached=False)


def _store(request: ExchangeGrant, environ: Environ, warn: Warn) -> TokenCache:
    settings = request.settings
    return TokenCache(settings['cache_dir'] or default_dir(environ), warn)


def _grant_store(request: ExchangeGrant, environ: Environ, warn: Warn) -> Tuple[TokenCache, str, bytes]:
    """(store, key, fingerprint of the secret) of this request's grant. The key and the fingerprint are worked out
    once per request (prepare() keeps a request while its options are unchanged); the store is this call's, so it
    checks its directory anew whenever it reads a file."""
    known = request.grant_key
    if known is None:
        known = request.grant_key = (cache_key(request), fingerprint(request.secret))
    return (_store(request, environ, warn),) + known


def _asked(request: ExchangeGrant, secret_print: bytes, environ: Environ) -> str:
    """A fingerprint of the token request as this process would send it: the secret (by its verifier) and every
    setting and variable that decides where and how it goes. A failure left in the lock is shared only between equal
    ones."""
    from ansible_collections.netfoundry.api.plugins.module_utils._http import CA_BUNDLE_ENV
    settings = request.settings
    parts = [secret_print, getattr(request, 'token_url', None)] + [settings.get(name) for name in (
        'validate_certs', 'ca_path', 'proxy', 'timeout', 'retries')] + [environ.get(name) for name in (
            PROXY_VARIABLES + ('no_proxy', 'NO_PROXY') + CA_BUNDLE_ENV)]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode('utf-8')).hexdigest()


def _lock_timeout(settings: Settings) -> float:
    """The lock holder's deadline: every attempt (each ends within timeout, whatever the server trickles) plus the
    longest wait before each retry, plus a margin. Waiters wait that long, so a slow identity provider is still
    asked once."""
    from ansible_collections.netfoundry.api.plugins.module_utils._http import LONGEST_WAIT
    retries = settings['retries']['total']
    return settings['timeout'] * (retries + 1) + LONGEST_WAIT * retries + 5


def fetch(request: TokenGrant, environ: Optional[Environ] = None, warn: Optional[Warn] = None, clock: Clock = time.time,
          refused: Optional[str] = None) -> Token:
    """After prepare(): a Token, fresh from the cache or from one exchange (one process per grant at a time), or the
    ready token (renewed from the API account beside it when it runs short).

    refused: the token the API just refused (HTTP 401); it is never returned. A cached token other than it is one
    that another fork or process got since, so under the grant's lock it is used as it is: ten forks refused at once
    renew once. (force is then moot: the refusal already says which token not to reuse.)"""
    environ = os.environ if environ is None else environ
    warn = warn or (lambda _text: None)
    for note in request.credential.notes:
        if not MEMO.get(WARNED_SPACE, note):  # once per process, however often the lookup is evaluated
            MEMO.put(WARNED_SPACE, note, True)
            warn(note)
    if isinstance(request, ReadyGrant):
        return _fetch_ready(request, environ, warn, clock, refused)
    if not request.settings['cache']:
        return exchange(request, environ, warn, clock)
    return _fetch_cached(request, environ, warn, clock, refused)


def _fetch_ready(request: ReadyGrant, environ: Environ, warn: Warn, clock: Clock, refused: Optional[str]) -> Token:
    """The ready token; when it is refused or runs short (min_ttl) and an API account is at hand, as NetFoundry's SDK
    does after nfctl login, a token of the account instead."""
    left = request.left(clock())
    spent = refused == request.access_token or (left is not None and left < request.settings['min_ttl'])
    renewal = request.renewal if spent else None
    if renewal is None:
        return request.token(clock, refused)
    if refused == request.access_token or left is None:  # left is None only when it was refused
        why = 'was refused by the API'
    else:
        why = 'expired %d s ago' % -left if left <= 0 else 'has %d s left, less than min_ttl' % left
    warn('%s %s: getting a new token with the API account (%s)'
         % (_credentials.ENV_API_TOKEN, why, renewal.credential.source))
    return fetch(renewal, environ, warn, clock, None if refused == request.access_token else refused)


def _cached_token(request: ExchangeGrant, store: TokenCache, key: str, secret_print: bytes, clock: Clock,
                  refused: Optional[str]) -> Optional[Token]:
    """The grant's cached token, fresh for min_ttl and not the refused one, or None. force skips the cache (but not
    after a refusal)."""
    settings = request.settings
    if refused is None and settings['force']:
        return None
    entry = store.get(key, settings['min_ttl'], clock(), request.secret, refused, secret_print)
    if not entry:
        return None
    last = request.last_token
    if last is not None and last[0] is entry:  # the memo's entry again: its Token is made already
        return last[1]
    token = Token.from_grant(request, entry['access_token'], entry['expires_at'], entry['claims'], entry['lifetime'],
                             cached=True)
    request.last_token = (entry, token)
    return token


def _fetch_cached(request: ExchangeGrant, environ: Environ, warn: Warn, clock: Clock, refused: Optional[str]) -> Token:
    """A token from the cache, else from one exchange under the grant's lock: whoever waited for the lock reads the
    cache again, and does not ask again what the holder just asked and was refused."""
    store, key, secret_print = _grant_store(request, environ, warn)
    token = _cached_token(request, store, key, secret_print, clock, refused)
    if token:
        return token
    waiting_since = time.time()
    asked = _asked(request, secret_print, environ)
    with store.lock(key, _lock_timeout(request.settings)) as held:
        token = _cached_token(request, store, key, secret_print, clock, refused)
        if token:
            return token
        failed = held.failure_since(waiting_since, asked)
        if failed:  # the holder this process waited for sent this very request and failed: so would this one, now
            raise NFError('%s (another process asked while this one waited, and failed so; not asked again)'
                          % failed)
        fetched_at = clock()
        try:
            token = exchange(request, environ, warn, clock)
        except NFError as exc:
            held.record(exc.message, asked)
            raise
        held.record('')
        store.put(key, token.record(), fetched_at, request.secret)
    return token


def get_token(request: TokenGrant, environ: Optional[Environ] = None, warn: Optional[Warn] = None, clock: Clock = time.time,
              refused: Optional[str] = None) -> Dict[str, Any]:
    """fetch() as the module's result (state=present, without ansible_facts)."""
    return fetch(request, environ, warn, clock, refused).result(clock())


def forget_token(request: TokenGrant, environ: Optional[Environ] = None, warn: Optional[Warn] = None, check_mode: bool = False) -> bool:
    """After prepare(): remove the cached token of this grant; True when there was one."""
    environ = os.environ if environ is None else environ
    if isinstance(request, ReadyGrant):
        return False
    return _store(request, environ, warn or (lambda _text: None)).forget(cache_key(request), check_mode)
