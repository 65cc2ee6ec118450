# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The token every front-end gets: validate, resolve the credential, then a Token from the cache, one exchange or a
ready token (and the RapidAPI grant, which has fixed headers and no token at all)."""

import hashlib
import json
import math
import os
import re
import time

from ansible_collections.netfoundry.api.plugins.module_utils import _credentials, _response
from ansible_collections.netfoundry.api.plugins.module_utils._cache import TokenCache, cache_key, default_dir, fingerprint
from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import (
    ENV_ENVIRONMENT, ENV_FALLBACKS, GUESSED, PROXY_VARIABLES, TokenRequest, check_environment, display_url, locate_api)
from ansible_collections.netfoundry.api.plugins.module_utils._errors import (
    NFError, proxy_secret_forms, redact, redact_secret_pieces, secret_forms, secret_pieces)
from ansible_collections.netfoundry.api.plugins.module_utils._memo import MEMO, WARNED_SPACE, stat_signature
from ansible_collections.netfoundry.api.plugins.module_utils._options import CORE, validate

PREPARED_SPACE = 'prepared'  # the memo's space of prepared token requests (options that name the credential)


def prepare(options, environ=None, cwd=None, home=None, origins=None):
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
        known = MEMO.get(PREPARED_SPACE, key, check)
        if known is not None:
            return known
    request = _prepare(options, environ, cwd, home, origins)
    if key is not None:
        MEMO.put(PREPARED_SPACE, key, request, check)
    return request


def _from_environment(options, environ, origins):
    """ca_path and proxy from NETFOUNDRY_CA_PATH and NETFOUNDRY_PROXY when no option, variable or ansible.cfg gave
    them (an empty variable counts as unset)."""
    found = [(name, variable) for name, variable in ENV_FALLBACKS
             if options.get(name) is None and (environ.get(variable) or '').strip()]
    if not found:
        return options, origins
    options, origins = dict(options), dict(origins or {})
    for name, variable in found:
        options[name] = environ[variable]
        origins[name] = 'environment variable %s' % variable
    return options, origins


def _prepared_key(options, origins):
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


def _prepare(options, environ, cwd, home, origins):
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
        ready = ReadyTokenRequest(settings, credential)
        ready.account_at = (environ, cwd, home)
        return ready
    try:
        return TokenRequest(settings, credential)
    except NFError as exc:
        message = redact(exc.message, secret_forms(credential.client_secret))
        raise NFError('%s (credential source: %s)' % (message, credential.source))


JWT_RE = re.compile(r'^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$')
READY_FIX = 'get a new one (for example nfctl login --eval) or unset it to use the API account'
# What a Token holds: the token, its life, and what its grant says about it (where it came from, which API it is for).
_FIELDS = ('access_token', 'expires_at', 'lifetime', 'claims', 'audience', 'token_url', 'auth_method',
           'credential_source', 'api_url', 'environment', 'api_url_source')


class Token:
    """One bearer token. Made one way (__init__, reached through from_grant for an exchange answer, a cache file or a
    ready token, and through from_record for a session's own record); shown three ways: result() for the module and
    the lookup, record() for the cache file and the session, info() for the role. Never prints the token."""

    __slots__ = _FIELDS + ('cached',)

    def __init__(self, cached, access_token, expires_at, lifetime, claims, audience, token_url, auth_method,  # pylint: disable=too-many-arguments
                 credential_source, api_url, environment, api_url_source):
        self.cached = cached
        self.access_token = access_token
        self.expires_at = expires_at
        self.lifetime = lifetime
        self.claims = claims
        self.audience = audience
        self.token_url = token_url
        self.auth_method = auth_method
        self.credential_source = credential_source
        self.api_url = api_url
        self.environment = environment
        self.api_url_source = api_url_source

    @classmethod
    def from_grant(cls, request, access_token, expires_at, claims, lifetime, cached):
        """What the request determines (API URL, audience, source...) is taken from the request, never from a file;
        credential_source is this call's, not the one of the call that filled the cache."""
        api_url, environment, api_source = request.locate_api(claims)
        return cls(cached, access_token=access_token, expires_at=expires_at, lifetime=lifetime, claims=claims,
                   audience=request.audience, token_url=display_url(request.token_url) if request.token_url else None,
                   auth_method=request.auth_method, credential_source=request.credential.source,
                   api_url=api_url if api_url.endswith('/') else api_url + '/', environment=environment,
                   api_url_source=api_source)

    @classmethod
    def from_record(cls, record, cached=True):
        """The token of a record this collection made (a session's, held in memory), as it was made."""
        return cls(cached, **dict((name, record[name]) for name in _FIELDS))

    def __repr__(self):
        return 'Token(credential_source=%r, expires_at=%r, cached=%r)' % (self.credential_source, self.expires_at,
                                                                          self.cached)

    def expires_in(self, now):
        return max(0, int(self.expires_at - now)) if self.expires_at is not None else None

    def result(self, now):
        """The nf_token module's result for state=present, without ansible_facts (the lookup's output=full)."""
        return dict(
            access_token=self.access_token, token_type='Bearer', expires_in=self.expires_in(now),
            expires_at=self.expires_at, audience=self.audience, headers=self.headers(), token_url=self.token_url,
            auth_method=self.auth_method, credential_source=self.credential_source, claims=self.claims,
            cached=self.cached, api_url=self.api_url, environment=self.environment,
            api_url_source=self.api_url_source, api_url_guessed=self.api_url_source == GUESSED)

    def headers(self):
        return {'Authorization': 'Bearer ' + self.access_token}

    def record(self):
        """Everything from_record needs; the cache adds its own fields (format, key, verifier...)."""
        return dict(((name, getattr(self, name)) for name in _FIELDS), token_type='Bearer')

    def info(self, now):
        """The role's netfoundry_api_token_info: where the token came from and how long it lasts, never the token."""
        return dict(credential_source=self.credential_source, token_url=self.token_url, auth_method=self.auth_method,
                    environment=self.environment, api_url=self.api_url, api_url_source=self.api_url_source,
                    api_url_guessed=self.api_url_source == GUESSED, cached=self.cached,
                    expires_in=self.expires_in(now), expires_at=self.expires_at)


_UNSET = object()


class ReadyTokenRequest:
    """A token someone already holds (NETFOUNDRY_API_TOKEN), checked without the network. It stands where a
    TokenRequest stands for the front-ends; nothing is exchanged and nothing is cached."""

    token_url = None
    auth_method = None

    def __init__(self, settings, ready):
        check_environment(settings['environment'])
        self.settings = settings
        self.account_at = None  # (environ, cwd, home) where an API account may be found too
        self._renewal = _UNSET
        self.access_token = ready.access_token
        self.claims = _response.jwt_claims(ready.access_token) if JWT_RE.match(ready.access_token) else {}
        if not self.claims:
            raise NFError('%s is not a JWT (three base64url parts header.payload.signature with JSON claims): '
                          'set it to the bearer token itself, without "Bearer ", or unset it to use the API account'
                          % _credentials.ENV_API_TOKEN)
        client_id = self.claims.get('client_id') or self.claims.get('sub')
        self.credential = _credentials.Credential(client_id if isinstance(client_id, str) else '', None, None,
                                                  ready.source)
        self.audience = settings['audience']

    def locate_api(self, claims):
        return locate_api(self.settings, None, claims)

    @property
    def renewal(self):
        """The TokenRequest of an API account also at hand (nfctl login --eval exports both), or None: what renews the
        token when it runs short. Looked for only when asked (not on every evaluation of a fresh ready token)."""
        if self._renewal is _UNSET:
            try:
                self._renewal = TokenRequest(self.settings, _credentials.account(*self.account_at)) \
                    if self.account_at else None
            except NFError:
                self._renewal = None
        return self._renewal

    def left(self, now):
        """Seconds until the token's exp claim (negative once expired), or None without one."""
        exp = self.claims.get('exp')
        if isinstance(exp, (int, float)) and not isinstance(exp, bool) and math.isfinite(exp):
            return exp - now
        return None

    def token(self, clock, refused=None):
        now = clock()
        if refused is not None and refused == self.access_token:
            raise NFError('the API refused the token in %s (HTTP 401) and it cannot be renewed: %s (credential '
                          'source: %s)' % (_credentials.ENV_API_TOKEN, READY_FIX, self.credential.source))
        exp = self.claims.get('exp')
        expires_at = int(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) and math.isfinite(exp) else None
        if expires_at is not None and expires_at <= now:
            raise NFError('%s expired %d s ago (exp %s): %s (credential source: %s)'
                          % (_credentials.ENV_API_TOKEN, int(now - expires_at),
                             time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(expires_at)), READY_FIX,
                             self.credential.source))
        return Token.from_grant(self, self.access_token, expires_at, self.claims, None, cached=False)


class StaticGrant:
    """RapidAPI's grant: two fixed headers and the API URL of its host; nothing is exchanged or cached.

    names: what the key and the host are called where they came from (options, or the role's variables)."""

    HOST_RE = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?$')

    def __init__(self, key, host, names=('option rapidapi_key', 'option rapidapi_host')):
        if not host:
            raise NFError('%s is set but %s is not: set it to the X-RapidAPI-Host value RapidAPI shows for the '
                          'NetFoundry API' % names)
        if not self.HOST_RE.match(host):
            raise NFError('%s %r is not a host name: give the X-RapidAPI-Host value itself, without https:// or a '
                          'path' % (names[1], host))
        if any(ord(char) < 32 or ord(char) == 127 for char in key):
            raise NFError('%s holds a control character: give the key RapidAPI shows, on one line' % names[0])
        self.headers = {'X-RapidAPI-Key': key, 'X-RapidAPI-Host': host}
        self.api_url = 'https://%s/' % host

    @staticmethod
    def info():
        return dict(credential_source='RapidAPI key')


def request_secret_forms(request, environ):
    """Every form of what a token request must never show: the secret of its credential (and of the API account a
    ready token's request renews from), and the password of its proxy (the option's or the environment's). The one
    place the secret forms of a request are made."""
    forms = []
    for credential in (request.credential, getattr(request.renewal, 'credential', None)):
        if credential is not None:
            forms += secret_forms(credential.client_secret, credential.client_id)
    return forms + proxy_secret_forms([request.settings['proxy']] + [environ.get(name) for name in PROXY_VARIABLES])


def exchange(request, environ=None, warn=None, clock=time.time):
    """POST the grant and turn the answer into a Token."""
    environ = os.environ if environ is None else environ
    warn = warn or (lambda _text: None)
    secrets = request_secret_forms(request, environ)
    pieces = secret_pieces(request.credential.client_secret)
    where = 'token request to %s' % display_url(request.token_url)
    source = request.credential.source

    def fail(text):
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


def _store(request, environ, warn):
    settings = request.settings
    return TokenCache(settings['cache_dir'] or default_dir(environ), warn)


def _grant_store(request, environ, warn):
    """(store, key, fingerprint of the secret) of this request's grant. The key and the fingerprint are worked out
    once per request (prepare() keeps a request while its options are unchanged); the store is this call's, so it
    checks its directory anew whenever it reads a file."""
    known = request.grant_key
    if known is None:
        known = request.grant_key = (cache_key(request), fingerprint(request.credential.client_secret))
    return (_store(request, environ, warn),) + known


def _asked(request, secret_print, environ):
    """A fingerprint of the token request as this process would send it: the secret (by its verifier) and every
    setting and variable that decides where and how it goes. A failure left in the lock is shared only between equal
    ones."""
    from ansible_collections.netfoundry.api.plugins.module_utils._http import CA_BUNDLE_ENV
    settings = request.settings
    parts = [secret_print, getattr(request, 'token_url', None)] + [settings.get(name) for name in (
        'validate_certs', 'ca_path', 'proxy', 'timeout', 'retries')] + [environ.get(name) for name in (
            PROXY_VARIABLES + ('no_proxy', 'NO_PROXY') + CA_BUNDLE_ENV)]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode('utf-8')).hexdigest()


def _lock_timeout(settings):
    """The lock holder's deadline: every attempt (each ends within timeout, whatever the server trickles) plus the
    longest wait before each retry, plus a margin. Waiters wait that long, so a slow identity provider is still
    asked once."""
    from ansible_collections.netfoundry.api.plugins.module_utils._http import LONGEST_WAIT
    retries = settings['retries']['total']
    return settings['timeout'] * (retries + 1) + LONGEST_WAIT * retries + 5


def fetch(request, environ=None, warn=None, clock=time.time, refused=None):
    """After prepare(): a Token, fresh from the cache or from one exchange (one process per grant at a time).

    refused: the token the API just refused (HTTP 401); it is never returned. A cached token other than it is one
    that another fork or process got since, so under the grant's lock it is used as it is: ten forks refused at once
    renew once. (force is then moot: the refusal already says which token not to reuse.)"""
    environ = os.environ if environ is None else environ
    warn = warn or (lambda _text: None)
    settings = request.settings
    for note in request.credential.notes:
        if not MEMO.get(WARNED_SPACE, note):  # once per process, however often the lookup is evaluated
            MEMO.put(WARNED_SPACE, note, True)
            warn(note)
    if isinstance(request, ReadyTokenRequest):
        left = request.left(clock())
        spent = refused == request.access_token or (left is not None and left < settings['min_ttl'])
        renewal = request.renewal if spent else None
        if renewal is not None:
            # As NetFoundry's SDK does after nfctl login: the ready token is spent, the account gets a new one.
            warn('%s %s: getting a new token with the API account (%s)' % (
                _credentials.ENV_API_TOKEN, 'was refused by the API' if refused == request.access_token else
                'expired %d s ago' % -left if left <= 0 else 'has %d s left, less than min_ttl' % left,
                renewal.credential.source))
            return fetch(renewal, environ, warn, clock, None if refused == request.access_token else refused)
        return request.token(clock, refused)
    if not settings['cache']:
        return exchange(request, environ, warn, clock)
    store, key, secret_print = _grant_store(request, environ, warn)
    secret = request.credential.client_secret
    reuse = refused is not None or not settings['force']

    def cached():
        entry = store.get(key, settings['min_ttl'], clock(), secret, refused, secret_print) if reuse else None
        if not entry:
            return None
        last = request.last_token
        if last is not None and last[0] is entry:  # the memo's entry again: its Token is made already
            return last[1]
        token = Token.from_grant(request, entry['access_token'], entry['expires_at'], entry['claims'],
                                 entry['lifetime'], cached=True)
        request.last_token = (entry, token)
        return token

    token = cached()
    if token:
        return token
    waiting_since = time.time()
    asked = _asked(request, secret_print, environ)
    with store.lock(key, _lock_timeout(settings)) as held:
        token = cached()
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
        store.put(key, token.record(), fetched_at, secret)
    return token


def get_token(request, environ=None, warn=None, clock=time.time, refused=None):
    """fetch() as the module's result (state=present, without ansible_facts)."""
    return fetch(request, environ, warn, clock, refused).result(clock())


def forget_token(request, environ=None, warn=None, check_mode=False):
    """After prepare(): remove the cached token of this grant; True when there was one."""
    environ = os.environ if environ is None else environ
    if isinstance(request, ReadyTokenRequest):
        return False
    return _store(request, environ, warn or (lambda _text: None)).forget(cache_key(request), check_mode)
