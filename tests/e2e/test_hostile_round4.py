# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An independent tester's ten attacks on the resource layer, the secret files, the redaction and the token lock
(issue 27), each as a playbook run against the test bed, written from the attack's description. The API's hostile
answers are the test bed's API fault queue: a fault answers a request before it is routed (and is not held to the
recorded API's shapes, which is the point)."""

import base64
import json
import os
import subprocess
import time

import pytest

from ansible_collections.netfoundry.api.tests.e2e.conftest import BIN, COLLECTIONS
from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_ID, CLIENT_SECRET, assert_clean, credential_vars, play, save)
from ansible_collections.netfoundry.api.tests.e2e.test_nf_resource import (
    DEMO, HIDDEN, NET, WRITES, entries, info_task, one, resource_task)

pytestmark = pytest.mark.core_behaviour

SERVE = {'serve': True}


def page(items, number=0, total=1, key='endpointList'):
    """A HAL page of the type's list, as a fault's body."""
    return {'status': 200, 'content_type': 'application/hal+json', 'body': {
        '_embedded': {key: items}, 'page': {'number': number, 'totalPages': total, 'size': 500,
                                            'totalElements': len(items) * total}}}


def api_error(status, message):
    return {'status': status, 'content_type': 'application/json', 'body': {
        'error': 'refused', 'message': message, 'status': status, 'timestamp': '2026-12-06T00:00:00.000Z'}}


# 1. A status that is a list or an object


def test_a_status_that_is_not_text_is_one_line(testbed, playbook):
    router = {'id': 'r-1', 'name': 'er', 'networkId': DEMO, 'attributes': [], 'status': ['PROVISIONED']}
    testbed.api_faults(SERVE, page([router], key='edgeRouterList'),
                       {'status': 200, 'content_type': 'application/hal+json',
                        'body': dict(router, status={'state': 'PROVISIONED'})})
    tasks = (resource_task('by_name', {'type': 'edge-routers', 'network': NET, 'name': 'er'})
             + info_task('by_id', {'type': 'edge-routers', 'id': 'r-1'}))
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    assert (run.saved('by_name')['msg'], run.saved('by_id')['msg']) == (
        "finding edge-routers 'er': the API's answer has a status that is a list, not text",
        "reading edge-routers r-1: the API's answer has a status that is an object, not text")
    assert_clean(run)


# 2. A spec key that is not text: the scenario resource_spec_key_not_text (tests/e2e/scenarios/)


# 3. A NUL byte in enrollment_jwt_dest


def test_a_nul_byte_in_a_dest_is_refused_before_anything_is_created(testbed, playbook):
    run = playbook(play(resource_task('nul', {'type': 'endpoints', 'network': NET, 'name': 'ep-nul',
                                              'enrollment_jwt_dest': '{{ work_dir }}/ep\u0000.jwt'}),
                        vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    result = run.saved('nul')
    assert (result['failed'], result['changed'], result['msg']) == (
        True, False, 'option enrollment_jwt_dest contains a NUL byte: give a plain path')
    assert (testbed.stats()['api_requests'], testbed.resources('endpoints')) == (0, [])
    assert_clean(run)


# 4. An enrollment JWT inside a managed object


def test_a_jwt_inside_a_managed_object_is_hidden_in_the_diff_too(testbed, playbook):
    jwt = 'eyJhbGciOiJSUzI1NiJ9.' + base64.urlsafe_b64encode(json.dumps(
        {'jti': 'one-time-1234-5678', 'em': 'ott'}).encode()).decode().rstrip('=') + '.' + 'SiGnAtUrE-' * 20
    testbed.seed('posture-checks', name='pc-jwt', data={'check': 'os', 'enrollment': {'jwt': jwt}})
    tasks = resource_task('changed', {'type': 'posture-checks', 'network': NET, 'name': 'pc-jwt', 'spec': {
        'data': {'check': 'mac'}}})
    run = playbook(play(tasks, vars=credential_vars(testbed)), args=['--diff'], secrets=[jwt])
    assert run.rc == 0, run.output
    result = run.saved('changed')
    assert result['diff']['before']['data'] == {'check': 'os', 'enrollment': {'jwt': HIDDEN}}
    assert result['diff']['after']['data'] == {'check': 'mac', 'enrollment': {'jwt': HIDDEN}}
    assert result['resource']['data']['enrollment']['jwt'] == HIDDEN
    assert run.stdout.count(HIDDEN) >= 2  # the --diff output shows the placeholder, never the JWT (the scan)
    assert_clean(run)


# 5. An API message that repeats an enrollment JWT cut short


def test_an_enrollment_jwt_cut_short_in_an_api_message_leaves_no_piece_of_its_claims(testbed, playbook):
    endpoint = testbed.seed('endpoints', name='ep-echo', attributes=['#old'])
    jwt = endpoint['jwt']
    header, claims, _signature = jwt.split('.')
    jti = json.loads(base64.urlsafe_b64decode(claims + '=' * (-len(claims) % 4)))['jti']
    cut = jwt[:len(header) + 1 + 48]  # the header and 48 characters of the claims: jti is in there
    testbed.api_faults(SERVE, SERVE, api_error(400, 'enrollment token %s... is malformed' % cut))
    run = playbook(play(resource_task('echo', {'type': 'endpoints', 'network': NET, 'name': 'ep-echo', 'spec': {
        'attributes': ['#new']}}), vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    result = run.saved('echo')
    assert (result['failed'], result['changed']) == (True, False)
    assert result['msg'].startswith("updating endpoints 'ep-echo': PATCH ") and header in result['msg'], result['msg']
    seen = run.stdout + run.stderr + run.log
    assert jti not in seen
    assert [claims[i:i + 16] for i in range(len(claims) - 15) if claims[i:i + 16] in seen] == []
    assert_clean(run)


# 6. A property the API silently drops


def test_a_property_the_api_silently_drops_fails_naming_it_on_every_run(testbed, playbook):
    testbed.resource_settings(provision_after_gets=0, drop_properties={'endpoints': ['attributes']})
    args = {'type': 'endpoints', 'network': NET, 'name': 'ep-dropped', 'spec': {'attributes': ['#a']}}
    run = playbook(play(resource_task('first', args) + resource_task('again', args), vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    rid = one(testbed, 'endpoints', 'ep-dropped')['id']
    message = ("endpoints 'ep-dropped' (%s) was %s, but the API did not keep spec.attributes (sent [\"#a\"], it answered "
               "[]): it does not take that property or that value; check them against NetFoundry's API reference")
    assert [(run.saved(n)['failed'], run.saved(n)['changed'], run.saved(n)['msg']) for n in ('first', 'again')] == [
        (True, True, message % (rid, 'created')), (True, True, message % (rid, 'updated'))]
    assert [e[0] for e in entries(testbed) if e[0] in WRITES] == ['POST', 'PATCH']
    assert_clean(run)


# 7. changed only when the API accepted a write


def test_a_refused_create_or_delete_reports_no_change(testbed, playbook):
    testbed.seed('endpoints', name='ep-in-use')
    testbed.api_faults(SERVE, SERVE, api_error(400, 'attributes must be a list'),
                       SERVE, SERVE, api_error(409, 'ep-in-use is named in a policy'))
    tasks = (resource_task('create', {'type': 'endpoints', 'network': NET, 'name': 'ep-refused'})
             + resource_task('delete', {'type': 'endpoints', 'network': NET, 'name': 'ep-in-use', 'state': 'absent'}))
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    api = testbed.info['api']
    assert [(run.saved(n)['failed'], run.saved(n)['changed'], run.saved(n)['msg']) for n in ('create', 'delete')] == [
        (True, False, "creating endpoints 'ep-refused': POST %score/v2/endpoints answered HTTP 400 (attributes must "
                      "be a list)" % api),
        (True, False, "deleting endpoints 'ep-in-use': DELETE %score/v2/endpoints/%s answered HTTP 409 (ep-in-use is "
                      "named in a policy)" % (api, one(testbed, 'endpoints', 'ep-in-use')['id']))]
    assert_clean(run)


# 8. The same resource on two pages


def test_the_same_resource_on_two_pages_is_one_resource(testbed, playbook):
    item = {'id': 'e-1', 'name': 'e1', 'networkId': DEMO, 'attributes': ['#a'], 'zitiId': 'z1', 'jwt': None}
    testbed.api_faults(SERVE, page([item], 0, 2), page([dict(item)], 1, 2))
    run = playbook(play(resource_task('found', {'type': 'endpoints', 'network': NET, 'name': 'e1', 'spec': {
        'attributes': ['#a']}}), vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    found = run.saved('found')
    assert (found.get('failed', False), found['changed'], found['method'], found['id']) == (False, False, 'none', 'e-1')
    assert testbed.stats()['api_writes'] == 0
    assert_clean(run)


# 9. wait_timeout is a bound


def test_wait_timeout_bounds_every_retry_and_retry_after(testbed, playbook):
    testbed.resource_settings(provision_after_gets=1)
    testbed.api_faults(SERVE, SERVE, SERVE, {'status': 429, 'headers': {'Retry-After': '30'}, 'times': 20,
                                             'body': {'error': 'slow down'}})
    started = time.monotonic()
    run = playbook(play(resource_task('bounded', {'type': 'edge-routers', 'network': NET, 'name': 'er-bounded',
                                                  'wait_timeout': 3}), vars=credential_vars(testbed)))
    elapsed = time.monotonic() - started
    assert run.rc == 0, run.output
    result = run.saved('bounded')
    assert (result['failed'], result['changed']) == (True, True)
    assert result['msg'].startswith("reading the work on edge-routers 'er-bounded' (") and \
        'answered HTTP 429 (slow down)' in result['msg'], result['msg']
    assert elapsed < 15, elapsed  # the play's own start-up included; without the bound: 30 s a Retry-After
    assert_clean(run)


# 10. A lock failure is not handed to a process that would ask otherwise


def test_a_stale_secrets_failure_is_not_handed_to_the_right_secret(testbed, playbook, tmp_path):
    """Two plays share a token cache: one with a secret rotated away holds the grant's lock while the identity provider
    answers slowly, then is refused (invalid_client); the other, with the right secret, waited on the lock and must ask
    itself, not fail with the first one's reason."""
    cache = tmp_path / 'shared-cache'
    testbed.faults({'serve': True, 'delay': 4})  # the first token request (the stale one's) answers after 4 s
    token_task = {'name': 'token', 'netfoundry.api.nf_token': {
        'client_id': CLIENT_ID, 'client_secret': '{{ secret }}', 'token_url': testbed.info['idp_http'] + '/token',
        'cache_dir': str(cache)}, 'register': 'r_token', 'ignore_errors': True}
    saving = [save('outcome', "{'failed': r_token.failed | default(false), 'msg': r_token.msg | default('')}")]
    stale_dir = tmp_path / 'stale'
    stale_dir.mkdir()
    (stale_dir / 'play.yml').write_text(play([token_task, dict(saving[0], save_result={
        'content': saving[0]['save_result']['content'], 'dest': str(stale_dir / 'outcome.json')})]))
    environ = dict((k, v) for k, v in os.environ.items() if not k.startswith(('NETFOUNDRY_', 'ANSIBLE_')))
    environ.update(HOME=str(stale_dir), ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_LOCALHOST_WARNING='0',
                   ANSIBLE_INVENTORY_UNPARSED_WARNING='0', ANSIBLE_ACTION_PLUGINS=str(
                       COLLECTIONS / 'ansible_collections' / 'netfoundry' / 'api' / 'tests' / 'e2e' / 'action_plugins'))
    stale = subprocess.Popen([str(BIN / 'ansible-playbook'), str(stale_dir / 'play.yml'), '-e',
                              'secret=rotated-away-long-ago'], cwd=str(stale_dir), env=environ,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not (cache.exists() and any(name.endswith('.lock') for name in os.listdir(str(cache)))):
        assert time.monotonic() < deadline and stale.poll() is None, stale.communicate()[0]
        time.sleep(0.05)
    run = playbook(play([dict(token_task, no_log=True)] + saving), extra_vars=dict(secret=CLIENT_SECRET))  # waits
    stale_output = stale.communicate(timeout=120)[0]
    assert json.loads((stale_dir / 'outcome.json').read_text())['failed'] is True, stale_output
    assert 'invalid_client' in json.loads((stale_dir / 'outcome.json').read_text())['msg']
    assert run.rc == 0, run.output
    assert run.saved('outcome') == {'failed': False, 'msg': ''}, run.saved('outcome')
    assert testbed.stats()['total'] == 2  # each asked once
    assert_clean(run)


# Found by an outsider on the real-shaped emulator (issue 26)


def test_nf_request_hides_one_time_credentials_unless_asked(testbed, playbook):
    testbed.seed('endpoints', name='ep-listed')
    router = testbed.seed('edge-routers', name='er-listed')
    tasks = ([{'name': 'list', 'netfoundry.api.nf_request': {'path': 'core/v2/endpoints', 'all_pages': True},
               'register': 'r_list'}, save('list', "r_list.json._embedded.endpointList | map(attribute='jwt') | list")]
             + [{'name': 'key', 'netfoundry.api.nf_request': {
                 'path': 'core/v2/edge-routers/%s/registration-key' % router['id'], 'method': 'POST',
                 'return_enrollment_secrets': True}, 'register': 'r_key', 'no_log': True},
                save('key', "r_key.json.registrationKey | hash('sha256')")])
    run = playbook(play(tasks, vars=credential_vars(testbed)), args=['-v'])
    assert run.rc == 0, run.output
    assert run.saved('list') == [HIDDEN]
    key = [value for value in testbed.issued() if value.count('.') != 2][-1]
    import hashlib
    assert run.saved('key') == hashlib.sha256(key.encode()).hexdigest()  # asked for by name: given
    assert_clean(run)


def test_a_jwt_in_a_failed_process_answer_is_never_in_the_message(testbed, playbook):
    testbed.resource_settings(provision_after_gets=5)
    endpoint = testbed.seed('endpoints', name='ep-other')
    jwt = endpoint['jwt']
    process = {'status': 200, 'content_type': 'application/hal+json', 'body': {
        'id': 'p-1', 'status': 'FAILED', 'processorName': 'CreateEndpointProcessor',
        'args': {'context': {'zitiIdentity': {'enrollment': {'ott': {'jwt': jwt}}}}},
        'payload': {'message': 'could not deliver enrollment %s' % jwt}}}
    testbed.api_faults(SERVE, SERVE, SERVE, process)
    run = playbook(play(resource_task('leak', {'type': 'endpoints', 'network': NET, 'name': 'ep-leak'}),
                        vars=credential_vars(testbed)), args=['-vvvv'])
    assert run.rc == 0, run.output
    result = run.saved('leak')
    assert result['msg'].startswith("endpoints 'ep-leak' (") and 'could not deliver enrollment ' in result['msg']
    claims = jwt.split('.')[1]
    assert claims[:16] not in result['msg'] and '********' in result['msg'], result['msg']  # cut at 300, then redacted
    assert_clean(run)  # and the scan: not one of the issued JWTs anywhere


def test_a_name_still_being_deleted_says_so(testbed, playbook):
    testbed.resource_settings(provision_after_gets=5)
    args = {'type': 'edge-routers', 'network': NET, 'name': 'er-del'}
    run = playbook(play(resource_task('create', args) + resource_task('delete', dict(args, state='absent', wait=False))
                        + resource_task('again', args), vars=credential_vars(testbed, netfoundry_timeout=5)))
    assert run.rc == 0, run.output
    assert run.saved('again')['msg'].startswith("creating edge-routers 'er-del': one by that name is still being "
                                                "deleted (the API answered HTTP 409 (a resource of type edge-routers "
                                                "named er-del already exists")
    assert_clean(run)


def test_info_refuses_a_missing_network_id_and_odd_filter_values(testbed, playbook):
    tasks = (info_task('no_such_id', {'type': 'endpoints', 'network': '00000000-0000-4000-8000-00000000dead'})
             + info_task('dict', {'type': 'edge-routers', 'query': {'status': {'a': 1}}})
             + info_task('list', {'type': 'edge-routers', 'query': {'status': ['PROVISIONED', 'ERROR']}})
             + info_task('size', {'type': 'edge-routers', 'query': {'size': 1}}))
    run = playbook(play(tasks, vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    assert dict((name, run.saved(name)['msg']) for name in ('no_such_id', 'dict', 'list', 'size')) == {
        'no_such_id': "network '00000000-0000-4000-8000-00000000dead' does not exist: check the name (type networks "
                      "lists them)",
        'dict': 'query status must be text or a number, got an object: the API filters on one value',
        'list': 'query status must be text or a number, got a list: the API filters on one value',
        'size': "query key size is not a filter NetFoundry's API takes for edge-routers (it takes status); the pages "
                "are this module's to ask for: it reads every one"}
    assert_clean(run)


def test_a_service_with_inline_configs_as_documented(testbed, playbook):
    testbed.resource_settings(provision_after_gets=1)
    spec = {'attributes': ['#transparent'], 'configs': [
        {'name': 'svc-cfg-intercept.v1', 'configTypeName': 'intercept.v1', 'data': {
            'addresses': ['10.1.0.0/24'], 'protocols': ['tcp'], 'portRanges': [{'low': 80, 'high': 80}]}},
        {'name': 'svc-cfg-host.v1', 'configTypeName': 'host.v1', 'data': {
            'forwardAddress': True, 'forwardPort': True, 'forwardProtocol': True}}]}
    args = {'type': 'services', 'network': NET, 'name': 'svc-cfg', 'spec': spec}
    run = playbook(play(resource_task('created', args) + resource_task('again', args), vars=credential_vars(testbed)))
    assert run.rc == 0, run.output
    assert [(run.saved(n).get('failed', False), run.saved(n)['changed']) for n in ('created', 'again')] == [
        (False, True), (False, False)], run.saved('created').get('msg')
    assert len(one(testbed, 'services', 'svc-cfg')['configIdByConfigTypeId']) == 2
    assert_clean(run)


# Found by an outsider given the ten (issue 27): credentials nobody has seen yet, by their shape


def test_an_enrollment_jwt_nobody_has_seen_is_hidden_by_its_shape(testbed, playbook):
    """A JWT the task has not read under a key it knows (another endpoint's, in an error message, in free text, in an
    attribute) is still an enrollment JWT: its claims name an enrollment method."""
    other = testbed.seed('endpoints', name='ep-other')['jwt']
    testbed.seed('endpoints', name='ep-odd', attributes=['#web', '#' + other])
    testbed.api_faults(SERVE, SERVE, api_error(400, 'token %s is in use' % other),  # the create of ep-refused
                       {'status': 200, 'content_type': 'application/json', 'body': {
                           'note': 'use ' + other, 'x': [other]}})  # nf_request's answer
    tasks = (resource_task('refused', {'type': 'endpoints', 'network': NET, 'name': 'ep-refused'})
             + [{'name': 'odd answer', 'netfoundry.api.nf_request': {'path': 'identity/v1/identities/self'},
                 'register': 'r_odd'}, save('odd', 'r_odd.json')]
             + resource_task('diff', {'type': 'endpoints', 'network': NET, 'name': 'ep-odd', 'spec': {
                 'attributes': ['#web']}}, check_mode=True))
    run = playbook(play(tasks, vars=credential_vars(testbed)), args=['--diff', '-vvvv'])
    assert run.rc == 0, run.output
    header = other.split('.')[0]
    assert 'answered HTTP 400 (token %s.********' % header in run.saved('refused')['msg']  # cut at 200, kept to its header
    assert run.saved('odd') == {'note': 'use ********', 'x': ['********']}
    assert '#********' in run.saved('diff')['diff']['before']['attributes']
    assert_clean(run)  # the scan: the issued JWT nowhere
