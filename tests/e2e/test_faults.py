# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fault matrix: every bad day of an identity provider, for the module and for the lookup, through
ansible-playbook at -vvvv against the test bed. Each case asserts the exact outcome (a token, or a failure whose
one-line message names the cause), how many requests the test bed saw (4xx never retried), the retry warnings,
and that neither a traceback nor a token shows in a failure. The secret scan of conftest runs on every case."""

import socket

import pytest

from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_ID, CLIENT_SECRET, FRONT_ENDS, assert_clean, both_play, named_as, squash, task_sections, warnings_in)

# The shared core's behaviour against faulty, hostile or slow servers, proxies and planted cache files, through one
# module run and one lookup evaluation each: scripts/test runs these on the oldest and the newest ansible-core line
# (see the marker in conftest.py).
pytestmark = pytest.mark.core_behaviour

RETRIES = {'total': 2, 'backoff_factor': 0.2}
FAKE_TOKEN = 'fake.' + 'x' * 40 + '.not-a-bearer-token'
HTML_403 = '<html><head><title>403 Forbidden</title></head><body><center>nginx</center></body></html>'


def free_port():
    """A port nothing listens on (yet) on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class Case:
    """One scenario: faults queued at the test bed, option changes, and the expected outcome.

    message None means success; requests is what the test bed must count; warnings are substrings of the
    warnings in the output, in order."""

    def __init__(self, name, faults=(), options=None, message=None, requests=1, warnings=(), min_gap=None,
                 max_span=None, env=None):
        self.name = name
        self.env = env or {}
        self.faults = list(faults)
        self.options = options or {}
        self.message = message
        self.requests = requests
        self.warnings = list(warnings)
        self.min_gap = min_gap
        self.max_span = max_span

    def __repr__(self):
        return self.name


def retry_warning(number, reason):
    return ': %s; retry %d of 2 in ' % (reason, number)


CASES = [Case('ok')]
for status in (500, 502, 503, 504):
    CASES.append(Case('%d-then-ok' % status, [{'status': status}], requests=2,
                      warnings=[retry_warning(1, 'HTTP %d' % status)]))
    CASES.append(Case('%d-always' % status, [{'status': status, 'times': 3}], requests=3,
                      warnings=[retry_warning(1, 'HTTP %d' % status), retry_warning(2, 'HTTP %d' % status)],
                      message='was refused after 3 attempts: HTTP %d with an empty body; the identity provider '
                              'failed; try again later' % status))
CASES += [
    Case('429-retry-after-then-ok', [{'status': 429, 'headers': {'Retry-After': '2'}}], requests=2,
         warnings=[retry_warning(1, 'HTTP 429') + '2.0 s'], min_gap=2.0),
    Case('429-always', [{'status': 429, 'headers': {'Retry-After': '1'}, 'times': 3}], requests=3,
         warnings=[retry_warning(1, 'HTTP 429') + '1.0 s', retry_warning(2, 'HTTP 429') + '1.0 s'], min_gap=1.0,
         message='was refused after 3 attempts: HTTP 429 with an empty body; the identity provider is rate-limiting: '
                 'try again later or raise retries'),
    Case('connection-refused', options={'token_url': 'http://127.0.0.1:{closed}/token'}, requests=0,
         warnings=[retry_warning(1, 'connection refused'), retry_warning(2, 'connection refused')],
         message='failed: connection refused (3 attempts); check token_url, proxy and that the identity provider is up'),
    Case('reset-mid-answer-then-ok', [{'status': 200, 'body': {'access_token': FAKE_TOKEN}, 'reset': True}],
         requests=2, warnings=[retry_warning(1, 'the connection broke while the answer was read (connection reset)')]),
    Case('reset-mid-answer-always', [{'status': 200, 'body': {'access_token': FAKE_TOKEN}, 'reset': True, 'times': 3}],
         requests=3, warnings=[retry_warning(n, 'the connection broke while the answer was read (connection reset)')
                               for n in (1, 2)],
         message='failed: the connection broke while the answer was read (connection reset, 3 attempts); try again later'),
    Case('read-timeout', [{'delay': 3, 'times': 3}], options={'timeout': 1}, requests=3,
         warnings=[retry_warning(1, 'read timed out'), retry_warning(2, 'read timed out')],
         message='failed: no answer within 1 s (3 attempts); raise timeout or try again later',
         max_span=2 * 1.0 + 0.2 + 0.4 + 1.5),
    Case('tls-name-mismatch', options={'token_url': '{idp_https_wrong_name}/token', 'ca_path': '{ca}'}, requests=0,
         message="failed: the server's TLS certificate is not for this host name; use the host name the "
                 "certificate names in token_url, or fix the server certificate"),
    Case('tls-untrusted-ca', options={'token_url': '{idp_https}/token', 'ca_path': '{other_ca}'}, requests=0,
         message="failed: the server's TLS certificate is not trusted (unable to get local issuer certificate); "
                 "set ca_path to the CA bundle that signed it (validate_certs: false skips the check, insecurely)"),
    Case('tls-system-store', options={'token_url': '{idp_https}/token'}, requests=0,
         message="failed: the server's TLS certificate is not trusted (unable to get local issuer certificate); "
                 "set ca_path to the CA bundle that signed it"),
    Case('tls-ca-path', options={'token_url': '{idp_https}/token', 'ca_path': '{ca}'}),
    Case('tls-validate-certs-false', options={'token_url': '{idp_https}/token', 'validate_certs': False},
         warnings=['validate_certs is false: the TLS certificate of {url} is not checked']),
    Case('html-error-page', [{'status': 403, 'content_type': 'text/html', 'body': HTML_403}],
         message="was refused: HTTP 403 with an HTML page titled '403 Forbidden'"),
    Case('200-not-json', [{'status': 200, 'content_type': 'text/plain', 'body': 'OK'}],
         message="got no usable token: the answer is not a JSON object but 'OK'; check token_url and auth_method"),
    Case('json-without-access-token', [{'status': 200, 'body': {'token_type': 'Bearer', 'expires_in': 3600}}],
         message='got no usable token: the JSON answer has no access_token (keys: expires_in, token_type)'),
    Case('non-bearer-token-type', [{'status': 200, 'body': {'access_token': FAKE_TOKEN, 'token_type': 'mac'}}],
         message="got no usable token: the token_type is 'mac', not Bearer"),
    Case('401-invalid-client', options={'client_secret': 'wrong-secret-Zq9'},
         message='was refused: HTTP 401 invalid_client (Client authentication failed); check client_id and '
                 'client_secret'),
    Case('400-invalid-scope', options={'scope': 'forbidden'},
         message='was refused: HTTP 400 invalid_scope (scope forbidden is not allowed)'),
    Case('400-unsupported-grant-type', [{'status': 400, 'body': {'error': 'unsupported_grant_type'}}],
         message='was refused: HTTP 400 unsupported_grant_type'),
]


def fill(value, info):
    return value.format(**info) if isinstance(value, str) else value


def options_for(case, info):
    options = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': info['idp_http'] + '/token',
               'retries': RETRIES, 'cache': False}
    options.update(dict((name, fill(value, info)) for name, value in case.options.items()))
    return options


@pytest.mark.parametrize('case', CASES, ids=[case.name for case in CASES])
def test_fault(case, testbed, playbook):
    run_case(case, testbed, playbook, dict(testbed.info, closed=free_port()))


def run_case(case, testbed, playbook, info):
    """Run case through the module, then the lookup, in one play (each meets the case's faults), and assert the
    outcome of each."""
    # Each front-end meets the case's faults in turn, then normal answers up to the case's request count.
    served = case.requests - sum(fault.get('times', 1) for fault in case.faults)
    testbed.faults(*((case.faults + [{'serve': True}] * max(served, 0)) * len(FRONT_ENDS)))
    options = options_for(case, info)
    secrets = [options['client_secret']] if options['client_secret'] != CLIENT_SECRET else []
    env = dict((name, fill(value, info)) for name, value in case.env.items())
    # The lookup's token URL has another path to the same endpoint (/alt/token): Ansible prints a warning only once
    # per run, and the two front-ends would otherwise warn in the very same words.
    urls = dict(module=options['token_url'], lookup=options['token_url'].replace('/token', '/alt/token'))
    run = playbook(both_play(options, dict(options, token_url=urls['lookup'])), secrets=secrets, env=env)
    assert run.rc == 0, run.output
    stats = testbed.stats()
    assert stats['total'] == case.requests * len(FRONT_ENDS), stats['log']
    assert_clean(run)
    sections = dict(task_sections(run.log))  # warnings go to stderr; the log has them in their task
    for number, front_end in enumerate(FRONT_ENDS):
        result = run.saved(front_end)
        shown = warnings_in(sections[front_end])
        warnings = [fill(text, dict(info, url=urls[front_end])) for text in case.warnings]
        assert len(shown) == len(warnings), (front_end, shown)
        for line, text in zip(shown, warnings):
            assert squash(text) in squash(line), (front_end, line, text)
        if case.message is None:
            assert result.get('failed') is not True, (front_end, result)
            assert result['access_token'] in stats['tokens'] and result['token_type'] in ('Bearer', 'bearer')
        else:
            message = result['msg']
            expected = 'token request to %s %s' % (urls[front_end], fill(case.message, info))
            assert result['failed'] is True and expected in message, (front_end, message, expected)
            assert message.endswith(named_as(front_end, '(credential source: options client_id + client_secret)')), message
            assert '\n' not in message
        log = stats['log'][number * case.requests:(number + 1) * case.requests]
        times = [entry['at'] for entry in log]
        gaps = [later - earlier for earlier, later in zip(times, times[1:])]
        if case.min_gap is not None:
            assert gaps and min(gaps) >= case.min_gap - 0.05, (front_end, gaps)
        if case.max_span is not None:
            assert times[-1] - times[0] <= case.max_span, (front_end, times)
    if case.message is not None:
        assert run.token_count(stats['tokens'] + [FAKE_TOKEN]) == 0
