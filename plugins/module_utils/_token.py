# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The token exchange every front-end calls: validate, resolve the credential, POST, read the answer."""

import math
import os
import re
import time

from ansible_collections.netfoundry.api.plugins.module_utils import _credentials, _response
from ansible_collections.netfoundry.api.plugins.module_utils._cache import TokenCache, cache_key, default_dir
from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import (
    ENV_ENVIRONMENT, GUESSED, PROXY_VARIABLES, TokenRequest, check_environment, display_url, locate_api)
from ansible_collections.netfoundry.api.plugins.module_utils._errors import (
    NFTokenError, proxy_secret_forms, redact, secret_forms)
from ansible_collections.netfoundry.api.plugins.module_utils._options import validate


def prepare(options, environ=None, cwd=None, home=None, origins=None):
    """Everything that needs no network: options (raw values by name), credential source, endpoint, request shape.

    origins (name -> where the front-end found the value) only makes error messages say where to look."""
    environ = os.environ if environ is None else environ
    settings = validate(options, origins)
    if settings['environment'] is None and (environ.get(ENV_ENVIRONMENT) or '').strip():
        settings['environment'] = environ[ENV_ENVIRONMENT].strip()
        settings['environment_source'] = 'env %s' % ENV_ENVIRONMENT
    credential = _credentials.resolve(settings['client_id'], settings['client_secret'], settings['credentials_file'],
                                      environ=environ, cwd=cwd, home=home)
    if isinstance(credential, _credentials.ReadyToken):
        return ReadyTokenRequest(settings, credential)
    try:
        return TokenRequest(settings, credential)
    except NFTokenError as exc:
        message = redact(exc.message, secret_forms(credential.client_secret))
        raise NFTokenError('%s (credential source: %s)' % (message, credential.source))


JWT_RE = re.compile(r'^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$')
READY_FIX = 'get a new one (for example nfctl login --eval) or unset it to use the API account'


class ReadyTokenRequest:
    """A token someone already holds (NETFOUNDRY_API_TOKEN), checked without the network. It stands where a
    TokenRequest stands for the front-ends; nothing is exchanged and nothing is cached."""

    token_url = None
    auth_method = None

    def __init__(self, settings, ready):
        check_environment(settings['environment'])
        self.settings = settings
        self.access_token = ready.access_token
        self.claims = _response.jwt_claims(ready.access_token) if JWT_RE.match(ready.access_token) else {}
        if not self.claims:
            raise NFTokenError('%s is not a JWT (three base64url parts header.payload.signature with JSON claims): '
                               'set it to the bearer token itself, without "Bearer ", or unset it to use the API account'
                               % _credentials.ENV_API_TOKEN)
        client_id = self.claims.get('client_id') or self.claims.get('sub')
        self.credential = _credentials.Credential(client_id if isinstance(client_id, str) else '', None, None,
                                                  ready.source)
        self.audience = settings['audience']

    def result(self, clock):
        now = clock()
        exp = self.claims.get('exp')
        expires_at = int(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) and math.isfinite(exp) else None
        if expires_at is not None and expires_at <= now:
            raise NFTokenError('%s expired %d s ago (exp %s): %s (credential source: %s)'
                               % (_credentials.ENV_API_TOKEN, int(now - expires_at),
                                  time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(expires_at)), READY_FIX,
                                  self.credential.source))
        api_url, environment, api_source = locate_api(self.settings, None, self.claims)
        return dict(
            access_token=self.access_token, token_type='Bearer',
            expires_in=max(0, int(expires_at - now)) if expires_at is not None else None, expires_at=expires_at,
            audience=self.audience, headers={'Authorization': 'Bearer ' + self.access_token}, token_url=None,
            auth_method=None, credential_source=self.credential.source, claims=self.claims, cached=False,
            **_api_keys(api_url, environment, api_source))


def _api_keys(api_url, environment, api_source):
    return dict(api_url=api_url if api_url.endswith('/') else api_url + '/', environment=environment,
                api_url_source=api_source, api_url_guessed=api_source == GUESSED)


def exchange(request, environ=None, warn=None, clock=time.time):
    """POST the grant and turn the answer into the result every front-end returns."""
    environ = os.environ if environ is None else environ
    warn = warn or (lambda _text: None)
    secrets = secret_forms(request.credential.client_secret, request.credential.client_id) + proxy_secret_forms(
        [request.settings['proxy']] + [environ.get(name) for name in PROXY_VARIABLES])
    where = 'token request to %s' % display_url(request.token_url)
    source = request.credential.source

    def fail(text):
        raise NFTokenError(redact('%s (credential source: %s)' % (text, source), secrets))

    # Imported here so that a cache hit never loads requests.
    from ansible_collections.netfoundry.api.plugins.module_utils import _http

    headers, body = request.http_parts()
    started = clock()
    try:
        answer = _http.post(request.token_url, headers, body, request.settings, environ,
                            lambda text: warn(redact(text, secrets)))
    except NFTokenError as exc:
        fail('%s failed: %s' % (where, exc.message))
    if 300 <= answer.status < 400:
        fail('%s was redirected (HTTP %d to %s): set token_url to the final token endpoint; the secret is not sent '
             'to redirects' % (where, answer.status, display_url(answer.location or '?')))
    if not 200 <= answer.status < 300:
        reason, fix = _response.error_reason(answer.status, answer.body, answer.content_type, secrets)
        retried = ' after %d attempts' % answer.attempts if answer.attempts > 1 else ''
        fail('%s was refused%s: %s; %s' % (where, retried, reason, fix))
    try:
        token = _response.parse_token(answer.body, answer.content_type, started, secrets)
    except NFTokenError as exc:
        fail('%s got no usable token: %s; check token_url and auth_method' % (where, exc.message))
    now = clock()
    expires_at = token['expires_at']
    return dict(
        access_token=token['access_token'],
        token_type=token['token_type'],
        expires_in=max(0, int(expires_at - now)) if expires_at is not None else None,
        expires_at=expires_at,
        audience=request.audience,
        headers={'Authorization': 'Bearer ' + token['access_token']},
        token_url=display_url(request.token_url),
        auth_method=request.auth_method,
        credential_source=source,
        claims=token['claims'],
        **_api_keys(*request.locate_api(token['claims']))
    )


def _store(request, environ, warn):
    settings = request.settings
    return TokenCache(settings['cache_dir'] or default_dir(environ), warn)


def _lock_timeout(settings):
    """The lock holder's deadline: every attempt (each ends within timeout, whatever the server trickles) plus the
    longest wait before each retry, plus a margin. Waiters wait that long, so a slow identity provider is still
    asked once."""
    from ansible_collections.netfoundry.api.plugins.module_utils._http import LONGEST_WAIT
    retries = settings['retries']['total']
    return settings['timeout'] * (retries + 1) + LONGEST_WAIT * retries + 5


def from_cache(entry, now, request):
    """The cached token; what the request itself determines (api_url, audience, source...) is taken from the
    request, not from the file."""
    result = dict((name, entry[name]) for name in ('access_token', 'expires_at', 'claims'))
    result.update(token_type='Bearer', expires_in=max(0, int(entry['expires_at'] - now)), cached=True,
                  headers={'Authorization': 'Bearer ' + entry['access_token']}, audience=request.audience,
                  token_url=display_url(request.token_url), auth_method=request.auth_method,
                  credential_source=request.credential.source,  # this call's source, not the one that filled the cache
                  **_api_keys(*request.locate_api(entry['claims'])))
    return result


def get_token(request, environ=None, warn=None, clock=time.time):
    """After prepare(): a fresh token from the cache, or one exchange (one process per grant at a time)."""
    environ = os.environ if environ is None else environ
    warn = warn or (lambda _text: None)
    settings = request.settings
    if isinstance(request, ReadyTokenRequest):
        return request.result(clock)
    if not settings['cache']:
        return dict(exchange(request, environ, warn, clock), cached=False)
    store = _store(request, environ, warn)
    key = cache_key(request)
    if not settings['force']:
        entry = store.get(key, settings['min_ttl'], clock(), request.credential.client_secret)
        if entry is not None:
            return from_cache(entry, clock(), request)
    with store.lock(key, _lock_timeout(settings)):
        if not settings['force']:
            entry = store.get(key, settings['min_ttl'], clock(), request.credential.client_secret)
            if entry is not None:
                return from_cache(entry, clock(), request)
        fetched_at = clock()
        result = exchange(request, environ, warn, clock)
        store.put(key, result, fetched_at, request.credential.client_secret)
    return dict(result, cached=False)


def forget_token(request, environ=None, warn=None, check_mode=False):
    """After prepare(): remove the cached token of this grant; True when there was one."""
    environ = os.environ if environ is None else environ
    if isinstance(request, ReadyTokenRequest):
        return False
    return _store(request, environ, warn or (lambda _text: None)).forget(cache_key(request), check_mode)
