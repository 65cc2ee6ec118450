# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role takes its inputs from every place Ansible allows, and every later task of the play that reads its outputs
works on every host (issue 11): three plays per run (the credential as options, as a credentials file, and RapidAPI),
two hosts, two uri tasks each; one token request per credential. Also: the cache off. (ansible.cfg, typos and check
mode are playbook scenarios: tests/e2e/scenarios/, run by test_scenarios.py.)"""

import json
import sys
import time

import pytest
import yaml

from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_ID, assert_clean, credential_vars, local_inventory, save)

ROLE = 'netfoundry.api.token'
FILE_CLIENT, FILE_SECRET = 'file-client', 'file-S3cret/for+the=file'
RAPID = {'netfoundry_rapidapi_key': 'rapid-key-123', 'netfoundry_rapidapi_host': 'netfoundry.example-rapidapi.test'}
PLACES = ['play_vars', 'inventory_vars', 'extra_vars', 'roles_entry_vars', 'role_params', 'include_role_vars',
          'import_role_vars']


def uses(label):
    """Two uri tasks that read the role's outputs (the second one in a loop), and a save of what they got."""
    return [
        {'name': 'list networks', 'ansible.builtin.uri': {'url': '{{ netfoundry_api_url }}core/v2/networks',
                                                          'headers': '{{ netfoundry_api_headers }}'},
         'register': 'first', 'no_log': True},
        {'name': 'who am I', 'ansible.builtin.uri': {'url': '{{ netfoundry_api_url }}identity/v1/identities/self',
                                                     'headers': '{{ netfoundry_api_headers }}'},
         'register': 'second', 'no_log': True, 'loop': [1]},
        {'name': 'save', 'save_result': {
            'content': "{{ {'statuses': [first.status] + (second.results | map(attribute='status') | list),"
                       " 'self': second.results[0].json.id} | to_json }}",
            'dest': '{{ out_dir }}/%s-{{ inventory_hostname }}.json' % label}},
    ]


def rapid_uses(label):
    return [{'name': 'save', 'save_result': {
        'content': "{{ {'headers': netfoundry_api_headers, 'url': netfoundry_api_url} | to_json }}",
        'dest': '{{ out_dir }}/%s-{{ inventory_hostname }}.json' % label}}]


def inventory(labels):
    """Two hosts per shape, in a group named after it (so that inventory vars of one shape reach no other)."""
    lines = []
    for label in labels:
        lines += ['[%s]' % label, '%s0' % label, '%s1' % label]
    lines += ['[all:vars]', 'ansible_connection=local', 'ansible_python_interpreter=%s' % sys.executable]
    return '\n'.join(lines) + '\n'


def role_play(place, label, inputs, tasks):
    """A play that gives the role inputs in one place, then runs tasks that read the outputs."""
    body = {'name': label, 'hosts': label, 'gather_facts': False}
    if place in ('play_vars', 'inventory_vars', 'extra_vars'):
        if place == 'play_vars':
            body['vars'] = inputs
        body['roles'] = [ROLE]
        body['tasks'] = tasks
    elif place == 'roles_entry_vars':
        body['roles'] = [{'role': ROLE, 'vars': inputs}]
        body['tasks'] = tasks
    elif place == 'role_params':
        body['roles'] = [dict(inputs, role=ROLE)]
        body['tasks'] = tasks
    elif place == 'include_role_vars':
        body['tasks'] = [{'name': 'the role', 'ansible.builtin.include_role': {'name': ROLE, 'public': True},
                          'vars': inputs}] + tasks
    else:
        body['tasks'] = [{'name': 'the role', 'ansible.builtin.import_role': {'name': ROLE}, 'vars': inputs}] + tasks
    return body


@pytest.mark.parametrize('place', PLACES)
def test_role_inputs_from_every_place(testbed, playbook, tmp_path, place):
    testbed.add_client(FILE_CLIENT, FILE_SECRET)
    account = tmp_path / 'account.json'
    account.write_text(json.dumps({'clientId': FILE_CLIENT, 'password': FILE_SECRET,
                                   'authenticationUrl': testbed.info['idp_http'] + '/token'}))
    shapes = [('options', credential_vars(testbed), uses),
              ('file', {'netfoundry_credentials_file': str(account), 'netfoundry_audience': testbed.info['api']}, uses),
              ('rapidapi', dict(RAPID), rapid_uses)]
    plays, extra = [], {}
    for label, inputs, tasks in shapes:
        if place == 'inventory_vars':
            (tmp_path / 'group_vars').mkdir(exist_ok=True)
            (tmp_path / 'group_vars' / (label + '.yml')).write_text(yaml.safe_dump(inputs))
            plays.append(role_play(place, label, inputs, tasks(label)))
        elif place == 'extra_vars':
            extra = inputs  # extra vars win over everything: one shape per run, the others below
            plays = [role_play(place, label, inputs, tasks(label))]
            break
        else:
            plays.append(role_play(place, label, inputs, tasks(label)))
    run = playbook(json.dumps(plays), inventory=inventory([label for label, _i, _t in shapes]), extra_vars=extra,
                   secrets=[FILE_SECRET])
    assert run.rc == 0, run.output
    stats = testbed.stats()
    if place == 'extra_vars':
        assert stats['token_requests'] == {CLIENT_ID: 1}
        shapes = shapes[:1]
    else:
        assert stats['token_requests'] == {CLIENT_ID: 1, FILE_CLIENT: 1}
    for label, _inputs, _tasks in shapes:
        for host in (label + '0', label + '1'):
            saved = run.saved('%s-%s' % (label, host))
            if label == 'rapidapi':
                assert saved == {'headers': {'X-RapidAPI-Key': 'rapid-key-123',
                                             'X-RapidAPI-Host': 'netfoundry.example-rapidapi.test',
                                             'Accept': 'application/json', 'Content-Type': 'application/json'},
                                 'url': 'https://netfoundry.example-rapidapi.test/'}
            else:
                assert saved == {'statuses': [200, 200], 'self': CLIENT_ID if label == 'options' else FILE_CLIENT}
    assert stats['api_refused'] == 0
    assert run.token_count(stats['tokens']) == 0
    assert_clean(run)


def test_role_params_across_token_expiry_with_the_cache_off(testbed, playbook):
    """2 hosts x 2 uri tasks, the inputs as role params, the cache off: one token request (1.0.0 made one per host
    and call); then the play outlives a 30 s token and renews it once per half life, not once per task."""
    testbed.add_client('short-role', 'short-role-secret', lifetime=30)
    inputs = dict(credential_vars(testbed), netfoundry_cache=False)
    body = {'name': 'cache off', 'hosts': 'nodes', 'gather_facts': False, 'roles': [dict(inputs, role=ROLE)],
            'tasks': uses('fresh') + [
                {'name': 'wait past half the short token life', 'ansible.builtin.pause': {'seconds': 1}, 'run_once': True}]}
    short = dict(inputs, netfoundry_client_id='short-role', netfoundry_client_secret='short-role-secret')
    later = {'name': 'short token', 'hosts': 'nodes', 'gather_facts': False, 'roles': [dict(short, role=ROLE)],
             'tasks': [{'name': 'list networks for 22 s', 'ansible.builtin.uri': {
                 'url': '{{ netfoundry_api_url }}core/v2/networks', 'headers': '{{ netfoundry_api_headers }}'},
                 'no_log': True, 'loop': list(range(12)), 'loop_control': {'pause': 2}, 'register': 'calls'},
                 save('statuses', "calls.results | map(attribute='status') | list")]}
    started = time.monotonic()
    run = playbook(json.dumps([body, later]), inventory=local_inventory(2), secrets=['short-role-secret'])
    elapsed = time.monotonic() - started
    assert run.rc == 0, run.output
    stats = testbed.stats()
    assert stats['token_requests'][CLIENT_ID] == 1
    assert run.saved('statuses') == [200] * 12
    # 12 calls 2 s apart on 2 hosts with a 30 s token, reused while half its life is left (it lives at least 29 s:
    # exp is whole seconds; 15 s of the token's life are left when a call takes it, room for a machine so loaded
    # that starting uri takes seconds): renewed at most once per 14.5 s of the run, not once per call (24).
    assert 2 <= stats['token_requests']['short-role'] <= elapsed / 14.5 + 1, (stats['token_requests'], elapsed)
    assert stats['api_refused'] == 0
    assert_clean(run)
