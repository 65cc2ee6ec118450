# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 18 through ansible-playbook at -vvvv: nf_request (and the role's verify) against a hostile or broken API.
The test bed's API fault queue (Control.api_faults) makes the API echo the bearer token (in a body, an error body, a
header), trickle its headers or body, send unknown charsets, deep JSON, odd Retry-After values and malformed HAL
pages; a logging proxy sits in the environment; a token is revoked under 10 forks; a url points at another host.
Each test asserts the exact outcome, that a failure is one line with no traceback, and that no token the test bed
issued shows in the output, the log or a saved result: not whole, not cut short, not a JWT's payload or signature
alone. The only timed assertions are generous bounds around delays the test bed is told to make."""

import json
import re
import time
import urllib.request

import pytest

from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_ID, assert_clean, credential_vars, local_inventory, network_body, play, save, squash, task_sections, warnings_in)
from ansible_collections.netfoundry.api.tests.e2e.test_nf_request import request_task
from ansible_collections.netfoundry.api.tests.e2e.test_proxy import tinyproxy  # noqa: F401  pylint: disable=unused-import

# The shared engine against hostile servers, proxies and many forks: the oldest and the newest ansible-core line.
pytestmark = pytest.mark.core_behaviour

SELF = 'identity/v1/identities/self'
NETWORKS = 'core/v2/networks'
REDACTED = '********'


def token_forms(tokens):
    """Each token whole, a JWT's payload and signature on their own (an echo cut short still holds those), and its
    start up to the payload (header and dot: a token cut anywhere after its header, as a message cut at N characters
    before redaction holds)."""
    forms = []
    for token in tokens:
        header, dot, rest = token.partition('.')
        forms += [token, header + dot] + rest.split('.')
    return [form for form in forms if len(form) > 1]


def assert_no_token(run, testbed, *results):
    """No token the test bed issued, nor a piece of one, in the output, the log or the saved results."""
    tokens = testbed.stats()['tokens']
    assert tokens
    forms = token_forms(tokens)
    assert run.token_count(forms) == 0
    for result in results:
        text = json.dumps(result)
        assert not [form for form in forms if form in text], result


def assert_one_line(result, *fragments):
    """A failed task whose message is one line, no traceback, holding every fragment."""
    message = result.get('msg', '')
    assert result.get('failed') is True, result
    assert '\n' not in message and 'Traceback' not in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def api_entries(testbed):
    return [(e['method'], e['path'], e['status'], e.get('fault', False)) for e in testbed.stats()['api_log']]


# a. The API repeats the bearer token

def test_an_echoed_token_shows_nowhere(testbed, playbook):
    testbed.api_faults({'echo_token': 'body'}, {'echo_token': 'error'}, {'echo_token': 'header'})
    tasks = (request_task('body', {'path': SELF}) + request_task('error', {'path': SELF})
             + request_task('header', {'path': SELF}))
    # The fixture runs at -vvvv, the strictest verbosity: what does not show there does not show at 0.
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    body, error, header = run.saved('body'), run.saved('error'), run.saved('header')
    url = testbed.info['api'] + SELF
    assert body.get('failed') is not True, body
    assert (body['status'], body['json']) == (200, {'received': 'Bearer ' + REDACTED,
                                                    'note': 'an API that repeats the bearer token it was sent'})
    assert (error['status'], error['json']) == (400, {'error': 'bad_request', 'message': 'cannot use the credentials '
                                                      'in Authorization: Bearer ' + REDACTED})
    assert_one_line(error)
    assert error['msg'] == ('GET %s answered HTTP 400 (cannot use the credentials in Authorization: Bearer %s); '
                            'expected 200' % (url, REDACTED))
    assert header.get('failed') is not True, header
    assert (header['status'], header['headers']['X-Echo']) == (200, REDACTED)
    assert api_entries(testbed) == [('GET', '/' + SELF, status, True) for status in (200, 400, 200)]
    assert testbed.stats()['total'] == 1
    assert_no_token(run, testbed, body, error, header)
    assert_clean(run)


def test_the_roles_verify_does_not_show_an_echoed_token(testbed, playbook):
    testbed.api_faults({'echo_token': 'error', 'status': 403})
    run = playbook(play([], vars=credential_vars(testbed, netfoundry_verify=True), roles=['netfoundry.api.token']))
    assert run.rc == 2, run.output
    assert 'refused the token: HTTP 403' in run.output
    assert 'cannot use the credentials in Authorization: Bearer ' + REDACTED in run.output
    assert api_entries(testbed) == [('GET', '/' + SELF, 403, True)]
    assert_no_token(run, testbed)
    assert_clean(run)


# b. A logging proxy in the environment or the proxy option: plain http to a loopback address goes direct

def proxy_requests(proxy):
    """The requests tinyproxy's log shows (CONNECT and plain GET/POST alike)."""
    text = proxy.log.read_text() if proxy.log.exists() else ''
    return re.findall(r'Request \(file descriptor \d+\): (\S+ \S+)', text)


@pytest.mark.parametrize('where', ['environment', 'option'])
def test_plain_http_to_loopback_never_goes_through_a_proxy(where, testbed, playbook, tinyproxy):  # noqa: F811
    # pylint: disable=redefined-outer-name
    before = len(proxy_requests(tinyproxy))
    # The proof that the proxy's log shows a plain http request sent through it (no token in it).
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({'http': tinyproxy.url}))
    with opener.open(testbed.info['idp_http'] + '/.well-known/jwks.json', timeout=10) as response:
        assert response.status == 200
    assert len(proxy_requests(tinyproxy)) == before + 1
    args = {'path': SELF}
    env = {}
    variables = credential_vars(testbed)
    through = []
    if where == 'option':
        # The proxy option serves the token request too, which refuses a proxy for a plain http token URL: the token
        # comes over https through the proxy (one CONNECT), the API call goes direct.
        args['proxy'] = tinyproxy.url
        variables.update(netfoundry_token_url=testbed.info['idp_https'] + '/token', netfoundry_ca_path=testbed.info['ca'])
        through = ['CONNECT ' + testbed.info['idp_https'][len('https://'):]]
    else:
        env = {'HTTP_PROXY': tinyproxy.url, 'http_proxy': tinyproxy.url}
    run = playbook(play(request_task('me', args), vars=variables), env=env)
    assert run.rc == 0, run.output
    me = run.saved('me')
    assert me.get('failed') is not True, me
    assert (me['status'], me['json']['id']) == (200, CLIENT_ID)
    assert proxy_requests(tinyproxy)[before + 1:] == through
    assert api_entries(testbed) == [('GET', '/' + SELF, 200, False)]
    assert testbed.stats()['total'] == 1
    assert_no_token(run, testbed, me)
    assert_clean(run)


# c. An API that trickles: timeout bounds the whole attempt

TRICKLED = {'id': 'slow', 'note': 'one byte a second, far past the 3 s deadline'}


@pytest.mark.parametrize('fault', [{'status': 200, 'trickle_headers': 1, 'body': TRICKLED},
                                   {'status': 200, 'trickle': 1, 'body': TRICKLED}], ids=['headers', 'body'])
def test_a_trickling_api_fails_within_the_deadline(fault, testbed, playbook):
    testbed.api_faults(fault)
    run = playbook(play(request_task('slow', {'path': SELF, 'timeout': 3, 'retries': 0}), vars=credential_vars(testbed)))
    ended = time.time()
    assert run.rc == 0, run.output
    slow = run.saved('slow')
    assert_one_line(slow, 'no answer within 3', testbed.info['api'] + SELF)
    assert 'status' not in slow and 'json' not in slow
    # The trickle takes over 60 s; the task gives up after 3 s: from the request to the play's end, well under 30 s.
    sent = testbed.stats()['api_log'][0]['at']
    assert ended - sent < 30, ended - sent
    assert api_entries(testbed) == [('GET', '/' + SELF, 200, True)]
    assert_no_token(run, testbed, slow)
    assert_clean(run)


# d. Bodies and headers Python's standard library trips over

BODY_CASES = [
    ('unknown_charset', {'status': 200, 'content_type': 'application/json; charset=x-no-such', 'body': {'name': 'demo'}},
     'json', {'name': 'demo'}),
    ('codec_not_text', {'status': 200, 'content_type': 'application/json; charset=base64', 'body': {'name': 'demo'}},
     'json', {'name': 'demo'}),
    ('text_unknown_charset', {'status': 200, 'content_type': 'text/plain; charset=x-no-such', 'body': 'caf\u00e9 ok'},
     'content', 'caf\u00e9 ok'),
    ('deep_json', {'status': 200, 'body': '[', 'repeat': 100000}, 'content', '[' * 100000),
]


def test_odd_charsets_and_deep_json_are_read_as_text(testbed, playbook):
    testbed.api_faults(*[case[1] for case in BODY_CASES])
    tasks = []
    for name, _fault, _key, _value in BODY_CASES:
        tasks += request_task(name, {'path': SELF, 'retries': 0})
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    for name, _fault, key, value in BODY_CASES:
        result = run.saved(name)
        assert result.get('failed') is not True, (name, result.get('msg'))
        assert (result['status'], result[key]) == (200, value), name
        assert ('json' if key == 'content' else 'content') not in result, name
        assert_no_token(run, testbed, result)
    assert [e[2] for e in api_entries(testbed)] == [200] * len(BODY_CASES)
    assert_clean(run)


RETRY_AFTER = [('nan', 'nan'), ('inf', 'inf'), ('negative', '-5'), ('past_date', 'Wed, 21 Oct 2015 07:28:00 GMT')]


def test_odd_retry_after_values_fall_back_to_the_backoff(testbed, playbook):
    faults = []
    tasks = []
    other_paths = (SELF, 'identity/v1/api-account-identities/self', NETWORKS, 'rest/v1/network-groups')
    paths = dict(zip([name for name, _value in RETRY_AFTER], other_paths))
    for name, value in RETRY_AFTER:
        faults += [{'status': 503, 'headers': {'Retry-After': value}}, {'serve': True}]
        # A path of its own: Ansible shows the same warning once per run.
        tasks += request_task(name, {'path': paths[name], 'retries': {'total': 1, 'backoff_factor': 0}})
    testbed.api_faults(*faults)
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    sections = dict(task_sections(run.log))
    for name, _value in RETRY_AFTER:
        result = run.saved(name)
        assert result.get('failed') is not True, (name, result.get('msg'))
        assert (result['status'], result['json'].get('id', CLIENT_ID)) == (200, CLIENT_ID), name
        shown = [squash(line) for line in warnings_in(sections[name])]
        assert len(shown) == 1 and squash('HTTP 503; retry 1 of 1 in 0.0 s') in shown[0], (name, shown)
        assert_no_token(run, testbed, result)
    log = testbed.stats()['api_log']
    assert [e['status'] for e in log] == [503, 200] * len(RETRY_AFTER)
    # backoff_factor 0: no wait at all; a Retry-After taken for its 30 s cap would show here (a generous 10 s bound).
    gaps = [retry['at'] - refused['at'] for refused, retry in zip(log[::2], log[1::2])]
    assert max(gaps) < 10, gaps
    assert_clean(run)


# e. Malformed HAL pages with all_pages

def hal_cases(info):
    """(name, first page, what the message must name): each answer is wrong in one way."""
    networks = {'networkList': [{'id': 'n1', 'name': 'one'}]}
    first = info['api'] + NETWORKS
    return [
        ('embedded_list', {'_embedded': [{'id': 'n1'}], 'page': {'number': 0, 'totalPages': 1}}, '_embedded'),
        ('embedded_string', {'_embedded': 'networkList', 'page': {'number': 0, 'totalPages': 1}}, '_embedded'),
        ('links_string', {'_embedded': networks, '_links': 'next'}, '_links'),
        ('next_a_number', {'_embedded': networks, '_links': {'next': 5}}, '_links.next'),
        ('next_not_a_url', {'_embedded': networks, '_links': {'next': {'href': 'http://[::1'}}}, "'http://[::1'"),
        ('page_number_huge', {'_embedded': networks, 'page': {'size': 1, 'number': 1e308, 'totalPages': 3}},
         'page.number'),
        ('page_number_text', {'_embedded': networks, 'page': {'size': 1, 'number': 'x', 'totalPages': 3}},
         'page.number'),
        ('next_on_another_host', {'_embedded': networks,
                                  '_links': {'next': {'href': info['idp_http'] + '/.well-known/jwks.json'}}},
         'another host'),
        ('next_repeats_the_page', {'_embedded': networks, '_links': {'next': {'href': first}}}, 'already read'),
    ]


def test_malformed_hal_fails_in_one_line(testbed, playbook):
    cases = hal_cases(testbed.info)
    first = testbed.info['api'] + NETWORKS
    testbed.api_faults(*[{'status': 200, 'body': page} for _name, page, _word in cases])
    tasks = []
    for name, _page, _word in cases:
        tasks += request_task(name, {'path': NETWORKS, 'all_pages': True, 'retries': 0})
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    for name, _page, word in cases:
        result = run.saved(name)
        assert_one_line(result, 'page 1 of %s' % first, word)
        assert_no_token(run, testbed, result)
    # One request per task: no next link was followed, none reached the other host with a token.
    assert api_entries(testbed) == [('GET', '/' + NETWORKS, 200, True)] * len(cases)
    assert [g for g in testbed.stats()['idp_gets'] if g['auth_scheme']] == []
    assert_clean(run)


def test_all_pages_stops_at_max_bytes_and_max_pages(testbed, playbook):
    create = {'name': 'create', 'netfoundry.api.nf_request': {
        'path': NETWORKS, 'method': 'POST', 'body': network_body('net-{{ item }}'), 'status_code': 202},
        'loop': list(range(30))}
    pages = {'path': NETWORKS, 'all_pages': True, 'query': {'size': 2}}
    tasks = ([create] + request_task('bytes', dict(pages, max_bytes=2000))
             + request_task('pages', dict(pages, max_pages=2)) + request_task('enough', dict(pages, max_pages=16)))
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    by_bytes, by_pages, enough = run.saved('bytes'), run.saved('pages'), run.saved('enough')
    assert_one_line(by_bytes, 'max_bytes', '2000')
    assert_one_line(by_pages, 'max_pages', '2')
    assert enough.get('failed') is not True, enough.get('msg')
    assert (enough['pages'], len(enough['json']['_embedded']['networkList'])) == (16, 32)
    reads = [e['query'] for e in testbed.stats()['api_log'] if e['method'] == 'GET']
    every_page = ['size=2'] + ['size=2&page=%d' % number for number in range(1, 16)]
    # max_bytes stops after some pages were read (their bodies add up past 2000 bytes), before the last;
    # max_pages: 2 reads two pages and no third; 16 pages read all 16.
    assert 1 <= len(reads) - 18 < 16 and reads[:len(reads) - 18] == every_page[:len(reads) - 18], reads
    assert reads[-18:] == every_page[:2] + every_page, reads
    assert testbed.stats()['total'] == 1
    assert_no_token(run, testbed, by_bytes, by_pages, enough)
    assert_clean(run)


# f. A revoked token under 10 forks is renewed once

def test_a_revoked_token_is_renewed_once_for_ten_forks(testbed, playbook):
    call = {'netfoundry.api.nf_request': {'path': NETWORKS}}
    tasks = [dict(call, name='first'),
             {'name': 'revoke', 'run_once': True, 'delegate_to': 'localhost', 'ansible.builtin.uri': {
                 'url': testbed.info['idp_http'] + '/_control/revoke', 'method': 'POST', 'body_format': 'json',
                 'body': {}}},
             dict(call, name='second')]
    run = playbook(play(tasks, hosts='nodes', vars=credential_vars(testbed)), inventory=local_inventory(10),
                   args=['--forks', '10'])
    assert run.rc == 0, run.output
    assert run.stdout.count('failed=0') == 10 and 'failed=1' not in run.stdout
    stats = testbed.stats()
    assert stats['total'] == 2, stats['token_requests']
    # Every fork sent the first token once and got 200; after the revocation some sent it again (401), and every
    # fork ends with 200 on the one renewed token.
    statuses = [e['status'] for e in stats['api_log']]
    assert statuses[:10] == [200] * 10 and statuses.count(200) == 20, statuses
    assert 1 <= stats['api_refused'] <= 10 and stats['api_requests'] == 20 + stats['api_refused']
    assert_no_token(run, testbed)
    assert_clean(run)


# g. url on another host: the token goes there only when the task says so

def test_a_url_on_another_host_gets_no_token_unless_allowed(testbed, playbook):
    other = testbed.info['idp_http'] + '/.well-known/jwks.json'
    tasks = (request_task('same', {'url': testbed.info['api'] + SELF})
             + request_task('refused', {'url': other})
             + request_task('allowed', {'url': other, 'send_token_to_other_hosts': True}))
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    same, refused, allowed = run.saved('same'), run.saved('refused'), run.saved('allowed')
    assert same.get('failed') is not True and (same['status'], same['json']['id']) == (200, CLIENT_ID), same
    assert_one_line(refused, 'send_token_to_other_hosts')
    assert 'status' not in refused
    assert allowed.get('failed') is not True, allowed.get('msg')
    assert (allowed['status'], sorted(allowed['json'])) == (200, ['keys'])
    bearer = [g['path'] for g in testbed.stats()['idp_gets'] if g['auth_scheme'] == 'bearer']
    assert bearer == ['/.well-known/jwks.json']
    assert api_entries(testbed) == [('GET', '/' + SELF, 200, False)]
    assert_no_token(run, testbed, same, refused, allowed)
    assert_clean(run)


# The role with force or the cache off: one token for the play, not one per nf_request

@pytest.mark.parametrize('inputs', [{'netfoundry_force': True}, {'netfoundry_cache': False}], ids=['force', 'cache-off'])
def test_the_roles_session_serves_every_nf_request(inputs, testbed, playbook):
    tasks = [{'name': 'call %d' % number, 'netfoundry.api.nf_request': {'path': NETWORKS}} for number in range(3)]
    run = playbook(play(tasks, hosts='nodes', vars=credential_vars(testbed, **inputs), roles=['netfoundry.api.token']),
                   inventory=local_inventory(5), args=['--forks', '5'])
    assert run.rc == 0, run.output
    stats = testbed.stats()
    assert (stats['total'], stats['api_requests'], stats['api_refused']) == (1, 15, 0)
    assert_no_token(run, testbed)
    assert_clean(run)


# An API URL on plain http (a typo, a copied URL): no action sends the token there (an outsider's finding: only
# nf_request refused; nf_resource, nf_resource_info, nf_export and the role's verify step sent it in clear)

def test_no_action_sends_the_token_over_plain_http(testbed, playbook):
    import http.server
    import threading
    heard = []

    class Listener(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # pylint: disable=invalid-name
            heard.append((self.path, self.headers.get('Authorization')))
            self.send_response(500)
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = http.server.HTTPServer(('127.0.0.1', 0), Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = 'http://localhost:%d/' % server.server_address[1]  # a name, not a literal loopback address: not exempt
    variables = credential_vars(testbed, netfoundry_audience=api, netfoundry_scope=api + '/ignore-scope')

    def action(name, module, args, **keywords):
        return [dict({'name': name, module: args, 'register': 'r_' + name, 'ignore_errors': True}, **keywords),
                save(name, 'r_' + name)]
    tasks = (action('info', 'netfoundry.api.nf_resource_info', {'type': 'networks'})
             + action('resource', 'netfoundry.api.nf_resource', {'type': 'endpoints', 'network': 'n1', 'name': 'e1'},
                      check_mode=True)
             + action('export', 'netfoundry.api.nf_export', {'network': 'n1'})
             + action('request', 'netfoundry.api.nf_request', {'path': NETWORKS})
             + action('verify', 'netfoundry.api.nf_session', {'verify': True}))
    try:
        run = playbook(play(tasks, vars=variables))
    finally:
        server.shutdown()
    assert run.rc == 0, run.output
    assert heard == []
    for name in ('info', 'resource', 'export', 'verify'):
        assert_one_line(run.saved(name), 'refusing to send the token over plain http:// to localhost (%s' % api)
    assert_one_line(run.saved('request'), 'refusing to send the token over plain http:// to localhost: use https://')
    assert_no_token(run, testbed)
    assert_clean(run)
