# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lookup through Ansible's plugin loader against the in-process test bed: the per-process memo of resolved
options serves only identical inputs, and input checks run before it. (Run by ansible-test units, which sets up
the collection loader before the tests import anything.)"""

from pathlib import Path

import pytest

from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader, lookup_loader
from ansible.template import Templar

from ansible_collections.netfoundry.api.plugins.lookup import nf_token
from ansible_collections.netfoundry.api.tests.unit.conftest import CLIENT_ID, CLIENT_SECRET

COLLECTIONS = str(Path(nf_token.__file__).resolve().parents[5])
# ansible-test has set up the collection loader already; init_plugin_loader then only says so.
pytestmark = pytest.mark.filterwarnings('ignore:AnsibleCollectionFinder has already been configured')


@pytest.fixture
def lookup():
    init_plugin_loader([COLLECTIONS])
    nf_token._OPTIONS_MEMO.clear()

    def run(variables=None, **kwargs):
        plugin = lookup_loader.get('netfoundry.api.nf_token', loader=DataLoader(), templar=Templar(loader=DataLoader()))
        return plugin.run([], variables=variables or {}, **kwargs)[0]
    return run


def test_memo_serves_only_identical_inputs(testbed, lookup, tmp_path):
    base = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, cache_dir=str(tmp_path), output='full')
    first = lookup(token_url=testbed.info['idp_http'] + '/token', **base)
    other = lookup(token_url=testbed.info['idp_http'] + '/alt/token', **base)
    again = lookup(token_url=testbed.info['idp_http'] + '/token', **base)
    base_url = testbed.info['idp_http']
    assert (first['token_url'], other['token_url']) == (base_url + '/token', base_url + '/alt/token')
    assert (first['cached'], other['cached'], again['cached']) == (False, False, True)
    assert again['access_token'] == first['access_token'] != other['access_token']
    assert len(nf_token._OPTIONS_MEMO) == 2
    variables = dict(('netfoundry_' + name, value) for name, value in base.items())
    variables['netfoundry_token_url'] = testbed.info['idp_http'] + '/token'
    assert lookup(variables)['access_token'] == first['access_token']
    assert len(nf_token._OPTIONS_MEMO) == 3
    assert testbed.stats()['total'] == 2


def test_checks_run_before_the_memo(testbed, lookup, tmp_path):
    base = dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, cache_dir=str(tmp_path),
                token_url=testbed.info['idp_http'] + '/token')
    assert lookup(**base)
    with pytest.raises(AnsibleLookupError, match="option validate_certs must be true or false, got 'perhaps'"):
        lookup(validate_certs='perhaps', **base)
    with pytest.raises(AnsibleLookupError, match='unknown option'):
        lookup(client_secrt='x', **base)
    with pytest.raises(AnsibleLookupError, match='unknown option'):
        lookup(client_secrt='x', **base)
    with pytest.raises(AnsibleLookupError, match="Invalid value 'yaml' for config 'output'"):
        lookup(output='yaml', **base)
