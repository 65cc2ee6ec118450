# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Host-name rules and request shapes. Nothing here resolves or contacts a host."""

import base64
import json
from urllib.parse import parse_qsl

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils._credentials import Credential
from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import classify_host, display_url, is_loopback
from ansible_collections.netfoundry.api.plugins.module_utils._grants import ExchangeGrant, form_basic
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._options import validate

COGNITO = 'https://netfoundry-staging-xfjiye.auth.us-east-1.amazoncognito.com/oauth2/token'
AUTH0 = 'https://netfoundry-production.auth0.com/oauth/token'
OKTA = 'https://netfoundry.okta.com/oauth2/default/v1/token'
GENERIC = 'https://idp.example.com/token'
SECRET = 's3:cr+et &x'
IGNORE = 'https://gateway.%s.netfoundry.io//ignore-scope'


def request(credential_url=None, netfoundry=False, **options):
    """An ExchangeGrant for options plus a credential: NetFoundry's own (a file or NETFOUNDRY_* environment) when
    netfoundry is true, else the client_id + client_secret options (any RFC 6749 client)."""
    settings = validate(options)
    return ExchangeGrant(settings, Credential('my id', SECRET, credential_url, 'test source',
                                              'the file has no authenticationUrl' if netfoundry else None))


def located(req, claims=None):
    return req.locate_api(claims or {})


@pytest.mark.parametrize('host, expected', [
    ('netfoundry-production.auth0.com', ('auth0', 'production')),
    ('netfoundry-sandbox.auth0.com', ('auth0', 'sandbox')),
    ('netfoundry-sandbox-x1y2z3.auth0.com', ('auth0', 'sandbox')),  # the SDK's rule: the part up to the next dash
    ('netfoundry-production-abc.auth0.com', ('auth0', 'production')),
    ('netfoundry-staging-xfjiye.auth.us-east-1.amazoncognito.com', ('cognito', 'staging')),
    ('netfoundry-production-abc123.auth.eu-west-2.amazoncognito.com', ('cognito', 'production')),
    ('someone-else.auth0.com', ('auth0', None)),
    ('mypool.auth.us-east-1.amazoncognito.com', ('cognito', None)),
    ('netfoundry-production.auth0.com.evil.example', ('other', None)),
    ('idp.example.com', ('other', None)),
    ('127.0.0.1', ('other', None)),
])
def test_classify_host(host, expected):
    assert classify_host(host) == expected


@pytest.mark.parametrize('host, loopback', [
    ('127.0.0.1', True), ('127.8.9.10', True), ('::1', True), ('localhost', False), ('api.localhost', False),
    ('10.0.0.1', False), ('example.com', False), ('localhost.example.com', False), ('0.0.0.0', False),
])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_display_url_drops_credentials_and_query():
    assert display_url('https://u:p@h.example:8443/t?secret=1#f') == 'https://h.example:8443/t'


NO_URL_ADVICE = ('the token URL is the authenticationUrl in the credentials.json NF Console gave you: give it as '
                 'token_url, or as NETFOUNDRY_OAUTH_URL with the environment variables, or keep it in the file; API '
                 'accounts made for the old Auth0 guide use https://netfoundry-<environment>.auth0.com/oauth/token '
                 '(there is no default token URL)')


@pytest.mark.parametrize('netfoundry, options, lead', [
    (False, {}, 'no token URL for test source'),
    (False, {'environment': 'sandbox'}, 'no token URL for test source'),
    (True, {'audience': 'https://gateway.staging.netfoundry.io/'}, 'the file has no authenticationUrl'),
])
def test_there_is_no_default_token_url(netfoundry, options, lead):
    with pytest.raises(NFError) as error:
        request(None, netfoundry, **options)
    assert error.value.message == '%s: %s' % (lead, NO_URL_ADVICE)


def test_auth0_given_by_url_is_json_with_gateway_audience():
    req = request(token_url=AUTH0)
    assert (req.auth_method, req.environment, req.audience, req.scope) == \
        ('client_secret_json', 'production', 'https://gateway.production.netfoundry.io/', None)
    headers, body = req.http_parts()
    assert headers == {'Accept': 'application/json', 'Content-Type': 'application/json'}
    assert json.loads(body) == {'client_id': 'my id', 'client_secret': SECRET, 'grant_type': 'client_credentials',
                                'audience': 'https://gateway.production.netfoundry.io/'}
    assert located(req) == ('https://gateway.production.netfoundry.io/', 'production', 'token URL')


def test_auth0_json_is_the_same_for_a_netfoundry_credential():
    assert request(AUTH0, netfoundry=True).http_parts()[1] == request(token_url=AUTH0).http_parts()[1]


def test_cognito_auto_is_basic_with_the_ignore_scope():
    req = request(COGNITO)
    assert (req.auth_method, req.environment) == ('client_secret_basic', 'staging')
    headers, body = req.http_parts()
    assert headers['Content-Type'] == 'application/x-www-form-urlencoded'
    assert parse_qsl(body.decode()) == [('grant_type', 'client_credentials'),
                                        ('scope', 'https://gateway.staging.netfoundry.io//ignore-scope')]
    user, _sep, password = base64.b64decode(headers['Authorization'][6:]).decode().partition(':')
    assert (user, password) == ('my+id', 's3%3Acr%2Bet+%26x')
    assert located(req) == ('https://gateway.staging.netfoundry.io/', 'staging', 'token URL')


def form_of(req):
    return dict(parse_qsl(req.http_parts()[1].decode()))


# The scope rule, per host shape: NetFoundry's credential (file or NETFOUNDRY_* environment) gets NetFoundry's
# scope with every form-encoded grant; a client given only by options gets it only from a Cognito host.
@pytest.mark.parametrize('url, netfoundry, options, scope', [
    (COGNITO, True, {}, IGNORE % 'staging'),
    (COGNITO, False, {}, IGNORE % 'staging'),
    (OKTA, True, {}, IGNORE % 'production'),
    (OKTA, True, {'environment': 'sandbox'}, IGNORE % 'sandbox'),
    (OKTA, False, {}, None),
    (GENERIC, True, {}, IGNORE % 'production'),
    (GENERIC, False, {}, None),
    ('http://127.0.0.1:8080/token', True, {}, IGNORE % 'production'),
    ('http://127.0.0.1:8080/token', True, {'audience': 'http://127.0.0.1:9/'}, 'http://127.0.0.1:9//ignore-scope'),
    ('http://127.0.0.1:8080/token', False, {}, None),
    (OKTA, True, {'scope': 'mine'}, 'mine'),
    (AUTH0, True, {'auth_method': 'client_secret_basic'}, IGNORE % 'production'),
    (AUTH0, True, {}, None),
    (OKTA, True, {'auth_method': 'client_secret_json'}, None),
    (OKTA, True, {'auth_method': 'client_secret_post'}, IGNORE % 'production'),
])
def test_scope_rule_per_host_shape(url, netfoundry, options, scope):
    req = request(url, netfoundry, **options)
    assert req.scope == scope
    if req.auth_method != 'client_secret_json':
        assert form_of(req).get('scope') == scope
    else:
        assert json.loads(req.http_parts()[1]).get('scope') == scope


def test_netfoundry_scope_goes_with_the_grant_only():
    req = request(OKTA, netfoundry=True)
    assert parse_qsl(req.http_parts()[1].decode()) == [('grant_type', 'client_credentials'),
                                                       ('scope', IGNORE % 'production')]


# Where the API is: options, then the token URL, then NETFOUNDRY_ENVIRONMENT, then the token's claims, then a guess.
STAGING = 'https://gateway.staging.netfoundry.io/'
PRODUCTION = 'https://gateway.production.netfoundry.io/'
GUESS = 'default (production): neither the token URL nor the token names an environment'


@pytest.mark.parametrize('url, options, claims, expected', [
    (OKTA, {}, {}, (PRODUCTION, 'production', GUESS)),
    (OKTA, {}, {'scope': IGNORE % 'staging'}, (STAGING, 'staging', 'token claim scope')),
    (OKTA, {}, {'aud': STAGING}, (STAGING, 'staging', 'token claim aud')),
    (OKTA, {}, {'aud': ['other', STAGING]}, (STAGING, 'staging', 'token claim aud')),
    (OKTA, {}, {'iss': 'https://netfoundry-sandbox.auth0.com/'}, (
        'https://gateway.sandbox.netfoundry.io/', 'sandbox', 'token claim iss')),
    (OKTA, {}, {'aud': 'http://127.0.0.1:9'}, ('http://127.0.0.1:9/', None, 'token claim aud')),
    (OKTA, {'audience': 'https://127.0.0.1:9/'}, {}, ('https://127.0.0.1:9/', None, 'option audience')),
    (OKTA, {'audience': 'https://127.0.0.1:9/', 'environment': 'sandbox'}, {}, (
        'https://127.0.0.1:9/', 'sandbox', 'option audience')),
    (OKTA, {}, {'scope': 'openid profile'}, (PRODUCTION, 'production', GUESS)),
    (OKTA, {'environment': 'sandbox'}, {'scope': IGNORE % 'staging'}, (
        'https://gateway.sandbox.netfoundry.io/', 'sandbox', 'option environment')),
    (OKTA, {'audience': STAGING}, {'aud': PRODUCTION}, (STAGING, 'staging', 'option audience')),
    (COGNITO, {}, {'scope': IGNORE % 'production'}, (STAGING, 'staging', 'token URL')),
    (GENERIC, {'resource': 'https://api.example.com/x'}, {}, ('https://api.example.com/x/', None, 'option resource')),
])
def test_api_url_and_when_it_is_a_guess(url, options, claims, expected):
    assert located(request(url, True, **options), claims) == expected


def test_netfoundry_environment_variable_is_named_as_the_source():
    settings = validate({'token_url': OKTA})
    settings.update(environment='staging', environment_source='env NETFOUNDRY_ENVIRONMENT')
    req = ExchangeGrant(settings, Credential('i', SECRET, None, 'test source'))
    assert req.locate_api({'scope': IGNORE % 'sandbox'}) == (STAGING, 'staging', 'env NETFOUNDRY_ENVIRONMENT')


def test_basic_encoding_follows_rfc6749_2_3_1():
    assert form_basic('a b', 'c:d') == 'Basic ' + base64.b64encode(b'a+b:c%3Ad').decode()


def test_token_url_option_wins_over_the_source_url():
    req = request(COGNITO, token_url='https://netfoundry-sandbox.auth0.com/oauth/token')
    assert (req.token_url, req.auth_method, req.environment) == \
        ('https://netfoundry-sandbox.auth0.com/oauth/token', 'client_secret_json', 'sandbox')


def test_environment_that_contradicts_the_host_is_an_error():
    with pytest.raises(NFError) as error:
        request(COGNITO, environment='production')
    assert error.value.message == (
        "option environment 'production' does not match the token URL https://netfoundry-staging-xfjiye.auth.us-east-1."
        "amazoncognito.com/oauth2/token, which is for environment 'staging': leave environment out or fix it")


def test_generic_server_gets_only_what_was_given():
    req = request(token_url='https://idp.example.com/token')
    assert (req.auth_method, req.audience, req.scope) == ('client_secret_basic', None, None)
    assert parse_qsl(req.http_parts()[1].decode()) == [('grant_type', 'client_credentials')]
    assert located(req) == (PRODUCTION, 'production', GUESS)


def test_client_secret_post_with_scope_audience_resource():
    req = request(token_url='https://idp.example.com/token', auth_method='client_secret_post', scope='a b',
                  audience='https://api.example.com', resource='https://api.example.com/v2')
    headers, body = req.http_parts()
    assert 'Authorization' not in headers
    assert parse_qsl(body.decode()) == [
        ('grant_type', 'client_credentials'), ('client_id', 'my id'), ('client_secret', SECRET), ('scope', 'a b'),
        ('audience', 'https://api.example.com'), ('resource', 'https://api.example.com/v2')]
    assert located(req)[0] == 'https://api.example.com/'


def test_json_to_a_generic_server_sends_audience_only_when_given():
    req = request(token_url='https://idp.example.com/token', auth_method='client_secret_json')
    assert json.loads(req.http_parts()[1]) == {'client_id': 'my id', 'client_secret': SECRET,
                                               'grant_type': 'client_credentials'}


def test_resource_names_the_api_url_when_there_is_no_audience():
    assert located(request(token_url=GENERIC, resource='https://api.example.com/x'))[0] == 'https://api.example.com/x/'


def test_plain_http_is_allowed_to_loopback_only():
    assert request(token_url='http://127.0.0.1:8080/token').token_url == 'http://127.0.0.1:8080/token'
    assert request(token_url='http://[::1]:8080/token').host_kind == 'other'
    with pytest.raises(NFError) as error:
        request(token_url='http://idp.example.com/token')
    assert error.value.message == ('refusing to send the client secret over plain http:// to idp.example.com '
                                   '(token_url): use https:// (plain http is only for a literal loopback address such '
                                   'as 127.0.0.1 or [::1])')
    with pytest.raises(NFError, match=r'to idp\.example\.com \(the token URL of test source\)'):
        request('http://idp.example.com/token')


@pytest.mark.parametrize('options, message', [
    ({'token_url': '/oauth/token'}, "token_url '/oauth/token' is not an absolute http(s) URL"),
    ({'token_url': 'ftp://h/x'}, "token_url 'ftp://h/x' is not an absolute http(s) URL"),
    ({'token_url': 'netfoundry-production.auth0.com/oauth/token'}, 'is not an absolute http(s) URL'),
    ({'token_url': 'https://h:99999/x'}, "token_url 'https://h:99999/x' is not a valid URL"),
    ({'token_url': 'https://user:pw@h/x'}, 'token_url must not carry user:password@ in the URL'),
    ({'environment': 'Prod-1'}, "option environment 'Prod-1' is not a NetFoundry environment name"),
    ({'resource': 'api'}, "option resource must be an absolute http(s) URI (RFC 8707), got 'api'"),
    ({'proxy': 'proxy.example:3128'}, "option proxy 'proxy.example:3128' is not an http:// or https:// proxy URL"),
    ({'proxy': 'socks5://p:1080'}, "option proxy 'socks5://p:1080' is not an http:// or https:// proxy URL"),
    ({'ca_path': '/nonexistent/ca.pem'}, 'option ca_path /nonexistent/ca.pem is not a readable file: give the path of '
                                         'a PEM CA bundle'),
])
def test_bad_urls_and_names(options, message):
    options.setdefault('token_url', GENERIC)
    with pytest.raises(NFError) as error:
        request(**options)
    assert message in error.value.message
    assert 'pw' not in error.value.message.replace('https://', '')


def test_an_auth0_host_without_an_environment_is_a_guess_and_one_with_an_id_names_it():
    """An Auth0 host that names no environment: production's audience is a guess, and the token's aud claim, which only
    repeats what was asked for, does not make it less of one. netfoundry-<env>-<id>.auth0.com names its environment,
    as NetFoundry's SDK reads it (an SDK side-by-side finding: it asked for sandbox where we guessed production)."""
    from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import GUESSED
    token_request = request('https://someone-else.auth0.com/oauth/token')
    assert token_request.audience == 'https://gateway.production.netfoundry.io/'
    assert token_request.locate_api({'aud': 'https://gateway.production.netfoundry.io/'})[2] == GUESSED
    for url in ('https://netfoundry-sandbox.auth0.com/oauth/token', 'https://netfoundry-sandbox-x1y2z3.auth0.com/oauth/token'):
        named = request(url)
        assert named.audience == 'https://gateway.sandbox.netfoundry.io/'
        assert named.locate_api({'aud': 'https://gateway.sandbox.netfoundry.io/'})[1:] == ('sandbox', 'token URL')


def test_an_environment_from_the_variable_that_contradicts_the_host_names_the_variable():
    settings = dict(validate({'environment': 'production'}), environment_source='env NETFOUNDRY_ENVIRONMENT')
    with pytest.raises(NFError) as error:
        ExchangeGrant(settings, Credential('my id', SECRET, COGNITO, 'test source'))
    assert error.value.message.startswith("env NETFOUNDRY_ENVIRONMENT 'production' does not match the token URL ")
    assert error.value.message.endswith(": unset it or fix it")


@pytest.mark.parametrize('url', ['https://gateway.production.netfoundry.io/', 'https://gateway.sandbox.netfoundry.io/core/v2'])
def test_the_api_url_given_as_the_token_url_is_named_before_any_request(url):
    """It got "check client_id and client_secret" from the gateway's 401 (a newcomer's finding). A host-name rule:
    nothing is resolved or sent."""
    with pytest.raises(NFError) as error:
        request(token_url=url)
    assert error.value.message == (
        'token_url %s is the NetFoundry API, not a token endpoint: the token URL is the authenticationUrl in the '
        'credentials.json NF Console gave you (the API URL goes in audience, if anywhere)' % url.split('?')[0])


def test_a_value_from_a_variable_is_named_by_the_variable():
    """The lookup's and the role's users set netfoundry_* variables: messages and sources name those (a newcomer read
    "option audience" for a variable they set)."""
    from ansible_collections.netfoundry.api.plugins.module_utils._token import prepare
    origins = {'audience': 'variable netfoundry_audience', 'client_id': 'variable netfoundry_client_id',
               'client_secret': 'variable netfoundry_client_secret', 'environment': 'variable netfoundry_environment'}
    options = {'client_id': 'i', 'client_secret': SECRET, 'token_url': OKTA, 'audience': STAGING}
    req = prepare(options, environ={}, origins=origins)
    assert req.credential.source == 'variables netfoundry_client_id + netfoundry_client_secret'
    assert req.locate_api({}) == (STAGING, 'staging', 'variable netfoundry_audience')
    assert prepare(options, environ={}).locate_api({})[2] == 'option audience'
    with pytest.raises(NFError) as error:
        prepare(dict(options, token_url=COGNITO, environment='sandbox'), environ={}, origins=origins)
    assert error.value.message.startswith("variable netfoundry_environment 'sandbox' does not match the token URL ")
    assert error.value.message.endswith(": leave netfoundry_environment out or fix it (credential source: variables "
                                        "netfoundry_client_id + netfoundry_client_secret)")
    with pytest.raises(NFError) as error:
        prepare({'client_id': 'i'}, environ={}, origins=origins)
    assert error.value.message.startswith('variable netfoundry_client_id is set but variable netfoundry_client_secret '
                                          'is not: set it too')
