#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: nf_resource_info
short_description: Find NetFoundry resources (networks, endpoints, edge routers, services, policies...)
version_added: 3.0.0
description:
  - Lists the resources of one O(type) (every page), within a O(network) when given, optionally only the one named
    O(name) (case-insensitively) or with O(id), those with every attribute in O(attributes), or those the API's own
    filters in O(query) select.
  - Read-only; runs in check mode too. The token comes from the same place as for M(netfoundry.api.nf_request) and
    is never in the result or the output.
  - One-time enrollment JWTs and registration keys are replaced by C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER) unless
    O(return_enrollment_secrets=true).
options:
  network:
    description:
      - The name or id of the network to look in (not for C(networks)). When not given, the API lists the type
        across every network the account sees. A network name that does not exist fails the task.
    type: str
  name:
    description:
      - Only the resource with this name (compared case-insensitively, as NetFoundry's SDK does).
    type: str
  id:
    description:
      - Only the resource with this id (an empty list when there is none).
    type: str
  query:
    description:
      - "Filters of the API's list that have no option here (NetFoundry's SDK sends them): C(status) for
        C(networks) and C(edge-routers) (for example C({\"status\": \"PROVISIONED\"})), C(typeId) for C(endpoints),
        C(findByNetworkGroupId) for C(networks). Any other key fails the task (the API would ignore it and return
        everything)."
    type: dict
  names:
    description:
      - Only the resources with these names (compared case-insensitively); a name that names none fails the task.
    type: list
    elements: str
  until_provisioned:
    description:
      - "Wait until every resource found that has a status (networks and edge routers) is C(PROVISIONED), reading the
        list again with a backoff from 0.5 to 10 seconds, within O(wait_timeout). A status C(ERROR) or C(SUSPENDED)
        fails the task, naming the resources. With M(netfoundry.api.nf_resource) and O(netfoundry.api.nf_resource#module:wait=false),
        this makes several networks or routers in parallel: create them all without waiting, then wait for all of
        them in one task (about as long as the slowest, not the sum)."
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds O(until_provisioned) waits at most (up to a day).
    type: int
    default: 600
  attributes:
    description:
      - Only the resources whose C(attributes) hold every one of these (for example C(["#workstations"])); for the
        types with attributes (C(endpoints), C(edge-routers), C(services) and the types never recorded). The API has
        no such filter, so the list is read whole and filtered here.
    type: list
    elements: str
  return_enrollment_secrets:
    description:
      - Return endpoints' enrollment JWTs and edge routers' registration keys as the API gives them. Use C(no_log)
        on the task.
    type: bool
    default: false
extends_documentation_fragment:
  - netfoundry.api.token
  - netfoundry.api.action
  - netfoundry.api.action.session
  - netfoundry.api.action.resource_type
seealso:
  - module: netfoundry.api.nf_resource
requirements:
  - requests (on the controller)
'''

EXAMPLES = r'''
- name: Every endpoint of a network
  netfoundry.api.nf_resource_info:
    type: endpoints
    network: lab-network
  register: endpoints

- name: Their names
  ansible.builtin.debug:
    msg: "{{ endpoints.resources | map(attribute='name') | list }}"

- name: Is there a network named lab-network?
  netfoundry.api.nf_resource_info:
    type: networks
    name: lab-network
  register: lab

- name: Say so
  ansible.builtin.debug:
    msg: "lab-network {{ 'exists' if lab.count else 'does not exist' }}"

- name: Five edge routers NetFoundry hosts, made side by side
  netfoundry.api.nf_resource:
    type: edge-routers
    network: lab-network
    name: "hosted-{{ item }}"
    spec: {provider: AWS, locationCode: "{{ item }}"}
    wait: false
  loop: [us-east-1, us-east-2, us-west-2, eu-west-1, ap-south-1]

- name: Wait for all five at once
  netfoundry.api.nf_resource_info:
    type: edge-routers
    network: lab-network
    names: [hosted-us-east-1, hosted-us-east-2, hosted-us-west-2, hosted-eu-west-1, hosted-ap-south-1]
    until_provisioned: true
    wait_timeout: 1800

- name: The workstations among the endpoints of lab-network
  netfoundry.api.nf_resource_info:
    type: endpoints
    network: lab-network
    attributes: ["#workstations"]
  register: workstations
'''

RETURN = r'''
resources:
  description: The resources found, as the API gives them (secrets hidden unless O(return_enrollment_secrets=true)).
  returned: success
  type: list
  elements: dict
  sample: [{"id": "5b2a8f4e-0c1d-4e55-9d4b-3f0a2b1c9d8e", "name": "laptop-01", "attributes": ["#workstations"]}]
count:
  description: How many resources were found.
  returned: success
  type: int
  sample: 1
'''
