# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's task examples of "Managing resources", run as written against the emulator's lab-network: twice,
the second run 0 changed."""

import re

import pytest
import yaml

from ansible_collections.netfoundry.api.tests.e2e.conftest import COLLECTION
from ansible_collections.netfoundry.api.tests.e2e.plays import assert_clean, credential_vars, play

pytestmark = pytest.mark.core_behaviour


def readme_tasks():
    text = (COLLECTION / 'README.md').read_text()
    section = text[text.index('## Managing resources'):text.index('### Network as code')]
    return [yaml.safe_load(block) for block in re.findall(r'```yaml\n(.*?)```', section, re.S)]


def test_the_readme_resource_examples_run_twice(testbed, playbook):
    testbed.resource_settings(provision_after_gets=0)
    lab = [n for n in testbed.resources('networks') if n['name'] == 'lab-network'][0]
    testbed.seed('endpoints', name='wiki-host', networkId=lab['id'])
    testbed.seed('edge-routers', name='branch-router', networkId=lab['id'])
    blocks = readme_tasks()
    assert len(blocks) == 4
    tasks = [task for block in blocks for task in block]
    text = play(tasks, vars=credential_vars(testbed))
    first = playbook(text)
    assert first.rc == 0, first.output
    second = playbook(text)
    assert second.rc == 0, second.output
    assert re.search(r'localhost\s+: ok=\d+\s+changed=0 ', second.stdout), second.stdout
    assert_clean(first)
    assert_clean(second)
