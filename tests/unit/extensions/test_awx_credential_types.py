# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX credential types inject only the NETFOUNDRY_* variables the collection reads."""

import os

import pytest
import yaml

from ansible_collections.netfoundry.api.plugins.module_utils import _cache, _credentials, _endpoint

TYPES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'extensions', 'awx', 'credential_types')
READ_BY_THE_CORE = {_credentials.ENV_ACCOUNT, _credentials.ENV_CLIENT_ID, _credentials.ENV_CLIENT_SECRET,
                    _credentials.ENV_PASSWORD, _credentials.ENV_OAUTH_URL, _endpoint.ENV_ENVIRONMENT,
                    _cache.ENV_CACHE_DIR, _endpoint.ENV_CA_PATH, _endpoint.ENV_PROXY}


def load(name):
    with open(os.path.join(TYPES, name)) as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize('name', ['netfoundry_api_account.yml', 'netfoundry_api_account_file.yml'])
def test_injectors_use_only_variables_the_core_reads(name):
    definition = load(name)
    injected = set(definition['injectors']['env'])
    assert injected <= READ_BY_THE_CORE
    assert not any(variable.startswith('ANSIBLE_') for variable in injected)
    fields = {field['id']: field for field in definition['inputs']['fields']}
    assert set(definition['inputs']['required']) <= set(fields)
    for template in definition['injectors']['env'].values():
        referenced = template.strip('{} ').split('.')[0].split()[0]
        assert referenced in fields or referenced == 'tower'
    assert definition['kind'] == 'cloud'


def test_token_url_is_required_and_says_where_to_find_it():
    definition = load('netfoundry_api_account.yml')
    assert definition['inputs']['required'] == ['client_id', 'client_secret', 'token_url']
    help_text = {f['id']: f for f in definition['inputs']['fields']}['token_url']['help_text']
    assert 'authenticationUrl in the credentials.json NF Console downloads' in help_text
    assert 'There is no default' in help_text and 'https://netfoundry-<environment>.auth0.com/oauth/token' in help_text
    assert 'Leave empty' not in help_text


def test_the_file_type_needs_the_whole_file():
    definition = load('netfoundry_api_account_file.yml')
    assert 'authenticationUrl' in definition['inputs']['fields'][0]['help_text']


def test_secrets_are_secret_fields():
    account = {f['id']: f for f in load('netfoundry_api_account.yml')['inputs']['fields']}
    assert account['client_secret']['secret'] is True
    assert account['proxy']['secret'] is True  # it may carry user:password@
    assert load('netfoundry_api_account.yml')['injectors']['env'] == {
        'NETFOUNDRY_CLIENT_ID': '{{ client_id }}', 'NETFOUNDRY_PASSWORD': '{{ client_secret }}',
        'NETFOUNDRY_OAUTH_URL': '{{ token_url }}', 'NETFOUNDRY_ENVIRONMENT': '{{ environment }}',
        'NETFOUNDRY_CA_PATH': "{{ tower.filename if ca_bundle else '' }}", 'NETFOUNDRY_PROXY': '{{ proxy }}'}
    file_type = load('netfoundry_api_account_file.yml')
    assert file_type['inputs']['fields'][0]['secret'] is True
    assert file_type['injectors'] == {
        'file': {'template.credentials': '{{ credentials_json }}', 'template.ca_bundle': '{{ ca_bundle }}'},
        'env': {'NETFOUNDRY_API_ACCOUNT': '{{ tower.filename.credentials }}',
                'NETFOUNDRY_CA_PATH': "{{ tower.filename.ca_bundle if ca_bundle else '' }}",
                'NETFOUNDRY_PROXY': '{{ proxy }}'}}
