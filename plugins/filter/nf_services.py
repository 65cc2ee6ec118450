# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_services: NetFoundry services from simple parameters, as nf_resource items (the work is
plugin_utils/_services.py)."""

DOCUMENTATION = r'''
name: nf_services
short_description: NetFoundry services from simple parameters, as the resources nf_resource makes
version_added: 3.2.0
description:
  - Turns service definitions with a few flat parameters (the host and port clients reach, the server behind it, who
    hosts it) into the resources NetFoundry needs, each an item with C(type), C(name), C(spec) and C(state) for
    M(netfoundry.api.nf_resource) (loop over them, or put them in C(nf_resources) of the C(network_as_code) playbook).
  - The bodies are the ones NetFoundry's SDK builds (python-netfoundry 5.11.3, C(create_service_simple),
    C(create_service_advanced), C(create_service_transparent)), and what NetFoundry's C(netfoundry.platform)
    collection's C(netfoundry_service_simple) and C(netfoundry_service_advanced) modules send.
  - A C(simple) service (the default) intercepts one host and port. With C(server_host_name) it is hosted by
    C(endpoints) (C(TunnelerToEndpoint)) or by an C(egress_router) (C(TunnelerToEdgeRouter)); without it by an
    application with the Ziti SDK (C(TunnelerToSdk)).
  - An C(advanced) service (C(client_hosts) given) intercepts several hosts, ports and port ranges, and forwards them
    to the server host, port and protocol the client asked for, or to the ones given (C(AdvancedTunnelerToEndpoint)).
  - A C(transparent) service (C(transparent_hosts) given) is three resources, as the SDK makes it. The service has
    C(intercept.v1) and C(host.v1) configs that keep the client's source address. A Bind service policy
    C(<name>-BindServicePolicy) lets C(endpoints) host it, and a service edge router policy
    C(<name>-ServiceEdgeRouterPolicy) names its C(edge_routers). With C(state=absent) all three are deleted, the
    policies first.
  - Names need no ids. An C(egress_router) or an endpoint in C(endpoints) may be a name, an C(@name) or an id.
    M(netfoundry.api.nf_resource) resolves them when it sends the service, so C(--check) works on a network still
    being built.
  - This is a filter, which sends nothing. A definition it cannot make a body of fails the template with one line.
positional: _input
options:
  _input:
    description:
      - A service definition (a mapping), or a list of them. Keys, as the SDK names its parameters.
      - "Every kind: C(name) (required), C(kind) (V(simple), V(advanced) or V(transparent); told from the keys when
        left out), C(state) (V(present) or V(absent)), C(attributes) (the service's own C(#attributes), default
        C([])), C(encryption_required) (default V(true))."
      - "C(simple): C(client_host_name) and C(client_port) (required), C(server_host_name), C(server_port) (default
        the client port), C(server_protocol) (V(tcp) or V(udp), default V(tcp)), C(endpoints) or C(egress_router),
        C(edge_router_attributes) (default C([\"#all\"]))."
      - "C(advanced): C(client_hosts) and C(client_ports) (required; ports are numbers or C(\"low:high\") ranges),
        C(client_protocols) (default C([\"tcp\"])), C(server_hosts), C(server_ports), C(server_protocols),
        C(endpoints), C(edge_router_attributes)."
      - "C(transparent): C(client_hosts), C(client_ports) and C(transparent_hosts) (required), C(client_protocols),
        C(endpoints), C(edge_routers) (default C([\"#all\"]))."
    type: raw
    required: true
seealso:
  - module: netfoundry.api.nf_resource
author:
  - NetFoundry API collection contributors (@netfoundry)
'''

EXAMPLES = r'''
- name: Services, from simple parameters
  netfoundry.api.nf_resource:
    type: "{{ item.type }}"
    network: lab-network
    name: "{{ item.name }}"
    spec: "{{ item.spec | default(omit) }}"
    state: "{{ item.state }}"
  loop: "{{ services | netfoundry.api.nf_services }}"
  loop_control:
    label: "{{ item.type }} {{ item.name }}"
  vars:
    services:
      - name: wiki                          # hosted by the endpoint wiki-host, reached as wiki.lab:80
        client_host_name: wiki.lab
        client_port: 80
        server_host_name: 127.0.0.1
        endpoints: [wiki-host]
      - name: echo                          # hosted by an edge router, by its name
        client_host_name: echo.lab
        client_port: 80
        server_host_name: eth0.me
        egress_router: branch-router
      - name: desktops                      # VNC on a range of ports
        client_hosts: [10.0.5.0/24]
        client_ports: ["5900:5919"]
        endpoints: ["#desktop-hosts"]
      - name: lab-subnet                    # transparent: the server sees the client's address
        client_hosts: [10.0.8.0/24]
        client_ports: [22, 443]
        transparent_hosts: [10.0.8.0/24]
        endpoints: ["#lab-gateways"]
'''

RETURN = r'''
_value:
  description:
    - One item per resource, in the order to apply them (a transparent service's policies after it, before it when
      deleted). Each has C(type), C(name), C(state), and C(spec) unless C(state) is V(absent).
  type: list
  elements: dict
'''

from ansible.errors import AnsibleFilterError
from jinja2 import Undefined

from ansible_collections.netfoundry.api.plugins.module_utils._options import plain
from ansible_collections.netfoundry.api.plugins.plugin_utils._services import ServiceError, service_items
from ansible_collections.netfoundry.api.plugins.plugin_utils._unsafe import untemplated


def nf_services(definitions):
    if isinstance(definitions, Undefined):
        return definitions  # an undefined variable stays undefined (its own error, or a linter's dry template)
    try:
        return untemplated(service_items(plain(definitions)))
    except ServiceError as exc:
        raise AnsibleFilterError('netfoundry.api.nf_services: %s' % exc)


class FilterModule:
    """NetFoundry services from simple parameters."""

    def filters(self):
        return {'nf_services': nf_services}
