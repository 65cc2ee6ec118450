# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The whole exchange over real HTTP(S) against the in-process test bed on 127.0.0.1."""

import base64
import json
import re
import time

import pytest
import requests

from ansible_collections.netfoundry.api.plugins.module_utils import _http
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError, secret_forms
from ansible_collections.netfoundry.api.plugins.module_utils._token import get_token, prepare
from ansible_collections.netfoundry.api.tests.unit.conftest import CLIENT_ID, CLIENT_SECRET
from ansible_collections.netfoundry.api.tests.unit.plugins.module_utils.test_response import jwt as make_jwt

FAST = {'total': 3, 'backoff_factor': 0.01}
TWO = {'total': 2, 'backoff_factor': 0.01}


def fetch(testbed, path='/token', base='idp_http', warnings=None, **options):
    options.setdefault('client_id', CLIENT_ID)
    options.setdefault('client_secret', CLIENT_SECRET)
    options.setdefault('token_url', testbed.info[base] + path)
    options.setdefault('retries', FAST)
    options.setdefault('cache', False)
    if base.startswith('idp_https'):
        options.setdefault('ca_path', testbed.info['ca'])
    sink = warnings if warnings is not None else []
    return get_token(prepare(dict(options), environ={}), environ={}, warn=sink.append)


def test_auth0_shape(testbed):
    result = fetch(testbed, '/oauth/token', auth_method='client_secret_json', audience=testbed.info['api'])
    entry = testbed.stats()['log'][-1]
    assert (entry['endpoint'], entry['content_type'], entry['auth_scheme'], entry['status']) == \
        ('auth0', 'application/json', None, 200)
    assert entry['params'] == ['audience', 'client_id', 'client_secret', 'grant_type']
    assert result['claims']['aud'] == testbed.info['api']
    assert result['api_url'] == testbed.info['api']
    assert result['headers'] == {'Authorization': 'Bearer ' + result['access_token']}
    assert 3590 <= result['expires_in'] <= 3600
    assert abs(result['expires_at'] - (time.time() + 3600)) < 10


def test_cognito_shape_over_https(testbed):
    scope = testbed.info['api'] + '/ignore-scope'
    result = fetch(testbed, '/oauth2/token', base='idp_https', scope=scope)
    entry = testbed.stats()['log'][-1]
    assert (entry['endpoint'], entry['auth_scheme'], entry['status'], entry['client_id']) == \
        ('cognito', 'basic', 200, CLIENT_ID)
    assert entry['values'] == {'grant_type': 'client_credentials', 'scope': scope}
    assert result['auth_method'] == 'client_secret_basic'
    assert result['claims']['scope'] == scope


def test_generic_post_with_resource(testbed):
    result = fetch(testbed, auth_method='client_secret_post', resource=testbed.info['api'])
    entry = testbed.stats()['log'][-1]
    assert (entry['client_auth'], entry['auth_scheme'], entry['status']) == ('client_secret_post', None, 200)
    assert entry['params'] == ['client_id', 'client_secret', 'grant_type', 'resource']
    assert result['claims']['aud'] == testbed.info['api']


def test_wrong_secret_is_one_clear_line_without_the_secret(testbed):
    with pytest.raises(NFError) as error:
        fetch(testbed, client_secret='not-' + CLIENT_SECRET)
    assert error.value.message == (
        'token request to %s/token was refused: HTTP 401 invalid_client (Client authentication failed); check client_id '
        'and client_secret (credential source: options client_id + client_secret)' % testbed.info['idp_http'])
    assert testbed.stats()['total'] == 1


def test_server_errors_are_retried_then_succeed(testbed):
    testbed.faults({'status': 503, 'times': 2})
    warnings = []
    result = fetch(testbed, warnings=warnings)
    assert result['access_token']
    assert testbed.stats()['total'] == 3
    assert len(warnings) == 2
    assert warnings[0].startswith('token request to %s/token: HTTP 503; retry 1 of 3 in ' % testbed.info['idp_http'])


def test_retries_are_bounded(testbed):
    testbed.faults({'status': 502, 'times': 10, 'content_type': 'text/html',
                    'body': '<html><title>502 Bad Gateway</title>%s</html>' % CLIENT_SECRET})
    with pytest.raises(NFError) as error:
        fetch(testbed, retries={'total': 2, 'backoff_factor': 0.01})
    assert "was refused after 3 attempts: HTTP 502 with an HTML page titled '502 Bad Gateway'" in error.value.message
    assert testbed.stats()['total'] == 3


@pytest.mark.parametrize('status', [400, 401, 403])
def test_client_errors_are_never_retried(testbed, status):
    testbed.faults({'status': status, 'times': 5, 'body': {'error': 'invalid_request'}})
    with pytest.raises(NFError, match='was refused: HTTP %d invalid_request' % status):
        fetch(testbed)
    assert testbed.stats()['total'] == 1


def test_retry_after_is_honoured(testbed):
    testbed.faults({'status': 429, 'headers': {'Retry-After': '1'}, 'body': {'error': 'slow_down'}})
    warnings = []
    started = time.monotonic()
    fetch(testbed, warnings=warnings)
    assert time.monotonic() - started >= 0.9
    assert warnings == ['token request to %s/token: HTTP 429; retry 1 of 3 in 1.0 s' % testbed.info['idp_http']]


@pytest.mark.parametrize('header', ['3600', 'Fri, 31 Dec 2100 23:59:59 GMT'])
def test_retry_after_is_capped(testbed, monkeypatch, header):
    import urllib3.util.retry
    slept = []

    class Clock:
        sleep = staticmethod(slept.append)
        time = staticmethod(time.time)
    monkeypatch.setattr(urllib3.util.retry, 'time', Clock)
    testbed.faults({'status': 429, 'headers': {'Retry-After': header}})
    warnings = []
    assert fetch(testbed, warnings=warnings)['access_token']
    assert slept == [30] and testbed.stats()['total'] == 2
    assert warnings == ['token request to %s/token: HTTP 429; retry 1 of 3 in 30.0 s' % testbed.info['idp_http']]


def test_garbage_retry_after_falls_back_to_backoff(testbed):
    testbed.faults({'status': 503, 'headers': {'Retry-After': 'whenever'}})
    assert fetch(testbed)['access_token']
    assert testbed.stats()['total'] == 2


def test_secret_echoed_by_a_server_is_redacted(testbed):
    testbed.faults({'status': 200, 'content_type': 'text/plain', 'body': 'echo %s' % CLIENT_SECRET})
    with pytest.raises(NFError) as error:
        fetch(testbed)
    assert "the answer is not a JSON object but 'echo ********'" in error.value.message
    for form in secret_forms(CLIENT_SECRET, CLIENT_ID):
        assert form not in error.value.message


def test_redirects_are_not_followed(testbed):
    testbed.faults({'status': 307, 'headers': {'Location': 'https://elsewhere.invalid/token?x=1'}})
    with pytest.raises(NFError) as error:
        fetch(testbed)
    assert 'was redirected (HTTP 307 to https://elsewhere.invalid/token): set token_url to the final token endpoint' \
        in error.value.message
    assert testbed.stats()['total'] == 1


def test_untrusted_ca_says_to_set_ca_path(testbed):
    with pytest.raises(NFError) as error:
        fetch(testbed, base='idp_https', ca_path=testbed.info['other_ca'], retries=0)
    assert "failed: the server's TLS certificate is not trusted" in error.value.message
    assert 'set ca_path to the CA bundle that signed it' in error.value.message


def test_name_mismatch(testbed):
    with pytest.raises(NFError, match="the server's TLS certificate is not for this host name"):
        fetch(testbed, base='idp_https_wrong_name', retries=0)


def test_validate_certs_false_works_and_warns(testbed):
    warnings = []
    assert fetch(testbed, base='idp_https_wrong_name', validate_certs=False, ca_path=None, warnings=warnings)['access_token']
    assert warnings == ['validate_certs is false: the TLS certificate of %s/token is not checked'
                        % testbed.info['idp_https_wrong_name']]


def test_read_timeout_is_bounded(testbed):
    testbed.faults({'delay': 3, 'times': 2})
    started = time.monotonic()
    with pytest.raises(NFError, match=r'failed: no answer within 0.3 s \(2 attempts\); raise timeout'):
        fetch(testbed, timeout=0.3, retries={'total': 1, 'backoff_factor': 0})
    assert time.monotonic() - started < 2.5


def test_dropped_connection_is_retried(testbed):
    testbed.faults({'drop': True})
    assert fetch(testbed)['access_token']
    assert testbed.stats()['total'] == 2


def test_connection_reset_mid_answer_is_retried(testbed):
    testbed.faults({'reset': True, 'status': 200, 'body': {'access_token': 'x' * 64}})
    warnings = []
    assert fetch(testbed, warnings=warnings, retries=TWO)['access_token']
    assert testbed.stats()['total'] == 2
    assert len(warnings) == 1 and 'the connection broke while the answer was read (connection reset); ' \
        'retry 1 of 2 in ' in warnings[0]


def test_connection_reset_mid_answer_every_time(testbed):
    testbed.faults({'reset': True, 'status': 200, 'body': {'access_token': 'x' * 64}, 'times': 3})
    with pytest.raises(NFError, match=r'failed: the connection broke while the answer was read \(connection reset, '
                                      r'3 attempts\); try again later'):
        fetch(testbed, retries=TWO)
    assert testbed.stats()['total'] == 3


def test_retries_before_and_after_the_headers_share_one_budget(testbed):
    testbed.faults({'status': 503}, {'reset': True, 'status': 200, 'body': {'access_token': 'x' * 64}}, {'status': 502})
    with pytest.raises(NFError, match=r'was refused after 3 attempts: HTTP 502'):
        fetch(testbed, retries=TWO)
    assert testbed.stats()['total'] == 3


def test_an_answer_that_cannot_be_decoded(testbed):
    testbed.faults({'status': 200, 'headers': {'Content-Encoding': 'gzip'}, 'body': 'not gzip at all'})
    with pytest.raises(NFError, match=r'failed: the answer could not be decoded \(.*\); check token_url'):
        fetch(testbed)
    assert testbed.stats()['total'] == 1


@pytest.mark.parametrize('error, message', [
    (requests.exceptions.ConnectTimeout('Connection to 10.0.0.1 timed out. (connect timeout=2)'),
     'could not connect within 2 s (3 attempts); check token_url, proxy and the network'),
    (requests.exceptions.ReadTimeout('Read timed out. (read timeout=2)'),
     'no answer within 2 s (3 attempts); raise timeout or try again later'),
    (requests.exceptions.ConnectionError("Max retries exceeded (Caused by ReadTimeoutError('Read timed out.'))"),
     'no answer within 2 s (3 attempts); raise timeout or try again later'),
    (requests.exceptions.ConnectionError('[Errno 111] Connection refused'),
     'connection refused (3 attempts); check token_url, proxy and that the identity provider is up'),
])
def test_network_failures_name_their_cause(error, message):
    # Connect timeouts need an address that never answers, which a test on 127.0.0.1 cannot have.
    assert _http._network_failure(error, 2, 3) == message


def test_connection_refused(testbed):
    with pytest.raises(NFError) as error:
        fetch(testbed, token_url='http://127.0.0.1:9/token', retries={'total': 1, 'backoff_factor': 0})
    assert error.value.message.startswith('token request to http://127.0.0.1:9/token failed: connection refused '
                                          '(2 attempts); check token_url')


def test_cache_reuses_then_force_renews(testbed, tmp_path):
    first = fetch(testbed, cache=True, cache_dir=str(tmp_path))
    second = fetch(testbed, cache=True, cache_dir=str(tmp_path))
    assert (first['cached'], second['cached']) == (False, True)
    assert second['access_token'] == first['access_token'] and second['headers'] == first['headers']
    assert testbed.stats()['total'] == 1
    forced = fetch(testbed, cache=True, cache_dir=str(tmp_path), force=True)
    assert forced['cached'] is False and forced['access_token'] != first['access_token']
    assert fetch(testbed, cache=True, cache_dir=str(tmp_path))['access_token'] == forced['access_token']
    assert testbed.stats()['total'] == 2


def test_cache_never_serves_another_secret(testbed, tmp_path):
    fetch(testbed, cache=True, cache_dir=str(tmp_path))
    with pytest.raises(NFError, match='invalid_client'):
        fetch(testbed, cache=True, cache_dir=str(tmp_path), client_secret=CLIENT_SECRET + 'x')
    assert testbed.stats()['total'] == 2
    for path in tmp_path.iterdir():
        content = path.read_text()
        for form in secret_forms(CLIENT_SECRET, CLIENT_ID):
            assert form not in content


def test_short_lived_tokens_are_renewed_never_returned_expired(testbed, tmp_path):
    testbed.add_client('short-lived', 'short-secret', lifetime=2)
    seen = []
    deadline = time.monotonic() + 3.5
    while time.monotonic() < deadline:
        result = fetch(testbed, cache=True, cache_dir=str(tmp_path), client_id='short-lived',
                       client_secret='short-secret')
        assert result['claims']['exp'] > time.time()
        seen.append(result['access_token'])
        time.sleep(0.05)
    requests = testbed.stats()['token_requests']['short-lived']
    assert len(set(seen)) == requests
    assert 3 <= requests <= 8, requests


# NetFoundry as it is today: no default token URL, a ready token, NetFoundry's scope for any identity provider.

def test_no_token_url_fails_before_any_network(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError('the network was used')
    monkeypatch.setattr(_http, 'post', refuse)
    for options, environ, lead in (
            ({'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET}, {},
             'no token URL for options client_id + client_secret'),
            ({}, {'NETFOUNDRY_CLIENT_ID': CLIENT_ID, 'NETFOUNDRY_PASSWORD': CLIENT_SECRET},
             'environment variable NETFOUNDRY_CLIENT_ID is set but NETFOUNDRY_OAUTH_URL is not')):
        with pytest.raises(NFError) as error:
            prepare(dict(options), environ=environ)
        message = error.value.message
        assert message.startswith(lead + ': the token URL is the authenticationUrl in the credentials.json NF Console')
        for needed in ('token_url', 'NETFOUNDRY_OAUTH_URL', 'https://netfoundry-<environment>.auth0.com/oauth/token'):
            assert needed in message
        assert CLIENT_SECRET not in message


def test_credentials_file_without_authentication_url_names_file_and_key(tmp_path, testbed):
    path = tmp_path / 'credentials.json'
    path.write_text(json.dumps({'clientId': CLIENT_ID, 'password': CLIENT_SECRET}))
    with pytest.raises(NFError) as error:
        prepare(dict({'credentials_file': str(path)}), environ={})
    assert error.value.message.startswith('credentials file %s has no authenticationUrl: ' % path)
    assert error.value.message.endswith('(credential source: option credentials_file %s)' % path)
    # The token_url option supplies what the file lacks.
    result = get_token(prepare({'credentials_file': str(path), 'cache': False,
                                'token_url': testbed.info['idp_http'] + '/oauth2/token'}, environ={}), environ={})
    assert result['token_url'] == testbed.info['idp_http'] + '/oauth2/token'


@pytest.mark.parametrize('path', ['/oauth2/token', '/oauth2/default/v1/token', '/token'])
def test_netfoundry_credential_sends_the_ignore_scope_to_any_host(testbed, tmp_path, path):
    account = tmp_path / 'credentials.json'
    account.write_text(json.dumps({'clientId': CLIENT_ID, 'password': CLIENT_SECRET,
                                   'authenticationUrl': testbed.info['idp_http'] + path}))
    result = get_token(prepare(dict({'cache': False}),
                               environ={'NETFOUNDRY_API_ACCOUNT': str(account)}), environ={})
    entry = testbed.stats()['log'][-1]
    scope = 'https://gateway.production.netfoundry.io//ignore-scope'
    assert (entry['status'], entry['auth_scheme'], entry['values']) == \
        (200, 'basic', {'grant_type': 'client_credentials', 'scope': scope})
    # The token's scope names production, so the API URL is read from the token, not guessed.
    assert (result['api_url'], result['api_url_source'], result['api_url_guessed']) == \
        ('https://gateway.production.netfoundry.io/', 'token claim scope', False)


def test_options_client_to_a_generic_server_gets_no_scope_and_a_guessed_api_url(testbed):
    result = fetch(testbed)
    assert testbed.stats()['log'][-1]['values'] == {'grant_type': 'client_credentials'}
    assert (result['api_url'], result['environment'], result['api_url_guessed']) == \
        ('https://gateway.production.netfoundry.io/', 'production', True)
    assert result['api_url_source'].startswith('default (production)')


def test_claims_win_over_the_guess_also_from_the_cache(testbed, tmp_path):
    scope = 'https://gateway.staging.netfoundry.io//ignore-scope'
    first = fetch(testbed, scope=scope, cache=True, cache_dir=str(tmp_path))
    again = fetch(testbed, scope=scope, cache=True, cache_dir=str(tmp_path))
    for result in (first, again):
        assert (result['api_url'], result['environment'], result['api_url_source'], result['api_url_guessed']) == \
            ('https://gateway.staging.netfoundry.io/', 'staging', 'token claim scope', False)
    assert again['cached'] is True


def ready(token, **options):
    return get_token(prepare(dict(options), environ={'NETFOUNDRY_API_TOKEN': token}),
                     environ={'NETFOUNDRY_API_TOKEN': token})


def test_ready_token_has_the_keys_of_an_exchange_and_is_not_exchanged(testbed, tmp_path):
    issued = fetch(testbed, resource=testbed.info['api'])
    testbed.reset()
    result = ready(issued['access_token'], cache_dir=str(tmp_path))
    assert sorted(result) == sorted(issued)
    assert testbed.stats()['total'] == 0
    assert list(tmp_path.iterdir()) == []
    assert (result['access_token'], result['claims']) == (issued['access_token'], issued['claims'])
    # The ready token's expiry is its exp claim; the exchange's is its start + expires_in: a second apart at most.
    assert result['expires_at'] == issued['claims']['exp'] and abs(result['expires_at'] - issued['expires_at']) <= 1
    assert (result['token_url'], result['auth_method'], result['credential_source'], result['cached']) == \
        (None, None, 'env NETFOUNDRY_API_TOKEN', False)
    assert (result['api_url'], result['api_url_source'], result['api_url_guessed']) == \
        (testbed.info['api'], 'token claim aud', False)
    assert result['headers'] == {'Authorization': 'Bearer ' + issued['access_token']}
    assert 3590 <= result['expires_in'] <= 3600


def test_ready_token_loses_to_explicit_options(testbed):
    token = fetch(testbed)['access_token']
    result = get_token(prepare(dict({
        'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': testbed.info['idp_http'] + '/token',
        'cache': False}), environ={'NETFOUNDRY_API_TOKEN': token}), environ={})
    assert result['access_token'] != token and result['credential_source'] == 'options client_id + client_secret'


def test_expired_ready_token_is_one_clear_line(testbed):
    testbed.add_client('brief', 'brief-secret', lifetime=1)
    token = fetch(testbed, client_id='brief', client_secret='brief-secret')['access_token']
    time.sleep(2.1)
    with pytest.raises(NFError) as error:
        ready(token)
    assert re.match(r'^NETFOUNDRY_API_TOKEN expired \d+ s ago \(exp \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\): get a new one '
                    r'\(for example nfctl login --eval\) or unset it to use the API account \(credential source: env '
                    r'NETFOUNDRY_API_TOKEN\)$', error.value.message)
    assert token not in error.value.message


@pytest.mark.parametrize('token', ['not-a-jwt', 'a.b.c', 'Bearer x.y.z', 'eyJ4IjoxfQ.bm90IGpzb24.sig',
                                   'eyJ4IjoxfQ.WzFd.sig'])
def test_ready_token_that_is_not_a_jwt(token):
    with pytest.raises(NFError) as error:
        ready(token)
    assert error.value.message == (
        'NETFOUNDRY_API_TOKEN is not a JWT (three base64url parts header.payload.signature with JSON claims): set it '
        'to the bearer token itself, without "Bearer ", or unset it to use the API account')


def test_ready_token_api_url_options_and_guess():
    def encode(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b'=').decode()

    def jwt(claims):
        return '%s.%s.sig' % (encode({'alg': 'none'}), encode(claims))
    later = int(time.time()) + 600
    guessed = ready(jwt({'exp': later, 'sub': 'someone'}))
    assert (guessed['api_url'], guessed['environment'], guessed['api_url_guessed']) == \
        ('https://gateway.production.netfoundry.io/', 'production', True)
    chosen = ready(jwt({'exp': later}), environment='sandbox')
    assert (chosen['api_url'], chosen['api_url_source']) == ('https://gateway.sandbox.netfoundry.io/',
                                                             'option environment')
    timeless = ready(jwt({'iss': 'https://netfoundry-staging.auth0.com/'}))
    assert (timeless['expires_at'], timeless['expires_in'], timeless['environment']) == (None, None, 'staging')


def test_forgetting_a_ready_token_removes_nothing(tmp_path):
    from ansible_collections.netfoundry.api.plugins.module_utils._token import forget_token
    request = prepare(dict({'cache_dir': str(tmp_path)}),
                      environ={'NETFOUNDRY_API_TOKEN': 'eyJ4IjoxfQ.eyJ4IjoxfQ.sig'})
    assert forget_token(request) is False


# After nfctl login --eval the shell holds NETFOUNDRY_API_TOKEN and NETFOUNDRY_API_ACCOUNT: an hour later the SDK
# renews from the account. So does the collection, with a warning (an outsider found it stopped instead).

def nfctl_shell(testbed, tmp_path, token):
    account = tmp_path / 'account.json'
    account.write_text(json.dumps({'clientId': CLIENT_ID, 'password': CLIENT_SECRET,
                                   'authenticationUrl': testbed.info['idp_http'] + '/token'}))
    account.chmod(0o600)
    return {'NETFOUNDRY_API_TOKEN': token, 'NETFOUNDRY_API_ACCOUNT': str(account)}


@pytest.mark.parametrize('left, renewed', [(-60, True), (120, True), (3000, False)],
                         ids=['expired', 'below min_ttl', 'fresh'])
def test_a_spent_ready_token_is_renewed_from_the_api_account(testbed, tmp_path, left, renewed):
    issued = fetch(testbed, resource=testbed.info['api'])
    testbed.reset()
    token = make_jwt({'exp': int(time.time()) + left, 'sub': CLIENT_ID}) if left < 3000 else issued['access_token']
    environ = nfctl_shell(testbed, tmp_path, token)
    warnings = []
    result = get_token(prepare({'cache_dir': str(tmp_path / 'cache'), 'resource': testbed.info['api']},
                               environ=environ), environ=environ, warn=warnings.append)
    assert (result['access_token'] != token, testbed.stats()['total']) == (renewed, 1 if renewed else 0)
    if renewed:
        assert result['credential_source'] == 'env NETFOUNDRY_API_ACCOUNT %s' % environ['NETFOUNDRY_API_ACCOUNT']
        assert len(warnings) == 1 and warnings[0].startswith('NETFOUNDRY_API_TOKEN ')
        assert warnings[0].endswith(': getting a new token with the API account (env NETFOUNDRY_API_ACCOUNT %s)'
                                    % environ['NETFOUNDRY_API_ACCOUNT'])
    else:
        assert (result['credential_source'], warnings) == ('env NETFOUNDRY_API_TOKEN', [])


def test_a_spent_ready_token_without_an_account_is_still_one_line(testbed, tmp_path):
    token = make_jwt({'exp': int(time.time()) - 60, 'sub': 'x'})
    with pytest.raises(NFError, match=r'^NETFOUNDRY_API_TOKEN expired \d+ s ago'):
        ready(token, cache_dir=str(tmp_path))
    assert testbed.stats()['total'] == 0


def test_a_refused_secret_with_white_space_around_it_gets_a_hint(testbed):
    """A secret pasted with a trailing line break is sent as it is (it may be meant): a refusal says so (an outsider)."""
    with pytest.raises(NFError) as error:
        get_token(prepare({'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET + '\n', 'cache': False,
                           'token_url': testbed.info['idp_http'] + '/token'}, environ={}), environ={})
    assert 'the client secret begins or ends with white space (a space or a line break), which is sent as it is' in \
        error.value.message
    assert CLIENT_SECRET not in error.value.message


def test_ca_path_and_proxy_fall_back_to_the_collections_own_variables(tmp_path):
    """NETFOUNDRY_CA_PATH and NETFOUNDRY_PROXY (the AWX credential types inject them) when no option gives them; an
    option wins; an empty variable counts as unset."""
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('')
    options = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, token_url='https://idp.example/token')
    environ = {'NETFOUNDRY_CA_PATH': str(bundle), 'NETFOUNDRY_PROXY': 'http://proxy.example:3128'}
    settings = prepare(dict(options), environ=environ).settings
    assert (settings['ca_path'], settings['proxy']) == (str(bundle), 'http://proxy.example:3128')
    settings = prepare(dict(options, proxy='http://other.example:8080'), environ=environ).settings
    assert (settings['ca_path'], settings['proxy']) == (str(bundle), 'http://other.example:8080')
    settings = prepare(dict(options), environ={'NETFOUNDRY_CA_PATH': ' ', 'NETFOUNDRY_PROXY': ''}).settings
    assert (settings['ca_path'], settings['proxy']) == (None, None)
