# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_request through ansible-playbook against the test bed. Every run is at -vvvv with a log; the
playbook fixture finds the secret nowhere, and each test also finds every token the test bed issued nowhere."""

import pytest

from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_SECRET, assert_clean, credential_vars, local_inventory, network_body, play, save)


def request_task(name, args, **keywords):
    """nf_request with args, never stopping the play; its result saved as out/<name>.json."""
    task = {'name': name, 'netfoundry.api.nf_request': args, 'register': 'r_' + name, 'ignore_errors': True}
    task.update(keywords)
    return [task, save(name, 'r_' + name)]


def assert_no_token(run, testbed):
    tokens = testbed.stats()['tokens']
    assert tokens and run.token_count(tokens) == 0


def test_get_and_post(testbed, playbook):
    tasks = (request_task('me', {'path': 'identity/v1/identities/self', 'client_secret': CLIENT_SECRET})
             + request_task('create', {'path': 'core/v2/networks', 'method': 'post', 'body': network_body('new-network'),
                                       'status_code': [201, 202]})
             + request_task('list', {'path': '/core/v2/networks', 'query': {'size': 50}}))
    # ansible-core 2.21 adds the result's invocation only when asked to (earlier lines ignore the variable)
    run = playbook(play(tasks, vars=credential_vars(testbed)), env={'ANSIBLE_INJECT_INVOCATION': '1'})
    assert run.rc == 0, run.output
    me, create, listed = run.saved('me'), run.saved('create'), run.saved('list')
    api = testbed.info['api']
    assert (me['status'], me['json']['id'], me['changed'], me['url']) == (200, 'e2e-client', False,
                                                                          api + 'identity/v1/identities/self')
    assert (create['status'], create['json']['name'], create['json']['status'], create['changed']) == \
        (202, 'new-network', 'PROVISIONING', True)
    assert [n['name'] for n in listed['json']['_embedded']['networkList']] == ['demo-network', 'lab-network', 'new-network']
    assert listed['url'] == api + 'core/v2/networks'
    assert listed['headers']['Content-Type'] == 'application/hal+json'
    assert not any(name.lower() == 'authorization' for name in listed['headers'])
    # The result's invocation (shown at -vvv, kept in job events) names the options given, the secret masked.
    assert run.stdout.count('"client_secret": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"') == 1
    stats = testbed.stats()
    assert stats['total'] == 1
    assert [(e['method'], e['query'], e['status']) for e in stats['api_log']] == [
        ('GET', '', 200), ('POST', '', 202), ('GET', 'size=50', 200)]
    assert_no_token(run, testbed)
    assert_clean(run)


def test_all_pages_merges_every_page(testbed, playbook):
    tasks = (request_task('create', {'path': 'core/v2/networks', 'method': 'POST', 'body': network_body('net-{{ item }}'),
                                     'status_code': 202}, loop=[1, 2, 3, 4, 5])
             + request_task('all', {'path': 'core/v2/networks', 'all_pages': True, 'query': {'size': 2}})
             + request_task('one', {'path': 'core/v2/networks', 'query': {'size': 2, 'page': 1}}))
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    result, one = run.saved('all'), run.saved('one')
    names = ['demo-network', 'lab-network'] + ['net-%d' % i for i in range(1, 6)]
    assert [n['name'] for n in result['json']['_embedded']['networkList']] == names
    assert (result['pages'], result['json']['page']['totalElements'], '_links' in result['json']) == (4, 7, False)
    assert [n['name'] for n in one['json']['_embedded']['networkList']] == ['net-1', 'net-2']
    queries = [e['query'] for e in testbed.stats()['api_log'] if e['method'] == 'GET']
    # NetFoundry's pages link no next page (recorded): the next page is the one after page.number
    assert queries == ['size=2', 'size=2&page=1', 'size=2&page=2', 'size=2&page=3', 'size=2&page=1']
    assert testbed.stats()['total'] == 1
    assert_no_token(run, testbed)
    assert_clean(run)


def test_a_revoked_token_is_renewed_once(testbed, playbook):
    tasks = (request_task('before', {'path': 'core/v2/networks'})
             + [{'name': 'revoke', 'ansible.builtin.uri': {'url': testbed.info['idp_http'] + '/_control/revoke',
                                                           'method': 'POST', 'body_format': 'json', 'body': {}}}]
             + request_task('after', {'path': 'core/v2/networks'})
             + request_task('again', {'path': 'core/v2/networks'}))
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    before, after, again = run.saved('before'), run.saved('after'), run.saved('again')
    assert [(r['status'], r['token_renewed']) for r in (before, after, again)] == [(200, False), (200, True), (200, False)]
    stats = testbed.stats()
    assert stats['total'] == 2
    assert [e['status'] for e in stats['api_log']] == [200, 401, 200, 200]
    assert_no_token(run, testbed)
    assert_clean(run)


def test_a_token_refused_twice_fails_in_one_line(testbed, playbook):
    variables = credential_vars(testbed, netfoundry_audience=testbed.info['api'] + 'elsewhere/')
    run = playbook(play(request_task('refused', {'path': 'core/v2/networks'}), vars=variables))
    assert run.rc == 0, run.output
    refused = run.saved('refused')
    assert refused['failed'] is True and refused['status'] == 401 and refused['token_renewed'] is True
    assert refused['msg'] == ('GET %selsewhere/core/v2/networks answered HTTP 401 (token is for another audience); '
                              'expected 200 (a new token was refused too: check audience and the credential\'s '
                              'environment)' % testbed.info['api'])
    stats = testbed.stats()
    assert (stats['total'], stats['api_requests'], stats['api_refused']) == (2, 2, 2)
    assert_no_token(run, testbed)
    assert_clean(run)


def test_check_mode_sends_only_reads(testbed, playbook):
    tasks = (request_task('read', {'path': 'core/v2/networks'})
             + request_task('delete', {'path': 'core/v2/networks', 'method': 'DELETE'})
             + request_task('write', {'path': 'core/v2/networks', 'method': 'POST', 'body': {'name': 'x'},
                                      'status_code': 202}))
    run = playbook(play(tasks, vars=credential_vars(testbed)), args=['--check'])
    assert run.rc == 0, run.output
    read, delete, write = run.saved('read'), run.saved('delete'), run.saved('write')
    assert (read['status'], read['changed'], len(read['json']['_embedded']['networkList'])) == (200, False, 2)
    assert (write['skipped'], write['msg'], 'status' in write) == (
        True, 'check mode: the POST was not sent (only GET and HEAD run in check mode)', False)
    assert (delete['skipped'], delete['msg']) == (True, 'check mode: the DELETE was not sent (only GET and HEAD run in '
                                                        'check mode)')
    assert [e['method'] for e in testbed.stats()['api_log']] == ['GET']
    assert_no_token(run, testbed)
    assert_clean(run)


@pytest.mark.core_behaviour  # many hosts: the core's single flight under load
def test_many_hosts_and_tasks_cost_one_token_request(testbed, playbook):
    tasks = [{'name': 'call %d' % number, 'netfoundry.api.nf_request': {'path': 'core/v2/networks'}}
             for number in range(3)]
    run = playbook(play(tasks, hosts='nodes', vars=credential_vars(testbed)), inventory=local_inventory(10),
                   args=['--forks', '10'])
    assert run.rc == 0, run.output
    assert 'ok=3 ' in run.stdout and 'failed=0' in run.stdout
    stats = testbed.stats()
    assert (stats['total'], stats['api_requests'], stats['api_refused']) == (1, 30, 0)
    assert_no_token(run, testbed)
    assert_clean(run)


def test_bad_input_fails_in_one_line(testbed, playbook):
    tasks = (request_task('both', {'path': 'core/v2/networks', 'url': 'https://example.invalid/'})
             + request_task('neither', {'method': 'GET'})
             + request_task('method', {'path': 'core/v2/networks', 'method': 'FETCH'})
             + request_task('absolute_path', {'path': 'https://example.invalid/core/v2/networks'})
             + request_task('plain_http', {'url': 'http://example.invalid/core/v2/networks'})
             + request_task('pages_post', {'path': 'core/v2/networks', 'method': 'POST', 'all_pages': True})
             + request_task('not_found', {'path': 'core/v2/nothing'}))
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    messages = dict((name, run.saved(name)['msg']) for name in (
        'both', 'neither', 'method', 'absolute_path', 'plain_http', 'pages_post', 'not_found'))
    assert messages == {
        'both': 'parameters are mutually exclusive: path|url',
        'neither': 'one of the following is required: path, url',
        'method': "option method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got 'FETCH'",
        'absolute_path': "option path 'https://example.invalid/core/v2/networks' is an absolute URL: give it relative "
                         "to the API URL (core/v2/networks), or use url",
        'plain_http': 'refusing to send the token over plain http:// to example.invalid: use https://',
        'pages_post': 'all_pages: true needs method GET, got POST',
        'not_found': 'GET %score/v2/nothing answered HTTP 404 (no such path /core/v2/nothing); expected 200'
                     % testbed.info['api'],
    }
    stats = testbed.stats()
    assert (stats['total'], stats['api_requests']) == (1, 0)
    assert_clean(run)
