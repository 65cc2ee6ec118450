# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role netfoundry.api.token plus plain uri tasks, through ansible-playbook against the test bed. (More of the
role's tests are playbook scenarios: tests/e2e/scenarios/role_*, run by test_scenarios.py.)"""

import time

import yaml

from ansible_collections.netfoundry.api.tests.e2e.plays import (
    BEFORE_2_19, CLIENT_ID, assert_clean, credential_vars, play, save)


LIST_NETWORKS = {'name': 'list networks', 'ansible.builtin.uri': {
    'url': '{{ netfoundry_api_url }}core/v2/networks', 'headers': '{{ netfoundry_api_headers }}'}, 'register': 'networks'}


def test_play_that_outlives_its_token_keeps_working(testbed, playbook):
    testbed.add_client('short-play', 'short-secret', lifetime=30)
    variables = credential_vars(testbed, netfoundry_client_id='short-play', netfoundry_client_secret='short-secret')
    tasks = [dict(LIST_NETWORKS, loop=list(range(12)), loop_control={'pause': 2}),
             save('statuses', "networks.results | map(attribute='status') | list")]
    started = time.monotonic()
    run = playbook(play(tasks, vars=variables, roles=['netfoundry.api.token']))
    elapsed = time.monotonic() - started
    assert run.rc == 0, run.output
    assert run.saved('statuses') == [200] * 12
    stats = testbed.stats()
    assert (stats['api_requests'], stats['api_refused']) == (12, 0)
    # Renewed, but at most once per half token life (a 30 s token lives at least 29 s: exp is whole seconds; the
    # 15 s left when a call takes the token leave room for a loaded machine).
    assert 2 <= stats['token_requests']['short-play'] <= elapsed / 14.5 + 1, (stats['token_requests'], elapsed)


def test_role_again_reuses_and_verify_sets_identity(testbed, playbook):
    tasks = [{'name': 'the role again', 'ansible.builtin.include_role': {'name': 'netfoundry.api.token', 'public': True}},
             LIST_NETWORKS, save('identity', 'netfoundry_api_identity'), save('info', 'netfoundry_api_token_info'),
             save('headers', 'netfoundry_api_headers | dict2items | map(attribute="key") | sort'),
             save('expires', 'netfoundry_api_token_expires_at')]
    run = playbook(play(tasks, vars=credential_vars(testbed, netfoundry_verify=True), roles=['netfoundry.api.token']))
    assert run.rc == 0, run.output
    assert run.saved('identity')['id'] == CLIENT_ID
    assert run.saved('info')['cached'] is True
    assert run.saved('headers') == ['Accept', 'Authorization', 'Content-Type']
    expires = run.saved('expires')
    # An int from 2.19 on; before, Ansible's templating makes every single-expression variable a string (README).
    assert isinstance(expires, str if BEFORE_2_19 else int) and 3500 < int(expires) - time.time() <= 3600, expires
    assert testbed.stats()['total'] == 1


def test_awx_credential_types_feed_the_role(testbed, playbook, tmp_path):
    """Each credential type's injectors as AWX applies them (test_awx_job.inject), feeding the role."""
    from ansible_collections.netfoundry.api.tests.e2e.test_awx_job import CREDENTIAL_TYPES, inject, inputs_for
    environments = {}
    for path in CREDENTIAL_TYPES:
        definition = yaml.safe_load(path.read_text())
        name = 'file' if 'credentials_json' in str(definition) else 'fields'
        environments[name] = inject(definition, inputs_for(definition, testbed), tmp_path / name)
    account = environments['file']['NETFOUNDRY_API_ACCOUNT']
    for name, environment in environments.items():
        run = playbook(play([LIST_NETWORKS, save(name, 'netfoundry_api_token_info')],
                            vars={'netfoundry_audience': testbed.info['api'], 'netfoundry_cache': False},
                            roles=['netfoundry.api.token']), env=environment)
        assert run.rc == 0, run.output
        assert run.saved(name)['credential_source'] == {
            'fields': 'env NETFOUNDRY_CLIENT_ID + NETFOUNDRY_PASSWORD',
            'file': 'env NETFOUNDRY_API_ACCOUNT %s' % account}[name]
        assert_clean(run)
    assert testbed.stats()['api_refused'] == 0
