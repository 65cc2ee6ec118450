# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Token requests and time, the collection against the hand-written uri way, side by side in one run.

Run it with benchmarks/run (which sets up the venv, stages the collection and passes --collections).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CLIENT_ID = 'bench-client'
CLIENT_SECRET = 'bench-secret'


def start_testbed(collection, state_dir):
    process = subprocess.Popen([sys.executable, os.path.join(collection, 'tests', 'testbed', 'nf_testbed.py'),
                                '--state-dir', state_dir, '--client', CLIENT_ID, CLIENT_SECRET],
                               stdout=subprocess.PIPE, text=True)
    return process, json.loads(process.stdout.readline())


def play(tasks, variables):
    return json.dumps([{'name': 'bench', 'hosts': 'nodes', 'gather_facts': False, 'vars': variables, 'tasks': tasks}])


def hand_written(per_task):
    """What users write today: a uri POST to the token endpoint, then the API tasks with the registered token."""
    post = {'ansible.builtin.uri': {'url': '{{ token_url }}', 'method': 'POST', 'body_format': 'form-urlencoded',
                                    'body': {'grant_type': 'client_credentials'}, 'url_username': '{{ client_id }}',
                                    'url_password': '{{ client_secret }}', 'force_basic_auth': True},
            'register': 'tok', 'no_log': True}
    use = {'ansible.builtin.assert': {'that': ["tok.json.access_token.split('.') | length == 3"], 'quiet': True}}
    if per_task:
        return [dict(post, name='token %d' % i) if j == 0 else dict(use, name='use %d' % i)
                for i in range(4) for j in range(2)]
    return [dict(post, name='token')] + [dict(use, name='use %d' % i) for i in range(4)]


LOOKUP_TASKS = [{'name': 'use %d' % i, 'ansible.builtin.assert': {
    'that': ["lookup('netfoundry.api.nf_token').split('.') | length == 3"], 'quiet': True}} for i in range(4)]


def run_play(bindir, collections, work, text, hosts, forks):
    with open(os.path.join(work, 'play.yml'), 'w') as handle:
        handle.write(text)
    with open(os.path.join(work, 'hosts.ini'), 'w') as handle:
        handle.write('[nodes]\n' + ''.join('node%03d\n' % i for i in range(hosts)))
        handle.write('[nodes:vars]\nansible_connection=local\nansible_python_interpreter=%s\n' % sys.executable)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, HOME=work, ANSIBLE_NOCOLOR='1')
    started = time.monotonic()
    done = subprocess.run([os.path.join(bindir, 'ansible-playbook'), '-i', os.path.join(work, 'hosts.ini'),
                           os.path.join(work, 'play.yml'), '--forks', str(forks)], env=env, cwd=work,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit('a benchmark play failed:\n' + done.stdout[-3000:] + done.stderr[-3000:])
    return time.monotonic() - started


def requests_seen(info):
    import urllib.request
    with urllib.request.urlopen(info['idp_http'] + '/_control/stats') as response:
        return json.loads(response.read())['total']


def timed(call, count):
    samples = []
    for _sample in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def lookup_timing(collections, info, work, cached_runs, cold_runs):
    """Median of one lookup evaluation through the real plugin loader: cache hit vs a full exchange."""
    sys.path.insert(0, collections)
    from ansible.plugins.loader import init_plugin_loader, lookup_loader
    init_plugin_loader([collections])
    lookup = lookup_loader.get('netfoundry.api.nf_token')
    options = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_url=info['idp_http'] + '/token',
                   cache_dir=os.path.join(work, 'cache'))
    lookup.run([], variables={}, **options)
    hit = timed(lambda: lookup.run([], variables={}, **options), cached_runs)
    miss = timed(lambda: lookup.run([], variables={}, cache=False, **options), cold_runs)
    return hit, miss


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--collections', required=True, help='folder holding ansible_collections/netfoundry/api')
    parser.add_argument('--hosts', type=int, default=50)
    parser.add_argument('--forks', type=int, default=10)
    args = parser.parse_args()
    collection = os.path.join(args.collections, 'ansible_collections', 'netfoundry', 'api')
    bindir = os.path.dirname(sys.executable)
    with tempfile.TemporaryDirectory() as work:
        process, info = start_testbed(collection, os.path.join(work, 'testbed'))
        try:
            variables = dict(netfoundry_client_id=CLIENT_ID, netfoundry_client_secret=CLIENT_SECRET,
                             netfoundry_token_url=info['idp_http'] + '/token', client_id=CLIENT_ID,
                             client_secret=CLIENT_SECRET, token_url=info['idp_http'] + '/token')
            rows = []
            for name, tasks in (('lookup (netfoundry.api.nf_token)', LOOKUP_TASKS),
                                ('hand-written uri POST per host', hand_written(False)),
                                ('hand-written uri POST per task', hand_written(True))):
                before = requests_seen(info)
                first = run_play(bindir, args.collections, work, play(tasks, variables), args.hosts, args.forks)
                middle = requests_seen(info)
                second = run_play(bindir, args.collections, work, play(tasks, variables), args.hosts, args.forks)
                rows.append((name, middle - before, requests_seen(info) - middle, first, second))
            hit, miss = lookup_timing(args.collections, info, work, 1000, 30)
        finally:
            process.terminate()
            process.wait()
    print('\nToken requests for a play of %d hosts x 4 tasks, forks %d (local test bed, one run):'
          % (args.hosts, args.forks))
    print('| way | 1st run | 2nd run | 1st run s | 2nd run s |')
    print('| --- | ---: | ---: | ---: | ---: |')
    for name, first, second, first_s, second_s in rows:
        print('| %s | %d | %d | %.1f | %.1f |' % (name, first, second, first_s, second_s))
    print('\nOne lookup evaluation (median): cached %.3f ms (of 1000), full exchange %.3f ms (of 30); '
          'the cached one costs %.1f%% of an exchange' % (hit * 1000, miss * 1000, 100 * hit / miss))


if __name__ == '__main__':
    main()
