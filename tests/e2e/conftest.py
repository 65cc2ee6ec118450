# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Playbook tests: each test writes a play, runs the real ansible-playbook on it against the test bed
(a separate process on 127.0.0.1), and asserts what the play saved and what the test bed counted."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

COLLECTION = Path(__file__).resolve().parents[2]
COLLECTIONS = COLLECTION.parents[2]
if COLLECTION.parent.parent.name != 'ansible_collections':
    pytest.exit('run the playbook tests on the staged collection (scripts/test does); %s is not inside '
                'ansible_collections/netfoundry/api' % COLLECTION, returncode=4)
sys.path.insert(0, str(COLLECTIONS))

# pylint: disable=wrong-import-position
from ansible_collections.netfoundry.api.tests.e2e.plays import CLIENT_ID, CLIENT_SECRET  # noqa: E402
from ansible_collections.netfoundry.api.tests.testbed.nf_testbed import Control  # noqa: E402

BIN = Path(sys.executable).parent


@pytest.fixture(scope='session')
def testbed_process(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp('testbed')
    process = subprocess.Popen([sys.executable, str(COLLECTION / 'tests' / 'testbed' / 'nf_testbed.py'),
                                '--state-dir', str(state_dir), '--client', CLIENT_ID, CLIENT_SECRET],
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    if not line:
        pytest.exit('the test bed did not start (exit code %s)' % process.wait(), returncode=3)
    yield Control(json.loads(line))
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def testbed(testbed_process):
    testbed_process.reset()
    return testbed_process


class Run:
    """One finished ansible-playbook run: rc, output, and the JSON files the play saved in out/."""

    def __init__(self, completed, out_dir):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.out_dir = out_dir

    def saved(self, name):
        return json.loads((self.out_dir / (name + '.json')).read_text())

    @property
    def output(self):
        return self.stdout + self.stderr


@pytest.fixture
def playbook(tmp_path):
    """playbook(text, extra_vars=None, env=None, args=(), inventory=None) -> Run. HOME and cwd are fresh dirs."""
    home = tmp_path / 'home'
    work = tmp_path / 'work'
    out_dir = tmp_path / 'out'
    for folder in (home, work, out_dir):
        folder.mkdir()

    def run(text, extra_vars=None, env=None, args=(), inventory=None):
        play = work / 'play.yml'
        play.write_text(text)
        variables = dict(out_dir=str(out_dir), work_dir=str(work), home_dir=str(home))
        variables.update(extra_vars or {})
        (tmp_path / 'vars.json').write_text(json.dumps(variables))
        environ = dict((k, v) for k, v in os.environ.items() if not k.startswith(('NETFOUNDRY_', 'ANSIBLE_')))
        environ.update(HOME=str(home), ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR='1',
                       ANSIBLE_FORCE_COLOR='0', ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_LOCALHOST_WARNING='0',
                       ANSIBLE_INVENTORY_UNPARSED_WARNING='0', PYTHONWARNINGS='ignore')
        environ.update(env or {})
        command = [str(BIN / 'ansible-playbook'), str(play), '-e', '@%s' % (tmp_path / 'vars.json')]
        if inventory:
            (tmp_path / 'hosts.ini').write_text(inventory)
            command += ['-i', str(tmp_path / 'hosts.ini')]
        completed = subprocess.run(command + list(args), cwd=str(work), env=environ, capture_output=True, text=True,
                                   timeout=300, check=False)
        return Run(completed, out_dir)
    return run
