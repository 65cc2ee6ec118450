# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

import os

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils._memo import MEMO
from ansible_collections.netfoundry.api.tests.testbed.nf_testbed import Control, Testbed

CLIENT_ID = 'unit-client'
CLIENT_SECRET = 'unit-s3cret/with+odd=chars&'


@pytest.fixture(autouse=True)
def own_home(monkeypatch, tmp_path_factory):
    """A fresh, empty home for every test, and no NETFOUNDRY_* from the developer's shell: the default credentials
    files the core looks for (~/.netfoundry/credentials.json...) are never a real account's."""
    home = tmp_path_factory.mktemp('home')
    monkeypatch.setenv('HOME', str(home))
    for name in ('XDG_CONFIG_HOME', 'XDG_CACHE_HOME'):
        monkeypatch.delenv(name, raising=False)
    for name in [name for name in os.environ if name.startswith('NETFOUNDRY_')]:
        monkeypatch.delenv(name)
    return home


@pytest.fixture(autouse=True)
def memo():
    """Every test starts with an empty in-process memo, as a new process would; memo.clear() in a test stands for the
    next process."""
    MEMO.clear()
    yield MEMO
    MEMO.clear()


@pytest.fixture(scope='session')
def testbed_session(tmp_path_factory):
    testbed = Testbed(str(tmp_path_factory.mktemp('testbed')), [(CLIENT_ID, CLIENT_SECRET, 3600)])
    yield testbed
    testbed.stop()


@pytest.fixture
def testbed(testbed_session):
    """The in-process test bed, reset; after the test, every answer it gave is checked against the recorded API."""
    control = Control(testbed_session.info)
    control.reset()
    yield control
    violations = control.contract()['violations']
    assert violations == [], 'the emulator answered what the recorded API never did: %s' % violations[:3]
