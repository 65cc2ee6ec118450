# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The test bed's resource API (core/v2/<type>), over real HTTP on 127.0.0.1 with a token from its identity provider:
HAL lists and their keys, paging, networkId scoping, names, conflicts, the asynchronous statuses of create, update and
delete, PATCH and PUT, properties that cannot be updated, enrollment tokens and every fault switch. What a generic
resource module (find, create, update, wait, delete) is written against."""

import base64
import json
import time
import urllib.error

import pytest
import requests

from ansible_collections.netfoundry.api.tests.e2e.plays import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.core_behaviour

DEMO = '00000000-0000-4000-8000-000000000001'  # the seeded networks
LAB = '00000000-0000-4000-8000-000000000002'
# The list key of each type, as python-netfoundry computes it (netfoundry/utility.py: camel singular + 'List').
LIST_KEYS = {
    'networks': 'networkList', 'endpoints': 'endpointList', 'edge-routers': 'edgeRouterList',
    'edge-router-policies': 'edgeRouterPolicyList', 'services': 'serviceList', 'service-policies': 'servicePolicyList',
    'service-edge-router-policies': 'serviceEdgeRouterPolicyList', 'app-wans': 'appWanList',
    'posture-checks': 'postureCheckList', 'certificate-authorities': 'certificateAuthorityList',
    'configs': 'configList', 'config-types': 'configTypeList', 'terminators': 'terminatorList',
}
# The SDK's create_responses: ACCEPTED, but OK (or ACCEPTED) for edge router policies and AppWANs.
CREATE_STATUS = dict((rtype, 200 if rtype in ('edge-router-policies', 'app-wans') else 202) for rtype in LIST_KEYS)


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
        if rtype != 'networks':
            body.setdefault('networkId', DEMO)
        answer = self.call('POST', rtype, body)
        assert answer.status_code == (expect or CREATE_STATUS[rtype]), answer.text
        return answer.json()

    def status(self, rtype, rid):
        answer = self.get('%s/%s' % (rtype, rid))
        return answer.json()['status'] if answer.status_code == 200 else answer.status_code

    def names(self, rtype, **query):
        page = self.get(rtype, **query).json()
        return [item['name'] for item in page.get('_embedded', {}).get(LIST_KEYS[rtype], [])]


@pytest.fixture
def api(testbed):
    return Api(testbed)


def writes(testbed):
    return [(e['method'], e['path'].split('/core/v2/')[-1], e['status']) for e in testbed.stats()['api_log']
            if e['method'] != 'GET']


@pytest.mark.parametrize('rtype', sorted(LIST_KEYS))
def test_every_type_lists_under_its_key_and_omits_embedded_when_empty(rtype, api, testbed):
    seeded = testbed.seed(rtype, name='one-' + rtype)
    scope = {} if rtype == 'networks' else {'networkId': DEMO}
    page = api.get(rtype, **scope).json()
    assert list(page['_embedded']) == [LIST_KEYS[rtype]]
    listed = page['_embedded'][LIST_KEYS[rtype]]
    assert [item['name'] for item in listed][-1] == 'one-' + rtype
    assert listed[-1]['id'] == seeded['id'] and listed[-1]['status'] == 'PROVISIONED'
    assert listed[-1]['_links']['self']['href'] == '%score/v2/%s/%s' % (api.base, rtype, seeded['id'])
    # Nothing matches: no _embedded at all (the SDK looks at page.totalElements first).
    empty = api.get(rtype, name='no-such-name', **scope).json()
    assert (sorted(empty), empty['page']) == (['_links', 'page'], {'size': 20, 'totalElements': 0, 'totalPages': 0,
                                                                   'number': 0})
    one = api.get('%s/%s' % (rtype, seeded['id']))
    assert (one.status_code, one.json()['name']) == (200, 'one-' + rtype)
    missing = api.get('%s/%s' % (rtype, '11111111-1111-4111-8111-111111111111'))
    assert (missing.status_code, missing.json()['error']) == (404, 'not_found')


def test_networks_list_as_before(api):
    page = api.get('networks').json()
    assert [n['name'] for n in page['_embedded']['networkList']] == ['demo-network', 'lab-network']
    assert page['page'] == {'size': 20, 'totalElements': 2, 'totalPages': 1, 'number': 0}
    assert page['_links'] == {'self': {'href': api.base + 'core/v2/networks?page=0&size=20'}}
    created = api.create('networks', name='new-network')
    assert (created['status'], created['productVersion'], 'networkId' in created) == ('PROVISIONING', '7.3.90', False)
    second = api.get('networks', size=2, page=1).json()
    assert [n['name'] for n in second['_embedded']['networkList']] == ['new-network']
    assert 'next' not in second['_links']


def test_paging_and_next_links_keep_the_filters(api):
    for number in (3, 1, 5, 2, 4):
        api.create('services', name='svc-%d' % number)
    first = api.get('services', networkId=DEMO, size=2).json()
    assert [s['name'] for s in first['_embedded']['serviceList']] == ['svc-3', 'svc-1']
    assert first['page'] == {'size': 2, 'totalElements': 5, 'totalPages': 3, 'number': 0}
    assert first['_links']['next']['href'] == api.base + 'core/v2/services?page=1&size=2&networkId=' + DEMO
    second = api.get(first['_links']['next']['href']).json()
    assert [s['name'] for s in second['_embedded']['serviceList']] == ['svc-5', 'svc-2']
    last = api.get(second['_links']['next']['href']).json()
    assert ([s['name'] for s in last['_embedded']['serviceList']], 'next' in last['_links']) == (['svc-4'], False)
    beyond = api.get('services', networkId=DEMO, size=2, page=3).json()
    assert ('_embedded' in beyond, beyond['page']['number']) == (False, 3)
    # sort=name,asc (the SDK's default) and desc; anything else keeps the order of creation.
    assert api.names('services', networkId=DEMO, sort='name,asc') == ['svc-%d' % n for n in (1, 2, 3, 4, 5)]
    assert api.names('services', networkId=DEMO, sort='name,desc') == ['svc-%d' % n for n in (5, 4, 3, 2, 1)]
    bad = api.get('services', networkId=DEMO, size=0)
    assert (bad.status_code, bad.json()['error']) == (400, 'bad_request')


def test_network_id_scopes_lists_names_and_conflicts(api):
    in_demo = api.create('endpoints', name='same-name')
    in_lab = api.create('endpoints', name='same-name', networkId=LAB)
    assert (in_demo['networkId'], in_lab['networkId']) == (DEMO, LAB)
    assert [e['id'] for e in api.get('endpoints', networkId=LAB).json()['_embedded']['endpointList']] == [in_lab['id']]
    assert [e['id'] for e in api.get('endpoints').json()['_embedded']['endpointList']] == [in_demo['id'], in_lab['id']]
    assert api.names('endpoints', networkId='11111111-1111-4111-8111-111111111111') == []


def test_name_filter_is_exact_and_case_insensitive(api):
    api.create('edge-router-policies', name='Web-Servers')
    api.create('edge-router-policies', name='web-servers-2')
    assert api.names('edge-router-policies', networkId=DEMO, name='WEB-servers') == ['Web-Servers']
    assert api.names('edge-router-policies', networkId=DEMO, name='web') == []
    assert api.names('networks', findByName='DEMO-NETWORK') == ['demo-network']
    assert api.names('networks', name='Lab-Network') == ['lab-network']
    # Unknown filters are ignored; status and typeId filter.
    assert api.names('edge-router-policies', networkId=DEMO, embed='all', beta='') == ['Web-Servers', 'web-servers-2']
    assert api.names('edge-router-policies', networkId=DEMO, status='PROVISIONED') == []
    assert api.names('edge-router-policies', networkId=DEMO, status='PROVISIONING') == ['Web-Servers', 'web-servers-2']


def test_create_rules_and_409_on_a_name_in_use(api, testbed):
    first = api.create('posture-checks', name='Disk-Encrypted', type='OS', data={'x': 1})
    assert first['data'] == {'x': 1} and first['type'] == 'OS' and first['networkId'] == DEMO
    assert first['createdAt'] == first['updatedAt'] and first['createdAt'].endswith('Z') and len(first['zitiId']) == 10
    taken = api.call('POST', 'posture-checks', {'name': 'disk-ENCRYPTED', 'networkId': DEMO})
    assert taken.status_code == 409
    assert (taken.json()['error'], taken.json()['name'], taken.json()['existingId']) == ('conflict', 'Disk-Encrypted', first['id'])
    api.create('configs', name='disk-encrypted')  # another type: no conflict
    taken_network = api.call('POST', 'networks', {'name': 'Demo-Network'})
    assert taken_network.status_code == 409
    for body, message in (({'networkId': DEMO}, 'name is required'), ({'name': 'x'}, 'networkId is required'),
                          ({'name': 'x', 'networkId': 'nope'}, 'no network with id nope'), ([1], 'the body must be a JSON object')):
        refused = api.call('POST', 'configs', body)
        assert (refused.status_code, refused.json()['message']) == (400, message)
    assert [e[2] for e in writes(testbed)] == [202, 409, 202, 409, 400, 400, 400, 400]


def test_create_then_provisioned_at_the_second_get(api):
    created = api.create('service-policies', name='bind')
    assert created['status'] == 'PROVISIONING'
    assert [api.status('service-policies', created['id']) for _get in range(3)] == ['PROVISIONING', 'PROVISIONED', 'PROVISIONED']


def test_progression_settings(api, testbed):
    assert testbed.resource_settings(provision_after_gets=4) == {
        'provision_after_gets': 4, 'provision_after_seconds': None, 'create_status': 'PROVISIONING'}
    slow = api.create('configs', name='slow')
    # Lists do not count: only GETs by id do.
    assert [api.names('configs', networkId=DEMO, status='PROVISIONING') for _get in range(5)] == [['slow']] * 5
    assert [api.status('configs', slow['id']) for _get in range(4)] == ['PROVISIONING'] * 3 + ['PROVISIONED']
    testbed.resource_settings(provision_after_gets=0, create_status='NEW')
    assert api.create('configs', name='at-once')['status'] == 'PROVISIONED'
    testbed.resource_settings(provision_after_gets=2)
    fresh = api.create('configs', name='new-first')
    assert [fresh['status'], api.status('configs', fresh['id']), api.status('configs', fresh['id'])] == [
        'NEW', 'NEW', 'PROVISIONED']
    testbed.resource_settings(provision_after_gets=1000, provision_after_seconds=0.5, create_status='PROVISIONING')
    timed = api.create('configs', name='timed')
    assert api.status('configs', timed['id']) == 'PROVISIONING'
    time.sleep(0.6)
    assert api.names('configs', networkId=DEMO, status='PROVISIONED') == ['slow', 'at-once', 'new-first', 'timed']
    unknown = requests.post(testbed.info['idp_http'] + '/_control/resources', json={'provision_after': 1}, timeout=10)
    assert (unknown.status_code, unknown.json()['message']) == (400, 'unknown resource settings: provision_after')


def test_update_and_delete_progressions(api, testbed):
    created = api.create('app-wans', name='wan', endpointAttributes=['#a'])
    assert [api.status('app-wans', created['id']) for _get in range(2)] == ['PROVISIONING', 'PROVISIONED']
    patched = api.call('PATCH', 'app-wans/' + created['id'], {'name': 'wan', 'endpointAttributes': ['#b']})
    assert (patched.status_code, patched.json()['status'], patched.json()['endpointAttributes']) == (200, 'UPDATING', ['#b'])
    assert patched.json()['updatedAt'] >= created['updatedAt']
    assert [api.status('app-wans', created['id']) for _get in range(2)] == ['UPDATING', 'PROVISIONED']
    deleted = api.call('DELETE', 'app-wans/' + created['id'])
    assert (deleted.status_code, deleted.json()['status']) == (202, 'DELETING')
    assert api.names('app-wans', networkId=DEMO, status='DELETING') == ['wan']  # listed while it is being deleted
    again = api.call('DELETE', 'app-wans/' + created['id'])
    assert (again.status_code, again.json()['status']) == (202, 'DELETING')
    busy = api.call('PATCH', 'app-wans/' + created['id'], {'name': 'wan'})
    assert (busy.status_code, busy.json()['error']) == (409, 'conflict')
    taken = api.call('POST', 'app-wans', {'name': 'WAN', 'networkId': DEMO})  # the name is still held
    assert taken.status_code == 409
    assert [api.status('app-wans', created['id']) for _get in range(2)] == ['DELETING', 404]
    assert api.names('app-wans', networkId=DEMO) == []
    gone = api.call('DELETE', 'app-wans/' + created['id'])
    assert (gone.status_code, gone.json()['error']) == (404, 'not_found')
    assert writes(testbed) == [('POST', 'app-wans', 200), ('PATCH', 'app-wans/' + created['id'], 200),
                               ('DELETE', 'app-wans/' + created['id'], 202), ('DELETE', 'app-wans/' + created['id'], 202),
                               ('PATCH', 'app-wans/' + created['id'], 409), ('POST', 'app-wans', 409),
                               ('DELETE', 'app-wans/' + created['id'], 404)]


def test_a_deleted_network_takes_its_resources(api):
    network = api.create('networks', name='short-lived')
    endpoint = api.create('endpoints', name='inside', networkId=network['id'])
    assert api.call('DELETE', 'networks/' + network['id']).status_code == 202
    assert [api.status('networks', network['id']) for _get in range(2)] == ['DELETING', 404]
    assert api.status('endpoints', endpoint['id']) == 404
    assert api.names('networks') == ['demo-network', 'lab-network']


def test_patch_merges_and_put_replaces(api):
    body = {'name': 'svc', 'attributes': ['#one'], 'encryptionRequired': True, 'modelType': 'TunnelerToSdk',
            'model': {'clientIngress': {'host': 'a.example', 'port': 80}}}
    created = api.create('services', **body)
    merged = api.call('PATCH', 'services/' + created['id'], {'name': 'svc', 'attributes': ['#two']}).json()
    assert {k: merged[k] for k in body} == dict(body, attributes=['#two'])
    replacement = {'name': 'svc-renamed', 'modelType': 'TunnelerToSdk', 'model': {'clientIngress': {'host': 'b.example', 'port': 443}}}
    put = api.call('PUT', 'services/' + created['id'], replacement)
    assert put.status_code == 202
    replaced = api.get('services/' + created['id']).json()
    assert 'attributes' not in replaced and 'encryptionRequired' not in replaced
    assert (replaced['name'], replaced['model']['clientIngress']['host'], replaced['modelType']) == (
        'svc-renamed', 'b.example', 'TunnelerToSdk')
    assert (replaced['id'], replaced['networkId'], replaced['createdAt'], replaced['zitiId']) == (
        created['id'], DEMO, created['createdAt'], created['zitiId'])
    # The API needs name in every update (the SDK adds it); a services model needs its modelType.
    for method, update, message in (('PATCH', {'attributes': []}, 'name is required'),
                                    ('PUT', {'modelType': 'TunnelerToSdk'}, 'name is required'),
                                    ('PATCH', {'name': 'svc-renamed', 'model': {}}, 'modelType is required with model')):
        refused = api.call(method, 'services/' + created['id'], update)
        assert (refused.status_code, refused.json()['message']) == (400, message)
    other = api.create('services', name='other')
    clash = api.call('PATCH', 'services/' + other['id'], {'name': 'SVC-RENAMED'})
    assert (clash.status_code, clash.json()['existingId']) == (409, created['id'])


def test_properties_that_cannot_be_updated(api, testbed):
    router = api.create('edge-routers', name='branch-router', attributes=['#branch'])
    assert router['registrationKey'] == router['registration']['registrationKey'] and len(router['registrationKey']) == 16
    changed = dict(router['registration'], registrationKey='OTHERKEY')
    refused = api.call('PATCH', 'edge-routers/' + router['id'], {'name': 'branch-router', 'registration': changed})
    assert refused.status_code == 400
    assert (refused.json()['error'], refused.json()['property']) == ('not_updatable', 'registration')
    moved = api.call('PATCH', 'edge-routers/' + router['id'], {'name': 'branch-router', 'networkId': LAB})
    assert (moved.status_code, moved.json()['property']) == (400, 'networkId')
    assert api.get('edge-routers/' + router['id']).json()['status'] == 'PROVISIONING'  # nothing started
    same = api.call('PATCH', 'edge-routers/' + router['id'], {'name': 'branch-router', 'registration': router['registration'],
                                                              'attributes': ['#edge']})
    assert (same.status_code, same.json()['attributes'], same.json()['registration']) == (202, ['#edge'], router['registration'])
    service = api.create('services', name='svc', modelType='TunnelerToSdk', model={})
    other_model = api.call('PATCH', 'services/' + service['id'], {'name': 'svc', 'modelType': 'TunnelerToEndpoint', 'model': {}})
    assert (other_model.status_code, other_model.json()['property']) == (400, 'modelType')
    hosted = api.create('edge-routers', name='hosted', provider='AWS', locationCode='us-east-1')
    assert ('registrationKey' in hosted, 'registration' in hosted) == (False, False)
    assert [e[2] for e in writes(testbed)] == [202, 400, 400, 202, 202, 400, 202]


def test_endpoint_jwt_until_enrolled(api, testbed):
    endpoint = api.create('endpoints', name='laptop', attributes=['#staff'])
    assert endpoint['enrollmentMethod'] == {'ott': True}
    parts = endpoint['jwt'].split('.')
    header, claims = [json.loads(base64.urlsafe_b64decode(part + '=' * (-len(part) % 4))) for part in parts[:2]]
    assert (len(parts), header) == (3, {'alg': 'RS256', 'typ': 'JWT'})
    assert (claims['em'], claims['sub'], claims['iss']) == ('ott', endpoint['zitiId'], api.base)
    assert api.get('endpoints/' + endpoint['id']).json()['jwt'] == endpoint['jwt']
    other = api.create('endpoints', name='phone')
    assert other['jwt'] != endpoint['jwt']
    enrolled = testbed.enroll(endpoint['id'])
    assert enrolled['jwt'] is None
    assert api.get('endpoints/' + endpoint['id']).json()['jwt'] is None
    patched = api.call('PATCH', 'endpoints/' + endpoint['id'], {'name': 'laptop', 'jwt': 'x', 'attributes': []}).json()
    assert (patched['jwt'], patched['attributes']) == (None, [])  # jwt is the server's: not set by a PATCH
    no_ott = api.create('endpoints', name='ca-enrolled', enrollmentMethod={'ott': False, 'ottca': 'some-ca'})
    assert no_ott['jwt'] is None
    with pytest.raises(urllib.error.HTTPError, match='404'):
        testbed.enroll('11111111-1111-4111-8111-111111111111')


@pytest.mark.parametrize('outcome', ['ERROR', 'SUSPENDED'])
def test_a_named_resource_ends_in_a_failure_status(outcome, api, testbed):
    testbed.resource_faults({'name': 'doomed', 'outcome': outcome, 'message': 'no capacity in us-east-1'},
                            {'name': 'later', 'outcome': outcome, 'on': 'update', 'type': 'terminators', 'times': 1})
    doomed = api.create('terminators', name='Doomed')
    assert [api.status('terminators', doomed['id']) for _get in range(3)] == ['PROVISIONING', outcome, outcome]
    assert api.get('terminators/' + doomed['id']).json()['statusMessage'] == 'no capacity in us-east-1'
    healthy = api.create('terminators', name='healthy')
    assert [api.status('terminators', healthy['id']) for _get in range(2)] == ['PROVISIONING', 'PROVISIONED']
    later = api.create('terminators', name='later')
    assert [api.status('terminators', later['id']) for _get in range(2)] == ['PROVISIONING', 'PROVISIONED']
    api.call('PATCH', 'terminators/' + later['id'], {'name': 'later', 'cost': 5})
    assert [api.status('terminators', later['id']) for _get in range(2)] == ['UPDATING', outcome]
    assert api.get('terminators/' + later['id']).json()['statusMessage'] == (
        'the test bed made this update end in %s' % outcome)
    # times: 1, so the next update ends well, and clears the message.
    again = api.call('PATCH', 'terminators/' + later['id'], {'name': 'later', 'cost': 6}).json()
    assert (again['status'], 'statusMessage' in again) == ('UPDATING', False)
    assert [api.status('terminators', later['id']) for _get in range(2)] == ['UPDATING', 'PROVISIONED']
    # The type filter: a config named later is not the terminator's fault; 'doomed' stays for every write.
    other_type = api.create('configs', name='later')
    api.call('PATCH', 'configs/' + other_type['id'], {'name': 'later', 'data': {}})
    assert [api.status('configs', other_type['id']) for _get in range(2)] == ['UPDATING', 'PROVISIONED']
    api.call('PATCH', 'terminators/' + doomed['id'], {'name': 'Doomed', 'cost': 1})
    assert [api.status('terminators', doomed['id']) for _get in range(2)] == ['UPDATING', outcome]
    assert testbed.resources()['faults'] == [{'name': 'doomed', 'outcome': outcome, 'message': 'no capacity in us-east-1'}]


def test_a_resource_whose_provisioning_never_ends(api, testbed):
    testbed.resource_faults({'name': 'stalled', 'outcome': 'stuck'})
    stalled = api.create('certificate-authorities', name='stalled')
    assert [api.status('certificate-authorities', stalled['id']) for _get in range(10)] == ['PROVISIONING'] * 10
    shown = testbed.resources('certificate-authorities')
    assert [(r['name'], r['_testbed']) for r in shown] == [('stalled', {'op': 'create', 'gets': 10, 'outcome': 'stuck'})]
    assert api.call('DELETE', 'certificate-authorities/' + stalled['id']).status_code == 202
    assert [api.status('certificate-authorities', stalled['id']) for _get in range(4)] == ['DELETING'] * 4


def test_race_another_writer_creates_the_name_first(api, testbed):
    testbed.resource_faults({'name': 'contested', 'outcome': 'race', 'type': 'service-edge-router-policies'})
    assert api.names('service-edge-router-policies', networkId=DEMO, name='contested') == []  # the find: nothing yet
    lost = api.call('POST', 'service-edge-router-policies', {'name': 'Contested', 'networkId': DEMO})
    assert (lost.status_code, lost.json()['error'], lost.json()['name']) == (409, 'conflict', 'contested')
    winner = api.get('service-edge-router-policies', networkId=DEMO, name='contested').json()
    assert [(p['name'], p['createdBy'], p['status'], p['id']) for p in winner['_embedded']['serviceEdgeRouterPolicyList']] == [
        ('contested', 'another-writer', 'PROVISIONED', lost.json()['existingId'])]
    assert testbed.resources()['faults'] == []  # one race, then consumed
    elsewhere = api.create('service-edge-router-policies', name='contested', networkId=LAB)
    assert 'createdBy' not in elsewhere
    assert api.names('service-edge-router-policies', name='contested') == ['contested', 'contested']


def test_api_faults_answer_resource_requests_first(api, testbed):
    created = api.create('endpoints', name='waiting')
    testbed.api_faults({'status': 503, 'body': {'error': 'unavailable'}}, {'status': 429, 'headers': {'Retry-After': '1'}})
    answers = [api.get('endpoints/' + created['id']) for _get in range(4)]
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
    assert api.call('POST', 'nothing-here', {'name': 'x'}).status_code == 404
    stats = testbed.stats()
    assert (stats['api_methods'], stats['api_writes']) == ({'GET': 2, 'POST': 2, 'PATCH': 1, 'PUT': 1, 'DELETE': 2}, 6)
    assert writes(testbed)[-2:] == [('DELETE', 'endpoints', 405), ('POST', 'nothing-here', 404)]


def test_resource_routes_check_the_token(api, testbed):
    created = api.create('configs', name='guarded')
    bare = requests.get(api.base + 'core/v2/configs/' + created['id'], timeout=10)
    assert (bare.status_code, bare.json()['message']) == (401, 'missing bearer token')
    other = requests.post(testbed.info['idp_http'] + '/oauth/token', timeout=10, json={
        'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'audience': api.base + 'elsewhere/',
        'grant_type': 'client_credentials'}).json()['access_token']
    elsewhere = requests.delete(api.base + 'elsewhere/core/v2/configs/' + created['id'], timeout=10,
                                headers={'Authorization': 'Bearer ' + other})
    assert (elsewhere.status_code, elsewhere.json()['message']) == (401, 'token is for another audience')
    testbed.revoke()
    revoked = api.call('PATCH', 'configs/' + created['id'], {'name': 'guarded'})
    assert (revoked.status_code, revoked.json()['message']) == (401, 'token revoked')
    assert testbed.resources('configs')[0]['status'] == 'PROVISIONING'
    assert testbed.stats()['api_refused'] == 3


def test_control_seed_and_fault_validation(testbed):
    seeded = testbed.seed('endpoints', status='ERROR', name='pre-existing', attributes=['#old'])
    assert (seeded['networkId'], seeded['status'], seeded['attributes'], seeded['jwt'] is not None) == (
        DEMO, 'ERROR', ['#old'], True)
    assert testbed.stats()['api_log'] == []
    assert testbed.resources()['counts']['endpoints'] == 1
    for fault in ({'name': 'x', 'outcome': 'EXPLODE'}, {'outcome': 'ERROR'}, {'name': 'x', 'outcome': 'stuck', 'on': 'read'},
                  {'name': 'x', 'outcome': 'stuck', 'type': 'widgets'}):
        refused = requests.post(testbed.info['idp_http'] + '/_control/resource_faults', json={'faults': [fault]}, timeout=10)
        assert refused.status_code == 400, fault
    assert requests.get(testbed.info['idp_http'] + '/_control/resources/widgets', timeout=10).status_code == 404
