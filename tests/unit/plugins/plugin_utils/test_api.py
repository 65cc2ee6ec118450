# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The API client of nf_request: URLs, HAL paging and retries, with canned answers in place of the network
(the playbook tests in tests/e2e/test_nf_request.py run it against the test bed)."""

import json

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils import _http
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.plugin_utils import _api

API = 'https://gateway.production.netfoundry.io/'
SETTINGS = dict(proxy=None, timeout=5, validate_certs=True, ca_path=None, retries=dict(total=2, backoff_factor=0))


class FakeResponse:
    """A canned answer in the shape of the one HTTP client's Answer."""

    def __init__(self, status, data=None, headers=None, body=None):
        headers = dict({'Content-Type': 'application/hal+json'}, **(headers or {}))
        raw = body if body is not None else json.dumps(data).encode('utf-8') if data is not None else b''
        self.answer = _http.Answer(status, headers, raw, 1)


def client_with(answers, monkeypatch):
    """A Client whose requests get the canned answers in turn; returns (client, calls, warnings)."""
    calls, warnings = [], []

    def send(method, url, headers, body, settings, environ, warn, target, deadline=None):
        calls.append((method, url, headers.get('Authorization'), target.retry))
        return answers.pop(0).answer
    monkeypatch.setattr(_http, 'send', send)
    asked = []

    def token(refused):
        asked.append(refused)
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
    (None, API + 'x?a=1&size=1', {'size': 5, 'flag': True}, API + 'x?a=1&size=5&flag=true'),
    (None, 'https://GATEWAY.production.netfoundry.io:443/x', None, 'https://GATEWAY.production.netfoundry.io:443/x'),
])
def test_target_url(path, url, query, expected):
    assert _api.target_url(API, path, url, query) == expected


@pytest.mark.parametrize('url', ['https://other.example/x', 'https://gateway.production.netfoundry.io:8443/x'])
def test_the_token_goes_to_another_host_only_when_asked(url):
    with pytest.raises(NFError, match="option url .* is not on the API's host .*send_token_to_other_hosts: true"):
        _api.target_url(API, None, url, None)
    if url.startswith('https'):
        assert _api.target_url(API, None, url, None, other_hosts=True) == url


def test_a_path_with_a_line_break_is_refused():
    with pytest.raises(NFError) as caught:
        _api.target_url(API, 'core/v2\r\nX: 1', None, None)
    assert caught.value.message == "option path 'core/v2\\r\\nX: 1' holds a line break: give the API path on one line"


@pytest.mark.parametrize('path, url, message', [
    ('https://evil.example/x', None, "option path 'https://evil.example/x' is an absolute URL"),
    ('//evil.example/x', None, 'is an absolute URL'),
    (None, 'http://gateway.example/x', 'refusing to send the token over plain http:// to gateway.example'),
    (None, 'http://[::1/x', 'is not a valid URL'),
    (None, 'ftp://gateway.example/x', 'is not an absolute http(s) URL'),
    # nf_request's argument spec asks for one of them first; the engine says so too, for any other caller.
    (None, None, 'give option path (relative to the API URL) or option url'),
])
def test_target_url_refuses(path, url, message):
    with pytest.raises(NFError, match=message.replace('(', r'\(').replace(')', r'\)').replace('?', r'\?')):
        _api.target_url(API, path, url, None)


def test_next_page_prefers_the_link_then_counts_pages():
    url = API + 'core/v2/networks?size=2'
    assert _api.next_page({'_links': {'next': {'href': '/core/v2/networks?page=1'}}}, url) == API + 'core/v2/networks?page=1'
    assert _api.next_page({'page': {'number': 0, 'totalPages': 3}}, url) == API + 'core/v2/networks?size=2&page=1'
    assert _api.next_page({'page': {'number': 2, 'totalPages': 3}}, url) is None
    assert _api.next_page({'page': {'number': 2.0, 'totalPages': 3}}, url) is None
    assert _api.next_page({'page': {'number': 0}}, url) is None
    assert _api.next_page({}, url) is None


@pytest.mark.parametrize('document, words', [
    ({'_links': 'next'}, '_links is a string, not an object'),
    ({'_links': {'next': 5}}, '_links.next has no href string'),
    ({'_links': {'next': {'href': 7}}}, '_links.next has no href string'),
    ({'_links': {'next': {'href': 'http://[::1'}}}, "its next link 'http://[::1' is not an http(s) URL"),
    ({'_links': {'next': {'href': 'javascript:alert(1)'}}}, 'is not an http(s) URL'),
    ({'_links': {'next': {'href': 'https://h:99999/'}}}, 'is not an http(s) URL'),
    ({'page': [0]}, 'page is a list, not an object'),
    ({'page': {'number': 1e308, 'totalPages': 2}}, 'page.number 1e+308 and page.totalPages 2 are not page numbers'),
    ({'page': {'number': 'x', 'totalPages': 2}}, "page.number 'x'"),
    ({'page': {'number': -1, 'totalPages': 2}}, 'are not page numbers'),
    ({'page': {'number': float('nan'), 'totalPages': 2}}, 'are not page numbers'),
    ({'page': {'number': True, 'totalPages': 2}}, 'are not page numbers'),
])
def test_malformed_hal_is_one_line_naming_what_is_wrong(document, words):
    with pytest.raises(NFError) as caught:
        _api.next_page(document, API + 'core/v2/networks', 'page 1 of x')
    assert caught.value.message.startswith('page 1 of x is malformed HAL: ') and words in caught.value.message


def test_all_pages_by_page_numbers(monkeypatch):
    client, calls, _warnings = client_with([page(0, 3, [1, 2]), page(1, 3, [3, 4]), page(2, 3, [5])], monkeypatch)
    reply, pages = client.all_pages(API + 'core/v2/networks?size=2')
    assert (reply.json['_embedded'], pages, reply.json['page']['number']) == ({'networkList': [1, 2, 3, 4, 5]}, 3, 2)
    assert [url for _m, url, _t, _r in calls] == [API + 'core/v2/networks?size=2', API + 'core/v2/networks?size=2&page=1',
                                                  API + 'core/v2/networks?size=2&page=2']
    assert client.asked == [None]  # one token for every page


@pytest.mark.parametrize('link, words', [
    ('https://evil.example/core/v2/networks?page=1',
     'links its next page to another host (https://evil.example/core/v2/networks): the token is not sent there'),
    (API + 'core/v2/networks?size=2', 'links its next page back to a page already read'),
])
def test_all_pages_never_sends_the_token_to_another_host_or_in_circles(monkeypatch, link, words):
    client, calls, _warnings = client_with([page(0, 2, [1], link=link)], monkeypatch)
    with pytest.raises(NFError, match='^page 1 of %score/v2/networks ' % API) as caught:
        client.all_pages(API + 'core/v2/networks?size=2')
    assert words in caught.value.message
    assert len(calls) == 1


@pytest.mark.parametrize('answers, limits, words', [
    ([page(0, 3, [1]), page(1, 3, [2])], dict(max_pages=2), 'stopped after 2 pages of %score/v2/networks (max_pages)' % API),
    ([page(0, 3, ['x' * 100]), page(1, 3, ['y' * 100])], dict(max_bytes=200),
     'stopped at page 2 of %score/v2/networks: the pages add up to more than 200 bytes (max_bytes)' % API),
    ([FakeResponse(200, {'_embedded': [1]})], {}, '_embedded is a list, not an object'),
    ([FakeResponse(200, {'_embedded': {'networkList': 'x'}})], {}, '_embedded.networkList is a string, not a list'),
    ([page(0, 2, [1]), FakeResponse(200, [1])], {}, 'page 2 of %score/v2/networks is not a JSON object' % API),
])
def test_all_pages_stops_and_names_the_rule(monkeypatch, answers, limits, words):
    client, _calls, _warnings = client_with(answers, monkeypatch)
    with pytest.raises(NFError) as caught:
        client.all_pages(API + 'core/v2/networks', **limits)
    assert words in caught.value.message


def test_all_pages_returns_a_failed_first_page_as_it_is(monkeypatch):
    client, _calls, _warnings = client_with([FakeResponse(404, {'error': 'gone'})], monkeypatch)
    reply, pages = client.all_pages(API + 'core/v2/networks')
    assert (reply.status, reply.reason(), pages) == (404, ' (gone)', 0)


def test_all_pages_fails_on_a_later_page_that_fails(monkeypatch):
    """Page 1's items and page 2's error are not one answer: one line naming the page (an outsider's finding)."""
    client, _calls, _warnings = client_with([page(0, 2, [1]), FakeResponse(404, {'error': 'gone'})], monkeypatch)
    with pytest.raises(NFError) as error:
        client.all_pages(API + 'core/v2/networks')
    assert error.value.message == ('page 2 of %score/v2/networks answered HTTP 404 (gone): the list was not read to '
                                   'its end' % API)


@pytest.mark.parametrize('href', ['http://127.0.0.2:18778\\@127.0.0.1:18777/page2', 'https://evil.example\\@gw/x',
                                  'https://gw/a b', 'https://gw/\x00'])
def test_a_next_link_that_http_libraries_split_elsewhere_is_refused(href):
    """urlsplit reads the host after the backslash, urllib3 before it: the token went to 127.0.0.2 (an outsider)."""
    with pytest.raises(NFError, match='is malformed HAL: its next link'):
        _api.next_page({'_links': {'next': {'href': href}}}, 'http://127.0.0.1:18777/first', 'page 1')


def test_pieces_of_an_echoed_token_are_redacted(monkeypatch):
    """An API that echoes the token cut short, wrapped at 64 columns, as a header name or in base64: no piece of 16
    characters or more of its signature survives (an outsider's finding); other JWTs, which share the header and
    maybe claims, are left whole (a tester's finding: an enrollment JWT was cut)."""
    import base64
    token = 'eyJhbGciOiJSUzI1NiJ9.' + 'eyJzdWIiOiJhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5eiJ9' + '.' + 'S' * 10 + 'ig-n4tur3_' * 8
    wrapped = '\n'.join(token[i:i + 64] for i in range(0, len(token), 64))
    other_jwt = 'eyJhbGciOiJSUzI1NiJ9.' + 'eyJzdWIiOiJhYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ei1vdGhlciJ9' + '.' + 'OtherSig_' * 6
    echoed = {'cut': token[:160], 'tail': token[-40:], 'wrapped': wrapped, token[-30:]: 'header name',
              'b64': base64.b64encode(('Bearer ' + token).encode()).decode(), 'other': 'a-normal_value-of-20+chars/ok',
              'enrollment': other_jwt}
    client, _calls, _warnings = client_with([FakeResponse(200, echoed)], monkeypatch)
    client.token = lambda refused: token
    reply = client.call('GET', API + 'x')
    text = json.dumps(reply.json)
    signature = token.rsplit('.', 1)[1]
    assert all(signature[i:i + 16] not in text for i in range(len(signature) - 15)), text
    assert base64.b64encode(('Bearer ' + token).encode()).decode()[-40:] not in text
    assert (reply.json['other'], reply.json['enrollment']) == ('a-normal_value-of-20+chars/ok', other_jwt)


def test_a_401_renews_the_token_once_naming_the_refused_one(monkeypatch):
    client, calls, _warnings = client_with([FakeResponse(401), FakeResponse(401)], monkeypatch)
    assert client.call('GET', API + 'x').status == 401
    assert [token for _m, _u, token, _r in calls] == ['Bearer token-1', 'Bearer token-2']
    assert client.renewed and client.asked == [None, 'token-1'] and client.tokens == ['token-1', 'token-2']


def test_static_headers_are_sent_as_they_are_and_never_renewed(monkeypatch):
    client, calls, _warnings = client_with([FakeResponse(401)], monkeypatch)
    client.static_headers = {'X-RapidAPI-Key': 'k'}
    assert client.call('GET', API + 'x').status == 401
    assert (calls, client.asked, client.renewed) == ([('GET', API + 'x', None, True)], [], False)


def test_a_client_of_fixed_headers_has_no_token_to_give():
    client = _api.Client(SETTINGS, {}, None, [].append, {'X-RapidAPI-Key': 'k'})
    with pytest.raises(NFError, match='this client sends fixed headers [(]RapidAPI[)]: it has no bearer token'):
        client.token(None)


def test_only_idempotent_calls_may_be_retried(monkeypatch):
    client, calls, _warnings = client_with([FakeResponse(503), FakeResponse(503)], monkeypatch)
    client.call('GET', API + 'x')
    client.call('POST', API + 'x', b'{}')
    assert [retry for _m, _u, _t, retry in calls] == [True, False]


def test_the_answer_hides_authorization_headers_and_keeps_text():
    response = FakeResponse(200, headers={'Authorization': 'Bearer x', 'Content-Type': 'text/plain', 'X-Id': '1'},
                            body=b'plain words')
    reply = _api.Reply('GET', API + 'x?secret=1', response.answer)
    assert (reply.headers, reply.json, reply.content, reply.url) == (
        {'Content-Type': 'text/plain', 'X-Id': '1'}, None, 'plain words', API + 'x')


def test_a_static_sessions_client_redacts_the_rapidapi_key_from_what_the_api_echoes(monkeypatch):
    """Every client is made one way (Client.for_session): the role's verify step with a RapidAPI key once made its own
    client without the key among its secrets, so an API that repeated the key put it in the role's failure."""
    from ansible_collections.netfoundry.api.plugins.plugin_utils._lookup import verify
    from ansible_collections.netfoundry.api.plugins.plugin_utils._session import SESSION_FORMAT
    key = 'rapid-key-0123456789abcdef'
    session = dict(format=SESSION_FORMAT, kind='static', api_url=API, info={}, options={},
                   headers={'X-RapidAPI-Key': key, 'X-RapidAPI-Host': 'netfoundry.example-rapidapi.test'})
    sent = []

    def send(method, url, headers, body, settings, environ, warn, target, deadline=None):
        sent.append(headers)
        return FakeResponse(403, {'message': 'key %s is not subscribed to this API' % key}).answer
    monkeypatch.setattr(_http, 'send', send)
    with pytest.raises(NFError) as caught:
        verify(session, [].append)
    assert sent[0]['X-RapidAPI-Key'] == key  # sent where it belongs
    assert key not in caught.value.message and key[:16] not in caught.value.message
    assert 'refused the token: HTTP 403 key ******** is not subscribed' in caught.value.message


@pytest.mark.parametrize('cut', [2, 10])
def test_a_rapidapi_key_repeated_cut_short_is_redacted_everywhere(monkeypatch, cut):
    """An outsider's finding (issue 29): a RapidAPI key the API repeated cut short (in a message, in a value of the
    answer, as a header name) was shown; it is redacted like a token now."""
    from ansible_collections.netfoundry.api.plugins.plugin_utils._session import SESSION_FORMAT
    key = '9f8e7d6c5b4a3928171605f4e3d2c1b0a9f8e7d6c5b4a39281'
    session = dict(format=SESSION_FORMAT, kind='static', api_url=API, info={}, options={},
                   headers={'X-RapidAPI-Key': key, 'X-RapidAPI-Host': 'netfoundry.example-rapidapi.test'})
    short = key[:-cut]

    def send(method, url, headers, body, settings, environ, warn, target, deadline=None):
        return FakeResponse(400, {'message': 'bad key %s...' % short, 'partial': short},
                            headers={'X-' + key[:40]: 'x'}).answer
    monkeypatch.setattr(_http, 'send', send)
    client = _api.Client.for_session(session, [].append)
    reply = client.call('GET', API + 'core/v2/networks')
    shown = json.dumps([reply.json, reply.headers, client.redact_message('GET answered HTTP 400%s' % reply.reason())])
    assert key[:16] not in shown and key[-16:] not in shown, shown
    assert reply.json == {'message': 'bad key ********...', 'partial': '********'}
