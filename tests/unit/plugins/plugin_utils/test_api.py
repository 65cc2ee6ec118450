# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The API client of nf_request: URLs, HAL paging and retries, with canned answers in place of the network
(the playbook tests in tests/e2e/test_nf_request.py run it against the test bed)."""

import json

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError
from ansible_collections.netfoundry.api.plugins.plugin_utils import _api

API = 'https://gateway.production.netfoundry.io/'
SETTINGS = dict(proxy=None, timeout=5, validate_certs=True, ca_path=None, retries=dict(total=2, backoff_factor=0))


class FakeResponse:
    encoding = 'utf-8'

    def __init__(self, status, data=None, headers=None):
        self.status_code = status
        self.headers = dict({'Content-Type': 'application/hal+json'}, **(headers or {}))
        self.content = json.dumps(data).encode('utf-8') if data is not None else b''


def client_with(answers, monkeypatch):
    """A Client whose requests get the canned answers in turn; returns (client, calls, warnings)."""
    calls, warnings = [], []

    def once(self, method, url, body, headers):
        calls.append((method, url, headers['Authorization']))
        response = answers.pop(0)
        return _api.Reply(method, url, response, response.content)
    monkeypatch.setattr(_api.Client, '_once', once)
    asked = []

    def token(force):
        asked.append(force)
        return 'token-%d' % len(asked)
    client = _api.Client(SETTINGS, {}, token, warnings.append)
    client.asked = asked
    return client, calls, warnings


def page(number, total, items, link=None):
    document = dict(_embedded=dict(networkList=items), page=dict(number=number, totalPages=total, size=len(items)))
    if link:
        document['_links'] = dict(next=dict(href=link))
    return FakeResponse(200, document)


@pytest.mark.parametrize('path, url, query, expected', [
    ('core/v2/networks', None, None, API + 'core/v2/networks'),
    ('/core/v2/networks', None, {'size': 5}, API + 'core/v2/networks?size=5'),
    (None, 'https://other.example/x?a=1&size=1', {'size': 5, 'flag': True}, 'https://other.example/x?a=1&size=5&flag=true'),
    (None, 'http://127.0.0.1:8080/x', None, 'http://127.0.0.1:8080/x'),
])
def test_target_url(path, url, query, expected):
    assert _api.target_url(API, path, url, query) == expected


@pytest.mark.parametrize('path, url, message', [
    ('https://evil.example/x', None, "option path 'https://evil.example/x' is an absolute URL"),
    ('//evil.example/x', None, 'is an absolute URL'),
    (None, 'http://gateway.example/x', 'refusing to send the token over plain http:// to gateway.example'),
    (None, 'ftp://gateway.example/x', 'is not an absolute http(s) URL'),
])
def test_target_url_refuses(path, url, message):
    with pytest.raises(NFTokenError, match=message.replace('(', r'\(').replace(')', r'\)').replace('?', r'\?')):
        _api.target_url(API, path, url, None)


def test_next_page_prefers_the_link_then_counts_pages():
    url = API + 'core/v2/networks?size=2'
    assert _api.next_page({'_links': {'next': {'href': '/core/v2/networks?page=1'}}}, url) == API + 'core/v2/networks?page=1'
    assert _api.next_page({'page': {'number': 0, 'totalPages': 3}}, url) == API + 'core/v2/networks?size=2&page=1'
    assert _api.next_page({'page': {'number': 2, 'totalPages': 3}}, url) is None
    assert _api.next_page({'page': {'number': 'x'}}, url) is None
    assert _api.next_page({}, url) is None


def test_all_pages_by_page_numbers(monkeypatch):
    client, calls, _warnings = client_with([page(0, 3, [1, 2]), page(1, 3, [3, 4]), page(2, 3, [5])], monkeypatch)
    reply, pages = client.all_pages(API + 'core/v2/networks?size=2')
    assert (reply.json['_embedded'], pages, reply.json['page']['number']) == ({'networkList': [1, 2, 3, 4, 5]}, 3, 2)
    assert [url for _m, url, _t in calls] == [API + 'core/v2/networks?size=2', API + 'core/v2/networks?size=2&page=1',
                                              API + 'core/v2/networks?size=2&page=2']
    assert client.asked == [False]  # one token for every page


@pytest.mark.parametrize('link', ['https://evil.example/core/v2/networks?page=1', API + 'core/v2/networks?size=2'])
def test_all_pages_never_sends_the_token_to_another_host_or_in_circles(monkeypatch, link):
    client, calls, _warnings = client_with([page(0, 2, [1], link=link)], monkeypatch)
    with pytest.raises(NFTokenError, match='the token is not sent there'):
        client.all_pages(API + 'core/v2/networks?size=2')
    assert len(calls) == 1


def test_all_pages_returns_a_failed_page_as_it_is(monkeypatch):
    client, _calls, _warnings = client_with([page(0, 2, [1]), FakeResponse(404, {'error': 'gone'})], monkeypatch)
    reply, pages = client.all_pages(API + 'core/v2/networks')
    assert (reply.status, reply.reason(), pages) == (404, ' (gone)', 1)


def test_a_401_renews_the_token_once(monkeypatch):
    client, calls, _warnings = client_with([FakeResponse(401), FakeResponse(401)], monkeypatch)
    assert client.call('GET', API + 'x').status == 401
    assert [token for _m, _u, token in calls] == ['Bearer token-1', 'Bearer token-2']
    assert client.renewed and client.asked == [False, True]


def test_only_idempotent_calls_are_retried(monkeypatch):
    client, calls, warnings = client_with([FakeResponse(503), FakeResponse(429, headers={'Retry-After': '0'}),
                                           FakeResponse(200, {})], monkeypatch)
    assert client.call('GET', API + 'x').status == 200
    assert len(calls) == 3
    assert warnings == ['GET %sx: HTTP 503; retry 1 of 2 in 0.0 s' % API, 'GET %sx: HTTP 429; retry 2 of 2 in 0.0 s' % API]
    client, calls, warnings = client_with([FakeResponse(503)], monkeypatch)
    assert client.call('POST', API + 'x', b'{}').status == 503
    assert (len(calls), warnings) == (1, [])


def test_the_answer_hides_authorization_headers_and_keeps_text():
    response = FakeResponse(200, headers={'Authorization': 'Bearer x', 'Content-Type': 'text/plain', 'X-Id': '1'})
    reply = _api.Reply('GET', API + 'x?secret=1', response, b'plain words')
    assert (reply.headers, reply.json, reply.content, reply.url) == (
        {'Content-Type': 'text/plain', 'X-Id': '1'}, None, 'plain words', API + 'x')
