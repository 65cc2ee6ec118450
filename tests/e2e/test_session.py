# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's session handle (netfoundry_api_session) through ansible-playbook: with netfoundry_force or the cache off,
nf_request tasks after the role make no token request while its token is fresh (one for the play, not one per host and
task), a renewal is one for all forks, and with the cache off nothing is left on disk after the play: no token file in
the user's cache directory, no temporary directory in TMPDIR or in ansible-core's own temporary directory."""

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_ID, assert_clean, credential_vars, local_inventory, play, save, task_sections)

NETWORKS = 'core/v2/networks'
ROLE = 'netfoundry.api.token'


def calls(count, prefix='call'):
    return [{'name': '%s %d' % (prefix, number), 'netfoundry.api.nf_request': {'path': NETWORKS}, 'register': 'r',
             'failed_when': 'r.status != 200'} for number in range(count)]


@pytest.fixture
def tmpdir_env():
    """A fresh, short TMPDIR for the play (ansible-core 2.21 keeps a socket there: its path must stay short)."""
    # Under /tmp itself: the test job's own TMPDIR (scripts/test) is too long a path for that socket.
    folder = Path(tempfile.mkdtemp(prefix='nf-tmp-', dir='/tmp'))
    yield folder
    shutil.rmtree(str(folder), ignore_errors=True)


def left_behind(tmp_path, tmpdir):
    """What a play may have left: token files in the user's cache directory, session directories in TMPDIR, per-run
    directories in ansible-core's temporary directory (HOME is the playbook fixture's fresh tmp_path/home)."""
    home = tmp_path / 'home'
    cache = home / '.cache' / 'netfoundry' / 'ansible'
    return dict(cache=sorted(p.name for p in cache.iterdir()) if cache.exists() else [],
                tmpdir=sorted(p.name for p in tmpdir.glob('netfoundry-api-session*')),
                ansible_tmp=sorted(p.name for p in (home / '.ansible' / 'tmp').glob('ansible-local-*')))


@pytest.mark.parametrize('inputs', [{'netfoundry_force': True}, {'netfoundry_cache': False}], ids=['force', 'cache-off'])
def test_five_hosts_three_calls_one_token_request(inputs, testbed, playbook, tmp_path, tmpdir_env):
    tasks = calls(3) + [save('info', 'netfoundry_api_token_info')]
    run = playbook(play(tasks, hosts='nodes', vars=credential_vars(testbed, **inputs), roles=[ROLE]),
                   inventory=local_inventory(5), args=['--forks', '5'], env={'TMPDIR': str(tmpdir_env)})
    assert run.rc == 0, run.output
    stats = testbed.stats()
    assert (stats['total'], stats['api_requests'], stats['api_refused']) == (1, 15, 0)
    assert run.saved('info')['cached'] is False  # force: a new token, not the cached one
    left = left_behind(tmp_path, tmpdir_env)
    if inputs.get('netfoundry_cache') is False:
        assert left == dict(cache=[], tmpdir=[], ansible_tmp=[]), left
    else:
        assert len(left['cache']) == 2 and left['tmpdir'] == [] and left['ansible_tmp'] == [], left  # token + lock
    assert run.token_count(stats['tokens']) == 0
    assert_clean(run)


def test_cache_off_renews_once_for_all_forks_and_leaves_nothing(testbed, playbook, tmp_path, tmpdir_env):
    """A 12 s token: fresh while 6 s are left. Three forks call, wait past that, call again: one renewal for the
    three (through the session's directory under ansible-core's per-run temporary directory), not one per fork."""
    testbed.add_client('brief-session', 'brief-session-secret', lifetime=12)
    variables = credential_vars(testbed, netfoundry_client_id='brief-session',
                                netfoundry_client_secret='brief-session-secret', netfoundry_cache=False)
    tasks = calls(1, 'before') + [{'name': 'wait past half the token life', 'ansible.builtin.pause': {'seconds': 7},
                                   'run_once': True}] + calls(2, 'after')
    started = time.monotonic()
    run = playbook(play(tasks, hosts='nodes', vars=variables, roles=[ROLE]), inventory=local_inventory(3),
                   args=['--forks', '3'], env={'TMPDIR': str(tmpdir_env)}, secrets=['brief-session-secret'])
    elapsed = time.monotonic() - started
    assert run.rc == 0, run.output
    stats = testbed.stats()
    assert (stats['api_requests'], stats['api_refused']) == (9, 0)
    # One renewal per 6 s of the run at most (one, unless the machine is so loaded that the play takes longer).
    assert 2 <= stats['token_requests']['brief-session'] <= elapsed / 6 + 1, (stats['token_requests'], elapsed)
    assert left_behind(tmp_path, tmpdir_env) == dict(cache=[], tmpdir=[], ansible_tmp=[])
    assert run.token_count(stats['tokens']) == 0
    assert_clean(run)


def test_the_role_is_one_task_and_its_session_is_the_documented_handle(testbed, playbook):
    """verify and the RapidAPI check run inside the role's one task (nf_session, the lookup's output=session as a task):
    no uri task, no include, no block. netfoundry_api_session is the lookup's handle (registered: ansible-core adds its
    changed and failed); nf_request after the role uses it."""
    tasks = calls(1) + [save('shape', "{'kind': netfoundry_api_session.kind, 'format': netfoundry_api_session.format, "
                                      "'keys': netfoundry_api_session.keys() | sort}"),
                        save('identity', 'netfoundry_api_identity')]
    run = playbook(play(tasks, vars=credential_vars(testbed, netfoundry_verify=True), roles=[ROLE]))
    assert run.rc == 0, run.output
    role_tasks = [name for name, _text in task_sections(run.stdout)
                  if name.startswith(ROLE + ' : ') and 'Validating arguments against arg spec' not in name]
    assert role_tasks == [ROLE + ' : Get a NetFoundry API token once for the play (on the controller, through the token '
                                 'cache)'], role_tasks
    shape = run.saved('shape')
    added = set(shape['keys']) - {'api_url', 'format', 'fresh_until', 'identity', 'info', 'kind', 'min_ttl', 'opened_at',
                                  'options', 'token'}
    assert added <= {'changed', 'failed'} and len(shape['keys']) - len(added) == 10, shape
    assert (shape['kind'], shape['format']) == ('token', 'netfoundry.api/session/2')
    assert run.saved('identity')['id'] == CLIENT_ID
    stats = testbed.stats()
    assert (stats['total'], stats['api_requests']) == (1, 2)  # the check and the call, with one token
    assert run.token_count(stats['tokens']) == 0
    assert_clean(run)


def test_an_identity_that_echoes_the_token_is_kept_redacted(testbed, playbook):
    """verify's answer becomes netfoundry_api_identity, a plain output: a token the API repeats in it is redacted."""
    testbed.api_faults({'echo_token': 'body'})
    run = playbook(play([save('identity', 'netfoundry_api_identity')], vars=credential_vars(testbed, netfoundry_verify=True),
                        roles=[ROLE]))
    assert run.rc == 0, run.output
    assert run.saved('identity')['received'] == 'Bearer ********'
    stats = testbed.stats()
    assert run.token_count(stats['tokens']) == 0
    assert_clean(run)


@pytest.mark.parametrize('change, message', [
    ({'fresh_until': '9999999999'}, None),
    ({'token': {'access_token': [1, 2]}}, None),
    ({'kind': 'bogus'}, None),
    ('a string', "option session must be"),
])
def test_a_session_changed_by_hand_is_refused_in_one_line(change, message, testbed, playbook):
    """The role's outputs read a fresh session in Jinja: anything else goes to the lookup, which says what is wrong
    (an outsider saw a raw Jinja error, and a list served as the token)."""
    tamper = ("{{ netfoundry_api_session | combine(%s) }}" % change if isinstance(change, dict) else change)
    tasks = [{'name': 'tamper', 'ansible.builtin.set_fact': {'netfoundry_api_session': tamper}, 'no_log': True},
             {'name': 'read', 'ansible.builtin.set_fact': {'h': '{{ netfoundry_api_headers }}'}, 'register': 'r',
              'ignore_errors': True}, save('read', 'r')]
    run = playbook(play(tasks, vars=credential_vars(testbed), roles=[ROLE]))
    assert run.rc == 0, run.output
    read = run.saved('read')
    assert read['failed'] is True, read
    text = read['msg']
    assert "netfoundry.api.nf_token: " + (message or BAD_LINE) in text, text
    assert 'not supported between' not in text and 'has no attribute' not in text
    assert_clean(run)


BAD_LINE = ("option session must be the session netfoundry.api.nf_session (the role's netfoundry_api_session) or "
            "lookup('netfoundry.api.nf_token', output='session') returned, unchanged: was it set or changed by hand?")


@pytest.mark.parametrize('tamper, broken', [
    ("netfoundry_api_session | combine({'token': {'access_token': netfoundry_api_session.token.access_token}})",
     ('expires', 'request', 'info')),
    ("netfoundry_api_session | dict2items | rejectattr('key', 'eq', 'api_url') | items2dict", ('url', 'request', 'info')),
    ("netfoundry_api_session | combine({'token': {'expires_at': 'soon'}}, recursive=True)", ('expires', 'request', 'info')),
], ids=['token-without-expires_at', 'no-api_url', 'expires_at-text'])
def test_a_broken_part_of_a_session_is_one_line_in_every_consumer(tamper, broken, testbed, playbook):
    """An outsider's findings (issue 29): a part of the session the Jinja does not read for the token (its expiry, the
    API URL) gave the actions a KeyError or TypeError and the outputs that read it a raw Jinja error."""
    reads = {'url': 'netfoundry_api_url', 'expires': 'netfoundry_api_token_expires_at'}
    tasks = [{'name': 'tamper', 'ansible.builtin.set_fact': {'netfoundry_api_session': '{{ %s }}' % tamper},
              'no_log': True}]
    for name, variable in reads.items():
        tasks += [{'name': 'read ' + name, 'ansible.builtin.set_fact': {'x': '{{ %s }}' % variable}, 'register': 'r_' + name,
                   'ignore_errors': True}, save(name, 'r_' + name)]
    for name, module, args in (('request', 'netfoundry.api.nf_request', {'path': 'core/v2/networks'}),
                               ('info', 'netfoundry.api.nf_resource_info', {'type': 'networks'})):
        tasks += [{'name': name, module: args, 'register': 'r_' + name, 'ignore_errors': True}, save(name, 'r_' + name)]
    run = playbook(play(tasks, vars=credential_vars(testbed), roles=[ROLE]))
    assert run.rc == 0, run.output
    for name in broken:
        result = run.saved(name)
        assert result.get('failed') is True and BAD_LINE in result['msg'], (name, result)
        assert 'Traceback' not in result['msg'] and 'KeyError' not in result['msg'], result['msg']
    assert run.token_count(testbed.stats()['tokens']) == 0
    assert_clean(run)
