# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Names where NetFoundry's API wants ids or @name mentions, as NetFoundry's SDK resolves them.

- A role list (a policy's serviceAttributes, endpointAttributes, edgeRouterAttributes, postureCheckAttributes; a
  service model's bindEndpointAttributes and edgeRouterAttributes) holds #attributes and @name mentions. An id or a
  bare name there becomes the @name of that resource (the SDK's validate_entity_roles), and every @name must name a
  resource that exists (or, in check mode, one an earlier task of the run would create).
- A service model's edgeRouterHosts[].edgeRouterName (NF Console's network download writes it) becomes the
  edgeRouterId the API wants (the SDK's create_service_simple resolves an egress router's name so).

One list of a type per task, kept for the process (a loop's items share it) until a write of that type."""

import json
import os
import re
import unicodedata

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._memo import MEMO

# The type a role list names, by its property.
ROLE_TYPES = {'endpointAttributes': 'endpoints', 'bindEndpointAttributes': 'endpoints',
              'serviceAttributes': 'services', 'edgeRouterAttributes': 'edge-routers',
              'postureCheckAttributes': 'posture-checks'}
NAMES_SPACE = 'names'
PREDICTED_FILE = 'netfoundry-api-predicted.jsonl'


UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')


def fold(name):
    """A name as NetFoundry compares names (the SDK: case-insensitive; casefold + NFKD, so STRASSE is straße)."""
    return unicodedata.normalize('NFKD', name).casefold() if isinstance(name, str) else name


def is_uuid(text):
    return isinstance(text, str) and bool(UUID_RE.match(text))


def _once(items):
    """items without repeats (a name and the id of the same resource are one @name), in their order."""
    seen, out = set(), []
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


class Predicted:
    """The creates that check mode predicted in this run (a file in the run's private local tmp, which every worker of
    one ansible-playbook run shares), so that a later task's mention of one is a predicted create, not a failure."""

    def __init__(self, folder):
        self.path = os.path.join(folder, PREDICTED_FILE) if folder else None

    def add(self, api_url, network, rtype, name):
        if not self.path:
            return
        line = json.dumps(dict(api=api_url, network=network, type=rtype, name=fold(name))) + '\n'
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, 'a') as handle:
                handle.write(line)
        except OSError:
            pass  # a mention of it later is then checked against the API only

    def has(self, api_url, network, rtype, name):
        if not self.path:
            return False
        try:
            with open(self.path) as handle:
                lines = handle.read().splitlines()
        except OSError:
            return False
        wanted = dict(api=api_url, network=network, type=rtype, name=fold(name))
        for line in lines:
            try:
                if json.loads(line) == wanted:
                    return True
            except ValueError:
                continue
        return False


class Names:
    """Resolves the names of one network's resources for one task's spec."""

    def __init__(self, engine_for, api_url, network, check_mode=False, predicted=None, check=True):
        self.engine_for = engine_for  # rtype -> a Resources engine of that type
        self.api_url = api_url
        self.network = network
        self.check_mode = check_mode
        self.predicted = predicted or Predicted(None)
        self.check = check
        self.notes = []  # what check mode could only predict

    def _index(self, rtype):
        """{fold(name): (name, id)} and {id: name} of the type's resources in the network: one list, kept for the
        process until a write of that type (Resources.write forgets them)."""
        key = (self.api_url, self.network, rtype)
        known = MEMO.get(NAMES_SPACE, key)
        if known is None:
            items = self.engine_for(rtype).list(self.network) if self.network else []
            known = (dict((fold(item.get('name')), (item.get('name'), item.get('id'))) for item in items),
                     dict((item.get('id'), item.get('name')) for item in items))
            MEMO.put(NAMES_SPACE, key, known)
        return known

    def _predicted(self, rtype, name):
        return self.check_mode and self.predicted.has(self.api_url, self.network, rtype, name)

    def role(self, item, rtype, where):
        """A role list's item as the API takes it: #attribute as it is, @name checked, an id or a bare name made
        the @name of that resource."""
        if not isinstance(item, str) or item.startswith('#'):
            return item
        by_name, by_id = self._index(rtype)
        if is_uuid(item):
            if item in by_id:
                return '@' + by_id[item]
            raise NFError('%s: %s is no %s id in this network: give its @name, or check the id'
                          % (where, item, rtype[:-1].replace('-', ' ')))
        name = item[1:] if item.startswith('@') else item
        found = by_name.get(fold(name))
        if found is not None:
            return '@' + found[0]
        if self._predicted(rtype, name):
            self.notes.append('@%s (%s): created by an earlier task of this run' % (name, rtype))
            return '@' + name
        if not self.check:
            return '@' + name
        raise NFError('%s: @%s names no %s in this network: create it first (an earlier task), check the name, '
                      'or set check_names: false' % (where, name, rtype[:-1].replace('-', ' ')))

    def id_of(self, rtype, name, where):
        """The id of the resource of rtype named name (for a property that wants an id)."""
        found = self._index(rtype)[0].get(fold(name))
        if found is not None:
            return found[1]
        if self._predicted(rtype, name):
            self.notes.append('%s (%s): created by an earlier task of this run, its id known then' % (name, rtype))
            return '(the id of %s %s, created earlier in this run)' % (rtype[:-1].replace('-', ' '), name)
        raise NFError('%s: %s names no %s in this network: create it first (an earlier task), or check the name'
                      % (where, name, rtype[:-1].replace('-', ' ')))

    def resolve(self, rtype, spec):
        """spec with its role lists and named references as the API takes them (a new dict; spec is left alone)."""
        out = dict(spec)
        for prop, value in spec.items():
            if prop in ROLE_TYPES and isinstance(value, list):
                out[prop] = _once([self.role(item, ROLE_TYPES[prop], 'spec.%s' % prop) for item in value])
        model = spec.get('model')
        if rtype == 'services' and isinstance(model, dict):
            model = dict(model)
            for prop in ('bindEndpointAttributes', 'edgeRouterAttributes'):
                if isinstance(model.get(prop), list):
                    model[prop] = _once([self.role(item, ROLE_TYPES[prop], 'spec.model.%s' % prop)
                                         for item in model[prop]])
            hosts = model.get('edgeRouterHosts')
            if isinstance(hosts, list):
                model['edgeRouterHosts'] = [self._host(host, index) for index, host in enumerate(hosts)]
            out['model'] = model
        return out

    def _host(self, host, index):
        if not isinstance(host, dict) or 'edgeRouterName' not in host:
            return host
        host = dict(host)
        name = host.pop('edgeRouterName')
        where = 'spec.model.edgeRouterHosts[%d].edgeRouterName' % index
        if 'edgeRouterId' in host:
            raise NFError('%s and edgeRouterId are both given: give one' % where)
        if not isinstance(name, str) or not name.strip():
            raise NFError('%s must be the name of an edge router (text), got %s %s' % (
                where, type(name).__name__, repr(name)[:60]))
        host['edgeRouterId'] = self.id_of('edge-routers', name, where)
        return host
