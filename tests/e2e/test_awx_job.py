# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shipped AWX playbook run as AWX runs a job: ansible-runner (the engine under AWX / automation controller)
with a private data dir holding the project, the inventory, the job template's extra vars and the environment the
credential type injects (its env injectors, and for the credentials.json type the file it injects).

AWX stores the job's events (and, with fact storage, its fact cache) in its database and shows them to everyone who
may read the job: neither the token nor the secret, in any encoding, may occur in the runner's artifacts. The files
where ansible-runner itself keeps the job's environment are named in JOB_ENVIRONMENT and skipped. Neither may the
one-time enrollment JWTs and registration keys the test bed issued to the job's endpoints and edge routers: they go
to files in the directory the job is given for them (outside the private data dir, as a path AWX exposes to jobs)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
import yaml

from ansible_collections.netfoundry.api.plugins.module_utils._errors import secret_forms
from ansible_collections.netfoundry.api.tests.e2e.conftest import COLLECTION, COLLECTIONS, issued_secrets
from ansible_collections.netfoundry.api.tests.e2e.plays import CLIENT_ID, CLIENT_SECRET
from ansible_collections.netfoundry.api.tests.e2e.test_proxy import tinyproxy  # noqa: F401 pylint: disable=unused-import

BIN = Path(sys.executable).parent
CREDENTIAL_TYPES = sorted((COLLECTION / 'extensions' / 'awx' / 'credential_types').glob('*.yml'))
# ansible-runner keeps the job's environment here by design (AWX deletes the private data dir after the job):
# env/ holds envvars, extravars and AWX's injected credential file; artifacts/<id>/command the full environment.
JOB_ENVIRONMENT = ('env/', 'artifacts/job/command')


def inputs_for(definition, testbed, token_url=None, **optional):
    """What a user would type into a credential of this type for the test bed's API account (optional: the fields
    left empty otherwise, ca_bundle and proxy)."""
    token_url = token_url or testbed.info['idp_http'] + '/token'
    values = dict({'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': token_url, 'environment': '',
                   'credentials_json': json.dumps({'clientId': CLIENT_ID, 'password': CLIENT_SECRET,
                                                   'authenticationUrl': token_url}), 'ca_bundle': '', 'proxy': ''},
                  **optional)
    fields = [field['id'] for field in definition['inputs']['fields']]
    return dict((name, values[name]) for name in fields)


def inject(definition, inputs, env_dir):
    """The injectors as AWX applies them: each file template written to a file in env/ (one: tower.filename; several,
    template.<name>: tower.filename.<name>), then the env templates."""
    namespace = dict(inputs)
    injectors = definition['injectors']
    files = {}
    for key, template in injectors.get('file', {}).items():
        env_dir.mkdir(parents=True, exist_ok=True)
        name = key.split('.', 1)[1] if '.' in key else None
        path = env_dir / ('netfoundry_credential' + ('_' + name if name else ''))
        path.write_text(jinja2.Template(template).render(**inputs))
        path.chmod(0o600)
        files[name] = str(path)
    if files:
        namespace['tower'] = {'filename': files[None] if None in files else files}
    return dict((name, jinja2.Template(template).render(**namespace)) for name, template in injectors['env'].items())


def runner_job(tmp_path, playbook_text, envvars, extravars, verbosity=0, settings=None, project_files=None):
    """One ansible-runner job; returns (rc, private data dir, its output). project_files: more files of the project
    (relative path: text), as the job template's project holds them next to the playbook."""
    data = tmp_path / 'job'
    for folder in ('project', 'inventory', 'env'):
        (data / folder).mkdir(parents=True, exist_ok=True)
    (data / 'project' / 'job.yml').write_text(playbook_text)
    for relative, text in (project_files or {}).items():
        (data / 'project' / relative).parent.mkdir(parents=True, exist_ok=True)
        (data / 'project' / relative).write_text(text)
    (data / 'inventory' / 'hosts').write_text('localhost ansible_connection=local ansible_python_interpreter=%s\n'
                                              % sys.executable)
    (data / 'env' / 'envvars').write_text(yaml.safe_dump(envvars))
    (data / 'env' / 'extravars').write_text(yaml.safe_dump(extravars))
    home = tmp_path / 'home'
    home.mkdir(exist_ok=True)
    environ = dict((k, v) for k, v in os.environ.items() if not k.startswith(('NETFOUNDRY_', 'ANSIBLE_')))
    environ.update(HOME=str(home), PATH='%s:%s' % (BIN, environ.get('PATH', '')), ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS),
                   ANSIBLE_LOCALHOST_WARNING='0', PYTHONWARNINGS='ignore')
    environ.update(settings or {})
    command = [str(BIN / 'ansible-runner'), 'run', str(data), '-p', 'job.yml', '--ident', 'job']
    if verbosity:
        command.append('-' + 'v' * verbosity)
    completed = subprocess.run(command, env=environ, capture_output=True, text=True, timeout=300, check=False)
    return completed.returncode, data, completed.stdout


def artifact_counts(data, needles):
    """Occurrences of needles in every file of the job, by place; the job-environment files are skipped."""
    counts = dict(job_events=0, stdout=0, fact_cache=0, other=0)
    skipped = []
    for path in sorted(p for p in data.rglob('*') if p.is_file()):
        relative = path.relative_to(data).as_posix()
        if relative.startswith(JOB_ENVIRONMENT):
            skipped.append(relative)
            continue
        raw = path.read_text(errors='replace')
        found = sum(raw.count(needle) for needle in needles)
        place = next((p for p in ('job_events', 'fact_cache') if '/%s/' % p in relative), None)
        place = place or ('stdout' if relative == 'artifacts/job/stdout' else 'other')
        counts[place] += found
    return counts, skipped


def job_events(data):
    return [json.loads(path.read_text()) for path in sorted((data / 'artifacts' / 'job' / 'job_events').glob('*.json'))]


def assert_no_leak(data, testbed):
    """No token the test bed issued, no form of the secret, no enrollment JWT or registration key it issued."""
    tokens = testbed.stats()['tokens']
    assert tokens, 'the job got no token'
    token_counts, skipped = artifact_counts(data, tokens)
    secret_counts, _skipped = artifact_counts(data, secret_forms(CLIENT_SECRET, CLIENT_ID))
    issued_counts, _skipped = artifact_counts(data, sorted(issued_secrets(testbed)))
    zero = dict.fromkeys(token_counts, 0)
    assert (token_counts, secret_counts, issued_counts) == (zero, zero, zero), \
        'token, secret and enrollment secret occurrences by place: %s, %s, %s' % (
            token_counts, secret_counts, issued_counts)
    assert 'artifacts/job/command' in skipped and 'env/envvars' in skipped
    return skipped


# At -vvvv also with INJECT_INVOCATION on (ansible-core 2.21 adds a result's invocation only then; earlier lines always).
@pytest.mark.parametrize('verbosity', [0, 4])
@pytest.mark.parametrize('credential_type', CREDENTIAL_TYPES, ids=lambda path: path.stem)
def test_the_shipped_awx_playbook_leaves_no_token_in_the_job(testbed, tmp_path, credential_type, verbosity):
    definition = yaml.safe_load(credential_type.read_text())
    envvars = inject(definition, inputs_for(definition, testbed), tmp_path / 'job' / 'env')
    rc, data, output = runner_job(tmp_path, (COLLECTION / 'playbooks' / 'awx_list_networks.yml').read_text(), envvars,
                                  {'netfoundry_audience': testbed.info['api']}, verbosity,
                                  {'ANSIBLE_INJECT_INVOCATION': '1'} if verbosity else None)
    assert rc == 0, output
    assert (data / 'artifacts' / 'job' / 'status').read_text() == 'successful'
    assert 'demo-network' in (data / 'artifacts' / 'job' / 'stdout').read_text()
    assert any(event['event'] == 'runner_on_ok' for event in job_events(data))
    skipped = assert_no_leak(data, testbed)
    assert skipped == sorted(skipped) and all(path.startswith(JOB_ENVIRONMENT) for path in skipped)
    stats = testbed.stats()
    assert (stats['total'], stats['api_refused']) == (1, 0)


FACTS_PLAY = '''
- name: The module's facts, one token for the play, with AWX's (ansible-runner's) jsonfile fact cache
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Get a token on the controller
      netfoundry.api.nf_token:
        audience: "{{ netfoundry_audience }}"
      delegate_to: localhost
      run_once: true
      no_log: true

    - name: Call the API
      netfoundry.api.nf_request:
        path: core/v2/networks
'''


def test_fact_storage_gets_no_token(testbed, tmp_path):
    definition = yaml.safe_load(CREDENTIAL_TYPES[0].read_text())
    envvars = inject(definition, inputs_for(definition, testbed), tmp_path / 'job' / 'env')
    rc, data, output = runner_job(tmp_path, FACTS_PLAY, envvars, {'netfoundry_audience': testbed.info['api']})
    assert rc == 0, output
    # jsonfile writes localhost (ansible-core < 2.19) or s1_localhost holding a JSON __payload__ (2.19+)
    [cache_file] = (data / 'artifacts' / 'job' / 'fact_cache').glob('*localhost')
    cached = json.loads(cache_file.read_text())
    cached = json.loads(cached['__payload__']) if '__payload__' in cached else cached
    assert sorted(name for name in cached if name.startswith('netfoundry_')) == [
        'netfoundry_api_token_expires_at', 'netfoundry_api_url']
    assert 'set token_facts: true to publish them anyway' in (data / 'artifacts' / 'job' / 'stdout').read_text()
    assert_no_leak(data, testbed)
    assert testbed.stats()['total'] == 1


NETWORK = yaml.safe_load((COLLECTION / 'playbooks' / 'vars' / 'network.yml').read_text())
CREATED = ['create %s %s' % (item['type'], item['name']) for item in NETWORK['nf_resources']]


def network_job(tmp_path, testbed, definition, verbosity, secrets_dir, playbook_text=None):
    """playbooks/awx_network_as_code.yml as a job of its own (a new private data dir and HOME, as AWX gives each job),
    with vars/network.yml in its project and nf_secrets_dir as an extra var."""
    envvars = inject(definition, inputs_for(definition, testbed), tmp_path / 'job' / 'env')
    playbook_text = playbook_text or (COLLECTION / 'playbooks' / 'awx_network_as_code.yml').read_text()
    rc, data, output = runner_job(tmp_path, playbook_text, envvars,
                                  {'netfoundry_audience': testbed.info['api'], 'nf_secrets_dir': str(secrets_dir)},
                                  verbosity, {'ANSIBLE_INJECT_INVOCATION': '1'} if verbosity else None,
                                  {'vars/network.yml': (COLLECTION / 'playbooks' / 'vars' / 'network.yml').read_text()})
    assert rc == 0, output
    assert (data / 'artifacts' / 'job' / 'status').read_text() == 'successful'
    return data


def job_outcome(data):
    """From the job's events, as AWX shows them: the changed count of the stats, (item label, changed) of each
    resource and the summary's message."""
    events = job_events(data)
    [stats] = [event['event_data'] for event in events if event['event'] == 'playbook_on_stats']
    items = [(event['event_data']['res']['_ansible_item_label'], event['event_data']['res']['changed'])
             for event in events if event['event'] == 'runner_item_on_ok']
    [summary] = [event['event_data']['res']['msg'] for event in events
                 if event['event'] == 'runner_on_ok' and event['event_data']['task'] == 'What changed (names only)']
    return stats['changed'].get('localhost', 0), items, summary


@pytest.mark.parametrize('verbosity', [0, 4])
@pytest.mark.parametrize('credential_type', CREDENTIAL_TYPES, ids=lambda path: path.stem)
def test_network_as_code_job_twice_leaves_no_secret_in_the_jobs(testbed, tmp_path, credential_type, verbosity):
    definition = yaml.safe_load(credential_type.read_text())
    secrets_dir = tmp_path / 'exposed'  # a path AWX exposes to jobs: the files outlive the job
    labels = ['%s %s' % (item['type'], item['name']) for item in NETWORK['nf_resources']]

    first = network_job(tmp_path / 'first', testbed, definition, verbosity, secrets_dir)
    issued = issued_secrets(testbed)
    endpoints = dict((item['name'], item['jwt']) for item in testbed.resources('endpoints'))
    [router] = testbed.resources('edge-routers')
    assert sorted(endpoints) == ['laptop-01', 'wiki-host'] and all(endpoints.values())
    files = dict((path.name, (path.read_text(), path.stat().st_mode & 0o777)) for path in secrets_dir.iterdir())
    key = files['branch-router.key'][0]
    # The router holds no key: one was asked for (a write), and the router's own JWT stays with the router.
    assert 'registrationKey' not in router and router['registration']['usedAt'] is None
    assert issued == set(endpoints.values()) | {router['jwt'], key} and len(issued) == 4
    assert job_outcome(first) == (2, [(label, True) for label in labels], CREATED)  # the loop and the directory
    assert testbed.stats()['api_writes'] == len(labels) + 1
    assert files == {'laptop-01.jwt': (endpoints['laptop-01'], 0o600), 'wiki-host.jwt': (endpoints['wiki-host'], 0o600),
                     'branch-router.key': (key, 0o600)}
    assert secrets_dir.stat().st_mode & 0o777 == 0o700
    assert_no_leak(first, testbed)

    second = network_job(tmp_path / 'second', testbed, definition, verbosity, secrets_dir)
    assert job_outcome(second) == (0, [(label, False) for label in labels], 'nothing changed in lab-network')
    stats = testbed.stats()
    assert (stats['api_writes'], stats['total'], stats['api_refused']) == (len(labels) + 1, 2, 0)  # one token a job
    assert issued_secrets(testbed) == issued
    assert_no_leak(second, testbed)


def test_the_scan_sees_enrollment_secrets_a_job_shows(testbed, tmp_path):
    """The same job with return_enrollment_secrets: true on the resources' task (and no no_log): the scan counts
    every JWT and key in the job's events (the item's result and the loop's; at verbosity 0 stdout shows no result),
    so the test above can fail."""
    shipped = (COLLECTION / 'playbooks' / 'awx_network_as_code.yml').read_text()
    anchor = '        registration_key_dest:'
    assert shipped.count(anchor) == 1
    leaky = shipped.replace(anchor, '        return_enrollment_secrets: true\n' + anchor)
    definition = yaml.safe_load(CREDENTIAL_TYPES[0].read_text())
    data = network_job(tmp_path, testbed, definition, 0, tmp_path / 'exposed', leaky)
    issued = sorted(issued_secrets(testbed))
    [router] = testbed.resources('edge-routers')
    assert len(issued) == 4 and router['jwt'] in issued
    for value in issued:  # the endpoints' JWTs and the registration key are returned; the router's own JWT is not
        counts, _skipped = artifact_counts(data, [value])
        assert counts == dict(job_events=0 if value == router['jwt'] else 2, stdout=0, fact_cache=0, other=0), counts
    with pytest.raises(AssertionError, match='enrollment secret occurrences'):
        assert_no_leak(data, testbed)


SHARED_CACHE_PLAY = '''
- name: One API call, as a job template of its own
  hosts: localhost
  gather_facts: false
  tasks:
    - name: The networks
      netfoundry.api.nf_request:
        path: core/v2/networks
'''


def test_two_jobs_sharing_an_exposed_cache_folder_share_one_token(testbed, tmp_path):
    """AWX runs each job in a fresh private data dir and HOME: with NETFOUNDRY_CACHE_DIR on a path AWX exposes to its
    jobs (the setting "Paths to expose to isolated jobs"; the job template's environment or the EE sets the variable),
    every job of the execution node within the token's lifetime uses the first job's token."""
    definition = yaml.safe_load(CREDENTIAL_TYPES[0].read_text())
    shared = tmp_path / 'exposed-cache'
    for job in ('first', 'second'):
        envvars = dict(inject(definition, inputs_for(definition, testbed), tmp_path / job / 'job' / 'env'),
                       NETFOUNDRY_CACHE_DIR=str(shared))
        rc, data, output = runner_job(tmp_path / job, SHARED_CACHE_PLAY, envvars,
                                      {'netfoundry_audience': testbed.info['api']})
        assert rc == 0, output
        assert_no_leak(data, testbed)
    stats = testbed.stats()
    assert (stats['total'], stats['api_refused']) == (1, 0)  # one token request for the two jobs
    cached = [path for path in shared.rglob('*') if path.is_file()]
    assert cached and [path.name for path in cached if path.stat().st_mode & 0o077] == []  # private to the user


@pytest.mark.parametrize('credential_type', CREDENTIAL_TYPES, ids=lambda path: path.stem)
def test_the_credential_types_ca_bundle_and_proxy_fields(testbed, tmp_path, credential_type, tinyproxy):
    """The HTTPS identity provider trusted by the credential's CA bundle alone (no CA variable in the job), reached
    through the credential's proxy (tinyproxy, with a user:password@ that no artifact shows); without the bundle the
    job fails on the certificate."""
    definition = yaml.safe_load(credential_type.read_text())
    token_url = testbed.info['idp_https'] + '/token'
    bundle = Path(testbed.info['ca']).read_text()
    proxy = tinyproxy.url.replace('http://', 'http://jobuser:Pr0xyPass@')
    port = int(token_url.split(':')[2].split('/')[0])
    before = tinyproxy.connects(port)
    envvars = inject(definition, inputs_for(definition, testbed, token_url, ca_bundle=bundle, proxy=proxy),
                     tmp_path / 'with' / 'job' / 'env')
    rc, data, output = runner_job(tmp_path / 'with', SHARED_CACHE_PLAY, envvars,
                                  {'netfoundry_audience': testbed.info['api']}, 4, {'ANSIBLE_INJECT_INVOCATION': '1'})
    assert rc == 0, output
    assert tinyproxy.connects(port) == before + 1
    assert_no_leak(data, testbed)
    counts, _skipped = artifact_counts(data, ['Pr0xyPass'])
    assert counts == dict(job_events=0, stdout=0, fact_cache=0, other=0)
    envvars = inject(definition, inputs_for(definition, testbed, token_url, proxy=proxy),
                     tmp_path / 'without' / 'job' / 'env')
    rc, data, output = runner_job(tmp_path / 'without', SHARED_CACHE_PLAY, envvars,
                                  {'netfoundry_audience': testbed.info['api']})
    assert rc != 0
    assert 'certificate' in (data / 'artifacts' / 'job' / 'stdout').read_text()
