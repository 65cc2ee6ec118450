# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What NetFoundry's SDK and its Ansible collection spare their users, on nf_resource: names where the API wants ids
or @name mentions (checked, and predicted in check mode), nested objects replaced on request, registration keys
rotated, secret files in a folder and removed with their resource."""

import os
import stat

import pytest

from ansible_collections.netfoundry.api.tests.e2e.plays import assert_clean, credential_vars, play, save, squash
from ansible_collections.netfoundry.api.tests.e2e.test_nf_resource import NET, WRITES, entries, info_task, one, resource_task

pytestmark = pytest.mark.core_behaviour


def task(name, rtype, resource, spec=None, **options):
    args = {'type': rtype, 'network': NET, 'name': resource}
    if spec is not None:
        args['spec'] = spec
    args.update(options)
    return resource_task(name, args)


def test_names_and_ids_in_role_lists_become_at_names_and_are_checked(testbed, playbook):
    laptop = testbed.seed('endpoints', name='Laptop-01', attributes=['#staff'])
    testbed.seed('services', name='wiki', modelType='TunnelerToSdk', model={
        'clientIngress': {'host': 'wiki.e2e', 'port': 80}, 'edgeRouterAttributes': ['#all']})
    spec = {'type': 'Dial', 'endpointAttributes': ['laptop-01', laptop['id'], '#staff'], 'serviceAttributes': ['@wiki']}
    tasks = (task('policy', 'service-policies', 'dial-wiki', spec) + task('again', 'service-policies', 'dial-wiki', spec)
             + task('missing', 'service-policies', 'dial-other', {'type': 'Dial', 'serviceAttributes': ['@nowhere']})
             + task('unchecked', 'service-policies', 'dial-later', {'type': 'Dial', 'serviceAttributes': ['@later']},
                    check_names=False))
    run = playbook(play(tasks, vars=credential_vars(testbed)), args=['--diff'])
    assert run.rc == 0, run.output
    policy, again = run.saved('policy'), run.saved('again')
    assert (policy['changed'], again['changed']) == (True, False)
    stored = one(testbed, 'service-policies', 'dial-wiki')
    # The SDK's rule: an id or a bare name is the @name of that resource (its own spelling), #attributes as they are.
    assert sorted(stored['endpointAttributes']) == ['#staff', '@Laptop-01']
    assert stored['serviceAttributes'] == ['@wiki']
    assert policy['diff']['after']['endpointAttributes'] == ['@Laptop-01', '#staff']  # the name and the id: one
    missing = ('spec.serviceAttributes: @nowhere names no service in this network: create it first (an earlier task), '
               'check the name, or set check_names: false')
    assert run.saved('missing')['msg'] == missing
    assert one(testbed, 'service-policies', 'dial-later')['serviceAttributes'] == ['@later']
    assert [e[0] for e in entries(testbed) if e[0] in WRITES] == ['POST', 'POST']  # the two that could be made
    assert_clean(run)


def test_an_edge_router_named_in_a_service_model_becomes_its_id(testbed, playbook):
    """NF Console's network download names a service's hosting router (edgeRouterName); the API wants its id."""
    router = testbed.seed('edge-routers', name='Ohio [Americas]', provider='AWS')
    model = {'clientIngress': {'host': 'echo.e2e', 'port': 80}, 'edgeRouterAttributes': ['#all'],
             'edgeRouterHosts': [{'edgeRouterName': 'Ohio [Americas]', 'serverEgress': {
                 'protocol': 'tcp', 'host': 'eth0.me', 'port': 80}}]}
    spec = {'modelType': 'TunnelerToEdgeRouter', 'model': model}
    run = playbook(play(task('created', 'services', 'echo', spec) + task('again', 'services', 'echo', spec),
                        vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    assert [(run.saved(n).get('failed', False), run.saved(n)['changed']) for n in ('created', 'again')] == [
        (False, True), (False, False)], run.saved('created').get('msg')
    assert one(testbed, 'services', 'echo')['model']['edgeRouterHosts'][0]['edgeRouterId'] == router['id']
    assert_clean(run)


def test_check_mode_predicts_what_an_earlier_task_would_create(testbed, playbook):
    """On a network being built, --check fails no task for naming what an earlier task would make (two of
    netfoundry.platform's example playbooks did, translated)."""
    tasks = (task('router', 'edge-routers', 'er-new')
             + task('endpoint', 'endpoints', 'ep-new')
             + task('service', 'services', 'svc-new', {'modelType': 'TunnelerToEdgeRouter', 'model': {
                 'clientIngress': {'host': 'new.e2e', 'port': 80}, 'edgeRouterAttributes': ['#all'],
                 'edgeRouterHosts': [{'edgeRouterName': 'er-new', 'serverEgress': {
                     'protocol': 'tcp', 'host': 'new', 'port': 80}}]}})
             + task('policy', 'service-policies', 'sp-new',
                    {'type': 'Dial', 'endpointAttributes': ['ep-new'], 'serviceAttributes': ['@svc-new']}))
    run = playbook(play(tasks, vars=credential_vars(testbed)), args=['--check', '--diff'])
    assert run.rc == 0, run.output
    results = dict((name, run.saved(name)) for name in ('router', 'endpoint', 'service', 'policy'))
    assert dict((name, (r.get('failed', False), r['changed'], r['method'])) for name, r in results.items()) == dict(
        (name, (False, True, 'create')) for name in results), [r.get('msg') for r in results.values()]
    assert results['policy']['diff']['after']['endpointAttributes'] == ['@ep-new']
    assert results['service']['diff']['after']['model']['edgeRouterHosts'][0]['edgeRouterId'] == \
        '(the id of edge router er-new, created earlier in this run)'
    assert squash('check mode: @ep-new (endpoints): created by an earlier task of this run') in squash(run.output)
    assert testbed.stats()['api_writes'] == 0
    assert_clean(run)


def test_nested_replace_makes_the_object_the_whole_value(testbed, playbook):
    model = {'clientIngress': {'host': 'wiki.e2e', 'port': 80}, 'edgeRouterAttributes': ['#all'],
             'bindEndpointAttributes': ['#hosts'], 'serverEgress': {'protocol': 'tcp', 'host': 'wiki', 'port': 80}}
    testbed.seed('services', name='svc-replace', modelType='TunnelerToEndpoint', model=model)
    forward = dict(model, serverEgress={'protocol': 'tcp', 'forwardHost': True, 'allowedHosts': ['wiki', 'wiki2'],
                                        'port': 80})
    merge = resource_task('merge', {'type': 'services', 'network': NET, 'name': 'svc-replace', 'spec': {
        'model': forward}}, check_mode=True)
    replace = task('replace', 'services', 'svc-replace', {'model': forward}, nested='replace')
    again = task('again', 'services', 'svc-replace', {'model': forward}, nested='replace')
    run = playbook(play(merge + replace + again, vars=credential_vars(testbed)), args=['--diff'])
    assert run.rc == 0, run.output
    assert [run.saved(n).get('msg') for n in ('merge', 'replace', 'again')] == [None] * 3
    # Merged, the old host would stay beside forwardHost (an outsider's service ended with both); replaced, it goes.
    assert run.saved('merge')['diff']['after']['model']['serverEgress']['host'] == 'wiki'
    assert 'host' not in run.saved('replace')['diff']['after']['model']['serverEgress']
    assert 'host' not in one(testbed, 'services', 'svc-replace')['model']['serverEgress']
    assert (run.saved('replace')['changed'], run.saved('again')['changed']) == (True, False)
    assert_clean(run)


def test_registration_keys_rotate_and_secret_files_live_in_a_folder(testbed, playbook, tmp_path):
    testbed.resource_settings(provision_after_gets=1)
    folder = '{{ work_dir }}/secrets/'
    tasks = (task('router', 'edge-routers', 'Branch Router 1', registration_key_dest=folder)
             + task('endpoint', 'endpoints', 'laptop/02', enrollment_jwt_dest=folder)
             + task('rotated', 'edge-routers', 'Branch Router 1', registration_key_dest=folder,
                    rotate_registration_key=True))
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    secrets = tmp_path / 'work' / 'secrets'
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    assert sorted(os.listdir(str(secrets))) == ['Branch Router 1.key', 'laptop%2F02.jwt']
    key = (secrets / 'Branch Router 1.key').read_text()
    assert key in testbed.issued() and len([v for v in testbed.issued() if v.count('.') != 2]) == 2  # rotated once
    assert run.saved('rotated')['changed'] is True
    # Deleted with the dest given: the secret file goes too.
    tasks = (task('gone', 'edge-routers', 'Branch Router 1', state='absent', registration_key_dest=folder)
             + task('also_gone', 'endpoints', 'laptop/02', state='absent', enrollment_jwt_dest=folder))
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    assert os.listdir(str(secrets)) == []
    assert (run.saved('gone')['method'], run.saved('also_gone')['method']) == ('delete', 'delete')
    assert_clean(run)


def test_networks_and_hosted_routers_are_placed_as_the_sdk_places_them(testbed, playbook):
    """The network group by name (or the organization's first), the data center checked against the API's, the
    product version latest; a hosted router's provider and location checked the same way."""
    testbed.resource_settings(provision_after_gets=0)
    named = {'networkGroupId': 'Demo-Group', 'locationCode': 'us-east-1', 'productVersion': 'latest'}
    tasks = (resource_task('named_group', {'type': 'networks', 'name': 'placed-1', 'spec': named})
             + resource_task('first_group', {'type': 'networks', 'name': 'placed-2', 'spec': {
                 'locationCode': 'eu-amsterdam-1', 'provider': 'OCI'}})
             + resource_task('again', {'type': 'networks', 'name': 'placed-1', 'spec': {
                 'networkGroupId': 'demo-group', 'productVersion': 'latest'}})
             + resource_task('bad_place', {'type': 'networks', 'name': 'placed-3', 'spec': {
                 'locationCode': 'us-east-9'}})
             + resource_task('bad_version', {'type': 'networks', 'name': 'placed-4', 'spec': {
                 'locationCode': 'us-east-1', 'productVersion': '6.0.0'}})
             + resource_task('bad_group', {'type': 'networks', 'name': 'placed-5', 'spec': {
                 'locationCode': 'us-east-1', 'networkGroupId': 'other-group'}})
             + task('hosted', 'edge-routers', 'hosted-ohio', {'provider': 'AWS', 'locationCode': 'us-east-2'})
             + task('hosted_bad', 'edge-routers', 'hosted-nowhere', {'provider': 'AWS', 'locationCode': 'eu-amsterdam-1'})
             + task('hosted_half', 'edge-routers', 'hosted-half', {'locationCode': 'us-east-2'}))
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    placed = one(testbed, 'networks', 'placed-1')
    assert (placed['networkGroupId'], placed['productVersion']) == ('00000000-0000-4000-8000-000000000100', '7.3.24')
    assert one(testbed, 'networks', 'placed-2')['networkGroupId'] == '00000000-0000-4000-8000-000000000100'
    assert (run.saved('again')['changed'], run.saved('again').get('failed', False)) == (False, False)
    messages = dict((name, run.saved(name)['msg']) for name in (
        'bad_place', 'bad_version', 'bad_group', 'hosted_bad', 'hosted_half'))
    assert messages['bad_place'].startswith("networks 'placed-3': NetFoundry has no data center 'us-east-9': did you "
                                            "mean us-east-2, us-east-1"), messages['bad_place']
    assert messages['bad_version'].startswith("networks 'placed-4': product version '6.0.0' is not one NetFoundry has "
                                              "(the newest: "), messages['bad_version']
    assert messages['bad_group'].startswith("spec.networkGroupId 'other-group' names no network group of the "
                                            "organization (its groups: demo-group ("), messages['bad_group']
    assert messages['hosted_bad'].startswith("edge-routers 'hosted-nowhere': provider AWS has no data center "
                                             "'eu-amsterdam-1': did you mean "), messages['hosted_bad']
    assert messages['hosted_half'] == ("edge-routers 'hosted-half': a NetFoundry-hosted router needs provider with "
                                       "locationCode (as NetFoundry's SDK asks): give both, or neither for a router you "
                                       "host")
    hosted = one(testbed, 'edge-routers', 'hosted-ohio')
    assert (hosted['provider'], hosted['linkListener']) == ('AWS', True)  # linkListener: the SDK's for a hosted router
    assert [name for name in ('placed-3', 'placed-4', 'placed-5') if any(
        n['name'] == name for n in testbed.resources('networks'))] == []  # refused before any write
    assert_clean(run)


def test_many_made_without_waiting_then_waited_for_at_once(testbed, playbook):
    testbed.resource_settings(provision_after_gets=1000, provision_after_seconds=1.5)
    testbed.resource_faults({'name': 'hosted-bad', 'outcome': 'ERROR', 'message': 'no capacity'})
    places = ['us-east-1', 'us-east-2', 'us-west-2']
    create = {'name': 'create', 'loop': places, 'netfoundry.api.nf_resource': {
        'type': 'edge-routers', 'network': NET, 'name': 'hosted-{{ item }}', 'wait': False,
        'spec': {'provider': 'AWS', 'locationCode': '{{ item }}'}}}
    names = ['hosted-%s' % place for place in places]
    tasks = ([create] + [{'name': 'info', 'netfoundry.api.nf_resource_info': {
        'type': 'edge-routers', 'network': NET, 'names': names, 'until_provisioned': True, 'wait_timeout': 60},
        'register': 'r_info'}, {'name': 'save', 'save_result': {
            'content': "{{ r_info.resources | map(attribute='status') | list | to_json }}",
            'dest': '{{ out_dir }}/statuses.json'}}]
        + task('bad', 'edge-routers', 'hosted-bad', {'provider': 'AWS', 'locationCode': 'us-east-1'}, wait=False)
        + [{'name': 'wait for the bad one', 'netfoundry.api.nf_resource_info': {
            'type': 'edge-routers', 'network': NET, 'names': ['hosted-bad', 'hosted-us-east-1'],
            'until_provisioned': True, 'wait_timeout': 60}, 'register': 'r_bad', 'ignore_errors': True},
           {'name': 'save bad', 'save_result': {'content': '{{ r_bad | to_json }}', 'dest': '{{ out_dir }}/bad.json'}}])
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    assert run.saved('statuses') == ['PROVISIONED'] * 3
    assert run.saved('bad')['msg'] == "edge-routers ended in ERROR: 'hosted-bad' (ERROR)"
    process_reads = [e for e in entries(testbed) if e[1] == 'process']
    assert process_reads == []  # wait: false followed nothing; the info task read the list again
    assert_clean(run)


def test_secret_files_never_collide_and_bad_destinations_are_refused_first(testbed, playbook, tmp_path):
    """Names that a folder would map to one file (x/y and x_y, . and ..) get files of their own, none hidden; a
    folder ending with / is made with its missing parents (not in check mode); a name too long for a file name, a
    rotation with nowhere to put the key and an empty destination are refused before any request."""
    testbed.resource_settings(provision_after_gets=1)
    folder = '{{ work_dir }}/deep/er/secrets/'
    names = ['x/y', 'x_y', '.', '..', 'x%2Fy']
    loop = [{'name': 'many', 'loop': names, 'netfoundry.api.nf_resource': {
        'type': 'endpoints', 'network': NET, 'name': '{{ item }}', 'enrollment_jwt_dest': folder}, 'register': 'r_many'},
        save('many', "r_many.results | map(attribute='changed') | list")]
    checked = playbook(play(loop, vars=credential_vars(testbed)), args=['--check'])
    assert checked.rc == 0, checked.output
    assert checked.saved('many') == [True] * 5 and not (tmp_path / 'work' / 'deep').exists()
    refused = (task('long', 'endpoints', 'L' * 260, enrollment_jwt_dest=folder)
               + task('nowhere', 'edge-routers', 'router-r', rotate_registration_key=True)
               + task('empty', 'endpoints', 'e-1', enrollment_jwt_dest=''))
    first = playbook(play(loop + refused, vars=credential_vars(testbed)))
    assert first.rc == 0, first.output
    secrets = tmp_path / 'work' / 'deep' / 'er' / 'secrets'
    assert sorted(os.listdir(str(secrets))) == ['%2E..jwt', '%2E.jwt', 'x%252Fy.jwt', 'x%2Fy.jwt', 'x_y.jwt']
    assert [stat.S_IMODE((tmp_path / 'work' / sub).stat().st_mode) for sub in ('deep', 'deep/er', 'deep/er/secrets')] \
        == [0o700] * 3
    assert first.saved('long')['msg'] == (
        'option enrollment_jwt_dest is a folder, and the file for this name would have a 264-byte name, more than a '
        'file name may (255): give a file as enrollment_jwt_dest; nothing was written')
    assert first.saved('nowhere')['msg'] == (
        'option rotate_registration_key needs registration_key_dest (or return_enrollment_secrets: true): a new key '
        'voids the one before, so it must go somewhere')
    assert first.saved('empty')['msg'] == ('option enrollment_jwt_dest is empty: give a file or a folder (ending with '
                                           '/), or leave the option out')
    assert sorted(e['name'] for e in testbed.resources('endpoints')) == sorted(names)  # nothing else was made
    second = playbook(play(loop, vars=credential_vars(testbed)))
    assert second.rc == 0, second.output
    assert second.saved('many') == [False] * 5
    assert_clean(first)


def test_an_empty_names_list_selects_nothing_and_a_router_name_must_be_text(testbed, playbook):
    testbed.seed('edge-routers', name='branch-router')
    model = {'clientIngress': {'host': 'echo.e2e', 'port': 80}, 'edgeRouterAttributes': ['#all'],
             'edgeRouterHosts': [{'edgeRouterName': ['branch-router'], 'serverEgress': {
                 'protocol': 'tcp', 'host': 'eth0.me', 'port': 80}}]}
    tasks = (info_task('none', {'type': 'edge-routers', 'network': NET, 'names': []})
             + task('listed', 'services', 'echo', {'modelType': 'TunnelerToEdgeRouter', 'model': model}))
    for args in ([], ['--check']):
        run = playbook(play(tasks, vars=credential_vars(testbed)), args=args)
        assert run.rc == 0, run.output
        assert (run.saved('none')['count'], run.saved('none')['resources']) == (0, [])
        assert run.saved('listed')['msg'] == ("spec.model.edgeRouterHosts[0].edgeRouterName must be the name of an edge "
                                              "router (text), got list ['branch-router']")
    assert [e[0] for e in entries(testbed) if e[0] in WRITES] == []
