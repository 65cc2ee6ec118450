# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The resource part of the API emulator: NetFoundry's API v2 as it was recorded answering (recorded/, see its
README), type by type; where the recording says nothing, as NetFoundry's SDK (python-netfoundry 5.11.3) drives it,
and where neither says anything, the choice is named "(neither)" below.

Nothing here comes from plugins/: the emulator is what the collection is tested against, built from evidence.

The recorded facts it follows (operations.json names the operations):
- Answers hold exactly the recorded keys of their operation: `status` only on networks and edge routers; every type's
  server keys (createdAt, createdBy, ownerIdentityId, zitiId, ...); HAL _links (self, network; a network's links to
  its resource types). nf_contract.py checks every answer against the recording.
- Writes answer 202, app-wans 200. Networks, endpoints, edge routers and services work asynchronously: their POST,
  PATCH and DELETE answers link `_links.process` (GET core/v2/process/{id}?networkId=..., with status and steps);
  edge-router policies, service policies, service-edge-router policies and app-wans are done when answered (their
  recorded creates have no process link and already carry zitiId).
- An endpoint is created with jwt null (POST 202); its enrollment JWT is on a later read, once its process finished.
- An edge router holds no registration key: POST core/v2/edge-routers/{id}/registration-key answers 200
  {registrationKey, expiresAt}; its `registration` holds when and whether it was used, never the key. Edge routers
  carry a jwt of their own (recorded string or null).
- A service's inline `configs` (POST) are kept as configs of their own and answered as configIdByConfigTypeId; an
  endpoint's enrollmentMethod is never answered; a network's locationCode only by GET by id.
- A property the type does not keep is dropped without a word (what a real server may do; the resource setting
  strict_properties answers 400 instead).
- A write body that differs from the recorded requests of its operation (a key every recorded request had, a type) is
  refused with 400 (nf_contract.check_request).
- Errors have the recorded error body {error, message, status, timestamp} (the recorded 500 of DELETE services).
- Lists: Spring HAL pages, _links.self only (the recording never shows a next link; clients page by page.number and
  page.totalPages, as the SDK does), no _embedded when the page is empty (the recorded posture-checks list).
From the SDK: the status values (PROVISIONING, PROVISIONED, DELETING, ERROR, SUSPENDED; process STARTED, FINISHED,
FAILED), `_links.execution(s)` with core/v2/executions/{id} (resource setting async_links), PATCH needs name and a
service's modelType with its model, modelType cannot change, names are unique per type case-insensitively (409 here:
the conflict's body is not recorded), PUT replaces (nfctl edit).
(neither): posture-checks, certificate-authorities, config-types, configs and terminators were never recorded and the
SDK builds no body for them (but a config's, inside a service): they keep every property sent, so tests of them prove
the engine's mechanics, not NetFoundry's shapes. How long the asynchronous work takes (resource settings
provision_after_gets, provision_after_seconds); what a failed process says (here: its step FAILED and payload
{message}); DELETE of most types (answered as the recorded DELETE of services); a registration key for a
NetFoundry-hosted router (400 here)."""

import base64
import copy
import json
import os
import threading
import time
import unicodedata
import uuid

# The resource types python-netfoundry marks mutable in the network domain. list_key: the recorded _embedded key (the
# SDK's rule for the others); write: the status of a create, update or delete answer; status: whether its answers carry
# a status (recorded: networks and edge routers only); process: whether its writes work asynchronously and link their
# process (recorded for networks, endpoints, edge routers, services); keeps: the properties it stores and answers
# (None: every property sent, for the types nothing recorded); takes: properties a create takes and no answer shows;
# by_id: properties only GET by id shows.
TYPES = {
    'networks': dict(list_key='networkList', write=202, status=True, process=True,
                     keeps=('name', 'networkGroupId', 'size', 'productVersion', 'o365BreakoutCategory'),
                     takes=('locationCode', 'provider', 'region'), by_id=('locationCode',)),
    'endpoints': dict(list_key='endpointList', write=202, status=False, process=True,
                      keeps=('name', 'attributes', 'sessionIdentityId'), takes=('enrollmentMethod',)),
    'edge-routers': dict(list_key='edgeRouterList', write=202, status=True, process=True,
                         keeps=('name', 'attributes', 'linkListener', 'tunnelerEnabled', 'provider', 'dataCenterId'),
                         takes=('locationCode',)),
    'edge-router-policies': dict(list_key='edgeRouterPolicyList', write=202, status=False, process=False,
                                 keeps=('name', 'edgeRouterAttributes', 'endpointAttributes')),
    'services': dict(list_key='serviceList', write=202, status=False, process=True,
                     keeps=('name', 'attributes', 'encryptionRequired', 'model', 'modelType'),
                     takes=('configs', 'edgeRouterAttributes')),
    'service-policies': dict(list_key='servicePolicyList', write=202, status=False, process=False,
                             keeps=('name', 'type', 'semantic', 'serviceAttributes', 'endpointAttributes',
                                    'postureCheckAttributes')),
    'service-edge-router-policies': dict(list_key='serviceEdgeRouterPolicyList', write=202, status=False,
                                         process=False,
                                         keeps=('name', 'semantic', 'serviceAttributes', 'edgeRouterAttributes')),
    'app-wans': dict(list_key='appWanList', write=200, status=False, process=False,
                     keeps=('name', 'endpointAttributes', 'serviceAttributes', 'postureCheckAttributes')),
    'posture-checks': dict(list_key='postureCheckList', write=202, status=False, process=False, keeps=None),
    'certificate-authorities': dict(list_key='certificateAuthorityList', write=202, status=False, process=False,
                                    keeps=None),
    'config-types': dict(list_key='configTypeList', write=202, status=False, process=False, keeps=None),
    'configs': dict(list_key='configList', write=202, status=False, process=False, keeps=None),
    'terminators': dict(list_key='terminatorList', write=202, status=False, process=False, keeps=None),
}
# What the API sets (never taken from a body): the recorded server keys of every type.
SERVER = frozenset(('id', 'networkId', 'status', 'createdAt', 'createdBy', 'updatedAt', 'deletedAt', 'deletedBy',
                    'ownerIdentityId', 'zitiId', 'jwt', 'jwtExpiresAt', 'registration', 'registrationKey', 'hostId',
                    'online', 'verified', 'authority', 'configIdByConfigTypeId', 'networkController', 'appId',
                    'appVersion', 'arch', 'branch', 'hasApiSession', 'hasEdgeRouterConnection', 'mfaEnabled', 'os',
                    'osRelease', 'osVersion', 'revision', 'sessionActive', 'syncId', 'syncResourceId', 'typeId',
                    'version', 'ipAddress', 'locationMetadataId', 'providerId', 'userData', 'sdsPassword',
                    '_links', '_embedded'))
# Endpoints' `type` is recorded (string or null) but set by the API; it is a property of service policies.
SERVER_BY_TYPE = {'endpoints': frozenset(('type',))}
NETWORK_LINKS = ('app-wans', 'certificate-authorities', 'config-types', 'configs', 'edge-router-policies',
                 'edge-routers', 'endpoints', 'hosts', 'network-controllers', 'posture-checks',
                 'service-edge-router-policies', 'service-policies', 'services', 'terminators')
# Not updatable (SDK: edge-router registration is its only no_update_props; "moduleType is immutable" for services).
NO_UPDATE = {'services': ('modelType',)}
IMMUTABLE = ('networkId', 'id')
# The standard Ziti config types a service's inline configs name (intercept.v1, host.v1: the SDK's
# create_service_with_configs); their ids are fixed here (neither records them).
CONFIG_TYPES = dict((name, str(uuid.uuid5(uuid.NAMESPACE_URL, 'nf-testbed/config-type/' + name)))
                    for name in ('intercept.v1', 'host.v1', 'ziti-tunneler-client.v1', 'ziti-tunneler-server.v1'))
# What each asynchronous write's process is called (the recording has the keys, not these values: (neither)).
PROCESSORS = {'create': 'Create%sProcessor', 'update': 'Update%sProcessor', 'delete': 'Delete%sProcessor'}
SETTINGS = dict(provision_after_gets=2, provision_after_seconds=None, create_status='PROVISIONING',
                async_links='process', strict_properties=False, answer_extras=None, drop_properties=None)
ASYNC_LINKS = ('process', 'execution', 'both')
FAULT_OUTCOMES = ('ERROR', 'SUSPENDED', 'stuck', 'race')
NETWORK_GROUP_ID = '00000000-0000-4000-8000-000000000100'
ORGANIZATION_ID = '00000000-0000-4000-8000-000000000001'
DEFAULT_VERSION = '7.3.24'  # the newest product version of the recorded download-urls.json
# Product versions (GET product-metadata/v2/download-urls.json, recorded: version -> {active, the download URLs}).
VERSIONS = (('7.3.22', True), ('7.3.23', True), ('7.3.24', True), ('7.4.0', False))
VERSION_FILES = ('zitiAndroidEdge', 'zitiCliLinuxArmBinary', 'zitiCliLinuxBinary', 'zitiControllerBinary',
                 'zitiFabricBinary', 'zitiIosEdge', 'zitiMacDesktopEdge', 'zitiRouterLinuxArmBinary',
                 'zitiRouterLinuxBinary', 'zitiTunnelLinuxArmBinary', 'zitiTunnelLinuxBinary', 'zitiWindowsDesktopEdge')
# Data centers (GET core/v2/data-centers, recorded: provider, locationCode, locationName, ...): a few of each provider.
DATA_CENTERS = (('AWS', 'us-east-1', 'N. Virginia', 'US', 'NA'), ('AWS', 'us-east-2', 'Ohio', 'US', 'NA'),
                ('AWS', 'us-west-2', 'Oregon', 'US', 'NA'), ('AWS', 'eu-west-1', 'Ireland', 'IE', 'EU'),
                ('AWS', 'ap-south-1', 'Mumbai', 'IN', 'AS'), ('OCI', 'us-ashburn-1', 'Ashburn', 'US', 'NA'),
                ('OCI', 'eu-amsterdam-1', 'Amsterdam', 'NL', 'EU'), ('OCI', 'ap-mumbai-1', 'Mumbai', 'IN', 'AS'),
                ('AZURE', 'eastus2', 'East US 2', 'US', 'NA'))
SEEDED_AT = '2024-01-02T03:04:05.000Z'
REASONS = {400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 409: 'Conflict'}


def data_center_id(provider, code):
    """The emulator's stable id of a data center."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, 'nf-testbed/data-center/%s/%s' % (str(provider).upper(), code)))


class ApiError(Exception):
    """An error answer: the recorded error body {error, message, status, timestamp}."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.data = dict(error=REASONS.get(status, 'Error'), message=message, status=status, timestamp=iso_now())


def caseless(text):
    """The SDK's normalize_caseless: names compare as NFKD of their casefold."""
    return unicodedata.normalize('NFKD', text.casefold()) if isinstance(text, str) else text


def iso_now(at=None):
    at = time.time() if at is None else at
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(at)) + '.%03dZ' % int((at % 1) * 1000)


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def fake_enrollment_jwt(issuer, subject, method='ott'):
    """A random-looking one-time enrollment token, shaped as a JWT (never signed by anything)."""
    header = _b64(json.dumps(dict(alg='RS256', typ='JWT')).encode())
    claims = _b64(json.dumps(dict(em=method, exp=int(time.time()) + 86400, iss=issuer, jti=str(uuid.uuid4()),
                                  sub=subject)).encode())
    return '%s.%s.%s' % (header, claims, _b64(os.urandom(256)))


def _numbers(res):
    """A service's intercepted port as the API answers it: recorded sent as text or a number, answered as a number."""
    ingress = (res.get('model') or {}).get('clientIngress') if isinstance(res.get('model'), dict) else None
    if isinstance(ingress, dict) and isinstance(ingress.get('port'), str) and ingress['port'].strip().isdigit():
        ingress['port'] = int(ingress['port'])


def singular_title(rtype):
    return rtype[:-1].replace('-', ' ').title().replace(' ', '') if rtype.endswith('s') else rtype


class Store:
    """The resources, their asynchronous work and what they issued; every public method takes the lock."""

    def __init__(self, contract):
        self.contract = contract
        self.lock = threading.Lock()
        self.api_base = None  # the API's base URL, once its listener is up (links, enrollment tokens)
        self.reset()

    def reset(self):
        with self.lock:
            self.settings = dict(SETTINGS)
            self.faults = []
            self.resources = dict((name, []) for name in TYPES)  # type -> resources as GET by id shows them
            self.hidden = {}  # resource id -> what it holds and shows only to GET by id, or never (create-only)
            self.processes = {}  # process id -> its record
            self.pending = {}  # resource id -> the id of its unfinished process
            self.issued = []  # every enrollment JWT and registration key issued (for the tests' leak scan)
            self.contract_log = dict(checked={}, unrecorded={}, violations=[], refused=[])
            self.network_groups = [dict(id=NETWORK_GROUP_ID, name='demo-group', organizationShortName='demo')]
            for number, name in enumerate(('demo-network', 'lab-network'), 1):
                self._new('networks', dict(name=name, networkGroupId=NETWORK_GROUP_ID, size='medium',
                                           productVersion=DEFAULT_VERSION, locationCode='us-east-1'),
                          owner=ORGANIZATION_ID, at=SEEDED_AT, rid='00000000-0000-4000-8000-0000000000%02d' % number
                          )['status'] = 'PROVISIONED'

    # Building and showing resources (the lock is held)

    def _kept(self, rtype, name):
        spec = TYPES[rtype]
        if name in SERVER or name in SERVER_BY_TYPE.get(rtype, ()):
            return False
        if name in (self.settings.get('drop_properties') or {}).get(rtype, ()):
            return False  # a server that takes the property and forgets it (the fault switch drop_properties)
        return spec['keeps'] is None or name in spec['keeps']

    def _taken(self, rtype, name):
        return name in TYPES[rtype].get('takes', ())

    def _unknown(self, rtype, body):
        return sorted(key for key in body if not (self._kept(rtype, key) or self._taken(rtype, key) or key in SERVER
                                                  or key in SERVER_BY_TYPE.get(rtype, ())))

    def _server(self, rtype, owner, at, network_id):
        """The server keys of a new resource of rtype, as the recording shows them."""
        base = dict(createdAt=at, createdBy=owner, updatedAt=at, deletedAt=None, deletedBy=None, ownerIdentityId=owner)
        if rtype == 'networks':
            base.update(networkGroupId=NETWORK_GROUP_ID, o365BreakoutCategory='NONE', productVersion=DEFAULT_VERSION,
                        size='medium', status=self.settings['create_status'], networkController=None)
            return base
        base.update(networkId=network_id, zitiId=None)
        if rtype == 'endpoints':
            base.update(appId=None, appVersion=None, arch=None, attributes=[], branch=None, hasApiSession=False,
                        hasEdgeRouterConnection=False, jwt=None, jwtExpiresAt=None, mfaEnabled=False, os=None,
                        osRelease=None, osVersion=None, revision=None, sessionActive=False, sessionIdentityId=None,
                        syncId=None, syncResourceId=None, type=None, typeId=None, version=None)
        elif rtype == 'edge-routers':
            base.update(attributes=[], hostId=None, jwt=None, linkListener=False, online=False, registration=None,
                        status=self.settings['create_status'], tunnelerEnabled=False, verified=False, provider=None,
                        dataCenterId=None)
        elif rtype == 'edge-router-policies':
            base.update(edgeRouterAttributes=[], endpointAttributes=[])
        elif rtype == 'services':
            base.update(attributes=[], authority=None, configIdByConfigTypeId={}, encryptionRequired=True, model=None,
                        modelType=None)
        elif rtype == 'service-policies':
            base.update(authority=None, endpointAttributes=[], postureCheckAttributes=[], semantic='AnyOf',
                        serviceAttributes=[], type='Dial')
        elif rtype == 'service-edge-router-policies':
            base.update(authority=None, edgeRouterAttributes=[], semantic='AnyOf', serviceAttributes=[])
        elif rtype == 'app-wans':
            base.update(endpointAttributes=[], postureCheckAttributes=[], serviceAttributes=[])
        return base

    def _new(self, rtype, body, owner, at=None, rid=None):
        """Store a new resource from a create body: the server's keys, then what the type keeps of the body."""
        at = at or iso_now()
        res = dict(id=rid or str(uuid.uuid4()))
        res.update(self._server(rtype, owner, at, body.get('networkId')))
        res.update((key, copy.deepcopy(value)) for key, value in body.items() if self._kept(rtype, key))
        _numbers(res)
        hidden = dict((key, copy.deepcopy(value)) for key, value in body.items() if self._taken(rtype, key))
        if rtype == 'networks' and 'locationCode' not in hidden and 'region' in hidden:
            hidden['locationCode'] = hidden['region']  # the SDK's name for the place
        if rtype == 'services' and body.get('configs'):
            res['configIdByConfigTypeId'] = self._inline_configs(res, body['configs'], owner, at)
        if rtype == 'edge-routers' and body.get('locationCode') and not body.get('dataCenterId') and \
                str(body.get('provider') or '').upper() not in ('', 'CUSTOMER'):
            # A hosted router's answer names its data center (recorded: dataCenterId, a string or null, on GET
            # edge-routers and in the create body): the one of its provider and location code.
            res['dataCenterId'] = data_center_id(body['provider'], body['locationCode'])
        self.hidden[res['id']] = hidden
        self.resources[rtype].append(res)
        return res

    def _inline_configs(self, service, configs, owner, at):
        """A service's inline configs become configs of their own; the service keeps their ids by config type id."""
        found = {}
        for config in configs:
            type_id = config.get('configTypeId') or CONFIG_TYPES.get(config.get('configTypeName'))
            if type_id is None:
                raise ApiError(400, 'unknown config type %s' % config.get('configTypeName'))
            stored = self._new('configs', dict(name=config.get('name'), networkId=service['networkId'],
                                               configTypeId=type_id, data=config.get('data')), owner, at)
            stored['zitiId'] = uuid.uuid4().hex[:10]
            found[type_id] = stored['id']
        return found

    def _network_link(self, res):
        network = self._find('networks', res.get('networkId'))
        return dict(href='%score/v2/networks/%s' % (self.api_base, res.get('networkId')), profile='parent',
                    title=(network or {}).get('name') or '')

    def _links(self, rtype, res, view, op=None, process=None):
        base = self.api_base
        href = '%score/v2/%s/%s' % (base, rtype, res['id'])
        if rtype == 'networks':
            links = dict((name, dict(href='%score/v2/%s?networkId=%s' % (base, name, res['id']))) for name in NETWORK_LINKS)
            links['networks'] = dict(href=base + 'core/v2/networks', profile=base + 'core/v2/profile/networks')
            links['process-executions'] = dict(href='%score/v2/process-executions?networkId=%s' % (base, res['id']))
            links['self'] = dict(href=href)
        else:
            links = dict(network=self._network_link(res), self=dict(href=href))
            if rtype == 'edge-routers' and view == 'write' and op == 'create':
                links['self']['title'] = res.get('name') or ''
        if process is not None:
            mode = self.settings['async_links']
            if mode in ('process', 'both'):
                link = dict(href='%score/v2/process/%s' % (base, process['id']), profile=base + 'core/v2/profile/process')
                if not (op == 'create' and rtype in ('networks', 'endpoints')):  # those two recorded no title
                    link['title'] = process['processorName']
                links['process'] = link
            if mode in ('execution', 'both'):
                link = dict(href='%score/v2/executions/%s' % (base, process['id']))
                links['executions' if op == 'update' else 'execution'] = link
        return links

    def _show(self, rtype, res, view, op=None, process=None):
        """A copy of a resource as the API shows it: view 'item' (GET by id), 'list' (a page's item) or 'write' (the
        answer of a create, update or delete)."""
        shown = copy.deepcopy(res)
        hidden = self.hidden.get(res['id'], {})
        if view == 'item':
            shown.update((key, copy.deepcopy(hidden[key])) for key in TYPES[rtype].get('by_id', ()) if key in hidden)
        if rtype == 'edge-routers' and view == 'write' and op == 'create':
            network = self._find('networks', res.get('networkId')) or {}
            shown.update(productVersion=network.get('productVersion', DEFAULT_VERSION), hostSize=None,
                         locationCode=hidden.get('locationCode'))
        shown.update((self.settings.get('answer_extras') or {}).get(rtype) or {})
        shown['_links'] = self._links(rtype, res, view, op, process)
        return shown

    def _find(self, rtype, rid):
        return next((res for res in self.resources[rtype] if res['id'] == rid), None)

    def _existing(self, rtype, rid):
        res = self._find(rtype, rid)
        if res is None:
            raise ApiError(404, 'no %s with id %s' % (rtype, rid))
        return res

    def _named(self, rtype, network_id, name, exclude=None):
        key = caseless(name)
        return next((res for res in self.resources[rtype] if res['id'] != exclude and caseless(res.get('name')) == key
                     and (rtype == 'networks' or res.get('networkId') == network_id)), None)

    # Asynchronous work

    def _take_fault(self, rtype, names, op, race=False):
        """The first resource fault for a write (op) to a resource with one of names, counted down; or None."""
        keys = set(caseless(name) for name in names if isinstance(name, str))
        for fault in self.faults:
            if (fault.get('outcome') == 'race') != race or caseless(fault.get('name')) not in keys:
                continue
            if fault.get('type') not in (None, rtype) or fault.get('on', 'any') not in ('any', op):
                continue
            if not race and not TYPES[rtype]['process']:
                continue  # done when answered: nothing to fail or stick later
            times = fault.get('times', 1 if race else None)
            if times is not None:
                fault['times'] = times - 1
                if fault['times'] <= 0:
                    self.faults.remove(fault)
            return fault
        return None

    def _start(self, rtype, res, op, fault):
        """The process of an asynchronous write (None for a type done when answered)."""
        if not TYPES[rtype]['process']:
            if op == 'create':
                res['zitiId'] = uuid.uuid4().hex[:10]
            return None
        if TYPES[rtype]['status']:
            res['status'] = dict(create=self.settings['create_status'], update='UPDATING', delete='DELETING')[op]
        pid = str(uuid.uuid4())
        process = dict(id=pid, type=rtype, rid=res['id'], network=res['id'] if rtype == 'networks' else res['networkId'],
                       op=op, gets=0, since=time.time(), outcome=(fault or {}).get('outcome', 'done'),
                       message=(fault or {}).get('message'), status='STARTED', started=iso_now(), finished=None,
                       name=res.get('name'), processorName=PROCESSORS[op] % singular_title(rtype))
        old = self.pending.get(res['id'])
        if old in self.processes and self.processes[old]['status'] == 'STARTED':
            self.processes[old].update(status='FAILED', finished=iso_now(), message='superseded by a later write')
        self.processes[pid] = process
        self.pending[res['id']] = pid
        if process['outcome'] != 'stuck' and int(self.settings['provision_after_gets']) <= 0:
            self._finish(process)
        return process

    def _finish(self, process):
        """End a process; its resource shows the outcome."""
        process['finished'] = iso_now()
        rtype, res = process['type'], self._find(process['type'], process['rid'])
        self.pending.pop(process['rid'], None)
        if process['outcome'] in ('ERROR', 'SUSPENDED'):
            process['status'] = 'FAILED'
            process['message'] = process['message'] or 'the test bed made this %s fail' % process['op']
            if res is not None and TYPES[rtype]['status']:
                res.update(status=process['outcome'], updatedAt=iso_now())
            return
        process['status'] = 'FINISHED'
        if res is None:
            return
        if process['op'] == 'delete':
            self._remove(rtype, res)
            return
        res['updatedAt'] = iso_now()
        if TYPES[rtype]['status']:
            res['status'] = 'PROVISIONED'
        if process['op'] == 'create':
            self._provisioned(rtype, res)

    def _provisioned(self, rtype, res):
        """What a finished create gives a resource: its Ziti id, and the one-time JWT of what enrolls with one."""
        if rtype == 'networks':
            return
        res['zitiId'] = res.get('zitiId') or uuid.uuid4().hex[:10]
        method = self.hidden.get(res['id'], {}).get('enrollmentMethod') or {}
        if rtype == 'endpoints' and isinstance(method, dict) and (method.get('ott') or method.get('ottca')):
            res.update(jwt=self._issue(fake_enrollment_jwt(self.api_base, res['zitiId'], 'ott' if method.get('ott')
                                                           else 'ottca')),
                       jwtExpiresAt=iso_now(time.time() + 86400))
        if rtype == 'edge-routers' and self._customer_hosted(res):
            res['jwt'] = self._issue(fake_enrollment_jwt(self.api_base, res['zitiId'], 'erott'))

    @staticmethod
    def _customer_hosted(res):
        """The SDK's rule (Network.edge_routers): no provider, or provider CUSTOMER."""
        return res.get('provider') in (None, '', 'CUSTOMER')

    def _issue(self, secret):
        self.issued.append(secret)
        return secret

    def _remove(self, rtype, res):
        self.resources[rtype].remove(res)
        self.hidden.pop(res['id'], None)
        if rtype == 'networks':  # a network takes its resources with it
            for child_type, items in self.resources.items():
                for child in [item for item in items if child_type != 'networks' and item.get('networkId') == res['id']]:
                    items.remove(child)
                    self.pending.pop(child['id'], None)

    def _read(self, process):
        """A read that counts toward a process: it ends at its Nth read (or after its seconds)."""
        if process['status'] != 'STARTED':
            return
        process['gets'] += 1
        if process['outcome'] != 'stuck' and process['gets'] >= int(self.settings['provision_after_gets']):
            self._finish(process)

    def _settle(self):
        """End every process whose provision_after_seconds have passed."""
        seconds = self.settings.get('provision_after_seconds')
        if seconds is None:
            return
        now = time.time()
        for process in list(self.processes.values()):
            if process['status'] == 'STARTED' and process['outcome'] != 'stuck' and now - process['since'] >= float(seconds):
                self._finish(process)

    # The API (each returns (status, data) or raises ApiError)

    def list(self, rtype, query):
        """A Spring HAL page of rtype matching the query's filters."""
        page, size = int(query.get('page', 0)), int(query.get('size', 20))
        if page < 0 or size < 1:
            raise ApiError(400, 'page must be >= 0 and size >= 1')
        name = query.get('name', query.get('findByName'))
        filters = [(field, query[param]) for param, field in (
            ('status', 'status'), ('typeId', 'typeId'), ('findByNetworkGroupId', 'networkGroupId')) if param in query]
        if rtype != 'networks' and 'networkId' in query:
            filters.append(('networkId', query['networkId']))
        with self.lock:
            self._settle()
            items = [res for res in self.resources[rtype] if (name is None or caseless(res.get('name')) == caseless(name))
                     and all(res.get(field) == value for field, value in filters)]
            sort = query.get('sort', '')
            if sort.split(',')[0] == 'name':
                items.sort(key=lambda res: caseless(res.get('name') or ''), reverse=sort.endswith(',desc'))
            shown = [self._show(rtype, res, 'list') for res in items[page * size:(page + 1) * size]]
            total = len(items)
        data = dict(_embedded={TYPES[rtype]['list_key']: shown}) if shown else {}
        data.update(_links=dict(self=dict(href='%score/v2/%s' % (self.api_base, rtype))),
                    page=dict(size=size, totalElements=total, totalPages=-(-total // size), number=page))
        return 200, data

    def get(self, rtype, rid):
        """A GET by id: it counts toward the resource's process; 404 once a delete ended it."""
        with self.lock:
            self._settle()
            res = self._existing(rtype, rid)
            process = self.processes.get(self.pending.get(rid))
            if process is not None:
                self._read(process)
                res = self._existing(rtype, rid)
            return 200, self._show(rtype, res, 'item')

    def _check_body(self, operation, body, rtype, creating):
        if not isinstance(body, dict):
            raise ApiError(400, 'the body must be a JSON object')
        problems = self.contract.check_request(operation, body) if operation else []
        if problems:
            self.contract_log['refused'].append(dict(operation=operation, problems=problems))
            raise ApiError(400, 'the body does not match the API: %s' % '; '.join(problems))
        unknown = self._unknown(rtype, body)
        if unknown and self.settings.get('strict_properties'):
            raise ApiError(400, 'unknown property %s of %s' % (unknown[0], rtype))
        if creating and (not isinstance(body.get('name'), str) or not body['name'].strip()):
            raise ApiError(400, 'name is required')

    def create(self, rtype, body, owner):
        self._check_body(self.contract.operation('POST', '/core/v2/' + rtype), body, rtype, True)
        name = body['name']
        with self.lock:
            self._settle()
            network_id = None
            if rtype == 'networks':
                if not any(group['id'] == body.get('networkGroupId') for group in self.network_groups):
                    raise ApiError(400, 'no network group with id %s' % body.get('networkGroupId'))
            else:
                network_id = body.get('networkId')
                if not isinstance(network_id, str) or self._find('networks', network_id) is None:
                    raise ApiError(400, 'no network with id %s' % network_id)
            race = self._take_fault(rtype, [name], 'create', race=True)
            if race:  # another writer got there first, under the name as the fault spells it
                other = self._new(rtype, dict(self._seed_defaults(rtype), name=race['name'], networkId=network_id),
                                  'another-writer')
                self._provisioned(rtype, other)
                if TYPES[rtype]['status']:
                    other['status'] = 'PROVISIONED'  # its own work is done
            existing = self._named(rtype, network_id, name)
            if existing is not None:
                raise ApiError(409, 'a resource of type %s named %s already exists%s' % (
                    rtype, existing['name'], '' if rtype == 'networks' else ' in network %s' % network_id))
            res = self._new(rtype, body, owner)
            process = self._start(rtype, res, 'create', self._take_fault(rtype, [name], 'create'))
            return TYPES[rtype]['write'], self._show(rtype, res, 'write', 'create', process)

    def update(self, rtype, rid, body, method):
        """PATCH (the top-level properties sent) or PUT (every property a client sets, replaced)."""
        self._check_body(self.contract.operation(method, '/core/v2/%s/%s' % (rtype, rid)), body, rtype, False)
        with self.lock:
            self._settle()
            res = self._existing(rtype, rid)
            if res.get('deletedAt') is not None:
                raise ApiError(409, '%s %s is being deleted' % (rtype, rid))
            name = body.get('name')
            if not isinstance(name, str) or not name.strip():
                raise ApiError(400, 'name is required')  # the SDK: "the API requires the name property"
            for prop in IMMUTABLE + NO_UPDATE.get(rtype, ()):
                if prop in body and body[prop] != res.get(prop):
                    raise ApiError(400, 'property %s of %s cannot be updated' % (prop, rtype))
            if rtype == 'services' and 'model' in body and 'modelType' not in body:
                raise ApiError(400, 'modelType is required with model')  # the SDK always adds it
            other = self._named(rtype, res.get('networkId'), name, exclude=rid)
            if other is not None:
                raise ApiError(409, 'a resource of type %s named %s already exists' % (rtype, other['name']))
            old_name = res.get('name')
            kept = dict((key, copy.deepcopy(value)) for key, value in body.items() if self._kept(rtype, key))
            if method == 'PUT':
                defaults = self._server(rtype, res['createdBy'], res['createdAt'], res.get('networkId'))
                for key in [key for key in res if self._kept(rtype, key) and key not in kept]:
                    if key in defaults:
                        res[key] = copy.deepcopy(defaults[key])
                    else:
                        del res[key]
            res.update(kept)
            _numbers(res)
            res['updatedAt'] = iso_now()
            process = self._start(rtype, res, 'update', self._take_fault(rtype, [name, old_name], 'update'))
            return TYPES[rtype]['write'], self._show(rtype, res, 'write', 'update', process)

    def delete(self, rtype, rid, owner):
        with self.lock:
            self._settle()
            res = self._existing(rtype, rid)
            pending = self.processes.get(self.pending.get(rid))
            if res.get('deletedAt') is not None and pending is not None:
                return TYPES[rtype]['write'], self._show(rtype, res, 'write', 'delete', pending)
            res.update(deletedAt=iso_now(), deletedBy=owner)
            process = self._start(rtype, res, 'delete', self._take_fault(rtype, [res.get('name')], 'delete'))
            shown = self._show(rtype, res, 'write', 'delete', process)
            if process is None:
                self._remove(rtype, res)
            return TYPES[rtype]['write'], shown

    def process(self, pid, query):
        """GET core/v2/process/{id}?networkId= (recorded, always with networkId)."""
        if not query.get('networkId'):
            raise ApiError(400, 'networkId is required')
        with self.lock:
            self._settle()
            process = self.processes.get(pid)
            if process is None or process['network'] != query['networkId']:
                raise ApiError(404, 'no process with id %s in network %s' % (pid, query['networkId']))
            self._read(process)
            return 200, self._show_process(process)

    def execution(self, pid):
        """GET core/v2/executions/{id}: the SDK's view of the same work (unrecorded; its keys name and status)."""
        with self.lock:
            self._settle()
            process = self.processes.get(pid)
            if process is None:
                raise ApiError(404, 'no execution with id %s' % pid)
            self._read(process)
            return 200, dict(id=pid, name=process['processorName'], status=process['status'],
                             _links=dict(self=dict(href='%score/v2/executions/%s' % (self.api_base, pid))))

    def _show_process(self, process):
        step = dict(id=process['id'] + '-1', methodName=process['op'], parallelIds=[], parallelSteps=[],
                    processId=process['id'], status=process['status'],
                    stepDescription='%s %s %s' % (process['op'].title(), process['type'][:-1].replace('-', ' '),
                                                  process['name'] or ''),
                    stepName=process['op'] + '-' + process['type'], started=process['started'])
        if process['finished']:
            step['finished'] = process['finished']
        return dict(_links=dict(self=dict(href='%score/v2/process/%s' % (self.api_base, process['id']))),
                    args=dict(__process_id__=process['id'], context=dict(name=process['name'] or '',
                                                                         networkId=process['network'])),
                    finished=process['finished'], id=process['id'],
                    payload=dict(message=process['message']) if process['status'] == 'FAILED' else None,
                    processorName=process['processorName'], startStepName=step['stepName'],
                    started=process['started'], status=process['status'], stepIds=[step['id']], steps=[step])

    def _show_group(self, group):
        href = '%srest/v1/network-groups/%s' % (self.api_base, group['id'])
        networks = '%score/v2/networks?findByNetworkGroupId=%s' % (self.api_base, group['id'])
        return dict(_links=dict(azureSubscription=dict(href=href + '/azureSubscription'), networks=dict(href=networks),
                                self=dict(href=href)),
                    awsAutoScalingGatewayEnabled=False, billingAccountId=None, createdAt=SEEDED_AT,
                    defaultAzureVirtualWanId=None, deleted=False, id=group['id'], mfaRequired=False, name=group['name'],
                    organizationShortName=group['organizationShortName'], ownerIdentityId=None, updatedAt=SEEDED_AT,
                    zitiEnabled=True)

    def groups(self, gid=None):
        """GET rest/v1/network-groups (recorded: a page whose list is under _embedded.organizations, with first and
        last links) and rest/v1/network-groups/{id}."""
        with self.lock:
            groups = [self._show_group(group) for group in self.network_groups]
        if gid is not None:
            found = [group for group in groups if group['id'] == gid]
            if not found:
                raise ApiError(404, 'no network group with id %s' % gid)
            return 200, found[0]
        href = self.api_base + 'rest/v1/network-groups?page=0&size=20'
        return 200, dict(_embedded=dict(organizations=groups), _links=dict(first=dict(href=href), last=dict(href=href)),
                         page=dict(size=20, totalElements=len(groups), totalPages=1, number=0))

    def data_centers(self, query):
        """GET core/v2/data-centers (recorded: a page under _embedded.dataCenters); filter provider (the SDK's)."""
        centers = []
        for provider, code, name, country, continent in DATA_CENTERS:
            if query.get('provider') and query['provider'].upper() != provider:
                continue
            cid = data_center_id(provider, code)
            centers.append(dict(_links=dict(self=dict(href='%score/v2/data-centers/%s' % (self.api_base, cid))),
                                address=None, city=name, continentCode=continent, continentName=continent,
                                countryCode=country, countryName=country, id=cid, isp=None, lat=0.0, lng=0.0,
                                locationCode=code, locationName=name, provider=provider, stateCode=None,
                                stateName=None))
        return 200, dict(_embedded=dict(dataCenters=centers), _links=dict(self=dict(
            href=self.api_base + 'core/v2/data-centers')), page=dict(size=len(centers), totalElements=len(centers),
                                                                     totalPages=1, number=0))

    def product_versions(self):
        """GET product-metadata/v2/download-urls.json (recorded: product version -> its download URLs and active)."""
        versions = {}
        for version, active in VERSIONS:
            entry = dict(active=active, zitiVersion='0.%s' % version)
            for name in VERSION_FILES:
                url = 'https://downloads.example/%s/%s' % (version, name)
                entry[name] = url
                if name.endswith('Binary'):
                    entry.update(('%s.%s' % (name, digest), '0' * length) for digest, length in (
                        ('md5', 32), ('sha-1', 40), ('sha-256', 64)))
            versions[version] = entry
        return 200, versions

    def registration_key(self, rid, owner):
        """POST core/v2/edge-routers/{id}/registration-key: a new key (the SDK's "rotate"); the old one is void."""
        with self.lock:
            res = self._existing('edge-routers', rid)
            if not self._customer_hosted(res):
                raise ApiError(400, 'edge router %s is hosted by NetFoundry: it has no registration key' % rid)
            now = time.time()
            key = self._issue(base64.b32encode(os.urandom(10)).decode('ascii'))
            registration = res.get('registration') or dict(id=str(uuid.uuid4()), createdAt=iso_now(now),
                                                           createdBy=owner, deletedAt=None, deletedBy=None,
                                                           edgeRouterId=rid, networkId=res['networkId'],
                                                           registrationAttempts=0, usedAt=None)
            registration.update(issuedAt=iso_now(now), expiresAt=iso_now(now + 86400), updatedAt=iso_now(now))
            res['registration'] = registration
            return 200, dict(registrationKey=key, expiresAt=registration['expiresAt'])

    # Control (tests and the demo)

    def _seed_defaults(self, rtype):
        """What a create body of the type always holds (the recorded requests; the SDK sends the same)."""
        return dict({'endpoints': dict(attributes=[], enrollmentMethod=dict(ott=True)),
                     'edge-routers': dict(attributes=[], linkListener=False, tunnelerEnabled=False),
                     'edge-router-policies': dict(edgeRouterAttributes=[], endpointAttributes=[]),
                     'services': dict(attributes=[], encryptionRequired=True),
                     'service-policies': dict(type='Dial', semantic='AnyOf', serviceAttributes=[],
                                              endpointAttributes=[], postureCheckAttributes=[]),
                     'service-edge-router-policies': dict(semantic='AnyOf', serviceAttributes=[],
                                                          edgeRouterAttributes=[]),
                     'app-wans': dict(endpointAttributes=[], serviceAttributes=[], postureCheckAttributes=[]),
                     'networks': dict(networkGroupId=NETWORK_GROUP_ID, size='medium', locationCode='us-east-1')
                     }.get(rtype, {}))

    def seed(self, rtype, props, status=None):
        """Store a resource as if created long ago (no API request): provisioned, its status PROVISIONED (or status);
        a property the type does not keep is refused (a test must not seed what the API never shows)."""
        if rtype not in TYPES:
            raise ApiError(404, 'no resource type %s' % rtype)
        if not isinstance(props, dict) or not isinstance(props.get('name'), str):
            raise ApiError(400, 'a seeded resource needs a name')
        props = dict(props)
        rid = props.pop('id', None)
        unknown = [key for key in self._unknown(rtype, props) if key != 'networkId']
        server = sorted(key for key in props if key in SERVER and key != 'networkId')
        if unknown or server:
            raise ApiError(400, 'cannot seed %s with %s: %s' % (
                rtype, (unknown + server)[0], 'the API sets it' if server else 'the type does not keep it'))
        if status is not None and not TYPES[rtype]['status']:
            raise ApiError(400, '%s have no status' % rtype)
        with self.lock:
            if rtype != 'networks':
                props.setdefault('networkId', self.resources['networks'][0]['id'] if self.resources['networks'] else None)
            res = self._new(rtype, dict(self._seed_defaults(rtype), **props), ORGANIZATION_ID, SEEDED_AT, rid)
            self._provisioned(rtype, res)
            if TYPES[rtype]['status']:
                res['status'] = status or 'PROVISIONED'
            return self._show(rtype, res, 'item')

    def enroll(self, rid):
        """The endpoint enrolls: its one-time JWT is gone. None when there is no such endpoint."""
        with self.lock:
            res = self._find('endpoints', rid)
            if res is None:
                return None
            res.update(jwt=None, jwtExpiresAt=None, updatedAt=iso_now())
            return self._show('endpoints', res, 'item')

    def register(self, rid):
        """The edge router registers with its key: verified and online, its registration used. None when missing."""
        with self.lock:
            res = self._find('edge-routers', rid)
            if res is None:
                return None
            if res.get('registration'):
                res['registration'].update(usedAt=iso_now(), registrationAttempts=res['registration'].get(
                    'registrationAttempts', 0) + 1)
            res.update(verified=True, online=True, jwt=None, updatedAt=iso_now())
            return self._show('edge-routers', res, 'item')

    def update_settings(self, data):
        unknown = sorted(set(data) - set(SETTINGS))
        if unknown:
            raise ApiError(400, 'unknown resource settings: %s' % ', '.join(unknown))
        if 'async_links' in data and data['async_links'] not in ASYNC_LINKS:
            raise ApiError(400, 'async_links is one of %s' % ', '.join(ASYNC_LINKS))
        with self.lock:
            self.settings.update(data)
            return dict(self.settings)

    def set_faults(self, faults):
        for fault in faults:
            if not isinstance(fault, dict) or not isinstance(fault.get('name'), str) or \
                    fault.get('outcome') not in FAULT_OUTCOMES:
                raise ApiError(400, 'a resource fault needs a name and an outcome (one of %s): %r' % (
                    ', '.join(FAULT_OUTCOMES), fault))
            if fault.get('type') not in (None,) + tuple(TYPES) or fault.get('on', 'any') not in (
                    'any', 'create', 'update', 'delete'):
                raise ApiError(400, 'a resource fault\'s type is a resource type, its on any, create, update or '
                                    'delete: %r' % fault)
        with self.lock:
            self.faults = [dict(fault) for fault in faults]
            return dict(faults=[dict(fault) for fault in faults])

    def dump(self, rtype=None):
        """One type's resources as GET by id shows them (pending ones with their process), or an overview."""
        with self.lock:
            if rtype is None:
                return dict(settings=dict(self.settings), faults=[dict(f) for f in self.faults],
                            counts=dict((name, len(items)) for name, items in self.resources.items()))
            if rtype not in TYPES:
                raise ApiError(404, 'no resource type %s' % rtype)
            shown = []
            for res in self.resources[rtype]:
                item = self._show(rtype, res, 'item')
                item.pop('_links')
                process = self.processes.get(self.pending.get(res['id']))
                if process is not None:
                    item['_testbed'] = dict(op=process['op'], gets=process['gets'], outcome=process['outcome'],
                                            process=process['id'])
                shown.append(item)
            return dict(resources=shown)

    def record(self, operation, status, data, request=''):
        """Check one answer against the recording (see nf_contract); request (method and path) names an operation the
        recording does not have."""
        problems = self.contract.check_response(operation, status, data) if operation else None
        with self.lock:
            key = '%s %s' % (operation or request, status)
            log = self.contract_log['unrecorded' if problems is None else 'checked']
            log[key] = log.get(key, 0) + 1
            if problems:
                self.contract_log['violations'].append(dict(operation=operation, status=status, problems=problems))

    def contract_report(self):
        with self.lock:
            return copy.deepcopy(self.contract_log)
