# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every example playbook and module example of NetFoundry's netfoundry.platform collection, translated to
netfoundry.api (docs/platform/), run as its users would against the real-shaped emulator: twice (0 changed the second
time), and their deletes (--tags delete) twice too; none longer than platform's."""

import re
import shutil

import pytest

from ansible_collections.netfoundry.api.tests.e2e.conftest import COLLECTION
from ansible_collections.netfoundry.api.tests.e2e.plays import assert_clean, credential_vars
from ansible_collections.netfoundry.api.tests.e2e.test_export import DOWNLOAD
from ansible_collections.netfoundry.api.tests.e2e.test_nf_resource import NET, WRITES, entries, one

pytestmark = pytest.mark.core_behaviour

TRANSLATIONS = COLLECTION / 'docs' / 'platform'
NETWORK = 'BibbidiBobbidiBoo'
# Lines of each original in netfoundry/ansible-collection at 2cf7b9a (netfoundry.platform): a playbook's file, a
# module's EXAMPLES block. check_pypi_version.yml (it compares the installed netfoundry SDK with PyPI's) has no
# translation: netfoundry.api does not use the SDK. network_from_download.yml counts its role's tasks too.
PLATFORM_LINES = {'example_playbook': 169, 'services_from_csv': 46, 'network_from_download': 20 + 170,
                  'netfoundry_appwan': 16, 'netfoundry_endpoint': 17, 'netfoundry_info': 22, 'netfoundry_network': 25,
                  'netfoundry_router': 35, 'netfoundry_router_policy': 17, 'netfoundry_service_advanced': 37,
                  'netfoundry_service_raw': 48, 'netfoundry_service_simple': 32}


def network(testbed, *resources):
    """The network the example presumes (platform's examples take it from netfoundry_info), with resources."""
    net = testbed.seed('networks', name=NETWORK)
    for rtype, props in resources:
        testbed.seed(rtype, networkId=net['id'], **props)


SERVICE_HOSTS = (('endpoints', {'name': 'americas-datacenter-centos12'}),
                 ('endpoints', {'name': 'americas-datacenter-centos13'}))
PRESUMED = {
    'example_playbook': lambda testbed: None,
    'services_from_csv': lambda testbed: network(testbed, ('edge-routers', {'name': 'branch-router'})),
    'network_from_download': lambda testbed: None,
    'netfoundry_appwan': lambda testbed: network(testbed, ('endpoints', {'name': 'gunter-laptop1'}), ('services', {
        'name': 'internal-portal', 'modelType': 'TunnelerToSdk', 'model': {
            'clientIngress': {'host': 'portal.internal', 'port': 443}, 'edgeRouterAttributes': ['#all']}})),
    'netfoundry_endpoint': network,
    'netfoundry_info': lambda testbed: network(testbed, ('endpoints', {'name': 'laptop-01'})),
    'netfoundry_network': lambda testbed: None,
    'netfoundry_router': network,
    'netfoundry_router_policy': network,
    'netfoundry_service_advanced': lambda testbed: network(testbed, *SERVICE_HOSTS),
    'netfoundry_service_raw': lambda testbed: network(testbed, ('endpoints', {'name': 'Exit123'})),
    'netfoundry_service_simple': lambda testbed: network(testbed, ('edge-routers', {'name': 'finance-bastion11'}),
                                                         *SERVICE_HOSTS),
}


def recap(run):
    assert run.rc == 0, run.output
    return int(re.search(r'localhost\s+: ok=\d+\s+changed=(\d+)', run.stdout).group(1))


def test_every_platform_example_has_a_translation_no_longer_than_it():
    found = sorted(path.stem for path in TRANSLATIONS.glob('*.yml'))
    assert found == sorted(PLATFORM_LINES)
    longer = dict((name, (len((TRANSLATIONS / (name + '.yml')).read_text().splitlines()), lines))
                  for name, lines in PLATFORM_LINES.items())
    assert [name for name, (ours, theirs) in longer.items() if ours > theirs] == [], longer


@pytest.mark.parametrize('name', sorted(PLATFORM_LINES))
def test_a_platform_example_translated_runs_twice_then_its_deletes_twice(testbed, playbook, tmp_path, name):
    testbed.resource_settings(provision_after_gets=0)
    PRESUMED[name](testbed)
    source = tmp_path / 'source'
    source.mkdir()
    shutil.copy(str(TRANSLATIONS / (name + '.yml')), str(source / 'playbook.yml'))
    shutil.copy(str(TRANSLATIONS / 'services.csv'), str(source / 'services.csv'))
    (source / 'downloaded_network.yml').write_text(DOWNLOAD % {'group': one(testbed, 'networks', NET)['networkGroupId']})
    extra = credential_vars(testbed)
    args = ['-e', 'nf_download=downloaded_network.yml'] if name == 'network_from_download' else []
    first = playbook(None, extra_vars=extra, source=source, args=args)
    writes = len([e for e in entries(testbed) if e[0] in WRITES])
    assert (recap(first) > 0) == (name != 'netfoundry_info'), first.stdout
    assert (writes > 0) == (name != 'netfoundry_info')
    second = playbook(None, extra_vars=extra, source=source, args=args)
    assert recap(second) == 0, second.stdout
    assert len([e for e in entries(testbed) if e[0] in WRITES]) == writes
    runs = [first, second]
    if 'delete' in (source / 'playbook.yml').read_text():
        deleted = playbook(None, extra_vars=extra, source=source, args=['--tags', 'delete'])
        assert recap(deleted) > 0, deleted.stdout
        again = playbook(None, extra_vars=extra, source=source, args=['--tags', 'delete'])
        assert recap(again) == 0, again.stdout
        runs += [deleted, again]
    for run in runs:
        assert_clean(run)
