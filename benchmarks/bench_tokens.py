# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The collection against the hand-written uri way, side by side in one run, against the local test bed.

P1  token requests of a play of H hosts x 5 API tasks (forks 10): role, lookup, module vs hand-written uri
    POSTs (per host, per task), first and second run.
P2  wall time of "get a token + one API call" on localhost: the role vs the hand-written uri play (median of N
    runs each, interleaved; ratio).
P3  one cached lookup evaluation beside one ansible.builtin.env lookup in the same template (1,000 of each per round,
    rounds in rotating order, each minus as many evaluations of a constant; median and 95 % interval of the rounds'
    ratios); the first evaluation of each in a freshly forked worker; one cold exchange (forced) against a raw curl of
    the same token endpoint (the round-trip floor).
P4  cold start of one token: the module (AnsiballZ) vs the lookup, each in its own play (medians), and the
    module's payload size.
P5  the role's cost: 20 hosts x 5 uri calls with the role vs the same play with static headers of a token known
    beforehand plus the one ansible.builtin.validate_argument_spec task ansible-core adds to every role with
    argument_specs (interleaved; median, spread and a 95 % interval of the per-pair ratio).
P6  nf_request: 20 hosts x 5 netfoundry.api.nf_request calls (after the role, and with the credentials in variables)
    vs the same play with ansible.builtin.uri and a token known beforehand (interleaved; ratio; token requests).
P7  nf_resource: a play declaring 50 endpoints that exist (the network by name, and by id) vs the same 50 reads with
    nf_request (writes, reads per endpoint, token requests, time ratio).
P8  the identity provider down: 1, 4 and 8 processes ask for the same grant's token at once while every token
    request fails after a 1 s delay; the slowest process's time over one attempt's (the lock's waiters must not ask
    in turn), and the token requests.
P9  five hosted edge routers that take P9_SECONDS each to provision: created one after the other, each waited for
    (nf_resource in a loop), vs created with wait: false and then waited for in one nf_resource_info task
    (until_provisioned): the second play takes about the slowest router's time, not the sum.

Times inside plays come from now() around the measured task, so ansible-playbook's start-up is not counted.
Run it with benchmarks/run (which sets up the venv, stages the collection and passes --collections); --only p3,p5,p6
runs some parts only.
"""

import argparse
import glob
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

CLIENT_ID = 'bench-client'
CLIENT_SECRET = 'bench-S3cret'
API_TASKS = 5


class Bench:
    def __init__(self, collections, work, info, forks):
        self.collections = collections
        self.work = work
        self.info = info
        self.forks = forks
        self.bindir = os.path.dirname(sys.executable)
        self.token_url = info['idp_https'] + '/token'
        self.variables = dict(
            netfoundry_client_id=CLIENT_ID, netfoundry_client_secret=CLIENT_SECRET, netfoundry_token_url=self.token_url,
            netfoundry_ca_path=info['ca'], netfoundry_audience=info['api'], client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET, token_url=self.token_url, ca=info['ca'], api=info['api'])

    def stats(self):
        with urllib.request.urlopen(self.info['idp_http'] + '/_control/stats') as response:
            return json.loads(response.read())

    def control(self, action, data):
        request = urllib.request.Request(self.info['idp_http'] + '/_control/' + action, data=json.dumps(data).encode(),
                                         method='POST')
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read())

    def resources(self, rtype):
        with urllib.request.urlopen(self.info['idp_http'] + '/_control/resources/' + rtype) as response:
            return json.loads(response.read())

    def play(self, tasks, hosts, cache_dir, roles=(), extra_env=None, keep=False, own_cpu=False):
        """Run one play over hosts local nodes; returns (seconds, stdout); self.cpu: the play's CPU seconds (user +
        system of ansible-playbook and every process it waited for), which neighbours on a shared machine change far
        less than the wall time. own_cpu: run it through playbook_cpu.py, and set self.own_cpu to the CPU seconds of
        the controller and of its workers' tasks, without the processes they start (the modules')."""
        text = json.dumps([{'name': 'bench', 'hosts': 'nodes', 'gather_facts': False, 'vars': self.variables,
                            'roles': list(roles), 'tasks': tasks}])
        with open(os.path.join(self.work, 'play.yml'), 'w') as handle:
            handle.write(text)
        with open(os.path.join(self.work, 'hosts.ini'), 'w') as handle:
            handle.write('[nodes]\n' + ''.join('node%03d\n' % i for i in range(hosts)))
            handle.write('[nodes:vars]\nansible_connection=local\nansible_python_interpreter=%s\n' % sys.executable)
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=self.collections, HOME=self.work, ANSIBLE_NOCOLOR='1',
                   NETFOUNDRY_CACHE_DIR=cache_dir, ANSIBLE_LOCALHOST_WARNING='0')
        env.update(extra_env or {})
        command = [os.path.join(self.bindir, 'ansible-playbook')]
        if own_cpu:
            env['BENCH_CPU_FILE'] = os.path.join(self.work, 'own-cpu.txt')
            if os.path.exists(env['BENCH_CPU_FILE']):
                os.remove(env['BENCH_CPU_FILE'])
            command = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'playbook_cpu.py')]
        started = time.monotonic()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(command + ['-i', os.path.join(self.work, 'hosts.ini'),
                                         os.path.join(self.work, 'play.yml'), '--forks', str(self.forks)],
                              env=env, cwd=self.work, capture_output=True, text=True, check=False)
        elapsed = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            sys.exit('a benchmark play failed:\n' + done.stdout[-4000:] + done.stderr[-2000:])
        if own_cpu:
            with open(env['BENCH_CPU_FILE']) as handle:
                self.own_cpu = sum(float(line.split()[1]) for line in handle)
        return elapsed, done.stdout

    def play_token(self):
        """A token got beforehand (the 'token already known' baseline)."""
        _elapsed, out = self.play([{'name': 'token', 'ansible.builtin.debug': {
            'msg': "BENCHTOKEN {{ lookup('netfoundry.api.nf_token', cache=false) }}"}}], 1, self.fresh_cache('token'))
        return [line.split('BENCHTOKEN ', 1)[1].strip().strip('"') for line in out.splitlines() if 'BENCHTOKEN ' in line][0]

    def fresh_cache(self, name):
        path = os.path.join(self.work, 'cache-' + name)
        shutil.rmtree(path, ignore_errors=True)
        return path


# The API tasks: a real GET of the API emulator with the token's headers (the url lookup, on the controller, so
# that the play measures token handling and not module start-up), each asserting the answer.
def api_tasks(headers):
    return [{'name': 'API call %d' % i, 'ansible.builtin.assert': {'that': [
        "(lookup('ansible.builtin.url', api ~ 'core/v2/networks', headers=%s, ca_path=ca, split_lines=false) "
        "| from_json)._embedded.networkList | length == 2" % headers], 'quiet': True}} for i in range(API_TASKS)]


def uri_post(name):
    """What users write today: a uri POST to the token endpoint (Cognito style: HTTP Basic + form)."""
    return {'name': name, 'ansible.builtin.uri': {
        'url': '{{ token_url }}', 'method': 'POST', 'body_format': 'form-urlencoded',
        'body': {'grant_type': 'client_credentials', 'audience': '{{ api }}'}, 'url_username': '{{ client_id }}',
        'url_password': '{{ client_secret }}', 'force_basic_auth': True, 'ca_path': '{{ ca }}'},
        'register': 'tok', 'no_log': True}


HAND_HEADERS = "{'Authorization': 'Bearer ' ~ tok.json.access_token}"
P1_WAYS = [
    ('role netfoundry.api.token', dict(roles=['netfoundry.api.token'], tasks=api_tasks('netfoundry_api_headers'))),
    ('lookup netfoundry.api.nf_token', dict(tasks=api_tasks("lookup('netfoundry.api.nf_token', output='headers')"))),
    ('module netfoundry.api.nf_token', dict(tasks=[{'name': 'token', 'netfoundry.api.nf_token': {
        'client_id': '{{ client_id }}', 'client_secret': '{{ client_secret }}', 'token_url': '{{ token_url }}',
        'ca_path': '{{ ca }}', 'audience': '{{ api }}'}, 'no_log': True}]
        + api_tasks("ansible_facts['netfoundry_api_headers']"))),
    ('hand-written uri POST per host', dict(tasks=[uri_post('token')] + api_tasks(HAND_HEADERS))),
    ('hand-written uri POST per task', dict(tasks=[task for i in range(API_TASKS) for task in (
        uri_post('token %d' % i), api_tasks(HAND_HEADERS)[i])])),
]


def p1(bench, hosts):
    rows = []
    for name, way in P1_WAYS:
        cache = bench.fresh_cache('p1')
        counts, seconds = [], []
        for _run in range(2):
            before = bench.stats()['total']
            elapsed, _out = bench.play(way['tasks'], hosts, cache, roles=way.get('roles', ()))
            counts.append(bench.stats()['total'] - before)
            seconds.append(elapsed)
        rows.append((name, counts[0], counts[1], seconds[0], seconds[1]))
    return rows


def timed_task(task, label):
    """task between two timestamps, printed as 'label <seconds>'."""
    stop = "BENCH %s {{ now().timestamp() - bench_t0 | float }}" % label
    return [{'name': 'start', 'ansible.builtin.set_fact': {'bench_t0': '{{ now().timestamp() }}'}}, task,
            {'name': 'stop', 'ansible.builtin.debug': {'msg': stop}}]


def measured_texts(stdout, label):
    """The texts after 'BENCH label ' in the play's output, one per line that has it (exits when there is none)."""
    texts = [line.split('BENCH %s ' % label, 1)[1].strip().strip('"') for line in stdout.splitlines()
             if 'BENCH %s ' % label in line]
    if not texts:
        sys.exit('no measurement %s in the play output:\n%s' % (label, stdout[-3000:]))
    return texts


def measured(stdout, label):
    return [float(text) for text in measured_texts(stdout, label)]


def verdict(interval_, target):
    """A target held by a 95 % interval: met when all of it is within, NOT met when none of it is, else not resolved."""
    if interval_ and interval_[1] <= target:
        return 'met'
    return 'NOT met' if interval_ and interval_[0] > target else 'not resolved'


P2_API_CALL = {'name': 'one API call', 'ansible.builtin.uri': {
    'url': '{{ api }}core/v2/networks', 'headers': '{{ headers }}', 'ca_path': '{{ ca }}'}, 'no_log': True}


def p2(bench, runs):
    """Whole play wall time, cold cache: role + one uri call vs hand-written uri POST + one uri call."""
    role = [dict(P2_API_CALL, vars={'headers': '{{ netfoundry_api_headers }}'})]
    hand = [uri_post('token'), dict(P2_API_CALL, vars={'headers': '{{ %s }}' % HAND_HEADERS})]
    times = {'role': [], 'hand': []}
    for _run in range(runs):
        times['role'].append(bench.play(role, 1, bench.fresh_cache('p2'), roles=['netfoundry.api.token'])[0])
        times['hand'].append(bench.play(hand, 1, bench.fresh_cache('p2'))[0])
    return statistics.median(times['role']), statistics.median(times['hand']), times


P3_KINDS = (('baseline', "'abc'"), ('env', "lookup('ansible.builtin.env', 'HOME')"),
            ('cached', "lookup('netfoundry.api.nf_token')"))


def same_template(evaluations, rounds):
    """One template that times, round after round, `evaluations` evaluations of each of P3_KINDS (their order rotating
    from round to round), with now() around each: every kind in the same worker, the same template, side by side."""
    body = "{% set ns = namespace(out='') %}"
    for round_ in range(rounds):
        shift = round_ % len(P3_KINDS)
        for name, expression in P3_KINDS[shift:] + P3_KINDS[:shift]:
            body += ("{%% set t0 = now().timestamp() %%}{%% for i in range(%d) %%}{%% set _ = %s | length %%}"
                     "{%% endfor %%}{%% set ns.out = ns.out ~ '%s=' ~ (now().timestamp() - t0) ~ ' ' %%}"
                     % (evaluations, expression, name))
    return body + 'BENCH same {{ ns.out }}'


def p3(bench, evaluations, exchanges, runs):
    """A cached evaluation and an env lookup in the same template (issues 11 and 18), each round's evaluations minus
    as many of a constant; the first evaluation in a freshly forked worker (a task of its own) of each; one forced
    exchange."""
    loop = "{%% for i in range(%d) %%}{{ %s | length }}{%% endfor %%}"
    cached = dict(P3_KINDS)['cached']
    forced = "lookup('netfoundry.api.nf_token', force=true)"

    def first_evaluations(when):
        """A task of its own (a freshly forked worker) for one evaluation of each kind, timed as when_<kind>."""
        return [step for name, expression in P3_KINDS for step in timed_task(
            {'name': 'first ' + name, 'ansible.builtin.set_fact': {'x': loop % (1, expression)}, 'no_log': True},
            '%s_%s' % (when, name))]
    rounds = max(9, 3 * runs)
    tasks = [{'name': 'warm the cache', 'ansible.builtin.set_fact': {'warm': '{{ %s }}' % cached}, 'no_log': True},
             {'name': 'side by side', 'ansible.builtin.debug': {'msg': same_template(evaluations, rounds)}}]
    for _run in range(runs):
        tasks += first_evaluations('first')
        tasks += timed_task({'name': 'forced', 'ansible.builtin.set_fact': {'x': loop % (exchanges, forced)},
                             'no_log': True}, 'forced')
        tasks += timed_task({'name': 'baseline small', 'ansible.builtin.set_fact': {'x': loop % (exchanges, "'abc'")}},
                            'baseline_small')
    # The same first evaluations after a task of the collection's own (the role's): its action plugin is loaded in the
    # controller's process, with the engine it imports, before the next workers are forked.
    tasks.append({'name': 'the role\'s task', 'netfoundry.api.nf_session': {}, 'register': 'session'})
    for _run in range(runs):
        tasks += first_evaluations('after')
    before = bench.stats()['total']
    _elapsed, out = bench.play(tasks, 1, bench.fresh_cache('p3'))
    requests = bench.stats()['total'] - before
    segments = {}
    for part in measured_texts(out, 'same')[0].split():
        name, seconds = part.split('=')
        segments.setdefault(name, []).append(float(seconds))
    each = dict((name, [(value - base) / evaluations for value, base in zip(segments[name], segments['baseline'])])
                for name in ('cached', 'env'))
    first = dict(('%s_%s' % (when, name), statistics.median(
        [value - base for value, base in zip(measured(out, '%s_%s' % (when, name)), measured(out, when + '_baseline'))]))
        for name in ('cached', 'env') for when in ('first', 'after'))
    forced_each = [(f - b) / exchanges for f, b in zip(measured(out, 'forced'), measured(out, 'baseline_small'))]
    return dict(cached=statistics.median(each['cached']), env=statistics.median(each['env']),
                ratios=[c / e for c, e in zip(each['cached'], each['env'])], rounds=rounds,
                first=first, exchange=statistics.median(forced_each), requests=requests)


P5_HOSTS, P5_CALLS = 20, 5


def validation_task(collection):
    """The task ansible-core prepends to a role with argument_specs: validate_argument_spec of the role's main entry
    point, its values read from the variables (as the role's own validation reads them)."""
    import yaml
    with open(os.path.join(collection, 'roles', 'token', 'meta', 'argument_specs.yml')) as handle:
        spec = yaml.safe_load(handle)['argument_specs']['main']['options']
    return {'name': 'Validating arguments against arg spec main', 'ansible.builtin.validate_argument_spec': {
        'argument_spec': spec}}


def interval(ratios):
    """Distribution-free 95 % interval of the median of the ratios (order statistics, binomial), or None when there
    are too few runs for one (fewer than 6)."""
    n = len(ratios)
    ordered = sorted(ratios)
    best = None
    for k in range(1, n // 2 + 1):  # [x_k, x_(n-k+1)] covers the median with 1 - 2 P(Bin(n, 1/2) < k)
        if 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2.0 ** n >= 0.95:
            best = (ordered[k - 1], ordered[n - k])
    return best


def ratio_stats(numerator, denominator):
    """Interleaved runs: (ratio of the medians, median of the per-pair ratios, (min, max) of them, 95 % interval)."""
    pairs = [a / b for a, b in zip(numerator, denominator)]
    return (statistics.median(numerator) / statistics.median(denominator), statistics.median(pairs),
            (min(pairs), max(pairs)), interval(pairs))


def static_headers(token):
    return {'Authorization': 'Bearer ' + token, 'Accept': 'application/json', 'Content-Type': 'application/json'}


def p5(bench, runs, collection):
    """The role's cost: 20 hosts x 5 uri calls with the role vs the same play with static headers of a token known
    beforehand plus the role's argument validation task; the two plays interleaved (the order alternates), warm
    token cache (the role's steady state)."""
    token = bench.play_token()
    calls = [dict(P2_API_CALL, name='API call %d' % i) for i in range(P5_CALLS)]
    role = [dict(call, vars={'headers': '{{ netfoundry_api_headers }}'}) for call in calls]
    static = [validation_task(collection)] + [dict(call, vars={'headers': static_headers(token)}) for call in calls]
    cache = bench.fresh_cache('p5')
    bench.play(role, 1, cache, roles=['netfoundry.api.token'])  # warm the token cache and the OS caches
    times = {'role': [], 'static': []}
    cpu = {'role': [], 'static': []}
    own = {'role': [], 'static': []}
    before = bench.stats()['total']
    for run in range(runs):
        order = ('static', 'role') if run % 2 == 0 else ('role', 'static')
        for name in order:
            if name == 'static':
                times['static'].append(bench.play(static, P5_HOSTS, cache, own_cpu=True)[0])
            else:
                times['role'].append(bench.play(role, P5_HOSTS, cache, roles=['netfoundry.api.token'], own_cpu=True)[0])
            cpu[name].append(bench.cpu)
            own[name].append(bench.own_cpu)
    return times, cpu, own, bench.stats()['total'] - before


def p6(bench, runs):
    """nf_request (controller-side, 20 hosts x 5 calls of core/v2/networks): after the role (its session), and
    without the role (credentials in netfoundry_* variables), each from a fresh token cache; against the same play
    with ansible.builtin.uri and a token known beforehand. Interleaved, the order rotating; token requests per play."""
    token = bench.play_token()
    request = [{'name': 'API call %d' % i, 'netfoundry.api.nf_request': {'path': 'core/v2/networks'}}
               for i in range(P5_CALLS)]
    uri = [dict(P2_API_CALL, name='API call %d' % i, vars={'headers': static_headers(token)}) for i in range(P5_CALLS)]
    ways = [('uri', dict(tasks=uri)), ('nf_request after the role', dict(tasks=request, roles=['netfoundry.api.token'])),
            ('nf_request, credentials in variables', dict(tasks=request))]
    bench.play(request, 1, bench.fresh_cache('p6'))  # the OS caches, the plugins' .pyc files
    times = dict((name, []) for name, _way in ways)
    cpu = dict((name, []) for name, _way in ways)
    requests = dict((name, []) for name, _way in ways)
    api = dict((name, []) for name, _way in ways)
    for run in range(runs):
        for name, way in ways[run % 3:] + ways[:run % 3]:
            before = bench.stats()
            times[name].append(bench.play(way['tasks'], P5_HOSTS, bench.fresh_cache('p6'), roles=way.get('roles', ()))[0])
            cpu[name].append(bench.cpu)
            after = bench.stats()
            requests[name].append(after['total'] - before['total'])
            api[name].append(after['api_requests'] - before['api_requests'])
    return [name for name, _way in ways], times, cpu, requests, api


P7_ENDPOINTS = 50
P7_NETWORK = 'lab-network'


def p7(bench, runs):
    """A play that declares 50 endpoints that exist already (nf_resource in a loop, state present, the same spec): 0
    writes, API reads per endpoint, 1 token request; against the same 50 reads made with nf_request (a loop of GETs of
    core/v2/endpoints by name). Interleaved, the order alternating."""
    network = [n for n in bench.resources('networks')['resources'] if n['name'] == P7_NETWORK][0]
    for i in range(P7_ENDPOINTS):
        bench.control('seed', {'type': 'endpoints', 'resource': {
            'name': 'bench-ep-%02d' % i, 'networkId': network['id'], 'attributes': ['#bench', '#ep%02d' % i]}})
    items = [{'name': 'bench-ep-%02d' % i, 'attributes': ['#ep%02d' % i, '#bench']} for i in range(P7_ENDPOINTS)]
    resource = [{'name': 'declare the endpoints', 'loop': items, 'netfoundry.api.nf_resource': {
        'type': 'endpoints', 'network': P7_NETWORK, 'name': '{{ item.name }}',
        'spec': {'attributes': '{{ item.attributes }}'}}, 'register': 'declared'},
        {'name': 'nothing changed', 'ansible.builtin.assert': {'that': ['declared is not changed'], 'quiet': True}}]
    by_id_args = dict(resource[0]['netfoundry.api.nf_resource'], network=network['id'])
    by_id = [dict(resource[0], **{'netfoundry.api.nf_resource': by_id_args}), resource[1]]
    request = [{'name': 'read the endpoints', 'loop': items, 'netfoundry.api.nf_request': {
        'path': 'core/v2/endpoints', 'query': {'networkId': network['id'], 'name': '{{ item.name }}'}},
        'register': 'read'}]
    ways = [('nf_request, 50 reads', request), ('nf_resource, 50 endpoints unchanged', resource),
            ('nf_resource, the network given by id', by_id)]
    bench.play(request, 1, bench.fresh_cache('p7'))  # the OS caches, the plugins' .pyc files
    found = dict((name, dict(times=[], cpu=[], tokens=[], reads=[], writes=[])) for name, _tasks in ways)
    for run in range(runs):
        for name, tasks in ways[run % 3:] + ways[:run % 3]:
            before = bench.stats()
            found[name]['times'].append(bench.play(tasks, 1, bench.fresh_cache('p7'))[0])
            found[name]['cpu'].append(bench.cpu)
            after = bench.stats()
            methods = dict((m, after['api_methods'].get(m, 0) - before['api_methods'].get(m, 0))
                           for m in ('GET', 'POST', 'PATCH', 'PUT', 'DELETE'))
            found[name]['tokens'].append(after['total'] - before['total'])
            found[name]['reads'].append(methods['GET'])
            found[name]['writes'].append(methods['POST'] + methods['PATCH'] + methods['PUT'] + methods['DELETE'])
    return [name for name, _tasks in ways], found


P8_DELAY = 1.0


def _p8_worker(collections, options, started, queue):
    sys.path.insert(0, collections)
    from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
    from ansible_collections.netfoundry.api.plugins.module_utils._token import get_token, prepare
    try:
        get_token(prepare(dict(options), environ={}), environ={})
        outcome = 'token'
    except NFError:
        outcome = 'failed'
    queue.put((time.monotonic() - started, outcome))


def p8(bench, runs):
    """N processes, one grant, an identity provider that answers 503 after P8_DELAY: (per N: the slowest process's
    seconds in each run, token requests per run)."""
    import multiprocessing
    context = multiprocessing.get_context('fork')
    found = {}
    for count in (1, 4, 8):
        slowest, requests = [], []
        for _run in range(runs):
            bench.control('faults', {'faults': [{'status': 503, 'delay': P8_DELAY, 'times': 50,
                                                 'body': {'error': 'temporarily_unavailable'}}]})
            options = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_url=bench.info['idp_http'] + '/token',
                           retries=0, timeout=10, cache_dir=bench.fresh_cache('p8'))
            before = bench.stats()['total']
            queue = context.Queue()
            started = time.monotonic()
            workers = [context.Process(target=_p8_worker, args=(bench.collections, options, started, queue))
                       for _n in range(count)]
            for worker in workers:
                worker.start()
            results = [queue.get(timeout=120) for _worker in workers]
            for worker in workers:
                worker.join(30)
            slowest.append(max(seconds for seconds, _outcome in results))
            requests.append(bench.stats()['total'] - before)
            bench.control('faults', {'faults': []})
        found[count] = (slowest, requests)
    return found


P9_ROUTERS = 5
P9_SECONDS = 6


def p9(bench, runs):
    """Five hosted routers whose provisioning takes P9_SECONDS (the emulator's provision_after_seconds): the
    blocking loop vs wait: false + one until_provisioned task. Returns {way: {times, cpu, writes}}."""
    bench.control('resources', {'provision_after_seconds': P9_SECONDS, 'provision_after_gets': 1000000})
    spec = {'provider': 'AWS', 'locationCode': 'us-east-2'}

    def routers(tag):
        return ['bench-%s-router-%d' % (tag, i) for i in range(P9_ROUTERS)]

    def blocking(tag):
        return [{'name': 'create and wait, one by one', 'loop': routers(tag), 'netfoundry.api.nf_resource': {
            'type': 'edge-routers', 'network': P7_NETWORK, 'name': '{{ item }}', 'spec': spec, 'wait_timeout': 120}}]

    def parallel(tag):
        return [{'name': 'create without waiting', 'loop': routers(tag), 'netfoundry.api.nf_resource': {
            'type': 'edge-routers', 'network': P7_NETWORK, 'name': '{{ item }}', 'spec': spec, 'wait': False}},
            {'name': 'wait for all of them', 'netfoundry.api.nf_resource_info': {
                'type': 'edge-routers', 'network': P7_NETWORK, 'names': routers(tag), 'until_provisioned': True,
                'wait_timeout': 120}, 'register': 'found'},
            {'name': 'all provisioned', 'ansible.builtin.assert': {'quiet': True, 'that': [
                "found.resources | map(attribute='status') | unique == ['PROVISIONED']",
                'found.resources | length == %d' % P9_ROUTERS]}}]

    ways = [('one by one, each waited for', blocking), ('wait: false, then one until_provisioned task', parallel)]
    found = dict((name, dict(times=[], cpu=[], writes=[])) for name, _tasks in ways)
    try:
        for run in range(runs):
            for name, tasks in ways[run % 2:] + ways[:run % 2]:
                before = bench.stats()['api_methods'].get('POST', 0)
                found[name]['times'].append(bench.play(tasks('r%d%s' % (run, name[:3])), 1, bench.fresh_cache('p9'))[0])
                found[name]['cpu'].append(bench.cpu)
                found[name]['writes'].append(bench.stats()['api_methods'].get('POST', 0) - before)
    finally:
        bench.control('resources', {'provision_after_seconds': None, 'provision_after_gets': 2})
    return [name for name, _tasks in ways], found


def curl_floor(bench, count):
    """curl's own time_total for the same POST (connect + TLS + request + answer), median."""
    curl = shutil.which('curl')
    if not curl:
        return None
    samples = []
    for _run in range(count):
        done = subprocess.run([curl, '-s', '-o', '/dev/null', '-w', '%{time_total}', '--cacert', bench.info['ca'],
                               '-u', '%s:%s' % (CLIENT_ID, CLIENT_SECRET), '-d', 'grant_type=client_credentials',
                               '-d', 'audience=' + bench.info['api'], bench.token_url],
                              capture_output=True, text=True, check=True)
        samples.append(float(done.stdout))
    return statistics.median(samples)


def p4(bench, runs):
    """Cold start of one token in its own play: the module vs the lookup (cache off), medians; payload size."""
    module = timed_task({'name': 'module', 'netfoundry.api.nf_token': {
        'client_id': '{{ client_id }}', 'client_secret': '{{ client_secret }}', 'token_url': '{{ token_url }}',
        'ca_path': '{{ ca }}', 'cache': False}, 'no_log': True}, 'module')
    lookup = timed_task({'name': 'lookup', 'ansible.builtin.set_fact': {
        'x': "{{ lookup('netfoundry.api.nf_token', cache=false) | length }}"}, 'no_log': True}, 'lookup')
    times = {'module': [], 'lookup': []}
    for _run in range(runs):
        times['module'] += measured(bench.play(module, 1, bench.fresh_cache('p4'))[1], 'module')
        times['lookup'] += measured(bench.play(lookup, 1, bench.fresh_cache('p4'))[1], 'lookup')
    keep = os.path.join(bench.work, 'kept')
    shutil.rmtree(keep, ignore_errors=True)
    bench.play([dict(module[1]), {'name': 'baseline', 'ansible.builtin.ping': None}], 1, bench.fresh_cache('p4'),
               extra_env={'ANSIBLE_KEEP_REMOTE_FILES': '1', 'ANSIBLE_REMOTE_TMP': keep})
    sizes = {}
    for name in ('nf_token', 'ping'):
        payloads = glob.glob(os.path.join(keep, '*', 'AnsiballZ_%s.py' % name))
        sizes[name] = os.path.getsize(payloads[0]) if payloads else None
    return statistics.median(times['module']), statistics.median(times['lookup']), sizes


def machine():
    cpus = os.cpu_count()
    model = ''
    try:
        with open('/proc/cpuinfo') as handle:
            model = next((line.split(':', 1)[1].strip() for line in handle if line.startswith('model name')), '')
    except OSError:
        pass
    import ansible
    return '%s, %d CPUs (%s), Python %s, ansible-core %s' % (
        platform.platform(), cpus, model or platform.machine(), platform.python_version(), ansible.__version__)


PARTS = ('p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9')


def runs_text(values):
    return ', '.join('%.2f' % value for value in values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--collections', required=True, help='folder holding ansible_collections/netfoundry/api')
    parser.add_argument('--core', help='the ansible-core line (read by benchmarks/run, which picks the venv)')
    parser.add_argument('--only', help='comma-separated parts to run (default all): %s' % ','.join(PARTS))
    parser.add_argument('--hosts', type=int, default=100, help='hosts of the P1 play (default 100)')
    parser.add_argument('--forks', type=int, default=10)
    parser.add_argument('--runs', type=int, default=5, help='runs whose median P2, P3, P4 and P6 report (default 5)')
    parser.add_argument('--p5-runs', type=int, help='interleaved pairs of P5 plays (default: --runs)')
    parser.add_argument('--skip-p1', action='store_true', help='leave out P1 (the longest part)')
    parser.add_argument('--results', metavar='FILE', help='also write the report (markdown) to FILE')
    args = parser.parse_args()
    parts = [part.strip().lower() for part in args.only.split(',')] if args.only else list(PARTS)
    unknown = [part for part in parts if part not in PARTS]
    if unknown:
        parser.error('unknown part(s) %s: the parts are %s' % (', '.join(unknown), ', '.join(PARTS)))
    if args.skip_p1 and 'p1' in parts:
        parts.remove('p1')
    collection = os.path.join(args.collections, 'ansible_collections', 'netfoundry', 'api')
    started = time.monotonic()
    # The byte code an installed collection has after its first use (ansible-core's own is compiled in the venv):
    # with PYTHONDONTWRITEBYTECODE=1 (the tests set it) every forked worker would compile the collection anew.
    subprocess.run([sys.executable, '-m', 'compileall', '-q', os.path.join(collection, 'plugins')], check=True)
    found = {}
    with tempfile.TemporaryDirectory() as work:
        process = subprocess.Popen([sys.executable, os.path.join(collection, 'tests', 'testbed', 'nf_testbed.py'),
                                    '--state-dir', os.path.join(work, 'testbed'), '--client', CLIENT_ID, CLIENT_SECRET],
                                   stdout=subprocess.PIPE, text=True)
        info = json.loads(process.stdout.readline())
        bench = Bench(args.collections, work, info, args.forks)
        try:
            if 'p1' in parts:
                found['p1'] = p1(bench, args.hosts)
            if 'p2' in parts:
                found['p2'] = p2(bench, args.runs)
            if 'p3' in parts:
                found['p3'] = (p3(bench, 1000, 30, args.runs), curl_floor(bench, 30))
            if 'p5' in parts:
                found['p5'] = p5(bench, args.p5_runs or args.runs, collection)
            if 'p6' in parts:
                found['p6'] = p6(bench, args.runs)
            if 'p4' in parts:
                found['p4'] = p4(bench, args.runs)
            if 'p7' in parts:
                found['p7'] = p7(bench, args.runs)
            if 'p8' in parts:
                found['p8'] = p8(bench, args.runs)
            if 'p9' in parts:
                found['p9'] = p9(bench, args.runs)
        finally:
            process.terminate()
            process.wait()
    lines = []
    targets = []

    def out(text=''):
        lines.append(text)
        print(text)
    out('\n# netfoundry.api benchmarks, %s' % time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()))
    out('Machine: %s' % machine())
    out('Command: ./benchmarks/run %s' % ' '.join(sys.argv[3:]))
    if 'p1' in found:
        rows = found['p1']
        out('\n## P1: token requests, %d hosts x %d API tasks, forks %d (HTTPS test bed)\n'
            % (args.hosts, API_TASKS, args.forks))
        out('| way | 1st run | 2nd run | 1st run s | 2nd run s |')
        out('| --- | ---: | ---: | ---: | ---: |')
        for name, first, second, first_s, second_s in rows:
            out('| %s | %d | %d | %.1f | %.1f |' % (name, first, second, first_s, second_s))
        ours = [row for row in rows if not row[0].startswith('hand-written')]
        targets.append('- P1 exactly 1 token request for every front-end: %s (%s)' % (
            'met' if all(row[1] == 1 for row in ours) else 'NOT met', ', '.join('%s %d' % (r[0], r[1]) for r in ours)))
    if 'p2' in found:
        role_s, hand_s, p2_times = found['p2']
        out('\n## P2: get a token + one API call, one host, cold cache (median of %d plays each)\n' % args.runs)
        out('| way | median s | runs s |\n| --- | ---: | --- |')
        out('| role + uri | %.2f | %s |' % (role_s, runs_text(p2_times['role'])))
        out('| hand-written uri POST + uri | %.2f | %s |' % (hand_s, runs_text(p2_times['hand'])))
        out('\nP2 ratio role / hand-written: %.2f (target <= 1.0)' % (role_s / hand_s))
        targets.append('- P2 ratio <= 1.0: %s (%.2f)' % ('met' if role_s <= hand_s else 'NOT met', role_s / hand_s))
    if 'p3' in found:
        p3_found, curl_s = found['p3']
        cached_s, env_s = p3_found['cached'], p3_found['env']
        ratio, ci = statistics.median(p3_found['ratios']), interval(p3_found['ratios'])
        out('\n## P3: one lookup evaluation, side by side with an env lookup in one template, vs the round-trip floor\n')
        out('| what | ms |\n| --- | ---: |')
        out('| cached lookup evaluation (1,000 in one template, minus as many of a constant; median of %d rounds) | '
            '%.3f |' % (p3_found['rounds'], cached_s * 1000))
        out('| ansible.builtin.env lookup (the same template, the same rounds, the order rotating) | %.3f |'
            % (env_s * 1000))
        out('| cold exchange through the lookup (force=true, 30 in one template) | %.2f |'
            % (p3_found['exchange'] * 1000))
        if curl_s is not None:
            out('| raw curl of the same token endpoint (time_total, median of 30) | %.2f |' % (curl_s * 1000))
        first = p3_found['first']
        out('| first cached evaluation in a freshly forked worker (a task of its own, minus one with a constant) | '
            '%.1f |' % (first['first_cached'] * 1000))
        out('| first env lookup in a freshly forked worker (the same way) | %.1f |' % (first['first_env'] * 1000))
        out('| the same first cached evaluation after the role\'s task (nf_session) ran in the play | %.1f |'
            % (first['after_cached'] * 1000))
        out('| the same first env lookup after it | %.1f |' % (first['after_env'] * 1000))
        out('\nCached evaluation / env lookup, in the same template: **%.2f** (median of the rounds\' ratios; 95 %% '
            'interval of it %s; ratio of the medians %.2f; target: at most 1.25)'
            % (ratio, '%.2f to %.2f' % ci if ci else 'n/a', cached_s / env_s))
        out('\nThe first evaluation in a worker is not P3\'s: ansible-core compiles a collection\'s Python from its '
            'source in each forked worker (its collection loader keeps no byte code) and parses a lookup\'s '
            'documentation to declare its options, and the lookup reads and checks the token cache once per process. '
            'After a task of the collection\'s actions (the role\'s nf_session), forked workers inherit the engine '
            'that task\'s plugin loaded in the controller.')
        out('\nToken requests the test bed saw during P3: %d (%d runs x 30 forced + 1 warm-up; the role\'s task finds '
            'the cached token)'
            % (p3_found['requests'], args.runs))
        if curl_s:
            out('Cold exchange / curl floor: %.2f; cached evaluation / curl floor: %.3f'
                % (p3_found['exchange'] / curl_s, cached_s / curl_s))
        targets.append('- P3 cached evaluation <= 1.25x an env lookup in the same template: %s (%.2f, 95 %% interval %s)'
                       % (verdict(ci, 1.25), ratio, '%.2f to %.2f' % ci if ci else 'n/a'))
    if 'p4' in found:
        module_s, lookup_s, payloads = found['p4']
        out('\n## P4: cold start of one token, each in its own play (median of %d)\n' % args.runs)
        out('| front-end | median ms |\n| --- | ---: |')
        out('| module (AnsiballZ, cache off) | %.0f |' % (module_s * 1000))
        out('| lookup (in the controller, cache off) | %.0f |' % (lookup_s * 1000))
        out('\nModule / lookup: %.1f; AnsiballZ payload of the module: %s bytes (ansible.builtin.ping\'s: %s bytes)'
            % (module_s / lookup_s, payloads['nf_token'], payloads['ping']))
    if 'p5' in found:
        times, cpu, own, p5_requests = found['p5']
        medians, pairs, (low, high), ci = ratio_stats(times['role'], times['static'])
        cpu_medians, cpu_pairs, (cpu_low, cpu_high), cpu_ci = ratio_stats(cpu['role'], cpu['static'])
        out('\n## P5: the role\'s cost, %d hosts x %d uri calls (forks %d), role vs static headers of a token known '
            'beforehand + the role\'s validate_argument_spec task (%d interleaved pairs, the order alternating)\n'
            % (P5_HOSTS, P5_CALLS, bench.forks, len(times['role'])))
        out('| play | median s | runs (s) |\n| --- | ---: | --- |')
        out('| static headers + validate_argument_spec | %.2f | %s |'
            % (statistics.median(times['static']), runs_text(times['static'])))
        out('| role netfoundry.api.token | %.2f | %s |' % (statistics.median(times['role']), runs_text(times['role'])))
        out('| CPU s: static headers + validate_argument_spec | %.2f | %s |'
            % (statistics.median(cpu['static']), runs_text(cpu['static'])))
        out('| CPU s: role netfoundry.api.token | %.2f | %s |' % (statistics.median(cpu['role']), runs_text(cpu['role'])))
        out('| CPU s of the controller and its workers (not the modules\' processes): static | %.2f | %s |'
            % (statistics.median(own['static']), runs_text(own['static'])))
        out('| CPU s of the controller and its workers (not the modules\' processes): role | %.2f | %s |'
            % (statistics.median(own['role']), runs_text(own['role'])))
        # The two plays run the same uri modules: the role's cost is in the controller and its workers. Its share of
        # the static play's CPU, pair by pair, is the same ratio with the modules' identical work taken out of the
        # noise.
        shares = [1 + (own_role - own_static) / total for own_role, own_static, total
                  in zip(own['role'], own['static'], cpu['static'])]
        share_ci = interval(shares)
        out('\nRole / static, wall time: **%.3f** (ratio of the medians; target: at most 1.05); per-pair ratios: median '
            '%.3f, min %.3f, max %.3f, 95 %% interval of their median %s'
            % (medians, pairs, low, high, '%.3f to %.3f' % ci if ci else 'n/a (fewer than 6 pairs)'))
        out('\nRole / static, CPU time of the plays: **%.3f** (ratio of the medians); per-pair ratios: median %.3f, '
            'min %.3f, max %.3f, 95 %% interval of their median %s; token requests during P5: %d'
            % (cpu_medians, cpu_pairs, cpu_low, cpu_high, '%.3f to %.3f' % cpu_ci if cpu_ci else 'n/a', p5_requests))
        out('\n1 + (role - static) CPU of the controller and workers / static play\'s CPU, pair by pair: **%.3f** '
            '(median; min %.3f, max %.3f, 95 %% interval of the median %s): the modules\' processes, the same in both '
            'plays, are left out of the difference and kept in the denominator'
            % (statistics.median(shares), min(shares), max(shares),
               '%.3f to %.3f' % share_ci if share_ci else 'n/a'))
        for label, value, interval_ in (('wall time', pairs, ci), ('CPU time', cpu_pairs, cpu_ci),
                                        ("the role's own CPU", statistics.median(shares), share_ci)):
            resolved = interval_ is not None and interval_[1] - interval_[0] <= 0.05
            targets.append('- P5 role / static headers + validation <= 1.05 (%s): %s (per-pair median %.3f, 95 %% '
                           'interval %s%s)' % (label, verdict(interval_, 1.05), value,
                                               '%.3f to %.3f' % interval_ if interval_ else 'n/a',
                                               '' if resolved else '; the interval is wider than 5 %: more runs needed'))
    if 'p6' in found:
        names, times, cpu, requests, api = found['p6']
        out('\n## P6: nf_request, %d hosts x %d calls of core/v2/networks (forks %d), vs uri with a token known '
            'beforehand (%d runs each, interleaved, the order rotating; nf_request plays from a fresh token cache)\n'
            % (P5_HOSTS, P5_CALLS, bench.forks, args.runs))
        out('| play | median s | runs (s) | median CPU s | token requests per play | API requests per play |')
        out('| --- | ---: | --- | ---: | --- | --- |')
        for name in names:
            out('| %s | %.2f | %s | %.2f | %s | %s |' % (
                name, statistics.median(times[name]), runs_text(times[name]), statistics.median(cpu[name]),
                ', '.join(str(count) for count in requests[name]), ', '.join(str(count) for count in api[name])))
        for name in names[1:]:
            medians, pairs, (low, high), ci = ratio_stats(times[name], times['uri'])
            cpu_medians = ratio_stats(cpu[name], cpu['uri'])[0]
            out('\n%s / uri: **%.3f** wall (ratio of the medians; per-run ratios: median %.3f, min %.3f, max %.3f, 95 %% '
                'interval %s), %.3f CPU' % (name, medians, pairs, low, high,
                                            '%.3f to %.3f' % ci if ci else 'n/a (fewer than 6 runs)', cpu_medians))
            targets.append('- P6 %s / uri: %.3f wall, %.3f CPU; token requests per play: %s' % (
                name, medians, cpu_medians, ', '.join(str(count) for count in requests[name])))
    if 'p7' in found:
        names, p7_found = found['p7']
        out('\n## P7: a play declaring %d endpoints that exist (nf_resource in a loop), vs the same %d reads with '
            'nf_request (%d runs each, interleaved; each play from a fresh token cache)\n'
            % (P7_ENDPOINTS, P7_ENDPOINTS, args.runs))
        out('| play | median s | runs (s) | median CPU s | token requests per play | API reads per play | writes per play |')
        out('| --- | ---: | --- | ---: | --- | --- | --- |')
        for name in names:
            row = p7_found[name]
            out('| %s | %.2f | %s | %.2f | %s | %s | %s |' % (
                name, statistics.median(row['times']), runs_text(row['times']), statistics.median(row['cpu']),
                ', '.join(map(str, row['tokens'])), ', '.join(map(str, row['reads'])), ', '.join(map(str, row['writes']))))
        reads = p7_found[names[0]]
        for name in names[1:]:
            declared = p7_found[name]
            medians, pairs, (low, high), _ci = ratio_stats(declared['times'], reads['times'])
            out('\n%s / nf_request: **%.3f** wall (ratio of the medians; per-run ratios: median %.3f, min %.3f, max '
                '%.3f), %.3f CPU' % (name, medians, pairs, low, high, ratio_stats(declared['cpu'], reads['cpu'])[0]))
            targets.append('- P7 %s: writes %s, API reads per endpoint %s, token requests %s; time vs 50 nf_request '
                           'reads %.3f' % (name, ', '.join(map(str, declared['writes'])),
                                           ', '.join('%.2f' % (r / float(P7_ENDPOINTS)) for r in declared['reads']),
                                           ', '.join(map(str, declared['tokens'])), medians))
    if 'p8' in found:
        out('\n## P8: the identity provider down (every token request fails after %g s), N processes asking for one '
            "grant's token at once, from an empty cache (%d runs each)\n" % (P8_DELAY, args.runs))
        out('| processes | slowest process, median s | runs (s) | token requests per run |')
        out('| ---: | ---: | --- | --- |')
        single = statistics.median(found['p8'][1][0])
        for count, (slowest, requests) in sorted(found['p8'].items()):
            row = (count, statistics.median(slowest), runs_text(slowest), ', '.join(map(str, requests)))
            out('| %d | %.2f | %s | %s |' % row)
        for count in (4, 8):
            slowest, requests = found['p8'][count]
            targets.append('- P8 %d processes, identity provider down: the slowest ends after %.2fx one process\'s '
                           'time (%.2f s vs %.2f s); token requests per run %s' % (
                               count, statistics.median(slowest) / single, statistics.median(slowest), single,
                               ', '.join(map(str, requests))))
    if 'p9' in found:
        names, p9_found = found['p9']
        out('\n## P9: %d hosted edge routers, each taking %d s to provision (the emulator), created and waited for '
            '(%d runs each, interleaved)\n' % (P9_ROUTERS, P9_SECONDS, args.runs))
        out('| play | median s | runs (s) | median CPU s | router creations (POST) per play |')
        out('| --- | ---: | --- | ---: | --- |')
        for name in names:
            row = p9_found[name]
            out('| %s | %.2f | %s | %.2f | %s |' % (name, statistics.median(row['times']), runs_text(row['times']),
                                                    statistics.median(row['cpu']), ', '.join(map(str, row['writes']))))
        blocking, parallel = (p9_found[name]['times'] for name in names)
        medians, pairs, (low, high), _ci = ratio_stats(parallel, blocking)
        figures = (names[1], names[0], medians, pairs, low, high, P9_SECONDS, P9_SECONDS * P9_ROUTERS)
        out('\n%s / %s: **%.3f** (ratio of the medians; per-run ratios: median %.3f, min %.3f, max %.3f); the '
            'slowest router alone: %d s, the sum: %d s' % figures)
        targets.append('- P9 %d routers of %d s each: wait: false + until_provisioned %.1f s vs one by one %.1f s '
                       '(%.3f); the sum would be %d s, the slowest %d s' % (
                           P9_ROUTERS, P9_SECONDS, statistics.median(parallel), statistics.median(blocking), medians,
                           P9_SECONDS * P9_ROUTERS, P9_SECONDS))
    if targets:
        out('\n## Targets (issues 6, 11, 18, 19, 20 and 28)\n')
        for line in targets:
            out(line)
    out('\nBenchmark wall time: %.0f s' % (time.monotonic() - started))

    if args.results:
        with open(args.results, 'w') as handle:
            handle.write('\n'.join(lines).lstrip('\n') + '\n')


if __name__ == '__main__':
    main()
