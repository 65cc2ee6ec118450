# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Network as code from what exists: a live network exported to the vars of the playbook
netfoundry.api.network_as_code (nf_network, nf_network_spec, nf_resources), and NF Console's network download (the
YAML its list of networks gives, which netfoundry.platform's network_from_download reads) turned into the same vars.

The vars hold what nf_resource manages of each resource (the type table's MANAGED and FROZEN properties, and what a
hosted router's place is), never an id, a server key or a one-time credential: an edge router a service's model names
by id is named by edgeRouterName, a network group by its name, a data center by its location code. Applying the vars
to an empty network makes the same resources; applying them again changes nothing; with --check --diff they show
how the live network drifted from them."""

from __future__ import annotations

import os

import yaml

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._options import EXPORT_TYPES
from ansible_collections.netfoundry.api.plugins.plugin_utils._download import made_by_netfoundry, skip
from ansible_collections.netfoundry.api.plugins.plugin_utils._names import ROLE_TYPES, fold
from ansible_collections.netfoundry.api.plugins.plugin_utils._placement import Placement
from ansible_collections.netfoundry.api.plugins.plugin_utils._resources import Resources, network_id, write_private
from ansible_collections.netfoundry.api.plugins.plugin_utils._types import FROZEN, MANAGED, SECRET_KEYS, TYPES
from ansible_collections.netfoundry.api.plugins.plugin_utils._unsafe import has_template

# The order network_as_code applies them in: what a resource names (an endpoint in a service's bind attributes, a
# router in a service's model) comes before it; policies last.
ORDER = EXPORT_TYPES
NETWORK_PROPERTIES = ('size', 'productVersion', 'o365BreakoutCategory', 'locationCode')


def hosted(router):
    """A router NetFoundry hosts (NetFoundry's SDK: a provider that is not CUSTOMER)."""
    return str(router.get('provider') or '').upper() not in ('', 'CUSTOMER')


def _spec(kind, resource):
    """What nf_resource manages of a resource, as the API gives it (None values and secrets left out)."""
    if kind.open:
        return dict((key, value) for key, value in resource.items() if key not in kind.server and key != 'name'
                    and key not in SECRET_KEYS and value is not None)
    return dict((key, resource[key]) for key in kind.properties if kind.properties[key] in (MANAGED, FROZEN)
                and resource.get(key) is not None)


class Exporter:
    """One network's resources read once each type, turned into network_as_code's vars."""

    def __init__(self, resources, client, api_url):
        self.resources = resources  # rtype -> Resources engine (plugin_utils/_resources.Resources)
        self.placement = Placement(client, api_url)
        self.skipped = []

    def network_spec(self, network):
        """The network's place and size: its network group by name, its location code (GET by id shows it)."""
        spec = dict((key, network[key]) for key in NETWORK_PROPERTIES if network.get(key) is not None)
        group = [item for item in self.placement.groups() if item.get('id') == network.get('networkGroupId')]
        if group and group[0].get('name'):
            spec['networkGroupId'] = group[0]['name']
        elif network.get('networkGroupId'):
            spec['networkGroupId'] = network['networkGroupId']
        return spec

    def data_centers(self):
        return dict((center.get('id'), center) for center in self.placement.data_centers() if center.get('id'))

    def export(self, network, types):
        """(vars, skipped) of the network (its GET by id answer)."""
        found = dict((rtype, [item for item in self.resources[rtype].list(network['id'])
                              if isinstance(item.get('name'), str)]) for rtype in types)
        routers = found.get('edge-routers')
        if routers is None and 'services' in types:
            routers = self.resources['edge-routers'].list(network['id'])
        router_names = dict((item.get('id'), item.get('name')) for item in routers or [])
        tunnelers = set(fold(item.get('name')) for item in routers or [] if item.get('tunnelerEnabled'))
        out = []
        for rtype in ORDER:
            for item in sorted(found.get(rtype, ()), key=lambda res: fold(res['name'])):
                entry = self.entry(rtype, item, router_names, tunnelers)
                if entry is not None:
                    out.append(entry)
        return dict(nf_network=network.get('name'), nf_network_spec=self.network_spec(network),
                    nf_resources=self.applicable(out))

    def applicable(self, entries):
        """The entries whose @name mentions name a resource the export holds (applying the file checks them, as
        nf_resource does): one that names a resource left out, or nothing, is left out too, saying which."""
        held: dict[str, set[str]] = dict((rtype, set()) for rtype in ROLE_TYPES.values())
        for entry in entries:
            held.setdefault(entry['type'], set()).add(fold(entry['name']))
        kept = []
        for entry in entries:
            spec = entry['spec']
            model = spec.get('model') if isinstance(spec.get('model'), dict) else {}
            missing = ['@%s' % item[1:] for prop, values in list(spec.items()) + list(model.items())
                       if prop in ROLE_TYPES and isinstance(values, list)
                       for item in values if isinstance(item, str) and item.startswith('@')
                       and fold(item[1:]) not in held[ROLE_TYPES[prop]]]
            if missing:
                skip(self.skipped, entry['type'], entry['name'], 'it names %s, which the export does not hold (left '
                     'out above, or not in the network)' % ', '.join(missing[:5]))
                held.get(entry['type'], set()).discard(fold(entry['name']))
                continue
            kept.append(entry)
        return kept

    def entry(self, rtype, item, router_names, tunnelers):
        name = item['name']
        kind = TYPES[rtype]
        reason = made_by_netfoundry(rtype, name, tunnelers)
        if reason:
            return skip(self.skipped, rtype, name, reason)
        spec = _spec(kind, item)
        if rtype == 'edge-routers' and hosted(item):
            center = self.data_centers().get(item.get('dataCenterId')) or {}
            if not center.get('locationCode'):
                reason = 'a hosted router (provider %s) whose data center %s the API does not list' % (
                    item.get('provider'), item.get('dataCenterId'))
                return skip(self.skipped, rtype, name, reason)
            spec.update(provider=item['provider'], locationCode=center['locationCode'])
        if rtype == 'services':
            if not item.get('modelType'):
                reason = 'a service of configs (no modelType): manage it and its configs with nf_resource (see the ' \
                    'filter nf_services)'
                return skip(self.skipped, rtype, name, reason)
            problem = _name_routers(spec, router_names)
            if problem:
                return skip(self.skipped, rtype, name, problem)
        return dict(type=rtype, name=name, spec=spec)


def _name_routers(spec, router_names):
    """A service model's edgeRouterHosts[].edgeRouterId -> edgeRouterName (ids differ on another network)."""
    model = spec.get('model')
    hosts = model.get('edgeRouterHosts') if isinstance(model, dict) else None
    if not isinstance(hosts, list):
        return None
    named = []
    for host in hosts:
        if isinstance(host, dict) and 'edgeRouterId' in host:
            name = router_names.get(host['edgeRouterId'])
            if name is None:
                return 'its model names edge router %s, which is not in the network' % host['edgeRouterId']
            host = dict((('edgeRouterName', name) if key == 'edgeRouterId' else (key, value))
                        for key, value in host.items())
        named.append(host)
    spec['model'] = dict(model, edgeRouterHosts=named)
    return None


class _VarsDumper(yaml.SafeDumper):
    """YAML of the vars file: text that Jinja would read as a template is written !unsafe, so that applying the file
    (-e @file, vars_files) gives the name as it is and runs nothing."""


def _text(dumper, value):
    if has_template(value):
        return dumper.represent_scalar('!unsafe', value, style='"')
    return dumper.represent_str(value)


_VarsDumper.add_representer(str, _text)
VARS_KEYS = ('nf_network', 'nf_network_spec', 'nf_resources')


def vars_text(found):
    """The vars file's text: a header, then nf_network, nf_network_spec and nf_resources, in that order."""
    body = yaml.dump(dict((key, found[key]) for key in VARS_KEYS), Dumper=_VarsDumper, sort_keys=False,
                     default_flow_style=False, allow_unicode=True, width=120, indent=2)
    name = ' '.join(str(found['nf_network']).split())[:80]
    return ('---\n# The network %s as code (netfoundry.api.nf_export). Apply it with\n'
            '#   ansible-playbook netfoundry.api.network_as_code -e @<this file>\n' % name) + body


def write_vars(dest, found, check_mode):
    """Write the vars file (0600, atomically; a relative dest is from the current directory); (path, changed)."""
    path = os.path.abspath(os.path.expanduser(dest))
    if os.path.isdir(path):
        raise NFError('option dest %s is a folder: give the path of the file to write' % path)
    if not os.path.isdir(os.path.dirname(path)):
        raise NFError('the folder of option dest (%s) does not exist: make it first' % os.path.dirname(path))
    return path, write_private(path, vars_text(found), check_mode)


def export_network(client, api_url, network, types):
    """The work of nf_export: (vars, skipped) of the network named (or with the id) network."""
    net = network_id(client, api_url, network)
    live = Resources(client, api_url, 'networks').get(net) if net is not None else None
    if live is None:
        raise NFError('network %r does not exist: check the name (nf_resource_info type networks lists them)'
                      % network)
    engines = dict((rtype, Resources(client, api_url, rtype)) for rtype in set(types) | {'edge-routers'})
    exporter = Exporter(engines, client, api_url)
    return exporter.export(live, [rtype for rtype in ORDER if rtype in types]), exporter.skipped
