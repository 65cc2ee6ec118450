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

API: NetFoundry's API v2 as it was recorded answering (recorded/README.md; the resources are nf_api.py, whose
docstring says what comes from the recording, what from NetFoundry's SDK and what from neither):
  GET identity/v1/api-account-identities/self (and identity/v1/identities/self)   the caller, as recorded
  GET rest/v1/network-groups, rest/v1/network-groups/<id>   the organization's network group (one: demo-group)
  GET core/v2/data-centers (query provider), product-metadata/v2/download-urls.json   where NetFoundry hosts networks
                                     and routers, and its product versions (a few of each, in the recorded shapes)
  GET core/v2/<type>                 a Spring HAL page: query page (0-based), size (default 20), sort=name,asc|desc
                                     (else the order of creation); filters networkId, name (findByName for networks;
                                     exact, case-insensitive), status, typeId, findByNetworkGroupId; others ignored
  POST core/v2/<type>, GET|PATCH|PUT|DELETE core/v2/<type>/<id>   the types NetFoundry's SDK marks mutable
  GET core/v2/process/<id>?networkId=<id>    the asynchronous work of a write (recorded)
  GET core/v2/executions/<id>        the same work as NetFoundry's SDK reads it (resource setting async_links)
  POST core/v2/edge-routers/<id>/registration-key   a new registration key for a customer-hosted edge router
Every answer is checked against the recording (nf_contract.py); GET /_control/contract reports what was checked and
every difference. A path that is no route under the API's base URL: 404 (401 first for a bad token); a wrong method
on a known path: 405 with Allow. The stats' api_log has each request (method, path,
query, status, at: when it came; a GET to no route excepted: every write is there, a refused, faulted, 404 or 405 one
too); api_methods counts its entries per method, api_writes its POST, PUT, PATCH and DELETE.

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
  POST /_control/resources {settings}: merged into the settings, answered with them  [resource_settings(**settings)]:
      provision_after_gets N   a write's asynchronous work ends at its Nth read (of its process, or of the resource by
                               id; default 2; 0: when it is answered)
      provision_after_seconds S   or once S seconds have passed (default none)
      create_status            the status of a new network or edge router (PROVISIONING, or NEW)
      async_links              what a write's answer links: process (recorded, the default), execution (the SDK's
                               _links.execution(s)), both
      strict_properties        true: a property the type does not keep is answered 400 (default: dropped silently)
      answer_extras            {type: {key: value}}: added to every answer of the type (to prove the contract catches it)
      drop_properties          {type: [property]}: taken without a word and never kept (a server that forgets them)
  GET /_control/resources: {"settings", "faults", "counts": {type: N}}; GET /_control/resources/<type>: {"resources":
                    [...]} every stored resource of the type as GET by id shows it, each with unfinished work with
                    "_testbed": {op, gets, outcome, process}  [resources(type)]
  GET /_control/issued: {"secrets": [...]} every enrollment JWT and registration key issued  [issued()]
  GET /_control/contract: {"checked", "unrecorded", "violations", "refused"}  [contract()]
  POST /_control/seed {"type", "resource": {...}, "status"}: store a resource as if created long ago (no API request,
                    not in api_log; provisioned; status, for networks and edge routers, default PROVISIONED), answered
                    with it; a property the type does not keep is refused  [seed(type, status=..., **props)]
  POST /_control/enroll {"id"}: the endpoint is enrolled, its jwt becomes null  [enroll(endpoint_id)]
  POST /_control/register {"id"}: the edge router registered with its key (verified, online)  [register(router_id)]
  POST /_control/resource_faults {"faults": [...]}: replaces the resource fault list  [resource_faults(*faults)]. A
                    fault {"name": X, "type": T (optional), "on": "create"|"update"|"delete"|"any" (default any),
                    "times": N (default: every matching write; race: 1)} matches a write to the resource named X
                    (case-insensitive) and sets its "outcome":
      "ERROR" | "SUSPENDED"  its process ends FAILED, its step FAILED and its payload {"message": fault "message"};
                    a network or edge router shows that status
      "stuck"       its process never ends
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
import json
import os
import re
import signal
import socket
import struct
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote_plus

import jwt
import trustme
import urllib.request
from cryptography.hazmat.primitives.asymmetric import rsa

try:
    from ansible_collections.netfoundry.api.tests.testbed.nf_api import ORGANIZATION_ID, TYPES, ApiError, Store
    from ansible_collections.netfoundry.api.tests.testbed.nf_contract import Contract
except ImportError:  # run as a script: python nf_testbed.py
    from nf_api import ORGANIZATION_ID, TYPES, ApiError, Store
    from nf_contract import Contract

COGNITO_SUFFIX = '/ignore-scope'
# The status of an echo_token fault that gives none.
FAULT_STATUS = {'body': 200, 'error': 400, 'header': 200}
GROUP_PATH = re.compile(r'^/rest/v1/network-groups(?:/(?P<id>[^/]+))?$')
RESOURCE_PATH = re.compile(r'^/core/v2/(?P<type>[a-z][a-z-]*)(?:/(?P<id>[^/]+)(?P<leaf>/registration-key)?)?$')


class State:
    """Clients, counters, the request log and the fault queues, shared by every listener; the resources are the
    store's (nf_api.Store)."""

    contract = None  # one Contract for every State of a process: the recorded schemas are read once

    def __init__(self):
        self.lock = threading.Lock()
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex[:16]
        self.clients = {}
        self.idp_base = ''  # the identity provider's HTTPS URL, once its listener is up (the identity's token URL)
        if State.contract is None:
            State.contract = Contract()
        self.store = Store(State.contract)
        self.reset()

    @property
    def api_base(self):
        return self.store.api_base

    @api_base.setter
    def api_base(self, value):
        self.store.api_base = value

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
        self.store.reset()

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

    def send_json(self, status, data, headers=None, content_type='application/json'):
        raw = json.dumps(data).encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', content_type)
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
        store = self.state.store
        if self.path == '/_control/stats':
            return self.send_json(200, self.state.stats())
        if self.path == '/_control/contract':
            return self.send_json(200, store.contract_report())
        if self.path == '/_control/issued':
            with store.lock:
                return self.send_json(200, dict(secrets=list(store.issued)))
        if self.path == '/_control/resources' or self.path.startswith('/_control/resources/'):
            try:
                return self.send_json(200, store.dump(self.path[len('/_control/resources/'):] or None))
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
        elif action in ('resources', 'resource_faults', 'seed', 'enroll', 'register'):
            try:
                return self.send_json(200, self.resource_control(action, data))
            except ApiError as exc:
                return self.send_json(exc.status, exc.data)
        else:
            return self.send_json(404, dict(error='unknown control action'))
        return self.send_json(200, dict(ok=True))

    def resource_control(self, action, data):
        """The resource store's control actions (see the module docstring); ApiError for a bad request."""
        store = self.state.store
        if not isinstance(data, dict):
            raise ApiError(400, 'a control request is a JSON object')
        if action == 'seed':
            return store.seed(data.get('type'), data.get('resource'), data.get('status'))
        if action in ('enroll', 'register'):
            shown = getattr(store, action)(data.get('id'))
            if shown is None:
                raise ApiError(404, 'no %s with id %s' % ('endpoint' if action == 'enroll' else 'edge router', data.get('id')))
            return shown
        if action == 'resources':
            return store.update_settings(data)
        return store.set_faults(data.get('faults', []))

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
    """The NetFoundry API emulator: routing, the token check, the fault queue and the contract check of every answer;
    the resources are the store's (nf_api.Store)."""

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
        """(the handlers by method, the API path the recording names it by) for a path, or (None, None): the path must
        be the route's, under the API's base URL (any other is answered 404, after the token check: an API URL under
        another prefix, a token for another audience, gets its 401)."""
        store = self.state.store
        if path in self.IDENTITY_PATHS:
            return {'GET': self.identity}, '/identity/v1/api-account-identities/self'
        if path == '/core/v2/data-centers':
            return {'GET': lambda _claims, query, _raw: store.data_centers(query)}, path
        if path == '/product-metadata/v2/download-urls.json':
            return {'GET': lambda _claims, _query, _raw: store.product_versions()}, path
        groups = GROUP_PATH.search(path)
        if groups:
            return {'GET': lambda _claims, _query, _raw: store.groups(groups.group('id'))}, groups.group(0)
        match = RESOURCE_PATH.search(path)
        if match is None:
            return None, None
        rtype, rid, leaf = match.group('type'), match.group('id'), match.group('leaf')
        api_path = match.group(0)
        if rtype == 'process' and rid and not leaf:
            return {'GET': lambda _claims, query, _raw: store.process(rid, query)}, api_path
        if rtype == 'executions' and rid and not leaf:
            return {'GET': lambda _claims, _query, _raw: store.execution(rid)}, api_path
        if rtype not in TYPES:
            return None, None
        if leaf:
            if rtype != 'edge-routers':
                return None, None
            return {'POST': lambda claims, _query, _raw: store.registration_key(rid, self.owner(claims))}, api_path
        if rid is None:
            return {'GET': lambda _claims, query, _raw: store.list(rtype, query),
                    'POST': lambda claims, _query, raw: store.create(rtype, self._json(raw), self.owner(claims))}, api_path
        return {'GET': lambda _claims, _query, _raw: store.get(rtype, rid),
                'PATCH': lambda _claims, _query, raw: store.update(rtype, rid, self._json(raw), 'PATCH'),
                'PUT': lambda _claims, _query, raw: store.update(rtype, rid, self._json(raw), 'PUT'),
                'DELETE': lambda claims, _query, _raw: store.delete(rtype, rid, self.owner(claims))}, api_path

    @staticmethod
    def owner(claims):
        """The identity of the caller, as the API records who made or deleted a resource."""
        return claims.get('client_id') or claims.get('sub') or 'unknown'

    @staticmethod
    def _json(raw):
        try:
            return json.loads(raw or b'{}')
        except ValueError:
            raise ApiError(400, 'the body is not JSON')

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
        routes, api_path = self.routes(path)
        route = (routes or {}).get(method)
        if routes is None:
            _claims, problem = self.authorize()
            if problem:  # the token is checked first, as a gateway does
                with self.state.lock:
                    self.state.api_requests += 1
                    self.state.api_refused += 1
                    self.state.api_log.append(dict(method=method, path=path, query=query, at=time.time(), status=401))
                return self.send_json(401, dict(error='unauthorized', message=problem),
                                      headers={'WWW-Authenticate': 'Bearer error="invalid_token"'})
        if route is None:
            if method != 'GET':  # every write is in api_log, even one to no route (a GET there is not, as before)
                with self.state.lock:
                    self.state.api_requests += 1
                    self.state.api_log.append(dict(method=method, path=path, query=query, at=time.time(),
                                                   status=404 if routes is None else 405))
            if routes is None:
                return self.send_json(404, ApiError(404, 'no such path %s' % path).data)
            return self.send_json(405, ApiError(405, '%s is not allowed on %s' % (method, path)).data,
                                  headers={'Allow': ', '.join(sorted(routes))})
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
            status, data = 400, ApiError(400, str(exc)).data
        except Exception as exc:  # pylint: disable=broad-except
            # A bug of the test bed: answered (not a dropped connection), and a violation that fails the test.
            status, data = 500, ApiError(500, 'test bed bug: %s: %s' % (type(exc).__name__, exc)).data
            self.state.store.contract_log['violations'].append(dict(operation=path, status=500,
                                                                    problems=[data['message']]))
        with self.state.lock:
            entry['status'] = status
        self.state.store.record(self.state.contract.operation(method, api_path), status, data,
                                '%s %s' % (method, re.sub(r'/[0-9a-f-]{36}', '/{id}', api_path)))
        return self.send_json(status, data, content_type='application/hal+json' if status < 300 else 'application/json')

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
        """The caller, with the keys the recording shows for api-account-identities/self."""
        client_id = self.owner(claims)
        return 200, dict(active=True, auth0ClientId=None, authenticationUrl=self.state.idp_base + '/oauth2/token',
                         awsCognitoClientId=client_id, contactEmail='', createdAt=dict(epochSecond=1700000000, nano=0),
                         deletedAt=None, description='', email='', id=client_id, name='API account %s' % client_id,
                         organizationId=ORGANIZATION_ID, tenantId=ORGANIZATION_ID, type='ApiAccountIdentity',
                         updatedAt=None)


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
        self.state.idp_base = 'https://127.0.0.1:%d' % self.servers['idp_https'].server_address[1]
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

    def seed(self, rtype, status=None, **props):
        """Store a resource without an API request, provisioned (networkId defaults to the first seeded network; status,
        of a network or edge router, to PROVISIONED); returns it."""
        return self._call('seed', {'type': rtype, 'resource': props, 'status': status})

    def enroll(self, endpoint_id):
        """The endpoint enrolls: its one-time jwt becomes null. Returns the endpoint."""
        return self._call('enroll', {'id': endpoint_id})

    def register(self, router_id):
        """The edge router registers with its key (verified, online). Returns the router."""
        return self._call('register', {'id': router_id})

    def issued(self):
        """Every enrollment JWT and registration key the API issued since the last reset."""
        return self._call('issued')['secrets']

    def contract(self):
        """What the contract checked since the last reset: checked and unrecorded answers (operation status -> count),
        violations (answers that differ from the recording), refused (write bodies that did)."""
        return self._call('contract')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--state-dir', required=True)
    parser.add_argument('--client', nargs=2, action='append', default=[], metavar=('ID', 'SECRET'),
                        help='an API account the identity provider knows (more via POST /_control/clients)')
    parser.add_argument('--account-file', metavar='PATH',
                        help="make an API account with a random secret and write it to PATH as NF Console's "
                             "credentials.json (0600)")
    parser.add_argument('--lifetime', type=int, default=3600, help='token lifetime of the --client accounts, seconds')
    parser.add_argument('--provision-after-seconds', type=float, metavar='S',
                        help='networks and routers are provisioned S seconds after their create, also for a task that '
                             'only lists them (the default: after two reads of their process or of themselves)')
    args = parser.parse_args()
    os.makedirs(args.state_dir, exist_ok=True)
    clients = [(client_id, secret, args.lifetime) for client_id, secret in args.client]
    if args.account_file:
        account = ('emulator-' + uuid.uuid4().hex[:12], base64.b64encode(os.urandom(24)).decode(), args.lifetime)
        clients.append(account)
    testbed = Testbed(args.state_dir, clients)
    if args.provision_after_seconds is not None:
        testbed.state.store.update_settings(dict(provision_after_seconds=args.provision_after_seconds))
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
