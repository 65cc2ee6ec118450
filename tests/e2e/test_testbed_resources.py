# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The test bed's resource API over real HTTP on 127.0.0.1, with a token from its identity provider: what NetFoundry's
API was recorded answering (tests/testbed/recorded/), type by type, and what the emulator does where the recording is
silent (tests/testbed/nf_api.py says which). What the resource engine is written against. The testbed fixture checks
every answer of every test against the recording (nf_contract.py); the last tests here prove that check can fail."""

import base64
import json
import time
import urllib.error

import pytest
import requests

from ansible_collections.netfoundry.api.tests.e2e.conftest import assert_contract
from ansible_collections.netfoundry.api.tests.e2e.plays import CLIENT_ID, CLIENT_SECRET, NETWORK_GROUP_ID, network_body

pytestmark = pytest.mark.core_behaviour

DEMO = '00000000-0000-4000-8000-000000000001'  # the seeded networks
LAB = '00000000-0000-4000-8000-000000000002'
# The list key of each type: recorded (networkList ... appWanList), the SDK's rule for the others.
LIST_KEYS = {
    'networks': 'networkList', 'endpoints': 'endpointList', 'edge-routers': 'edgeRouterList',
    'edge-router-policies': 'edgeRouterPolicyList', 'services': 'serviceList', 'service-policies': 'servicePolicyList',
    'service-edge-router-policies': 'serviceEdgeRouterPolicyList', 'app-wans': 'appWanList',
    'posture-checks': 'postureCheckList', 'certificate-authorities': 'certificateAuthorityList',
    'configs': 'configList', 'config-types': 'configTypeList', 'terminators': 'terminatorList',
}
# A create body of each type as NetFoundry's SDK sends it (the recorded requests hold the same keys).
BODIES = {
    'endpoints': {'attributes': [], 'enrollmentMethod': {'ott': True}},
    'edge-routers': {'attributes': [], 'linkListener': False, 'tunnelerEnabled': False},
    'edge-router-policies': {'edgeRouterAttributes': [], 'endpointAttributes': []},
    'services': {'attributes': [], 'encryptionRequired': True},
    'service-policies': {'type': 'Dial', 'semantic': 'AnyOf', 'serviceAttributes': [], 'endpointAttributes': [],
                         'postureCheckAttributes': []},
    'service-edge-router-policies': {'semantic': 'AnyOf', 'serviceAttributes': [], 'edgeRouterAttributes': []},
    'app-wans': {'endpointAttributes': [], 'serviceAttributes': [], 'postureCheckAttributes': []},
}
WRITE_STATUS = dict((rtype, 200 if rtype == 'app-wans' else 202) for rtype in LIST_KEYS)
ASYNC = ('networks', 'endpoints', 'edge-routers', 'services')  # recorded: their writes link a process


class Api:
    """requests against the test bed's API with a bearer token its identity provider issued."""

    def __init__(self, testbed):
        self.base = testbed.info['api']
        answer = requests.post(testbed.info['idp_http'] + '/oauth/token', timeout=10, json={
            'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'audience': self.base,
            'grant_type': 'client_credentials'})
        assert answer.status_code == 200, answer.text
        self.session = requests.Session()
        self.session.trust_env = False  # 127.0.0.1 directly, whatever proxy the environment names
        self.session.headers['Authorization'] = 'Bearer ' + answer.json()['access_token']

    def call(self, method, path, body=None, **query):
        url = path if path.startswith('http') else self.base + 'core/v2/' + path
        return self.session.request(method, url, json=body, params=query or None, timeout=10)

    def get(self, path, **query):
        return self.call('GET', path, **query)

    def create(self, rtype, expect=None, **body):
        body = dict(network_body(body['name']) if rtype == 'networks' else BODIES.get(rtype, {}), **body)
        if rtype != 'networks':
            body.setdefault('networkId', DEMO)
        answer = self.call('POST', rtype, body)
        assert answer.status_code == (expect or WRITE_STATUS[rtype]), answer.text
        return answer.json()

    def status(self, rtype, rid):
        answer = self.get('%s/%s' % (rtype, rid))
        return answer.json().get('status') if answer.status_code == 200 else answer.status_code

    def process(self, answer, network=DEMO):
        """The process a write's answer links, read once."""
        reply = self.get(answer['_links']['process']['href'], networkId=network)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def names(self, rtype, **query):
        page = self.get(rtype, **query).json()
        return [item['name'] for item in page.get('_embedded', {}).get(LIST_KEYS[rtype], [])]


@pytest.fixture
def api(testbed):
    return Api(testbed)


def writes(testbed):
    return [(e['method'], e['path'].split('/core/v2/')[-1], e['status']) for e in testbed.stats()['api_log']
            if e['method'] != 'GET']


def error_shape(answer, status):
    """The recorded error body: {error, message, status, timestamp}."""
    body = answer.json()
    assert (answer.status_code, sorted(body), body['status']) == (status, ['error', 'message', 'status', 'timestamp'],
                                                                  status), body
    return body['message']


# Lists, as recorded


@pytest.mark.parametrize('rtype', sorted(LIST_KEYS))
def test_every_type_lists_under_its_key_and_omits_embedded_when_empty(rtype, api, testbed):
    seeded = testbed.seed(rtype, name='one-' + rtype)
    scope = {} if rtype == 'networks' else {'networkId': DEMO}
    page = api.get(rtype, **scope).json()
    assert list(page['_embedded']) == [LIST_KEYS[rtype]]
    listed = page['_embedded'][LIST_KEYS[rtype]]
    assert [item['name'] for item in listed][-1] == 'one-' + rtype
    assert listed[-1]['id'] == seeded['id']
    assert ('status' in listed[-1]) == (rtype in ('networks', 'edge-routers'))  # recorded: only these two have one
    assert listed[-1]['_links']['self']['href'] == '%score/v2/%s/%s' % (api.base, rtype, seeded['id'])
    # Nothing matches: no _embedded at all (the recorded posture-checks list), and no next link ever.
    empty = api.get(rtype, name='no-such-name', **scope).json()
    assert (sorted(empty), empty['page']) == (['_links', 'page'], {'size': 20, 'totalElements': 0, 'totalPages': 0,
                                                                   'number': 0})
    one = api.get('%s/%s' % (rtype, seeded['id']))
    assert (one.status_code, one.json()['name'], one.headers['Content-Type']) == (200, 'one-' + rtype,
                                                                                  'application/hal+json')
    missing = api.get('%s/%s' % (rtype, '11111111-1111-4111-8111-111111111111'))
    assert error_shape(missing, 404) == 'no %s with id 11111111-1111-4111-8111-111111111111' % rtype


def test_networks_as_recorded(api):
    page = api.get('networks').json()
    assert [n['name'] for n in page['_embedded']['networkList']] == ['demo-network', 'lab-network']
    assert page['page'] == {'size': 20, 'totalElements': 2, 'totalPages': 1, 'number': 0}
    assert page['_links'] == {'self': {'href': api.base + 'core/v2/networks'}}
    demo = page['_embedded']['networkList'][0]
    assert (demo['status'], demo['networkGroupId'], demo['size'], 'locationCode' in demo) == (
        'PROVISIONED', NETWORK_GROUP_ID, 'medium', False)
    assert api.get('networks/' + DEMO).json()['locationCode'] == 'us-east-1'  # GET by id only, as recorded
    created = api.create('networks', name='new-network')
    assert (created['status'], 'networkId' in created, sorted(created['_links']['process'])) == (
        'PROVISIONING', False, ['href', 'profile'])
    # A network needs its group and place (every recorded create, and the SDK, send them).
    message = error_shape(api.call('POST', 'networks', {'name': 'bare'}), 400)
    assert message.startswith("the body does not match the API: (top): 'networkGroupId' is a required property")
    other_group = dict(network_body('elsewhere'), networkGroupId='11111111-1111-4111-8111-111111111111')
    assert error_shape(api.call('POST', 'networks', other_group), 400) == \
        'no network group with id 11111111-1111-4111-8111-111111111111'
    # The SDK 5.11.3 names the place region (with provider): taken as well.
    sdk = {'name': 'by-sdk', 'networkGroupId': NETWORK_GROUP_ID, 'size': 'medium', 'provider': 'OCI',
           'region': 'eu-amsterdam-1'}
    assert api.call('POST', 'networks', sdk).status_code == 202
    by_sdk = api.get('networks', name='by-sdk').json()['_embedded']['networkList'][0]
    assert api.get('networks/' + by_sdk['id']).json()['locationCode'] == 'eu-amsterdam-1'


def test_network_groups_as_recorded(api):
    page = api.get(api.base + 'rest/v1/network-groups').json()
    assert [(g['id'], g['name'], g['organizationShortName']) for g in page['_embedded']['organizations']] == [
        (NETWORK_GROUP_ID, 'demo-group', 'demo')]
    assert api.get(api.base + 'rest/v1/network-groups/' + NETWORK_GROUP_ID).json()['name'] == 'demo-group'
    assert api.get(api.base + 'rest/v1/network-groups/11111111-1111-4111-8111-111111111111').status_code == 404


def test_pages_have_no_next_link_and_sort(api):
    for number in (3, 1, 5, 2, 4):
        api.create('services', name='svc-%d' % number)
    first = api.get('services', networkId=DEMO, size=2).json()
    assert [s['name'] for s in first['_embedded']['serviceList']] == ['svc-3', 'svc-1']
    assert first['page'] == {'size': 2, 'totalElements': 5, 'totalPages': 3, 'number': 0}
    assert first['_links'] == {'self': {'href': api.base + 'core/v2/services'}}
    last = api.get('services', networkId=DEMO, size=2, page=2).json()
    assert [s['name'] for s in last['_embedded']['serviceList']] == ['svc-4']
    beyond = api.get('services', networkId=DEMO, size=2, page=3).json()
    assert ('_embedded' in beyond, beyond['page']['number']) == (False, 3)
    assert api.names('services', networkId=DEMO, sort='name,asc') == ['svc-%d' % n for n in (1, 2, 3, 4, 5)]
    assert api.names('services', networkId=DEMO, sort='name,desc') == ['svc-%d' % n for n in (5, 4, 3, 2, 1)]
    assert error_shape(api.get('services', networkId=DEMO, size=0), 400) == 'page must be >= 0 and size >= 1'


def test_network_id_scopes_lists_names_and_conflicts(api):
    in_demo = api.create('endpoints', name='same-name')
    in_lab = api.create('endpoints', name='same-name', networkId=LAB)
    assert (in_demo['networkId'], in_lab['networkId']) == (DEMO, LAB)
    assert [e['id'] for e in api.get('endpoints', networkId=LAB).json()['_embedded']['endpointList']] == [in_lab['id']]
    assert [e['id'] for e in api.get('endpoints').json()['_embedded']['endpointList']] == [in_demo['id'], in_lab['id']]
    assert api.names('endpoints', networkId='11111111-1111-4111-8111-111111111111') == []


def test_name_filter_is_exact_and_case_insensitive_and_other_filters(api):
    api.create('edge-router-policies', name='Web-Servers')
    api.create('edge-router-policies', name='web-servers-2')
    assert api.names('edge-router-policies', networkId=DEMO, name='WEB-servers') == ['Web-Servers']
    assert api.names('edge-router-policies', networkId=DEMO, name='web') == []
    assert api.names('networks', findByName='DEMO-NETWORK') == ['demo-network']
    assert api.names('networks', name='Lab-Network') == ['lab-network']
    # Unknown filters are ignored; status filters the types that have one.
    assert api.names('edge-router-policies', networkId=DEMO, embed='all', beta='') == ['Web-Servers', 'web-servers-2']
    api.create('edge-routers', name='r1')
    assert api.names('edge-routers', networkId=DEMO, status='PROVISIONING') == ['r1']
    assert api.names('edge-routers', networkId=DEMO, status='PROVISIONED') == []


# Writes


def test_create_rules_409_and_properties_dropped_silently(api, testbed):
    first = api.create('service-policies', name='Dial-Web', serviceAttributes=['#web'], serviceRoles=['#web'])
    assert (first['serviceAttributes'], 'serviceRoles' in first) == (['#web'], False)  # a Ziti name: dropped
    assert first['createdAt'] == first['updatedAt'] and first['createdAt'].endswith('Z') and len(first['zitiId']) == 10
    assert '_links' in first and 'process' not in first['_links']  # done when answered (recorded)
    taken = api.call('POST', 'service-policies', dict(BODIES['service-policies'], name='dial-WEB', networkId=DEMO))
    assert error_shape(taken, 409) == 'a resource of type service-policies named Dial-Web already exists in network %s' % DEMO
    api.create('app-wans', name='dial-web')  # another type: no conflict
    for body, message in (({'networkId': DEMO}, "(top): 'name' is a required property"),
                          (dict(BODIES['app-wans'], name='x', networkId='nope'), 'no network with id nope'),
                          ([1], 'the body must be a JSON object'),
                          (dict(BODIES['app-wans'], name='x', networkId=DEMO, serviceAttributes='#web'),
                           "the body does not match the API: serviceAttributes: '#web' is not of type 'array'")):
        assert message in error_shape(api.call('POST', 'app-wans', body), 400), body
    assert testbed.contract()['refused'][-1]['operation'] == 'POST /core/v2/app-wans'
    testbed.resource_settings(strict_properties=True)
    strict = api.call('POST', 'app-wans', dict(BODIES['app-wans'], name='strict', networkId=DEMO, semantic='AnyOf'))
    assert error_shape(strict, 400) == 'unknown property semantic of app-wans'
    assert [e[2] for e in writes(testbed)] == [202, 409, 200, 400, 400, 400, 400, 400]


def test_an_endpoint_gets_its_jwt_when_its_process_finished(api, testbed):
    endpoint = api.create('endpoints', name='laptop', attributes=['#staff'])
    # Recorded: 202, jwt null, zitiId null, the process linked; enrollmentMethod is never answered.
    assert (endpoint['jwt'], endpoint['jwtExpiresAt'], endpoint['zitiId'], 'enrollmentMethod' in endpoint) == (
        None, None, None, False)
    href = endpoint['_links']['process']['href']
    assert href.startswith(api.base + 'core/v2/process/') and 'title' not in endpoint['_links']['process']
    first = api.process(endpoint)
    assert (first['status'], first['finished'], first['processorName']) == ('STARTED', None, 'CreateEndpointProcessor')
    assert api.get('endpoints/' + endpoint['id']).json()['jwt'] is not None  # the 2nd read finished it
    finished = api.process(endpoint)
    assert (finished['status'], finished['steps'][0]['status'], finished['finished'] is not None) == (
        'FINISHED', 'FINISHED', True)
    shown = api.get('endpoints/' + endpoint['id']).json()
    parts = shown['jwt'].split('.')
    header, claims = [json.loads(base64.urlsafe_b64decode(part + '=' * (-len(part) % 4))) for part in parts[:2]]
    assert (len(parts), header) == (3, {'alg': 'RS256', 'typ': 'JWT'})
    assert (claims['em'], claims['sub'], claims['iss']) == ('ott', shown['zitiId'], api.base)
    assert shown['jwt'] in testbed.issued()
    # The process is read with its network (recorded), and only there.
    assert error_shape(api.get(href), 400) == 'networkId is required'
    assert api.get(href, networkId=LAB).status_code == 404
    enrolled = testbed.enroll(endpoint['id'])
    assert (enrolled['jwt'], api.get('endpoints/' + endpoint['id']).json()['jwt']) == (None, None)
    patched = api.call('PATCH', 'endpoints/' + endpoint['id'], {'name': 'laptop', 'jwt': 'x', 'attributes': []}).json()
    assert (patched['jwt'], patched['attributes']) == (None, [])  # jwt is the server's: not set by a PATCH
    testbed.resource_settings(provision_after_gets=0)
    no_ott = api.create('endpoints', name='updb', enrollmentMethod={'ott': False, 'updb': 'someone'})
    assert api.get('endpoints/' + no_ott['id']).json()['jwt'] is None
    with pytest.raises(urllib.error.HTTPError, match='404'):
        testbed.enroll('11111111-1111-4111-8111-111111111111')


def test_an_edge_router_holds_no_key_and_each_request_issues_one(api, testbed):
    router = api.create('edge-routers', name='branch-router', attributes=['#branch'])
    assert (router['status'], router['registration'], router['jwt'], router['productVersion']) == (
        'PROVISIONING', None, None, '7.3.24')
    assert router['_links']['self']['title'] == 'branch-router'  # recorded on the create's answer only
    assert sorted(api.get('edge-routers/' + router['id']).json()['_links']['self']) == ['href']
    first = api.call('POST', 'edge-routers/%s/registration-key' % router['id'])
    assert (first.status_code, sorted(first.json())) == (200, ['expiresAt', 'registrationKey'])
    second = api.call('POST', 'edge-routers/%s/registration-key' % router['id']).json()
    assert second['registrationKey'] != first.json()['registrationKey']  # a new key each time (the SDK: rotate)
    shown = api.get('edge-routers/' + router['id']).json()
    assert 'registrationKey' not in json.dumps(shown['registration']) and shown['registration']['usedAt'] is None
    assert shown['registration']['expiresAt'] == second['expiresAt']
    assert api.get('edge-routers/' + router['id']).json()['status'] == 'PROVISIONED'
    registered = testbed.register(router['id'])
    assert (registered['verified'], registered['online'], registered['registration']['usedAt'] is not None) == (
        True, True, True)
    hosted = api.create('edge-routers', name='hosted', provider='AWS', locationCode='us-east-1', linkListener=True)
    assert (hosted['provider'], hosted['locationCode']) == ('AWS', 'us-east-1')
    assert 'locationCode' not in api.get('edge-routers/' + hosted['id']).json()  # the create's answer only (recorded)
    refused = api.call('POST', 'edge-routers/%s/registration-key' % hosted['id'])
    assert error_shape(refused, 400) == 'edge router %s is hosted by NetFoundry: it has no registration key' % hosted['id']
    customer_jwts = [r['jwt'] for r in testbed.resources('edge-routers') if r['name'] == 'branch-router']
    assert customer_jwts == [None]  # registration used it up
    assert {first.json()['registrationKey'], second['registrationKey']} <= set(testbed.issued())


def test_updates_and_deletes_of_asynchronous_types(api, testbed):
    service = api.create('services', name='svc', modelType='TunnelerToSdk',
                         model={'clientIngress': {'host': 'a.example', 'port': '80'}, 'edgeRouterAttributes': ['#all']})
    assert (service['zitiId'], service['_links']['process']['title']) == (None, 'CreateServiceProcessor')
    patched = api.call('PATCH', 'services/' + service['id'], {'name': 'svc', 'attributes': ['#web']})
    assert (patched.status_code, patched.json()['attributes'], 'process' in patched.json()['_links']) == (202, ['#web'], True)
    assert api.process(patched.json())['processorName'] == 'UpdateServiceProcessor'
    deleted = api.call('DELETE', 'services/' + service['id'])
    assert (deleted.status_code, deleted.json()['deletedBy'], deleted.json()['deletedAt'] is not None) == (
        202, CLIENT_ID, True)
    busy = api.call('PATCH', 'services/' + service['id'], {'name': 'svc'})
    assert error_shape(busy, 409) == 'services %s is being deleted' % service['id']
    again = api.call('DELETE', 'services/' + service['id'])
    assert again.json()['_links']['process'] == deleted.json()['_links']['process']  # the same work goes on
    assert [api.status('services', service['id']) for _get in range(2)] == [None, 404]
    router = api.create('edge-routers', name='r1')
    assert [api.status('edge-routers', router['id']) for _get in range(2)] == ['PROVISIONING', 'PROVISIONED']
    api.call('PATCH', 'edge-routers/' + router['id'], {'name': 'r1', 'tunnelerEnabled': True})
    assert [api.status('edge-routers', router['id']) for _get in range(2)] == ['UPDATING', 'PROVISIONED']
    assert api.call('DELETE', 'edge-routers/' + router['id']).json()['status'] == 'DELETING'
    assert [api.status('edge-routers', router['id']) for _get in range(2)] == ['DELETING', 404]


def test_synchronous_types_are_done_when_answered(api, testbed):
    wan = api.create('app-wans', name='wan', endpointAttributes=['#a'])
    assert (wan['zitiId'] is not None, 'process' in wan['_links'], 'status' in wan) == (True, False, False)
    patched = api.call('PATCH', 'app-wans/' + wan['id'], {'name': 'wan', 'endpointAttributes': ['#b']})
    assert (patched.status_code, patched.json()['endpointAttributes']) == (200, ['#b'])
    deleted = api.call('DELETE', 'app-wans/' + wan['id'])
    assert (deleted.status_code, 'process' in deleted.json()['_links']) == (200, False)
    assert api.status('app-wans', wan['id']) == 404
    assert api.names('app-wans', networkId=DEMO) == []
    assert error_shape(api.call('DELETE', 'app-wans/' + wan['id']), 404) == 'no app-wans with id %s' % wan['id']


def test_a_deleted_network_takes_its_resources(api):
    network = api.create('networks', name='short-lived')
    endpoint = api.create('endpoints', name='inside', networkId=network['id'])
    assert api.call('DELETE', 'networks/' + network['id']).status_code == 202
    assert [api.status('networks', network['id']) for _get in range(2)] == ['DELETING', 404]
    assert api.status('endpoints', endpoint['id']) == 404
    assert api.names('networks') == ['demo-network', 'lab-network']


def test_patch_merges_and_put_replaces(api):
    body = {'name': 'svc', 'attributes': ['#one'], 'encryptionRequired': False, 'modelType': 'TunnelerToSdk',
            'model': {'clientIngress': {'host': 'a.example', 'port': 80}, 'edgeRouterAttributes': ['#all']}}
    created = api.create('services', **body)
    merged = api.call('PATCH', 'services/' + created['id'], {'name': 'svc', 'attributes': ['#two']}).json()
    assert {k: merged[k] for k in body} == dict(body, attributes=['#two'])
    replacement = {'name': 'svc-renamed', 'modelType': 'TunnelerToSdk', 'model': {
        'clientIngress': {'host': 'b.example', 'port': 443}, 'edgeRouterAttributes': ['#all']}}
    put = api.call('PUT', 'services/' + created['id'], replacement)
    assert put.status_code == 202
    replaced = api.get('services/' + created['id']).json()
    assert (replaced['attributes'], replaced['encryptionRequired']) == ([], True)  # back to the API's own
    assert (replaced['name'], replaced['model']['clientIngress']['host'], replaced['modelType']) == (
        'svc-renamed', 'b.example', 'TunnelerToSdk')
    assert (replaced['id'], replaced['networkId'], replaced['createdAt']) == (created['id'], DEMO, created['createdAt'])
    # The API needs name in every update (the SDK adds it); a service's model needs its modelType, which cannot change.
    for method, update, message in (('PATCH', {'attributes': []}, 'name is required'),
                                    ('PUT', {'modelType': 'TunnelerToSdk'}, 'name is required'),
                                    ('PATCH', {'name': 'svc-renamed', 'model': {}}, 'modelType is required with model'),
                                    ('PATCH', {'name': 'svc-renamed', 'modelType': 'TunnelerToEndpoint', 'model': {}},
                                     'property modelType of services cannot be updated'),
                                    ('PATCH', {'name': 'svc-renamed', 'networkId': LAB},
                                     'property networkId of services cannot be updated')):
        assert error_shape(api.call(method, 'services/' + created['id'], update), 400) == message
    other = api.create('services', name='other')
    clash = api.call('PATCH', 'services/' + other['id'], {'name': 'SVC-RENAMED'})
    assert error_shape(clash, 409) == 'a resource of type services named svc-renamed already exists'


def test_inline_configs_are_kept_as_config_ids(api, testbed):
    service = api.create('services', name='transparent', configs=[
        {'networkId': DEMO, 'name': 'transparent-config-intercept.v1', 'configTypeName': 'intercept.v1',
         'data': {'addresses': ['10.0.0.0/24'], 'protocols': ['tcp'], 'portRanges': [{'low': 80, 'high': 80}]}},
        {'networkId': DEMO, 'name': 'transparent-config-host.v1', 'configTypeName': 'host.v1',
         'data': {'forwardAddress': True, 'forwardPort': True, 'forwardProtocol': True}}])
    assert 'configs' not in service and len(service['configIdByConfigTypeId']) == 2
    configs = dict((c['id'], c) for c in testbed.resources('configs'))
    assert sorted(configs[cid]['name'] for cid in service['configIdByConfigTypeId'].values()) == [
        'transparent-config-host.v1', 'transparent-config-intercept.v1']
    unknown = dict(BODIES['services'], name='odd', networkId=DEMO, configs=[
        {'networkId': DEMO, 'name': 'c', 'configTypeName': 'nonesuch.v1', 'data': {}}])
    assert error_shape(api.call('POST', 'services', unknown), 400) == 'unknown config type nonesuch.v1'


# Faults and settings


@pytest.mark.parametrize('outcome', ['ERROR', 'SUSPENDED'])
def test_a_named_resource_fails_its_work(outcome, api, testbed):
    testbed.resource_faults({'name': 'doomed', 'outcome': outcome, 'message': 'no capacity in us-east-1'},
                            {'name': 'later', 'outcome': outcome, 'on': 'update', 'type': 'edge-routers', 'times': 1})
    doomed = api.create('edge-routers', name='Doomed')
    assert [api.status('edge-routers', doomed['id']) for _get in range(3)] == ['PROVISIONING', outcome, outcome]
    failed = api.process(doomed)
    assert (failed['status'], failed['steps'][0]['status'], failed['payload']) == (
        'FAILED', 'FAILED', {'message': 'no capacity in us-east-1'})
    later = api.create('edge-routers', name='later')
    assert [api.status('edge-routers', later['id']) for _get in range(2)] == ['PROVISIONING', 'PROVISIONED']
    update = api.call('PATCH', 'edge-routers/' + later['id'], {'name': 'later', 'tunnelerEnabled': True}).json()
    assert [api.status('edge-routers', later['id']) for _get in range(2)] == ['UPDATING', outcome]
    assert api.process(update)['payload'] == {'message': 'the test bed made this update fail'}
    api.call('PATCH', 'edge-routers/' + later['id'], {'name': 'later', 'tunnelerEnabled': False})
    assert [api.status('edge-routers', later['id']) for _get in range(2)] == ['UPDATING', 'PROVISIONED']  # times: 1
    # An endpoint (no status) that fails: its process says so, its answers do not change.
    endpoint = api.create('endpoints', name='doomed')
    assert [api.process(endpoint)['status'] for _read in range(2)] == ['STARTED', 'FAILED']
    assert api.get('endpoints/' + endpoint['id']).json()['zitiId'] is None
    # A type done when answered has no work to fail.
    assert 'process' not in api.create('app-wans', name='doomed')['_links']


def test_work_that_never_ends(api, testbed):
    testbed.resource_faults({'name': 'stalled', 'outcome': 'stuck'})
    stalled = api.create('services', name='stalled')
    assert [api.process(stalled)['status'] for _read in range(10)] == ['STARTED'] * 10
    shown = testbed.resources('services')
    assert [(r['name'], dict(r['_testbed'], process=None)) for r in shown] == [
        ('stalled', {'op': 'create', 'gets': 10, 'outcome': 'stuck', 'process': None})]
    assert api.call('DELETE', 'services/' + stalled['id']).status_code == 202
    assert [api.get('services/' + stalled['id']).status_code for _read in range(4)] == [200] * 4


def test_progression_settings(api, testbed):
    assert testbed.resource_settings(provision_after_gets=4) == {
        'provision_after_gets': 4, 'provision_after_seconds': None, 'create_status': 'PROVISIONING',
        'async_links': 'process', 'strict_properties': False, 'answer_extras': None, 'drop_properties': None}
    slow = api.create('edge-routers', name='slow')
    # Lists do not count: only reads of the resource by id or of its process do.
    assert [api.names('edge-routers', networkId=DEMO, status='PROVISIONING') for _get in range(5)] == [['slow']] * 5
    api.process(slow)
    assert [api.status('edge-routers', slow['id']) for _get in range(3)] == ['PROVISIONING'] * 2 + ['PROVISIONED']
    testbed.resource_settings(provision_after_gets=0, create_status='NEW')
    assert api.create('edge-routers', name='at-once')['status'] == 'PROVISIONED'
    testbed.resource_settings(provision_after_gets=2)
    fresh = api.create('edge-routers', name='new-first')
    assert [fresh['status'], api.status('edge-routers', fresh['id']), api.status('edge-routers', fresh['id'])] == [
        'NEW', 'NEW', 'PROVISIONED']
    testbed.resource_settings(provision_after_gets=1000, provision_after_seconds=0.5, create_status='PROVISIONING')
    timed = api.create('edge-routers', name='timed')
    assert api.status('edge-routers', timed['id']) == 'PROVISIONING'
    time.sleep(0.6)
    assert api.names('edge-routers', networkId=DEMO, status='PROVISIONED') == ['slow', 'at-once', 'new-first', 'timed']
    for settings, message in (({'provision_after': 1}, 'unknown resource settings: provision_after'),
                              ({'async_links': 'maybe'}, 'async_links is one of process, execution, both')):
        refused = requests.post(testbed.info['idp_http'] + '/_control/resources', json=settings, timeout=10)
        assert (refused.status_code, refused.json()['message']) == (400, message)


def test_the_sdks_execution_links(api, testbed):
    testbed.resource_settings(async_links='execution')
    created = api.create('endpoints', name='sdk')
    assert sorted(created['_links']) == ['execution', 'network', 'self']
    execution = api.get(created['_links']['execution']['href'])
    assert (execution.status_code, execution.json()['status'], execution.json()['name']) == (
        200, 'STARTED', 'CreateEndpointProcessor')
    patched = api.call('PATCH', 'endpoints/' + created['id'], {'name': 'sdk', 'attributes': ['#a']}).json()
    assert sorted(patched['_links']) == ['executions', 'network', 'self']
    testbed.resource_settings(async_links='both')
    assert sorted(api.create('services', name='loud')['_links']) == ['execution', 'network', 'process', 'self']
    assert api.get('executions/11111111-1111-4111-8111-111111111111').status_code == 404


def test_race_another_writer_creates_the_name_first(api, testbed):
    testbed.resource_faults({'name': 'contested', 'outcome': 'race', 'type': 'service-edge-router-policies'})
    assert api.names('service-edge-router-policies', networkId=DEMO, name='contested') == []  # the find: nothing yet
    body = dict(BODIES['service-edge-router-policies'], name='Contested', networkId=DEMO)
    lost = api.call('POST', 'service-edge-router-policies', body)
    assert error_shape(lost, 409).endswith('named contested already exists in network %s' % DEMO)
    winner = api.get('service-edge-router-policies', networkId=DEMO, name='contested').json()
    assert [(p['name'], p['createdBy']) for p in winner['_embedded']['serviceEdgeRouterPolicyList']] == [
        ('contested', 'another-writer')]
    assert testbed.resources()['faults'] == []  # one race, then consumed
    elsewhere = api.create('service-edge-router-policies', name='contested', networkId=LAB)
    assert elsewhere['createdBy'] == CLIENT_ID
    assert api.names('service-edge-router-policies', name='contested') == ['contested', 'contested']


def test_api_faults_answer_resource_requests_first(api, testbed):
    created = api.create('edge-routers', name='waiting')
    testbed.api_faults({'status': 503, 'body': {'error': 'unavailable'}}, {'status': 429, 'headers': {'Retry-After': '1'}})
    answers = [api.get('edge-routers/' + created['id']) for _get in range(4)]
    assert [a.status_code for a in answers] == [503, 429, 200, 200]
    assert answers[1].headers['Retry-After'] == '1'
    # The faulted GETs never reached the resource: the first two real ones make its progression.
    assert [a.json()['status'] for a in answers[2:]] == ['PROVISIONING', 'PROVISIONED']
    log = testbed.stats()['api_log']
    assert [(e['method'], e['status'], e.get('fault', False)) for e in log] == [
        ('POST', 202, False), ('GET', 503, True), ('GET', 429, True), ('GET', 200, False), ('GET', 200, False)]


def test_method_counts_and_writes(api, testbed):
    api.get('networks')
    api.get('endpoints', networkId=DEMO)
    stats = testbed.stats()
    assert (stats['api_methods'], stats['api_writes']) == ({'GET': 2}, 0)
    created = api.create('endpoints', name='counted')
    api.call('PATCH', 'endpoints/' + created['id'], {'name': 'counted', 'attributes': ['#x']})
    api.call('PUT', 'endpoints/' + created['id'], {'name': 'counted'})
    api.call('DELETE', 'endpoints/' + created['id'])
    not_allowed = api.call('DELETE', 'endpoints')
    assert (not_allowed.status_code, not_allowed.headers['Allow']) == (405, 'GET, POST')
    assert error_shape(api.call('POST', 'nothing-here', {'name': 'x'}), 404) == 'no such path /core/v2/nothing-here'
    wrong = api.get(api.base + 'api/core/v2/networks')  # a path under another prefix is no route (as the real API)
    assert error_shape(wrong, 404) == 'no such path /api/core/v2/networks'
    stats = testbed.stats()
    assert (stats['api_methods'], stats['api_writes']) == ({'GET': 2, 'POST': 2, 'PATCH': 1, 'PUT': 1, 'DELETE': 2}, 6)
    assert writes(testbed)[-2:] == [('DELETE', 'endpoints', 405), ('POST', 'nothing-here', 404)]


def test_resource_routes_check_the_token(api, testbed):
    created = api.create('app-wans', name='guarded')
    bare = requests.get(api.base + 'core/v2/app-wans/' + created['id'], timeout=10)
    assert (bare.status_code, bare.json()['message']) == (401, 'missing bearer token')
    other = requests.post(testbed.info['idp_http'] + '/oauth/token', timeout=10, json={
        'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'audience': api.base + 'elsewhere/',
        'grant_type': 'client_credentials'}).json()['access_token']
    elsewhere = requests.delete(api.base + 'elsewhere/core/v2/app-wans/' + created['id'], timeout=10,
                                headers={'Authorization': 'Bearer ' + other})
    assert (elsewhere.status_code, elsewhere.json()['message']) == (401, 'token is for another audience')
    testbed.revoke()
    revoked = api.call('PATCH', 'app-wans/' + created['id'], {'name': 'guarded'})
    assert (revoked.status_code, revoked.json()['message']) == (401, 'token revoked')
    assert testbed.stats()['api_refused'] == 3


def test_control_seed_and_fault_validation(testbed):
    seeded = testbed.seed('edge-routers', status='ERROR', name='pre-existing', attributes=['#old'])
    assert (seeded['networkId'], seeded['status'], seeded['attributes'], seeded['jwt'] is not None) == (
        DEMO, 'ERROR', ['#old'], True)
    assert testbed.stats()['api_log'] == []
    assert testbed.resources()['counts']['edge-routers'] == 1
    for rtype, props, message in (('endpoints', {'status': 'ERROR'}, 'endpoints have no status'),
                                  ('service-policies', {'serviceRoles': ['#a']},
                                   'cannot seed service-policies with serviceRoles: the type does not keep it'),
                                  ('edge-routers', {'registrationKey': 'K'},
                                   'cannot seed edge-routers with registrationKey: the API sets it')):
        with pytest.raises(urllib.error.HTTPError) as refused:
            if 'status' in props:
                testbed.seed(rtype, name='x', status=props['status'])
            else:
                testbed.seed(rtype, name='x', **props)
        assert (refused.value.code, json.loads(refused.value.read())['message']) == (400, message)
    for fault in ({'name': 'x', 'outcome': 'EXPLODE'}, {'outcome': 'ERROR'}, {'name': 'x', 'outcome': 'stuck', 'on': 'read'},
                  {'name': 'x', 'outcome': 'stuck', 'type': 'widgets'}):
        refused = requests.post(testbed.info['idp_http'] + '/_control/resource_faults', json={'faults': [fault]}, timeout=10)
        assert refused.status_code == 400, fault
    assert requests.get(testbed.info['idp_http'] + '/_control/resources/widgets', timeout=10).status_code == 404


# The contract: checked, and able to fail


def test_every_answer_is_checked_against_the_recording(api, testbed):
    endpoint = api.create('endpoints', name='checked')
    api.process(endpoint)
    api.get('endpoints/' + endpoint['id'])
    api.get('endpoints', networkId=DEMO)
    api.create('service-policies', name='also-checked')
    api.call('POST', 'posture-checks', {'name': 'never-recorded', 'networkId': DEMO, 'type': 'OS'})
    report = testbed.contract()
    assert report['checked'] == {
        'POST /core/v2/endpoints 202': 1, 'GET /core/v2/process/{processId} 200': 1,
        'GET /core/v2/endpoints/{endpointId} 200': 1, 'GET /core/v2/endpoints 200': 1,
        'POST /core/v2/service-policies 202': 1}
    assert report['unrecorded'] == {'POST /core/v2/posture-checks 202': 1}  # never recorded
    assert report['violations'] == []


@pytest.mark.parametrize('rtype, extra, expected', [
    ('endpoints', {'status': 'PROVISIONED'}, "(top): Additional properties are not allowed ('status' was unexpected)"),
    ('edge-routers', {'registrationKey': 'K3Y'}, "Additional properties are not allowed ('registrationKey' was unexpected)"),
    ('services', {'zitiId': 7}, "zitiId: 7 is not valid under any of the given schemas"),
])
def test_a_broken_answer_breaks_the_contract(rtype, extra, expected, api, testbed):
    """The emulator answering what NetFoundry's API never did (a status on an endpoint, a key inside a router, a
    wrong type) is caught, and fails the test that saw it (the testbed fixture's check)."""
    testbed.resource_settings(answer_extras={rtype: extra})
    api.create(rtype, name='broken')
    violations = testbed.contract()['violations']
    assert violations and violations[0]['operation'] == 'POST /core/v2/%s' % rtype
    assert any(expected in problem for problem in violations[0]['problems']), violations
    with pytest.raises(AssertionError, match='the emulator answered what the recorded API never did'):
        assert_contract(testbed)
    testbed.reset()  # so that the fixture's own check passes
