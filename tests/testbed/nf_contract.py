# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The contract of the API emulator: NetFoundry's API as it was recorded answering (recorded/operations.json, see
recorded/README.md), as JSON Schema validators.

check_response() says where an answer differs from what the recording shows for its operation and status (a key the
recording never saw there, a wrong type, a key the recording always saw and the answer lacks); check_request() where a
write's body differs from the recorded requests. The emulator checks every answer it gives and refuses every write
whose body fails (a 400), so no test can pass on a shape NetFoundry's API was never seen to use."""

import copy
import json
import os
import re

import jsonschema

RECORDED = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'recorded', 'operations.json')
# Keys that are data, not names: an object whose recorded keys all look like these is a map (configIdByConfigTypeId
# is keyed by config type ids, the download URLs by product versions).
MAP_KEY = re.compile(r'^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+\.\d+\.\d+)$')
# The links NetFoundry's SDK follows (5.11.3: _links.execution after a create or delete, _links.executions after an
# update) and the recording never shows: allowed on resource answers, for the emulator's async_links "execution".
SDK_LINKS = {'execution': {'type': 'object', 'properties': {'href': {'type': 'string'}}, 'required': ['href']},
             'executions': {'anyOf': [
                 {'type': 'object', 'properties': {'href': {'type': 'string'}}, 'required': ['href']},
                 {'type': 'array', 'items': {'type': 'object', 'properties': {'href': {'type': 'string'}},
                                             'required': ['href']}}]}}


def _strict(schema):
    """A recorded response schema made strict: objects hold only their recorded keys, maps stay maps."""
    if not isinstance(schema, dict):
        return schema
    schema = dict(schema)
    for key in ('anyOf', 'oneOf'):
        if key in schema:
            schema[key] = [_strict(item) for item in schema[key]]
    if schema.get('type') == 'array' and 'items' in schema:
        schema['items'] = _strict(schema['items'])
    properties = schema.get('properties')
    if schema.get('type') == 'object' and properties:
        if all(MAP_KEY.match(name) for name in properties):
            values = [_strict(value) for value in properties.values()]
            schema.pop('properties')
            schema.pop('required', None)
            schema['additionalProperties'] = values[0] if all(v == values[0] for v in values) else {'anyOf': values}
        else:
            schema['properties'] = dict((name, _strict(value)) for name, value in properties.items())
            schema['additionalProperties'] = False
    return schema


def _loose(schema, creating):
    """A recorded request schema: types always; the keys always seen only for a create (an update sends some)."""
    if not isinstance(schema, dict):
        return schema
    schema = dict(schema)
    for key in ('anyOf', 'oneOf'):
        if key in schema:
            schema[key] = [_loose(item, creating) for item in schema[key]]
    if 'items' in schema:
        schema['items'] = _loose(schema['items'], creating)
    if 'properties' in schema:
        schema['properties'] = dict((name, _loose(value, creating)) for name, value in schema['properties'].items())
    if not creating:
        schema.pop('required', None)
    return schema


def _relax_items(listed, single):
    """A list item needs only what the same resource's GET by id always has too (recursively, for _links)."""
    if not (isinstance(listed, dict) and isinstance(single, dict)):
        return listed
    listed = dict(listed)
    if 'required' in listed:
        listed['required'] = [key for key in listed['required'] if key in single.get('required', ())]
    if 'properties' in listed and 'properties' in single:
        listed['properties'] = dict((name, _relax_items(value, single['properties'].get(name)))
                                    for name, value in listed['properties'].items())
    return listed


def _widen(answer, single):
    """An answer that is a resource (a list item, a write's answer) may hold what the same resource's GET by id holds:
    each key as either recorded shape (a few recorded writes of one kind of service must not make another kind's
    model a violation), the keys of both; the answer's own recorded keys stay required."""
    if not (isinstance(answer, dict) and isinstance(single, dict) and 'properties' in answer):
        return answer
    answer = dict(answer)
    properties = dict(answer['properties'])
    for name, value in single.get('properties', {}).items():
        if name == '_links':
            continue  # a write links its process, a list item its own: each as recorded
        properties[name] = {'anyOf': [properties[name], value]} if name in properties and properties[name] != value \
            else value
    answer['properties'] = properties
    return answer


class Contract:
    """The recorded operations, matched by method and path, with their validators."""

    def __init__(self, path=RECORDED):
        with open(path) as handle:
            self.operations = json.load(handle)
        self._routes = []
        for name in self.operations:
            method, template = name.split(' ', 1)
            pattern = re.sub(r'\\\{[A-Za-z]+\\\}', '[^/]+', re.escape(template))
            self._routes.append((method, re.compile('^' + pattern + '$'), name))
        self._responses = {}
        self._requests = {}
        self._prepare()

    def _prepare(self):
        # The GET by id of each resource type, by the path of its list: /core/v2/endpoints -> GET .../{endpointId}
        singles = dict((name.rsplit('/', 1)[0][len('GET '):], self.operations[name]['responses']['200']['schema'])
                       for name in self.operations if name.startswith('GET /core/v2/') and name.endswith('}'))
        for name, operation in self.operations.items():
            method, path = name.split(' ', 1)
            for status, answer in operation.get('responses', {}).items():
                schema = copy.deepcopy(answer.get('schema') or {})
                if status.startswith('2') and method == 'GET' and 'page' in schema.get('properties', {}) and \
                        '_embedded' not in schema['properties']:
                    # A list recorded only empty (posture-checks) says nothing of its items.
                    schema['properties']['_embedded'] = {}
                if status.startswith('2') and method == 'GET' and path in singles:
                    # An empty page has no _embedded (recorded for posture-checks; optional in other recorded lists).
                    schema['required'] = [key for key in schema.get('required', ()) if key != '_embedded']
                    embedded = schema.get('properties', {}).get('_embedded', {}).get('properties', {})
                    for lists in embedded.values():
                        lists['items'] = _widen(_relax_items(lists.get('items'), singles[path]), singles[path])
                elif status.startswith('2') and method != 'GET' and (path in singles or (
                        path.endswith('}') and path.rsplit('/', 1)[0] in singles)):
                    schema = _widen(schema, singles.get(path) or singles[path.rsplit('/', 1)[0]])
                schema = _strict(schema)
                links = schema.get('properties', {}).get('_links')
                if isinstance(links, dict) and 'self' in links.get('properties', {}):
                    links['properties'].update(copy.deepcopy(SDK_LINKS))
                    if 'process' in links.get('required', ()):
                        # The work is linked as recorded (process) or as the SDK follows it (execution, executions).
                        links['required'] = [key for key in links['required'] if key != 'process']
                        links['anyOf'] = [{'required': [key]} for key in ('process', 'execution', 'executions')]
                self._responses[(name, status)] = jsonschema.Draft7Validator(schema)
            body = operation.get('requestBody')
            if body and body.get('schema'):
                creating = name.startswith('POST ')
                schema = _loose(copy.deepcopy(body['schema']), creating)
                if name == 'POST /core/v2/networks':
                    # NetFoundry's SDK 5.11.3 names the place as region (with provider), the recording as locationCode.
                    schema['required'] = [key for key in schema['required'] if key != 'locationCode']
                    schema['anyOf'] = [{'required': ['locationCode']}, {'required': ['region']}]
                self._requests[name] = jsonschema.Draft7Validator(schema)

    def operation(self, method, path):
        """The recorded operation of a request (path without the query), or None."""
        for known, pattern, name in self._routes:
            if known == method and pattern.match(path):
                return name
        return None

    def check_response(self, name, status, data):
        """None when the recording has no answer of this status for the operation, else the list of differences."""
        validator = self._responses.get((name, str(status)))
        if validator is None:
            return None
        return _errors(validator, data)

    def check_request(self, name, body):
        """The differences of a write's body from the recorded requests of its operation ([] when it has none)."""
        validator = self._requests.get(name)
        return [] if validator is None else _errors(validator, body)

    def recorded(self, name, status=None):
        """Whether the recording has the operation (and an answer of that status)."""
        if status is None:
            return name in self.operations
        return (name, str(status)) in self._responses


def _errors(validator, data):
    found = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = '/'.join(str(part) for part in error.absolute_path) or '(top)'
        found.append('%s: %s' % (where, error.message[:300]))
        if len(found) == 5:
            break
    return found
