# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role netfoundry.api.token plus plain uri tasks, through ansible-playbook against the test bed."""

import json
import os
import time

import jinja2
import pytest
import yaml

from ansible_collections.netfoundry.api.tests.e2e.conftest import COLLECTION
from ansible_collections.netfoundry.api.tests.e2e.plays import (
    BEFORE_2_19, CLIENT_ID, CLIENT_SECRET, assert_clean, credential_vars, local_inventory, play, role_token_count, save)


LIST_NETWORKS = {'name': 'list networks', 'ansible.builtin.uri': {
    'url': '{{ netfoundry_api_url }}core/v2/networks', 'headers': '{{ netfoundry_api_headers }}'}, 'register': 'networks'}


@pytest.mark.core_behaviour  # many hosts: the core's single flight under load
def test_ten_hosts_list_networks_with_one_token_request(testbed, playbook):
    tasks = [LIST_NETWORKS, {'name': 'save', 'save_result': {
        'content': "{{ networks.json._embedded.networkList | map(attribute='name') | join(',') }}",
        'dest': '{{ out_dir }}/{{ inventory_hostname }}'}}]
    run = playbook(play(tasks, hosts='nodes', vars=credential_vars(testbed), roles=['netfoundry.api.token']),
                   inventory=local_inventory(10), args=['--forks', '10', '-v'])
    assert run.rc == 0, run.output
    assert {p.read_text() for p in run.out_dir.iterdir()} == {'demo-network,lab-network'}
    assert len(list(run.out_dir.iterdir())) == 10
    stats = testbed.stats()
    assert (stats['total'], stats['api_requests'], stats['api_refused']) == (1, 10, 0)
    assert 'NetFoundry API token newly issued by %s/token (client_secret_basic, credential from variables ' \
        'netfoundry_client_id + netfoundry_client_secret)' % testbed.info['idp_http'] in run.stdout
    assert_clean(run)
    # The role's own tasks never show the token, even at -vvvv. (The play's own uri task is the user's: on
    # ansible-core 2.19 uri echoes its headers at -vvvv; the README tells users to give such tasks no_log.)
    tokens = stats['tokens']
    assert len(tokens) == 1 and role_token_count(run, tokens) == 0


def test_templated_inputs_over_https(testbed, playbook):
    variables = {'vault_secret': CLIENT_SECRET, 'lab': testbed.info,
                 'netfoundry_client_id': '{{ "e2e-" ~ "client" }}', 'netfoundry_client_secret': '{{ vault_secret }}',
                 'netfoundry_token_url': '{{ lab.idp_https }}/token', 'netfoundry_ca_path': '{{ lab.ca }}',
                 'netfoundry_audience': '{{ lab.api }}', 'netfoundry_verify': True}
    run = playbook(play([LIST_NETWORKS, save('identity', 'netfoundry_api_identity')], vars=variables,
                        roles=['netfoundry.api.token']))
    assert run.rc == 0, run.output
    assert run.saved('identity')['id'] == CLIENT_ID
    stats = testbed.stats()
    assert (stats['total'], stats['api_requests'], stats['api_refused']) == (1, 2, 0)
    assert_clean(run)


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


def test_verify_fails_clearly_for_a_token_of_another_audience(testbed, playbook):
    other = testbed.info['api'] + 'another-audience/'
    run = playbook(play([], vars=credential_vars(testbed, netfoundry_verify=True, netfoundry_audience=other),
                        roles=['netfoundry.api.token']))
    assert run.rc == 2
    assert 'the NetFoundry API at %s refused the token: HTTP 401 token is for another audience; the token is for another ' \
        'environment or audience' % other in run.output
    assert_clean(run)


def test_rapidapi_needs_no_token(testbed, playbook):
    variables = {'netfoundry_rapidapi_key': 'rapid-key-123', 'netfoundry_rapidapi_host': 'netfoundry.example-rapidapi.test'}
    tasks = [save('headers', 'netfoundry_api_headers'), save('url', 'netfoundry_api_url')]
    run = playbook(play(tasks, vars=variables, roles=['netfoundry.api.token']))
    assert run.rc == 0, run.output
    assert run.saved('headers') == {'X-RapidAPI-Key': 'rapid-key-123', 'X-RapidAPI-Host': 'netfoundry.example-rapidapi.test',
                                    'Accept': 'application/json', 'Content-Type': 'application/json'}
    assert run.saved('url') == 'https://netfoundry.example-rapidapi.test/'
    assert testbed.stats()['total'] == 0
    missing_host = playbook(play([], vars={'netfoundry_rapidapi_key': 'k'}, roles=['netfoundry.api.token']))
    assert missing_host.rc == 2
    assert 'netfoundry_rapidapi_key is set but netfoundry_rapidapi_host is not' in missing_host.output


def test_wrong_input_types_fail_before_anything_runs(testbed, playbook):
    run = playbook(play([], vars=credential_vars(testbed, netfoundry_timeout='soon', netfoundry_verify='maybe'),
                        roles=['netfoundry.api.token']))
    assert run.rc == 2
    assert "Validation of arguments failed" in run.output
    assert "netfoundry_timeout" in run.output and "netfoundry_verify" in run.output
    assert testbed.stats()['total'] == 0
    assert_clean(run)


def awx_environment(definition, inputs, file_path=None):
    """Render a credential type's env injectors the way AWX does (Jinja2 over the inputs)."""
    context = dict(inputs, tower={'filename': file_path})
    return dict((name, jinja2.Template(template).render(context)) for name, template in definition['injectors']['env'].items())


def test_awx_credential_types_feed_the_role(testbed, playbook, tmp_path):
    types = os.path.join(str(COLLECTION), 'extensions', 'awx', 'credential_types')
    with open(os.path.join(types, 'netfoundry_api_account.yml')) as handle:
        fields = yaml.safe_load(handle)
    with open(os.path.join(types, 'netfoundry_api_account_file.yml')) as handle:
        whole = yaml.safe_load(handle)
    account = tmp_path / 'injected.json'
    account.write_text(jinja2.Template(whole['injectors']['file']['template']).render(credentials_json=json.dumps(
        {'clientId': CLIENT_ID, 'password': CLIENT_SECRET, 'authenticationUrl': testbed.info['idp_http'] + '/token'})))
    environments = {
        'fields': awx_environment(fields, {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET,
                                           'token_url': testbed.info['idp_http'] + '/token', 'environment': ''}),
        'file': awx_environment(whole, {}, str(account)),
    }
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
