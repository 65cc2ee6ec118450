# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import base64
import json

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError, redact, secret_forms
from ansible_collections.netfoundry.api.plugins.module_utils._response import error_reason, jwt_claims, parse_token, snippet

NOW = 1800000000.0


def jwt(claims=None, payload=None):
    def part(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b'=').decode()
    return '%s.%s.sig' % (part(b'{"alg": "RS256"}'), part(payload or json.dumps(claims).encode()))


def body(**data):
    return json.dumps(data).encode()


def test_expires_in_alone():
    token = parse_token(body(access_token='opaque', token_type='Bearer', expires_in=3600), 'application/json', NOW)
    assert token == dict(access_token='opaque', token_type='Bearer', expires_at=int(NOW) + 3600, claims={})


def test_jwt_exp_alone_and_the_earlier_of_both():
    token = jwt({'exp': int(NOW) + 100, 'sub': 'x'})
    assert parse_token(body(access_token=token, token_type='bearer'), '', NOW)['expires_at'] == int(NOW) + 100
    assert parse_token(body(access_token=token, token_type='BEARER', expires_in=50), '', NOW)['expires_at'] == int(NOW) + 50
    assert parse_token(body(access_token=token, token_type='Bearer', expires_in='7200'), '', NOW)['expires_at'] == int(NOW) + 100
    assert parse_token(body(access_token=token, token_type='Bearer'), '', NOW)['claims'] == {'exp': int(NOW) + 100, 'sub': 'x'}


@pytest.mark.parametrize('expires_in', [None, 0, -5, 'soon', True, float('nan')])
def test_unusable_expiry_is_none(expires_in):
    assert parse_token(body(access_token='t', token_type='Bearer', expires_in=expires_in), '', NOW)['expires_at'] is None


@pytest.mark.parametrize('payload', [b'{"exp": "x"}', b'{"exp": true}', b'{"exp": -1}', b'{"exp": NaN}',
                                     b'{"exp": null}'])
def test_unusable_exp_claim_is_ignored(payload):
    token = jwt(payload=payload)
    assert parse_token(body(access_token=token, token_type='Bearer'), '', NOW)['expires_at'] is None


@pytest.mark.parametrize('token', ['opaque', 'a.b', 'a.!!!.c', 'a.%s.c' % base64.urlsafe_b64encode(b'[1]').decode(),
                                   'a.%s.c' % base64.urlsafe_b64encode(b'\xff\xfe').decode()])
def test_non_jwt_tokens_are_allowed_with_no_claims(token):
    assert jwt_claims(token) == {}


@pytest.mark.parametrize('raw, content_type, message', [
    (b'<html><title>Sign in</title></html>', 'text/html', "the answer is not a JSON object but an HTML page titled 'Sign in'"),
    (b'ok', 'text/plain', "the answer is not a JSON object but 'ok'"),
    (b'', '', 'the answer is not a JSON object but an empty body'),
    (b'[1]', 'application/json', "the answer is not a JSON object but '[1]'"),
    (body(token='x'), '', 'the JSON answer has no access_token (keys: token)'),
    (body(access_token='', token_type='Bearer'), '', "the JSON answer's access_token is an empty string, not a token"),
    (body(access_token=5, token_type='Bearer'), '', "the JSON answer's access_token is a number, not a token"),
    (body(access_token=['t'], token_type='Bearer'), '', "the JSON answer's access_token is a list, not a token"),
    (body(access_token='t', token_type='Bearer', expires_in=0.5), '',
     "the identity provider says the token lives 0.5 s (expires_in): too short to be used"),
    (body(access_token='t'), '', 'the token_type is missing, not Bearer'),
    (body(access_token='t', token_type='mac'), '', "the token_type is 'mac', not Bearer"),
    (body(access_token='t', token_type=['Bearer']), '', "the token_type is \"['Bearer']\", not Bearer"),
])
def test_unusable_answers(raw, content_type, message):
    with pytest.raises(NFError) as error:
        parse_token(raw, content_type, NOW)
    assert error.value.message.startswith(message)


def test_huge_bodies_are_cut():
    text = snippet(b'x' * 100000)
    assert len(text) < 130 and text.endswith("...'")


@pytest.mark.parametrize('status, raw, reason, fix', [
    (401, body(error='invalid_client', error_description='Bad client'), 'HTTP 401 invalid_client (Bad client)',
     'check client_id and client_secret'),
    (400, body(error='invalid_scope'), 'HTTP 400 invalid_scope', 'check scope and audience'),
    (400, body(error='unsupported_grant_type'), 'HTTP 400 unsupported_grant_type', 'check token_url: the server does not'),
    (400, body(error='unauthorized_client'), 'HTTP 400 unauthorized_client', 'this API account may not use'),
    (403, body(error='access_denied', error_description='No audience parameter was provided'),
     'HTTP 403 access_denied (No audience parameter was provided)', 'check client_id and client_secret'),
    (404, b'<html><title>Not Found</title></html>', "HTTP 404 with an HTML page titled 'Not Found'", 'check token_url'),
    (503, b'', 'HTTP 503 with an empty body', 'the identity provider failed; try again later'),
    (418, body(error='teapot'), 'HTTP 418 teapot', "see the identity provider's message"),
    # A 431 advised checking the token URL (a hostile review's finding): too large is what it says.
    (431, b'', 'HTTP 431 with an empty body', 'the request headers are too large for the identity provider'),
    (413, b'', 'HTTP 413 with an empty body', 'the request is too large for the identity provider'),
])
def test_error_reasons(status, raw, reason, fix):
    got_reason, got_fix = error_reason(status, raw, 'application/json')
    assert got_reason == reason
    assert got_fix.startswith(fix)


def test_secret_forms_cover_wire_encodings():
    forms = secret_forms('a b+c', 'id')
    for form in ('a b+c', 'a%20b%2Bc', 'a+b%2Bc', base64.b64encode(b'id:a b+c').decode(),
                 base64.b64encode(b'id:a+b%2Bc').decode()):
        assert form in forms
    assert redact('x a+b%2Bc y a b+c', forms) == 'x ******** y ********'
    assert secret_forms('') == []


def test_claims_with_a_lone_surrogate_or_deep_nesting_are_safe_to_return():
    """A claim "\\ud800" is valid JSON that ansible-core cannot encode in the module's result (an outsider's crash)."""
    def token(payload):
        part = base64.urlsafe_b64encode(payload.encode('utf-8')).decode('ascii').rstrip('=')
        return 'eyJhbGciOiJub25lIn0.%s.sig' % part
    claims = jwt_claims(token('{"sub": "a\\ud800b", "\\udc00key": ["\\ud83d"]}'))
    assert claims == {'sub': 'a\ufffdb', '\ufffdkey': ['\ufffd']}
    json.dumps(claims).encode('utf-8')
    assert jwt_claims(token('{"x": ' + '[' * 100 + ']' * 100 + '}')) == {}
