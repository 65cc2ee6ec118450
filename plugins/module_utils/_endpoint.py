# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where the token request goes and where the API is: host-name rules, URL checks, the NetFoundry environments. The
grants that use them are module_utils/_grants.py's."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit
from typing import Any, Dict, Optional, Tuple

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


def gateway_url(environment: Optional[str]) -> str:
    return 'https://gateway.%s.netfoundry.io/' % environment


def claimed_api(claims: Dict[str, Any]) -> Optional[Tuple[str, Optional[str], str]]:
    """(API URL, environment or None, claim name) that a token's claims name, or None.

    The scope of a Cognito token (https://gateway.<env>.netfoundry.io//ignore-scope), the audience of an Auth0 or
    RFC 8707 token, or the issuer netfoundry-<env>.auth0.com, in that order, as NetFoundry's SDK reads them."""
    scope = claims.get('scope')
    scopes = scope if isinstance(scope, str) else ''
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


def locate_api(settings: Dict[str, Any], host_environment: Optional[str],
               claims: Dict[str, Any]) -> Tuple[str, Optional[str], str]:
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


def misread_userinfo(url: str) -> bool:
    """True when url has user info that urlsplit misses: a password with an unescaped / ? or # in it ends urlsplit's
    host before the @ (so anything up to the last @ after the scheme is user info)."""
    return '@' in url.partition('://')[2] and '@' not in urlsplit(url).netloc


def display_url(url: str) -> str:
    """The URL without user info, query or fragment: safe to print. A password with an unescaped / ? or # in it makes
    urlsplit end the host before the @: anything up to the last @ of such a URL is taken for user info."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rsplit('@', 1)[-1]
        if misread_userinfo(url):
            return '%s://%s' % (parts.scheme, re.split(r'[/?#]', url.rpartition('@')[2], maxsplit=1)[0])
        return urlunsplit((parts.scheme, netloc, parts.path, '', ''))
    except ValueError:
        return '<invalid URL>'


def is_loopback(host: str) -> bool:
    """True only for a literal loopback address (127.0.0.0/8, ::1): a name, even localhost, is resolved by whatever
    resolver and proxy the host has, so it proves nothing."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, option: Optional[str]) -> Tuple[str, str]:
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


def check_proxy(url: str) -> None:
    scheme: Optional[str]
    host: Optional[str]
    if misread_userinfo(url):
        raise NFError('option proxy %s has user info with an unescaped / ? or # in it (in the password, most often): '
                      'percent-encode them (%%2F %%3F %%23)' % display_url(url))
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname
        parts.port  # pylint: disable=pointless-statement  # raises ValueError on a bad port
    except ValueError:
        scheme = host = None
    if scheme not in ('http', 'https') or not host:
        raise NFError('option proxy %r is not an http:// or https:// proxy URL: give it as http://host:port'
                      % display_url(url))


def classify_host(host: str) -> Tuple[str, Optional[str]]:
    """('auth0' | 'cognito' | 'other', NetFoundry environment named by the host or None)."""
    match = AUTH0_NF_RE.match(host) or COGNITO_NF_RE.match(host)
    environment = match.group(1) if match else None
    if host.endswith('.auth0.com'):
        return 'auth0', environment
    if host.endswith('.amazoncognito.com'):
        return 'cognito', environment
    return 'other', environment


def check_environment(environment: Optional[str]) -> Optional[str]:
    if environment is not None and not ENVIRONMENT_RE.match(environment):
        raise NFError('option environment %r is not a NetFoundry environment name (lower-case letters and '
                      'digits, for example production, staging, sandbox)' % environment)
    return environment
