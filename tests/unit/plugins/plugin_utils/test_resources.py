# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The resource engine's data and rules, without the network (the playbook tests drive it against the emulator), and
the engine against canned answers no honest server gives."""

import os
import stat

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._options import RESOURCE_TYPES
from ansible_collections.netfoundry.api.plugins.plugin_utils._resources import (
    HIDDEN, check_args, differs, fold, hide_secrets, merged, spec_problem, write_private)
from ansible_collections.netfoundry.api.plugins.plugin_utils._types import CREATE, FROZEN, MANAGED, TYPES
from ansible_collections.netfoundry.api.tests.unit.plugins.plugin_utils.test_api import API, FakeResponse, client_with


def test_every_type_has_the_recorded_or_sdk_list_key():
    """Recorded (NetFoundry's API): networkList ... appWanList; the SDK's rule for the others: kebab2camel(singular) +
    'List'."""
    assert sorted(TYPES) == sorted(RESOURCE_TYPES)
    assert dict((name, kind.list_key) for name, kind in TYPES.items()) == {
        'networks': 'networkList', 'endpoints': 'endpointList', 'edge-routers': 'edgeRouterList',
        'edge-router-policies': 'edgeRouterPolicyList', 'services': 'serviceList',
        'service-policies': 'servicePolicyList', 'service-edge-router-policies': 'serviceEdgeRouterPolicyList',
        'app-wans': 'appWanList', 'posture-checks': 'postureCheckList',
        'certificate-authorities': 'certificateAuthorityList', 'configs': 'configList',
        'config-types': 'configTypeList', 'terminators': 'terminatorList'}
    assert TYPES['networks'].by_name == 'findByName' and not TYPES['networks'].scoped
    # status: recorded on networks and edge routers only
    assert sorted(name for name, kind in TYPES.items() if kind.status) == ['edge-routers', 'networks']
    assert [name for name, kind in TYPES.items() if kind.open] == [
        'posture-checks', 'certificate-authorities', 'configs', 'config-types', 'terminators']


def test_the_modes_of_the_properties_the_api_keeps_in_another_form():
    assert TYPES['services'].mode('modelType') == FROZEN and TYPES['services'].mode('configs') == CREATE
    assert TYPES['endpoints'].mode('enrollmentMethod') == CREATE and TYPES['endpoints'].mode('attributes') == MANAGED
    assert TYPES['networks'].mode('locationCode') == CREATE
    assert TYPES['endpoints'].mode('atributes') is None and TYPES['endpoints'].mode('atributes', ('atributes',)) == MANAGED
    assert TYPES['posture-checks'].mode('anything') == MANAGED


@pytest.mark.parametrize('want, have, key, expected', [
    (['#a', '#b'], ['#b', '#a'], 'attributes', False),
    (['#a', '#b'], ['#a'], 'attributes', True),
    (['x', 'y'], ['y', 'x'], 'endpointAttributes', False),
    (['@laptop', '#eu'], ['#eu', '@laptop'], 'identityRoles', False),
    (['x', 'y'], ['y', 'x'], 'hosts', True),
    ({'ott': True}, {'ott': True, 'expiresAt': 'later'}, 'enrollmentMethod', False),
    ({'ott': True}, {'ott': False}, 'enrollmentMethod', True),
    ({'a': {'b': 1}}, {'a': {'b': 1, 'c': 2}}, 'x', False),
    (1, True, 'x', True),
    (True, True, 'x', False),
    (1, 1.0, 'x', False),
    ('Dial', 'dial', 'type', True),
    (None, None, 'x', False),
    ([{'a': 1}], [{'a': 1, 'b': 2}], 'list', False),
    ('80', 80, 'port', False),  # recorded: "port" sent as text, answered as a number
    (80, '80', 'port', False),
    ('080', 80, 'port', False),
    ('80', 81, 'port', True),
    ('eighty', 80, 'port', True),
    ('1', True, 'x', True),
])
def test_differs(want, have, key, expected):
    assert differs(want, have, key) is expected


@pytest.mark.parametrize('rtype, spec, extra, expected', [
    ('service-policies', {'type': 'Dial', 'serviceRoles': ['#web']}, (),
     'spec.serviceRoles is not a property of service-policies: did you mean serviceAttributes? (serviceRoles is the '
     'Ziti controller\'s name; NetFoundry\'s API v2 says serviceAttributes) Name a property this collection does not '
     'list (one NetFoundry added since) in extra_properties to send it anyway'),
    ('service-policies', {'identityRoles': ['#a']}, (), 'spec.identityRoles is not a property of service-policies: did '
     'you mean endpointAttributes?'),
    ('edge-router-policies', {'edgeRouterRoles': ['#a']}, (),
     'spec.edgeRouterRoles is not a property of edge-router-policies: did you mean edgeRouterAttributes?'),
    ('edge-router-policies', {'semantic': 'AnyOf'}, (), 'spec.semantic is not a property of edge-router-policies (NetFoundry\'s API '
     'v2 has no semantic for edge router policies; the Ziti controller has); its properties are edgeRouterAttributes, '
     'endpointAttributes, name.'),
    ('endpoints', {'atributes': ['#a']}, (), 'spec.atributes is not a property of endpoints: did you mean attributes?'),
    ('endpoints', {'atributes': ['#a']}, ('atributes',), None),
    ('endpoints', {'jwt': 'x'}, (), 'spec.jwt is set by the API and cannot be managed: leave it out of spec'),
    ('edge-routers', {'registration': {}}, (), 'spec.registration is set by the API and cannot be managed'),
    ('endpoints', {80: 'x'}, (), "spec key 80 is a number, not text: quote it ('80')"),
    ('services', {'model': {'clientIngress': {'host': 'a'}, 5: 6}}, (),
     "spec.model key 5 is a number, not text: quote it ('5')"),
    ('posture-checks', {'data': [{'x': {True: 1}}]}, (), "spec.data[0].x key true is a boolean, not text"),
    ('endpoints', {None: 1}, (), 'spec key null is null, not text: name the property'),
    ('endpoints', {'zitiId': 'x'}, ('zitiId',), 'spec.zitiId is set by the API and cannot be managed'),
    ('endpoints', {'jwt': 'a.b.c'}, ('jwt',), 'spec.jwt is set by the API and cannot be managed'),
    ('endpoints', {'networkId': 'x'}, (), 'spec.networkId is set by the API: give the network in option network'),
    ('posture-checks', {'anything': 1}, (), None),
    ('services', {'modelType': 'TunnelerToSdk', 'model': {}, 'configs': []}, (), None),
])
def test_a_spec_the_type_does_not_take_is_one_line_before_any_request(rtype, spec, extra, expected):
    problem = spec_problem(TYPES[rtype], spec, 'x', extra)
    if expected is None:
        assert problem is None
    else:
        assert problem.startswith(expected) and '\n' not in problem, problem


def test_check_args_says_what_cannot_go_together(tmp_path):
    args = dict(type='services', network='n', name='s', spec={}, wait_timeout=60, enrollment_jwt_dest=str(tmp_path / 'x'))
    assert check_args(args) == 'option enrollment_jwt_dest is only for type endpoints'
    args = dict(args, type='endpoints', enrollment_jwt_dest=str(tmp_path / 'a\0b'))
    assert check_args(args) == 'option enrollment_jwt_dest contains a NUL byte: give a plain path'
    args = dict(args, enrollment_jwt_dest=str(tmp_path / 'missing' / 'x.jwt'))
    assert check_args(args) == ('the folder of option enrollment_jwt_dest (%s) does not exist: make it first '
                                '(ansible.builtin.file, state: directory, mode: "0700"), or give a folder ending with /; '
                                'nothing was written' % (tmp_path / 'missing'))
    args = dict(args, enrollment_jwt_dest=None, network=None)
    assert check_args(args) == "option network is required for type endpoints (the network's name or id)"


class FakeClient:
    def __init__(self):
        self.learned = []

    def hold(self, secret):
        self.learned.append(secret)

    @staticmethod
    def redact(value):
        return value


def test_one_time_credentials_are_hidden_and_learned_at_any_depth():
    client = FakeClient()
    router = {'id': 'r', 'registrationKey': 'KEY123', 'registration': {'registrationKey': 'KEY123', 'expiresAt': 'x'},
              'other': [{'enrollment': {'jwt': 'J.W.T'}}]}
    hidden, found = hide_secrets(router, client)
    assert hidden == {'id': 'r', 'registrationKey': HIDDEN, 'registration': {'registrationKey': HIDDEN, 'expiresAt': 'x'},
                      'other': [{'enrollment': {'jwt': HIDDEN}}]}
    assert router['registration']['registrationKey'] == 'KEY123'  # the API's answer itself is left as it was
    assert found == {'registrationKey': 'KEY123', 'jwt': 'J.W.T'}
    assert sorted(client.learned) == ['J.W.T', 'KEY123', 'KEY123']
    enrolled = {'id': 'e', 'jwt': None}
    assert hide_secrets(enrolled, client) == (enrolled, {})


def test_fold_and_merged():
    assert fold('STRASSE') == fold('straße') and fold('Ep-Mixed') == fold('ep-mixed') and fold(None) is None
    assert merged({'clientIngress': {'port': 81}}, {'clientIngress': {'host': 'a.b', 'port': 80}, 'x': 1}) == {
        'clientIngress': {'host': 'a.b', 'port': 81}, 'x': 1}
    assert merged(['#a'], ['#b']) == ['#a'] and merged({'a': 1}, None) == {'a': 1}


def test_write_private_refuses_what_is_not_a_regular_file(tmp_path):
    fifo = tmp_path / 'fifo'
    os.mkfifo(str(fifo))
    for path in (str(fifo), str(tmp_path), '/dev/null'):
        with pytest.raises(NFError, match='is not a regular file'):
            write_private(path, 'secret')
    assert stat.S_ISCHR(os.stat('/dev/null').st_mode)
    target = tmp_path / 'target'
    target.write_text('keep')
    link = tmp_path / 'link'
    link.symlink_to(target)
    assert write_private(str(link), 'jwt') is True
    assert target.read_text() == 'keep' and not link.is_symlink() and link.read_text() == 'jwt'


def test_write_private_in_check_mode_predicts_and_writes_nothing(tmp_path):
    path = tmp_path / 'x.jwt'
    assert write_private(str(path), 'jwt', check_mode=True) is True and not path.exists()
    write_private(str(path), 'jwt')
    assert write_private(str(path), 'jwt', check_mode=True) is False
    assert write_private(str(path), 'other', check_mode=True) is True and path.read_text() == 'jwt'


def test_write_private(tmp_path):
    path = tmp_path / 'laptop.jwt'
    assert write_private(str(path), 'jwt-1') is True
    assert path.read_text() == 'jwt-1' and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert write_private(str(path), 'jwt-1') is False
    os.chmod(str(path), 0o644)
    assert write_private(str(path), 'jwt-1') is True and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert write_private(str(path), 'jwt-2') is True and path.read_text() == 'jwt-2'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['laptop.jwt']
    # A folder that is not there (a destination folder ending with /) is made, with its missing parents, private.
    assert write_private(str(tmp_path / 'missing' / 'deeper' / 'x.jwt'), 'jwt') is True
    assert [stat.S_IMODE((tmp_path / sub).stat().st_mode) for sub in ('missing', 'missing/deeper')] == [0o700] * 2
    (tmp_path / 'blocked').write_text('')
    with pytest.raises(NFError, match=r'^cannot use .*/blocked/x/y.jwt \(Not a directory\): check the path'):
        write_private(str(tmp_path / 'blocked' / 'x' / 'y.jwt'), 'jwt')


# The engine against canned answers (the playbook tests drive it against the emulator; these are what no honest
# server does, from outsiders' hostile reviews).

def engine_with(answers, monkeypatch, kind='endpoints'):
    from ansible_collections.netfoundry.api.plugins.plugin_utils._resources import Resources
    client, calls, _warnings = client_with(answers, monkeypatch)
    return Resources(client, API, kind, sleep=lambda _s: None), calls


NET = '00000000-0000-4000-8000-000000000001'


def ensure(engine, **args):
    base = dict(type=engine.kind.name, network=NET if engine.kind.scoped else None, name='x', id=None, spec={},
                state='present', wait=True, wait_timeout=60, enrollment_jwt_dest=None, registration_key_dest=None,
                return_enrollment_secrets=False, extra_properties=[])
    base.update(args)
    return engine.ensure(base)


def page(*items):
    return FakeResponse(200, {'_embedded': {'endpointList': list(items)}, 'page': {'number': 0, 'totalPages': 1}})


def test_a_secret_in_an_error_reason_is_never_in_the_message(monkeypatch):
    jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcCJ9.' + 'SECRETSIGNATURE_' * 4
    engine, _calls = engine_with([
        FakeResponse(200, {'_embedded': {}, 'page': {'number': 0, 'totalPages': 1}}),
        FakeResponse(202, {'id': 'r1', 'name': 'er', 'status': 'PROVISIONING', 'jwt': jwt}),
        FakeResponse(200, {'id': 'r1', 'name': 'er', 'status': 'ERROR', 'statusMessage': 'bad token ' + jwt[-70:]})],
        monkeypatch, 'edge-routers')
    with pytest.raises(NFError) as error:
        ensure(engine, name='er')
    message = engine.client.redact(error.value.message)
    assert 'SECRETSIGNATURE' not in message and message.startswith("edge-routers 'er' (r1) ended in ERROR: bad token")
    assert engine.accepted == 1


@pytest.mark.parametrize('rid, path', [('../networks', 'core/v2/endpoints/..%2Fnetworks'),
                                       ('x?networkId=1', 'core/v2/endpoints/x%3FnetworkId%3D1')])
def test_an_id_is_one_path_segment(monkeypatch, rid, path):
    engine, calls = engine_with([FakeResponse(404, {'error': 'not_found'})], monkeypatch)
    assert engine.get(rid) is None
    assert calls[0][1] == API + path


def test_a_resource_without_an_id_is_one_line(monkeypatch):
    engine, _calls = engine_with([page(), FakeResponse(202, {'name': 'x'})], monkeypatch)
    with pytest.raises(NFError, match=r"^creating endpoints 'x': the API's answer has no id"):
        ensure(engine)
    assert engine.accepted == 1


def test_a_2xx_without_json_says_the_write_may_have_been_applied(monkeypatch):
    engine, _calls = engine_with([page({'id': 'e1', 'name': 'x', 'attributes': []}),
                                  FakeResponse(200, body=b'OK', headers={'Content-Type': 'text/plain'})], monkeypatch)
    with pytest.raises(NFError, match=r"answered HTTP 200 \('OK'\) without a JSON object \(a write may have been "
                                      r"applied"):
        ensure(engine, spec={'attributes': ['#a']})


@pytest.mark.parametrize('status', [['PROVISIONED'], {'a': 1}, 7])
def test_a_status_that_is_not_text_is_one_line(monkeypatch, status):
    engine, _calls = engine_with([FakeResponse(200, {'_embedded': {'edgeRouterList': [
        {'id': 'r1', 'name': 'x', 'status': status, 'attributes': []}]}})], monkeypatch, 'edge-routers')
    with pytest.raises(NFError, match=r"^finding edge-routers 'x': the API's answer has a status that is (a list|an "
                                      r"object|a number), not text$"):
        ensure(engine)


def test_the_same_resource_on_two_pages_is_one_resource(monkeypatch):
    item = {'id': 'e1', 'name': 'x', 'attributes': ['#a'], 'networkId': NET}
    engine, _calls = engine_with([
        FakeResponse(200, {'_embedded': {'endpointList': [item]}, 'page': {'number': 0, 'totalPages': 2}}),
        FakeResponse(200, {'_embedded': {'endpointList': [dict(item)]}, 'page': {'number': 1, 'totalPages': 2}})],
        monkeypatch)
    out = ensure(engine, spec={'attributes': ['#a']})
    assert (out['changed'], out['method'], out['id']) == (False, 'none', 'e1')


def test_a_failed_process_says_its_step_and_the_apis_words(monkeypatch):
    process = API + 'core/v2/process/p1'
    engine, calls = engine_with([
        page(), FakeResponse(202, {'id': 'e1', 'name': 'x', 'networkId': NET, 'jwt': None, 'zitiId': None,
                                   '_links': {'process': {'href': process}}}),
        FakeResponse(404, {'error': 'Not Found'}),  # not there yet: asked again
        FakeResponse(200, {'id': 'p1', 'status': 'STARTED', 'processorName': 'CreateEndpointProcessor'}),
        FakeResponse(200, {'id': 'p1', 'status': 'FAILED', 'processorName': 'CreateEndpointProcessor', 'steps': [
            {'stepName': 'a', 'status': 'FINISHED'},
            {'stepName': 'create-identity', 'stepDescription': 'Create the Ziti   identity', 'status': 'FAILED'}],
            'payload': {'message': 'controller\nunreachable'}})], monkeypatch)
    with pytest.raises(NFError) as error:
        ensure(engine)
    assert error.value.message == ("endpoints 'x' (e1): NetFoundry's work (CreateEndpointProcessor) ended FAILED at "
                                   "step Create the Ziti identity: controller unreachable")
    assert [url for _m, url, _a, _r in calls[2:]] == [process + '?networkId=' + NET] * 3


def test_a_process_on_another_host_gets_no_token(monkeypatch):
    engine, calls = engine_with([page(), FakeResponse(202, {'id': 'e1', 'name': 'x', 'networkId': NET, '_links': {
        'process': {'href': 'https://evil.example/core/v2/process/p1'}}})], monkeypatch)
    with pytest.raises(NFError, match=r"the API linked its work to another host \(https://evil.example/core/v2/"
                                      r"process/p1\): the token is not sent there$"):
        ensure(engine)
    assert len(calls) == 2


def test_the_sdks_execution_link_is_followed(monkeypatch):
    execution = API + 'core/v2/executions/x1'
    engine, calls = engine_with([
        page({'id': 'e1', 'name': 'x', 'attributes': [], 'networkId': NET}),
        FakeResponse(202, {'id': 'e1', 'name': 'x', 'attributes': ['#a'], 'networkId': NET,
                           '_links': {'executions': [{'href': execution}]}}),
        FakeResponse(200, {'id': 'x1', 'status': 'RUNNING'}), FakeResponse(200, {'id': 'x1', 'status': 'SUCCESS'}),
        FakeResponse(200, {'id': 'e1', 'name': 'x', 'attributes': ['#a'], 'networkId': NET})], monkeypatch)
    out = ensure(engine, spec={'attributes': ['#a']})
    assert (out['changed'], out['method']) == (True, 'update')
    assert [(method, url) for method, url, _a, _r in calls[2:]] == [('GET', execution)] * 2 + [
        ('GET', API + 'core/v2/endpoints/e1')]


def test_a_property_the_api_did_not_keep_fails_naming_it(monkeypatch):
    engine, _calls = engine_with([page({'id': 'e1', 'name': 'x', 'attributes': [], 'networkId': NET}),
                                  FakeResponse(202, {'id': 'e1', 'name': 'x', 'attributes': [], 'networkId': NET})],
                                 monkeypatch)
    with pytest.raises(NFError) as error:
        ensure(engine, spec={'attributes': ['#a']})
    assert error.value.message == ("endpoints 'x' (e1) was updated, but the API did not keep spec.attributes (sent "
                                   "[\"#a\"], it answered []): it does not take that property or that value; check them "
                                   "against NetFoundry's API reference")
    assert engine.accepted == 1


def test_a_create_body_is_what_the_sdk_sends(monkeypatch):
    services, _calls = engine_with([], monkeypatch, 'services')
    body = services.create_body(NET, 'svc', {'configs': [{'name': 'c', 'configTypeName': 'intercept.v1', 'data': {}}]})
    assert body == {'name': 'svc', 'networkId': NET, 'attributes': [], 'encryptionRequired': True, 'configs': [
        {'name': 'c', 'configTypeName': 'intercept.v1', 'data': {}, 'networkId': NET}]}
    assert services.missing(body) is None and services.missing(services.create_body(NET, 'svc', {})) == \
        'modelType or configs'
    routers, _calls = engine_with([], monkeypatch, 'edge-routers')
    assert routers.create_body(NET, 'er', {'provider': 'AWS', 'locationCode': 'us-east-1'})['linkListener'] is True
    assert routers.create_body(NET, 'er', {'provider': 'AWS', 'linkListener': False})['linkListener'] is False
    assert routers.create_body(NET, 'er', {'provider': 'CUSTOMER'})['linkListener'] is False


def test_a_create_needs_what_the_type_needs(monkeypatch):
    engine, calls = engine_with([FakeResponse(200, {'page': {'number': 0, 'totalPages': 1}})], monkeypatch,
                                'service-policies')
    with pytest.raises(NFError, match=r"^service-policies 'x': a create needs type in spec .*nothing was written$"):
        ensure(engine, spec={'serviceAttributes': ['#a']})
    assert [method for method, _u, _a, _r in calls] == ['GET']
