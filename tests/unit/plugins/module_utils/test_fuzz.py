# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property tests (hypothesis): the response parser and the credentials-file reader, fed arbitrary bytes and
near-valid documents, either succeed with well-typed results or raise NFError, never anything else; and
a secret inside what they are fed never comes back in a message."""

import json
import math

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from ansible_collections.netfoundry.api.plugins.module_utils import _credentials
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._response import error_reason, jwt_claims, parse_token

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CONTENT_TYPES = st.sampled_from(['application/json', 'application/json; charset=utf-8', 'text/html', 'text/plain', '',
                                 'application/x-www-form-urlencoded', 'application/octet-stream'])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)
TOKEN_KEYS = ['access_token', 'token_type', 'expires_in', 'scope', 'error', 'error_description', 'id_token']
NEAR_TOKENS = st.dictionaries(st.sampled_from(TOKEN_KEYS), JSON_VALUES, max_size=6)
ACCOUNT_KEYS = ['clientId', 'password', 'authenticationUrl', 'client_id', 'client_secret']
NEAR_ACCOUNTS = st.dictionaries(st.sampled_from(ACCOUNT_KEYS), JSON_VALUES, max_size=5)


def check_token(token):
    assert isinstance(token['access_token'], str) and token['access_token']
    assert token['token_type'].lower() == 'bearer'
    expires_at = token['expires_at']
    assert expires_at is None or (isinstance(expires_at, (int, float)) and not isinstance(expires_at, bool)
                                  and math.isfinite(expires_at) and expires_at > 1000.0)
    assert isinstance(token['claims'], dict)


@FUZZ
@given(st.binary(max_size=2048), CONTENT_TYPES)
@example(b'\xff\xfe{"access_token": 1}', 'application/json')
@example(b'{"access_token": "a.b.c", "token_type": "Bearer", "expires_in": 1e400}', 'application/json')
def test_parse_token_on_any_bytes(body, content_type):
    try:
        check_token(parse_token(body, content_type, 1000.0))
    except NFError as exc:
        assert '\n' not in exc.message


@FUZZ
@given(NEAR_TOKENS, CONTENT_TYPES)
@example({'access_token': 'x.eyJleHAiOiAic29vbiJ9.y', 'token_type': 'Bearer', 'expires_in': '3600'}, 'application/json')
@example({'access_token': 'a', 'token_type': 'bearer', 'expires_in': -5}, 'application/json')
def test_parse_token_on_near_valid_answers(answer, content_type):
    try:
        check_token(parse_token(json.dumps(answer).encode('utf-8'), content_type, 1000.0))
    except NFError as exc:
        assert '\n' not in exc.message


@FUZZ
@given(st.integers(min_value=100, max_value=599), st.binary(max_size=2048) | NEAR_TOKENS.map(
    lambda d: json.dumps(d).encode('utf-8')), CONTENT_TYPES)
def test_error_reason_always_gives_a_reason_and_a_fix(status, body, content_type):
    reason, fix = error_reason(status, body, content_type)
    assert isinstance(reason, str) and reason and isinstance(fix, str) and fix
    assert '\n' not in reason + fix


@FUZZ
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda raw: raw.decode('latin-1')))
@example('a.' + 'e30' + '.c')
@example('a.!!!.c')
def test_jwt_claims_never_raises(token):
    assert isinstance(jwt_claims(token), dict)


@FUZZ
@given(st.binary(max_size=4096) | NEAR_ACCOUNTS.map(lambda d: json.dumps(d).encode('utf-8')))
@example(b'\xef\xbb\xbf{"clientId": "a", "password": "b"}')
@example(b'{"clientId": "a", "password": "b", "authenticationUrl": 5}')
def test_credentials_file_on_any_bytes(memo, tmp_path, raw):
    path = tmp_path / 'credentials.json'
    path.write_bytes(raw)
    memo.clear()  # rewrites within one clock tick could look unchanged to the memo
    try:
        credential = _credentials.read_credentials_file(str(path), 'option credentials_file')
    except NFError as exc:
        assert '\n' not in exc.message
        return
    assert isinstance(credential.client_id, str) and credential.client_id
    assert isinstance(credential.client_secret, str) and credential.client_secret
    assert credential.token_url is None or isinstance(credential.token_url, str)


@FUZZ
@given(st.text(alphabet=st.characters(blacklist_categories=('Cs',)), min_size=6, max_size=40), NEAR_ACCOUNTS)
def test_a_secret_in_a_bad_credentials_file_never_shows(memo, tmp_path, secret, account):
    secret = 'Zx9-secret-' + secret
    account['password'] = secret
    account['clientId'] = account.get('clientId', 'x')
    path = tmp_path / 'credentials.json'
    path.write_text(json.dumps(account)[:-1])  # cut: never valid JSON
    memo.clear()
    with pytest.raises(NFError) as error:
        _credentials.read_credentials_file(str(path), 'option credentials_file')
    assert secret not in error.value.message


# Issue 12: hostile answers. An echo of the secret (raw, form-encoded, JSON-escaped, in Basic) anywhere in an error
# body, at any offset (so across every cut), never leaves a piece of it; absurd numbers and nesting stay one line.

SECRETS = st.text(alphabet=st.characters(blacklist_categories=('Cs',)), min_size=4, max_size=24).map(
    lambda text: 'Zx9"q\\' + text)
ENCODINGS = st.sampled_from(['raw', 'form', 'json', 'json-ascii-upper', 'basic'])


def encode(secret, encoding):
    import base64
    from urllib.parse import quote_plus
    if encoding == 'raw':
        return secret
    if encoding == 'form':
        return quote_plus(secret)
    if encoding == 'json':
        return json.dumps(secret, ensure_ascii=False)[1:-1]
    if encoding == 'json-ascii-upper':
        import re
        return re.sub(r'\\u([0-9a-f]{4})', lambda m: '\\u' + m.group(1).upper(), json.dumps(secret)[1:-1])
    return base64.b64encode(('cid:%s' % secret).encode('utf-8')).decode('ascii')


@FUZZ
@given(SECRETS, ENCODINGS, st.integers(min_value=0, max_value=300), st.sampled_from(['text', 'json', 'html']),
       st.integers(min_value=400, max_value=599))
def test_an_echoed_secret_leaves_no_piece_in_the_reason(secret, encoding, offset, shape, status):
    from ansible_collections.netfoundry.api.plugins.module_utils._errors import secret_forms
    echoed = encode(secret, encoding)
    if shape == 'json':
        body = json.dumps({'error': 'invalid_request', 'error_description': '.' * offset + echoed + ' tail'})
        content_type = 'application/json'
    elif shape == 'html':
        body = '<html><title>%s%s</title></html>' % ('.' * offset, echoed)
        content_type = 'text/html'
    else:
        body = '.' * offset + echoed + ' tail'
        content_type = 'text/plain'
    reason, _fix = error_reason(status, body.encode('utf-8'), content_type, secret_forms(secret, 'cid'))
    shown = encode(secret, encoding)
    assert shown[:8] not in reason and secret[:8] not in reason, (reason, shown)


@FUZZ
@given(st.sampled_from(['expires_in', 'exp']), st.integers(min_value=0, max_value=600).map(lambda n: 10 ** n)
       | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12))
def test_absurd_expiries_are_bounded_or_refused(where, value):
    import base64
    from ansible_collections.netfoundry.api.plugins.module_utils._response import MAX_TOKEN_LIFE
    answer = {'access_token': 'opaque', 'token_type': 'Bearer'}
    if where == 'expires_in':
        answer['expires_in'] = value
    else:
        payload = base64.urlsafe_b64encode(json.dumps({'exp': value}).encode()).rstrip(b'=').decode()
        answer['access_token'] = 'e30.%s.sig' % payload
    try:
        token = parse_token(json.dumps(answer).encode('utf-8'), 'application/json', 1000000.0)
    except NFError as exc:
        assert '\n' not in exc.message and ('clock skew' in exc.message or (
            where == 'expires_in' and 'token lives' in exc.message and 'too short to be used' in exc.message))
        return
    assert token['expires_at'] is None or 1000000.0 < token['expires_at'] <= 1000000.0 + MAX_TOKEN_LIFE


@FUZZ
@given(st.integers(min_value=1, max_value=200000), st.sampled_from(['[', '{"a":', '<title>', '<', '<title><']),
       st.sampled_from([200, 400, 503]), CONTENT_TYPES)
def test_nesting_and_repetition_are_one_line(count, unit, status, content_type):
    body = (unit * count).encode('utf-8')
    reason, fix = error_reason(status, body, content_type)
    assert '\n' not in reason + fix
    try:
        parse_token(body, content_type, 1000.0)
    except NFError as exc:
        assert '\n' not in exc.message
