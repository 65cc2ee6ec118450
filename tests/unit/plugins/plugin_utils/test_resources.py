# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The resource engine's data and rules, without the network (the playbook tests drive it against the emulator)."""

import os
import stat

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError
from ansible_collections.netfoundry.api.plugins.module_utils._options import RESOURCE_TYPES
from ansible_collections.netfoundry.api.plugins.plugin_utils._resources import (
    HIDDEN, KINDS, differs, fold, hide_secrets, managed, merged, write_private)


def test_every_type_has_the_sdk_list_key():
    """python-netfoundry: kebab2camel(singular(type)) + 'List'."""
    assert sorted(KINDS) == sorted(RESOURCE_TYPES)
    assert dict((name, kind.list_key) for name, kind in KINDS.items()) == {
        'networks': 'networkList', 'endpoints': 'endpointList', 'edge-routers': 'edgeRouterList',
        'edge-router-policies': 'edgeRouterPolicyList', 'services': 'serviceList',
        'service-policies': 'servicePolicyList', 'service-edge-router-policies': 'serviceEdgeRouterPolicyList',
        'app-wans': 'appWanList', 'posture-checks': 'postureCheckList',
        'certificate-authorities': 'certificateAuthorityList', 'configs': 'configList',
        'config-types': 'configTypeList', 'terminators': 'terminatorList'}
    assert KINDS['networks'].by_name == 'findByName' and not KINDS['networks'].scoped
    assert KINDS['edge-routers'].no_update == ('networkId', 'registration')
    assert KINDS['services'].no_update == ('networkId', 'modelType')


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
])
def test_differs(want, have, key, expected):
    assert differs(want, have, key) is expected


def test_managed_is_the_keys_the_user_gave():
    found = managed(['name', 'attributes'], {'name': 'n', 'attributes': [], 'zitiId': 'z'})
    assert found == {'name': 'n', 'attributes': []}
    assert managed(['name'], None) == {'name': None}


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
        with pytest.raises(NFTokenError, match='is not a regular file'):
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
    with pytest.raises(NFTokenError, match=r'^cannot write .*/missing/x.jwt \(No such file or directory\)'):
        write_private(str(tmp_path / 'missing' / 'x.jwt'), 'jwt')


# The engine against canned answers (the playbook tests drive it against the emulator; these are what no honest
# server does, from an outsider's hostile review).

def engine_with(answers, monkeypatch, kind='endpoints'):
    from ansible_collections.netfoundry.api.plugins.plugin_utils._resources import Resources
    from ansible_collections.netfoundry.api.tests.unit.plugins.plugin_utils.test_api import API, client_with
    client, calls, _warnings = client_with(answers, monkeypatch)
    return Resources(client, API, kind, sleep=lambda _s: None), calls


def test_a_secret_in_an_error_reason_is_never_in_the_message(monkeypatch):
    from ansible_collections.netfoundry.api.tests.unit.plugins.plugin_utils.test_api import FakeResponse
    jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcCJ9.' + 'SECRETSIGNATURE_' * 4
    engine, _calls = engine_with([FakeResponse(202, {'id': 'e1', 'name': 'ep', 'status': 'PROVISIONING', 'jwt': jwt}),
                                  FakeResponse(200, {'id': 'e1', 'name': 'ep', 'status': 'ERROR',
                                                     'statusMessage': 'bad enrollment token ' + jwt[-70:]})], monkeypatch)
    created, _reply = engine.create('n1', 'ep', {})
    assert created['jwt'] == jwt  # the answer keeps it, for the file it may go to
    with pytest.raises(NFTokenError) as error:
        engine.wait(created, 60)
    message = engine.client.redact(error.value.message)
    assert 'SECRETSIGNATURE' not in message and message.startswith("endpoints 'ep' (e1) ended in ERROR: bad enrollment")


@pytest.mark.parametrize('rid, path', [('../networks', 'core/v2/endpoints/..%2Fnetworks'),
                                       ('x?networkId=1', 'core/v2/endpoints/x%3FnetworkId%3D1')])
def test_an_id_is_one_path_segment(monkeypatch, rid, path):
    from ansible_collections.netfoundry.api.tests.unit.plugins.plugin_utils.test_api import API, FakeResponse
    engine, calls = engine_with([FakeResponse(404, {'error': 'not_found'})], monkeypatch)
    assert engine.get(rid) is None
    assert calls[0][1] == API + path


def test_a_resource_without_an_id_is_one_line(monkeypatch):
    from ansible_collections.netfoundry.api.tests.unit.plugins.plugin_utils.test_api import FakeResponse
    engine, _calls = engine_with([FakeResponse(202, {'name': 'ep', 'status': 'PROVISIONING'})], monkeypatch)
    with pytest.raises(NFTokenError, match=r"^creating endpoints 'ep': the API's answer has no id"):
        engine.create('n1', 'ep', {})


def test_a_2xx_without_json_says_the_write_may_have_been_applied(monkeypatch):
    from ansible_collections.netfoundry.api.tests.unit.plugins.plugin_utils.test_api import FakeResponse
    engine, _calls = engine_with([FakeResponse(200, body=b'OK', headers={'Content-Type': 'text/plain'})], monkeypatch)
    with pytest.raises(NFTokenError, match=r'answered HTTP 200 without a JSON object \(a write may have been applied'):
        engine.update({'id': 'e1', 'name': 'ep'}, {'attributes': ['#a']})
