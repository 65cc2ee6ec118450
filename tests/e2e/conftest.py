# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Playbook tests: each test writes a play, runs the real ansible-playbook on it against the test bed
(a separate process on 127.0.0.1), and asserts what the play saved and what the test bed counted.

Every run is made at -vvvv with ANSIBLE_LOG_PATH set, and then scanned for the client secret in all its
encodings (stdout, stderr, the log, the token cache, every file the run wrote): one occurrence fails the test.
Each scan is appended to the report NF_LEAK_REPORT names (default tests/output/leak-scan.jsonl).
A test that uses the test bed is also scanned for the one-time credentials its resources carry (endpoints' enrollment
JWTs, edge routers' registration keys), read from the test bed after each run: in stdout, stderr, the log and cache
files (not in other files: enrollment_jwt_dest and registration_key_dest write them to files on purpose)."""

import itertools
import json
import os
import re
import resource
import shutil
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
from ansible_collections.netfoundry.api.plugins.module_utils._errors import secret_forms  # noqa: E402
from ansible_collections.netfoundry.api.tests.e2e.plays import CLIENT_ID, CLIENT_SECRET  # noqa: E402
from ansible_collections.netfoundry.api.tests.testbed.nf_testbed import Control  # noqa: E402

BIN = Path(sys.executable).parent
LEAK_REPORT = Path(os.environ.get('NF_LEAK_REPORT') or COLLECTION / 'tests' / 'output' / 'leak-scan.jsonl')
PROXY_VARIABLES = ('http_proxy', 'https_proxy', 'all_proxy', 'no_proxy')
CACHE_FILE = re.compile(r'^\.?[0-9a-f]{16,64}\.')


def pytest_configure(config):
    config.addinivalue_line(
        'markers', 'core_behaviour: the shared core against faulty, hostile or slow servers, proxies, planted or '
        'damaged cache files, each identity provider\'s rules, credential discovery and many hosts at once (code that '
        'does not touch ansible-core); scripts/test runs these on the oldest and the newest ansible-core line, every '
        'other playbook test on every line')


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


def assert_contract(control):
    """Every answer the emulator gave was as NetFoundry's API was recorded answering (tests/testbed/nf_contract.py)."""
    violations = control.contract()['violations']
    assert violations == [], 'the emulator answered what the recorded API never did (a test bed bug): %s' % (
        json.dumps(violations[:3], indent=1))


@pytest.fixture
def testbed(testbed_process):
    """The test bed, reset; after the test, every answer it gave is checked against the recorded API."""
    testbed_process.reset()
    yield testbed_process
    assert_contract(testbed_process)


class Run:
    """One finished ansible-playbook run: rc, output, its log, and the JSON files the play saved in out/."""

    def __init__(self, completed, out_dir, log_path):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.out_dir = out_dir
        self.log_path = log_path
        self.log = log_path.read_text(errors='replace') if log_path.exists() else ''
        self.leaks = None  # the secret scan's counts by place, set by the playbook fixture
        self.issued = []  # the enrollment JWTs and registration keys the test bed had issued (set by the fixture)
        self.issued_leaks = None  # their scan's counts by place

    def saved(self, name):
        return json.loads((self.out_dir / (name + '.json')).read_text())

    @property
    def output(self):
        return self.stdout + self.stderr

    def token_count(self, tokens):
        """How often any of tokens occurs in stdout, stderr and the log (for runs that must not show them)."""
        return sum((self.stdout + self.stderr + self.log).count(token) for token in tokens if token)


def _files(root):
    return dict((path, path.stat().st_mtime_ns) for path in root.rglob('*') if path.is_file() and not path.is_symlink())


def leak_counts(run, before, root, forms):
    """Occurrences of the secret forms: in stdout, stderr, the log, cache files and other files the run wrote."""
    counts = dict(stdout=0, stderr=0, log=0, cache=0, files=0)
    for form in forms:
        counts['stdout'] += run.stdout.count(form)
        counts['stderr'] += run.stderr.count(form)
        counts['log'] += run.log.count(form)
    for path, mtime in _files(root).items():
        if path == run.log_path or before.get(path) == mtime:
            continue  # the log (counted above), or an input the test wrote before the run (credentials, the play)
        raw = path.read_bytes()
        place = 'cache' if CACHE_FILE.match(path.name) else 'files'
        counts[place] += sum(raw.count(form.encode('utf-8')) for form in forms)
    return counts


def issued_secrets(control):
    """Every enrollment JWT (endpoints' and edge routers') and registration key the test bed issued since its reset."""
    return set(value for value in control.issued() if isinstance(value, str) and value)


def issued_counts(run, before, root, issued):
    """Occurrences of the issued credentials in stdout, stderr, the log and cache files the run wrote."""
    counts = dict(stdout=0, stderr=0, log=0, cache=0)
    for value in issued:
        counts['stdout'] += run.stdout.count(value)
        counts['stderr'] += run.stderr.count(value)
        counts['log'] += run.log.count(value)
    for path, mtime in _files(root).items():
        if path != run.log_path and before.get(path) != mtime and CACHE_FILE.match(path.name):
            raw = path.read_bytes()
            counts['cache'] += sum(raw.count(value.encode('utf-8')) for value in issued)
    return counts


def _report(entry):
    LEAK_REPORT.parent.mkdir(parents=True, exist_ok=True)
    with open(str(LEAK_REPORT), 'a') as handle:  # one short line per write: appends from two workers stay whole
        handle.write(json.dumps(entry) + '\n')


@pytest.fixture
def playbook(tmp_path, request):
    """playbook(text, extra_vars=None, env=None, args=(), inventory=None, secrets=(), leak_check=True, source=None) -> Run.

    At -vvvv; HOME and cwd are fresh dirs (source: a folder copied into cwd before the run, whose playbook.yml is
    the play, as the scenarios of test_scenarios.py are run; text is then None); after the run the secret scan must find CLIENT_SECRET (and secrets), and
    the test bed's issued enrollment JWTs and registration keys, nowhere (leak_check=False only for the test that proves the scan finds what it looks for)."""
    home = tmp_path / 'home'
    work = tmp_path / 'work'
    out_dir = tmp_path / 'out'
    for folder in (home, work, out_dir):
        folder.mkdir()
    runs = itertools.count(1)
    # The test bed of the test, if it uses one: its issued credentials, gathered after each run (so a later run is
    # also scanned for those of an earlier one, enrolled or deleted since).
    control = request.getfixturevalue('testbed_process') if 'testbed_process' in request.fixturenames else None
    issued = set()

    def run(text, extra_vars=None, env=None, args=(), inventory=None, secrets=(), leak_check=True, source=None):
        number = next(runs)
        log_path = tmp_path / ('ansible-%d.log' % number)
        if source is None:
            play = work / 'play.yml'
            play.write_text(text)
        else:
            shutil.copytree(str(source), str(work), dirs_exist_ok=True)
            play = work / 'playbook.yml'
        variables = dict(out_dir=str(out_dir), work_dir=str(work), home_dir=str(home))
        variables.update(extra_vars or {})
        (tmp_path / 'vars.json').write_text(json.dumps(variables))
        environ = dict((k, v) for k, v in os.environ.items()
                       if not k.startswith(('NETFOUNDRY_', 'ANSIBLE_')) and k.lower() not in PROXY_VARIABLES)
        environ.update(HOME=str(home), ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS), ANSIBLE_NOCOLOR='1',
                       ANSIBLE_FORCE_COLOR='0', ANSIBLE_RETRY_FILES_ENABLED='0', ANSIBLE_LOCALHOST_WARNING='0',
                       ANSIBLE_INVENTORY_UNPARSED_WARNING='0', PYTHONWARNINGS='ignore', ANSIBLE_LOG_PATH=str(log_path),
                       ANSIBLE_ACTION_PLUGINS=str(Path(__file__).parent / 'action_plugins'))
        environ.update(env or {})
        command = [str(BIN / 'ansible-playbook'), str(play), '-e', '@%s' % (tmp_path / 'vars.json'), '-vvvv']
        if inventory:
            (tmp_path / 'hosts.ini').write_text(inventory)
            command += ['-i', str(tmp_path / 'hosts.ini')]
        before = _files(tmp_path)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        completed = subprocess.run(command + list(args), cwd=str(work), env=environ, capture_output=True, text=True,
                                   timeout=300, check=False)
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = used.ru_utime + used.ru_stime - children.ru_utime - children.ru_stime
        forms = secret_forms(CLIENT_SECRET, CLIENT_ID)
        for secret in secrets:
            forms += secret_forms(secret, None)
        result = Run(completed, out_dir, log_path)
        result.leaks = leak_counts(result, before, tmp_path, forms)
        if control is not None:
            issued.update(issued_secrets(control))
        result.issued = sorted(issued)
        result.issued_leaks = issued_counts(result, before, tmp_path, issued)
        _report(dict(test=request.node.nodeid, run=number, rc=result.rc, canary=not leak_check,
                     log_chars=len(result.log), cpu_s=round(cpu, 2), secret=result.leaks, issued=result.issued_leaks))
        assert result.log, 'ansible-playbook wrote no log at %s' % log_path
        if leak_check:
            assert sum(result.leaks.values()) == 0, 'the client secret leaked (occurrences by place): %s' % result.leaks
            assert sum(result.issued_leaks.values()) == 0, (
                'an enrollment JWT or registration key the test bed issued leaked (occurrences by place): %s'
                % result.issued_leaks)
        return result
    return run
