# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A local stand-in for NetFoundry's identity providers and API, on 127.0.0.1 only.

Token endpoints (each on the HTTP and the HTTPS listener):
  POST /oauth/token   Auth0: JSON body with client_id, client_secret, audience (required), grant_type.
  POST /oauth2/token  Cognito: HTTP Basic, form body, grant_type and a non-empty scope required.
  POST /oauth2/default/v1/token  An Okta-like server: the Cognito rules under Okta's path (its host is loopback).
  POST /token         Any RFC 6749 server: client_secret_basic or client_secret_post, optional scope/resource/audience.
  POST /alt/...       The same endpoints under a second path (two clients of one play then warn in other words).
Tokens are RS256 JWTs (JWKS at /.well-known/jwks.json). The API emulator accepts only a valid, unexpired token
for its own base URL (aud, or a Cognito scope under it) and answers 401 otherwise.

API: GET identity/v1/identities/self (and identity/v1/api-account-identities/self). The network domain's resource
types the official SDK (python-netfoundry) marks mutable, at core/v2/<type> and core/v2/<type>/<id> (RESOURCE_TYPES
below has the table and where each fact comes from):
  GET core/v2/<type>      a Spring HAL page: query page (0-based), size (default 20), sort=name,asc|desc (else the
                          order of creation); _embedded.<listKey>, _links (self, next), page {size, totalElements,
                          totalPages, number}; no _embedded at all when the page is empty (the SDK reads totalElements
                          first for that). Filters: networkId (every type but networks; without it a list spans every
                          network, as the SDK's Networks.find_network_domain_resources does), name (findByName for
                          networks; exact, case-insensitive), status, typeId, findByNetworkGroupId; other query
                          parameters (embed, beta, ...) are ignored.
  POST core/v2/<type>     create: name required (409 when the type already has it in that network, case-insensitive, a
                          resource being deleted included), networkId required but for networks (an existing network,
                          else 400). Answers the type's create code (202, or 200 for edge-router-policies and app-wans)
                          with the resource: id, networkId, status, createdAt, updatedAt, zitiId (not for networks),
                          _links.self, and every property sent. Endpoints: enrollmentMethod defaults to {"ott": true};
                          with ott the endpoint carries a one-time enrollment "jwt" until it is enrolled (control
                          /_control/enroll; then "jwt" is null). Customer-hosted edge routers (no provider, or provider
                          CUSTOMER, and no dataCenterId) carry "registrationKey" and "registration" {registrationKey,
                          expiresAt}.
  GET core/v2/<type>/<id> one resource (networkId in the query is ignored); 404 {"error": "not_found"} when missing.
  PATCH core/v2/<type>/<id>  shallow merge of the top-level properties sent; PUT replaces every property a client
                          manages (what is not sent is dropped; server fields stay). Both need "name" (the SDK adds it to
                          every PATCH: "the API requires the name property") and answer the type's create code. A
                          property of the type's no_update_props (or networkId, id) that differs: 400 {"error":
                          "not_updatable", "property": NAME}; a services PATCH with model but no modelType: 400 (the SDK
                          always adds modelType). A write to a resource being deleted: 409.
  DELETE core/v2/<type>/<id> 202 with the resource, status DELETING; then 404 once its progression ends (below).
Asynchronous status, the SDK's names: a create answers PROVISIONING (settings "create_status" may make it NEW), an
update UPDATING, a delete DELETING; the resource ends PROVISIONED (or is gone, after a delete) at its Nth GET by id
(settings "provision_after_gets", default 2: the 2nd GET after the write shows the end; 0: the write's answer does) or
once "provision_after_seconds" have passed since the write (any read then shows it; default none). Lists do not count
as GETs. Errors are JSON {"error", "message", "status"} (NetFoundry's exact error body is not documented in the SDK).
A wrong method on a known path: 405 with Allow. The stats' api_log has each request (method, path, query, status, at:
when it came; a GET to no route excepted, as before: every write is there, a refused, faulted, 404 or 405 one too);
api_methods counts its entries per method, api_writes its POST, PUT, PATCH and DELETE.

Control (JSON): GET /_control/stats; POST /_control/reset, /_control/clients {client_id, client_secret, lifetime},
/_control/faults {"faults": [{status, body, content_type, headers, delay, drop, reset, times}]}: the identity
provider's fault queue, consumed by every token request; /_control/api_faults {"faults": [...]}: the API's fault
queue, the same vocabulary, consumed by every API request before routing (the request is in api_log first, with
"fault": true when a fault answered it). A fault {"serve": true} in a queue answers its request normally (to line
faults up for several clients in turn), after its delay if it has one; times: N answers N requests in a row.
The stats hold idp_gets too: every GET the identity provider's listeners answered, with its Authorization scheme
(so a test sees whether a bearer token reached them).
Hostile faults (what an adversarial or broken server does):
  repeat: N         the body N times over (a 1 MiB page of repeated <title>, 100,000 nested '[')
  echo: "json"|"text"  an error that echoes the request (body and Authorization header), as a JSON error_description
                    (escaped: quotes, backslashes, non-ASCII as \\u escapes) or as plain text after `pad` filler characters
  trickle: S        the body one byte every S seconds; trickle_headers: S the status line and headers likewise
  token: {claims, expires_in}  a real signed token for the client of the request, with these claims (exp...)
                    and this raw expires_in (absurd numbers: 400 digits, 1e300, an exp in the past)
  echo_token: "body"|"error"|"header"  an API that repeats the request's bearer token: 200 with a JSON body whose
                    "received" is the Authorization header, 400 (or status) with a JSON error whose "message" holds
                    it, or 200 with a response header X-Echo: <token>
/_control/revoke {} revokes every token issued so far (the API answers 401 for them).
Resources (Control methods in brackets):
  POST /_control/resources {"provision_after_gets": N, "provision_after_seconds": S|null, "create_status":
                    "PROVISIONING"|"NEW"}: merged into the settings, answered with them  [resource_settings(**settings)]
  GET /_control/resources: {"settings", "faults", "counts": {type: N}}; GET /_control/resources/<type>: {"resources":
                    [...]} every stored resource of the type, each pending one with "_testbed": {op, gets, outcome}
                    [resources(type)]
  POST /_control/seed {"type", "resource": {...}, "status"}: store a resource as if created long ago (no API request,
                    not in api_log; status default PROVISIONED), answered with it  [seed(type, status=..., **props)]
  POST /_control/enroll {"id"}: the endpoint is enrolled, its jwt becomes null (404 when no such endpoint)
                    [enroll(endpoint_id)]
  POST /_control/resource_faults {"faults": [...]}: replaces the resource fault list  [resource_faults(*faults)]. A
                    fault {"name": X, "type": T (optional), "on": "create"|"update"|"delete"|"any" (default any),
                    "times": N (default: every matching write; race: 1)} matches a write to the resource named X
                    (case-insensitive) and sets its "outcome":
      "ERROR" | "SUSPENDED"  the progression ends in that status instead, with "statusMessage": fault "message" (or a
                    default): the field that says why (the SDK names no such field; this one is the test bed's choice)
      "stuck"       the progression never ends (PROVISIONING, UPDATING or DELETING for ever)
      "race"        the next create of X first stores another resource named X (as if another writer had created it
                    between find and create), so the create answers 409
  The API fault queue (/_control/api_faults) answers before routing, so 429/5xx faults hit resource requests too.

Run: python nf_testbed.py --state-dir DIR [--account-file PATH] [--client ID SECRET]... [--lifetime S]; DIR/state.json
tells the URLs. --account-file makes an API account with a random id and secret and writes it as NF Console's
credentials.json (0600, authenticationUrl the Cognito-style token URL), so that no secret is on a command line, where
other local users can read it (--client is for the tests' fixed accounts).
"""

import argparse
import base64
import copy
import functools
import json
import os
import re
import signal
import socket
import struct
import threading
import time
import unicodedata
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote_plus, urlencode

import jwt
import trustme
import urllib.request
from cryptography.hazmat.primitives.asymmetric import rsa

COGNITO_SUFFIX = '/ignore-scope'
# The status of an echo_token fault that gives none.
FAULT_STATUS = {'body': 200, 'error': 400, 'header': 200}

# The resource types python-netfoundry marks mutable in the network domain, from its netfoundry/utility.py RESOURCES
# (ResourceType: _embedded = kebab2camel(singular(name)) + 'List' unless given; create_responses; no_update_props;
# mutable) and netfoundry/network.py (find_resources, create_resource, patch_resource, put_resource,
# delete_resource, wait_for_statuses). The test bed's own table: nothing here comes from plugins/.
#   type                          list key                      create  update      no_update_props
#   networks                      networkList                   202     PATCH       -
#   endpoints                     endpointList                  202     PATCH       -
#   edge-routers                  edgeRouterList                202     PATCH       registration (SDK no_update_props)
#   edge-router-policies          edgeRouterPolicyList          200     PATCH       -
#   services                      serviceList                   202     PATCH, PUT  modelType (not in the SDK's table: its
#                                                                                   patch_resource says "moduleType is immutable")
#   service-policies              servicePolicyList             202     PATCH       -
#   service-edge-router-policies  serviceEdgeRouterPolicyList   202     PATCH       -
#   app-wans                      appWanList                    200     PATCH       -
#   posture-checks                postureCheckList              202     PATCH       -
#   certificate-authorities       certificateAuthorityList      202     PATCH       -
#   config-types                  configTypeList                202     PATCH       -
#   configs                       configList                    202     PATCH       -
#   terminators                   terminatorList                202     PATCH       -
# create: the SDK's create_responses are ["ACCEPTED"], but ["OK", "ACCEPTED"] for edge-router-policies and app-wans
# ("created in a blocking, synchronous manner"): those answer 200 here. PATCH and PUT answer the type's create code
# too (the SDK takes 200 or 202 from either). update: the SDK's patch_resource works for every mutable type and its
# put_resource too (nfctl edit PUTs any type; its Ansible service module PUTs services): every type here takes both;
# the column (informative, not enforced) marks PUT where the SDK's own tooling replaces with it. no_update_props: the
# SDK prunes them from every patch, so what the API answers when they are sent is not documented: 400 here, naming the
# property. Statuses: the SDK's RESOURCE_STATUS_SYMBOLS (complete PROVISIONED; progress NEW, PROVISIONING, UPDATING,
# REPLACING; error ERROR, SUSPENDED; deleting DELETING; deleted DELETED or 404 NOT_FOUND).
RESOURCE_TYPES = {
    'networks': dict(list_key='networkList', create=202, update=('PATCH',), no_update=()),
    'endpoints': dict(list_key='endpointList', create=202, update=('PATCH',), no_update=()),
    'edge-routers': dict(list_key='edgeRouterList', create=202, update=('PATCH',), no_update=('registration',)),
    'edge-router-policies': dict(list_key='edgeRouterPolicyList', create=200, update=('PATCH',), no_update=()),
    'services': dict(list_key='serviceList', create=202, update=('PATCH', 'PUT'), no_update=('modelType',)),
    'service-policies': dict(list_key='servicePolicyList', create=202, update=('PATCH',), no_update=()),
    'service-edge-router-policies': dict(list_key='serviceEdgeRouterPolicyList', create=202, update=('PATCH',),
                                         no_update=()),
    'app-wans': dict(list_key='appWanList', create=200, update=('PATCH',), no_update=()),
    'posture-checks': dict(list_key='postureCheckList', create=202, update=('PATCH',), no_update=()),
    'certificate-authorities': dict(list_key='certificateAuthorityList', create=202, update=('PATCH',), no_update=()),
    'config-types': dict(list_key='configTypeList', create=202, update=('PATCH',), no_update=()),
    'configs': dict(list_key='configList', create=202, update=('PATCH',), no_update=()),
    'terminators': dict(list_key='terminatorList', create=202, update=('PATCH',), no_update=()),
}
# Properties the API sets: a PATCH or PUT that sends them changes nothing (networkId and id that differ: 400).
SERVER_PROPS = frozenset(('id', 'networkId', 'status', 'statusMessage', 'createdAt', 'updatedAt', 'createdBy',
                          'updatedBy', 'deletedAt', 'deletedBy', 'zitiId', 'jwt', 'registrationKey', '_links'))
IMMUTABLE_PROPS = ('networkId', 'id')
RESOURCE_SETTINGS = dict(provision_after_gets=2, provision_after_seconds=None, create_status='PROVISIONING')
RESOURCE_PATH = re.compile(r'/core/v2/(?P<type>[a-z][a-z-]*)(?:/(?P<id>[^/]+))?$')
FAULT_OUTCOMES = ('ERROR', 'SUSPENDED', 'stuck', 'race')
NETWORK_GROUP_ID = '00000000-0000-4000-8000-000000000100'
SEEDED_AT = '2024-01-02T03:04:05.000Z'
REASONS = {404: 'not_found', 400: 'bad_request', 405: 'method_not_allowed', 409: 'conflict'}


class ApiError(Exception):
    """An error answer of the API: status, and a JSON body {error, message, status, ...extra}."""

    def __init__(self, status, message, error=None, **extra):
        super().__init__(message)
        self.status = status
        self.data = dict(error=error or REASONS.get(status, 'error'), message=message, status=status)
        self.data.update(extra)


def caseless(text):
    """The SDK's normalize_caseless: names compare as NFKD of their casefold."""
    return unicodedata.normalize('NFKD', text.casefold()) if isinstance(text, str) else text


def iso_now(at=None):
    at = time.time() if at is None else at
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(at)) + '.%03dZ' % int((at % 1) * 1000)


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def fake_enrollment_jwt(issuer, subject):
    """A random-looking one-time enrollment token, shaped as a JWT (never signed by anything)."""
    header = _b64(json.dumps(dict(alg='RS256', typ='JWT')).encode())
    claims = _b64(json.dumps(dict(em='ott', exp=int(time.time()) + 86400, iss=issuer, jti=str(uuid.uuid4()),
                                  sub=subject)).encode())
    return '%s.%s.%s' % (header, claims, _b64(os.urandom(256)))


class State:
    """Clients, counters, the request log and the fault queue, shared by every listener."""

    def __init__(self):
        self.lock = threading.Lock()
        self.api_base = None  # the API's base URL, once its listener is up (resource links, enrollment tokens)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex[:16]
        self.clients = {}
        self.reset()

    def reset(self):
        with self.lock:
            self.token_requests = {}
            self.issued = {}
            self.tokens = []
            self.api_requests = 0
            self.api_refused = 0
            self.log = []
            self.faults = []
            self.api_faults = []
            self.idp_gets = []
            self.revoked = set()
            self.api_log = []
            self.resource_settings = dict(RESOURCE_SETTINGS)
            self.resource_faults = []
            self.resources = dict((name, []) for name in RESOURCE_TYPES)  # type -> resources, in creation order
            self.pending = {}  # resource id -> its progression: type, op, gets, since, outcome, message
            self.networks = self.resources['networks']
            self.networks.extend(dict(id='00000000-0000-4000-8000-0000000000%02d' % i, name=name, status='PROVISIONED',
                                      productVersion='7.3.90', networkGroupId=NETWORK_GROUP_ID, createdAt=SEEDED_AT,
                                      updatedAt=SEEDED_AT) for i, name in enumerate(('demo-network', 'lab-network'), 1))

    def add_client(self, client_id, secret, lifetime=3600):
        with self.lock:
            self.clients[client_id] = dict(secret=secret, lifetime=int(lifetime))

    def next_fault(self, queue='faults'):
        """The next fault of a queue ('faults': the identity provider's, 'api_faults': the API's), or None."""
        with self.lock:
            faults = getattr(self, queue)
            if not faults:
                return None
            fault = faults[0]
            fault['times'] = fault.get('times', 1) - 1
            if fault['times'] <= 0:
                faults.pop(0)
            return fault

    def stats(self):
        with self.lock:
            methods = {}
            for entry in self.api_log:
                methods[entry['method']] = methods.get(entry['method'], 0) + 1
            return dict(token_requests=dict(self.token_requests), total=sum(self.token_requests.values()),
                        issued=dict(self.issued), tokens=list(self.tokens), api_requests=self.api_requests,
                        api_refused=self.api_refused, log=list(self.log), api_log=[dict(e) for e in self.api_log],
                        idp_gets=list(self.idp_gets), api_methods=methods,
                        api_writes=sum(methods.get(m, 0) for m in ('POST', 'PUT', 'PATCH', 'DELETE')))

    # The resource store: each public method takes the lock, each _method expects it taken.

    def _find(self, rtype, rid):
        return next((res for res in self.resources[rtype] if res['id'] == rid), None)

    def _named(self, rtype, network_id, name, exclude=None):
        """The resource of rtype named name (case-insensitive) in the network (networks: any), or None."""
        key = caseless(name)
        return next((res for res in self.resources[rtype] if res['id'] != exclude and caseless(res.get('name')) == key
                     and (rtype == 'networks' or res.get('networkId') == network_id)), None)

    def _render(self, rtype, res):
        """A copy of the resource as the API shows it, with its HAL links."""
        shown = copy.deepcopy(res)
        links = dict(self=dict(href='%score/v2/%s/%s' % (self.api_base, rtype, res['id'])))
        if rtype != 'networks':
            links['network'] = dict(href='%score/v2/networks/%s' % (self.api_base, res.get('networkId')))
        shown['_links'] = links
        return shown

    def _new(self, rtype, props, status):
        """Store a new resource: the properties sent (server properties dropped), then the server's."""
        now = iso_now()
        res = dict(id=str(uuid.uuid4()), name=props.get('name'))
        res.update((key, copy.deepcopy(value)) for key, value in props.items() if key not in SERVER_PROPS)
        res.update(status=status, createdAt=now, updatedAt=now)
        if rtype == 'networks':
            res.setdefault('productVersion', '7.3.90')
        else:
            res.update(networkId=props['networkId'], zitiId=uuid.uuid4().hex[:10])
        if rtype == 'endpoints':
            method = res.setdefault('enrollmentMethod', dict(ott=True))  # the SDK's create_endpoint sends this
            res['jwt'] = (fake_enrollment_jwt(self.api_base, res['zitiId'])
                          if isinstance(method, dict) and method.get('ott') else None)
        if rtype == 'edge-routers' and res.get('provider') in (None, '', 'CUSTOMER') and not res.get('dataCenterId'):
            # Customer-hosted (the SDK's edge_routers(only_customer=True); its older releases: no dataCenterId).
            key = base64.b32encode(os.urandom(10)).decode('ascii')
            res['registrationKey'] = key
            res['registration'] = dict(registrationKey=key, expiresAt=iso_now(time.time() + 86400))
        self.resources[rtype].append(res)
        return res

    def _take_fault(self, rtype, names, op, race=False):
        """The first resource fault for a write (op) to a resource with one of names, counted down; or None."""
        keys = set(caseless(name) for name in names if isinstance(name, str))
        for fault in self.resource_faults:
            if (fault.get('outcome') == 'race') != race or caseless(fault.get('name')) not in keys:
                continue
            if fault.get('type') not in (None, rtype) or fault.get('on', 'any') not in ('any', op):
                continue
            times = fault.get('times', 1 if race else None)
            if times is not None:
                fault['times'] = times - 1
                if fault['times'] <= 0:
                    self.resource_faults.remove(fault)
            return fault
        return None

    def _start(self, rtype, res, op, fault):
        """Begin a progression (op: create, update, delete); True when it ends at once (provision_after_gets 0)."""
        first = dict(create=self.resource_settings['create_status'], update='UPDATING', delete='DELETING')[op]
        res.pop('statusMessage', None)
        res.update(status=first, updatedAt=iso_now())
        outcome = fault['outcome'] if fault else 'done'
        self.pending[res['id']] = dict(type=rtype, op=op, gets=0, since=time.time(), outcome=outcome,
                                       message=(fault or {}).get('message'))
        return outcome != 'stuck' and int(self.resource_settings['provision_after_gets']) <= 0

    def _finish(self, res):
        """End the resource's progression; False when that deleted it."""
        progress = self.pending.pop(res['id'])
        if progress['outcome'] in ('ERROR', 'SUSPENDED'):
            res.update(status=progress['outcome'], updatedAt=iso_now(), statusMessage=progress['message'] or (
                'the test bed made this %s end in %s' % (progress['op'], progress['outcome'])))
            return True
        if progress['op'] != 'delete':
            res.update(status='PROVISIONED', updatedAt=iso_now())
            return True
        self.resources[progress['type']].remove(res)
        if progress['type'] == 'networks':  # a network takes its resources with it
            for rtype, items in self.resources.items():
                for child in [child for child in items if rtype != 'networks' and child.get('networkId') == res['id']]:
                    items.remove(child)
                    self.pending.pop(child['id'], None)
        return False

    def _settle(self):
        """End every progression whose provision_after_seconds have passed."""
        seconds = self.resource_settings.get('provision_after_seconds')
        if seconds is None:
            return
        now = time.time()
        for rid, progress in list(self.pending.items()):
            if rid in self.pending and progress['outcome'] != 'stuck' and now - progress['since'] >= float(seconds):
                res = self._find(progress['type'], rid)
                if res is None:
                    self.pending.pop(rid, None)
                else:
                    self._finish(res)

    def _existing(self, rtype, rid):
        res = self._find(rtype, rid)
        if res is None:
            raise ApiError(404, 'no %s with id %s' % (rtype, rid))
        return res

    def list_resources(self, rtype, query):
        """(the page's resources, totalElements) of rtype matching the query's filters."""
        page, size = int(query.get('page', 0)), int(query.get('size', 20))
        if page < 0 or size < 1:
            raise ValueError('page must be >= 0 and size >= 1')
        name = query.get('name', query.get('findByName'))
        filters = [(field, query[param]) for param, field in (('status', 'status'), ('typeId', 'typeId'), (
            'findByNetworkGroupId', 'networkGroupId')) if param in query]
        if rtype != 'networks' and 'networkId' in query:
            filters.append(('networkId', query['networkId']))
        with self.lock:
            self._settle()
            items = [res for res in self.resources[rtype] if (name is None or caseless(res.get('name')) == caseless(name))
                     and all(res.get(field) == value for field, value in filters)]
            sort = query.get('sort', '')
            if sort.split(',')[0] == 'name':
                items.sort(key=lambda res: caseless(res.get('name') or ''), reverse=sort.endswith(',desc'))
            return [self._render(rtype, res) for res in items[page * size:(page + 1) * size]], len(items)

    def get_resource(self, rtype, rid):
        """A GET by id: counts toward the resource's progression, answers 404 once a delete ended it."""
        with self.lock:
            self._settle()
            res = self._existing(rtype, rid)
            progress = self.pending.get(rid)
            if progress is not None:
                progress['gets'] += 1
                if progress['outcome'] != 'stuck' and progress['gets'] >= int(self.resource_settings['provision_after_gets']):
                    if not self._finish(res):
                        raise ApiError(404, 'no %s with id %s' % (rtype, rid))
            return 200, self._render(rtype, res)

    def create_resource(self, rtype, body):
        if not isinstance(body, dict):
            raise ApiError(400, 'the body must be a JSON object')
        name = body.get('name')
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, 'name is required', property='name')
        with self.lock:
            self._settle()
            network_id = None
            if rtype != 'networks':
                network_id = body.get('networkId')
                if not isinstance(network_id, str) or not network_id:
                    raise ApiError(400, 'networkId is required', property='networkId')
                if self._find('networks', network_id) is None:
                    raise ApiError(400, 'no network with id %s' % network_id, property='networkId')
            race = self._take_fault(rtype, [name], 'create', race=True)
            if race:  # another writer got there first, under the name as the fault spells it
                self._new(rtype, dict(name=race['name'], networkId=network_id), 'PROVISIONED')['createdBy'] = 'another-writer'
            existing = self._named(rtype, network_id, name)
            if existing is not None:
                raise ApiError(409, 'a resource of type %s named %s already exists%s' % (
                    rtype, existing['name'], '' if rtype == 'networks' else ' in network %s' % network_id),
                    name=existing['name'], existingId=existing['id'])
            res = self._new(rtype, body, 'NEW')
            if self._start(rtype, res, 'create', self._take_fault(rtype, [name], 'create')):
                self._finish(res)
            return RESOURCE_TYPES[rtype]['create'], self._render(rtype, res)

    def update_resource(self, rtype, rid, body, method):
        """PATCH (shallow merge) or PUT (replace the properties a client manages)."""
        if not isinstance(body, dict):
            raise ApiError(400, 'the body must be a JSON object')
        no_update = RESOURCE_TYPES[rtype]['no_update']
        with self.lock:
            self._settle()
            res = self._existing(rtype, rid)
            progress = self.pending.get(rid)
            if progress is not None and progress['op'] == 'delete':
                raise ApiError(409, '%s %s is being deleted' % (rtype, rid))
            name = body.get('name')
            if not isinstance(name, str) or not name.strip():
                raise ApiError(400, 'name is required', property='name')
            for prop in IMMUTABLE_PROPS + no_update:
                if prop in body and body[prop] != res.get(prop):
                    raise ApiError(400, 'property %s of %s cannot be updated' % (prop, rtype), error='not_updatable',
                                   property=prop)
            if rtype == 'services' and 'model' in body and 'modelType' not in body:
                raise ApiError(400, 'modelType is required with model', property='modelType')
            other = self._named(rtype, res.get('networkId'), name, exclude=rid)
            if other is not None:
                raise ApiError(409, 'a resource of type %s named %s already exists' % (rtype, other['name']),
                               name=other['name'], existingId=other['id'])
            old_name = res.get('name')
            if method == 'PUT':
                kept = dict((key, value) for key, value in res.items() if key in SERVER_PROPS or key in no_update)
                res.clear()
                res.update(id=kept.pop('id'), name=name)
                res.update(kept)
            res.update((key, copy.deepcopy(value)) for key, value in body.items()
                       if key not in SERVER_PROPS and key not in no_update)
            if self._start(rtype, res, 'update', self._take_fault(rtype, [name, old_name], 'update')):
                self._finish(res)
            return RESOURCE_TYPES[rtype]['create'], self._render(rtype, res)

    def delete_resource(self, rtype, rid):
        with self.lock:
            self._settle()
            res = self._existing(rtype, rid)
            progress = self.pending.get(rid)
            if progress is not None and progress['op'] == 'delete':
                return 202, self._render(rtype, res)  # already being deleted: its progression goes on
            now = self._start(rtype, res, 'delete', self._take_fault(rtype, [res.get('name')], 'delete'))
            shown = self._render(rtype, res)
            if now:
                self._finish(res)
            return 202, shown

    def seed(self, rtype, props, status='PROVISIONED'):
        """Store a resource directly (no API request): as if created long ago."""
        if rtype not in RESOURCE_TYPES:
            raise ApiError(404, 'no resource type %s' % rtype)
        if not isinstance(props, dict) or not isinstance(props.get('name'), str):
            raise ApiError(400, 'a seeded resource needs a name')
        with self.lock:
            props = dict(props)
            if rtype != 'networks':
                props.setdefault('networkId', self.networks[0]['id'] if self.networks else None)
            res = self._new(rtype, props, status)
            if isinstance(props.get('id'), str):
                res['id'] = props['id']
            return self._render(rtype, res)

    def enroll(self, rid):
        """The endpoint is enrolled: its one-time jwt is gone. None when there is no such endpoint."""
        with self.lock:
            res = self._find('endpoints', rid)
            if res is None:
                return None
            res.update(jwt=None, updatedAt=iso_now())
            return self._render('endpoints', res)

    def resource_dump(self, rtype=None):
        """What control shows: one type's resources (pending ones with their progression), or an overview."""
        with self.lock:
            if rtype is None:
                return dict(settings=dict(self.resource_settings), faults=[dict(f) for f in self.resource_faults],
                            counts=dict((name, len(items)) for name, items in self.resources.items()))
            if rtype not in RESOURCE_TYPES:
                raise ApiError(404, 'no resource type %s' % rtype)
            shown = []
            for res in self.resources[rtype]:
                item = self._render(rtype, res)
                if res['id'] in self.pending:
                    progress = self.pending[res['id']]
                    item['_testbed'] = dict(op=progress['op'], gets=progress['gets'], outcome=progress['outcome'])
                shown.append(item)
            return dict(resources=shown)

    def jwks(self):
        numbers = self.key.public_key().public_numbers()

        def b64(value):
            raw = value.to_bytes((value.bit_length() + 7) // 8, 'big')
            return base64.urlsafe_b64encode(raw).rstrip(b'=').decode('ascii')
        return dict(keys=[dict(kty='RSA', use='sig', alg='RS256', kid=self.kid, n=b64(numbers.n), e=b64(numbers.e))])

    def issue(self, client_id, claims, lifetime):
        now = int(time.time())
        body = dict(iss='nf-testbed', sub=client_id, client_id=client_id, iat=now, exp=now + lifetime, jti=uuid.uuid4().hex)
        body.update(claims)
        token = jwt.encode(body, self.key, algorithm='RS256', headers=dict(kid=self.kid))
        with self.lock:
            self.issued[client_id] = self.issued.get(client_id, 0) + 1
            self.tokens.append(token)
        return token


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'nf-testbed/1'
    state = None

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def _body(self):
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def send_json(self, status, data, headers=None):
        raw = json.dumps(data).encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(raw)))
        self.send_header('Cache-Control', 'no-store')
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _fault_body(self, fault, request):
        if fault.get('echo_token'):
            received = self.headers.get('Authorization') or ''
            if fault['echo_token'] == 'body':
                data = dict(received=received, note='an API that repeats the bearer token it was sent')
            elif fault['echo_token'] == 'error':
                data = dict(error='bad_request', message='cannot use the credentials in Authorization: %s' % received)
            else:
                data = dict(note='the token is in the X-Echo header')
            return json.dumps(data).encode('utf-8')
        if fault.get('echo'):
            echoed = '%s Authorization: %s' % (request.decode('utf-8', 'replace'), self.headers.get('Authorization'))
            if fault['echo'] == 'json':
                return json.dumps(dict(error='invalid_request', error_description='cannot parse ' + echoed)).encode('utf-8')
            return ('x' * int(fault.get('pad', 0)) + ' you sent: ' + echoed).encode('utf-8')
        if fault.get('token') is not None:
            spec = fault['token']
            client_id = self._client_of(request)
            token = self.state.issue(client_id, spec.get('claims') or {}, 3600)
            answer = dict(access_token=token, token_type='Bearer')
            if 'expires_in' in spec:
                answer['expires_in'] = spec['expires_in']
            return json.dumps(answer).encode('utf-8')
        body = fault.get('body', '')
        raw = body.encode('utf-8') if isinstance(body, str) else json.dumps(body).encode('utf-8')
        return raw * int(fault.get('repeat', 1))

    def _client_of(self, request):
        basic = self._basic()
        if basic:
            return basic[0]
        try:
            return json.loads(request.decode('utf-8')).get('client_id') or '<unknown>'
        except ValueError:
            return dict(parse_qsl(request.decode('utf-8'))).get('client_id') or '<unknown>'

    def _trickle(self, data, pause):
        """Write data a byte at a time, pause seconds apart (until the client hangs up)."""
        for index in range(len(data)):
            try:
                self.wfile.write(data[index:index + 1])
                self.wfile.flush()
            except OSError:
                self.close_connection = True
                return False
            time.sleep(pause)
        return True

    def fault(self, fault, request=b''):
        """Answer the request as fault says (see the module docstring)."""
        if fault.get('delay'):
            time.sleep(float(fault['delay']))
        if fault.get('drop'):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        raw = self._fault_body(fault, request)
        status = int(fault.get('status', FAULT_STATUS.get(fault.get('echo_token'), 500)))
        headers = dict(fault.get('headers') or {})
        if fault.get('echo_token') == 'header':
            headers['X-Echo'] = (self.headers.get('Authorization') or '')[len('Bearer '):]
        if fault.get('trickle_headers'):
            head = ('HTTP/1.1 %d Trickle\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n'
                    % (status, fault.get('content_type', 'application/json'), len(raw)))
            self.close_connection = True
            if self._trickle(head.encode('ascii'), float(fault['trickle_headers'])):
                self.wfile.write(raw)
            return None
        self.send_response(status)
        self.send_header('Content-Type', fault.get('content_type', 'application/json'))
        for name, value in headers.items():
            self.send_header(name, str(value))
        if fault.get('trickle'):
            self.send_header('Content-Length', str(len(raw)))
            self.end_headers()
            self.close_connection = True
            self._trickle(raw, float(fault['trickle']))
            return None
        if fault.get('reset'):
            self.send_header('Content-Length', str(len(raw) + 4096))
            self.end_headers()
            self.wfile.write(raw[:len(raw) // 2])
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            self.close_connection = True
            self.connection.close()
            return None
        self.send_header('Content-Length', str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)
        return None

    def _basic(self):
        header = self.headers.get('Authorization') or ''
        if not header.lower().startswith('basic '):
            return None
        try:
            user, _sep, password = base64.b64decode(header[6:].strip()).decode('utf-8').partition(':')
        except ValueError:
            raise ValueError('malformed Basic credentials')
        return unquote_plus(user), unquote_plus(password)


class IdpHandler(Handler):
    """The identity provider's listeners: token endpoints, JWKS, control."""

    def do_GET(self):  # pylint: disable=invalid-name
        with self.state.lock:
            self.state.idp_gets.append(dict(path=self.path, at=time.time(),
                                            auth_scheme=(self.headers.get('Authorization') or ' ').split(' ')[0].lower() or None))
        if self.path == '/_control/stats':
            return self.send_json(200, self.state.stats())
        if self.path == '/_control/resources' or self.path.startswith('/_control/resources/'):
            try:
                return self.send_json(200, self.state.resource_dump(self.path[len('/_control/resources/'):] or None))
            except ApiError as exc:
                return self.send_json(exc.status, exc.data)
        if self.path == '/.well-known/jwks.json':
            return self.send_json(200, self.state.jwks())
        return self.send_json(404, dict(error='not_found'))

    def do_POST(self):  # pylint: disable=invalid-name
        raw = self._body()
        if self.path.startswith('/_control/'):
            return self.control(self.path[len('/_control/'):], json.loads(raw or b'{}'))
        path = self.path.split('?')[0]
        path = path[len('/alt'):] if path.startswith('/alt/') else path
        endpoint = {'/oauth/token': 'auth0', '/oauth2/token': 'cognito', '/oauth2/default/v1/token': 'okta',
                    '/token': 'generic'}.get(path)
        if endpoint is None:
            return self.send_json(404, dict(error='not_found'))
        entry = dict(endpoint=endpoint, method='POST', at=time.time(), content_type=self.headers.get('Content-Type'),
                     auth_scheme=(self.headers.get('Authorization') or ' ').split(' ')[0].lower() or None)
        fault = self.state.next_fault()
        if fault and fault.get('serve') and fault.get('delay'):
            time.sleep(float(fault['delay']))  # a slow identity provider that answers in the end
        if fault and not fault.get('serve'):
            entry['fault'] = True
            self.record(entry, None)
            return self.fault(fault, raw)
        try:
            status, data = getattr(self, endpoint)(raw, entry)
        except ValueError as exc:
            status, data = 400, dict(error='invalid_request', error_description=str(exc))
        entry['status'] = status
        self.record(entry, entry.get('client_id'))
        return self.send_json(status, data)

    def record(self, entry, client_id):
        with self.state.lock:
            key = client_id or '<unknown>'
            self.state.token_requests[key] = self.state.token_requests.get(key, 0) + 1
            self.state.log.append(entry)

    def control(self, action, data):
        if action == 'reset':
            self.state.reset()
        elif action == 'clients':
            self.state.add_client(data['client_id'], data['client_secret'], data.get('lifetime', 3600))
        elif action in ('faults', 'api_faults'):
            with self.state.lock:
                setattr(self.state, action, [dict(f) for f in data.get('faults', [])])
        elif action == 'revoke':
            with self.state.lock:
                self.state.revoked.update(self.state.tokens)
        elif action in ('resources', 'resource_faults', 'seed', 'enroll'):
            try:
                return self.send_json(200, self.resource_control(action, data))
            except ApiError as exc:
                return self.send_json(exc.status, exc.data)
        else:
            return self.send_json(404, dict(error='unknown control action'))
        return self.send_json(200, dict(ok=True))

    def resource_control(self, action, data):
        """The resource store's control actions (see the module docstring); ApiError for a bad request."""
        if not isinstance(data, dict):
            raise ApiError(400, 'a control request is a JSON object')
        if action == 'seed':
            return self.state.seed(data.get('type'), data.get('resource'), data.get('status', 'PROVISIONED'))
        if action == 'enroll':
            shown = self.state.enroll(data.get('id'))
            if shown is None:
                raise ApiError(404, 'no endpoint with id %s' % data.get('id'))
            return shown
        if action == 'resources':
            unknown = sorted(set(data) - set(RESOURCE_SETTINGS))
            if unknown:
                raise ApiError(400, 'unknown resource settings: %s' % ', '.join(unknown))
            with self.state.lock:
                self.state.resource_settings.update(data)
                return dict(self.state.resource_settings)
        faults = data.get('faults', [])
        for fault in faults:
            if not isinstance(fault, dict) or not isinstance(fault.get('name'), str) or fault.get('outcome') not in FAULT_OUTCOMES:
                raise ApiError(400, 'a resource fault needs a name and an outcome (one of %s): %r' % (', '.join(FAULT_OUTCOMES), fault))
            if fault.get('type') not in (None,) + tuple(RESOURCE_TYPES) or fault.get('on', 'any') not in (
                    'any', 'create', 'update', 'delete'):
                raise ApiError(400, 'a resource fault\'s type is a resource type, its on any, create, update or delete: %r' % fault)
        with self.state.lock:
            self.state.resource_faults = [dict(fault) for fault in faults]
            return dict(faults=[dict(fault) for fault in faults])

    def _form(self, raw, entry):
        if (self.headers.get('Content-Type') or '').split(';')[0].strip() != 'application/x-www-form-urlencoded':
            raise ValueError('Content-Type must be application/x-www-form-urlencoded')
        form = dict(parse_qsl(raw.decode('utf-8'), keep_blank_values=True))
        entry['params'] = sorted(form)
        entry['values'] = dict((k, v) for k, v in form.items() if k not in ('client_secret',))
        return form

    def _check_client(self, client_id, secret, entry):
        entry['client_id'] = client_id
        client = self.state.clients.get(client_id)
        if client is None or client['secret'] != secret:
            return dict(error='invalid_client', error_description='Client authentication failed')
        return None

    def auth0(self, raw, entry):
        if (self.headers.get('Content-Type') or '').split(';')[0].strip() != 'application/json':
            raise ValueError('Content-Type must be application/json')
        try:
            body = json.loads(raw.decode('utf-8'))
        except ValueError:
            raise ValueError('body is not JSON')
        entry['params'] = sorted(body)
        entry['values'] = dict((k, v) for k, v in body.items() if k != 'client_secret')
        if body.get('grant_type') != 'client_credentials':
            return 400, dict(error='unsupported_grant_type', error_description='grant_type must be client_credentials')
        refused = self._check_client(body.get('client_id'), body.get('client_secret'), entry)
        if refused:
            return 401, refused
        if not body.get('audience'):
            return 403, dict(error='access_denied', error_description='No audience parameter was provided')
        lifetime = self.state.clients[body['client_id']]['lifetime']
        token = self.state.issue(body['client_id'], dict(aud=body['audience'], gty='client-credentials'), lifetime)
        return 200, dict(access_token=token, token_type='Bearer', expires_in=lifetime, scope='')

    def cognito(self, raw, entry):
        basic = self._basic()
        form = self._form(raw, entry)
        if basic is None:
            return 401, dict(error='invalid_client', error_description='HTTP Basic client authentication required')
        if form.get('grant_type') != 'client_credentials':
            return 400, dict(error='unsupported_grant_type')
        refused = self._check_client(basic[0], basic[1], entry)
        if refused:
            return 401, refused
        if not form.get('scope'):
            return 400, dict(error='invalid_request', error_description='scope is required')
        lifetime = self.state.clients[basic[0]]['lifetime']
        token = self.state.issue(basic[0], dict(scope=form['scope'], token_use='access'), lifetime)
        return 200, dict(access_token=token, token_type='Bearer', expires_in=lifetime)

    def okta(self, raw, entry):
        return self.cognito(raw, entry)

    def generic(self, raw, entry):
        basic = self._basic()
        form = self._form(raw, entry)
        in_body = 'client_secret' in form
        if basic and in_body:
            return 400, dict(error='invalid_request', error_description='use one client authentication method only')
        if form.get('grant_type') != 'client_credentials':
            return 400, dict(error='unsupported_grant_type')
        client_id, secret = basic if basic else (form.get('client_id'), form.get('client_secret'))
        entry['client_auth'] = 'client_secret_basic' if basic else 'client_secret_post'
        refused = self._check_client(client_id, secret, entry)
        if refused:
            return 401, refused
        scope = form.get('scope')
        if scope == 'forbidden':
            return 400, dict(error='invalid_scope', error_description='scope forbidden is not allowed')
        claims = dict(scope=scope) if scope else {}
        audience = form.get('resource') or form.get('audience')
        if audience:
            claims['aud'] = audience
        lifetime = self.state.clients[client_id]['lifetime']
        answer = dict(access_token=self.state.issue(client_id, claims, lifetime), token_type='bearer', expires_in=lifetime)
        if scope:
            answer['scope'] = scope
        return 200, answer


class ApiHandler(Handler):
    """The NetFoundry API emulator."""

    base_url = None
    IDENTITY_PATHS = ('/identity/v1/identities/self', '/identity/v1/api-account-identities/self')

    def do_GET(self):  # pylint: disable=invalid-name
        self.answer('GET')

    def do_POST(self):  # pylint: disable=invalid-name
        self.answer('POST')

    def do_PUT(self):  # pylint: disable=invalid-name
        self.answer('PUT')

    def do_PATCH(self):  # pylint: disable=invalid-name
        self.answer('PATCH')

    def do_DELETE(self):  # pylint: disable=invalid-name
        self.answer('DELETE')

    def routes(self, path):
        """The handlers by method for a path, or None. Routes match at the end of the path, so an API URL under
        another prefix (a token for another audience) reaches the token check and gets its 401."""
        if path.endswith(self.IDENTITY_PATHS):
            return {'GET': self.identity}
        match = RESOURCE_PATH.search(path)
        if match is None or match.group('type') not in RESOURCE_TYPES:
            return None
        rtype, rid = match.group('type'), match.group('id')
        if rid is None:
            return {'GET': functools.partial(self.list_resources, rtype),
                    'POST': lambda _claims, _query, raw: self.state.create_resource(rtype, self._json(raw))}
        return {'GET': lambda _claims, _query, _raw: self.state.get_resource(rtype, rid),
                'PATCH': lambda _claims, _query, raw: self.state.update_resource(rtype, rid, self._json(raw), 'PATCH'),
                'PUT': lambda _claims, _query, raw: self.state.update_resource(rtype, rid, self._json(raw), 'PUT'),
                'DELETE': lambda _claims, _query, _raw: self.state.delete_resource(rtype, rid)}

    @staticmethod
    def _json(raw):
        return json.loads(raw or b'{}')

    def answer(self, method):
        path, _sep, query = self.path.partition('?')
        raw = self._body()
        fault = self.state.next_fault('api_faults')
        if fault and fault.get('serve') and fault.get('delay'):
            time.sleep(float(fault['delay']))  # a slow API that answers in the end
        if fault and not fault.get('serve'):
            with self.state.lock:
                self.state.api_requests += 1
                self.state.api_log.append(dict(method=method, path=path, query=query, at=time.time(), fault=True, status=None
                                               if fault.get('drop') else int(fault.get('status', FAULT_STATUS.get(
                                                   fault.get('echo_token'), 500)))))
            return self.fault(fault, raw)
        routes = self.routes(path)
        route = (routes or {}).get(method)
        if route is None:
            if method != 'GET':  # every write is in api_log, even one to no route (a GET there is not, as before)
                with self.state.lock:
                    self.state.api_requests += 1
                    self.state.api_log.append(dict(method=method, path=path, query=query, at=time.time(),
                                                   status=404 if routes is None else 405))
            if routes is None:
                return self.send_json(404, dict(error='not_found', path=path))
            return self.send_json(405, dict(error='method_not_allowed', message='%s is not allowed on %s' % (method, path),
                                            status=405), headers={'Allow': ', '.join(sorted(routes))})
        claims, problem = self.authorize()
        with self.state.lock:
            self.state.api_requests += 1
            self.state.api_refused += 1 if problem else 0
            self.state.api_log.append(dict(method=method, path=path, query=query, at=time.time(),
                                           status=401 if problem else None))
            entry = self.state.api_log[-1]
        if problem:
            return self.send_json(401, dict(error='unauthorized', message=problem),
                                  headers={'WWW-Authenticate': 'Bearer error="invalid_token"'})
        try:
            status, data = route(claims, dict(parse_qsl(query)), raw)
        except ApiError as exc:
            status, data = exc.status, exc.data
        except ValueError as exc:
            status, data = 400, dict(error='bad_request', message=str(exc))
        with self.state.lock:
            entry['status'] = status
        return self.send_json(status, data)

    def authorize(self):
        header = self.headers.get('Authorization') or ''
        if not header.startswith('Bearer '):
            return None, 'missing bearer token'
        if header[7:] in self.state.revoked:
            return None, 'token revoked'
        try:
            claims = jwt.decode(header[7:], self.state.key.public_key(), algorithms=['RS256'],
                                options=dict(verify_aud=False, require=['exp']))
        except jwt.ExpiredSignatureError:
            return None, 'token expired'
        except jwt.InvalidTokenError as exc:
            return None, 'invalid token (%s)' % type(exc).__name__
        scope = claims.get('scope') or ''
        if claims.get('aud') != self.base_url and not any(s.startswith(self.base_url.rstrip('/') + '/') for s in scope.split()):
            return None, 'token is for another audience'
        return claims, None

    def identity(self, claims, _query, _raw):
        return 200, dict(id=claims['client_id'], name='API account %s' % claims['client_id'], type='ApiAccountIdentity',
                         organizationId='00000000-0000-4000-8000-000000000001', active=True)

    def list_resources(self, rtype, _claims, query, _raw):
        """A Spring HAL page, as NetFoundry's API answers lists (no _embedded when the page is empty)."""
        items, total = self.state.list_resources(rtype, query)
        page, size = int(query.get('page', 0)), int(query.get('size', 20))
        others = [(key, value) for key, value in query.items() if key not in ('page', 'size')]

        def link(number):
            return dict(href='%score/v2/%s?%s' % (self.base_url, rtype, urlencode([('page', number), ('size', size)] + others)))
        pages = -(-total // size)
        links = dict(self=link(page))
        if page + 1 < pages:
            links['next'] = link(page + 1)
        data = dict(_embedded={RESOURCE_TYPES[rtype]['list_key']: items}) if items else {}
        data.update(_links=links, page=dict(size=size, totalElements=total, totalPages=pages, number=page))
        return 200, data


def _serve(handler, tls=None):
    server = ThreadingHTTPServer(('127.0.0.1', 0), handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Testbed:
    """All listeners of one test bed; start() returns once every one is listening."""

    def __init__(self, state_dir, clients=()):
        self.state_dir = state_dir
        self.state = State()
        for client in clients:
            self.state.add_client(*client)
        ca = trustme.CA()
        ca_path = os.path.join(state_dir, 'ca.pem')
        ca.cert_pem.write_to_path(ca_path)
        other_ca = trustme.CA()
        other_ca_path = os.path.join(state_dir, 'other-ca.pem')
        other_ca.cert_pem.write_to_path(other_ca_path)
        idp = type('Idp', (IdpHandler,), dict(state=self.state))
        contexts = {}
        for name, names in (('good', ['127.0.0.1', 'localhost']), ('wrong_name', ['wrong-name.invalid'])):
            import ssl
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert(*names).configure_cert(context)
            contexts[name] = context
        self.servers = dict(idp_http=_serve(idp), idp_https=_serve(idp, contexts['good']),
                            idp_https_wrong_name=_serve(idp, contexts['wrong_name']))
        api = type('Api', (ApiHandler,), dict(state=self.state))
        self.servers['api'] = _serve(api)
        api.base_url = 'http://127.0.0.1:%d/' % self.servers['api'].server_address[1]
        self.state.api_base = api.base_url
        port = dict((name, server.server_address[1]) for name, server in self.servers.items())
        self.info = dict(
            idp_http='http://127.0.0.1:%d' % port['idp_http'],
            idp_https='https://127.0.0.1:%d' % port['idp_https'],
            idp_https_localhost='https://localhost:%d' % port['idp_https'],
            idp_https_wrong_name='https://127.0.0.1:%d' % port['idp_https_wrong_name'],
            api=api.base_url, ca=ca_path, other_ca=other_ca_path, pid=os.getpid())
        with open(os.path.join(state_dir, 'state.json.tmp'), 'w') as handle:
            json.dump(self.info, handle)
        os.replace(os.path.join(state_dir, 'state.json.tmp'), os.path.join(state_dir, 'state.json'))

    def stop(self):
        for server in self.servers.values():
            server.shutdown()
            server.server_close()


class Control:
    """The client side of the control endpoints, for tests and the demo."""

    def __init__(self, info):
        self.info = info

    def _call(self, path, data=None):
        request = urllib.request.Request(self.info['idp_http'] + '/_control/' + path,
                                         data=None if data is None else json.dumps(data).encode('utf-8'),
                                         method='GET' if data is None else 'POST')
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stats(self):
        return self._call('stats')

    def reset(self):
        return self._call('reset', {})

    def faults(self, *faults):
        """Line faults up for the identity provider's next token requests."""
        return self._call('faults', {'faults': list(faults)})

    def api_faults(self, *faults):
        """Line faults up for the API's next requests."""
        return self._call('api_faults', {'faults': list(faults)})

    def add_client(self, client_id, client_secret, lifetime=3600):
        return self._call('clients', {'client_id': client_id, 'client_secret': client_secret, 'lifetime': lifetime})

    def revoke(self):
        return self._call('revoke', {})

    def resource_settings(self, **settings):
        """Change the resource progression's settings (provision_after_gets, provision_after_seconds, create_status);
        returns them all."""
        return self._call('resources', settings)

    def resource_faults(self, *faults):
        """Replace the resource fault list: each {name, outcome: ERROR|SUSPENDED|stuck|race, type, on, times, message}."""
        return self._call('resource_faults', {'faults': list(faults)})

    def resources(self, rtype=None):
        """The stored resources of a type (a list), or without a type the settings, faults and counts per type."""
        if rtype is None:
            return self._call('resources')
        return self._call('resources/' + rtype)['resources']

    def seed(self, rtype, status='PROVISIONED', **props):
        """Store a resource without an API request (networkId defaults to the first seeded network); returns it."""
        return self._call('seed', {'type': rtype, 'resource': props, 'status': status})

    def enroll(self, endpoint_id):
        """The endpoint enrolls: its one-time jwt becomes null. Returns the endpoint."""
        return self._call('enroll', {'id': endpoint_id})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--state-dir', required=True)
    parser.add_argument('--client', nargs=2, action='append', default=[], metavar=('ID', 'SECRET'),
                        help='an API account the identity provider knows (more via POST /_control/clients)')
    parser.add_argument('--account-file', metavar='PATH',
                        help="make an API account with a random secret and write it to PATH as NF Console's "
                             "credentials.json (0600)")
    parser.add_argument('--lifetime', type=int, default=3600, help='token lifetime of the --client accounts, seconds')
    args = parser.parse_args()
    os.makedirs(args.state_dir, exist_ok=True)
    clients = [(client_id, secret, args.lifetime) for client_id, secret in args.client]
    if args.account_file:
        account = ('emulator-' + uuid.uuid4().hex[:12], base64.b64encode(os.urandom(24)).decode(), args.lifetime)
        clients.append(account)
    testbed = Testbed(args.state_dir, clients)
    if args.account_file:
        fd = os.open(args.account_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as handle:
            json.dump({'clientId': account[0], 'password': account[1], 'hostname': 'emulator',
                       'authenticationUrl': testbed.info['idp_https'] + '/oauth2/token'}, handle)
    print(json.dumps(testbed.info), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    testbed.stop()


if __name__ == '__main__':
    main()
