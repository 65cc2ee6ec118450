# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one HTTP client (_http.send) as the API calls use it, against a scripted server on 127.0.0.1: retries and
Retry-After, the deadline of an attempt, and the body reader. (The token request's side is in test_token.py and
test_hostile.py; the playbook tests in tests/e2e/test_api_hostile.py drive the same through nf_request.)"""

import json
import socket
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils import _http, _response
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError

SETTINGS = dict(proxy=None, timeout=5, validate_certs=True, ca_path=None, retries=dict(total=2, backoff_factor=0))


class Script(BaseHTTPRequestHandler):
    """Answers each request with the next scripted (status, headers, body, pause between body bytes)."""
    protocol_version = 'HTTP/1.1'
    answers = []
    seen = []

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def _answer(self):
        self.seen.append(self.command)
        status, headers, body, pause = self.answers.pop(0)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        for index in range(len(body)):
            if pause:
                time.sleep(pause)
            try:
                self.wfile.write(body[index:index + 1])
                self.wfile.flush()
            except OSError:
                return

    do_GET = do_POST = _answer  # noqa: N815


@pytest.fixture
def server():
    Script.answers, Script.seen = [], []
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), Script)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield 'http://127.0.0.1:%d/x' % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def send(url, method='GET', settings=None, warnings=None):
    target = _http.Target.api(method, url, method != 'POST')
    return _http.send(method, url, {}, None, dict(SETTINGS, **(settings or {})), {},
                      (warnings if warnings is not None else []).append, target)


@pytest.mark.parametrize('value', ['nan', 'inf', '-5', 'soon', '1e400', 'Wed, 21 Oct 2015 07:28:00 GMT'])
def test_retry_after_that_is_no_wait_ahead_means_the_backoff(server, value):
    Script.answers = [(503, {'Retry-After': value}, b'', 0), (200, {'Content-Type': 'application/json'}, b'{"a": 1}', 0)]
    warnings = []
    answer = send(server, warnings=warnings)
    assert (answer.status, answer.json(), answer.attempts) == (200, {'a': 1}, 2)
    assert warnings == ['GET %s: HTTP 503; retry 1 of 2 in 0.0 s' % server]


def test_retry_after_in_seconds_is_capped(server, monkeypatch):
    slept = []
    monkeypatch.setattr(time, 'sleep', slept.append)
    Script.answers = [(429, {'Retry-After': '99999'}, b'', 0), (200, {}, b'', 0)]
    warnings = []
    assert send(server, warnings=warnings).status == 200
    assert warnings == ['GET %s: HTTP 429; retry 1 of 2 in 30.0 s' % server] and 30 in slept


def test_retry_after_as_an_http_date_ahead_is_honoured(server, monkeypatch):
    slept = []
    monkeypatch.setattr(time, 'sleep', slept.append)
    Script.answers = [(503, {'Retry-After': formatdate(time.time() + 12, usegmt=True)}, b'', 0), (200, {}, b'', 0)]
    warnings = []
    assert send(server, warnings=warnings).status == 200
    assert len(warnings) == 1 and warnings[0].startswith('GET %s: HTTP 503; retry 1 of 2 in ' % server)
    assert 10 <= float(warnings[0].split(' in ')[1].split()[0]) <= 12 and max(slept) >= 10


@pytest.mark.parametrize('code, attempts', [('EAI_NONAME', 1), ('EAI_AGAIN', 3)])
def test_a_host_name_that_does_not_exist_is_asked_once(monkeypatch, code, attempts):
    """NXDOMAIN is an answer: asking again gives the same one. A resolver that could not answer now is retried."""
    asked = []

    def getaddrinfo(host, *args, **kwargs):
        asked.append(host)
        raise socket.gaierror(getattr(socket, code), 'no such name')

    monkeypatch.setattr(socket, 'getaddrinfo', getaddrinfo)
    monkeypatch.setattr(time, 'sleep', lambda seconds: None)
    warnings = []
    with pytest.raises(NFError) as failure:
        send('https://nf-unit-test.invalid/x', warnings=warnings)
    assert asked == ['nf-unit-test.invalid'] * attempts and len(warnings) == attempts - 1
    assert '(%d attempt%s)' % (attempts, '' if attempts == 1 else 's') in str(failure.value)


def test_a_post_to_the_api_is_sent_once(server):
    Script.answers = [(503, {}, b'busy', 0)]
    warnings = []
    assert (send(server, 'POST', warnings=warnings).status, Script.seen, warnings) == (503, ['POST'], [])


def test_a_trickled_body_ends_at_the_deadline_of_the_attempt(server):
    Script.answers = [(200, {}, b'x' * 40, 0.25)]  # 10 s of body; the attempt may take 1 s
    started = time.monotonic()
    with pytest.raises(NFError) as caught:
        send(server, settings=dict(timeout=1, retries=dict(total=0, backoff_factor=0)))
    assert caught.value.message == 'no answer within 1 s (1 attempt); raise timeout or try again later'
    assert time.monotonic() - started < 6  # generous: the injected trickle would take 10 s


def test_an_answer_over_the_size_cap_is_refused(server):
    Script.answers = [(200, {}, b'x' * 2000, 0)]
    target = _http.Target.api('GET', server, True, max_bytes=1000)
    with pytest.raises(NFError, match='^the answer is larger than 1000 bytes; ask for smaller pages'):
        _http.send('GET', server, {}, None, SETTINGS, {}, [].append, target)


@pytest.mark.parametrize('content_type, body, text', [
    ('text/plain; charset=x-no-such', b'caf\xc3\xa9', 'caf\u00e9'),
    ('text/plain; charset=base64', b'caf\xc3\xa9', 'caf\u00e9'),
    ('text/plain; charset="latin-1"', b'caf\xe9', 'caf\u00e9'),
    ('text/plain; charset=utf-8', b'caf\xe9', 'caf\ufffd'),
    ('text/plain', b'\xff', '\ufffd'),
])
def test_the_body_is_text_whatever_the_charset_says(content_type, body, text):
    assert _http.Answer(200, {'Content-Type': content_type}, body, 1).text() == text


def test_json_is_bounded_and_holds_no_lone_surrogate():
    def answer(raw):
        return _http.Answer(200, {'Content-Type': 'application/json'}, raw, 1)
    assert answer(b'[' * 100000).json() is None
    assert answer(json.dumps(nested(_response.MAX_JSON_DEPTH + 1)).encode()).json() is None
    assert answer(json.dumps(nested(_response.MAX_JSON_DEPTH)).encode()).json() == nested(_response.MAX_JSON_DEPTH)
    assert answer(b'{"\\ud800": ["a\\udfffb"]}').json() == {'\ufffd': ['a\ufffdb']}
    assert answer(b'not json').json() is None


def nested(depth):
    value = []
    for _level in range(depth):
        value = [value]
    return value
