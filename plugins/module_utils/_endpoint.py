# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the token request goes and what it looks like: host-name rules and the three request shapes."""

import base64
import ipaddress
import json
import os
import re
from urllib.parse import quote_plus, urlsplit, urlunsplit, urlencode

from ansible_collections.netfoundry.api.plugins.module_utils._credentials import ENV_OAUTH_URL
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError, named

DEFAULT_ENVIRONMENT = 'production'
ENV_ENVIRONMENT = 'NETFOUNDRY_ENVIRONMENT'
ENVIRONMENT_RE = re.compile(r'^[a-z][a-z0-9]*$')
# netfoundry-<env>.auth0.com, and netfoundry-<env>-<id>.auth0.com: NetFoundry's SDK reads the environment as the part
# after netfoundry- up to the next dash (organization.py: https://netfoundry-([^-]+)-.*).
AUTH0_NF_RE = re.compile(r'^netfoundry-([a-z][a-z0-9]*)(?:-[a-z0-9-]+)?\.auth0\.com$')
COGNITO_NF_RE = re.compile(r'^netfoundry-([a-z][a-z0-9]*)-[a-z0-9]+\.auth\.[a-z0-9-]+\.amazoncognito\.com$')
GATEWAY_RE = re.compile(r'^https://gateway\.([a-z][a-z0-9]*)\.netfoundry\.io(/|$)')
GATEWAY_HOST_RE = re.compile(r'^gateway\.[a-z][a-z0-9]*\.netfoundry\.io$')
AUTH0_ISS_RE = re.compile(r'^https://netfoundry-([a-z][a-z0-9]*)\.auth0\.com(/|$)')
GRANT = 'client_credentials'
NO_DEFAULT_URL = ('the token URL is the authenticationUrl in the credentials.json NF Console gave you: give it as '
                  'token_url, or as %s with the environment variables, or keep it in the file; API accounts made for '
                  'the old Auth0 guide use https://netfoundry-<environment>.auth0.com/oauth/token (there is no default '
                  'token URL)')
GUESSED = 'default (production): neither the token URL nor the token names an environment'
# The variables that may name a proxy (requests reads them in either case).
PROXY_VARIABLES = tuple(name for base in ('https_proxy', 'http_proxy', 'all_proxy') for name in (base, base.upper()))
# The collection's own variables for ca_path and proxy, read when the option is not given (AWX's credential types
# inject them: unlike REQUESTS_CA_BUNDLE and HTTPS_PROXY, they change nothing for the job's other tasks).
ENV_CA_PATH = 'NETFOUNDRY_CA_PATH'
ENV_PROXY = 'NETFOUNDRY_PROXY'
ENV_FALLBACKS = (('ca_path', ENV_CA_PATH), ('proxy', ENV_PROXY))


def gateway_url(environment):
    return 'https://gateway.%s.netfoundry.io/' % environment


def claimed_api(claims):
    """(API URL, environment or None, claim name) that a token's claims name, or None.

    The scope of a Cognito token (https://gateway.<env>.netfoundry.io//ignore-scope), the audience of an Auth0 or
    RFC 8707 token, or the issuer netfoundry-<env>.auth0.com, in that order, as NetFoundry's SDK reads them."""
    scopes = claims.get('scope') if isinstance(claims.get('scope'), str) else ''
    for scope in scopes.split():
        if scope.endswith('/ignore-scope') and scope.startswith(('https://', 'http://')):
            url = scope[:-len('/ignore-scope')].rstrip('/') + '/'
            match = GATEWAY_RE.match(url)
            return url, match.group(1) if match else None, 'scope'
    audiences = claims.get('aud')
    for audience in audiences if isinstance(audiences, list) else [audiences]:
        if isinstance(audience, str) and audience.startswith(('https://', 'http://')):
            match = GATEWAY_RE.match(audience)
            return (audience if audience.endswith('/') else audience + '/'), match.group(1) if match else None, 'aud'
    issuer = claims.get('iss')
    match = AUTH0_ISS_RE.match(issuer) if isinstance(issuer, str) else None
    if match:
        return gateway_url(match.group(1)), match.group(1), 'iss'
    return None


def locate_api(settings, host_environment, claims):
    """(api_url, environment, api_url_source): the audience or resource option wins, then the token URL's host, then
    the environment option (or NETFOUNDRY_ENVIRONMENT), then the token's claims, and only then the production guess
    (api_url_source says which). environment is None for an API URL that is no NetFoundry gateway when nothing
    named an environment."""
    given = settings['environment']
    for name in ('audience', 'resource'):
        if settings[name]:
            match = GATEWAY_RE.match(settings[name])
            # An API URL that is no NetFoundry gateway (an emulator, a private deployment) has no environment unless
            # one was named: calling it production would be a guess nobody made.
            return (settings[name], host_environment or given or (match.group(1) if match else None),
                    named(settings.get('origins'), name))
    if host_environment:
        return gateway_url(host_environment), host_environment, 'token URL'
    if given:
        return gateway_url(given), given, settings.get('environment_source') or 'option environment'
    claimed = claimed_api(claims or {})
    if claimed:
        url, environment, claim = claimed
        return url, environment, 'token claim %s' % claim
    return gateway_url(DEFAULT_ENVIRONMENT), DEFAULT_ENVIRONMENT, GUESSED


def display_url(url):
    """The URL without user info, query or fragment: safe to print."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rsplit('@', 1)[-1]
        return urlunsplit((parts.scheme, netloc, parts.path, '', ''))
    except ValueError:
        return '<invalid URL>'


def is_loopback(host):
    """True only for a literal loopback address (127.0.0.0/8, ::1): a name, even localhost, is resolved by whatever
    resolver and proxy the host has, so it proves nothing."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url, option):
    """Parse an http(s) URL given by the user (or a link an API gave); returns (scheme, lower-case host).

    A backslash, a space or a control character is refused: HTTP libraries split such a URL elsewhere than
    urlsplit does (http://evil\\@good/ goes to evil), so the host checked would not be the host reached."""
    if any(char == '\\' or ord(char) <= 32 or ord(char) == 127 for char in url):
        raise NFError('%s %r holds a backslash, a space or a control character: give a plain URL'
                      % (option, display_url(url)[:200]))
    try:
        parts = urlsplit(url)
        host = (parts.hostname or '').lower()
        parts.port  # pylint: disable=pointless-statement  # raises ValueError on a bad port
    except ValueError as exc:
        raise NFError('%s %r is not a valid URL (%s): give an absolute https:// URL' % (option, display_url(url), exc))
    if parts.scheme not in ('http', 'https') or not host:
        raise NFError('%s %r is not an absolute http(s) URL: give it as https://host/path' % (option, display_url(url)))
    if parts.username is not None or parts.password is not None:
        raise NFError('%s must not carry user:password@ in the URL: give the credential as client_id/client_secret' % option)
    return parts.scheme, host


def check_proxy(url):
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname
        parts.port  # pylint: disable=pointless-statement  # raises ValueError on a bad port
    except ValueError:
        scheme = host = None
    if scheme not in ('http', 'https') or not host:
        raise NFError('option proxy %r is not an http:// or https:// proxy URL: give it as http://host:port'
                      % display_url(url))


def classify_host(host):
    """('auth0' | 'cognito' | 'other', NetFoundry environment named by the host or None)."""
    match = AUTH0_NF_RE.match(host) or COGNITO_NF_RE.match(host)
    environment = match.group(1) if match else None
    if host.endswith('.auth0.com'):
        return 'auth0', environment
    if host.endswith('.amazoncognito.com'):
        return 'cognito', environment
    return 'other', environment


def form_basic(client_id, client_secret):
    """RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded."""
    pair = '%s:%s' % (quote_plus(client_id), quote_plus(client_secret))
    return 'Basic ' + base64.b64encode(pair.encode('utf-8')).decode('ascii')


def check_environment(environment):
    if environment is not None and not ENVIRONMENT_RE.match(environment):
        raise NFError('option environment %r is not a NetFoundry environment name (lower-case letters and '
                      'digits, for example production, staging, sandbox)' % environment)
    return environment


class TokenRequest:
    """Everything one token exchange needs, resolved and validated; holds the secret, never prints it.

    Two caches live on it, declared here and filled by _token (prepare() keeps a request while its options are
    unchanged, so they serve every evaluation of a lookup): grant_key, (the cache file's key, a fingerprint of the
    secret) once worked out; last_token, (the cache entry, its Token) last served, so a memo hit makes no new Token."""

    renewal = None  # an exchange renews itself (a ready token's request names the exchange that renews it)

    def __init__(self, settings, credential):
        self.grant_key = None
        self.last_token = None
        self.credential = credential
        self.token_url = settings['token_url'] or credential.token_url
        url_option = 'token_url' if settings['token_url'] else ('the token URL of %s' % credential.source if credential.token_url else None)
        environment = check_environment(settings['environment'])
        if self.token_url is None:
            lead = credential.missing_url or 'no token URL for %s' % credential.source
            raise NFError('%s: %s' % (lead, NO_DEFAULT_URL % ENV_OAUTH_URL))
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

    def locate_api(self, claims):
        """(api_url ending with /, environment, api_url_source) for a token with these claims."""
        url, environment, source = locate_api(self.settings, self.host_environment, claims)
        if self.audience_guessed and source.startswith('token claim') and url.rstrip('/') == self.audience.rstrip('/'):
            source = GUESSED
        return (url if url.endswith('/') else url + '/'), environment, source

    def http_parts(self):
        """(headers, body bytes) of the request in the resolved auth_method's shape."""
        cred = self.credential
        headers = {'Accept': 'application/json'}
        if self.auth_method == 'client_secret_json':
            body = {'client_id': cred.client_id, 'client_secret': cred.client_secret, 'grant_type': GRANT}
            for key in ('audience', 'scope', 'resource'):
                if getattr(self, key):
                    body[key] = getattr(self, key)
            headers['Content-Type'] = 'application/json'
            return headers, json.dumps(body).encode('utf-8')
        form = [('grant_type', GRANT)]
        if self.auth_method == 'client_secret_post':
            form += [('client_id', cred.client_id), ('client_secret', cred.client_secret)]
        else:
            headers['Authorization'] = form_basic(cred.client_id, cred.client_secret)
        for key in ('scope', 'audience', 'resource'):
            if getattr(self, key) and not (key == 'audience' and self.host_kind == 'cognito'):
                form.append((key, getattr(self, key)))
        headers['Content-Type'] = 'application/x-www-form-urlencoded'
        return headers, urlencode(form).encode('ascii')
