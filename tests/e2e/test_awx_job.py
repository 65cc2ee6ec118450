# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shipped AWX playbook run as AWX runs a job: ansible-runner (the engine under AWX / automation controller)
with a private data dir holding the project, the inventory, the job template's extra vars and the environment the
credential type injects (its env injectors, and for the credentials.json type the file it injects).

AWX stores the job's events (and, with fact storage, its fact cache) in its database and shows them to everyone who
may read the job: neither the token nor the secret, in any encoding, may occur in the runner's artifacts. The files
where ansible-runner itself keeps the job's environment are named in JOB_ENVIRONMENT and skipped."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
import yaml

from ansible_collections.netfoundry.api.plugins.module_utils._errors import secret_forms
from ansible_collections.netfoundry.api.tests.e2e.conftest import COLLECTION, COLLECTIONS
from ansible_collections.netfoundry.api.tests.e2e.plays import CLIENT_ID, CLIENT_SECRET

BIN = Path(sys.executable).parent
CREDENTIAL_TYPES = sorted((COLLECTION / 'extensions' / 'awx' / 'credential_types').glob('*.yml'))
# ansible-runner keeps the job's environment here by design (AWX deletes the private data dir after the job):
# env/ holds envvars, extravars and AWX's injected credential file; artifacts/<id>/command the full environment.
JOB_ENVIRONMENT = ('env/', 'artifacts/job/command')


def inputs_for(definition, testbed):
    """What a user would type into a credential of this type for the test bed's API account."""
    token_url = testbed.info['idp_http'] + '/token'
    values = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': token_url, 'environment': '',
              'credentials_json': json.dumps({'clientId': CLIENT_ID, 'password': CLIENT_SECRET,
                                              'authenticationUrl': token_url})}
    fields = [field['id'] for field in definition['inputs']['fields']]
    return dict((name, values[name]) for name in fields)


def inject(definition, inputs, env_dir):
    """The injectors as AWX applies them: the file template written to a file in env/, then the env templates."""
    namespace = dict(inputs)
    injectors = definition['injectors']
    if 'file' in injectors:
        env_dir.mkdir(parents=True, exist_ok=True)
        path = env_dir / 'netfoundry_credential'
        path.write_text(jinja2.Template(injectors['file']['template']).render(**inputs))
        path.chmod(0o600)
        namespace['tower'] = {'filename': str(path)}
    return dict((name, jinja2.Template(template).render(**namespace)) for name, template in injectors['env'].items())


def runner_job(tmp_path, playbook_text, envvars, extravars, verbosity=0, settings=None):
    """One ansible-runner job; returns (rc, private data dir, its output)."""
    data = tmp_path / 'job'
    for folder in ('project', 'inventory', 'env'):
        (data / folder).mkdir(parents=True, exist_ok=True)
    (data / 'project' / 'job.yml').write_text(playbook_text)
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
    tokens = testbed.stats()['tokens']
    assert tokens, 'the job got no token'
    token_counts, skipped = artifact_counts(data, tokens)
    secret_counts, _skipped = artifact_counts(data, secret_forms(CLIENT_SECRET, CLIENT_ID))
    assert (token_counts, secret_counts) == (dict.fromkeys(token_counts, 0), dict.fromkeys(secret_counts, 0)), \
        'token and secret occurrences by place: %s, %s' % (token_counts, secret_counts)
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
