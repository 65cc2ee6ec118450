# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""NetFoundry resources, one engine for every type (nf_resource, nf_resource_info): find by name or id within a
network, plan (create, update only what differs, properties that cannot change, diff), write, wait as the API's
answers allow, and hand out the one-time credentials. What differs between types is data (_types.TYPES), not code
paths. Every call goes through the one API client, so the token and every secret it knows are redacted from whatever
the API answers."""

from __future__ import annotations

import difflib
import errno
import json
import os
import re
import stat
import tempfile
import time
from urllib.parse import quote, urljoin

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NO_LOG_VALUE, NFError, enrollment_jwts
from ansible_collections.netfoundry.api.plugins.module_utils._memo import MEMO
from ansible_collections.netfoundry.api.plugins.plugin_utils._api import origin, with_query
from ansible_collections.netfoundry.api.plugins.plugin_utils._names import (
    NAMES_SPACE, ROLE_TYPES, UUID_RE, Names, Predicted, fold)
from ansible_collections.netfoundry.api.plugins.plugin_utils._placement import Placement
from ansible_collections.netfoundry.api.plugins.plugin_utils._types import FROZEN, SECRET_KEYS, TYPES, ZITI_NAMES

HIDDEN = NO_LOG_VALUE
# Resource statuses (NetFoundry's SDK, RESOURCE_STATUS_SYMBOLS; recorded only as "a string"): networks and edge
# routers carry one.
DONE = 'PROVISIONED'
IN_PROGRESS = frozenset(('NEW', 'PROVISIONING', 'UPDATING', 'REPLACING'))
FAILED = frozenset(('ERROR', 'SUSPENDED'))
GONE = frozenset(('DELETED', 'NOT_FOUND'))
# The asynchronous work a write links (_links.process, recorded; _links.execution(s), the SDK's): its statuses (the
# SDK's PROCESS_STATUS_SYMBOLS, and STARTED and FINISHED of its older releases that followed _links.process).
WORK_DONE = frozenset(('FINISHED', 'SUCCESS'))
WORK_FAILED = frozenset(('FAILED', 'ERROR'))
# A process or execution that is not there yet: the SDK retries 403 and 404 "for not-yet-existing executions".
WORK_NOT_YET = (403, 404)
PAGE_SIZE = 500
NETWORK_SPACE = 'network ids'
FIRST_POLL = 0.5
LONGEST_POLL = 10.0
MAX_WAIT = 86400
RESULT_SECRETS = {'jwt': 'enrollment_jwt', 'registrationKey': 'registration_key'}
INTEGER = re.compile(r'^-?[0-9]+$')


# Comparing


def merged(want, have):
    """What to send for a property so that the API's top-level merge keeps the nested keys the user left out: want
    laid over have, objects key by key."""
    if isinstance(want, dict) and isinstance(have, dict):
        result = dict(have)
        for key, value in want.items():
            result[key] = merged(value, have.get(key))
        return result
    return want


def differs(want, have, key='', whole=False):
    """Whether the API's value have differs from the user's want: objects as subsets (the keys the user gave; whole:
    the same keys, nested: replace), role-attribute lists (#name, @name, or a key ending in Attributes) as sets, a
    whole number and its decimal text as equal (the API answers "port": "80" as 80, recorded), everything else
    exactly."""
    if isinstance(want, dict):
        if not isinstance(have, dict) or (whole and set(have) - set(want)):
            return True
        return any(differs(value, have.get(name), name, whole) for name, value in want.items())
    if isinstance(want, list):
        if not isinstance(have, list):
            return True
        if _as_set(want, key):
            return set(want) != set(have) if _hashable(have) else True
        return len(want) != len(have) or any(differs(w, h, key, whole) for w, h in zip(want, have))
    if isinstance(want, bool) or isinstance(have, bool):
        return want is not have
    for number, text in ((want, have), (have, want)):
        if isinstance(number, int) and isinstance(text, str) and INTEGER.match(text):
            return number != int(text)
    return want != have


def _hashable(values):
    return all(isinstance(value, (str, int, float, bool)) or value is None for value in values)


def _as_set(values, key):
    return _hashable(values) and (key == 'attributes' or key.endswith('Attributes') or (
        values and all(isinstance(value, str) and value[:1] in '#@' for value in values)))


def _short(value):
    text = json.dumps(value, sort_keys=True, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + '...'


# The one-time credentials


def _secrets(value, found, depth=0):
    """Collect (key, text) of every one-time credential in value, top level first: the values of SECRET_KEYS, and
    every enrollment JWT (by its shape and claims) in any text, whatever its key."""
    if depth > 64 or not isinstance(value, (dict, list)):
        return found
    items = value.items() if isinstance(value, dict) else enumerate(value)
    nested = []
    for key, item in items:
        if key in SECRET_KEYS and isinstance(item, str) and item:
            found.append((key, item))
        elif isinstance(item, (dict, list)):
            nested.append(item)
        if isinstance(item, str) and key not in SECRET_KEYS:
            found.extend(('enrollment jwt', jwt) for jwt in enrollment_jwts(item))
        if isinstance(key, str):
            found.extend(('enrollment jwt', jwt) for jwt in enrollment_jwts(key))
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
    found: dict[str, object] = {}
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


# The options, checked before any request


def _empty(args):
    for option in ('name', 'id', 'network'):
        if isinstance(args.get(option), str) and not args[option].strip():
            return 'option %s is empty: give a value or leave it out' % option
    return None


def check_args(args):
    """The one line for arguments that cannot go together or a spec the type does not take (before any request)."""
    kind = TYPES[args['type']]
    if _empty(args):
        return _empty(args)
    if kind.scoped and not args['network']:
        return 'option network is required for type %s (the network\'s name or id)' % kind.name
    if not kind.scoped and args['network']:
        return 'option network is not for type networks: give the network\'s name or id'
    for option in ('enrollment_jwt_dest', 'registration_key_dest'):
        if args.get(option) and kind.dest != option:
            return 'option %s is only for type %s' % (option, [t.name for t in TYPES.values() if t.dest == option][0])
        if args.get(option) is not None:
            problem = _dest_problem(args[option], option, args.get('name'))
            if problem:
                return problem
    if args.get('rotate_registration_key') and kind.name != 'edge-routers':
        return 'option rotate_registration_key is only for type edge-routers'
    if args.get('rotate_registration_key') and not (args.get('registration_key_dest') or args['return_enrollment_secrets']):
        return ('option rotate_registration_key needs registration_key_dest (or return_enrollment_secrets: true): a '
                'new key voids the one before, so it must go somewhere')
    if args.get('wait_timeout') is not None and not 0 <= args['wait_timeout'] <= MAX_WAIT:
        return 'option wait_timeout must be 0 to %d seconds (a day), got %s' % (MAX_WAIT, str(args['wait_timeout'])[:40])
    return spec_problem(kind, args.get('spec') or {}, args['name'], args.get('extra_properties') or ())


def _dest_problem(path, option, name):
    """A dest option that cannot work, before any request: empty, a NUL byte, a file in a folder that is not there,
    or a folder whose file for this name would be too long a file name."""
    if not path.strip():
        return 'option %s is empty: give a file or a folder (ending with /), or leave the option out' % option
    if '\0' in path:
        return 'option %s contains a NUL byte: give a plain path' % option
    if is_folder(path):
        size = len(file_name(name, RESULT_SUFFIX[option]).encode('utf-8', 'surrogateescape'))
        if name is not None and size > NAME_MAX:
            return ('option %s is a folder, and the file for this name would have a %d-byte name, more than a file '
                    'name may (%d): give a file as %s; nothing was written' % (option, size, NAME_MAX, option))
        return None
    folder = os.path.dirname(os.path.abspath(os.path.expanduser(path)))
    if not os.path.isdir(folder):
        return ('the folder of option %s (%s) does not exist: make it first (ansible.builtin.file, state: directory, '
                'mode: "0700"), or give a folder ending with /; nothing was written' % (option, folder))
    return None


def _key_problem(value, where, depth=0):
    """The first key of an object in value (at any depth) that is not text, in one line, or None: JSON has only text
    keys, and YAML's 80: is a number."""
    if depth > 64:
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(value, dict) and not isinstance(key, str):
            fix = 'name the property' if key is None else "quote it ('%s')" % key
            return '%s key %s is %s, not text: %s' % (where, _short(key), _kind(key), fix)
        problem = _key_problem(item, '%s.%s' % (where, key) if isinstance(value, dict) else '%s[%d]' % (where, key),
                               depth + 1)
        if problem:
            return problem
    return None


def spec_problem(kind, spec, name, extra=()):
    """Why spec cannot be sent for a resource of kind, or None."""
    problem = _key_problem(spec, 'spec')
    if problem:
        return problem
    for prop in ('networkId', 'id'):
        if prop in spec:
            return 'spec.%s is set by the API: give the network in option network and the id in option id' % prop
    if 'name' in spec and name is not None and spec['name'] != name:
        return 'spec.name %r and option name %r differ: give the name once' % (spec['name'], name)
    for prop in sorted(spec):
        if prop in kind.server or prop in SECRET_KEYS:  # extra_properties or not
            return 'spec.%s is set by the API and cannot be managed: leave it out of spec' % prop
        if prop == 'name' or kind.mode(prop, extra):
            continue
        return _unknown(kind, prop)
    return None


def _unknown(kind, prop):
    known = sorted(kind.properties) + ['name']
    why = ''
    if prop in ZITI_NAMES:
        close = ZITI_NAMES[prop] if ZITI_NAMES[prop] in known else None
        why = ' (%s is the Ziti controller\'s name%s)' % (prop, '; NetFoundry\'s API v2 says %s' % close if close else '')
    else:
        matches = difflib.get_close_matches(prop, known, 1, 0.6)
        close = matches[0] if matches else None
    if prop == 'semantic' and kind.name == 'edge-router-policies':
        why = ' (NetFoundry\'s API v2 has no semantic for edge router policies; the Ziti controller has)'
    found = ': did you mean %s?%s' % (close, why) if close else '%s; its properties are %s.' % (why, ', '.join(known))
    return ('spec.%s is not a property of %s%s Name a property this collection does not list (one NetFoundry added '
            'since) in extra_properties to send it anyway' % (prop, kind.name, found))


# The engine


class Resources:
    """The engine for one type, through one API client (plugin_utils/_api.Client). accepted counts the writes the API
    accepted (a 2xx answer): after a failure the task reports changed only when one was."""

    def __init__(self, client, api_url, kind_name, check_mode=False, clock=time.monotonic, sleep=time.sleep,
                 local_tmp=None):
        self.client = client
        self.api_url = api_url
        self.kind = TYPES[kind_name]
        self.check_mode = check_mode
        self.clock = clock
        self.sleep = sleep
        self.accepted = 0
        self.predicted = Predicted(local_tmp)  # check mode's creates in this run (the run's private local tmp)

    # Reading

    def _url(self, path, query=None):
        return with_query(self.api_url + path, query)

    def _fail(self, reply, what):
        plain = '' if not 200 <= reply.status < 300 else ' without a JSON object' + (
            '' if reply.method in ('GET', 'HEAD') else ' (a write may have been applied: run again to see)')
        raise NFError('%s: %s %s answered HTTP %d%s%s' % (what, reply.method, reply.url, reply.status,
                                                          reply.reason(), plain))

    def one(self, resource, what):
        """A resource the API answered, its one-time credentials learned; it must have an id and a text status."""
        learn_secrets(resource, self.client)
        if not isinstance(resource.get('id'), str) or not resource['id']:
            raise NFError('%s: the API\'s answer has no id, so the resource cannot be managed' % what)
        _status(resource, what)
        return resource

    def item_path(self, rid):
        return '%s/%s' % (self.kind.path, quote(rid, safe=''))  # an id is one path segment: no ../, no ?

    def get(self, rid, deadline=None):
        """The resource with this id, or None when the API says 404."""
        reply = self.client.call('GET', self._url(self.item_path(rid)), deadline=deadline)
        if reply.status == 404:
            return None
        what = 'reading %s %s' % (self.kind.name, rid)
        if reply.status != 200 or not isinstance(reply.json, dict):
            self._fail(reply, what)
        return self.one(reply.json, what)

    def list(self, network_id=None, name=None, query=None, max_pages=1000, max_bytes=64 * 1024 * 1024):
        """Every resource of the type in the network (all pages, each id once) matching the name (exact,
        case-insensitive, as the SDK compares) and the API filters in query."""
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
        seen, found = set(), []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            learn_secrets(item, self.client)
            key = item.get('id') if isinstance(item.get('id'), str) else None
            if key is not None and key in seen:
                continue  # the same resource on two pages (a list that moved while it was read)
            seen.add(key)
            found.append(item)
        if name is not None:  # the API's filter may match more loosely than the name itself
            found = [item for item in found if fold(item.get('name')) == fold(name)]
        if network_id and self.kind.scoped:
            found = [item for item in found if item.get('networkId') in (None, network_id)]
        return found

    def find(self, network_id, name=None, rid=None):
        """The one resource named name in the network (or with id rid), or None (also when it is being deleted)."""
        if rid is not None:
            found = self.get(rid)
            if found is not None and network_id and self.kind.scoped and found.get('networkId') not in (None, network_id):
                raise NFError('%s %s is in another network (%s), not in %s' % (
                    self.kind.name, rid, found.get('networkId'), network_id))
            return None if found is None or _gone(found, 'reading %s %s' % (self.kind.name, rid)) else found
        what = 'finding %s %r' % (self.kind.name, name)
        found = [self.one(item, what) for item in self.list(network_id, name)]
        found = [item for item in found if not _gone(item, what)]
        if len(found) > 1:
            raise NFError('%d %s are named %r%s (%s): give id to choose one' % (
                len(found), self.kind.name, name, ' in network %s' % network_id if network_id else '',
                ', '.join(str(item.get('id')) for item in found[:10])))
        return found[0] if found else None

    # Writing

    def write(self, method, path, body=None, what=None, ok=(200, 201, 202)):
        """One write; the reply when the API accepted it (ok), else a failure naming what."""
        if not self.kind.scoped:
            MEMO.clear_space(NETWORK_SPACE)  # a network made or deleted: names may point elsewhere now
        MEMO.clear_space(NAMES_SPACE)  # the names a later item of a loop resolves may be this write's
        reply = self.client.call(method, self._url(path), None if body is None else _json(body))
        if 200 <= reply.status < 300:
            self.accepted += 1
        if reply.status in ok and (isinstance(reply.json, dict) or reply.status >= 300 or method == 'DELETE'):
            return reply
        self._fail(reply, what)
        return None

    def create_body(self, network_id, name, spec):
        """What a create sends: the type's defaults (as NetFoundry's SDK sends them), spec, name and networkId; a
        service's inline configs each with its networkId, and a router NetFoundry hosts with linkListener true, as the
        SDK's create_service_with_configs and create_edge_router do."""
        body = dict(self.kind.defaults, **spec)
        body['name'] = name
        if self.kind.scoped:
            body['networkId'] = network_id
        if self.kind.name == 'services' and isinstance(body.get('configs'), list):
            body['configs'] = [dict(config, networkId=config.get('networkId', network_id)) if isinstance(config, dict)
                               else config for config in body['configs']]
        if self.kind.name == 'edge-routers' and body.get('provider') not in (None, '', 'CUSTOMER') \
                and 'linkListener' not in spec:
            body['linkListener'] = True
        return body

    def missing(self, body):
        """The first property a create needs and body lacks (in words), or None."""
        for need in self.kind.needs:
            options = need if isinstance(need, tuple) else (need,)
            if not any(body.get(prop) not in (None, '') for prop in options):
                return ' or '.join(options)
        return None

    # Waiting

    def settle(self, answer, deadline, timeout, gone=False):
        """After a write whose answer is answer: follow the asynchronous work it links (a process, or an execution)
        until it is done, then the resource's own status where its answers carry one. Returns the resource as it is
        then (None when gone). Never waits for what the answers do not have."""
        rid, name = answer.get('id'), answer.get('name')
        link = _work_link(answer)
        if link is not None:
            self._follow(link, answer, deadline, timeout, gone)
            if gone:
                return None
        if gone:
            if not self.kind.status:
                return None
            return self.poll(rid, name, answer, deadline, timeout, gone=True)
        current = self.get(rid, deadline) if link is not None else answer
        if current is None:
            raise NFError('%s %r (%s) disappeared while it was being provisioned' % (self.kind.name, name, rid))
        return self.poll(rid, name, current, deadline, timeout) if self.kind.status else current

    def pause(self, pause, deadline, describe, timeout):
        left = deadline - self.clock()
        if left <= 0:
            raise NFError('%s after %d s (wait_timeout): the API has not finished; run again later (it is found '
                          'by name), or raise wait_timeout' % (describe(), timeout))
        self.sleep(min(pause, left))
        return min(pause * 2, LONGEST_POLL)

    def _follow(self, link, answer, deadline, timeout, gone):
        """Poll the process (or execution) a write linked until it is done; its failure in one line."""
        name, rid = answer.get('name'), answer.get('id')
        url = urljoin(self.api_url, link)
        if origin(url) != origin(self.api_url):
            raise NFError('%s %r (%s): the API linked its work to another host (%s): the token is not sent there'
                          % (self.kind.name, name, rid, url.split('?')[0]))
        network = rid if not self.kind.scoped else answer.get('networkId')
        if '/process/' in url and 'networkId=' not in url and network:
            url = with_query(url, {'networkId': network})  # as recorded and as the SDK asks
        pause = FIRST_POLL
        state = ['not started']
        while True:
            reply = self.client.call('GET', url, deadline=deadline)
            if reply.status in WORK_NOT_YET:
                work = None
            elif reply.status != 200 or not isinstance(reply.json, dict):
                self._fail(reply, 'reading the work on %s %r (%s)' % (self.kind.name, name, rid))
            else:
                work = learn_secrets(reply.json, self.client)  # a process answer may repeat an enrollment JWT
            status = work.get('status') if work is not None else None
            if work is not None and not isinstance(status, str):
                raise NFError('reading the work on %s %r (%s): the API\'s answer has a status that is %s, not '
                              'text' % (self.kind.name, name, rid, _kind(status)))
            if status in WORK_DONE:
                return
            if status in WORK_FAILED:
                raise NFError('%s %r (%s): %s' % (self.kind.name, name, rid, _work_failure(work, status)))
            state[0] = status or 'not started'
            pause = self.pause(pause, deadline, lambda: '%s %r (%s): NetFoundry\'s work on it is still %s' % (
                self.kind.name, name, rid, state[0]), timeout)

    def poll(self, rid, name, current, deadline, timeout, gone=False):
        """Poll the resource until its status is final (PROVISIONED; gone: 404 or DELETED), with backoff. ERROR or
        SUSPENDED: one line with the resource's own reason."""
        pause = FIRST_POLL
        what = '%s %r (%s)' % (self.kind.name, name, rid)
        while True:
            status = 'NOT_FOUND' if current is None else _status(current, what)
            if gone and (current is None or status in GONE):
                return None
            if status is None and not gone:
                return current  # no status to wait for: never wait for a key the answers do not have
            if not gone and status == DONE:
                return current
            if status in FAILED:
                reason = _reason(current)
                raise NFError('%s ended in %s%s' % (what, status, ': %s' % reason if reason else ''))
            if not gone and status not in IN_PROGRESS and status is not None:
                raise NFError('%s has status %s, not %s: it is not being provisioned' % (what, status, DONE))
            pause = self.pause(pause, deadline, lambda: '%s is still %s' % (what, status or 'without a status'),
                               timeout)
            current = self.get(rid, deadline)
            if current is None and not gone:
                raise NFError('%s disappeared while it was being provisioned' % what)

    # The plan

    def ensure(self, args, warn=None):
        """nf_resource's work: the resource in the wanted state; the result's keys (changed, method, id, status,
        resource, diff, msg, and the one-time credentials when asked)."""
        kind, spec = self.kind, args['spec']
        name = args['name'] or spec.get('name')
        net = None
        if kind.scoped:
            net = network_id(self.client, self.api_url, args['network'])
            if net is None:
                if args['state'] == 'absent':
                    return dict(changed=False, method='none', msg='network %r does not exist: nothing to delete'
                                % args['network'])
                if not self.check_mode:
                    raise NFError('network %r does not exist: create it first (type networks), or check the name'
                                  % args['network'])
        existing = self.find(net, name, args['id']) if net is not None or not kind.scoped else None
        if kind.name in ('networks', 'edge-routers') and args['state'] == 'present':
            placed = Placement(self.client, self.api_url, warn).resolve(
                kind.name, spec, existing is None, '%s %r' % (kind.name, name or args['id']))
            args = dict(args, spec=placed)
            spec = placed
        if kind.scoped and args['state'] == 'present' and _mentions(spec):
            names = Names(lambda rtype: Resources(self.client, self.api_url, rtype), self.api_url, net, self.check_mode,
                          self.predicted, args.get('check_names', True))
            args = dict(args, spec=names.resolve(kind.name, spec))
            if names.notes and warn:
                warn('check mode: %s' % '; '.join(names.notes))
        task = _Task(self, args, warn)
        if args['state'] == 'absent':
            return task.absent(existing)
        if existing is None:
            if args['id'] is not None:
                raise NFError('there is no %s with id %s: give name (and spec) to create one'
                              % (kind.name, args['id']))
            return task.create(net, name)
        return task.update(existing, name)


class _Task:
    """One nf_resource task: its arguments, its one deadline for every wait, what it found and did."""

    def __init__(self, engine, args, warn):
        self.engine = engine
        self.kind = engine.kind
        self.args = args
        self.spec = args['spec']
        self.extra = tuple(args.get('extra_properties') or ())
        self.warn = warn or (lambda text: None)
        self.timeout = args['wait_timeout']
        self._deadline = None

    @property
    def deadline(self):
        """The end of every wait of the task: wait_timeout from the first wait."""
        if self._deadline is None:
            self._deadline = self.engine.clock() + self.timeout
        return self._deadline

    def shown(self, creating=False):
        """The properties the diff shows: name and the keys of spec the API gives back (a create shows them all)."""
        return ['name'] + sorted(prop for prop in self.spec if prop != 'name' and (
            creating or self.kind.compared(prop, self.extra)))

    def view(self, props, resource):
        return self.engine.client.redact(_hidden(dict((prop, (resource or {}).get(prop)) for prop in props)))

    def create(self, net, name):
        engine, kind = self.engine, self.kind
        body = engine.create_body(net, name, self.spec)
        lacking = engine.missing(body)
        if lacking:
            raise NFError('%s %r: a create needs %s in spec (see the type table in the module\'s documentation); '
                          'nothing was written' % (kind.name, name, lacking))
        out = dict(changed=True, method='create', diff=dict(before={}, after=self.view(self.shown(True), body)))
        if engine.check_mode:
            engine.predicted.add(engine.api_url, net if kind.scoped else None, kind.name, name)
            if net is None and kind.scoped:
                out['msg'] = ('network %r does not exist yet: %s %r would be created in it'
                              % (self.args['network'], kind.name, name))
            return out
        reply = engine.write('POST', kind.path, body, 'creating %s %r' % (kind.name, name), ok=(200, 201, 202, 409))
        if reply.status == 409:  # another writer made it since we looked
            existing = engine.find(net, name)
            if existing is None:
                what = 'creating %s %r' % (kind.name, name)
                if any(_gone(item, what) for item in engine.list(net, name)):
                    raise NFError('%s: one by that name is still being deleted (the API answered HTTP 409%s): run '
                                  'again once it is gone, or delete it with wait: true first' % (what, reply.reason()))
                raise NFError('%s: the API answered HTTP 409%s but lists no %s by that name' % (
                    what, reply.reason(), kind.name))
            return self.update(existing, name)
        created = engine.one(reply.json, 'creating %s %r' % (kind.name, name))
        resource = engine.settle(created, self.deadline, self.timeout) if self.args['wait'] else created
        self.kept(body, resource, 'created')
        return self.finish(resource, out, created=True)

    def update(self, existing, name):
        engine, kind, spec = self.engine, self.kind, self.spec
        shown = self.shown()
        before = self.view(shown, existing)
        # An object is sent whole, the user's keys laid over the API's: the API merges only the top level, so keys
        # the user left out would be lost.
        whole = self.args.get('nested') == 'replace'
        changes = dict((prop, value if whole else merged(value, existing.get(prop))) for prop, value in spec.items()
                       if prop != 'name' and kind.compared(prop, self.extra)
                       and differs(value, existing.get(prop), prop, whole))
        if self.args['id'] is not None and name is not None and existing.get('name') != name:
            changes['name'] = name  # found by id, renamed (found by name, only the case could differ: kept)
        frozen = sorted(prop for prop in changes if kind.mode(prop, self.extra) == FROZEN)
        if frozen:
            raise NFError('%s %r: %s cannot be changed after creation (the API keeps %s): delete it (state: absent) '
                          'and create it again, or leave %s out of spec' % (
                              kind.name, existing.get('name'), ', '.join(frozen),
                              ', '.join('%s=%s' % (prop, _short(existing.get(prop))) for prop in frozen),
                              ' and '.join(frozen)))
        after = dict(before, **self.view([prop for prop in changes if prop in shown], changes))
        out = dict(changed=bool(changes), method='update' if changes else 'none', diff=dict(before=before, after=after))
        resource = existing
        if changes and not engine.check_mode:
            body = dict(changes)
            body['name'] = body.get('name', existing.get('name'))  # the API needs the name in every PATCH (the SDK)
            if 'model' in body and kind.name == 'services' and existing.get('modelType') is not None:
                body.setdefault('modelType', existing['modelType'])  # the SDK: a model goes with its modelType
            what = 'updating %s %r' % (kind.name, existing.get('name'))
            reply = engine.write('PATCH', engine.item_path(existing['id']), body, what, ok=(200, 202))
            answer = engine.one(reply.json, what)
            resource = engine.settle(answer, self.deadline, self.timeout) if self.args['wait'] else answer
            self.kept(changes, resource, 'updated')
        elif self.args['wait'] and not engine.check_mode and kind.status and existing.get('status') != DONE:
            resource = engine.poll(existing['id'], existing.get('name'), existing, self.deadline, self.timeout)
        return self.finish(resource, out)

    def kept(self, sent, resource, done):
        """After a write: every compared property the API answered as sent, else one line naming the first that is
        not (a property it does not take, or takes in another form)."""
        for prop in sorted(sent):
            if prop in self.spec and self.kind.compared(prop, self.extra) and differs(
                    self.spec[prop], resource.get(prop), prop, self.args.get('nested') == 'replace'):
                raise NFError('%s %r (%s) was %s, but the API did not keep spec.%s (sent %s, it answered %s): it '
                              'does not take that property or that value; check them against NetFoundry\'s API '
                              'reference' % (self.kind.name, resource.get('name'), resource.get('id'), done, prop,
                                             _short(self.engine.client.redact(_hidden(self.spec[prop]))),
                                             _short(self.engine.client.redact(_hidden(resource.get(prop))))))

    def absent(self, existing):
        engine = self.engine
        if existing is None:
            return dict(changed=False, method='none')
        out = dict(changed=True, method='delete', id=existing.get('id'),
                   diff=dict(before=self.view(self.shown(), existing), after={}))
        if engine.check_mode:
            return out
        what = 'deleting %s %r' % (self.kind.name, existing.get('name'))
        reply = engine.write('DELETE', engine.item_path(existing['id']), None, what, ok=(200, 202, 204, 404))
        if reply.status != 404 and self.args['wait']:
            answer = dict(existing, **reply.json) if isinstance(reply.json, dict) else existing
            learn_secrets(answer, engine.client)
            engine.settle(answer, self.deadline, self.timeout, gone=True)
        if self.kind.dest and self.args.get(self.kind.dest):
            # The secret of a resource that is gone is no use to anyone: its file goes too.
            remove_private(dest_file(self.args[self.kind.dest], existing.get('name'), RESULT_SUFFIX[self.kind.dest]))
        return out

    def finish(self, resource, out, created=False):
        """The one-time credentials (to their files, or the result when asked), then the result's resource."""
        engine, args = self.engine, self.args
        if self.kind.name == 'endpoints' and (args.get('enrollment_jwt_dest') or args['return_enrollment_secrets']):
            resource = self.enrollment_jwt(resource)
        issued = None
        if self.kind.name == 'edge-routers' and (args.get('registration_key_dest') or args['return_enrollment_secrets']):
            issued = self.registration_key(resource, out, created)
        resource, secrets = hide_secrets(resource, engine.client)
        if issued:
            secrets['registrationKey'] = issued
        else:
            secrets.pop('registrationKey', None)  # a key inside an answer is no key the API issued to us
        if self.kind.dest == 'enrollment_jwt_dest' and 'jwt' in secrets and args.get('enrollment_jwt_dest'):
            path = dest_file(args['enrollment_jwt_dest'], resource.get('name'), '.jwt')
            out['changed'] = write_private(path, secrets['jwt'], engine.check_mode) or out['changed']
        if args['return_enrollment_secrets']:
            for key, result in RESULT_SECRETS.items():
                if key in secrets and (key != 'jwt' or self.kind.name == 'endpoints'):
                    out[result] = secrets[key]
        out.update(id=resource.get('id'), resource=resource)
        if self.kind.status:
            out['status'] = resource.get('status')
        return out

    def enrollment_jwt(self, resource):
        """An endpoint created moments ago has no JWT yet (recorded: the create answers jwt null; the SDK reads it
        again "to ensure the JWT is defined"): read it again, within wait_timeout, until NetFoundry has issued it. An
        endpoint with a Ziti id and no JWT is enrolled (or was made without one-time enrollment): nothing to write."""
        engine = self.engine
        pause = FIRST_POLL
        what = '%s %r (%s)' % (self.kind.name, resource.get('name'), resource.get('id'))
        while not engine.check_mode and resource.get('jwt') is None and resource.get('zitiId') is None:
            pause = engine.pause(pause, self.deadline, lambda: '%s has no enrollment JWT yet' % what, self.timeout)
            resource = engine.get(resource['id'], self.deadline)
            if resource is None:
                raise NFError('%s disappeared while its enrollment JWT was awaited' % what)
        return resource

    def registration_key(self, router, out, created):
        """A customer-hosted edge router's registration key, asked for only when one must be written: the router was
        created now, or its file is missing. Each request issues a new key and voids the one before (NetFoundry's SDK
        calls it rotate), so a file that is there is left as it is. None when no key was issued."""
        engine, args = self.engine, self.args
        what = '%s %r (%s)' % (self.kind.name, router.get('name'), router.get('id'))
        if router.get('provider') not in (None, '', 'CUSTOMER'):
            given = os.path.expanduser(args.get('registration_key_dest') or '')
            if given and not (given.endswith(os.sep) or os.path.isdir(given)):  # a folder serves a loop: no warning
                self.warn('%s is hosted by NetFoundry (provider %s): it has no registration key, nothing was written'
                          % (what, router.get('provider')))
            return None
        if router.get('verified') is True:
            return None  # registered already: a key would register nothing
        dest = dest_file(args.get('registration_key_dest'), router.get('name'), '.key')
        rotate = args.get('rotate_registration_key')
        if not (created or rotate) and (not dest or os.path.lexists(dest)):
            return None
        out['changed'] = True
        if engine.check_mode:
            return None
        reply = engine.write('POST', engine.item_path(router['id']) + '/registration-key', None,
                             'asking for the registration key of %s' % what, ok=(200, 201))
        key = reply.json.get('registrationKey')
        if not isinstance(key, str) or not key:
            raise NFError('asking for the registration key of %s: the API\'s answer has no registrationKey' % what)
        engine.client.hold(key)
        if dest:
            write_private(dest, key)
        return key


RESULT_SUFFIX = {'enrollment_jwt_dest': '.jwt', 'registration_key_dest': '.key'}
NAME_MAX = 255  # the longest file name Linux and macOS file systems take, in bytes


def is_folder(dest):
    """Whether a dest option names a folder: an existing one, or a path ending with /."""
    path = os.path.expanduser(dest)
    return path.endswith(os.sep) or os.path.isdir(path)


def file_name(name, suffix):
    """A resource's file in a folder: its name with /, \\, NUL and % written %XX and a leading . as %2E, so that no
    two names share a file and none is hidden or points elsewhere."""
    text = ''.join('%%%02X' % ord(char) if char in '/\\\0%' else char for char in str(name or ''))
    if text.startswith('.'):
        text = '%2E' + text[1:]
    return (text or '%00') + suffix


def dest_file(dest, name, suffix):
    """The file a dest option names: dest itself, or, for a folder, <folder>/<file_name(name, suffix)>. Nothing is
    made here: write_private makes a missing folder (0700, with its missing parents)."""
    if not dest:
        return None
    path = os.path.expanduser(dest)
    if not is_folder(dest):
        return path
    return os.path.join(path, file_name(name, suffix))


def remove_private(path):
    """Remove a secret file (a regular file or a symlink, never what a symlink points to); nothing when missing."""
    try:
        info = os.lstat(path) if path else None
    except OSError:
        return
    if info is not None and (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        try:
            os.unlink(path)
        except OSError as exc:
            raise NFError('the resource was deleted, but its secret file %s could not be removed (%s)'
                          % (path, exc.strerror))


def _mentions(spec):
    """Whether spec has a role list or a named reference to resolve (no read for a spec without one)."""
    model = spec.get('model') if isinstance(spec.get('model'), dict) else {}
    lists = [value for prop, value in list(spec.items()) + list(model.items()) if prop in ROLE_TYPES]
    return any(isinstance(values, list) and any(isinstance(item, str) and not item.startswith('#') for item in values)
               for values in lists) or any(isinstance(host, dict) and 'edgeRouterName' in host
                                           for host in model.get('edgeRouterHosts') or [])


def _status(resource, what):
    """The status of a resource (None when it has none); a status that is not text fails in one line."""
    status = resource.get('status') if isinstance(resource, dict) else None
    if status is not None and not isinstance(status, str):
        raise NFError('%s: the API\'s answer has a status that is %s, not text' % (what, _kind(status)))
    return status


def _gone(resource, what):
    """Deleted, or being deleted: a status that says so, or deletedAt set (the recorded delete answers set it)."""
    return _status(resource, what) in GONE or resource.get('deletedAt') not in (None, '')


def _kind(value):
    for types, words in ((bool, 'a boolean'), (dict, 'an object'), (list, 'a list'), (str, 'text'),
                         (type(None), 'null')):
        if isinstance(value, types):
            return words
    return 'a number'  # ansible-core 2.19+ tags numbers: _AnsibleTaggedInt is an int


def _work_link(answer):
    """The href of the asynchronous work a write's answer links, or None: _links.process (recorded), else the SDK's
    _links.execution or _links.executions (an object, or a list: the first)."""
    links = answer.get('_links') if isinstance(answer, dict) else None
    if not isinstance(links, dict):
        return None
    for key in ('process', 'execution', 'executions'):
        link = links.get(key)
        if isinstance(link, list):
            link = link[0] if link else None
        href = link.get('href') if isinstance(link, dict) else None
        if isinstance(href, str) and href:
            return href
    return None


def _work_failure(work, status):
    """A failed process or execution in words: its name, the step that failed and the API's own message."""
    name = work.get('processorName') or work.get('name')
    steps = work.get('steps') if isinstance(work.get('steps'), list) else []
    step = next((s for s in steps if isinstance(s, dict) and s.get('status') in WORK_FAILED), None)
    words = 'NetFoundry\'s %s ended %s' % ('work (%s)' % name if isinstance(name, str) else 'work', status)
    if step is not None:
        label = step.get('stepDescription') or step.get('stepName')
        if isinstance(label, str):
            words += ' at step %s' % ' '.join(label.split())[:120]
    payload = work.get('payload')
    reason = payload if isinstance(payload, str) else _reason(payload) if isinstance(payload, dict) else ''
    return words + (': %s' % ' '.join(reason.split())[:300] if reason else '')


# The list filters NetFoundry's API is known to take (NetFoundry's SDK sends them; name and networkId have options of
# their own): the types each filters.
QUERY_FILTERS = {'status': tuple(name for name, kind in TYPES.items() if kind.status), 'typeId': ('endpoints',),
                 'findByNetworkGroupId': ('networks',)}
ATTRIBUTE_TYPES = tuple(name for name, kind in TYPES.items() if kind.open or 'attributes' in kind.properties)


def info_problem(args):
    """nf_resource_info's arguments that cannot work, in one line (before any request), or None."""
    kind = TYPES[args['type']]
    if _empty(args):
        return _empty(args)
    if not kind.scoped and args['network']:
        return 'option network is not for type networks: use name or id'
    for key in sorted(args['query'], key=str):
        if kind.name not in QUERY_FILTERS.get(key, ()):
            known = sorted(name for name, types in QUERY_FILTERS.items() if kind.name in types)
            hint = '; to select by attributes, use option attributes' if key == 'attributes' else \
                '; to select by name, use option name' if key in ('name', 'findByName') else \
                '; give the network in option network' if key == 'networkId' else \
                '; the pages are this module\'s to ask for: it reads every one' if key in ('page', 'size', 'sort') \
                else ''
            return 'query key %s is not a filter NetFoundry\'s API takes for %s (it takes %s)%s' % (
                key, kind.name, ', '.join(known) or 'none but name and network', hint)
    for key, value in args['query'].items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            return 'query %s must be text or a number, got %s: the API filters on one value' % (key, _kind(value))
    if args.get('names') and (args['name'] is not None or args['id'] is not None):
        return 'option names is a set of names: give it without name and id'
    if args.get('wait_timeout') is not None and not 0 <= args['wait_timeout'] <= MAX_WAIT:
        return 'option wait_timeout must be 0 to %d seconds (a day), got %s' % (MAX_WAIT, str(args['wait_timeout'])[:40])
    if args.get('attributes') and kind.name not in ATTRIBUTE_TYPES:
        return 'option attributes is for the types with attributes (%s), not %s: select by their role lists with ' \
            'ansible.builtin.selectattr' % (', '.join(ATTRIBUTE_TYPES), kind.name)
    return None


def find_resources(client, api_url, args):
    """nf_resource_info's work: the resources that match, their one-time credentials hidden unless asked for."""
    engine = Resources(client, api_url, args['type'])
    net = None
    if args['network']:
        net = network_id(client, api_url, args['network'])
        if net is not None and UUID_RE.match(args['network']) and \
                Resources(client, api_url, 'networks').get(net) is None:
            net = None  # an id is used as it is by nf_resource (the API refuses a write there); a read must ask
        if net is None:
            raise NFError('network %r does not exist: check the name (type networks lists them)' % args['network'])
    deadline = engine.clock() + (args.get('wait_timeout') or 0)
    pause = FIRST_POLL
    while True:
        found = _select(engine, net, args)
        pending = [item for item in found if engine.kind.status and args.get('until_provisioned')
                   and _status(item, 'listing %s' % engine.kind.name) != DONE]
        failed = [item for item in pending if item.get('status') in FAILED]
        if failed:
            raise NFError('%s ended in %s: %s' % (engine.kind.name, failed[0].get('status'), ', '.join(
                '%r (%s)%s' % (item.get('name'), item.get('status'), ': ' + _reason(item) if _reason(item) else '')
                for item in failed[:10])))
        if not pending:
            break
        pause = engine.pause(pause, deadline, lambda: '%s %s' % (engine.kind.name, ', '.join(
            '%r is still %s' % (item.get('name'), item.get('status')) for item in pending[:10])), args['wait_timeout'])
    if not args['return_enrollment_secrets']:
        found = [hide_secrets(item, client)[0] for item in found]
    return found


def _select(engine, net, args):
    """The resources nf_resource_info selects: by id, name or names, then attributes."""
    if args['id'] is not None:
        one = engine.find(net, rid=args['id'])
        found = [one] if one is not None else []
    else:
        found = engine.list(net, args['name'], args['query'])
    if args.get('names') is not None:  # an empty list selects nothing (a loop's names that came out empty)
        wanted = dict((fold(name), name) for name in args['names'])
        found = [item for item in found if fold(item.get('name')) in wanted]
        missing = sorted(set(wanted) - set(fold(item.get('name')) for item in found))
        if missing:
            raise NFError('no %s named %s%s' % (engine.kind.name, ', '.join(repr(wanted[key]) for key in missing),
                                                ' in network %s' % args['network'] if args['network'] else ''))
    attributes = set(args.get('attributes') or ())
    if attributes:
        found = [item for item in found if isinstance(item.get('attributes'), list) and _hashable(item['attributes'])
                 and attributes <= set(item['attributes'])]
    return found


def network_id(client, api_url, network):
    """The id of the network named network (or network itself when it is an id), or None when there is none.

    Kept for the process (a loop's items run in one): a loop over 50 endpoints of a network reads the network once.
    A create or delete of a network forgets it."""
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
        value = resource.get(key) if isinstance(resource, dict) else None
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
            raise NFError('cannot use %s (%s): check the path and its permissions' % (path, exc.strerror))
        info = None
    except ValueError:
        raise NFError('cannot use %r: it contains a NUL byte' % path.replace('\0', '\\0'))
    if info is not None and not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        raise NFError('%s is not a regular file (a device, a FIFO or a directory): give the path of a file to '
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
    if not os.path.isdir(directory):
        missing = []
        while directory and not os.path.isdir(directory) and directory not in missing:
            missing.append(directory)
            directory = os.path.dirname(directory)
        try:
            for folder in reversed(missing):  # a dest folder (ending with /) and each missing parent, private
                if not os.path.isdir(folder):
                    os.mkdir(folder, 0o700)
        except OSError as exc:
            raise NFError('cannot make the folder %s (%s): check the path and its permissions' % (
                missing[0], exc.strerror))
        directory = missing[0]
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
        raise NFError('cannot write %s (%s): check the directory and its permissions' % (path, exc.strerror))
    return True
