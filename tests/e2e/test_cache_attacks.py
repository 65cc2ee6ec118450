# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The token cache under attack, through the module and the lookup: before the play, a planted file waits at the
exact path the grant's token would be cached at (a symlink to a file with a planted token, a file of another
user, a well-formed file for another credential, a symlinked lock). The planted token is never used, a symlink
is never followed (its target stays as it was), and the task gets a fresh token with a warning that says why."""

import json
import os
import time

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils._cache import CACHE_FORMAT, cache_key, new_verifier
from ansible_collections.netfoundry.api.plugins.module_utils._token import prepare
from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_ID, CLIENT_SECRET, FRONT_ENDS, both_play, squash, task_sections, warnings_in)

# The shared core's behaviour against faulty, hostile or slow servers, proxies and planted cache files, through one
# module run and one lookup evaluation each: scripts/test runs these on the oldest and the newest ansible-core line
# (see the marker in conftest.py).
pytestmark = pytest.mark.core_behaviour

PLANTED = 'planted.' + 'p' * 40 + '.token'
ATTACKS = ['symlink', 'symlinked-lock', 'other-user', 'other-credential']


def entry(key, token=PLANTED, secret=CLIENT_SECRET):
    """A well-formed cache entry, fresh for an hour, for secret."""
    now = time.time()
    return dict(format=CACHE_FORMAT, key=key, access_token=token, token_type='Bearer', expires_at=now + 3600, lifetime=3600,
                stored_at=int(now), audience=None, api_url=None, token_url='x', auth_method='client_secret_basic',
                credential_source='x', environment=None, claims={}, verifier=new_verifier(secret))


def grant_key(options):
    return cache_key(prepare(dict(options), environ={}))


def plant(attack, cache_dir, key, options, victim):
    """Plant the attack at the grant's cache path in cache_dir; returns (cache file path, expected warning)."""
    path = cache_dir / (key + '.json')
    if attack == 'symlink':
        path.symlink_to(victim)
        return path, 'token cache file %s is not trusted (a symlink): asking for a new token' % path
    if attack == 'symlinked-lock':
        (cache_dir / (key + '.lock')).symlink_to(victim)
        return path, ('token cache lock %s.lock cannot be used (Too many levels of symbolic links): asking without it'
                      % (cache_dir / key))
    if attack == 'other-user':
        path.write_text(json.dumps(entry(key)))
        path.chmod(0o600)
        os.chown(str(path), 65534, 65534)
        return path, ('token cache file %s is not trusted (owner uid 65534, mode 0600; it must be yours and 0600): '
                      'asking for a new token' % path)
    path.write_text(json.dumps(entry(key, secret='another-secret')))
    path.chmod(0o600)
    return path, ('token cache file %s holds a token got with another client secret than this one (changed, or '
                  'mistyped): asking for a new token with this one' % path)


@pytest.mark.parametrize('attack', ATTACKS)
def test_planted_cache_file(attack, testbed, playbook, tmp_path):
    if attack == 'other-user' and os.geteuid() != 0:
        pytest.skip('giving a file to another user needs root (the unit test of the cache covers the check)')
    options = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token'}
    planted = {}
    for front_end in FRONT_ENDS:
        cache_dir = tmp_path / ('cache-' + front_end)
        cache_dir.mkdir(mode=0o700)
        key = grant_key(dict(options, cache_dir=str(cache_dir)))
        # The victim holds a valid entry for this very grant: following a link to it would hand out the planted token.
        victim = tmp_path / ('victim-%s.json' % front_end)
        victim.write_text(json.dumps(entry(key)))
        victim.chmod(0o600)
        planted[front_end] = (cache_dir, victim, victim.read_text()) + plant(attack, cache_dir, key, options, victim)
    run = playbook(both_play(dict(options, cache_dir=str(planted['module'][0])),
                             dict(options, cache_dir=str(planted['lookup'][0]))))
    assert run.rc == 0, run.output
    stats = testbed.stats()
    assert stats['total'] == 2
    sections = dict(task_sections(run.log))  # warnings go to stderr; the log has them in their task
    for front_end in FRONT_ENDS:
        _cache_dir, victim, original, path, warning = planted[front_end]
        result = run.saved(front_end)
        assert result['cached'] is False and result['access_token'] in stats['tokens']
        assert [squash(line) for line in warnings_in(sections[front_end])] == [squash(warning)], front_end
        assert victim.read_text() == original and not victim.is_symlink()
        if attack != 'symlinked-lock':
            # The fresh token replaced the planted file (a rename in the directory: the symlink, never its target).
            assert not path.is_symlink() and os.stat(str(path)).st_uid == os.geteuid()
            assert json.loads(path.read_text())['access_token'] == result['access_token']
    assert PLANTED not in run.output + run.log
