# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""NetFoundry resources, one engine for every type (nf_resource, nf_resource_info): find by name or id within a
network, compare the properties the user manages, create, update only what differs, delete, wait for the final
status. What differs between types is data (KINDS), not code paths. Every call goes through the one API client, so
the token and every secret it knows are redacted from whatever the API answers."""

import errno
import os
import re
import tempfile
import time

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError
from ansible_collections.netfoundry.api.plugins.module_utils._memo import MEMO
from ansible_collections.netfoundry.api.plugins.module_utils._options import RESOURCE_TYPES
from ansible_collections.netfoundry.api.plugins.plugin_utils._api import with_query

HIDDEN = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
DONE = 'PROVISIONED'
IN_PROGRESS = frozenset(('NEW', 'PROVISIONING', 'UPDATING', 'REPLACING'))
FAILED = frozenset(('ERROR', 'SUSPENDED'))
GONE = frozenset(('DELETED', 'NOT_FOUND'))
UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
# Set by the API, never compared or sent: what the user gives of them in spec is ignored, but networkId and id.
SERVER_PROPS = frozenset(('id', 'status', 'statusMessage', 'createdAt', 'updatedAt', 'createdBy', 'updatedBy',
                          'deletedAt', 'deletedBy', 'zitiId', 'jwt', 'registrationKey', 'registration', '_links',
                          '_embedded'))
PAGE_SIZE = 500
NETWORK_SPACE = 'network ids'
LONGEST_POLL = 10.0


class Kind:
    """One resource type, as python-netfoundry (netfoundry/utility.py RESOURCES, network.py) drives it.

    list_key: the _embedded list of its HAL pages; by_name: the query that finds by name; no_update: properties the
    API does not change after creation (a difference is an error, never a silent no-op); secrets: (path, option) of
    the one-time credentials it carries (dotted path in the resource), which no result shows unless asked;
    create_defaults: what the SDK always sends on create."""

    def __init__(self, name, list_key, by_name='name', no_update=(), secrets=(), create_defaults=None,
                 update_with=None):
        self.name = name
        self.list_key = list_key
        self.by_name = by_name
        self.no_update = ('networkId',) + tuple(no_update) if name != 'networks' else tuple(no_update)
        self.secrets = secrets
        self.create_defaults = create_defaults or {}
        self.update_with = update_with or {}  # property -> the property the API needs with it in a PATCH

    @property
    def path(self):
        return 'core/v2/%s' % self.name

    @property
    def scoped(self):
        return self.name != 'networks'


def _list_key(name):
    """The SDK's rule: camel-case singular + List (edge-router-policies -> edgeRouterPolicyList)."""
    words = name.split('-')
    last = words[-1]
    words[-1] = last[:-3] + 'y' if last.endswith('ies') else last[:-1]
    return words[0] + ''.join(word.capitalize() for word in words[1:]) + 'List'


KINDS = dict((name, Kind(name, _list_key(name))) for name in RESOURCE_TYPES)
KINDS['networks'].by_name = 'findByName'
KINDS['endpoints'].secrets = (('jwt', 'enrollment_jwt_dest'),)
KINDS['endpoints'].create_defaults = {'enrollmentMethod': {'ott': True}}
KINDS['edge-routers'].secrets = (('registrationKey', 'registration_key_dest'),
                                 ('registration.registrationKey', 'registration_key_dest'))
KINDS['edge-routers'].no_update += ('registration',)
KINDS['services'].no_update += ('modelType',)
KINDS['services'].update_with = {'model': 'modelType'}


def _get(data, dotted):
    for part in dotted.split('.'):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def hide_secrets(kind, resource, client):
    """(resource with its one-time credentials replaced by HIDDEN, {dotted path: value}); the client learns every
    value, so no later answer or message shows it either."""
    if not isinstance(resource, dict):
        return resource, {}
    found = {}
    for dotted, _option in kind.secrets:
        value = _get(resource, dotted)
        if isinstance(value, str) and value:
            found[dotted] = value
            client.learn(value)
    if not found:
        return resource, found
    hidden = dict(resource)
    for dotted in found:
        parts = dotted.split('.')
        holder = hidden
        for part in parts[:-1]:
            holder[part] = dict(holder[part])
            holder = holder[part]
        holder[parts[-1]] = HIDDEN
    return hidden, found


def differs(want, have, key=''):
    """Whether the API's value have differs from the user's want: objects as subsets (the keys the user gave),
    role-attribute lists (#name, @name, or a key ending in Attributes) as sets, everything else exactly."""
    if isinstance(want, dict):
        return not isinstance(have, dict) or any(differs(value, have.get(name), name) for name, value in want.items())
    if isinstance(want, list):
        if not isinstance(have, list):
            return True
        if _as_set(want, key):
            return set(want) != set(have) if _hashable(have) else True
        return len(want) != len(have) or any(differs(w, h, key) for w, h in zip(want, have))
    if isinstance(want, bool) or isinstance(have, bool):
        return want is not have
    return want != have


def _hashable(values):
    return all(isinstance(value, (str, int, float, bool)) or value is None for value in values)


def _as_set(values, key):
    return _hashable(values) and (key == 'attributes' or key.endswith('Attributes') or (
        values and all(isinstance(value, str) and value[:1] in '#@' for value in values)))


def managed(spec, resource):
    """The managed properties of a resource: the keys of spec, as the API has them."""
    resource = resource or {}
    return dict((name, resource.get(name)) for name in spec)


class Resources:
    """The engine for one type, through one API client (plugin_utils/_api.Client)."""

    def __init__(self, client, api_url, kind_name, check_mode=False, clock=time.monotonic, sleep=time.sleep):
        self.client = client
        self.api_url = api_url
        self.kind = KINDS[kind_name]
        self.check_mode = check_mode
        self.clock = clock
        self.sleep = sleep
        self.writes = 0

    # Reading

    def _url(self, path, query=None):
        return with_query(self.api_url + path, query)

    def _fail(self, reply, what):
        raise NFTokenError('%s: %s %s answered HTTP %d%s' % (what, reply.method, reply.url, reply.status, reply.reason()))

    def get(self, rid):
        """The resource with this id, or None when the API says 404."""
        reply = self.client.call('GET', self._url('%s/%s' % (self.kind.path, rid)))
        if reply.status == 404:
            return None
        if reply.status != 200 or not isinstance(reply.json, dict):
            self._fail(reply, 'reading %s %s' % (self.kind.name, rid))
        return reply.json

    def list(self, network_id=None, name=None, query=None, max_pages=1000, max_bytes=64 * 1024 * 1024):
        """Every resource of the type in the network (all pages) matching the name (exact, case-insensitive, as the
        SDK compares) and the API filters in query."""
        params = dict(query or {})
        params.setdefault('size', PAGE_SIZE)
        if network_id and self.kind.scoped:
            params['networkId'] = network_id
        if name is not None:
            params[self.kind.by_name] = name
        reply, _pages = self.client.all_pages(self._url(self.kind.path, params), max_pages, max_bytes)
        if reply.status != 200 or not isinstance(reply.json, dict):
            self._fail(reply, 'listing %s' % self.kind.name)
        items = (reply.json.get('_embedded') or {}).get(self.kind.list_key, [])
        items = [item for item in items if isinstance(item, dict)]
        if name is not None:  # the API's filter may match more loosely than the name itself
            items = [item for item in items if str(item.get('name', '')).lower() == name.lower()]
        if network_id and self.kind.scoped:
            items = [item for item in items if item.get('networkId') in (None, network_id)]
        return items

    def find(self, network_id, name=None, rid=None):
        """The one resource named name in the network (or with id rid), or None."""
        if rid is not None:
            found = self.get(rid)
            if found is not None and network_id and self.kind.scoped and found.get('networkId') not in (None, network_id):
                raise NFTokenError('%s %s is in another network (%s), not in %s' % (
                    self.kind.name, rid, found.get('networkId'), network_id))
            return found if found is None or found.get('status') not in GONE else None
        found = [item for item in self.list(network_id, name) if item.get('status') not in GONE]
        if len(found) > 1:
            raise NFTokenError('%d %s are named %r%s (%s): give id to choose one' % (
                len(found), self.kind.name, name, ' in network %s' % network_id if network_id else '',
                ', '.join(str(item.get('id')) for item in found[:10])))
        return found[0] if found else None

    # Writing

    def _write(self, method, path, body):
        self.writes += 1
        if not self.kind.scoped:
            MEMO.clear_space(NETWORK_SPACE)  # a network made or deleted: names may point elsewhere now
        return self.client.call(method, self._url(path), body)

    def create(self, network_id, name, spec):
        body = dict(self.kind.create_defaults, **spec)
        body['name'] = name
        if self.kind.scoped:
            body['networkId'] = network_id
        reply = self._write('POST', self.kind.path, _json(body))
        if reply.status == 409:
            return None, reply  # another writer made one by this name since we looked: the caller finds it again
        if reply.status not in (200, 201, 202) or not isinstance(reply.json, dict):
            self._fail(reply, 'creating %s %r' % (self.kind.name, name))
        return reply.json, reply

    def update(self, resource, changes):
        body = dict(changes)
        body['name'] = body.get('name', resource.get('name'))  # the API needs the name in every PATCH (the SDK)
        for prop, companion in self.kind.update_with.items():
            if prop in body and companion not in body and resource.get(companion) is not None:
                body[companion] = resource[companion]
        reply = self._write('PATCH', '%s/%s' % (self.kind.path, resource['id']), _json(body))
        if reply.status not in (200, 202) or not isinstance(reply.json, dict):
            self._fail(reply, 'updating %s %r' % (self.kind.name, resource.get('name')))
        return reply.json

    def delete(self, resource):
        reply = self._write('DELETE', '%s/%s' % (self.kind.path, resource['id']), None)
        if reply.status == 404:
            return None
        if reply.status not in (200, 202, 204):
            self._fail(reply, 'deleting %s %r' % (self.kind.name, resource.get('name')))
        return reply.json if isinstance(reply.json, dict) else None

    # Waiting

    def wait(self, resource, timeout, gone=False):
        """Poll the resource until its status is final (PROVISIONED; gone: 404 or DELETED), with backoff (0.5 s
        doubling to 10 s) and at most timeout seconds. ERROR or SUSPENDED: one line with the resource's own reason."""
        rid, name = resource['id'], resource.get('name')
        deadline = self.clock() + timeout
        pause = 0.5
        current = resource
        while True:
            status = current.get('status') if current is not None else 'NOT_FOUND'
            if gone and (current is None or status in GONE):
                return None
            if not gone and status == DONE:
                return current
            if status in FAILED:
                reason = _reason(current)
                raise NFTokenError('%s %r (%s) ended in %s%s' % (self.kind.name, name, rid, status,
                                                                 ': %s' % reason if reason else ''))
            if not gone and status not in IN_PROGRESS and status is not None:
                raise NFTokenError('%s %r (%s) has status %s, not %s: it is not being provisioned' % (
                    self.kind.name, name, rid, status, DONE))
            left = deadline - self.clock()
            if left <= 0:
                raise NFTokenError('%s %r (%s) is still %s after %d s (wait_timeout): the API has not finished; run '
                                   'again later (it is found by name), or raise wait_timeout' % (
                                       self.kind.name, name, rid, status or 'without a status', timeout))
            self.sleep(min(pause, left))
            pause = min(pause * 2, LONGEST_POLL)
            current = self.get(rid)
            if current is None and not gone:
                raise NFTokenError('%s %r (%s) disappeared while it was being provisioned' % (self.kind.name, name, rid))


def network_id(client, api_url, network):
    """The id of the network named (or with the id) network, or None when there is none.

    Kept for the process (a loop's items run in one): a loop over 50 endpoints of a network reads the network once.
    Resources.create and delete of a network forget it."""
    key = (api_url, network.lower())
    known = MEMO.get(NETWORK_SPACE, key)
    if known is not None:
        return known
    networks = Resources(client, api_url, 'networks')
    found = networks.get(network) if UUID_RE.match(network) else None
    if found is None:
        found = networks.find(None, network)
    if found is None:
        return None
    return MEMO.put(NETWORK_SPACE, key, found['id'])


def _reason(resource):
    for key in ('statusMessage', 'message', 'error', 'reason'):
        value = resource.get(key)
        if isinstance(value, str) and value.strip():
            return ' '.join(value.split())[:300]
    return ''


def _json(body):
    import json
    return json.dumps(body).encode('utf-8')


def write_private(path, value):
    """Write value to path as a file only its owner can read (0600), atomically (a temporary file in the same
    directory, then rename); True when the file changed. An existing file is replaced only when its content differs."""
    path = os.path.expanduser(path)
    data = value.encode('utf-8')
    try:
        with open(path, 'rb') as handle:
            if handle.read(len(data) + 1) == data and (os.stat(path).st_mode & 0o077) == 0:
                return False
    except OSError as exc:
        if exc.errno not in (errno.ENOENT, errno.EISDIR):
            raise NFTokenError('cannot read %s (%s): check the path and its permissions' % (path, exc.strerror))
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temp = tempfile.mkstemp(prefix='.nf-', dir=directory)  # mkstemp makes it 0600
        try:
            with os.fdopen(fd, 'wb') as handle:
                handle.write(data)
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError as exc:
        raise NFTokenError('cannot write %s (%s): check the directory and its permissions' % (path, exc.strerror))
    return True
