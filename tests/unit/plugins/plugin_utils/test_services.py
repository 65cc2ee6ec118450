# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filter nf_services against NetFoundry's SDK itself (the netfoundry package, 5.11.3, a test-only dependency):
for each definition of a table, what nf_resource would POST (the filter's spec, its names resolved as nf_resource
resolves them, the create body) equals the body the SDK's create_service_simple, create_service_advanced and
create_service_transparent build, with the SDK's own name look-ups answered from the same resources."""

import logging

import pytest

import netfoundry.network as sdk

from ansible_collections.netfoundry.api.plugins.plugin_utils._names import Names
from ansible_collections.netfoundry.api.plugins.plugin_utils._resources import Resources
from ansible_collections.netfoundry.api.plugins.plugin_utils._services import ServiceError, service_items

NET = '00000000-0000-4000-8000-000000000001'
EXIT1 = '11111111-1111-4111-8111-000000000001'
EXIT2 = '11111111-1111-4111-8111-000000000002'
OHIO = '22222222-2222-4222-8222-000000000001'
VIRGINIA = '22222222-2222-4222-8222-000000000002'
# The network's resources, as the API names them: what both the SDK's look-ups and nf_resource's find.
RESOURCES = {
    'endpoints': [{'id': EXIT1, 'name': 'Exit1'}, {'id': EXIT2, 'name': 'Exit-Two'}],
    'edge-routers': [{'id': OHIO, 'name': 'Ohio [Americas]'}, {'id': VIRGINIA, 'name': 'virginia'}],
    'services': [],
    'posture-checks': [],
}

TABLE = [
    # (the filter's definition, the SDK's call and its keyword arguments)
    ({'name': 'sdk-hosted', 'client_host_name': 'app.lab', 'client_port': 443},
     ('create_service_simple', dict(client_host_name='app.lab', client_port=443))),
    ({'name': 'sdk-hosted-bound', 'client_host_name': 'app.lab', 'client_port': 443, 'endpoints': ['#apps'],
      'attributes': ['#web']},
     ('create_service_simple', dict(client_host_name='app.lab', client_port=443, endpoints=['#apps'],
                                    attributes=['#web']))),
    ({'name': 'by-endpoint-name', 'client_host_name': 'wiki.lab', 'client_port': 80, 'server_host_name': '127.0.0.1',
      'endpoints': ['Exit1']},
     ('create_service_simple', dict(client_host_name='wiki.lab', client_port=80, server_host_name='127.0.0.1',
                                    endpoints=['Exit1']))),
    ({'name': 'by-endpoint-id', 'client_host_name': 'wiki.lab', 'client_port': 80, 'server_host_name': 'wiki',
      'server_port': 8080, 'endpoints': [EXIT2]},
     ('create_service_simple', dict(client_host_name='wiki.lab', client_port=80, server_host_name='wiki',
                                    server_port=8080, endpoints=[EXIT2]))),
    ({'name': 'mixed-hosts', 'client_host_name': '10.1.2.3', 'client_port': 22, 'server_host_name': '10.1.2.3',
      'endpoints': ['#ssh-hosts', '@Exit1', 'exit-two']},
     ('create_service_simple', dict(client_host_name='10.1.2.3', client_port=22, server_host_name='10.1.2.3',
                                    endpoints=['#ssh-hosts', '@Exit1', 'exit-two']))),
    ({'name': 'by-router-name', 'client_host_name': 'echo.lab', 'client_port': 53, 'server_host_name': '8.8.8.8',
      'server_port': 53, 'server_protocol': 'UDP', 'egress_router': 'Ohio [Americas]'},
     ('create_service_simple', dict(client_host_name='echo.lab', client_port=53, server_host_name='8.8.8.8',
                                    server_port=53, server_protocol='UDP', egress_router_id='Ohio [Americas]'))),
    ({'name': 'by-router-id', 'client_host_name': 'echo.lab', 'client_port': 80, 'server_host_name': 'eth0.me',
      'egress_router': VIRGINIA, 'attributes': ['#welcomeWagon']},
     ('create_service_simple', dict(client_host_name='echo.lab', client_port=80, server_host_name='eth0.me',
                                    egress_router_id=VIRGINIA, attributes=['#welcomeWagon']))),
    ({'name': 'own-routers', 'client_host_name': 'db.lab', 'client_port': 5432, 'server_host_name': 'db',
      'endpoints': ['Exit1'], 'edge_router_attributes': ['#edge'], 'encryption_required': False},
     ('create_service_simple', dict(client_host_name='db.lab', client_port=5432, server_host_name='db',
                                    endpoints=['Exit1'], edge_router_attributes=['#edge'], encryption_required=False))),
    ({'name': 'advanced-one-server', 'client_hosts': ['intranet.lab'], 'client_ports': [443], 'server_hosts': ['web'],
      'server_ports': ['8443'], 'server_protocols': ['tcp'], 'endpoints': ['Exit1']},
     ('create_service_advanced', dict(client_hosts=['intranet.lab'], client_ports=[443], server_hosts=['web'],
                                      server_ports=['8443'], server_protocols=['tcp'], endpoints=['Exit1']))),
    ({'name': 'advanced-forwarding', 'client_hosts': ['10.0.0.0/24', 'files.lab'],
      'client_ports': [80, '8000:8002', '8443-8444'], 'client_protocols': ['TCP', 'udp'], 'endpoints': ['#gateways']},
     ('create_service_advanced', dict(client_hosts=['10.0.0.0/24', 'files.lab'], client_ports=[80, '8000:8002',
                                                                                               '8443-8444'],
                                      client_protocols=['TCP', 'udp'], endpoints=['#gateways']))),
    ({'name': 'advanced-ranges', 'client_hosts': ['vnc.lab'], 'client_ports': ['5900:5919'],
      'server_ports': ['5900:5919', 5999], 'server_protocols': ['udp'], 'server_hosts': ['a', 'b'],
      'endpoints': [EXIT1, 'Exit-Two'], 'edge_router_attributes': ['#vnc-routers'], 'attributes': ['#desktops']},
     ('create_service_advanced', dict(client_hosts=['vnc.lab'], client_ports=['5900:5919'],
                                      server_ports=['5900:5919', 5999], server_protocols=['udp'], server_hosts=['a', 'b'],
                                      endpoints=[EXIT1, 'Exit-Two'], edge_router_attributes=['#vnc-routers'],
                                      attributes=['#desktops']))),
    ({'name': 'advanced-no-encryption', 'client_hosts': ['x.lab'], 'client_ports': ['1000-1010'],
      'endpoints': ['@Exit1'], 'encryption_required': False},
     ('create_service_advanced', dict(client_hosts=['x.lab'], client_ports=['1000-1010'], endpoints=['@Exit1'],
                                      encryption_required=False))),
    ({'name': 'transparent', 'client_hosts': ['10.8.0.0/24'], 'client_ports': [22, '443'],
      'transparent_hosts': ['10.8.0.0/24'], 'endpoints': ['#lab-gateways']},
     ('create_service_transparent', dict(client_hosts=['10.8.0.0/24'], client_ports=[22, '443'],
                                         transparent_hosts=['10.8.0.0/24'], endpoints=['#lab-gateways']))),
    ({'name': 'transparent-named', 'client_hosts': ['192.168.1.10'], 'client_ports': ['1-1024'],
      'transparent_hosts': ['192.168.1.0/24'], 'client_protocols': ['udp', 'tcp'], 'endpoints': ['Exit1', EXIT2],
      'edge_routers': ['virginia', '#edge'], 'attributes': ['#t']},
     ('create_service_transparent', dict(client_hosts=['192.168.1.10'], client_ports=['1-1024'],
                                         transparent_hosts=['192.168.1.0/24'], client_protocols=['udp', 'tcp'],
                                         endpoints=['Exit1', EXIT2], edge_routers=['virginia', '#edge'],
                                         attributes=['#t']))),
]


class _Listing:
    """A Resources stand-in for Names: the network's resources of one type."""

    def __init__(self, rtype, extra):
        self.rtype = rtype
        self.extra = extra

    def list(self, _network):
        return RESOURCES[self.rtype] + self.extra.get(self.rtype, [])


def sdk_bodies(call, kwargs, name, monkeypatch):
    """The bodies the SDK sends for one call: its POSTs captured, its look-ups answered from RESOURCES."""
    sent = []
    monkeypatch.setattr(sdk, 'create_generic_resource', lambda setup, url, body, **_ignored: sent.append(body) or body)
    network = sdk.Network.__new__(sdk.Network)
    network.id, network.audience, network.token, network.proxies, network.verify = (
        NET, 'https://gateway.production.netfoundry.io/', 'token', {}, True)
    network.logger = logging.getLogger('netfoundry-sdk')
    known = dict(RESOURCES, services=[{'id': 'svc', 'name': name}])

    def get_resources(type, name=None, **_ignored):  # pylint: disable=redefined-builtin
        plural = type if type.endswith('s') else type + 's'
        return [item for item in known[plural] if name is None or item['name'].lower() == name.lower()]

    def get_resource(type, id):  # pylint: disable=redefined-builtin
        plural = type if type.endswith('s') else type + 's'
        return [item for item in known[plural] if item['id'] == id][0]
    network.get_resources, network.get_resource = get_resources, get_resource
    dry = {'dry_run': True} if call != 'create_service_simple' else {}
    returned = getattr(network, call)(name=name, **kwargs, **dry)
    if call == 'create_service_transparent':
        return [returned['service'], returned['service_policy'], returned['service_edge_router_policy']]
    return sent or [returned]


def our_bodies(definition, extra=None):
    """What nf_resource would POST for each item of the filter: the spec's names resolved, then the create body."""
    bodies = []
    for item in service_items(definition):
        names = Names(lambda rtype: _Listing(rtype, extra or {}), 'https://api/', NET)
        spec = names.resolve(item['type'], item['spec'])
        bodies.append(Resources(None, 'https://api/', item['type']).create_body(NET, item['name'], spec))
    return bodies


@pytest.mark.parametrize('definition, call', TABLE, ids=[definition['name'] for definition, _call in TABLE])
def test_the_bodies_are_the_sdks(definition, call, monkeypatch):
    expected = sdk_bodies(call[0], call[1], definition['name'], monkeypatch)
    extra = {'services': [{'id': 'svc', 'name': definition['name']}]}
    assert our_bodies(definition, extra) == expected


def test_the_table_covers_what_the_issue_asks():
    kinds = [call for _definition, (call, _kwargs) in TABLE]
    assert len(TABLE) >= 12 and set(kinds) == {'create_service_simple', 'create_service_advanced',
                                               'create_service_transparent'}


def test_a_transparent_service_is_deleted_policies_first():
    items = service_items({'name': 't', 'client_hosts': ['h'], 'client_ports': [1], 'transparent_hosts': ['h'],
                           'state': 'absent'})
    assert [(item['type'], item['name'], item['state'], 'spec' in item) for item in items] == [
        ('service-edge-router-policies', 't-ServiceEdgeRouterPolicy', 'absent', False),
        ('service-policies', 't-BindServicePolicy', 'absent', False), ('services', 't', 'absent', False)]


@pytest.mark.parametrize('definition, message', [
    ({'name': 'x', 'client_host_name': 'a', 'client_port': 80, 'server_host_name': 'b'},
     "service 'x': a service with server_host_name is hosted by endpoints or by egress_router: give one of them"),
    ({'name': 'x', 'client_host_name': 'a', 'client_port': 80, 'server_host': 'b'},
     "service 'x': server_host is not a parameter of a simple service (did you mean server_host_name?)"),
    ({'name': 'x', 'client_hosts': ['a'], 'client_ports': ['90:80']},
     "service 'x': client_ports holds '90:80': the low port is above the high one"),
    ({'name': 'x', 'client_hosts': ['a'], 'client_ports': ['eighty']},
     "service 'x': client_ports holds 'eighty': give a port or a low:high range"),
    ({'name': 'x', 'client_host_name': 'a', 'client_port': 80, 'server_protocol': 'sctp', 'server_host_name': 'b',
      'endpoints': ['e']}, "service 'x': server_protocol holds 'sctp': the protocols are tcp and udp"),
    ({'name': 'x', 'client_host_name': 'a', 'client_port': 80, 'attributes': ['web']},
     "service 'x': attributes holds 'web': a service's own attributes start with #"),
    ({'client_host_name': 'a', 'client_port': 80}, 'service 1: a simple service needs name'),
    ({'name': 'x', 'clientHostName': 'a', 'client_port': 80},
     "service 'x': clientHostName is not a parameter of a simple service (did you mean client_host_name?)"),
    ({'name': 'x', 'kind': 'fancy'}, "kind must be one of simple, advanced, transparent, got 'fancy'"),
    # An outsider's list: values out of range or of the wrong type, and what was dropped without a word.
    ({'name': 'x', 'client_host_name': 'a', 'client_port': 70000},
     "service 'x': client_port must be a port number (1 to 65535), got 70000"),
    ({'name': 'x', 'client_host_name': 'a', 'client_port': 0}, "service 'x': client_port must be a port number (1 to"),
    ({'name': 'x', 'client_hosts': ['a'], 'client_ports': ['0:65536']},
     "service 'x': client_ports holds '0:65536': ports are 1 to 65535"),
    ({'name': 'x', 'client_host_name': 'a', 'client_port': 80, 'server_host_name': 'b', 'server_port': 99999,
      'endpoints': ['e']}, "service 'x': server_port must be a port number (1 to 65535), got 99999"),
    ({'name': 'x', 'client_host_name': ['a'], 'client_port': 80}, "service 'x': client_host_name must be text, got list"),
    ({'name': 'x', 'client_host_name': 'a', 'client_port': 80, 'server_host_name': 'b', 'egress_router': ['r']},
     "service 'x': egress_router must be text, got list"),
    ({'name': 'x', 'client_host_name': 'a', 'client_port': 80, 'endpoints': [{'a': 1}]},
     "service 'x': endpoints holds dict {'a': 1}: give text"),
    ({'name': 'x', 'client_host_name': 'a', 'client_port': 80, 'encryption_required': 'maybe'},
     "service 'x': encryption_required must be true or false, got str 'maybe'"),
    ({'name': 'x', 'client_host_name': 'a', 'client_port': 80, 'server_protocol': 'icmp'},
     "service 'x': server_protocol needs server_host_name"),
    ({'name': 'x', 'client_host_name': 'a', 'client_port': 80, 'server_port': 81},
     "service 'x': server_port needs server_host_name"),
    ([{'name': 'dup', 'client_host_name': 'a', 'client_port': 80},
      {'name': 'DUP', 'client_host_name': 'a', 'client_port': 80}], "service 'DUP': service 1 has the same name"),
])
def test_a_definition_that_makes_no_body_is_one_line(definition, message):
    with pytest.raises(ServiceError) as error:
        service_items(definition)
    assert str(error.value).startswith(message), str(error.value)


def test_ports_given_as_text_become_numbers():
    """Platform's playbooks pass "{{ item|int }}" and CSV text; the API answers a port as a number (recorded)."""
    [item] = service_items({'name': 'p', 'client_host_name': 'a', 'client_port': '5900', 'server_host_name': 'b',
                            'server_port': '5901', 'endpoints': ['#h']})
    assert (item['spec']['model']['clientIngress']['port'], item['spec']['model']['serverEgress']['port']) == (5900, 5901)


def test_encryption_required_reads_as_ansible_reads_a_boolean():
    """From a CSV or -e it is text: "false" and "no" are false (they made encryptionRequired true)."""
    for value, expected in (('false', False), ('no', False), (0, False), ('yes', True), (True, True)):
        [item] = service_items({'name': 'b', 'client_host_name': 'a', 'client_port': 80, 'encryption_required': value})
        assert item['spec']['encryptionRequired'] is expected, value


def test_a_delete_needs_only_the_name_and_the_kind():
    deletes = [{'name': 'echo', 'state': 'absent'}, {'name': 'subnet', 'kind': 'transparent', 'state': 'absent'}]
    assert service_items(deletes) == [
        {'type': 'services', 'name': 'echo', 'state': 'absent'},
        {'type': 'service-edge-router-policies', 'name': 'subnet-ServiceEdgeRouterPolicy', 'state': 'absent'},
        {'type': 'service-policies', 'name': 'subnet-BindServicePolicy', 'state': 'absent'},
        {'type': 'services', 'name': 'subnet', 'state': 'absent'}]
