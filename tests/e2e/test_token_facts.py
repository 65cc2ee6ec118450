# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""nf_token's facts and the controller's fact cache: a persistent cache never gets the token unless asked. (The memory
cache, which keeps every fact: the playbook scenario module_memory_fact_cache_keeps_every_fact.)"""

from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_ID, CLIENT_SECRET, assert_clean, play, save, squash, token_task)

WARNING = ('the fact cache (jsonfile) is persistent: the facts netfoundry_api_token and netfoundry_api_headers were '
           'left out so that the token is not stored there; use the registered result (with no_log) or '
           'netfoundry.api.nf_request, or set token_facts: true to publish them anyway')


def options(testbed, **extra):
    result = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token',
              'audience': testbed.info['api']}
    result.update(extra)
    return result


def cached_tokens(folder, tokens):
    return sum(path.read_text().count(token) for path in folder.rglob('*') if path.is_file() for token in tokens)


def test_a_persistent_fact_cache_never_gets_the_token_unless_asked(testbed, playbook, tmp_path):
    facts = tmp_path / 'facts'
    fact_names = "ansible_facts.keys() | select('match', 'netfoundry_') | sort"
    tasks = (token_task('default', options(testbed), no_log=True) + [save('default_facts', fact_names)])
    env = {'ANSIBLE_CACHE_PLUGIN': 'jsonfile', 'ANSIBLE_CACHE_PLUGIN_CONNECTION': str(facts)}
    run = playbook(play(tasks), env=env)
    assert run.rc == 0, run.output
    assert run.saved('default_facts') == ['netfoundry_api_token_expires_at', 'netfoundry_api_url']
    assert squash('[WARNING]: ' + WARNING) in squash(run.stderr)
    tokens = testbed.stats()['tokens']
    assert cached_tokens(facts, tokens) == 0 and list(facts.iterdir())
    assert run.token_count(tokens) == 0

    opted_in = token_task('opted_in', options(testbed, token_facts=True), no_log=True) + [save('opted_in_facts', fact_names)]
    run = playbook(play(opted_in), env=env)
    assert run.rc == 0, run.output
    assert run.saved('opted_in_facts') == ['netfoundry_api_headers', 'netfoundry_api_token',
                                           'netfoundry_api_token_expires_at', 'netfoundry_api_url']
    assert squash(WARNING) not in squash(run.output)
    assert cached_tokens(facts, tokens) == 2  # the token and the Authorization header, in the host's cache file
    assert_clean(run)
