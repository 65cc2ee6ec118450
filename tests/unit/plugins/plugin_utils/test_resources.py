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
    HIDDEN, KINDS, differs, hide_secrets, managed, write_private)


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

    def learn(self, secret):
        self.learned.append(secret)


def test_one_time_credentials_are_hidden_and_learned():
    client = FakeClient()
    router = {'id': 'r', 'registrationKey': 'KEY123', 'registration': {'registrationKey': 'KEY123', 'expiresAt': 'x'}}
    hidden, found = hide_secrets(KINDS['edge-routers'], router, client)
    assert hidden == {'id': 'r', 'registrationKey': HIDDEN, 'registration': {'registrationKey': HIDDEN, 'expiresAt': 'x'}}
    assert router['registration']['registrationKey'] == 'KEY123'  # the API's answer itself is left as it was
    assert found == {'registrationKey': 'KEY123', 'registration.registrationKey': 'KEY123'}
    assert client.learned == ['KEY123', 'KEY123']
    enrolled = {'id': 'e', 'jwt': None}
    assert hide_secrets(KINDS['endpoints'], enrolled, client) == (enrolled, {})


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
