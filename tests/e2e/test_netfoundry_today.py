# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""NetFoundry as it is today, through ansible-playbook: no default token URL (and no connection at all when there is
none), the default places and NETFOUNDRY_API_TOKEN of NetFoundry's SDK, through the module, the lookup and the role."""

import json
import os
import re
import socket
import threading
import time
import urllib.parse
import urllib.request

import jinja2
import pytest
import yaml

from ansible_collections.netfoundry.api.tests.e2e.conftest import COLLECTION
from ansible_collections.netfoundry.api.tests.e2e.plays import (
    CLIENT_ID, CLIENT_SECRET, as_variables, assert_clean, both_play, lookup_tasks, module_tasks, play, save,
    task_sections)

ADVICE = ('the token URL is the authenticationUrl in the credentials.json NF Console gave you: give it as token_url, '
          'or as NETFOUNDRY_OAUTH_URL with the environment variables, or keep it in the file; API accounts made for '
          'the old Auth0 guide use https://netfoundry-<environment>.auth0.com/oauth/token (there is no default token URL)')
ROLE_CHECK = [{'name': 'list networks', 'ansible.builtin.uri': {
    'url': '{{ netfoundry_api_url }}core/v2/networks', 'headers': '{{ netfoundry_api_headers }}'}, 'register': 'networks',
    'no_log': True}, save('role', 'netfoundry_api_token_info'),
    save('role_networks', "networks.json._embedded.networkList | map(attribute='name') | list")]


class CountingListener:
    """A TCP listener on 127.0.0.1 that counts the connections made to it and closes each at once: set as
    HTTPS_PROXY/HTTP_PROXY, it counts every connection the run tries to make to a host that is not loopback."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = 'http://127.0.0.1:%d' % self.sock.getsockname()[1]
        self.count = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stopped.is_set():
            try:
                connection, _address = self.sock.accept()
            except socket.timeout:
                continue
            self.count += 1
            connection.close()

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def listener():
    counting = CountingListener()
    yield counting
    counting.stop()


def test_the_listener_counts(listener):
    socket.create_connection(('127.0.0.1', int(listener.url.rsplit(':', 1)[1])), timeout=5).close()
    deadline = time.monotonic() + 5
    while listener.count == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.count == 1


def awx_environment(inputs):
    with open(os.path.join(str(COLLECTION), 'extensions', 'awx', 'credential_types', 'netfoundry_api_account.yml')) as handle:
        definition = yaml.safe_load(handle)
    return dict((name, jinja2.Template(template).render(inputs)) for name, template in definition['injectors']['env'].items())


@pytest.mark.core_behaviour  # no token URL: no connection at all
def test_no_token_url_fails_clearly_without_a_connection(testbed, playbook, tmp_path, listener):
    no_url = tmp_path / 'no-url.json'
    no_url.write_text(json.dumps({'clientId': CLIENT_ID, 'password': CLIENT_SECRET}))
    proxies = {'HTTPS_PROXY': listener.url, 'HTTP_PROXY': listener.url, 'https_proxy': listener.url,
               'http_proxy': listener.url}
    client = {'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET}
    paths = {
        'options': (client, {},
                    'no token URL for options client_id + client_secret', 'options client_id + client_secret'),
        'environment': ({}, {'NETFOUNDRY_CLIENT_ID': CLIENT_ID, 'NETFOUNDRY_PASSWORD': CLIENT_SECRET},
                        'environment variable NETFOUNDRY_CLIENT_ID is set but NETFOUNDRY_OAUTH_URL is not',
                        'env NETFOUNDRY_CLIENT_ID + NETFOUNDRY_PASSWORD'),
        'awx': ({}, awx_environment({'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET, 'token_url': '',
                                     'environment': 'staging'}),
                'environment variable NETFOUNDRY_CLIENT_ID is set but NETFOUNDRY_OAUTH_URL is not',
                'env NETFOUNDRY_CLIENT_ID + NETFOUNDRY_PASSWORD'),
        'file': ({'credentials_file': str(no_url)}, {}, 'credentials file %s has no authenticationUrl' % no_url,
                 'option credentials_file %s' % no_url),
    }
    for name, (options, environment, lead, source) in paths.items():
        run = playbook(both_play(options), env=dict(proxies, **environment))
        assert run.rc == 0, run.output
        expected = '%s: %s (credential source: %s)' % (lead, ADVICE, source)
        assert run.saved('module')['msg'] == expected, (name, run.saved('module'))
        # The lookup's and the role's user set variables: the source names them.
        expected = expected.replace('options client_id + client_secret',
                                    'variables netfoundry_client_id + netfoundry_client_secret')
        expected = expected.replace('option credentials_file', 'variable netfoundry_credentials_file')
        assert expected in run.saved('lookup')['msg'], (name, run.saved('lookup'))
        role = playbook(play([], vars=as_variables(options), roles=['netfoundry.api.token']),
                        env=dict(proxies, **environment))
        assert role.rc == 2 and expected in role.output, (name, role.output)
        assert_clean(run)
        assert_clean(role)
    assert testbed.stats()['total'] == 0
    assert listener.count == 0


def account(path, url, client_id=CLIENT_ID, secret=CLIENT_SECRET):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({'clientId': client_id, 'password': secret, 'authenticationUrl': url}))
    return str(path)


def run_all_three(playbook, testbed, env):
    """Module, lookup and role with no credential option; the API URL given as audience so the role reaches the
    test bed's API."""
    options = {'audience': testbed.info['api']}
    return playbook(play(module_tasks(options) + lookup_tasks(options) + ROLE_CHECK, roles=['netfoundry.api.token'],
                         vars={'netfoundry_audience': testbed.info['api'], 'netfoundry_verify': True}), env=env)


@pytest.mark.core_behaviour  # the default places of credentials.json
@pytest.mark.parametrize('place', ['config', 'xdg', 'bare-account'])
def test_default_places_of_netfoundry_tools(testbed, playbook, tmp_path, place):
    okta = testbed.info['idp_http'] + '/oauth2/default/v1/token'
    home = tmp_path / 'home'
    env = {}
    if place == 'config':
        path = account(home / '.config' / 'netfoundry' / 'credentials.json', okta)
        source = 'default file %s' % path
    elif place == 'xdg':
        env['XDG_CONFIG_HOME'] = str(tmp_path / 'xdg')
        path = account(tmp_path / 'xdg' / 'netfoundry' / 'credentials.json', okta)
        account(home / '.config' / 'netfoundry' / 'credentials.json', testbed.info['idp_http'] + '/token', 'x', 'y')
        source = 'default file %s' % path
    else:
        env['NETFOUNDRY_API_ACCOUNT'] = 'lab.json'
        path = account(home / '.netfoundry' / 'lab.json', okta)
        source = 'env NETFOUNDRY_API_ACCOUNT %s' % path
    run = run_all_three(playbook, testbed, env)
    assert run.rc == 0, run.output
    for name in ('module', 'lookup', 'role'):
        assert run.saved(name)['credential_source'] == source, (name, run.saved(name))
    assert run.saved('role_networks') == ['demo-network', 'lab-network']
    stats = testbed.stats()
    # One exchange (the cache serves the rest), at the Okta-like path, with NetFoundry's scope under the audience
    # (and the audience itself, which is sent to every host but Cognito when it is given).
    assert stats['total'] == 1
    assert (stats['log'][0]['endpoint'], stats['log'][0]['values']) == ('okta', {
        'grant_type': 'client_credentials', 'scope': testbed.info['api'].rstrip('/') + '//ignore-scope',
        'audience': testbed.info['api']})
    assert stats['api_refused'] == 0
    assert_clean(run)


def issue(testbed, client_id=CLIENT_ID, secret=CLIENT_SECRET):
    """A token from the test bed's generic endpoint for the test bed's API (as a CI pipeline or nfctl would hold)."""
    body = urllib.parse.urlencode({'grant_type': 'client_credentials', 'client_id': client_id, 'client_secret': secret,
                                   'resource': testbed.info['api']}).encode()
    request = urllib.request.Request(testbed.info['idp_http'] + '/token', data=body,
                                     headers={'Content-Type': 'application/x-www-form-urlencoded'})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())['access_token']


def test_ready_token_through_module_lookup_and_role(testbed, playbook, tmp_path):
    token = issue(testbed)
    testbed.reset()
    options = {}
    run = playbook(play(module_tasks(options) + lookup_tasks(options) + ROLE_CHECK, roles=['netfoundry.api.token'],
                        vars={'netfoundry_verify': True}), env={'NETFOUNDRY_API_TOKEN': token})
    assert run.rc == 0, run.output
    for name in ('module', 'lookup'):
        result = run.saved(name)
        assert (result['access_token'], result['credential_source'], result['token_url'], result['auth_method'],
                result['cached']) == (token, 'env NETFOUNDRY_API_TOKEN', None, None, False)
        assert (result['api_url'], result['api_url_source'], result['api_url_guessed']) == \
            (testbed.info['api'], 'token claim aud', False)
    assert run.saved('role')['credential_source'] == 'env NETFOUNDRY_API_TOKEN'
    assert run.saved('role_networks') == ['demo-network', 'lab-network']
    stats = testbed.stats()
    assert (stats['total'], stats['api_refused']) == (0, 0)
    assert stats['api_requests'] == 2  # the role's check and the play's list
    # Never written to the token cache.
    assert not (tmp_path / 'home' / '.cache' / 'netfoundry').exists()
    # An explicit credential option wins over the ready token.
    explicit = playbook(play(module_tasks({'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET,
                                           'token_url': testbed.info['idp_http'] + '/token', 'cache': False})),
                        env={'NETFOUNDRY_API_TOKEN': token})
    assert explicit.saved('module')['credential_source'] == 'options client_id + client_secret'
    assert explicit.saved('module')['access_token'] != token
    assert_clean(run)


ROLE_TASK = 'netfoundry.api.token : Get a NetFoundry API token once for the play (on the controller, through the token cache)'


@pytest.mark.parametrize('kind', ['expired', 'not-a-jwt'])
def test_unusable_ready_token_is_one_clear_line(testbed, playbook, kind):
    if kind == 'expired':
        testbed.add_client('brief', 'brief-secret', lifetime=1)
        token = issue(testbed, 'brief', 'brief-secret')
        time.sleep(2.1)
        lead = 'NETFOUNDRY_API_TOKEN expired '
    else:
        token = 'not-a-jwt-' + CLIENT_ID
        lead = 'NETFOUNDRY_API_TOKEN is not a JWT (three base64url parts header.payload.signature with JSON claims)'
    testbed.reset()
    run = playbook(both_play({}), env={'NETFOUNDRY_API_TOKEN': token}, secrets=[token])
    assert run.rc == 0, run.output
    assert run.saved('module')['msg'].startswith(lead)
    assert lead in run.saved('lookup')['msg']
    role = playbook(play([], roles=['netfoundry.api.token']), env={'NETFOUNDRY_API_TOKEN': token}, secrets=[token])
    assert role.rc == 2 and lead in role.output
    # The role's one task fails with the one line itself, on every ansible-core line: no hidden output before 2.19,
    # no chain of causes from 2.19 on, no rescue (a newcomer saw the line three times and rescued=1 with failed=1).
    why = dict(task_sections(role.log))[ROLE_TASK]
    shown = json.loads(re.search(r'^\s*"msg": (".*")$', why, re.MULTILINE).group(1))
    assert shown.startswith(lead) and '\n' not in shown, shown
    assert 'caused by' not in role.stdout and 'has been hidden' not in role.stdout
    assert role.stdout.count(lead) <= 2  # from 2.19 on: the [ERROR] line, then the result
    assert re.search(r'failed=1 +skipped=0 +rescued=0', role.stdout), role.stdout
    assert testbed.stats()['total'] == 0
    assert_clean(run)
    assert_clean(role)
