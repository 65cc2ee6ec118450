# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import urllib.request

import pytest

from ansible_collections.netfoundry.api.tests.testbed.nf_testbed import Testbed

CLIENT_ID = 'unit-client'
CLIENT_SECRET = 'unit-s3cret/with+odd=chars&'


class Control:
    """Talks to a test bed's control endpoints."""

    def __init__(self, testbed):
        self.info = testbed.info

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
        return self._call('faults', {'faults': list(faults)})

    def add_client(self, client_id, client_secret, lifetime=3600):
        return self._call('clients', {'client_id': client_id, 'client_secret': client_secret, 'lifetime': lifetime})


@pytest.fixture(scope='session')
def testbed_session(tmp_path_factory):
    testbed = Testbed(str(tmp_path_factory.mktemp('testbed')), [(CLIENT_ID, CLIENT_SECRET, 3600)])
    yield testbed
    testbed.stop()


@pytest.fixture
def testbed(testbed_session):
    control = Control(testbed_session)
    control.reset()
    return control
