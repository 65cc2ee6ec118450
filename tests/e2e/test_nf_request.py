# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_request through ansible-playbook against the test bed. Every run is at -vvvv with a log; the
playbook fixture finds the secret nowhere, and each test also finds every token the test bed issued nowhere. (More of
nf_request's tests are playbook scenarios: tests/e2e/scenarios/request_*, run by test_scenarios.py.)"""

from ansible_collections.netfoundry.api.tests.e2e.plays import assert_clean, credential_vars, play, save


def request_task(name, args, **keywords):
    """nf_request with args, never stopping the play; its result saved as out/<name>.json."""
    task = {'name': name, 'netfoundry.api.nf_request': args, 'register': 'r_' + name, 'ignore_errors': True}
    task.update(keywords)
    return [task, save(name, 'r_' + name)]


def assert_no_token(run, testbed):
    tokens = testbed.stats()['tokens']
    assert tokens and run.token_count(tokens) == 0


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
