# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The core's types against the test bed on 127.0.0.1: the typed token tied to the module's RETURN docs, the one
memo's rule, the renewal after a refusal (threads and processes at once), the session's two shapes."""

import base64
import json
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pytest
import yaml

from ansible_collections.netfoundry.api.plugins.module_utils import _cache, _credentials, _options, _token
from ansible_collections.netfoundry.api.plugins.plugin_utils import _session
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._memo import Memo, stat_signature
from ansible_collections.netfoundry.api.plugins.plugin_utils._session import (
    SESSION_FORMAT, LOCAL_DIR, open_session, session_fetch, session_headers)
from ansible_collections.netfoundry.api.plugins.module_utils._grants import StaticGrant, Token
from ansible_collections.netfoundry.api.plugins.module_utils._token import fetch, get_token, prepare
from ansible_collections.netfoundry.api.tests.unit.conftest import CLIENT_ID, CLIENT_SECRET

MODULE = Path(_token.__file__).resolve().parents[1] / 'modules' / 'nf_token.py'
FAST = {'total': 1, 'backoff_factor': 0.01}


def options(testbed, **more):
    base = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_url=testbed.info['idp_http'] + '/token',
                retries=FAST, cache=False)
    base.update(more)
    return base


def documented_present_keys():
    """The keys the module's RETURN documents for state=present, without ansible_facts (the module adds those)."""
    text = MODULE.read_text()
    start = text.index("RETURN = r'''") + len("RETURN = r'''")
    doc = yaml.safe_load(text[start:text.index("'''", start)])
    keys = set(name for name, entry in doc.items() if 'state=present' in entry['returned'] or entry['returned'] == 'success')
    return sorted(keys - {'ansible_facts'})


def jwt(claims):
    def encode(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b'=').decode()
    return '%s.%s.sig' % (encode({'alg': 'none'}), encode(claims))


# The typed token

def test_every_result_path_has_exactly_the_documented_keys(testbed, tmp_path):
    expected = documented_present_keys()
    assert 'token_type' in expected and 'cached' in expected
    exchanged = get_token(prepare(options(testbed), environ={}), environ={})
    cached = [get_token(prepare(options(testbed, cache=True, cache_dir=str(tmp_path)), environ={}), environ={})
              for _twice in range(2)]
    environ = {'NETFOUNDRY_API_TOKEN': jwt({'exp': int(time.time()) + 600, 'sub': 'x'})}
    ready = get_token(prepare({}, environ=environ), environ=environ)
    session = open_session(options(testbed), local_tmp=str(tmp_path))
    for name, result in (('exchange', exchanged), ('cache miss', cached[0]), ('cache hit', cached[1]),
                         ('ready token', ready), ('session', session_fetch(session).result(time.time()))):
        assert sorted(result) == expected, name
    assert (cached[0]['cached'], cached[1]['cached'], exchanged['cached'], ready['cached']) == (False, True, False, False)


def test_a_record_gives_back_the_same_token_and_info_never_holds_it(testbed):
    token = fetch(prepare(options(testbed), environ={}), environ={})
    now = time.time()
    again = Token.from_record(json.loads(json.dumps(token.record())), cached=False)
    assert again.result(now) == token.result(now)
    info = token.info(now)
    assert sorted(info) == ['api_url', 'api_url_guessed', 'api_url_source', 'auth_method', 'cached', 'credential_source',
                            'environment', 'expires_at', 'expires_in', 'token_url']
    assert token.access_token not in json.dumps(info) and token.access_token not in repr(token)
    assert 3590 <= token.lifetime <= 3600


@pytest.mark.parametrize('key, host, message', [
    ('k', None, 'option rapidapi_key is set but option rapidapi_host is not: set it to the X-RapidAPI-Host value'),
    ('k', 'https://rapid.example/', "option rapidapi_host 'https://rapid.example/' is not a host name"),
    ('k\r\nX-Evil: 1', 'rapid.example', 'option rapidapi_key holds a control character'),
])
def test_static_grant_refuses_bad_inputs_in_one_line(key, host, message):
    with pytest.raises(NFError) as error:
        StaticGrant(key, host)
    assert error.value.message.startswith(message)
    assert 'X-Evil' not in error.value.message


def test_static_grant():
    grant = StaticGrant('rapid-key', 'netfoundry.example-rapidapi.test')
    assert grant.headers == {'X-RapidAPI-Key': 'rapid-key', 'X-RapidAPI-Host': 'netfoundry.example-rapidapi.test'}
    assert grant.api_url == 'https://netfoundry.example-rapidapi.test/'


# The one memo

def test_memo_serves_only_while_the_check_value_is_equal_and_stays_bounded():
    memo = Memo(size=3)
    memo.put('space', 'a', 1, check='v1')
    assert memo.get('space', 'a', 'v1') == 1
    assert memo.get('space', 'a', 'v2') is None and memo.get('space', 'a', 'v2', default='x') == 'x'
    assert memo.get('other space', 'a', 'v1') is None
    for key in 'bcd':
        memo.put('space', key, key)
    assert memo.get('space', 'a', 'v1') is None  # the oldest went first
    assert [memo.get('space', key) for key in 'bcd'] == ['b', 'c', 'd']
    memo.clear()
    assert memo.get('space', 'd') is None


def test_every_memo_of_the_core_is_the_one_memo(memo, tmp_path):
    for module, name in ((_options, '_MEMO'), (_cache, '_MEMO'), (_credentials, '_FILE_MEMO')):
        assert not hasattr(module, name), name
    account = tmp_path / 'credentials.json'
    account.write_text(json.dumps({'clientId': 'id-1', 'password': 'pw-1'}))
    account.chmod(0o600)
    _credentials.read_credentials_file(str(account), 'test')
    assert memo.get('credentials files', str(account), stat_signature(str(account))) == ('id-1', 'pw-1', None, ())
    _options.validate({'timeout': 5})
    assert len(memo._spaces['options']) == 1  # pylint: disable=protected-access
    memo.clear()
    assert memo.get('credentials files', str(account), stat_signature(str(account))) is None


# Renewal after a refusal

def refused_at_once(count, run):
    """run() in count threads released together; their results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def one(number):
        barrier.wait()
        try:
            results[number] = run()
        except NFError as exc:
            results[number] = 'error: ' + exc.message
    workers = [threading.Thread(target=one, args=(number,)) for number in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    return results


def test_ten_threads_refused_at_once_renew_once(testbed, tmp_path):
    grant = options(testbed, cache=True, cache_dir=str(tmp_path))
    first = get_token(prepare(dict(grant), environ={}), environ={})['access_token']
    renewed = refused_at_once(10, lambda: get_token(prepare(dict(grant), environ={}), environ={},
                                                    refused=first)['access_token'])
    assert len(set(renewed)) == 1 and renewed[0] != first, renewed
    assert testbed.stats()['total'] == 2
    # The renewed token is the cached one now; force is moot with a refusal: the newer cached token is used.
    again = get_token(prepare(dict(grant, force=True), environ={}), environ={}, refused=first)
    assert (again['access_token'], again['cached']) == (renewed[0], True)
    assert testbed.stats()['total'] == 2


def _renew_in_a_process(grant, refused, queue):
    try:
        queue.put(get_token(prepare(dict(grant), environ={}), environ={}, refused=refused)['access_token'])
    except NFError as exc:
        queue.put('error: ' + exc.message)


def test_ten_processes_refused_at_once_renew_once(testbed, tmp_path):
    grant = options(testbed, cache=True, cache_dir=str(tmp_path))
    first = get_token(prepare(dict(grant), environ={}), environ={})['access_token']
    context = multiprocessing.get_context('fork')  # each fork starts with this process's memo, the refused token in it
    queue = context.Queue()
    workers = [context.Process(target=_renew_in_a_process, args=(grant, first, queue)) for _number in range(10)]
    for worker in workers:
        worker.start()
    renewed = [queue.get(timeout=120) for _worker in workers]
    for worker in workers:
        worker.join(30)
    assert len(set(renewed)) == 1 and renewed[0] != first, renewed
    assert testbed.stats()['total'] == 2


def _fetch_in_a_process(grant, queue):
    try:
        queue.put(get_token(prepare(dict(grant), environ={}), environ={})['access_token'])
    except NFError as exc:
        queue.put('error: ' + exc.message)


def test_when_the_identity_provider_is_down_the_waiters_fail_with_the_holders_reason(testbed, tmp_path):
    """Four processes, one grant, an identity provider that answers 503 slowly: one asks, the three that waited for
    the lock meanwhile fail with its reason instead of asking in turn (an outsider: 10, 18, 26, 35 s)."""
    testbed.faults({'status': 503, 'delay': 1, 'times': 20, 'body': {'error': 'temporarily_unavailable'}})
    grant = options(testbed, cache=True, cache_dir=str(tmp_path), retries=0)
    context = multiprocessing.get_context('fork')
    queue = context.Queue()
    workers = [context.Process(target=_fetch_in_a_process, args=(grant, queue)) for _number in range(4)]
    for worker in workers:
        worker.start()
    answers = sorted(queue.get(timeout=120) for _worker in workers)
    for worker in workers:
        worker.join(30)
    assert testbed.stats()['total'] == 1, answers
    assert all(answer.startswith('error: token request to ') and 'temporarily_unavailable' in answer
               for answer in answers), answers
    assert sum('another process asked while this one waited' in answer for answer in answers) == 3
    # A later run is not held to an old failure: it asks (and gets a token once the provider is back).
    testbed.reset()
    assert get_token(prepare(dict(grant), environ={}), environ={})['access_token']
    assert testbed.stats()['total'] == 1


def test_a_waiter_with_another_request_asks_itself(testbed, tmp_path):
    """A holder with a stale secret (or another timeout, CA bundle or proxy) that fails leaves its reason in the lock;
    a waiter that would send another request does not take it, and asks (an attacker's finding: the right secret
    failed with the stale one's invalid_client)."""
    testbed.faults({'serve': True, 'delay': 2})  # the first request (the stale secret's) answers late
    stale = options(testbed, cache=True, cache_dir=str(tmp_path), retries=0, client_secret='rotated-away-long-ago')
    right = options(testbed, cache=True, cache_dir=str(tmp_path), retries=0)
    context = multiprocessing.get_context('fork')
    queue = context.Queue()
    first = context.Process(target=_fetch_in_a_process, args=(stale, queue))
    first.start()
    time.sleep(0.7)  # it holds the lock now
    second = context.Process(target=_fetch_in_a_process, args=(right, queue))
    second.start()
    answers = sorted(queue.get(timeout=120) for _worker in (first, second))
    for worker in (first, second):
        worker.join(30)
    assert testbed.stats()['total'] == 2, answers
    assert answers[0].startswith('error: token request to ') and 'invalid_client' in answers[0], answers
    assert not answers[1].startswith('error: '), answers


def test_a_refused_token_is_never_returned(testbed):
    grant = options(testbed)  # cache off: a new exchange
    first = get_token(prepare(dict(grant), environ={}), environ={})['access_token']
    assert get_token(prepare(dict(grant), environ={}), environ={}, refused=first)['access_token'] != first
    token = jwt({'exp': int(time.time()) + 600, 'sub': 'x'})
    environ = {'NETFOUNDRY_API_TOKEN': token}
    with pytest.raises(NFError) as error:
        get_token(prepare({}, environ=environ), environ=environ, refused=token)
    assert error.value.message == (
        'the API refused the token in NETFOUNDRY_API_TOKEN (HTTP 401) and it cannot be renewed: get a new one (for '
        'example nfctl login --eval) or unset it to use the API account (credential source: env NETFOUNDRY_API_TOKEN)')


# The session handle

def test_a_token_session_has_one_shape_and_serves_its_token_without_io(testbed, tmp_path):
    session = open_session(options(testbed, force=True), local_tmp=str(tmp_path))
    assert sorted(session) == ['api_url', 'format', 'fresh_until', 'info', 'kind', 'min_ttl', 'opened_at', 'options', 'token']
    assert (session['format'], session['kind'], session['api_url']) == (SESSION_FORMAT, 'token', session['info']['api_url'])
    # force was for the first token; with the cache off, renewals go under the front-end's per-run directory.
    assert (session['options']['force'], session['options']['cache']) == (False, True)
    assert session['options']['cache_dir'] == os.path.join(str(tmp_path), LOCAL_DIR)
    assert not os.path.exists(session['options']['cache_dir'])  # made only if a renewal is needed
    assert testbed.stats()['total'] == 1
    first = session['token']['access_token']
    assert session_headers(session) == {'Authorization': 'Bearer ' + first}
    assert session_fetch(session).result(time.time())['cached'] is True and testbed.stats()['total'] == 1
    renewed = session_fetch(session, refused=first)
    assert renewed.access_token != first and testbed.stats()['total'] == 2
    assert os.listdir(session['options']['cache_dir'])  # through the session's directory, so forks renew once
    assert session_fetch(session, refused=first).access_token == renewed.access_token
    assert testbed.stats()['total'] == 2


def test_without_a_per_run_directory_a_cache_off_session_stays_off_disk(testbed):
    session = open_session(options(testbed))
    assert session['options']['cache'] is False and 'cache_dir' not in session['options']


def test_a_static_session(testbed, tmp_path):
    raw = dict(options(testbed), rapidapi_key='rapid-key', rapidapi_host='netfoundry.example-rapidapi.test', timeout=7)
    session = open_session(raw, local_tmp=str(tmp_path))
    assert sorted(session) == ['api_url', 'format', 'headers', 'info', 'kind', 'options']
    assert session['kind'] == 'static' and session['api_url'] == 'https://netfoundry.example-rapidapi.test/'
    assert session['options'] == {'timeout': 7, 'retries': FAST}  # connection options only: no credential in it
    assert session_headers(session) == {'X-RapidAPI-Key': 'rapid-key', 'X-RapidAPI-Host': 'netfoundry.example-rapidapi.test'}
    with pytest.raises(NFError, match='this session is a RapidAPI one: it holds no bearer token'):
        session_fetch(session).result(time.time())
    assert testbed.stats()['total'] == 0


def test_the_role_names_its_variables_and_an_empty_key_is_no_key(testbed, tmp_path):
    with pytest.raises(NFError, match='^netfoundry_rapidapi_key is set but netfoundry_rapidapi_host is not'):
        open_session({'rapidapi_key': 'k', 'rapidapi_host': ''},
                     {'rapidapi_key': 'variable netfoundry_rapidapi_key'}, str(tmp_path))
    session = open_session(dict(options(testbed), rapidapi_key='', rapidapi_host=''), local_tmp=str(tmp_path))
    assert session['kind'] == 'token'


def test_verify_runs_the_front_ends_check_once(testbed, tmp_path):
    checked = []
    session = open_session(dict(options(testbed), verify=True), local_tmp=str(tmp_path),
                           check=lambda opened: checked.append(opened['kind']) or ({'id': 'me'}, None))
    assert (checked, session['identity']) == (['token'], {'id': 'me'})
    assert 'identity' not in open_session(options(testbed), local_tmp=str(tmp_path), check=checked.append)


def test_a_token_the_check_renewed_is_held_by_open_session(testbed, tmp_path):
    """The check returns what it learned; open_session, which makes the session, holds a renewed token."""
    first = open_session(options(testbed), local_tmp=str(tmp_path))
    renewed = Token.from_record(dict(first['token'], access_token='renewed-token'))
    session = open_session(dict(options(testbed), verify=True), local_tmp=str(tmp_path),
                           check=lambda opened: ({'id': 'me'}, renewed))
    assert (session['token']['access_token'], session['identity']) == ('renewed-token', {'id': 'me'})


@pytest.mark.parametrize('change', [{'format': 'netfoundry.api/session/1'}, {'kind': 'other'}, {'token': None}])
def test_anything_but_a_session_is_one_line(testbed, tmp_path, change):
    session = dict(open_session(options(testbed), local_tmp=str(tmp_path)), **change)
    with pytest.raises(NFError) as error:
        session_fetch(session).result(time.time())
    assert error.value.message == _session.BAD


@pytest.mark.parametrize('min_ttl', [0, 300, 3000])
def test_fresh_until_is_the_cache_rule_worked_out_once(testbed, min_ttl):
    """The role's outputs compare fresh_until with now() in Jinja: it must say exactly what the cache's is_fresh
    says, at every moment of the token's life."""
    session = open_session(options(testbed, min_ttl=min_ttl))  # cache off, no per-run directory: renewals exchange
    record = session['token']
    lifetime = record['lifetime']
    assert session['fresh_until'] == record['expires_at'] - min(min_ttl, lifetime / 2.0)
    for left in (lifetime, lifetime / 2.0 + 1, 301, 299, 1, 0.5, 0, -1):
        now = record['expires_at'] - left
        fresh = _cache.is_fresh(dict(expires_at=record['expires_at'], lifetime=lifetime), min_ttl, now)
        assert (now < session['fresh_until']) == fresh or now == session['fresh_until'], (left, fresh)
        before = testbed.stats()['total']
        try:  # a renewal at a made-up time may find the new token already expired by that clock: it asked, though
            session_fetch(session, clock=lambda now=now: now)
        except NFError as exc:
            assert 'already expired' in exc.message
        assert testbed.stats()['total'] - before == (0 if fresh else 1), left
