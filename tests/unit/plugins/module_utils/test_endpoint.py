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
from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import (
    TokenRequest, classify_host, display_url, form_basic, is_loopback)
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError
from ansible_collections.netfoundry.api.plugins.module_utils._options import OptionAdapter, read_settings

COGNITO = 'https://netfoundry-staging-xfjiye.auth.us-east-1.amazoncognito.com/oauth2/token'
SECRET = 's3:cr+et &x'


def request(credential_url=None, **options):
    settings = read_settings(OptionAdapter.from_dict(options))
    return TokenRequest(settings, Credential('my id', SECRET, credential_url, 'test source'))


@pytest.mark.parametrize('host, expected', [
    ('netfoundry-production.auth0.com', ('auth0', 'production')),
    ('netfoundry-sandbox.auth0.com', ('auth0', 'sandbox')),
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


def test_default_is_auth0_production_json_with_gateway_audience():
    req = request()
    assert req.token_url == 'https://netfoundry-production.auth0.com/oauth/token'
    assert (req.auth_method, req.environment, req.audience) == \
        ('client_secret_json', 'production', 'https://gateway.production.netfoundry.io/')
    headers, body = req.http_parts()
    assert headers == {'Accept': 'application/json', 'Content-Type': 'application/json'}
    assert json.loads(body) == {'client_id': 'my id', 'client_secret': SECRET, 'grant_type': 'client_credentials',
                                'audience': 'https://gateway.production.netfoundry.io/'}
    assert req.api_url == 'https://gateway.production.netfoundry.io/'


def test_environment_option_names_the_default_auth0_host():
    req = request(environment='sandbox')
    assert req.token_url == 'https://netfoundry-sandbox.auth0.com/oauth/token'
    assert req.audience == 'https://gateway.sandbox.netfoundry.io/'


def test_cognito_auto_is_basic_with_the_ignore_scope():
    req = request(COGNITO)
    assert (req.auth_method, req.environment) == ('client_secret_basic', 'staging')
    headers, body = req.http_parts()
    assert headers['Content-Type'] == 'application/x-www-form-urlencoded'
    assert parse_qsl(body.decode()) == [('grant_type', 'client_credentials'),
                                        ('scope', 'https://gateway.staging.netfoundry.io//ignore-scope')]
    user, _sep, password = base64.b64decode(headers['Authorization'][6:]).decode().partition(':')
    assert (user, password) == ('my+id', 's3%3Acr%2Bet+%26x')
    assert req.api_url == 'https://gateway.staging.netfoundry.io/'


def test_basic_encoding_follows_rfc6749_2_3_1():
    assert form_basic('a b', 'c:d') == 'Basic ' + base64.b64encode(b'a+b:c%3Ad').decode()


def test_token_url_option_wins_over_the_source_url():
    req = request(COGNITO, token_url='https://netfoundry-sandbox.auth0.com/oauth/token')
    assert (req.token_url, req.auth_method, req.environment) == \
        ('https://netfoundry-sandbox.auth0.com/oauth/token', 'client_secret_json', 'sandbox')


def test_environment_that_contradicts_the_host_is_an_error():
    with pytest.raises(NFTokenError) as error:
        request(COGNITO, environment='production')
    assert error.value.message == (
        "option environment 'production' does not match the token URL https://netfoundry-staging-xfjiye.auth.us-east-1."
        "amazoncognito.com/oauth2/token, which is for environment 'staging': leave environment out or fix it")


def test_generic_server_gets_only_what_was_given():
    req = request(token_url='https://idp.example.com/token')
    assert (req.auth_method, req.audience, req.scope) == ('client_secret_basic', None, None)
    assert parse_qsl(req.http_parts()[1].decode()) == [('grant_type', 'client_credentials')]
    assert req.api_url == 'https://gateway.production.netfoundry.io/'


def test_client_secret_post_with_scope_audience_resource():
    req = request(token_url='https://idp.example.com/token', auth_method='client_secret_post', scope='a b',
                  audience='https://api.example.com', resource='https://api.example.com/v2')
    headers, body = req.http_parts()
    assert 'Authorization' not in headers
    assert parse_qsl(body.decode()) == [
        ('grant_type', 'client_credentials'), ('client_id', 'my id'), ('client_secret', SECRET), ('scope', 'a b'),
        ('audience', 'https://api.example.com'), ('resource', 'https://api.example.com/v2')]
    assert req.api_url == 'https://api.example.com/'


def test_json_to_a_generic_server_sends_audience_only_when_given():
    req = request(token_url='https://idp.example.com/token', auth_method='client_secret_json')
    assert json.loads(req.http_parts()[1]) == {'client_id': 'my id', 'client_secret': SECRET,
                                               'grant_type': 'client_credentials'}


def test_resource_names_the_api_url_when_there_is_no_audience():
    assert request(token_url='https://idp.example.com/token', resource='https://api.example.com/x').api_url == \
        'https://api.example.com/x/'


def test_plain_http_is_allowed_to_loopback_only():
    assert request(token_url='http://127.0.0.1:8080/token').token_url == 'http://127.0.0.1:8080/token'
    assert request(token_url='http://[::1]:8080/token').host_kind == 'other'
    with pytest.raises(NFTokenError) as error:
        request(token_url='http://idp.example.com/token')
    assert error.value.message == ('refusing to send the client secret over plain http:// to idp.example.com '
                                   '(token_url): use https:// (plain http is only for a literal loopback address such '
                                   'as 127.0.0.1 or [::1])')
    with pytest.raises(NFTokenError, match=r'to idp\.example\.com \(the token URL of test source\)'):
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
    with pytest.raises(NFTokenError) as error:
        request(**options)
    assert message in error.value.message
    assert 'pw' not in error.value.message.replace('https://', '')
