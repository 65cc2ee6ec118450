# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""NetFoundry resources, one engine for every type (nf_resource, nf_resource_info): find by name or id within a
network, compare the properties the user manages, create, update only what differs, delete, wait for the final
status. What differs between types is data (KINDS), not code paths. Every call goes through the one API client, so
the token and every secret it knows are redacted from whatever the API answers."""

import errno
import json
import os
import re
import stat
import tempfile
import time
import unicodedata
from urllib.parse import quote

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
    API does not change after creation (a difference is an error, never a silent no-op); secrets: (key, option) of
    the one-time credentials it carries (found under that key at any depth) and the option that writes it to a file;
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
KINDS['edge-routers'].secrets = (('registrationKey', 'registration_key_dest'),)
KINDS['edge-routers'].no_update += ('registration',)
KINDS['services'].no_update += ('modelType',)
KINDS['services'].update_with = {'model': 'modelType'}
# The one-time credentials a resource may carry, under these keys at any depth (NetFoundry: an endpoint's jwt, an
# edge router's registrationKey, also inside registration); a server that puts one elsewhere under the same key is
# covered too.
SECRET_KEYS = ('jwt', 'registrationKey')


def _secrets(value, found, depth=0):
    """Collect (key, text) of every one-time credential in value, top level first."""
    if depth > 64 or not isinstance(value, (dict, list)):
        return found
    items = value.items() if isinstance(value, dict) else enumerate(value)
    nested = []
    for key, item in items:
        if key in SECRET_KEYS and isinstance(item, str) and item:
            found.append((key, item))
        elif isinstance(item, (dict, list)):
            nested.append(item)
    for item in nested:
        _secrets(item, found, depth + 1)
    return found


def learn_secrets(resource, client):
    """Tell the client every one-time credential in resource, so that no message holds it (called on every resource
    as soon as it is read; the answers keep them, for the files they may go to)."""
    for _key, value in _secrets(resource, []):
        client.hold(value)
    return resource


def hide_secrets(resource, client):
    """(resource with its one-time credentials replaced by HIDDEN, {key: the first value under that key}); the client
    holds every value, so no message shows it."""
    found = {}
    for key, value in _secrets(resource, []):
        client.hold(value)
        found.setdefault(key, value)
    # Any other field that repeats one (a hostile or careless API) is redacted too.
    return client.redact(_hidden(resource) if found else resource), found


def _hidden(value, depth=0):
    if depth > 64:
        return value
    if isinstance(value, dict):
        return dict((key, HIDDEN if key in SECRET_KEYS and isinstance(item, str) and item else _hidden(item, depth + 1))
                    for key, item in value.items())
    if isinstance(value, list):
        return [_hidden(item, depth + 1) for item in value]
    return value


def fold(name):
    """A name as NetFoundry compares names (the SDK: case-insensitive; casefold + NFKD, so STRASSE is straße)."""
    return unicodedata.normalize('NFKD', name).casefold() if isinstance(name, str) else name


def merged(want, have):
    """What to send for a property so that the API's top-level merge keeps the nested keys the user left out: want
    laid over have, objects key by key."""
    if isinstance(want, dict) and isinstance(have, dict):
        result = dict(have)
        for key, value in want.items():
            result[key] = merged(value, have.get(key))
        return result
    return want


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
        plain = ' without a JSON object (a write may have been applied: run again to see)' if \
            200 <= reply.status < 300 else ''
        raise NFTokenError('%s: %s %s answered HTTP %d%s%s' % (what, reply.method, reply.url, reply.status,
                                                               reply.reason(), plain))

    def _one(self, resource, what):
        """A resource the API answered, its one-time credentials learned; it must have an id."""
        learn_secrets(resource, self.client)
        if not isinstance(resource.get('id'), str) or not resource['id']:
            raise NFTokenError('%s: the API\'s answer has no id, so the resource cannot be managed' % what)
        return resource

    def _item_path(self, rid):
        return '%s/%s' % (self.kind.path, quote(rid, safe=''))  # an id is one path segment: no ../, no ?

    def get(self, rid):
        """The resource with this id, or None when the API says 404."""
        reply = self.client.call('GET', self._url(self._item_path(rid)))
        if reply.status == 404:
            return None
        what = 'reading %s %s' % (self.kind.name, rid)
        if reply.status != 200 or not isinstance(reply.json, dict):
            self._fail(reply, what)
        return self._one(reply.json, what)

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
        embedded = reply.json.get('_embedded') or {}
        items = embedded.get(self.kind.list_key, []) if isinstance(embedded, dict) else []
        items = [learn_secrets(item, self.client) for item in items if isinstance(item, dict)] \
            if isinstance(items, list) else []
        if name is not None:  # the API's filter may match more loosely than the name itself
            items = [item for item in items if fold(item.get('name')) == fold(name)]
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
        for item in found:
            self._one(item, 'finding %s %r' % (self.kind.name, name))
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
        what = 'creating %s %r' % (self.kind.name, name)
        if reply.status not in (200, 201, 202) or not isinstance(reply.json, dict):
            self._fail(reply, what)
        return self._one(reply.json, what), reply

    def update(self, resource, changes):
        body = dict(changes)
        body['name'] = body.get('name', resource.get('name'))  # the API needs the name in every PATCH (the SDK)
        for prop, companion in self.kind.update_with.items():
            if prop in body and companion not in body and resource.get(companion) is not None:
                body[companion] = resource[companion]
        reply = self._write('PATCH', self._item_path(resource['id']), _json(body))
        what = 'updating %s %r' % (self.kind.name, resource.get('name'))
        if reply.status not in (200, 202) or not isinstance(reply.json, dict):
            self._fail(reply, what)
        return self._one(reply.json, what)

    def delete(self, resource):
        reply = self._write('DELETE', self._item_path(resource['id']), None)
        if reply.status == 404:
            return None
        if reply.status not in (200, 202, 204):
            self._fail(reply, 'deleting %s %r' % (self.kind.name, resource.get('name')))
        return learn_secrets(reply.json, self.client) if isinstance(reply.json, dict) else {}

    # Waiting

    def wait(self, resource, timeout, gone=False):
        """Poll the resource until its status is final (PROVISIONED; gone: 404 or DELETED), with backoff (0.5 s
        doubling to 10 s) and at most timeout seconds. ERROR or SUSPENDED: one line with the resource's own reason."""
        rid, name = resource['id'], resource.get('name')
        deadline = self.clock() + timeout
        pause = 0.5
        current = resource
        settings = self.client.settings
        try:
            return self._poll(rid, name, current, deadline, timeout, gone, pause, settings)
        finally:
            self.client.settings = settings

    def _poll(self, rid, name, current, deadline, timeout, gone, pause, settings):  # pylint: disable=too-many-arguments
        while True:
            status = current.get('status') if current is not None else 'NOT_FOUND'
            status = status if isinstance(status, str) else None
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
            # Each attempt of a poll ends by the deadline (give or take a second), however slowly the API answers.
            left = max(1.0, deadline - self.clock())
            self.client.settings = dict(settings, timeout=min(settings['timeout'], left))
            current = self.get(rid)
            if current is None and not gone:
                raise NFTokenError('%s %r (%s) disappeared while it was being provisioned' % (self.kind.name, name, rid))


def network_id(client, api_url, network):
    """The id of the network named network (or network itself when it is an id), or None when there is none.

    Kept for the process (a loop's items run in one): a loop over 50 endpoints of a network reads the network once.
    Resources.create and delete of a network forget it."""
    if UUID_RE.match(network):
        return network  # an id is used as it is (no read): the API refuses a write into a network that is not there
    key = (api_url, fold(network))
    known = MEMO.get(NETWORK_SPACE, key)
    if known is not None:
        return known
    found = Resources(client, api_url, 'networks').find(None, network)
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
    return json.dumps(body).encode('utf-8')


def write_private(path, value, check_mode=False):
    """Make path a file that holds value and only its owner can read (0600), written atomically (a temporary file in
    the same directory, then a rename); True when the file changed (or, in check mode, would change). A file with
    that content and mode already is left alone. Only a regular file (or a symlink, which is replaced, never
    followed) is replaced: a device, a FIFO or a directory at path is an error."""
    path = os.path.expanduser(path)
    data = value.encode('utf-8')
    try:
        info = os.lstat(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise NFTokenError('cannot use %s (%s): check the path and its permissions' % (path, exc.strerror))
        info = None
    if info is not None and not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        raise NFTokenError('%s is not a regular file (a device, a FIFO or a directory): give the path of a file to '
                           'write' % path)
    if info is not None and stat.S_ISREG(info.st_mode) and not info.st_mode & 0o077 and info.st_size == len(data):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, 'rb') as handle:
                if handle.read(len(data) + 1) == data:
                    return False
        except OSError:
            pass  # replaced meanwhile, or unreadable: written anew below
    if check_mode:
        return True
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
