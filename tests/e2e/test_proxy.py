# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real HTTP proxy (tinyproxy, on 127.0.0.1) between the collection and the HTTPS test bed, for the module and
the lookup: the proxy option, HTTPS_PROXY, a proxy that is down, and NO_PROXY. tinyproxy's own log tells
whether the request went through it. scripts/test installs tinyproxy (Debian package tinyproxy-bin)."""

import re
import shutil
import socket
import subprocess
import time

import pytest

from ansible_collections.netfoundry.api.tests.e2e.plays import FRONT_ENDS
from ansible_collections.netfoundry.api.tests.e2e.test_faults import Case, free_port, run_case

# The shared core's behaviour against faulty, hostile or slow servers, proxies and planted cache files, through one
# module run and one lookup evaluation each: scripts/test runs these on the oldest and the newest ansible-core line
# (see the marker in conftest.py).
pytestmark = pytest.mark.core_behaviour

HTTPS = {'token_url': '{idp_https}/token', 'ca_path': '{ca}'}
CASES = [
    Case('proxy-option', options=dict(HTTPS, proxy='{proxy}')),
    Case('https-proxy-variable', options=HTTPS, env={'HTTPS_PROXY': '{proxy}'}),
    Case('proxy-down', options=dict(HTTPS, proxy='http://127.0.0.1:{closed}'), requests=0,
         warnings=['retry 1 of 2 in ', 'retry 2 of 2 in '],
         message='failed: could not get through the proxy http://127.0.0.1:{closed} (connection refused); check proxy '
                 'or HTTPS_PROXY/NO_PROXY'),
    Case('proxy-variable-down', options=HTTPS, env={'HTTPS_PROXY': 'http://127.0.0.1:{closed}'}, requests=0,
         warnings=['retry 1 of 2 in ', 'retry 2 of 2 in '],
         message='failed: could not get through the proxy http://127.0.0.1:{closed} (connection refused)'),
    Case('no-proxy-bypasses', options=HTTPS, env={'HTTPS_PROXY': '{proxy}', 'NO_PROXY': '127.0.0.1'}),
    Case('no-proxy-bypasses-a-dead-proxy', options=HTTPS,
         env={'https_proxy': 'http://127.0.0.1:{closed}', 'no_proxy': 'localhost,127.0.0.1'}),
]
# How many CONNECTs each case makes through tinyproxy, per front-end.
THROUGH_PROXY = {'proxy-option': 1, 'https-proxy-variable': 1}


class Tinyproxy:
    def __init__(self, binary, folder):
        self.port = free_port()
        self.log = folder / 'tinyproxy.log'
        config = folder / 'tinyproxy.conf'
        config.write_text('Port %d\nListen 127.0.0.1\nTimeout 30\nLogFile "%s"\nLogLevel Connect\nMaxClients 20\n'
                          'Allow 127.0.0.1\n' % (self.port, self.log))
        self.process = subprocess.Popen([binary, '-d', '-c', str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(('127.0.0.1', self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError('tinyproxy did not start (exit code %s)' % self.process.poll())
                time.sleep(0.05)

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    def connects(self, port):
        text = self.log.read_text() if self.log.exists() else ''
        return len(re.findall(r'Request \(file descriptor \d+\): CONNECT 127\.0\.0\.1:%d ' % port, text))

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope='module')
def tinyproxy(tmp_path_factory):
    binary = shutil.which('tinyproxy') or shutil.which('/usr/bin/tinyproxy')
    if not binary:
        pytest.fail('tinyproxy is not installed: apt-get install tinyproxy-bin (scripts/test does)')
    proxy = Tinyproxy(binary, tmp_path_factory.mktemp('tinyproxy'))
    yield proxy
    proxy.stop()


@pytest.mark.parametrize('case', CASES, ids=[case.name for case in CASES])
def test_proxy(case, testbed, playbook, tinyproxy):
    port = int(testbed.info['idp_https'].rsplit(':', 1)[1])
    before = tinyproxy.connects(port)
    run_case(case, testbed, playbook, dict(testbed.info, closed=free_port(), proxy=tinyproxy.url))
    assert tinyproxy.connects(port) - before == THROUGH_PROXY.get(case.name, 0) * len(FRONT_ENDS)
