# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""NF Console's network download (the YAML its list of networks gives for a network, which netfoundry.platform's
network_from_download role reads) as the vars of the playbook netfoundry.api.network_as_code (nf_network,
nf_network_spec, nf_resources); and what the export (plugin_utils/_export.py) leaves out the same way. No request:
the filter nf_from_download runs it while templating."""

from __future__ import annotations

from ansible_collections.netfoundry.api.plugins.plugin_utils._names import fold
from ansible_collections.netfoundry.api.plugins.plugin_utils._types import SECRET_KEYS, TYPES

# Policies NetFoundry makes itself (netfoundry.platform's network_from_download skips the same names).
SYSTEM_SUFFIX = '-system'
POLICY_TYPES = ('edge-router-policies', 'service-edge-router-policies', 'service-policies', 'app-wans')


def _shown(value):
    return '%s %s' % (type(value).__name__, repr(value)[:60])


def skip(skipped, rtype, name, reason):
    skipped.append(dict(type=rtype, name=name, reason=reason))


def made_by_netfoundry(rtype, name, tunnelers):
    """Why a resource is NetFoundry's own and left out of network-as-code vars, or None. tunnelers: the folded names
    of the tunneler-enabled edge routers."""
    if rtype in POLICY_TYPES and name.endswith(SYSTEM_SUFFIX):
        return 'NetFoundry makes it (a name ending in %s)' % SYSTEM_SUFFIX
    if rtype == 'endpoints' and fold(name) in tunnelers:
        return 'the endpoint of the tunneler-enabled edge router of that name, which NetFoundry makes with the router'
    return None


# NF Console's network download (netfoundry.platform's playbooks/downloaded_network.yml shows its format): the keys
# each list holds, as nf_resource's types.
DOWNLOAD_LISTS = (('postureChecks', 'posture-checks'), ('edgeRouters', 'edge-routers'), ('endpoints', 'endpoints'),
                  ('services', 'services'), ('edgeRouterPolicies', 'edge-router-policies'),
                  ('servicePolicies', 'service-policies'),
                  ('serviceEdgeRouterPolicies', 'service-edge-router-policies'), ('appWans', 'app-wans'))
DOWNLOAD_NETWORK = ('name', 'networkGroupId', 'size', 'productVersion', 'o365BreakoutCategory', 'locationCode',
                    'region', 'provider')
DOWNLOAD_IGNORED = ('certificateAuthorities',)


def from_download(download, network_group=None, network=None):
    """NF Console's network download (a dict) -> (network_as_code's vars, skipped); a ValueError names what is wrong."""
    if not isinstance(download, dict):
        raise ValueError('a network download is a dictionary (NF Console: Networks, the menu of a network, Download), '
                         'got %s' % type(download).__name__)
    for option, value in (('network', network), ('network_group', network_group)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError('%s must be a name (text), got %s' % (option, _shown(value)))
    name = network if network is not None else download.get('name')
    if not isinstance(name, str) or not name.strip():
        raise ValueError('the network download has no name: give the network\'s name (network=...)')
    known = set(DOWNLOAD_NETWORK) | set(key for key, _rtype in DOWNLOAD_LISTS) | set(DOWNLOAD_IGNORED)
    unknown = sorted(str(key) for key in download if key not in known)
    if unknown:
        raise ValueError('the network download has keys this filter does not know: %s (it knows %s)' % (
            ', '.join(unknown[:10]), ', '.join(sorted(known))))
    for key in DOWNLOAD_NETWORK:
        if download.get(key) is not None and not isinstance(download[key], str):
            raise ValueError('the network download\'s %s must be text, got %s' % (key, _shown(download[key])))
    spec = dict((key, download[key]) for key in ('size', 'productVersion', 'o365BreakoutCategory', 'locationCode')
                if download.get(key) is not None)
    if 'locationCode' not in spec and download.get('region'):
        spec['locationCode'] = download['region']
    group = network_group if network_group is not None else download.get('networkGroupId')
    if group:
        spec['networkGroupId'] = group
    skipped: list[str] = []
    for key in DOWNLOAD_IGNORED:
        for item in download.get(key) or []:
            skip(skipped, 'certificate-authorities', item.get('name') if isinstance(item, dict) else None,
                 'a certificate authority needs its certificate verified: make it with nf_resource')
    lists = {}
    for key, rtype in DOWNLOAD_LISTS:
        items = download.get(key) or []
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ValueError('the network download\'s %s must be a list of dictionaries' % key)
        for index, item in enumerate(items):
            if not isinstance(item.get('name'), str) or not item['name']:
                raise ValueError('the network download\'s %s[%d] has no name' % (key, index))
        lists[rtype] = items
    tunnelers = set(fold(item['name']) for item in lists['edge-routers'] if item.get('tunnelerEnabled'))
    out = []
    for _key, rtype in DOWNLOAD_LISTS:
        for item in lists[rtype]:
            entry = _downloaded(rtype, dict(item), tunnelers, skipped)
            if entry is not None:
                out.append(entry)
    return dict(nf_network=name, nf_network_spec=spec, nf_resources=out), skipped


def _downloaded(rtype, item, tunnelers, skipped):
    """One item of the download as network_as_code's entry, or None (noted in skipped)."""
    name = item.pop('name')
    kind = TYPES[rtype]
    reason = made_by_netfoundry(rtype, name, tunnelers)
    if reason:
        return skip(skipped, rtype, name, reason)
    for key in ('id', 'networkId', 'zitiId') + tuple(SECRET_KEYS):
        item.pop(key, None)
    if rtype == 'edge-routers' and 'datacenter' in item:
        item['locationCode'] = item.pop('datacenter')  # the download's name for a hosted router's location code
    if rtype == 'endpoints' and isinstance(item.get('enrollmentMethod'), dict):
        # The download lists every method with null for the unused ones; the API takes the one used.
        item['enrollmentMethod'] = dict((key, value) for key, value in item['enrollmentMethod'].items()
                                        if value is not None)
    if rtype == 'app-wans':
        for key in ('type', 'semantic'):  # a service policy's keys the download adds to AppWANs
            item.pop(key, None)
    if not kind.open:
        unknown = sorted(key for key in item if key not in kind.properties)
        if unknown:
            raise ValueError('the network download\'s %s %r has properties nf_resource does not know for %s: %s' % (
                rtype, name, rtype, ', '.join(unknown)))
    return dict(type=rtype, name=name, spec=item)
