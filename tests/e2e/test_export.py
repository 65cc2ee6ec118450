# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Adopting what exists: a live network exported (nf_export, the playbook export_network) and applied to an empty
network by network_as_code, then again (0 changed), then as a drift check of the source; NF Console's network
download applied (the filter nf_from_download); network_as_code deleting the network and its secrets."""

import json
import os
import re

import pytest
import yaml

from ansible_collections.netfoundry.api.tests.e2e.conftest import COLLECTION
from ansible_collections.netfoundry.api.tests.e2e.plays import assert_clean, credential_vars, play
from ansible_collections.netfoundry.api.tests.e2e.test_nf_resource import NET, WRITES, entries, one

pytestmark = pytest.mark.core_behaviour

UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', re.I)


def imported(name):
    return json.dumps([{'import_playbook': str(COLLECTION / 'playbooks' / name)}])


def recap(run):
    assert run.rc == 0, run.output
    return int(re.search(r'localhost\s+: ok=\d+\s+changed=(\d+)', run.stdout).group(1))


def seed_network(testbed):
    """demo-network as a customer would have it: what NF Console makes, a hosted and a tunneler router, services
    of both kinds of hosting, policies, and what NetFoundry makes itself."""
    testbed.seed('endpoints', name='laptop-01', attributes=['#workstations'])
    testbed.seed('endpoints', name='Exit1', attributes=['#exits'])
    testbed.seed('endpoints', name='Branch Exit Router 1', attributes=[])  # the tunneler router's own endpoint
    testbed.seed('edge-routers', name='Branch Exit Router 1', attributes=['#branches'], tunnelerEnabled=True)
    ohio = testbed.seed('edge-routers', name='Ohio [Americas]', attributes=['#defaultRouters'], provider='AWS',
                        locationCode='us-east-2', linkListener=True)
    testbed.seed('services', name='Echo Service', attributes=['#welcomeWagon'], encryptionRequired=True,
                 modelType='TunnelerToEdgeRouter', model={
                     'clientIngress': {'host': 'echo.netfoundry', 'port': 80}, 'edgeRouterAttributes': ['#all'],
                     'edgeRouterHosts': [{'edgeRouterId': ohio['id'], 'serverEgress': {
                         'protocol': 'tcp', 'host': 'eth0.me', 'port': 80}}]})
    testbed.seed('services', name='REST Service', attributes=['#welcomeWagon'], encryptionRequired=True,
                 modelType='TunnelerToEndpoint', model={
                     'clientIngress': {'host': 'httpbin.netfoundry', 'port': 80}, 'edgeRouterAttributes': ['#all'],
                     'serverEgress': {'protocol': 'tcp', 'host': 'httpbin', 'port': 80},
                     'bindEndpointAttributes': ['@Exit1']})
    testbed.seed('service-policies', name='workstations-dial', type='Dial', serviceAttributes=['#welcomeWagon'],
                 endpointAttributes=['#workstations'])
    testbed.seed('edge-router-policies', name='defaultRouters', endpointAttributes=['#all'],
                 edgeRouterAttributes=['#defaultRouters'])
    testbed.seed('edge-router-policies', name='Branch Exit Router 1-system', endpointAttributes=['@Branch Exit Router 1'],
                 edgeRouterAttributes=['@Branch Exit Router 1'])
    testbed.seed('app-wans', name='Welcome', serviceAttributes=['#welcomeWagon'], endpointAttributes=['#workstations'])


def comparable(testbed, network_id):
    """The resources of a network as the export sees them: type -> name -> managed properties, router ids as names."""
    routers = dict((router['id'], router['name']) for router in testbed.resources('edge-routers'))
    tunnelers = set(router['name'] for router in testbed.resources('edge-routers') if router['tunnelerEnabled'])
    found = {}
    for rtype in ('endpoints', 'edge-routers', 'services', 'service-policies', 'edge-router-policies', 'app-wans'):
        for item in testbed.resources(rtype):
            if item['networkId'] != network_id or (rtype == 'endpoints' and item['name'] in tunnelers) or \
                    item['name'].endswith('-system'):
                continue  # a tunneler router's own endpoint and the -system policies: NetFoundry's
            kept = dict((key, value) for key, value in item.items() if key in (
                'attributes', 'tunnelerEnabled', 'linkListener', 'provider', 'encryptionRequired', 'modelType', 'type',
                'semantic', 'serviceAttributes', 'endpointAttributes', 'edgeRouterAttributes'))
            if item.get('model'):
                kept['model'] = json.loads(json.dumps(item['model']))
                for host in kept['model'].get('edgeRouterHosts', []):
                    host['edgeRouterId'] = routers[host['edgeRouterId']]
            found.setdefault(rtype, {})[item['name']] = kept
    return found


def test_export_apply_to_an_empty_network_again_unchanged_then_drift_then_delete(testbed, playbook, tmp_path):
    testbed.resource_settings(provision_after_gets=0)
    seed_network(testbed)
    source = one(testbed, 'networks', NET)
    dest = tmp_path / 'exported.yml'
    extra = dict(credential_vars(testbed), nf_secrets_dir=str(tmp_path / 'secrets'))

    exported = playbook(imported('export_network.yml'), extra_vars=dict(extra, nf_network=NET,
                                                                        nf_export_dest=str(dest)))
    assert recap(exported) == 1
    assert oct(os.stat(str(dest)).st_mode & 0o777) == '0o600'
    text = dest.read_text()
    assert UUID.findall(text) == [], text  # no id: the router by name, the network group by name
    found = yaml.safe_load(text)
    assert found['nf_network'] == NET
    assert found['nf_network_spec'] == {'size': 'medium', 'productVersion': source['productVersion'],
                                        'locationCode': 'us-east-1', 'networkGroupId': 'demo-group',
                                        'o365BreakoutCategory': 'NONE'}
    listed = [(item['type'], item['name']) for item in found['nf_resources']]
    assert listed == [('edge-routers', 'Branch Exit Router 1'), ('edge-routers', 'Ohio [Americas]'),
                      ('endpoints', 'Exit1'), ('endpoints', 'laptop-01'), ('services', 'Echo Service'),
                      ('services', 'REST Service'), ('service-policies', 'workstations-dial'),
                      ('edge-router-policies', 'defaultRouters'), ('app-wans', 'Welcome')]
    ohio = found['nf_resources'][1]['spec']
    assert ohio == {'attributes': ['#defaultRouters'], 'linkListener': True, 'tunnelerEnabled': False,
                    'provider': 'AWS', 'locationCode': 'us-east-2'}
    echo = found['nf_resources'][4]['spec']
    assert echo['model']['edgeRouterHosts'][0]['edgeRouterName'] == 'Ohio [Americas]'
    assert 'skipped' not in found
    assert 'Branch Exit Router 1-system' in exported.stdout and 'tunneler-enabled edge router' in exported.stdout
    assert [e for e in entries(testbed) if e[0] in WRITES] == []

    # Applied to an empty network: the same resources, every id its own; then again: nothing to do.
    copy = ['-e', '@%s' % dest, '-e', 'nf_network=copy-network']
    first = playbook(imported('network_as_code.yml'), extra_vars=extra, args=copy)
    assert recap(first) == 3  # the secrets folder, the network, the resources
    made = one(testbed, 'networks', 'copy-network')
    assert (made['networkGroupId'], made['productVersion']) == (source['networkGroupId'], source['productVersion'])
    assert comparable(testbed, made['id']) == comparable(testbed, source['id'])
    writes = testbed.stats()['api_writes']
    second = playbook(imported('network_as_code.yml'), extra_vars=extra, args=copy)
    assert (recap(second), testbed.stats()['api_writes']) == (0, writes)

    # The source drifts (an endpoint's attributes, a policy's endpoints); the export shows it with --check --diff.
    drift = play([{'name': 'drift', 'netfoundry.api.nf_resource': {
        'type': 'endpoints', 'network': NET, 'name': 'laptop-01', 'spec': {'attributes': ['#contractors']}}},
        {'name': 'drift2', 'netfoundry.api.nf_resource': {
            'type': 'app-wans', 'network': NET, 'name': 'Welcome', 'spec': {'endpointAttributes': ['#all']}}}],
        vars=credential_vars(testbed))
    assert recap(playbook(drift)) == 2
    writes = testbed.stats()['api_writes']
    checked = playbook(imported('network_as_code.yml'), extra_vars=extra,
                       args=['-e', '@%s' % dest, '--check', '--diff'])
    assert (recap(checked), testbed.stats()['api_writes']) == (1, writes)
    diffs = re.findall(r'^--- before\n\+\+\+ after\n(.*?)\n\n', checked.stdout, re.M | re.S)
    assert len(diffs) == 2, checked.stdout
    assert '-        "#contractors"' in diffs[0] and '+        "#workstations"' in diffs[0]
    assert '"name": "Welcome"' in diffs[1] and '+        "#workstations"' in diffs[1]

    # network_as_code deletes the copy, everything in it, and its secrets folder.
    (tmp_path / 'secrets').mkdir(exist_ok=True)
    gone = playbook(imported('network_as_code.yml'), extra_vars=extra, args=copy + ['-e', 'nf_network_state=absent'])
    assert recap(gone) == 2
    assert 'copy-network' not in [n['name'] for n in testbed.resources('networks')]
    assert [e['name'] for e in testbed.resources('endpoints') if e['networkId'] == made['id']] == []
    assert not (tmp_path / 'secrets').exists()
    for run in (exported, first, second, checked, gone):
        assert_clean(run)


def test_nf_export_says_what_is_wrong(testbed, playbook):
    tasks = [{'name': name, 'netfoundry.api.nf_export': args, 'register': 'r_' + name, 'ignore_errors': True}
             for name, args in (('missing', {'network': 'no-such-network'}), ('empty', {'network': ' '}),
                                ('none', {}), ('bad_type', {'network': NET, 'types': ['networks']}))]
    tasks += [{'name': 'save', 'save_result': {'content': "{{ {'missing': r_missing.msg, 'empty': r_empty.msg, "
                                                          "'none': r_none.msg, 'bad_type': r_bad_type.msg} | to_json }}",
                                               'dest': '{{ out_dir }}/messages.json'}}]
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    messages = run.saved('messages')
    assert messages['missing'] == ("network 'no-such-network' does not exist: check the name (nf_resource_info type "
                                   "networks lists them)")
    assert messages['empty'] == 'option network is empty: give the name or id of the network to export'
    assert messages['none'] == 'option network is required: give the name or id of the network to export'
    assert messages['bad_type'].startswith('value of types must be one or more of: posture-checks, edge-routers'), \
        messages['bad_type']
    assert_clean(run)


DOWNLOAD = """\
# The shape of NF Console's network download (as netfoundry.platform's playbooks/downloaded_network.yml shows it)
networkGroupId: %(group)s
size: small
name: ACME Network 123
productVersion: default
o365BreakoutCategory: NONE
locationCode: us-east-1
edgeRouters:
  - name: Branch Exit Router 1
    linkListener: false
    tunnelerEnabled: true
    attributes: ['#vmWareExitRouters']
  - name: Ohio [Americas]
    provider: AWS
    datacenter: us-east-2
    linkListener: true
    tunnelerEnabled: false
    attributes: ['#Americas', '#defaultRouters']
edgeRouterPolicies:
  - name: defaultRouters
    endpointAttributes: ['#all']
    edgeRouterAttributes: ['#defaultRouters']
services:
  - name: Fireworks Service
    encryptionRequired: true
    attributes: ['#welcomeWagon']
    modelType: TunnelerToEdgeRouter
    model:
      clientIngress: {host: fireworks.netfoundry, port: 80}
      edgeRouterAttributes: ['#all']
      edgeRouterHosts:
        - edgeRouterName: Ohio [Americas]
          serverEgress: {protocol: tcp, host: fireworks.example, port: 80}
  - name: REST Service
    encryptionRequired: true
    attributes: ['#welcomeWagon']
    modelType: TunnelerToEndpoint
    model:
      clientIngress: {host: httpbin.netfoundry, port: 80}
      serverEgress: {protocol: tcp, host: httpbin, port: 80}
      bindEndpointAttributes: ['@Exit1']
      edgeRouterAttributes: ['#all']
certificateAuthorities: []
endpoints:
  - name: Mobile1
    enrollmentMethod: {ott: true, updb: null, ottca: null}
    attributes: ['#workFromAnywhere']
  - name: Exit1
    enrollmentMethod: {ott: true, updb: null, ottca: null}
    attributes: ['#exits']
  - name: Branch Exit Router 1
    enrollmentMethod: {ott: true, updb: null, ottca: null}
    attributes: []
appWans:
  - networkId: null
    name: Welcome
    type: Dial
    semantic: AnyOf
    serviceAttributes: ['#welcomeWagon']
    endpointAttributes: ['#workFromAnywhere']
    postureCheckAttributes: []
postureChecks: []
"""


def test_nf_console_network_download_applied_twice(testbed, playbook, tmp_path):
    testbed.resource_settings(provision_after_gets=0)
    group = one(testbed, 'networks', NET)['networkGroupId']
    download = tmp_path / 'downloaded_network.yml'
    download.write_text(DOWNLOAD % {'group': group})
    extra = dict(credential_vars(testbed), nf_secrets_dir=str(tmp_path / 'secrets'), nf_download=str(download))
    first = playbook(imported('network_as_code.yml'), extra_vars=extra)
    assert recap(first) == 3  # the secrets folder, the network, the resources
    net = one(testbed, 'networks', 'ACME Network 123')
    assert (net['size'], net['networkGroupId']) == ('small', group)
    assert sorted(e['name'] for e in testbed.resources('endpoints') if e['networkId'] == net['id']) == ['Exit1', 'Mobile1']
    ohio = [r for r in testbed.resources('edge-routers') if r['name'] == 'Ohio [Americas]'][0]
    fireworks = [s for s in testbed.resources('services') if s['name'] == 'Fireworks Service'][0]
    assert fireworks['model']['edgeRouterHosts'][0]['edgeRouterId'] == ohio['id']
    assert ohio['provider'] == 'AWS'
    assert 'the endpoint of the tunneler-enabled edge router of that name' in first.stdout
    assert sorted(os.listdir(str(tmp_path / 'secrets'))) == [
        'Branch Exit Router 1.key', 'Exit1.jwt', 'Mobile1.jwt']  # a hosted router has no registration key
    second = playbook(imported('network_as_code.yml'), extra_vars=extra)
    assert recap(second) == 0
    assert_clean(first)
    assert_clean(second)


@pytest.mark.parametrize('text, message', [
    ('[1, 2]', 'a network download is a dictionary (NF Console: Networks, the menu of a network, Download), got list'),
    ('{name: x, routers: []}', 'the network download has keys this filter does not know: routers (it knows '),
    ('{name: x, endpoints: [{attributes: []}]}', "the network download's endpoints[0] has no name"),
    ('no-such-download.yml', 'cannot read the network download no-such-download.yml (No such file or directory): give '
                             'the path of the file NF Console gave'),
    ('{name: x, endpoints: [{name: a, roleAttributes: []}]}',
     "the network download's endpoints 'a' has properties nf_resource does not know for endpoints: roleAttributes"),
])
def test_nf_from_download_says_what_is_wrong(playbook, text, message):
    run = playbook(play([{'name': 'convert', 'ansible.builtin.debug': {
        'msg': "{{ %s | netfoundry.api.nf_from_download }}" % json.dumps(yaml.safe_load(text))}}]))
    assert run.rc != 0
    assert ('netfoundry.api.nf_from_download: ' + message) in run.output, run.output


TEMPLATED = "{{ lookup('ansible.builtin.pipe', 'touch PWNED') }}ep"


def test_names_that_look_like_templates_stay_names_and_paths_stay_inside(testbed, playbook, tmp_path):
    """An outsider's attack: a resource named like a template, exported and applied (a command ran on the
    controller), or in NF Console's download (on 2.16, even in --check); a network named .. deleting every
    network's secrets folder; the export's file written into the collection's folder; a fresh HOME's --check."""
    testbed.resource_settings(provision_after_gets=0)
    net = testbed.seed('networks', name='..')
    testbed.seed('endpoints', name=TEMPLATED, networkId=net['id'])
    testbed.seed('endpoints', name='ghost-dialer', networkId=net['id'])
    testbed.seed('service-policies', name='dial-ghost', type='Dial', networkId=net['id'], serviceAttributes=['@ghost'],
                 endpointAttributes=['@ghost-dialer'])
    extra = credential_vars(testbed)
    work = tmp_path / 'work'
    exported = playbook(imported('export_network.yml'), extra_vars=dict(extra, nf_network='..'))
    assert recap(exported) == 1
    dest = work / '_..yml'  # the default file name: the network's name made safe, in the current folder
    text = dest.read_text()
    assert '!unsafe "%s"' % TEMPLATED.replace('"', '\\\\"') in text or "!unsafe \"{{ lookup(" in text, text
    assert "dial-ghost it names @ghost, which the export does not hold" in exported.stdout
    other = tmp_path / 'home' / '.netfoundry' / 'enrollment' / 'other-network'
    other.mkdir(parents=True)
    (other / 'keep.jwt').write_text('x')
    checked = playbook(imported('network_as_code.yml'), extra_vars=extra,
                       args=['-e', '@%s' % dest, '-e', 'nf_network=copy-of-dots', '--check'])
    assert recap(checked) > 0  # a fresh network: the secrets folder (under a fresh HOME) is no obstacle in check mode
    copied = playbook(imported('network_as_code.yml'), extra_vars=extra,
                      args=['-e', '@%s' % dest, '-e', 'nf_network=copy-of-dots'])
    assert recap(copied) == 3
    made = one(testbed, 'networks', 'copy-of-dots')
    assert sorted(e['name'] for e in testbed.resources('endpoints') if e['networkId'] == made['id']) == sorted(
        ['ghost-dialer', TEMPLATED])
    gone = playbook(imported('network_as_code.yml'), extra_vars=extra,
                    args=['-e', 'nf_network=..', '-e', 'nf_network_state=absent'])
    assert recap(gone) >= 1
    assert (other / 'keep.jwt').read_text() == 'x'  # .. is a folder name of its own, not the parent
    download = tmp_path / 'templated.yml'
    download.write_text(yaml.safe_dump({'name': 'templated-net', 'locationCode': 'us-east-1', 'endpoints': [
        {'name': TEMPLATED, 'enrollmentMethod': {'ott': True}, 'attributes': []}]}))
    applied = playbook(imported('network_as_code.yml'), extra_vars=dict(extra, nf_download=str(download)),
                       args=['--check'])
    assert applied.rc == 0, applied.output
    assert not list(tmp_path.rglob('PWNED'))
    for run in (exported, checked, copied, gone, applied):
        assert_clean(run)
