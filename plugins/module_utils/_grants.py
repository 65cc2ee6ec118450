# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The three grants, one protocol, and the Token the first two give.

A grant is how the front-ends reach the API: ExchangeGrant (an API account's client_credentials exchange),
ReadyGrant (a token someone already holds, NETFOUNDRY_API_TOKEN) and StaticGrant (RapidAPI's two fixed headers, no
token). Each one says, without the network:
  secret_forms(environ)  every form of what it must never show (the one place they are made)
  settings, credential   the validated options and where the client id came from (StaticGrant has neither)
  locate_api(claims)     where the API is for a token with these claims (StaticGrant: api_url)
  renewal                the ExchangeGrant that renews its token when it runs short, or None
An ExchangeGrant also carries its caches as declared fields: grant_key (the cache file's key and a fingerprint of
the secret, worked out once) and last_token (the cache entry last served and its Token, so a memo hit makes no new
Token); _token.prepare() keeps a grant while its options are unchanged, so they serve every evaluation of a lookup.
How to get the token is _token.fetch()'s: from the cache, one exchange under the grant's lock, or the ready token."""

from __future__ import annotations

from __future__ import annotations

import base64
import json
import math
import os
import re
import time
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple, Union
from urllib.parse import quote_plus, urlencode

from ansible_collections.netfoundry.api.plugins.module_utils import _credentials, _response
from ansible_collections.netfoundry.api.plugins.module_utils._credentials import ENV_OAUTH_URL
from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import (
    DEFAULT_ENVIRONMENT, GATEWAY_HOST_RE, GUESSED, NO_DEFAULT_URL, PROXY_VARIABLES, check_environment, check_proxy,
    check_url, classify_host, display_url, gateway_url, is_loopback, locate_api)
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError, proxy_secret_forms, secret_forms

GRANT = 'client_credentials'
# The engine's types: the validated options (_options.validate), the process environment, a JWT's claims, a clock.
Settings = Dict[str, Any]
Environ = Mapping[str, str]
Claims = Dict[str, Any]
Clock = Callable[[], float]
JWT_RE = re.compile(r'^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$')
READY_FIX = 'get a new one (for example nfctl login --eval) or unset it to use the API account'
# What a Token holds: the token, its life, and what its grant says about it (where it came from, which API it is for).
_FIELDS = ('access_token', 'expires_at', 'lifetime', 'claims', 'audience', 'token_url', 'auth_method',
           'credential_source', 'api_url', 'environment', 'api_url_source')


def form_basic(client_id: str, client_secret: str) -> str:
    """RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded."""
    pair = '%s:%s' % (quote_plus(client_id), quote_plus(client_secret))
    return 'Basic ' + base64.b64encode(pair.encode('utf-8')).decode('ascii')


def _proxy_forms(settings: Settings, environ: Environ) -> list[str]:
    return proxy_secret_forms([settings['proxy']] + [environ.get(name) for name in PROXY_VARIABLES])


class Token:
    """One bearer token. Made one way (__init__, reached through from_grant for an exchange answer, a cache file or a
    ready token, and through from_record for a session's own record); shown three ways: result() for the module and
    the lookup, record() for the cache file and the session, info() for the role. Never prints the token."""

    __slots__ = _FIELDS + ('cached',)

    def __init__(self, cached: bool, access_token: str, expires_at: Optional[float],  # pylint: disable=too-many-arguments
                 lifetime: Optional[float], claims: Claims, audience: Optional[str], token_url: Optional[str],
                 auth_method: Optional[str], credential_source: str, api_url: str, environment: Optional[str],
                 api_url_source: str) -> None:
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
    def from_grant(cls, request: TokenGrant, access_token: str, expires_at: Optional[float], claims: Claims,
                   lifetime: Optional[float], cached: bool) -> Token:
        """What the request determines (API URL, audience, source...) is taken from the request, never from a file;
        credential_source is this call's, not the one of the call that filled the cache."""
        api_url, environment, api_source = request.locate_api(claims)
        return cls(cached, access_token=access_token, expires_at=expires_at, lifetime=lifetime, claims=claims,
                   audience=request.audience, token_url=display_url(request.token_url) if request.token_url else None,
                   auth_method=request.auth_method, credential_source=request.credential.source,
                   api_url=api_url if api_url.endswith('/') else api_url + '/', environment=environment,
                   api_url_source=api_source)

    @classmethod
    def from_record(cls, record: Mapping[str, Any], cached: bool = True) -> Token:
        """The token of a record this collection made (a session's, held in memory), as it was made."""
        return cls(cached, **dict((name, record[name]) for name in _FIELDS))

    def __repr__(self) -> str:
        return 'Token(credential_source=%r, expires_at=%r, cached=%r)' % (self.credential_source, self.expires_at,
                                                                          self.cached)

    def expires_in(self, now: float) -> Optional[int]:
        return max(0, int(self.expires_at - now)) if self.expires_at is not None else None

    def result(self, now: float) -> dict[str, Any]:
        """The nf_token module's result for state=present, without ansible_facts (the lookup's output=full)."""
        return dict(
            access_token=self.access_token, token_type='Bearer', expires_in=self.expires_in(now),
            expires_at=self.expires_at, audience=self.audience, headers=self.headers(), token_url=self.token_url,
            auth_method=self.auth_method, credential_source=self.credential_source, claims=self.claims,
            cached=self.cached, api_url=self.api_url, environment=self.environment,
            api_url_source=self.api_url_source, api_url_guessed=self.api_url_source == GUESSED)

    def headers(self) -> dict[str, str]:
        return {'Authorization': 'Bearer ' + self.access_token}

    def record(self) -> dict[str, Any]:
        """Everything from_record needs; the cache adds its own fields (format, key, verifier...)."""
        return dict(((name, getattr(self, name)) for name in _FIELDS), token_type='Bearer')

    def info(self, now: float) -> dict[str, Any]:
        """The role's netfoundry_api_token_info: where the token came from and how long it lasts, never the token."""
        return dict(credential_source=self.credential_source, token_url=self.token_url, auth_method=self.auth_method,
                    environment=self.environment, api_url=self.api_url, api_url_source=self.api_url_source,
                    api_url_guessed=self.api_url_source == GUESSED, cached=self.cached,
                    expires_in=self.expires_in(now), expires_at=self.expires_at)


class ExchangeGrant:
    """The client_credentials grant of an API account: everything one token exchange needs, resolved and validated;
    holds the secret, never prints it.

    Two caches live on it, declared here and filled by _token (prepare() keeps a request while its options are
    unchanged, so they serve every evaluation of a lookup): grant_key, (the cache file's key, a fingerprint of the
    secret) once worked out; last_token, (the cache entry, its Token) last served, so a memo hit makes no new Token."""

    renewal: Optional[ExchangeGrant] = None  # an exchange renews itself (a ready token's grant names the exchange that renews it)

    def __init__(self, settings: Settings, credential: _credentials.Credential) -> None:
        self.grant_key: Optional[Tuple[str, bytes]] = None
        self.last_token: Optional[Tuple[Dict[str, Any], Token]] = None
        self.credential = credential
        token_url = settings['token_url'] or credential.token_url
        url_option = 'token_url' if settings['token_url'] else ('the token URL of %s' % credential.source if credential.token_url else None)
        environment = check_environment(settings['environment'])
        if token_url is None:
            lead = credential.missing_url or 'no token URL for %s' % credential.source
            raise NFError('%s: %s' % (lead, NO_DEFAULT_URL % ENV_OAUTH_URL))
        self.token_url: str = token_url
        scheme, host = check_url(self.token_url, url_option)
        if scheme == 'http' and not is_loopback(host):
            raise NFError('refusing to send the client secret over plain http:// to %s (%s): use https:// '
                          '(plain http is only for a literal loopback address such as 127.0.0.1 or [::1])'
                          % (host, url_option))
        if settings['proxy']:
            check_proxy(settings['proxy'])
            if scheme == 'http':
                # The proxy would see the secret in clear; plain-http loopback URLs never go through one.
                raise NFError('refusing to send the client secret over plain http:// through the proxy %s '
                              '(%s is plain http): use an https:// token URL or leave proxy out'
                              % (display_url(settings['proxy']), url_option))
        if settings['ca_path'] and ('\0' in settings['ca_path'] or not os.access(settings['ca_path'], os.R_OK)):
            raise NFError('option ca_path %s is not a readable file: give the path of a PEM CA bundle'
                          % settings['ca_path'])
        if GATEWAY_HOST_RE.match(host):
            raise NFError('%s %s is the NetFoundry API, not a token endpoint: the token URL is the '
                          'authenticationUrl in the credentials.json NF Console gave you (the API URL goes in '
                          'audience, if anywhere)' % (url_option, display_url(self.token_url)))
        self.host_kind, host_environment = classify_host(host)
        if environment and host_environment and environment != host_environment:
            where = settings.get('environment_source') or 'option environment'
            fix = 'unset it' if where.startswith('env ') else 'leave %s out' % where.split()[-1]
            raise NFError('%s %r does not match the token URL %s, which is for environment %r: %s or fix it'
                          % (where, environment, display_url(self.token_url), host_environment, fix))
        self.host_environment = host_environment
        self.environment = host_environment or environment or DEFAULT_ENVIRONMENT
        if settings['resource'] and not settings['resource'].startswith(('http://', 'https://')):
            raise NFError('option resource must be an absolute http(s) URI (RFC 8707), got %r' % settings['resource'])
        nf_host = self.host_kind in ('auth0', 'cognito')
        self.audience = settings['audience'] or (gateway_url(self.environment) if nf_host else None)
        # An Auth0 or Cognito host that names no environment (someone-else.auth0.com) gets production's audience: a
        # guess, and the token's aud claim then only repeats it.
        self.audience_guessed = bool(nf_host and not settings['audience'] and not host_environment and not environment)
        self.resource = settings['resource']
        method = settings['auth_method']
        if method == 'auto':
            method = 'client_secret_json' if self.host_kind == 'auth0' else 'client_secret_basic'
        self.auth_method = method
        self.scope = settings['scope']
        # NetFoundry's SDK sends this scope with every form-encoded grant, whatever the identity provider (Cognito
        # needs a non-empty one; NetFoundry ignores it). A client given only by options may be any RFC 6749 server.
        if self.scope is None and (self.host_kind == 'cognito' or (credential.netfoundry and method != 'client_secret_json')):
            self.scope = (self.audience or gateway_url(self.environment)).rstrip('/') + '//ignore-scope'
        self.settings = settings

    @property
    def secret(self) -> str:
        """The client secret (an API account always has one; the Credential of a ready token has none)."""
        return self.credential.client_secret or ''

    def secret_forms(self, environ: Environ) -> list[str]:
        """Every form of the client secret and of the proxy's password (the option's or the environment's)."""
        forms = secret_forms(self.credential.client_secret, self.credential.client_id)
        return forms + _proxy_forms(self.settings, environ)

    def locate_api(self, claims: Claims) -> Tuple[str, Optional[str], str]:
        """(api_url ending with /, environment, api_url_source) for a token with these claims."""
        url, environment, source = locate_api(self.settings, self.host_environment, claims)
        if self.audience_guessed and source.startswith('token claim') and url.rstrip('/') == (self.audience or '').rstrip('/'):
            source = GUESSED
        return (url if url.endswith('/') else url + '/'), environment, source

    def http_parts(self) -> Tuple[dict[str, str], bytes]:
        """(headers, body bytes) of the request in the resolved auth_method's shape."""
        cred = self.credential
        headers = {'Accept': 'application/json'}
        if self.auth_method == 'client_secret_json':
            body = {'client_id': cred.client_id, 'client_secret': self.secret, 'grant_type': GRANT}
            for key in ('audience', 'scope', 'resource'):
                if getattr(self, key):
                    body[key] = getattr(self, key)
            headers['Content-Type'] = 'application/json'
            return headers, json.dumps(body).encode('utf-8')
        form = [('grant_type', GRANT)]
        if self.auth_method == 'client_secret_post':
            form += [('client_id', cred.client_id), ('client_secret', self.secret)]
        else:
            headers['Authorization'] = form_basic(cred.client_id, self.secret)
        for key in ('scope', 'audience', 'resource'):
            if getattr(self, key) and not (key == 'audience' and self.host_kind == 'cognito'):
                form.append((key, getattr(self, key)))
        headers['Content-Type'] = 'application/x-www-form-urlencoded'
        return headers, urlencode(form).encode('ascii')


_UNSET = object()


class ReadyGrant:
    """A token someone already holds (NETFOUNDRY_API_TOKEN), checked without the network. It stands where an
    ExchangeGrant stands for the front-ends; nothing is exchanged and nothing is cached."""

    token_url: Optional[str] = None
    auth_method: Optional[str] = None

    def __init__(self, settings: Settings, ready: _credentials.ReadyToken) -> None:
        check_environment(settings['environment'])
        self.settings = settings
        self.account_at: Optional[Tuple[Any, ...]] = None  # (environ, cwd, home) where an API account may be found too
        self._renewal: Any = _UNSET
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

    def secret_forms(self, environ: Environ) -> list[str]:
        """The secret of the API account that renews the token, if any, and the proxy's password."""
        renewal = self.renewal
        return renewal.secret_forms(environ) if renewal is not None else _proxy_forms(self.settings, environ)

    def locate_api(self, claims: Claims) -> Tuple[str, Optional[str], str]:
        return locate_api(self.settings, None, claims)

    @property
    def renewal(self) -> Optional[ExchangeGrant]:
        """The ExchangeGrant of an API account also at hand (nfctl login --eval exports both), or None: what renews the
        token when it runs short. Looked for only when asked (not on every evaluation of a fresh ready token)."""
        if self._renewal is _UNSET:
            try:
                self._renewal = ExchangeGrant(self.settings, _credentials.account(*self.account_at)) \
                    if self.account_at else None
            except NFError:
                self._renewal = None
        return self._renewal

    def left(self, now: float) -> Optional[float]:
        """Seconds until the token's exp claim (negative once expired), or None without one."""
        exp = self.claims.get('exp')
        if isinstance(exp, (int, float)) and not isinstance(exp, bool) and math.isfinite(exp):
            return exp - now
        return None

    def token(self, clock: Clock, refused: Optional[str] = None) -> Token:
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

    HOST_RE = re.compile(r'^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?\Z')  # \Z: not before a newline

    def __init__(self, key: str, host: str, names: Sequence[str] = ('option rapidapi_key', 'option rapidapi_host')) -> None:
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

    def secret_forms(self, _environ: Optional[Environ] = None) -> list[str]:
        """Every form of the RapidAPI key."""
        return secret_forms(self.headers['X-RapidAPI-Key'])

    @staticmethod
    def info() -> dict[str, str]:
        return dict(credential_source='RapidAPI key')


# What gives a Token: the two grants with a token (StaticGrant has headers only).
TokenGrant = Union[ExchangeGrant, ReadyGrant]
