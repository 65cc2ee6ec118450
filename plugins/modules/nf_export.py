#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: nf_export
short_description: Export a live NetFoundry network as network-as-code vars
version_added: 3.2.0
description:
  - Reads a network and its resources and returns them as the vars of the playbook C(netfoundry.api.network_as_code)
    (C(nf_network), C(nf_network_spec), C(nf_resources)), and with O(dest) writes them to a vars file. That network
    is then code. The playbook C(netfoundry.api.export_network) does that.
  - Each resource gives what M(netfoundry.api.nf_resource) manages of it (its O(netfoundry.api.nf_resource#module:spec)),
    never an id, a key the API sets, or a one-time credential. Where the API names one resource by its id the export
    names it. A router-hosted service's C(edgeRouterHosts[].edgeRouterId) becomes C(edgeRouterName), the network
    group its name, a hosted router's data center its C(locationCode).
  - "Applying the export to an empty network makes the same resources, and applying it again reports 0 changed.
    Applying it with C(--check --diff) to the network it came from shows how that network drifted since."
  - Left out, and listed in RV(left_out) with the reason, are the policies NetFoundry makes itself (names ending in
    C(-system)), the endpoint NetFoundry makes for a tunneler-enabled edge router, services made of configs (no
    C(modelType)), and hosted routers whose data center the API does not list.
  - Read-only; runs in check mode too.
options:
  network:
    description:
      - The name or id of the network to export.
    type: str
    required: true
  types:
    description:
      - The resource types to export, always listed in this order (what a resource names comes before it).
    type: list
    elements: str
    default: [posture-checks, edge-routers, endpoints, services, service-policies, edge-router-policies,
              service-edge-router-policies, app-wans]
    choices: [posture-checks, edge-routers, endpoints, services, service-policies, edge-router-policies,
              service-edge-router-policies, app-wans]
  dest:
    description:
      - Also write the vars to this file (YAML, mode 0600, atomically; a relative path is from the current directory,
        where C(ansible-playbook) runs). Its folder must exist. The task reports C(changed) when the file changed; in
        check mode nothing is written.
      - Text that Jinja would read as a template (a resource named C({{ x }})) is written as C(!unsafe), so applying
        the file gives the name as it is and runs nothing.
    type: path
extends_documentation_fragment:
  - netfoundry.api.token
  - netfoundry.api.action
  - netfoundry.api.action.session
seealso:
  - module: netfoundry.api.nf_resource
  - module: netfoundry.api.nf_resource_info
requirements:
  - requests (on the controller)
'''

EXAMPLES = r'''
- name: Export lab-network
  netfoundry.api.nf_export:
    network: lab-network
  register: exported

- name: Export lab-network to a vars file network_as_code applies
  netfoundry.api.nf_export:
    network: lab-network
    dest: lab-network.yml

- name: What was left out
  ansible.builtin.debug:
    msg: "{{ exported.left_out }}"
'''

RETURN = r'''
nf_network:
  description: The network's name.
  returned: success
  type: str
  sample: lab-network
nf_network_spec:
  description: The network's place, size and version, as O(netfoundry.api.nf_resource#module:spec) of type C(networks).
  returned: success
  type: dict
  sample: {"size": "medium", "productVersion": "7.3.90", "locationCode": "us-east-1", "networkGroupId": "Acme"}
nf_resources:
  description: The resources, each C(type), C(name) and C(spec), in the order they can be applied.
  returned: success
  type: list
  elements: dict
  sample: [{"type": "endpoints", "name": "laptop-01", "spec": {"attributes": ["#workstations"]}}]
dest:
  description: The vars file's absolute path, when O(dest) is given.
  returned: when O(dest) is given
  type: str
  sample: /home/me/lab-network.yml
left_out:
  description: The resources left out, each C(type), C(name) and C(reason).
  returned: success
  type: list
  elements: dict
  sample: [{"type": "edge-router-policies", "name": "branch-router-system", "reason": "NetFoundry makes it (a name ending in -system)"}]
'''
