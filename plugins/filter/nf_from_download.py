# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_from_download: NF Console's network download as network-as-code vars (the work is
plugin_utils/_download.py)."""

DOCUMENTATION = r'''
name: nf_from_download
short_description: NF Console's network download as the vars of the network_as_code playbook
version_added: 3.2.0
description:
  - Turns the YAML NF Console gives for a network (Networks, the network's menu, Download) into the vars the playbook
    C(netfoundry.api.network_as_code) applies, C(nf_network), C(nf_network_spec) and C(nf_resources), plus
    C(left_out), the items left out and why. The playbook does this itself when given C(nf_download), the path of
    the file.
  - "Each list of the download becomes items of its type, in the order they can be applied: C(postureChecks),
    C(edgeRouters), C(endpoints), C(services), C(edgeRouterPolicies), C(servicePolicies),
    C(serviceEdgeRouterPolicies), C(appWans)."
  - "A few fixes happen on the way. A hosted router's C(datacenter) becomes its C(locationCode). An endpoint's
    C(enrollmentMethod) keeps only the method used (the download lists the others as null). An AppWAN drops the
    C(type) and C(semantic) a service policy would have. A service's C(edgeRouterName) stays a name:
    M(netfoundry.api.nf_resource) turns it into the router's id when it sends the service."
  - Left out, and listed in C(left_out) with the reason, as NetFoundry makes them itself. The endpoint of a
    tunneler-enabled edge router, which the download lists among the endpoints under the router's name. Policies
    whose names end in C(-system). Certificate authorities, whose certificate must be verified; make those with
    M(netfoundry.api.nf_resource).
  - "NetFoundry's C(netfoundry.platform) collection reads the same file with its role C(network_from_download). On
    its own sample file that role stops at the network: it reads the network's place from C(region), which the
    download does not have. Past that, it would make the router's endpoint a second time, and it reads a service's
    C(encryptionRequired) from the service's model, where the download does not put it."
  - This is a filter, which sends nothing. A download it cannot read fails the template with one line naming what
    is wrong.
positional: _input
options:
  _input:
    description:
      - The download, read as YAML (for example C(lookup('ansible.builtin.file', 'network.yml') | from_yaml)), or the
        path of the file (a relative path is from the current directory, where C(ansible-playbook) runs).
    type: raw
    required: true
  network:
    description:
      - The name of the network to apply it to, instead of the download's C(name).
    type: str
  network_group:
    description:
      - The network group (a name or an id) instead of the download's C(networkGroupId), for a download from another
        organization.
    type: str
seealso:
  - module: netfoundry.api.nf_resource
  - module: netfoundry.api.nf_export
author:
  - NetFoundry API collection contributors (@netfoundry)
'''

EXAMPLES = r'''
- name: The network NF Console's download describes, as network-as-code vars
  ansible.builtin.set_fact:
    downloaded: "{{ 'acme-network.yml' | netfoundry.api.nf_from_download }}"

- name: The network
  netfoundry.api.nf_resource:
    type: networks
    name: "{{ downloaded.nf_network }}"
    spec: "{{ downloaded.nf_network_spec }}"
    wait_timeout: 1800

- name: Its resources, made
  netfoundry.api.nf_resource:
    type: "{{ item.type }}"
    network: "{{ downloaded.nf_network }}"
    name: "{{ item.name }}"
    spec: "{{ item.spec }}"
  loop: "{{ downloaded.nf_resources }}"
  loop_control:
    label: "{{ item.type }} {{ item.name }}"
'''

RETURN = r'''
_value:
  description:
    - "C(nf_network) (the network's name), C(nf_network_spec) (its place, size and version, a C(spec) for type
      C(networks)), C(nf_resources) (items with C(type), C(name) and C(spec)) and C(left_out) (items with C(type),
      C(name) and C(reason))."
  type: dict
'''

import os

from ansible.errors import AnsibleFilterError
from jinja2 import Undefined

from ansible_collections.netfoundry.api.plugins.module_utils._options import plain
from ansible_collections.netfoundry.api.plugins.plugin_utils._download import from_download
from ansible_collections.netfoundry.api.plugins.plugin_utils._unsafe import untemplated

MAX_BYTES = 16 * 1024 * 1024  # a download larger than this is not one NF Console gave


def _read(path):
    import yaml
    try:
        with open(os.path.expanduser(path), 'rb') as handle:
            return yaml.safe_load(handle.read(MAX_BYTES + 1)[:MAX_BYTES])
    except OSError as exc:
        raise ValueError('cannot read the network download %s (%s): give the path of the file NF Console gave' % (
            path, exc.strerror))
    except yaml.YAMLError as exc:
        raise ValueError('the network download %s is not YAML (%s)' % (path, ' '.join(str(exc).split())[:200]))


def nf_from_download(download, network=None, network_group=None):
    if isinstance(download, Undefined):
        return download  # an undefined variable stays undefined (its own error, or a linter's dry template)
    try:
        download = plain(download)
        if isinstance(download, str):
            download = _read(download)
        found, skipped = from_download(download, network_group=network_group, network=network)
    except ValueError as exc:
        raise AnsibleFilterError('netfoundry.api.nf_from_download: %s' % exc)
    return untemplated(dict(found, left_out=skipped))


class FilterModule:
    """NF Console's network download as network-as-code vars."""

    def filters(self):
        return {'nf_from_download': nf_from_download}
