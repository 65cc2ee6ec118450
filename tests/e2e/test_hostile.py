# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 12 through ansible-playbook at -vvvv, for the module and the lookup: hostile servers (echoed secrets,
a mebibyte of repeated <title>, trickled headers and bodies, absurd numbers, nested JSON), hostile inputs and
broken cache directories. Each case asserts the one-line outcome of each front-end, that no traceback shows, and
(beyond the secret scan of conftest, which looks for the whole secret in all its encodings) that not even a
six-character piece of the secret shows. No timed assertion: a trickled answer takes far longer than the deadline,
and the outcome (a failure instead of a token) proves the deadline."""

import os
import subprocess
from urllib.parse import quote_plus

import pytest

from ansible_collections.netfoundry.api.plugins.module_utils._errors import secret_forms
from ansible_collections.netfoundry.api.plugins.module_utils._response import MAX_TOKEN_LIFE
from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_ID, CLIENT_SECRET, FRONT_ENDS, assert_clean, both_play, local_inventory, lookup_tasks, module_tasks, named_as,
    play, squash, task_sections, warnings_in)
from ansible_collections.netfoundry.api.tests.e2e.test_faults import free_port

# The shared core's behaviour against faulty, hostile or slow servers, proxies and planted cache files, through one
# module run and one lookup evaluation each: scripts/test runs these on the oldest and the newest ansible-core line
# (see the marker in conftest.py).
pytestmark = pytest.mark.core_behaviour

# Every character a JSON encoder escapes, and some a form encoder does.
NASTY_ID = 'e2e-hostile'
NASTY_SECRET = 'e2e-"Q\\z/é+ü=&%41 x'
SOURCE = '(credential source: options client_id + client_secret)'
TOKEN_BODY = {'access_token': 'trickled.' + 'x' * 40 + '.token', 'token_type': 'Bearer', 'expires_in': 3600}


def assert_no_piece(run, secret, client_id, size=6):
    """Not a piece of size characters of any form of secret in the output or the log (a cut secret is a leak)."""
    text = run.output + run.log
    for form in secret_forms(secret, client_id):
        for start in range(0, len(form) - size + 1):
            piece = form[start:start + size]
            if not piece.isalpha():
                assert piece not in text, (piece, form)


def lookup_url(url):
    """The same endpoint under /alt/: the two front-ends must not warn in the very same words (Ansible prints a
    warning once per run)."""
    prefix, _sep, path = url.partition('127.0.0.1:')
    port, _slash, rest = path.partition('/')
    return '%s127.0.0.1:%s/alt/%s' % (prefix, port, rest)


def run_both(playbook, options, secrets=(), env=None, lookup_options=None):
    lookup_options = dict(options, **(lookup_options or {}))
    if 'token_url' in lookup_options and '127.0.0.1' in lookup_options['token_url']:
        lookup_options['token_url'] = lookup_url(lookup_options['token_url'])
    run = playbook(both_play(options, lookup_options), secrets=list(secrets), env=env)
    assert run.rc == 0, run.output
    assert_clean(run)
    return run, dict((front_end, run.saved(front_end)) for front_end in FRONT_ENDS)


def assert_failed(results, text):
    for front_end, result in results.items():
        message = result.get('msg', '')
        assert result.get('failed') is True and named_as(front_end, text) in message, (front_end, message, text)
        assert '\n' not in message, (front_end, message)


def warnings_of(run):
    """Each front-end's warnings, without whitespace (see plays.squash)."""
    sections = dict(task_sections(run.log))
    return dict((front_end, [squash(line) for line in warnings_in(sections[front_end])]) for front_end in FRONT_ENDS)


@pytest.fixture
def nasty(testbed):
    testbed.add_client(NASTY_ID, NASTY_SECRET)
    return testbed


def nasty_options(testbed, path='/token', **extra):
    options = {'client_id': NASTY_ID, 'client_secret': NASTY_SECRET, 'token_url': testbed.info['idp_http'] + path,
               'retries': 0, 'cache': False}
    options.update(extra)
    return options


# Hostile servers

ECHO_PREFIX = ' you sent: grant_type=client_credentials&client_id=%s&client_secret=' % NASTY_ID
SERVER_CASES = {
    # The form-encoded secret straddles the 120-character cut of the message (cut before redaction: a leak).
    'echo-text-across-the-cut': ([{'status': 400, 'content_type': 'text/plain', 'echo': 'text',
                                   'pad': 120 - len(ECHO_PREFIX) - 8}], {'auth_method': 'client_secret_post'},
                                 'was refused: HTTP 400 with '),
    'echo-json-escaped': ([{'status': 400, 'echo': 'json'}], {'auth_method': 'client_secret_json'},
                          'was refused: HTTP 400 invalid_request (cannot parse {"client_id": "e2e-hostile", '
                          '"client_secret": "********"'),
    'echo-json-basic': ([{'status': 400, 'echo': 'json'}], {'auth_method': 'client_secret_basic'},
                        'Authorization: Basic ********); check auth_method'),
    'repeated-titles-1mib': ([{'status': 403, 'content_type': 'text/html', 'body': '<title>',
                               'repeat': 1024 * 1024 // 7}], {},
                             'was refused: HTTP 403 with an HTML page; check that the API account is enabled'),
    'trickled-body': ([{'status': 200, 'trickle': 0.25, 'body': TOKEN_BODY}], {'timeout': 1},
                      'failed: no answer within 1 s (1 attempt); raise timeout or try again later'),
    'trickled-headers': ([{'status': 200, 'trickle_headers': 0.25, 'body': TOKEN_BODY}], {'timeout': 1},
                         'failed: no answer within 1 s (1 attempt); raise timeout or try again later'),
    'exp-in-the-past': ([{'status': 200, 'token': {'claims': {'exp': 1000000000}, 'expires_in': 3600}}], {},
                        'got no usable token: the token is already expired: its exp claim is 2001-09-09T01:46:40Z'),
    'nested-json': ([{'status': 200, 'body': '[', 'repeat': 200000}], {},
                    "got no usable token: the answer is not a JSON object but '[[[["),
    'nested-json-error': ([{'status': 400, 'body': '{"error": ', 'repeat': 50000}], {},
                          "was refused: HTTP 400 with '{\"error\": {\"error\": "),
}


@pytest.mark.parametrize('name', sorted(SERVER_CASES))
def test_hostile_server(name, nasty, playbook):
    faults, extra, text = SERVER_CASES[name]
    nasty.faults(*(faults * len(FRONT_ENDS)))
    run, results = run_both(playbook, nasty_options(nasty, **extra), secrets=[NASTY_SECRET, quote_plus(NASTY_SECRET)])
    assert_failed(results, text)
    for front_end, result in results.items():
        assert result['msg'].endswith(named_as(front_end, SOURCE))
    assert nasty.stats()['total'] == len(FRONT_ENDS)
    assert_no_piece(run, NASTY_SECRET, NASTY_ID)


@pytest.mark.parametrize('token', [
    {'claims': {'exp': 10 ** 400}}, {'claims': {'exp': 1e300}},
    {'claims': {'exp': 'never'}, 'expires_in': 10 ** 400}, {'claims': {'exp': 'never'}, 'expires_in': 1e12},
], ids=['exp-400-digits', 'exp-1e300', 'expires_in-400-digits', 'expires_in-1e12'])
def test_absurd_expiry_is_capped_at_a_day(token, testbed, playbook):
    testbed.faults(*([{'status': 200, 'token': token}] * len(FRONT_ENDS)))
    options = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token',
               'retries': 0}
    run, results = run_both(playbook, options)
    for front_end, result in results.items():
        assert result.get('failed') is not True, (front_end, result)
        assert MAX_TOKEN_LIFE - 120 <= result['expires_in'] <= MAX_TOKEN_LIFE, (front_end, result['expires_in'])
        assert result['access_token'] in testbed.stats()['tokens']


# Hostile inputs

def test_enormous_timeout_is_one_line(testbed, playbook):
    options = dict(nasty_options(testbed), client_id=CLIENT_ID, client_secret=CLIENT_SECRET, timeout=1e12)
    _run, results = run_both(playbook, options)
    assert_failed(results, 'option timeout is 1e+12 s, more than the 3600 s an attempt may take: give a '
                           'smaller timeout')
    assert testbed.stats()['total'] == 0


def test_malformed_proxy_is_one_line(testbed, playbook):
    options = dict(nasty_options(testbed, token_url=None), client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                   token_url=testbed.info['idp_https'] + '/token', proxy='http://[::1')
    _run, results = run_both(playbook, options)
    assert_failed(results, "option proxy '<invalid URL>' is not an http:// or https:// proxy URL")


def test_fifo_credentials_file_is_one_line(testbed, playbook, tmp_path):
    fifo = tmp_path / 'credentials.json'
    os.mkfifo(str(fifo))
    options = {'credentials_file': str(fifo), 'token_url': testbed.info['idp_http'] + '/token', 'cache': False}
    _run, results = run_both(playbook, options)
    assert_failed(results, 'credentials file %s (option credentials_file) is not a regular file (a FIFO): give the '
                           'path of the JSON file NF Console gave you' % fifo)


def test_proxy_password_never_shows(testbed, playbook):
    password = 'pr0xy-Pa55-w0rd'
    closed = free_port()
    options = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_https'] + '/token',
               'ca_path': testbed.info['ca'], 'retries': 0, 'cache': False,
               'proxy': 'http://user:%s@127.0.0.1:%d' % (password, closed)}
    run, results = run_both(playbook, options, secrets=[password])  # before: in the module's invocation at -vvv
    assert_failed(results, 'failed: could not get through the proxy http://127.0.0.1:%d (connection refused)' % closed)
    assert password not in run.output + run.log


def test_a_password_in_the_token_url_never_shows(testbed, playbook):
    """An outsider's finding (issue 29): the refusal was clean, but the module's invocation (-vvv) showed the URL
    whole; every URL option's password is masked now, as the proxy's was."""
    url = testbed.info['idp_http'].replace('http://', 'http://id:SecretInUrl123@') + '/token'
    options = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': url, 'retries': 0, 'cache': False}
    run, results = run_both(playbook, options, secrets=['SecretInUrl123'])
    assert all(result.get('failed') is True for result in results.values()), results
    assert 'SecretInUrl123' not in run.output + run.log


@pytest.mark.parametrize('password', ['pa/ssW0rdXyz', 'pa#ssW0rdXyz'])
def test_a_proxy_password_urlsplit_misreads_never_shows(password, testbed, playbook):
    """An outsider's finding (issue 29): with an unescaped / or # in the password, urlsplit ends the host before the
    @, and the URL was printed whole in the refusal and in the invocation."""
    options = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token',
               'retries': 0, 'cache': False, 'proxy': 'http://bob:%s@127.0.0.1:9' % password}
    run, results = run_both(playbook, options, secrets=[password])  # the fixture runs at -vvvv and scans for it
    assert_failed(results, 'option proxy http://127.0.0.1:9 has user info with an unescaped / ? or # in it')
    assert password not in run.output + run.log and 'bob:pa' not in run.output + run.log


@pytest.mark.parametrize('value', [[NASTY_SECRET], {'secret': NASTY_SECRET}], ids=['list', 'dict'])
def test_secret_of_the_wrong_type_never_shows(value, testbed, playbook):
    options = {'client_id': NASTY_ID, 'client_secret': value, 'token_url': testbed.info['idp_http'] + '/token'}
    run, results = run_both(playbook, options, secrets=[NASTY_SECRET])
    kind = 'a list' if isinstance(value, list) else 'a dictionary'
    assert ('option client_secret must be a string, got %s (from variable netfoundry_client_secret)' % kind) \
        in results['lookup']['msg']
    assert results['module']['failed'] is True  # Ansible's own conversion; no_log masks the value
    assert_no_piece(run, NASTY_SECRET, NASTY_ID)


# The network: plain http to loopback never goes through a proxy

def test_plain_http_loopback_ignores_proxy_variables(testbed, playbook):
    dead = 'http://127.0.0.1:%d' % free_port()  # through it, the request would fail
    options = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token',
               'retries': 0, 'cache': False}
    _run, results = run_both(playbook, options, env={'HTTP_PROXY': dead, 'http_proxy': dead, 'ALL_PROXY': dead})
    for front_end, result in results.items():
        assert result.get('failed') is not True, (front_end, result)
    assert testbed.stats()['total'] == len(FRONT_ENDS)


def test_plain_http_with_a_proxy_option_is_refused(testbed, playbook):
    options = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token',
               'proxy': 'http://127.0.0.1:%d' % free_port()}
    _run, results = run_both(playbook, options)
    assert_failed(results, 'refusing to send the client secret over plain http:// through the proxy %s (token_url is '
                           'plain http)' % options['proxy'])
    assert testbed.stats()['total'] == 0


@pytest.mark.parametrize('host', ['localhost', 'idp.localhost'])
def test_localhost_names_are_not_loopback(host, testbed, playbook):
    port = testbed.info['idp_http'].rsplit(':', 1)[1]
    options = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': 'http://%s:%s/token' % (host, port)}
    _run, results = run_both(playbook, options, lookup_options={'token_url': 'http://%s:%s/alt/token' % (host, port)})
    assert_failed(results, 'refusing to send the client secret over plain http:// to %s' % host)
    assert testbed.stats()['total'] == 0


# Broken cache directories

@pytest.fixture
def mounts():
    """mount(path, options): a tmpfs at path for this test (root only; unmounted after it)."""
    done = []

    def mount(path, options):
        if os.geteuid() != 0:
            pytest.skip('a tmpfs needs root here (the unit tests of the cache cover this with a failing os call)')
        path.mkdir(mode=0o700, exist_ok=True)
        subprocess.run(['mount', '-t', 'tmpfs', '-o', options, 'tmpfs', str(path)], check=True)
        done.append(path)
    yield mount
    for path in reversed(done):
        subprocess.run(['umount', str(path)], check=False)


def cache_options(testbed, cache_dir):
    return {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token',
            'cache_dir': str(cache_dir)}


@pytest.mark.parametrize('broken', ['read-only', 'disk-full'])
def test_unwritable_cache_warns_and_still_gives_the_token(broken, testbed, playbook, tmp_path, mounts):
    cache_dir = tmp_path / 'cache'
    if broken == 'read-only':
        mounts(cache_dir, 'ro,size=64k,mode=0700')
    else:
        mounts(cache_dir, 'size=4k,mode=0700')  # one page, filled: every write fails with ENOSPC
        with open(str(cache_dir / 'filler'), 'wb') as handle:
            try:
                handle.write(b'x' * 65536)
            except OSError:
                pass
    before = sorted(os.listdir(str(cache_dir)))
    run, results = run_both(playbook, cache_options(testbed, cache_dir))
    for front_end, result in results.items():
        assert result.get('failed') is not True and result['cached'] is False, (front_end, result)
        assert result['access_token'] in testbed.stats()['tokens']
    reason = 'Read-only file system' if broken == 'read-only' else 'No space left on device'
    for front_end, shown in warnings_of(run).items():
        assert any(squash('could not be written (%s): the token is not cached' % reason) in line for line in shown), shown
    leftovers = [name for name in os.listdir(str(cache_dir)) if name not in before and not name.endswith('.lock')]
    assert leftovers == []  # no temporary file holding a token


def test_state_absent_on_a_directory_is_one_line(testbed, playbook, tmp_path):
    cache_dir = tmp_path / 'cache'
    options = cache_options(testbed, cache_dir)
    first = playbook(play(module_tasks(options, 'present')))
    assert first.rc == 0 and first.saved('present')['cached'] is False
    cached = [name for name in os.listdir(str(cache_dir)) if name.endswith('.json')]
    assert len(cached) == 1
    os.unlink(str(cache_dir / cached[0]))
    (cache_dir / cached[0]).mkdir()
    run = playbook(play(module_tasks(dict(options, state='absent'), 'absent')))
    assert_clean(run)
    message = run.saved('absent')['msg']
    assert message.startswith('token cache file %s is not trusted (a directory' % (cache_dir / cached[0]))
    assert message.endswith('nothing was removed; remove it by hand') and '\n' not in message
    assert (cache_dir / cached[0]).is_dir()


def test_state_absent_in_a_read_only_directory_is_one_line(testbed, playbook, tmp_path, mounts):
    cache_dir = tmp_path / 'cache'
    mounts(cache_dir, 'size=64k,mode=0700')
    options = cache_options(testbed, cache_dir)
    first = playbook(play(module_tasks(options, 'present')))
    assert first.rc == 0 and first.saved('present')['cached'] is False
    subprocess.run(['mount', '-o', 'remount,ro', str(cache_dir)], check=True)
    run = playbook(play(module_tasks(dict(options, state='absent'), 'absent')))
    assert_clean(run)
    message = run.saved('absent')['msg']
    assert message.endswith('could not be removed (Read-only file system): check the permissions of cache_dir')
    assert '\n' not in message


def test_symlinked_cache_dir_is_not_trusted(testbed, playbook, tmp_path):
    real = tmp_path / 'real'
    real.mkdir(mode=0o700)
    links = dict((front_end, tmp_path / ('link-' + front_end)) for front_end in FRONT_ENDS)  # two texts: two warnings
    for link in links.values():
        link.symlink_to(real)
    run, results = run_both(playbook, cache_options(testbed, links['module']),
                            lookup_options={'cache_dir': str(links['lookup'])})
    for front_end, result in results.items():
        assert result.get('failed') is not True and result['cached'] is False, (front_end, result)
    for front_end, shown in warnings_of(run).items():
        assert shown == [squash('token cache directory %s is not trusted (a symlink): the token is not cached; set '
                                'cache_dir to a real directory' % links[front_end])], (front_end, shown)
    assert os.listdir(str(real)) == []


# Single flight with a slow identity provider: counted, not timed

def test_slow_identity_provider_is_asked_once_by_eight_hosts(testbed, playbook, tmp_path):
    testbed.faults({'serve': True, 'delay': 3}, {'serve': True, 'delay': 3})
    options = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token',
               'timeout': 20, 'retries': 0}
    module_play = module_tasks(dict(options, cache_dir=str(tmp_path / 'module-cache')))
    lookup_play = lookup_tasks(dict(options, cache_dir=str(tmp_path / 'lookup-cache'),
                                    token_url=lookup_url(options['token_url'])))
    text = play(module_play + lookup_play, hosts='nodes')
    run = playbook(text, inventory=local_inventory(8), args=['--forks', '8'])
    assert run.rc == 0, run.output
    assert_clean(run)
    stats = testbed.stats()
    assert stats['total'] == 2, stats['log']  # one per front-end (each has its own cache), not one per host
    assert len(stats['tokens']) == 2


def test_nul_bytes_in_paths_are_one_line(testbed, playbook, tmp_path):
    base = {'token_url': testbed.info['idp_http'] + '/token', 'retries': 0}
    tasks = (module_tasks(dict(base, credentials_file=str(tmp_path / 'a\0b.json')), 'module')
             + lookup_tasks(dict(base, credentials_file=str(tmp_path / 'c\0d.json')), 'lookup')
             + module_tasks(dict(base, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, cache_dir='/tmp/x\0y'),
                            'module_cache')
             + lookup_tasks(dict(base, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, cache_dir='/tmp/z\0w'),
                            'lookup_cache'))
    run = playbook(play(tasks))
    assert run.rc == 0, run.output
    assert_clean(run)
    for name in ('module', 'lookup', 'module_cache', 'lookup_cache'):
        result = run.saved(name)
        option = 'cache_dir' if name.endswith('cache') else 'credentials_file'
        assert result['failed'] is True and '\n' not in result['msg'], (name, result)
        if name.startswith('module') and result['msg'].startswith('Failed to log to syslog (embedded null character)'):
            continue  # ansible-core 2.21 logs a module's arguments before the module runs, and stops at the NUL itself
        assert 'option %s contains a NUL byte: give a plain path' % option in result['msg'], (name, result['msg'])
    assert testbed.stats()['total'] == 0
