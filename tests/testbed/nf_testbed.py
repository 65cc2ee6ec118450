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

API: GET identity/v1/identities/self; GET core/v2/networks (HAL pages: query page, size; _links.next);
POST core/v2/networks {name} (202, the new network is listed from then on). The stats' api_log has each request
(method, path, query, status, at: when it came).

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

Run: python nf_testbed.py --state-dir DIR [--client ID SECRET]... [--lifetime S]; DIR/state.json tells the URLs.
"""

import argparse
import base64
import json
import os
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

COGNITO_SUFFIX = '/ignore-scope'
# The status of an echo_token fault that gives none.
FAULT_STATUS = {'body': 200, 'error': 400, 'header': 200}


class State:
    """Clients, counters, the request log and the fault queue, shared by every listener."""

    def __init__(self):
        self.lock = threading.Lock()
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
            self.networks = [dict(id='00000000-0000-4000-8000-0000000000%02d' % i, name=name, status='PROVISIONED',
                                  productVersion='7.3.90') for i, name in enumerate(('demo-network', 'lab-network'), 1)]

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
            return dict(token_requests=dict(self.token_requests), total=sum(self.token_requests.values()),
                        issued=dict(self.issued), tokens=list(self.tokens), api_requests=self.api_requests,
                        api_refused=self.api_refused, log=list(self.log), api_log=list(self.api_log),
                        idp_gets=list(self.idp_gets))

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
        else:
            return self.send_json(404, dict(error='unknown control action'))
        return self.send_json(200, dict(ok=True))

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

    def do_GET(self):  # pylint: disable=invalid-name
        self.answer('GET', {
            '/identity/v1/identities/self': self.identity,
            '/identity/v1/api-account-identities/self': self.identity,
            '/core/v2/networks': self.networks,
        })

    def do_POST(self):  # pylint: disable=invalid-name
        self.answer('POST', {'/core/v2/networks': self.create_network})

    def answer(self, method, routes):
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
        # Routes match at the end of the path, so an API URL under another prefix (a token for another
        # audience) reaches the token check and gets its 401.
        route = next((handler for suffix, handler in routes.items() if path.endswith(suffix)), None)
        if route is None:
            return self.send_json(404, dict(error='not_found', path=path))
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
        except ValueError as exc:
            status, data = 400, dict(error='bad_request', message=str(exc))
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

    def networks(self, _claims, query, _raw):
        """A Spring HAL page, as NetFoundry's API answers lists."""
        page, size = int(query.get('page', 0)), int(query.get('size', 20))
        if page < 0 or size < 1:
            raise ValueError('page must be >= 0 and size >= 1')
        with self.state.lock:
            items = list(self.state.networks)
        pages = max(1, -(-len(items) // size))
        link = self.base_url + 'core/v2/networks?page=%d&size=%d'
        links = dict(self=dict(href=link % (page, size)))
        if page + 1 < pages:
            links['next'] = dict(href=link % (page + 1, size))
        return 200, dict(_embedded=dict(networkList=items[page * size:(page + 1) * size]), _links=links,
                         page=dict(size=size, totalElements=len(items), totalPages=pages, number=page))

    def create_network(self, _claims, _query, raw):
        body = json.loads(raw or b'{}')
        if not isinstance(body, dict) or not body.get('name'):
            raise ValueError('name is required')
        with self.state.lock:
            network = dict(id=str(uuid.uuid4()), name=body['name'], status='PROVISIONING', productVersion='7.3.90')
            self.state.networks.append(network)
        return 202, network


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--state-dir', required=True)
    parser.add_argument('--client', nargs=2, action='append', default=[], metavar=('ID', 'SECRET'),
                        help='an API account the identity provider knows (more via POST /_control/clients)')
    parser.add_argument('--lifetime', type=int, default=3600, help='token lifetime of the --client accounts, seconds')
    args = parser.parse_args()
    os.makedirs(args.state_dir, exist_ok=True)
    testbed = Testbed(args.state_dir, [(client_id, secret, args.lifetime) for client_id, secret in args.client])
    print(json.dumps(testbed.info), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    testbed.stop()


if __name__ == '__main__':
    main()
