# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secret scan of conftest can fail: a play that leaks the secret on purpose, in its raw, form-encoded and
HTTP Basic forms, to stdout, the log, a cache-like file and another file, is caught in every place."""

import base64
from urllib.parse import quote_plus

from ansible_collections.netfoundry.api.tests.e2e.plays import CLIENT_ID, CLIENT_SECRET, credential_vars, play


def test_the_scan_finds_every_form_in_every_place(playbook):
    basic = base64.b64encode(('%s:%s' % (CLIENT_ID, CLIENT_SECRET)).encode('utf-8')).decode('ascii')
    tasks = [
        {'name': 'leak raw', 'ansible.builtin.debug': {'msg': 'raw={{ secret }}'}, 'vars': {'secret': CLIENT_SECRET}},
        {'name': 'leak form-encoded to a file', 'ansible.builtin.copy': {
            'content': 'client_secret=%s' % quote_plus(CLIENT_SECRET), 'dest': '{{ work_dir }}/left-behind.txt',
            'mode': '0600'}, 'no_log': True},
        {'name': 'leak Basic to a cache-like file', 'ansible.builtin.copy': {
            'content': 'Authorization: Basic %s' % basic, 'dest': '{{ home_dir }}/%s.json' % ('ab' * 32),
            'mode': '0600'}, 'no_log': True},
    ]
    run = playbook(play(tasks), leak_check=False)
    assert run.rc == 0, run.output
    assert run.leaks == {'stdout': 1, 'stderr': 0, 'log': 1, 'cache': 1, 'files': 1}


def test_the_scan_finds_the_enrollment_jwts_and_registration_keys_the_test_bed_issued(testbed, playbook):
    """The scan also looks for every enrollment JWT and registration key of the test bed's resources (read from the
    test bed after each run): printed, logged or left in a cache-like file, each is found."""
    testbed.resource_settings(provision_after_gets=0)
    created = [{'name': 'create %s' % rtype, 'netfoundry.api.nf_resource': {
        'type': rtype, 'network': 'demo-network', 'name': 'leaky', 'return_enrollment_secrets': True},
        'register': 'r_' + rtype.replace('-', '_'), 'no_log': True} for rtype in ('endpoints', 'edge-routers')]
    tasks = created + [
        {'name': 'leak both', 'ansible.builtin.debug': {
            'msg': 'jwt={{ r_endpoints.enrollment_jwt }} key={{ r_edge_routers.registration_key }}'}},
        {'name': 'leak the JWT to a cache-like file', 'ansible.builtin.copy': {
            'content': '{{ r_endpoints.enrollment_jwt }}', 'dest': '{{ home_dir }}/%s.json' % ('cd' * 32),
            'mode': '0600'}, 'no_log': True}]
    run = playbook(play(tasks, vars=credential_vars(testbed)), leak_check=False)
    assert run.rc == 0, run.output
    assert len(run.issued) == 3  # the endpoint's JWT, the router's own JWT and the registration key asked for
    assert run.issued_leaks == {'stdout': 2, 'stderr': 0, 'log': 2, 'cache': 1}
    assert sum(run.leaks.values()) == 0
