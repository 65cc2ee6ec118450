# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Services from simple parameters: the bodies NetFoundry's SDK builds (python-netfoundry 5.11.3, network.py:
create_service_simple, create_service_advanced, create_service_transparent with create_service_with_configs,
create_service_policy and create_service_edge_router_policy), as nf_resource items (type, name, spec, state).

Pure: nothing here calls the API. Where the SDK looks a name up (an egress router by name, hosting endpoints by name
or id), the item names it and nf_resource resolves it in the task that sends it (edgeRouterName, @name), so
--check works on a network still being built."""

from __future__ import annotations

import difflib
import re

VALID_PROTOCOLS = ('tcp', 'udp')  # the SDK's VALID_SERVICE_PROTOCOLS
PORT_RANGE = re.compile(r'^\d+[:-]\d+$')  # the SDK's VALID_SEPARATORS, [:-]
SERVICE_KINDS = ('simple', 'advanced', 'transparent')
COMMON = ('name', 'kind', 'state', 'attributes', 'encryption_required')
PARAMETERS = {
    'simple': COMMON + ('client_host_name', 'client_port', 'server_host_name', 'server_port', 'server_protocol',
                        'edge_router_attributes', 'egress_router', 'endpoints'),
    'advanced': COMMON + ('endpoints', 'client_hosts', 'client_ports', 'client_protocols', 'server_hosts',
                          'server_ports', 'server_protocols', 'edge_router_attributes'),
    'transparent': COMMON + ('client_hosts', 'client_ports', 'transparent_hosts', 'client_protocols', 'endpoints',
                             'edge_routers'),
}
TEXT = ('name', 'client_host_name', 'server_host_name', 'egress_router', 'server_protocol')
TEXT_LISTS = ('attributes', 'endpoints', 'client_hosts', 'server_hosts', 'transparent_hosts', 'edge_router_attributes',
              'edge_routers', 'client_protocols', 'server_protocols')
REQUIRED = {'simple': ('name', 'client_host_name', 'client_port'), 'advanced': ('name', 'client_hosts', 'client_ports'),
            'transparent': ('name', 'client_hosts', 'client_ports', 'transparent_hosts')}


class ServiceError(ValueError):
    """A service definition that cannot make a body, in one line."""


def _kind(definition):
    kind = definition.get('kind')
    if kind is None:
        kind = 'transparent' if 'transparent_hosts' in definition else \
            'advanced' if 'client_hosts' in definition else 'simple'
    if kind not in SERVICE_KINDS:
        raise ServiceError('kind must be one of %s, got %r' % (', '.join(SERVICE_KINDS), kind))
    return kind


# netfoundry.platform's names for the parameters (its netfoundry_service_simple and _advanced modules).
PLATFORM_NAMES = {'clientHostName': 'client_host_name', 'clientPortRange': 'client_port', 'clientPort': 'client_port',
                  'serverHostName': 'server_host_name', 'serverPort': 'server_port', 'serverProtocol': 'server_protocol',
                  'egressRouter': 'egress_router', 'edgeRouterAttributes': 'edge_router_attributes',
                  'clientHosts': 'client_hosts', 'clientPorts': 'client_ports', 'clientProtocols': 'client_protocols',
                  'serverHosts': 'server_hosts', 'serverPorts': 'server_ports', 'serverProtocols': 'server_protocols',
                  'encryptionRequired': 'encryption_required'}


def _closest(unknown, known):
    if unknown in PLATFORM_NAMES and PLATFORM_NAMES[unknown] in known:
        return PLATFORM_NAMES[unknown]
    prefixed = [name for name in known if name.startswith(unknown)]
    close = prefixed or difflib.get_close_matches(unknown, known, 1)
    return close[0] if close else None


def _check(definition, kind, where, absent=False):
    unknown = sorted(str(key) for key in definition if key not in PARAMETERS[kind])
    if unknown:
        close = [_closest(unknown[0], PARAMETERS[kind])] if _closest(unknown[0], PARAMETERS[kind]) else []
        raise ServiceError('%s: %s is not a parameter of a %s service%s; its parameters are %s' % (
            where, unknown[0], kind, ' (did you mean %s?)' % close[0] if close else '', ', '.join(PARAMETERS[kind])))
    for key in ('name',) if absent else REQUIRED[kind]:
        if definition.get(key) in (None, '', []):
            raise ServiceError('%s: a %s service needs %s' % (where, kind, key))
    for key in TEXT:
        value = definition.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ServiceError('%s: %s must be text, got %s' % (where, key, _shown(value)))
    for key in TEXT_LISTS:
        for item in _list(definition.get(key, []), key, where):
            if not isinstance(item, str) or not item.strip():
                raise ServiceError('%s: %s holds %s: give text (a name, an @name, a #attribute or a host)' % (
                    where, key, _shown(item)))
    if 'encryption_required' in definition:
        definition['encryption_required'] = _boolean(definition['encryption_required'], where)
    if kind == 'simple' and not definition.get('server_host_name'):
        for key in ('server_port', 'server_protocol'):
            if definition.get(key) is not None:
                raise ServiceError('%s: %s needs server_host_name (the server the hosting endpoints or router reach); '
                                   'without it the service is hosted by an application (TunnelerToSdk)' % (where, key))
    for key in ('attributes',):
        for role in _list(definition.get(key, []), key, where):
            if not isinstance(role, str) or not role.startswith('#'):
                raise ServiceError('%s: %s holds %r: a service\'s own attributes start with #' % (where, key, role))


def _shown(value):
    return '%s %s' % (type(value).__name__, repr(value)[:60])


def _boolean(value, where):
    """encryption_required as Ansible reads a boolean (true, "yes", "false", 0...); anything else is an error."""
    from ansible.module_utils.parsing.convert_bool import boolean
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise ServiceError('%s: encryption_required must be true or false, got %s' % (where, _shown(value)))


def _list(value, key, where):
    if isinstance(value, (str, int)):
        return [value]  # one item given as itself (platform's attributes: "#x")
    if not isinstance(value, list):
        raise ServiceError('%s: %s must be a list, got %s' % (where, key, type(value).__name__))
    return value


def port_ranges(ports, where, key):
    """The SDK's validate_port_ranges: 80, "80", "8000:8002", "8443-8444" -> [{low, high}]."""
    found = []
    for port in _list(ports, key, where):
        text = str(port) if isinstance(port, int) and not isinstance(port, bool) else port
        if not isinstance(text, str):
            raise ServiceError('%s: %s holds %r: give a port or a low:high range' % (where, key, port))
        if text.isdigit():
            text = '%s:%s' % (text, text)
        if not PORT_RANGE.match(text):
            raise ServiceError('%s: %s holds %r: give a port or a low:high range (80, "8000:8002", "8443-8444")'
                               % (where, key, port))
        low, high = (int(bound) for bound in re.split('[:-]', text))
        if not 1 <= low <= 65535 or not 1 <= high <= 65535:
            raise ServiceError('%s: %s holds %r: ports are 1 to 65535' % (where, key, port))
        if low > high:
            raise ServiceError('%s: %s holds %r: the low port is above the high one' % (where, key, port))
        found.append({'low': low, 'high': high})
    return found


def _protocols(values, where, key):
    found = []
    for value in _list(values, key, where):
        if not isinstance(value, str) or value.lower() not in VALID_PROTOCOLS:
            raise ServiceError('%s: %s holds %r: the protocols are tcp and udp' % (where, key, value))
        found.append(value.lower())
    return found


def _port(value, where, key):
    """A single port: a whole number or its text (platform passes "{{ item|int }}" and CSV text)."""
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise ServiceError('%s: %s must be a port number, got %r' % (where, key, value))
    if not 1 <= int(value) <= 65535:
        raise ServiceError('%s: %s must be a port number (1 to 65535), got %r' % (where, key, value))
    return int(value)


def _hosted_by(endpoints):
    """Hosting endpoints as the SDK writes them: #attributes as they are, the others (@name, a name, an id) left for
    nf_resource to make the @name of that endpoint."""
    return list(endpoints)


def simple(definition, where):
    """create_service_simple: TunnelerToSdk, TunnelerToEndpoint or TunnelerToEdgeRouter."""
    client_port = _port(definition['client_port'], where, 'client_port')
    routers = _list(definition.get('edge_router_attributes', ['#all']), 'edge_router_attributes', where)
    endpoints = _list(definition.get('endpoints', []), 'endpoints', where)
    egress = definition.get('egress_router')
    spec = {'encryptionRequired': bool(definition.get('encryption_required', True)),
            'model': {'clientIngress': {'host': definition['client_host_name'], 'port': client_port},
                      'edgeRouterAttributes': routers},
            'attributes': _list(definition.get('attributes', []), 'attributes', where)}
    server_host = definition.get('server_host_name')
    if not server_host:
        spec['modelType'] = 'TunnelerToSdk'
    else:
        protocol = _protocols([definition.get('server_protocol', 'tcp')], where, 'server_protocol')[0]
        port = _port(definition['server_port'], where, 'server_port') if definition.get('server_port') is not None \
            else client_port
        egress_model = {'protocol': protocol, 'host': server_host, 'port': port}
        if endpoints and not egress:
            spec['modelType'] = 'TunnelerToEndpoint'
            spec['model']['serverEgress'] = egress_model
        elif egress and not endpoints:
            spec['modelType'] = 'TunnelerToEdgeRouter'
            from ansible_collections.netfoundry.api.plugins.plugin_utils._names import is_uuid
            host = {'edgeRouterId' if is_uuid(egress) else 'edgeRouterName': egress, 'serverEgress': egress_model}
            spec['model']['edgeRouterHosts'] = [host]
        else:
            raise ServiceError('%s: a service with server_host_name is hosted by endpoints or by egress_router: give '
                               'one of them' % where)
    if routers and routers != ['#all']:
        spec['edgeRouterAttributes'] = routers  # the SDK sends it too, for the service's edge router policy
    if spec['modelType'] in ('TunnelerToSdk', 'TunnelerToEndpoint'):
        spec['model']['bindEndpointAttributes'] = _hosted_by(endpoints)
    return [('services', definition['name'], spec)]


def advanced(definition, where):
    """create_service_advanced: AdvancedTunnelerToEndpoint."""
    client_hosts = _list(definition['client_hosts'], 'client_hosts', where)
    client_ports = port_ranges(definition['client_ports'], where, 'client_ports')
    server_ports = port_ranges(definition.get('server_ports', []), where, 'server_ports')
    client_protocols = _protocols(definition.get('client_protocols', ['tcp']), where, 'client_protocols')
    server_protocols = _protocols(definition.get('server_protocols', []), where, 'server_protocols')
    server_hosts = _list(definition.get('server_hosts', []), 'server_hosts', where)
    egress = {}
    if len(server_hosts) == 1:
        egress['host'] = server_hosts[0]
    else:
        egress.update(forwardHost=True, allowedHosts=server_hosts or client_hosts)
    if len(server_ports) == 1 and server_ports[0]['low'] == server_ports[0]['high']:
        egress['port'] = server_ports[0]['low']
    else:
        egress.update(forwardPort=True, allowedPortRanges=server_ports or client_ports)
    if len(server_protocols) == 1:
        egress['protocol'] = server_protocols[0]
    else:
        egress.update(forwardProtocol=True, allowedProtocols=server_protocols or client_protocols)
    spec = {'encryptionRequired': bool(definition.get('encryption_required', True)),
            'modelType': 'AdvancedTunnelerToEndpoint',
            'model': {'bindEndpointAttributes': _hosted_by(_list(definition.get('endpoints', []), 'endpoints', where)),
                      'clientIngress': {'addresses': client_hosts, 'ports': client_ports, 'protocols': client_protocols},
                      'serverEgress': egress,
                      'edgeRouterAttributes': _list(definition.get('edge_router_attributes', ['#all']),
                                                    'edge_router_attributes', where)},
            'attributes': _list(definition.get('attributes', []), 'attributes', where)}
    return [('services', definition['name'], spec)]


def transparent(definition, where):
    """create_service_transparent: a service with intercept.v1 and host.v1 configs, its Bind service policy
    (<name>-BindServicePolicy) and its service edge router policy (<name>-ServiceEdgeRouterPolicy)."""
    name = definition['name']
    hosts = _list(definition['client_hosts'], 'client_hosts', where)
    ports = port_ranges(definition['client_ports'], where, 'client_ports')
    protocols = _protocols(definition.get('client_protocols', ['tcp']), where, 'client_protocols')
    intercept = {'addresses': hosts, 'portRanges': ports, 'protocols': protocols, 'sourceIp': '$src_ip:$src_port'}
    host = {'forwardProtocol': True, 'forwardAddress': True, 'forwardPort': True, 'allowedAddresses': hosts,
            'allowedPortRanges': ports, 'allowedProtocols': protocols,
            'allowedSourceAddresses': _list(definition['transparent_hosts'], 'transparent_hosts', where)}
    service = {'encryptionRequired': bool(definition.get('encryption_required', True)),
               'configs': [{'name': name + '-config-intercept.v1', 'configTypeName': 'intercept.v1', 'data': intercept},
                           {'name': name + '-config-host.v1', 'configTypeName': 'host.v1', 'data': host}],
               'attributes': _list(definition.get('attributes', []), 'attributes', where)}
    bind = {'type': 'Bind', 'semantic': 'AnyOf', 'postureCheckAttributes': [], 'serviceAttributes': ['@' + name],
            'endpointAttributes': _hosted_by(_list(definition.get('endpoints', []), 'endpoints', where))}
    serp = {'semantic': 'AnyOf', 'serviceAttributes': ['@' + name],
            'edgeRouterAttributes': _list(definition.get('edge_routers', ['#all']), 'edge_routers', where)}
    return [('services', name, service), ('service-policies', name + '-BindServicePolicy', bind),
            ('service-edge-router-policies', name + '-ServiceEdgeRouterPolicy', serp)]


BUILDERS = {'simple': simple, 'advanced': advanced, 'transparent': transparent}


def service_items(definitions):
    """nf_resource items (type, name, spec, state) for one service definition or a list of them. A definition with
    state absent gives its items with state absent, in the order that deletes the policies before the service."""
    if isinstance(definitions, dict):
        definitions = [definitions]
    if not isinstance(definitions, list):
        raise ServiceError('give a service definition (a mapping) or a list of them, got %s' % type(definitions).__name__)
    items: list[dict] = []
    seen: dict[str, int] = {}
    for number, definition in enumerate(definitions):
        if not isinstance(definition, dict):
            raise ServiceError('service %d must be a mapping, got %s' % (number + 1, type(definition).__name__))
        definition = dict(definition)
        where = 'service %r' % definition.get('name') if definition.get('name') else 'service %d' % (number + 1)
        kind = _kind(definition)
        state = definition.get('state', 'present')
        if state not in ('present', 'absent'):
            raise ServiceError('%s: state must be present or absent, got %r' % (where, state))
        _check(definition, kind, where, absent=state == 'absent')
        folded = definition['name'].strip().lower()
        if folded in seen:
            raise ServiceError('%s: service %d has the same name (NetFoundry compares names case-insensitively): '
                               'give each service a name of its own' % (where, seen[folded]))
        seen[folded] = number + 1
        if state == 'absent':
            # The names are all a delete needs: the policies of a transparent service first, then the service.
            name = definition['name']
            made = [('service-edge-router-policies', name + '-ServiceEdgeRouterPolicy'),
                    ('service-policies', name + '-BindServicePolicy')] if kind == 'transparent' else []
            items.extend(dict(type=rtype, name=item, state='absent') for rtype, item in made + [('services', name)])
            continue
        made = BUILDERS[kind](definition, where)
        items.extend(dict(type=rtype, name=name, spec=spec, state=state) for rtype, name, spec in made)
    return items
