# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The release artifact: `ansible-galaxy collection build` ships what a user runs or reads, and nothing of a
developer's checkout: no caches, logs, lock files, scripts, benchmarks or CI files, even when a checkout has them.

Run by ./scripts/test (release stage) with the venv's pytest, from the staged collection."""

import json
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

COLLECTION = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# What a developer's checkout may hold besides the sources: each must stay out of the tarball.
PLANTED = [
    '.pytest_cache/v/cache/lastfailed',
    'tests/e2e/.pytest_cache/v/cache/nodeids',
    '.hypothesis/examples/0123/abcd',
    'tests/unit/.hypothesis/constants/feed',
    'tests/output/junit/python3.12-units.xml',
    'tests/output/.tmp/sanity/x.json',
    'plugins/module_utils/__pycache__/_http.cpython-312.pyc',
    'tests/unit/plugins/__pycache__/conftest.cpython-312-pytest-9.2.0.pyc',
    '.ansible/collections/ansible_collections/netfoundry/api/galaxy.yml',
    '.mypy_cache/3.12/cache.db',
    'collections/ansible_collections/x/y/galaxy.yml',
    'changelogs/.plugin-cache.yaml',
    'changelogs/fragments/99-unreleased.yml',
    'ansible.log',
    'tests/e2e/leak-scan.jsonl',
    'netfoundry-api-1.0.0.tar.gz',
    '.venv/2.21/pyvenv.cfg',
    '.ci/run',
    'scripts/test',
    'noxfile.py',
    '.nox/release/bin/python',
    'requirements/constraints-2.21.txt',
    'benchmarks/RESULTS.md',
    'demo/demo.yml',
    '.gitignore',
    '.vscode/settings.json',
    'plugins/modules/nf_token.py.swp',
    'playbooks/enrollment/laptop-01.jwt',
    'playbooks/branch-router.key',
]
CACHE_PARTS = {'.pytest_cache', '.hypothesis', '.mypy_cache', '.ruff_cache', '__pycache__', '.ansible', '.venv',
               '.git', '.vscode', '.idea'}
DEV_ONLY_TOP = {'.ci', 'noxfile.py', '.nox', 'scripts', 'requirements', 'benchmarks', 'demo', 'collections', '.gitignore'}
DEV_ONLY_PREFIXES = ('tests/output/', 'changelogs/fragments/', 'changelogs/.plugin-cache.yaml')
DEV_ONLY_SUFFIXES = ('.pyc', '.pyo', '.log', '.jsonl', '.tar.gz', '.swp', '~')
# One-time enrollment JWTs and registration keys nf_resource wrote next to a playbook: credentials, never shipped.
SECRET_SUFFIXES = ('.jwt', '.key')
# What every user needs; a build_ignore that drops one of these is as wrong as one that lets a cache in.
REQUIRED = [
    'MANIFEST.json', 'FILES.json', 'README.md', 'COPYING', 'CHANGELOG.rst', 'changelogs/changelog.yaml',
    'requirements.txt', 'bindep.txt', 'meta/runtime.yml', 'meta/execution-environment.yml',
    'plugins/modules/nf_token.py', 'plugins/lookup/nf_token.py', 'plugins/module_utils/_token.py',
    'plugins/doc_fragments/token.py', 'roles/token/tasks/main.yml', 'roles/token/meta/argument_specs.yml',
    'playbooks/list_networks.yml', 'extensions/awx/credential_types/netfoundry_api_account.yml',
    'extensions/ee/execution-environment.yml', 'tests/testbed/nf_testbed.py', '.ansible-lint',
]


def unwanted(name):
    """Why a tarball member must not ship, or None."""
    name = name.rstrip('/')
    parts = name.split('/')
    if CACHE_PARTS.intersection(parts):
        return 'cache or local tool state'
    if parts[0] in DEV_ONLY_TOP or name.startswith(DEV_ONLY_PREFIXES) or name.endswith(DEV_ONLY_SUFFIXES):
        return 'development only'
    if name.endswith(SECRET_SUFFIXES):
        return 'an enrollment secret'
    return None


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """(members, manifest, source) of a build from a copy of this tree with every PLANTED file added."""
    source = tmp_path_factory.mktemp('checkout') / 'api'
    shutil.copytree(COLLECTION, source, ignore=shutil.ignore_patterns('.venv*', '.git'))
    for relative in PLANTED:
        path = source / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('planted\n')
    out = tmp_path_factory.mktemp('dist')
    completed = subprocess.run([str(BIN / 'ansible-galaxy'), 'collection', 'build', '--output-path', str(out)],
                               cwd=str(source), capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (tarball,) = out.glob('netfoundry-api-*.tar.gz')
    with tarfile.open(tarball) as archive:
        members = sorted(member.name for member in archive.getmembers())
        manifest = json.load(archive.extractfile('MANIFEST.json'))
    return members, manifest, source


def test_planted_files_are_all_unwanted():
    """The check below is only as good as its list: every planted file is one it refuses."""
    assert [name for name in PLANTED if not unwanted(name)] == []


def test_tarball_has_no_cache_log_lock_or_dev_file(built):
    members, source = built[0], built[2]
    assert all((source / relative).is_file() for relative in PLANTED)
    assert ['%s (%s)' % (name, unwanted(name)) for name in members if unwanted(name)] == []


def test_tarball_ships_what_users_need(built):
    members = built[0]
    assert [name for name in REQUIRED if name not in members] == []


def test_manifest_names_the_release_and_its_links(built):
    manifest = built[1]
    info = manifest['collection_info']
    with open(COLLECTION / 'galaxy.yml') as handle:
        galaxy = yaml.safe_load(handle)
    assert (info['namespace'], info['name'], info['version']) == ('netfoundry', 'api', galaxy['version'])
    for key in ('repository', 'documentation', 'homepage', 'issues'):
        assert info[key] and info[key].startswith('https://'), key
    assert info['dependencies'] == {}
    assert info['license'] == ['GPL-3.0-or-later']


def test_shipped_readme_links_resolve_in_the_tarball(built):
    """The README is the collection's page on Galaxy: its relative links must point at files it ships."""
    members = built[0]
    readme = (COLLECTION / 'README.md').read_text()
    links = [target.split('#')[0] for target in re.findall(r'\]\(([^)\s]+)\)', readme)
             if not re.match(r'[a-z]+://|#|mailto:', target)]
    assert links, 'the README has no relative links (did the pattern break?)'
    assert [target for target in links if target.rstrip('/') not in {m.rstrip('/') for m in members}] == []


def test_runtime_floors_are_the_ones_tested():
    """requirements.txt (what users and ansible-builder read) names the floors the 2.18-floor run pins."""
    pins = COLLECTION / 'requirements' / 'dev-2.18-floor.txt'
    if not pins.exists():
        pytest.skip('requirements/ is in the source repository only')
    floors = dict(re.findall(r'^([A-Za-z0-9_.-]+)>=([0-9.]+)', (COLLECTION / 'requirements.txt').read_text(), re.M))
    pinned = dict(re.findall(r'^([A-Za-z0-9_.-]+)==([0-9.]+)', pins.read_text(), re.M))
    assert floors == {'requests': pinned['requests'], 'urllib3': pinned['urllib3']}
