# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 12: hostile servers, hostile inputs, broken disks. Real HTTP against the in-process test bed; each test
failed before its fix. No timing assertion: an injected delay is either far longer than what the test allows
(and the outcome differs), or the test counts requests."""

import json
import multiprocessing
import os
import threading
import time
from urllib.parse import quote_plus

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils import _credentials, _http, _token
from ansible_collections.netfoundry.api.plugins.module_utils._cache import TokenCache, cache_key
from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import display_url, is_loopback
from ansible_collections.netfoundry.api.plugins.module_utils._errors import (
    NFError, proxy_secret_forms, redact, secret_forms)

from ansible_collections.netfoundry.api.plugins.module_utils._response import MAX_TOKEN_LIFE, snippet
from ansible_collections.netfoundry.api.plugins.module_utils._token import _lock_timeout, get_token, prepare

# A secret with every character a JSON encoder escapes, and more.
NASTY_ID = 'hostile-client'
NASTY_SECRET = 'Hq"9\\Zé/ü+k=7&Wp%20 tab\there'


@pytest.fixture
def nasty(testbed):
    testbed.add_client(NASTY_ID, NASTY_SECRET)
    return testbed


def fetch(testbed, warnings=None, environ=None, **options):
    options.setdefault('client_id', NASTY_ID)
    options.setdefault('client_secret', NASTY_SECRET)
    options.setdefault('token_url', testbed.info['idp_http'] + '/token')
    options.setdefault('retries', 0)
    options.setdefault('cache', False)
    sink = warnings if warnings is not None else []
    environ = environ if environ is not None else {}
    return get_token(prepare(options, environ=environ), environ=environ, warn=sink.append)


def failure(testbed, **options):
    with pytest.raises(NFError) as error:
        fetch(testbed, **options)
    message = error.value.message
    assert '\n' not in message and 'Traceback' not in message
    return message


def assert_no_piece(text, secret, size=5):
    """Not even a piece of size characters of any form of secret is in text."""
    for form in secret_forms(secret, NASTY_ID):
        for start in range(0, max(1, len(form) - size + 1)):
            piece = form[start:start + size]
            if len(piece) == size and piece.strip() == piece and not piece.isalpha():
                assert piece not in text, (piece, form, text)


# Leaks

@pytest.mark.parametrize('shift', range(0, 30, 3))
def test_an_echoed_secret_cut_at_the_message_limit_is_still_redacted(nasty, shift):
    # The plain-text echo puts the form-encoded secret across the 120-character cut of the snippet.
    prefix = ' you sent: grant_type=client_credentials&client_id=%s&client_secret=' % NASTY_ID
    pad = 120 - len(prefix) - shift
    nasty.faults({'status': 400, 'content_type': 'text/plain', 'echo': 'text', 'pad': pad})
    message = failure(nasty, auth_method='client_secret_post')
    assert 'HTTP 400 with' in message
    assert_no_piece(message, NASTY_SECRET)
    assert_no_piece(message, quote_plus(NASTY_SECRET))


@pytest.mark.parametrize('auth_method', ['client_secret_json', 'client_secret_basic', 'client_secret_post'])
def test_a_json_escaped_echo_is_redacted(nasty, auth_method):
    nasty.faults({'status': 400, 'echo': 'json'})
    message = failure(nasty, auth_method=auth_method)
    assert 'HTTP 400 invalid_request (cannot parse' in message
    assert '********' in message
    assert_no_piece(message, NASTY_SECRET)


def test_json_escaped_forms():
    forms = secret_forms('a"b\\c/é')
    for form in ('a\\"b\\\\c/\\u00e9', 'a\\"b\\\\c/\\u00E9', 'a\\"b\\\\c\\/\\u00e9', 'a\\"b\\\\c/é', 'a"b\\c/é'):
        assert form in forms, form
    assert redact('x a\\"b\\\\c\\/\\u00E9 y', forms) == 'x ******** y'
    assert 'a b' in secret_forms('a \n b')  # as a one-line message collapses it


def test_proxy_passwords_are_secrets():
    forms = proxy_secret_forms(['http://user:p%40ss%3Aword@proxy:3128', None, 'http://[::1', 'http://proxy:1'])
    assert 'p@ss:word' in forms and 'p%40ss%3Aword' in forms
    # An outsider's finding (issue 29): urlsplit ends the host at an unescaped / ? or #, before the @.
    for password in ('pa/ssW0rdXyz', 'pa#ssW0rdXyz', 'pa?ssW0rdXyz'):
        url = 'http://bob:%s@127.0.0.1:9' % password
        assert password in proxy_secret_forms([url])
        assert display_url(url) == 'http://127.0.0.1:9'


def test_an_echoed_proxy_password_is_redacted(nasty):
    nasty.faults({'status': 400, 'content_type': 'text/plain', 'body': 'proxy said: pr0xy-Pa55word'})
    message = failure(nasty, environ={'HTTPS_PROXY': 'http://u:pr0xy-Pa55word@127.0.0.1:9'})
    assert 'pr0xy-Pa55word' not in message and "proxy said: ********" in message


def test_warnings_and_file_names_hold_nothing_of_the_secret(nasty, tmp_path):
    warnings = []
    fetch(nasty, warnings, cache=True, cache_dir=str(tmp_path / 'c'))
    request = prepare(dict(client_id=NASTY_ID, client_secret='another', token_url=nasty.info['idp_http'] + '/token'),
                      environ={})
    key = cache_key(request)  # a name that no secret went into
    assert sorted(os.listdir(str(tmp_path / 'c'))) == [key + '.json', key + '.lock']
    assert warnings == []


# Hangs and denial of service

def test_a_mebibyte_of_repeated_titles_is_read_in_linear_time():
    page = '<title>' * (1024 * 1024 // 7)
    done = []
    worker = threading.Thread(target=lambda: done.append(snippet(page.encode(), 'text/html')), daemon=True)
    worker.start()
    worker.join(120)  # linear: milliseconds; the old regex: about half an hour
    assert done == ['an HTML page'], 'the title search did not finish'
    assert snippet(b'<TITLE lang=en>Sign <b>in</b></Title>', 'text/html') == "an HTML page titled 'Sign in'"
    assert snippet(b'<html><title>never closed', 'text/html') == 'an HTML page'
    assert snippet(b'<title>' + b'<' * 100000 + b'</title>', 'text/html') == "an HTML page titled %r" % ('<' * 120)


def test_a_page_of_repeated_titles_over_http(nasty):
    nasty.faults({'status': 403, 'content_type': 'text/html', 'body': '<title>', 'repeat': 1024 * 1024 // 7})
    assert failure(nasty).endswith("was refused: HTTP 403 with an HTML page; check that the API account is enabled "
                                   "and allowed here (credential source: options client_id + client_secret)")


def token_body(testbed, lifetime=3600):
    return {'access_token': 'opaque-token-value', 'token_type': 'Bearer', 'expires_in': lifetime}


@pytest.mark.parametrize('fault', [
    {'status': 200, 'trickle': 0.25},            # about 20 s of body
    {'status': 200, 'trickle_headers': 0.25},    # about 20 s of headers
], ids=['body', 'headers'])
def test_a_trickled_answer_ends_at_the_deadline(nasty, fault):
    # Before: each byte came within the read timeout, and the task waited for the whole answer (then succeeded).
    nasty.faults(dict(fault, body=token_body(nasty)))
    message = failure(nasty, timeout=1)
    assert 'failed: no answer within 1 s (1 attempt); raise timeout or try again later' in message
    assert nasty.stats()['total'] == 1


def test_a_trickled_answer_is_retried_with_a_warning(nasty):
    nasty.faults({'status': 200, 'trickle': 0.25, 'body': token_body(nasty)})
    warnings = []
    result = fetch(nasty, warnings, timeout=1, retries={'total': 1, 'backoff_factor': 0.01})
    assert result['access_token'] != 'opaque-token-value'  # the second attempt's real token
    assert len(warnings) == 1 and ': read timed out; retry 1 of 1 in ' in warnings[0]
    assert nasty.stats()['total'] == 2


def test_the_deadline_is_per_attempt_not_per_connection(nasty):
    # Three quick 503s on one kept-alive connection: each attempt gets its own deadline, none is cut short.
    nasty.faults({'status': 503, 'times': 2})
    assert fetch(nasty, timeout=2, retries={'total': 2, 'backoff_factor': 0.01})['access_token']
    assert nasty.stats()['total'] == 3


@pytest.mark.parametrize('timeout, retries', [(300, 3), (30, 3), (3600, 10), (1, 0)])
def test_lock_waiters_wait_as_long_as_the_holder_can_take(timeout, retries):
    settings = {'timeout': timeout, 'retries': {'total': retries, 'backoff_factor': 0.5}}
    holder_worst = timeout * (retries + 1) + max(_http.BACKOFF_MAX, _http.RETRY_AFTER_CAP) * retries
    assert _lock_timeout(settings) > holder_worst  # before: at most 600 s


def _one_process(info, cache_dir, queue):
    options = dict(client_id=NASTY_ID, client_secret=NASTY_SECRET, token_url=info['idp_http'] + '/token',
                   cache_dir=cache_dir, timeout=20, retries=0)
    try:
        result = get_token(prepare(options, environ={}), environ={})
        queue.put(result['access_token'])
    except NFError as exc:
        queue.put('error: ' + exc.message)


def test_a_slow_identity_provider_is_asked_once_by_eight_processes(nasty, tmp_path):
    nasty.faults({'delay': 3, 'serve': False, 'status': 200, 'body': token_body(nasty)})
    context = multiprocessing.get_context('fork')
    queue = context.Queue()
    workers = [context.Process(target=_one_process, args=(nasty.info, str(tmp_path / 'c'), queue)) for _number in range(8)]
    for worker in workers:
        worker.start()
    tokens = [queue.get(timeout=120) for _worker in workers]
    for worker in workers:
        worker.join(30)
    assert tokens == ['opaque-token-value'] * 8
    assert nasty.stats()['total'] == 1


def test_a_fifo_as_credentials_file_is_one_line(tmp_path):
    fifo = tmp_path / 'credentials.json'
    os.mkfifo(str(fifo))
    outcome = []

    def read():
        try:
            _credentials.resolve(credentials_file=str(fifo), environ={})
        except NFError as exc:
            outcome.append(exc.message)
    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(60)
    assert outcome == ['credentials file %s (option credentials_file) is not a regular file (a FIFO): give the path '
                       'of the JSON file NF Console gave you' % fifo]


def test_a_directory_as_credentials_file_is_one_line(tmp_path):
    with pytest.raises(NFError, match=r'is not a regular file \(a directory\)'):
        _credentials.resolve(credentials_file=str(tmp_path), environ={})


# Tracebacks instead of one line

@pytest.mark.parametrize('token, expires_in', [
    ({'claims': {'exp': 10 ** 400}}, None),
    ({'claims': {'exp': 1e300}}, None),
    ({'claims': {'exp': 'never'}}, 10 ** 400),
    ({'claims': {'exp': 'never'}}, 1e12),
    ({'claims': {'exp': 'never'}}, '1e999'),
], ids=['exp-400-digits', 'exp-1e300', 'expires_in-400-digits', 'expires_in-1e12', 'expires_in-inf-string'])
def test_absurd_expiry_is_capped_at_a_day(nasty, token, expires_in):
    spec = dict(token)
    if expires_in is not None:
        spec['expires_in'] = expires_in
    nasty.faults({'status': 200, 'token': spec})
    started = time.time()
    result = fetch(nasty)
    assert started + MAX_TOKEN_LIFE - 1 <= result['expires_at'] <= time.time() + MAX_TOKEN_LIFE
    assert MAX_TOKEN_LIFE - 60 <= result['expires_in'] <= MAX_TOKEN_LIFE


def test_an_already_expired_token_names_clock_skew(nasty):
    nasty.faults({'status': 200, 'token': {'claims': {'exp': int(time.time()) - 7200}, 'expires_in': 3600}})
    message = failure(nasty)
    assert 'got no usable token: the token is already expired: its exp claim is ' in message
    assert "(clock skew): check NTP on both" in message


@pytest.mark.parametrize('status', [200, 400])
def test_deeply_nested_json_is_one_line(nasty, status):
    nasty.faults({'status': status, 'body': '[', 'repeat': 200000})
    message = failure(nasty)
    assert ("'%s...'" % ('[' * 120)) in message


def test_deeply_nested_jwt_payload_means_no_claims(nasty):
    import base64
    payload = base64.urlsafe_b64encode(b'[' * 100000).rstrip(b'=').decode()
    nasty.faults({'status': 200, 'body': {'access_token': 'e30.%s.sig' % payload, 'token_type': 'Bearer',
                                          'expires_in': 60}})
    assert fetch(nasty)['claims'] == {}


def test_an_enormous_timeout_is_one_line(nasty):
    with pytest.raises(NFError) as error:
        prepare(dict(client_id=NASTY_ID, client_secret=NASTY_SECRET, token_url='https://idp.example.com/token',
                     timeout=1e12), environ={})
    assert error.value.message == ('option timeout is 1e+12 s, more than the 3600 s an attempt may take: give a '
                                   'smaller timeout')


@pytest.mark.parametrize('option, value, message', [
    ('proxy', 'http://[::1', "option proxy '<invalid URL>' is not an http:// or https:// proxy URL"),
    ('ca_path', '/etc/ssl/\0x', 'option ca_path contains a NUL byte: give a plain path'),
    ('credentials_file', '/tmp/\0x', 'option credentials_file contains a NUL byte: give a plain path'),
])
def test_bad_paths_and_urls_are_one_line(nasty, option, value, message):
    options = {option: value}
    if option == 'credentials_file':
        options.update(client_id=None, client_secret=None)
    with pytest.raises(NFError) as error:
        prepare(dict(dict(client_id=NASTY_ID, client_secret=NASTY_SECRET, token_url='https://idp.example.com/token'),
                     **options), environ={})
    assert message in error.value.message


def test_nul_in_cache_dir_is_one_line_before_the_network(nasty):
    with pytest.raises(NFError) as error:
        fetch(nasty, [], cache=True, cache_dir='/tmp/a\0b')
    assert error.value.message == 'option cache_dir contains a NUL byte: give a plain path'
    assert nasty.stats()['total'] == 0


# Trust

def test_a_cached_api_url_is_not_trusted(memo, nasty, tmp_path):
    cache_dir = str(tmp_path / 'c')
    first = fetch(nasty, cache=True, cache_dir=cache_dir)
    path = os.path.join(cache_dir, [name for name in os.listdir(cache_dir) if name.endswith('.json')][0])
    entry = json.load(open(path))
    entry.update(api_url='https://evil.example.com/', audience='https://evil.example.com/', token_url='https://e/')
    with open(path, 'w') as handle:
        json.dump(entry, handle)
    memo.clear()
    second = fetch(nasty, cache=True, cache_dir=cache_dir)
    assert second['cached'] is True and second['access_token'] == first['access_token']
    assert (second['api_url'], second['audience'], second['token_url']) == \
        (first['api_url'], first['audience'], first['token_url'])


@pytest.mark.parametrize('host, loopback', [
    ('127.0.0.1', True), ('127.255.0.9', True), ('::1', True),
    ('localhost', False), ('x.localhost', False), ('localhost.', False), ('127.0.0.1.nip.io', False),
])
def test_only_literal_loopback_addresses_count(host, loopback):
    assert is_loopback(host) is loopback


def test_plain_http_to_loopback_ignores_proxy_variables(nasty):
    dead = 'http://127.0.0.1:9'  # nothing listens: through it, the request would fail
    environ = {'HTTP_PROXY': dead, 'http_proxy': dead, 'ALL_PROXY': dead}
    old = dict(os.environ)
    os.environ.update(environ)  # requests reads proxy variables from os.environ
    try:
        assert _http.proxies_for(nasty.info['idp_http'] + '/token', {'proxy': None}) == {}
        assert fetch(nasty, environ=environ)['access_token']
        assert _http.proxies_for('https://idp.example.com/token', {'proxy': None}) == {'http': dead, 'all': dead}
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_plain_http_with_an_explicit_proxy_is_refused(nasty):
    with pytest.raises(NFError) as error:
        fetch(nasty, proxy='http://user:pw@127.0.0.1:3128')
    assert error.value.message == (
        'refusing to send the client secret over plain http:// through the proxy http://127.0.0.1:3128 (token_url is '
        'plain http): use an https:// token URL or leave proxy out (credential source: options client_id + '
        'client_secret)')
    assert nasty.stats()['total'] == 0


def test_lock_timeout_is_used_by_get_token(monkeypatch, nasty, tmp_path):
    seen = []
    real = TokenCache.lock

    def spy(self, key, timeout):
        seen.append(timeout)
        return real(self, key, timeout)
    monkeypatch.setattr(TokenCache, 'lock', spy)
    fetch(nasty, cache=True, cache_dir=str(tmp_path / 'c'), timeout=300, retries=3)
    assert seen == [_token._lock_timeout({'timeout': 300, 'retries': {'total': 3}})] and seen[0] > 1290


# An attacker's review of 3.1.0 (stop 24): an identity provider that quotes the secret cut short, or answers a token
# in a shape that is then quoted.
PLAIN_ID, PLAIN_SECRET = 'plain-client', 'Zq7Lm2Xp9Rt4Wv6Yb8Nc1Kd3'


@pytest.mark.parametrize('echoed', [PLAIN_SECRET[:12], PLAIN_SECRET[:-4], PLAIN_SECRET[5:17], PLAIN_SECRET[-9:]])
def test_a_secret_quoted_cut_short_is_redacted(testbed, echoed):
    testbed.add_client(PLAIN_ID, PLAIN_SECRET)
    testbed.faults({'status': 401, 'body': {'error': 'invalid_client', 'error_description': 'secret %s... is wrong' % echoed}})
    message = failure(testbed, client_id=PLAIN_ID, client_secret=PLAIN_SECRET)
    assert 'HTTP 401 invalid_client (secret ********... is wrong)' in message, message
    for start in range(len(PLAIN_SECRET) - 5):
        assert PLAIN_SECRET[start:start + 6] not in message, message


@pytest.mark.parametrize('cut', [3, 9, 20])
def test_basic_credentials_quoted_cut_short_are_redacted(testbed, cut):
    """An outsider's finding (issue 29): a server that repeats the Authorization header cut short gave the base64 of
    id:secret, which decodes to the secret but its last characters."""
    import base64
    testbed.add_client(PLAIN_ID, PLAIN_SECRET)
    basic = base64.b64encode(('%s:%s' % (PLAIN_ID, PLAIN_SECRET)).encode()).decode()
    testbed.faults({'status': 400, 'body': {'error': 'invalid_request',
                                            'error_description': 'you sent Basic %s...' % basic[:-cut]}})
    message = failure(testbed, client_id=PLAIN_ID, client_secret=PLAIN_SECRET, auth_method='client_secret_basic')
    assert 'HTTP 400 invalid_request (you sent Basic ********...)' in message, message


def test_a_seven_character_word_of_the_message_stays(testbed):
    """Pieces shorter than SECRET_PIECE are not redacted: a message's own words must not go."""
    testbed.add_client(PLAIN_ID, 'invalid-client-secret')
    testbed.faults({'status': 401, 'body': {'error': 'invalid_client'}})
    assert 'HTTP 401 invalid_client;' in failure(testbed, client_id=PLAIN_ID, client_secret='invalid-client-secret')


def test_a_form_encoded_token_answer_is_not_quoted(testbed):
    token = 'opaque0123456789abcdefTOKEN'
    testbed.faults({'status': 200, 'content_type': 'application/x-www-form-urlencoded',
                    'body': 'access_token=%s&token_type=bearer&expires_in=3600' % token})
    message = failure(testbed)
    assert 'the answer is form-encoded (access_token=...), not the JSON object OAuth2' in message
    assert token[:8] not in message


@pytest.mark.parametrize('answer, words', [
    ({'token_type': 'MAC eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl', 'access_token': 'x'},
     'the token_type is a 65-character value, not Bearer'),
    ({'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl': 1, 'token_type': 'Bearer'},
     'no access_token (keys: <a 61-character key>, token_type)'),
])
def test_a_token_in_a_key_or_the_token_type_is_not_quoted(testbed, answer, words):
    testbed.faults({'status': 200, 'body': answer})
    message = failure(testbed)
    assert words in message and 'c2lnbmF0dXJl' not in message, message
