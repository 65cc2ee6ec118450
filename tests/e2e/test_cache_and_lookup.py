# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One token request per credential per token lifetime: the lookup, the module and the cache, through
ansible-playbook (and 32 processes at once) against the counting test bed. (state=absent and the lookup's bad input
are playbook scenarios: tests/e2e/scenarios/lookup_*, run by test_scenarios.py.)"""

import json
import os
import stat
import subprocess
import sys
import time

import pytest

from ansible_collections.netfoundry.api.tests.e2e.conftest import COLLECTIONS
from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_ID, CLIENT_SECRET, assert_clean, credential_vars, local_inventory, play, save, token_task)


# Four tasks that use the lookup in different ways; action plugins only, so the play measures token requests,
# not module start-up (the module and uri are exercised on many hosts in the next test).
LOOKUP_TASKS = [
    {'name': 'the token is a JWT', 'ansible.builtin.assert': {
        'that': ["lookup('netfoundry.api.nf_token').split('.') | length == 3"], 'quiet': True}},
    {'name': 'headers for uri', 'ansible.builtin.assert': {
        'that': ["nf_headers.Authorization == 'Bearer ' + lookup('netfoundry.api.nf_token')"], 'quiet': True}},
    {'name': 'a fact from the lookup', 'ansible.builtin.set_fact': {
        'nf_token_length': "{{ lookup('netfoundry.api.nf_token') | length }}"}},
    {'name': 'full result', 'ansible.builtin.assert': {
        'that': ["nf_full.access_token == lookup('netfoundry.api.nf_token')", "nf_full.api_url == netfoundry_audience"],
        'quiet': True}},
]


@pytest.mark.core_behaviour  # many hosts: the core's single flight under load
def test_twenty_hosts_four_tasks_one_request(testbed, playbook):
    # Twenty hosts at forks 10: two batches of ten worker processes evaluating the lookup at once.
    variables = credential_vars(testbed, nf_headers="{{ lookup('netfoundry.api.nf_token', output='headers') }}",
                                nf_full="{{ lookup('netfoundry.api.nf_token', output='full') }}")
    text = play(LOOKUP_TASKS, hosts='nodes', vars=variables)
    run = playbook(text, inventory=local_inventory(20), args=['--forks', '10'])
    assert run.rc == 0, run.output
    assert run.stdout.count('ok: [node') == 80
    assert testbed.stats()['total'] == 1
    again = playbook(text, inventory=local_inventory(20), args=['--forks', '10'])
    assert again.rc == 0, again.output
    assert testbed.stats()['total'] == 1
    forced = playbook(play([
        {'name': 'force one new token', 'ansible.builtin.assert': {
            'that': ["lookup('netfoundry.api.nf_token', force=true, output='full').cached == false"], 'quiet': True}},
        {'name': 'later evaluations reuse it', 'ansible.builtin.assert': {
            'that': ["lookup('netfoundry.api.nf_token', output='full').cached"], 'quiet': True}},
    ], vars=variables))
    assert forced.rc == 0, forced.output
    assert testbed.stats()['total'] == 2
    assert_clean(run)


WORKER = r'''
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
from ansible_collections.netfoundry.api.plugins.module_utils._token import get_token, prepare
options = json.loads(sys.argv[2])
while not os.path.exists(sys.argv[3]):
    time.sleep(0.005)
result = get_token(prepare(dict(options)), warn=lambda text: print('WARN', text, file=sys.stderr))
print(json.dumps({'token': result['access_token'], 'cached': result['cached']}))
'''


def test_32_processes_on_a_cold_cache_make_one_request(testbed, tmp_path):
    cache_dir = tmp_path / 'cache'
    go = tmp_path / 'go'
    options = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token',
               'cache_dir': str(cache_dir)}
    processes = [subprocess.Popen([sys.executable, '-c', WORKER, str(COLLECTIONS), json.dumps(options), str(go)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _number in range(32)]
    time.sleep(1.0)
    go.write_text('go')
    outcomes = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 32, [err for _out, err in outcomes]
    results = [json.loads(out) for out, _err in outcomes]
    assert len({result['token'] for result in results}) == 1
    assert sorted(result['cached'] for result in results) == [False] + [True] * 31
    assert testbed.stats()['total'] == 1
    files = [p for p in cache_dir.iterdir() if p.suffix == '.json']
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600 and stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert json.loads(files[0].read_text())['access_token'] == results[0]['token']
    assert CLIENT_SECRET not in files[0].read_text()


def test_short_lived_token_is_renewed_and_never_returned_expired(testbed, playbook):
    testbed.add_client('five-seconds', 'five-secret', lifetime=5)
    variables = credential_vars(testbed, netfoundry_client_id='five-seconds', netfoundry_client_secret='five-secret')
    tasks = [
        {'name': 'evaluate the lookup every half second for 8 seconds', 'ansible.builtin.set_fact': {
            'seen': "{{ seen | default([]) + [lookup('netfoundry.api.nf_token', output='full')] }}"},
         'loop': list(range(16)), 'loop_control': {'pause': 0.5}},
        save('seen', "seen | map(attribute='expires_in') | list"),
        save('tokens', "seen | map(attribute='access_token') | map('hash', 'sha256') | list"),
    ]
    started = time.monotonic()
    run = playbook(play(tasks, vars=variables))
    elapsed = time.monotonic() - started
    assert run.rc == 0, run.output
    left = run.saved('seen')
    assert len(left) == 16 and min(left) >= 1, left
    requests = testbed.stats()['token_requests']['five-seconds']
    assert len(set(run.saved('tokens'))) == requests
    # Renewed, but at most once per half token life (a 5 s token lives at least 4 s: exp is whole seconds).
    assert 3 <= requests <= elapsed / 2 + 1, (requests, elapsed)


@pytest.mark.core_behaviour  # the token cache against rotated secrets and damaged files
def test_changed_and_wrong_secrets(testbed, playbook):
    testbed.add_client('rotating', 'old-secret')
    base = {'client_id': 'rotating', 'token_url': testbed.info['idp_http'] + '/token'}
    tasks = (token_task('old', dict(base, client_secret='old-secret'))
             + [{'name': 'rotate the secret at the identity provider', 'ansible.builtin.uri': {
                 'url': testbed.info['idp_http'] + '/_control/clients', 'method': 'POST', 'body_format': 'json',
                 'body': {'client_id': 'rotating', 'client_secret': 'new-secret'}}}]
             + token_task('new', dict(base, client_secret='new-secret'))
             + token_task('new_again', dict(base, client_secret='new-secret'))
             + token_task('wrong', dict(base, client_secret='wrong-secret')))
    run = playbook(play(tasks))
    assert run.rc == 0, run.output
    old, new, again, wrong = (run.saved(n) for n in ('old', 'new', 'new_again', 'wrong'))
    assert (old['cached'], new['cached'], again['cached']) == (False, False, True)
    assert new['access_token'] != old['access_token'] and again['access_token'] == new['access_token']
    assert 'HTTP 401 invalid_client' in wrong['msg'] and 'access_token' not in wrong
    assert testbed.stats()['token_requests']['rotating'] == 3


@pytest.mark.core_behaviour  # the token cache against rotated secrets and damaged files
def test_untrusted_and_damaged_caches(testbed, playbook, tmp_path):
    open_dir = tmp_path / 'open-cache'
    open_dir.mkdir()
    open_dir.chmod(0o777)
    damaged_dir = tmp_path / 'cache'
    base = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token'}
    tasks = (token_task('open1', dict(base, cache_dir=str(open_dir)))
             + token_task('open2', dict(base, cache_dir=str(open_dir)))
             + token_task('first', dict(base, cache_dir=str(damaged_dir)))
             + [{'name': 'damage the cache file', 'ansible.builtin.shell': {
                 'cmd': 'for f in {{ cache | quote }}/*.json; do printf "{\\"trunc" > "$f"; done'},
                 'vars': {'cache': str(damaged_dir)}, 'changed_when': True}]
             + token_task('recovered', dict(base, cache_dir=str(damaged_dir)))
             + token_task('cached', dict(base, cache_dir=str(damaged_dir))))
    run = playbook(play(tasks))
    assert run.rc == 0, run.output
    assert [run.saved(n)['cached'] for n in ('open1', 'open2', 'first', 'recovered', 'cached')] == \
        [False, False, False, False, True]
    assert list(open_dir.iterdir()) == []
    assert run.saved('open1')['warnings'] == [
        'token cache directory %s is not trusted (owned by uid %d, mode 0777; it must be yours and not writable by '
        'others): the token is not cached; fix it with chmod 700 or set cache_dir' % (open_dir, os.geteuid())]
    assert 'is damaged or not for this credential: asking for a new token' in run.saved('recovered')['warnings'][0]
    assert testbed.stats()['total'] == 4
    assert_clean(run)
