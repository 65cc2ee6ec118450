# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
name: nf_token
short_description: A NetFoundry API bearer token (or ready headers), cached for its lifetime
version_added: 1.0.0
description:
  - Returns a bearer token for the NetFoundry API, got with the OAuth2 C(client_credentials) grant from an API
    account, exactly as the M(netfoundry.api.nf_token) module does (same options, same core), on the controller.
  - "A lookup is lazy: a variable that holds C(lookup('netfoundry.api.nf_token')) is evaluated again every time it
    is used, on every host, in every fork. Without a cache a play over 100 hosts with 5 API tasks would ask the
    identity provider for 500 tokens. The token cache (on by default) makes it one request per credential per
    token lifetime: evaluations reuse the cached token until it nears expiry (O(min_ttl)); when many forks find
    the cache cold at once, one asks and the others wait for its token."
  - Options come from keyword arguments, then play or host variables (C(netfoundry_<option>), for example
    C(netfoundry_client_id)), then the C([netfoundry]) section of C(ansible.cfg); the credential can also come
    from the C(NETFOUNDRY_*) environment variables and files listed in the notes.
  - At C(-v) each evaluation says whether the token came from the cache and how long it has left, never the token.
options:
  _terms:
    description: Not used. Give the options as keyword arguments.
    required: false
  output:
    description:
      - V(token) returns the access token string.
      - V(headers) returns C({"Authorization"{:} "Bearer ..."}), ready for the C(headers) of M(ansible.builtin.uri).
      - V(full) returns the dictionary the module returns (without C(ansible_facts)).
    type: str
    choices: [token, headers, full]
    default: token
    vars:
      - name: netfoundry_output
    ini:
      - section: netfoundry
        key: output
extends_documentation_fragment:
  - netfoundry.api.auth
  - netfoundry.api.auth.plugins
  - netfoundry.api.connection
  - netfoundry.api.connection.plugins
  - netfoundry.api.cache
  - netfoundry.api.cache.plugins
requirements:
  - requests (only when a new token is asked for)
author:
  - NetFoundry API collection contributors (@netfoundry)
'''

EXAMPLES = r'''
- name: Call the API with headers from the lookup (one token request per token lifetime, however many hosts)
  ansible.builtin.uri:
    url: https://gateway.production.netfoundry.io/core/v2/networks
    headers: "{{ lookup('netfoundry.api.nf_token', credentials_file='~/.netfoundry/credentials.json', output='headers') }}"

- name: Options from variables, for example in group_vars/all.yml (secrets from Ansible Vault)
  vars:
    netfoundry_client_id: "{{ vault_nf_client_id }}"
    netfoundry_client_secret: "{{ vault_nf_client_secret }}"
    nf_headers: "{{ lookup('netfoundry.api.nf_token', output='headers') }}"
  ansible.builtin.uri:
    url: https://gateway.production.netfoundry.io/identity/v1/identities/self
    headers: "{{ nf_headers }}"

- name: Everything the module returns
  ansible.builtin.debug:
    msg: "{{ nf.credential_source }}, {{ nf.expires_in }} s left, cached: {{ nf.cached }}"
  vars:
    nf: "{{ lookup('netfoundry.api.nf_token', output='full') }}"
'''

RETURN = r'''
_raw:
  description:
    - The access token (O(output=token)), the header dictionary (O(output=headers)), or the module's result
      dictionary (O(output=full)).
  type: raw
'''

import json
import os

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError
from ansible_collections.netfoundry.api.plugins.module_utils._options import OPTION_SPECS, OptionAdapter
from ansible_collections.netfoundry.api.plugins.module_utils._token import get_token, prepare

display = Display()
VAR_NAMES = ['netfoundry_' + name for name in list(OPTION_SPECS) + ['output']]
BOOL_OPTIONS = [name for name, spec in OPTION_SPECS.items() if spec.get('type') == 'bool']
# Options the config system resolved, by what it resolved them from (keywords, variables, the environment
# variables the options read): a lookup evaluated on every host and in every task asks it once per distinct input.
_OPTIONS_MEMO = {}
MEMO_SIZE = 64


def _plain(value):
    """True for a value that templating would return unchanged."""
    if isinstance(value, str):
        return '{{' not in value and '{%' not in value and '{#' not in value
    return value is None or isinstance(value, (bool, int, float))


def _check_booleans(direct, var_options):
    """The config system turns any unknown word into false (validate_certs='perhaps' would switch TLS checks off):
    keywords and variables of boolean options must be real booleans or yes/no/true/false/on/off/1/0."""
    for name in BOOL_OPTIONS:
        for given, origin in ((direct.get(name), 'option ' + name), (var_options.get('netfoundry_' + name),
                                                                     'variable netfoundry_' + name)):
            if given is None:
                continue
            try:
                boolean(given, strict=True)
            except TypeError:
                raise AnsibleLookupError('netfoundry.api.nf_token: %s must be true or false, got %r'
                                         % (origin, given if isinstance(given, (bool, int, float)) else str(given)))


# Options whose value is a secret (proxy URLs may carry user:password@): the config system's type error prints the
# value, so their type is checked first, in words that do not show it.
SECRET_OPTIONS = ('client_secret', 'proxy')


def _check_secret_types(direct, var_options):
    for name in SECRET_OPTIONS:
        for given, origin in ((direct.get(name), 'option ' + name), (var_options.get('netfoundry_' + name),
                                                                     'variable netfoundry_' + name)):
            if given is not None and not isinstance(given, str):
                kind = 'a dictionary' if isinstance(given, dict) else 'a list' if isinstance(given, (list, tuple)) \
                    else type(given).__name__
                raise AnsibleLookupError('netfoundry.api.nf_token: %s must be a string, got %s (the value is not shown: '
                                         'it may be a secret)' % (origin, kind))


class LookupModule(LookupBase):

    _env_names = None  # the environment variables the options read (from their definitions, once per process)

    def _memo_key(self, direct, var_options):
        """What the config system resolves the options from, as one string; None when it cannot be one."""
        if self._env_names is None:
            LookupModule._env_names = sorted(entry['name'] for definition in self.option_definitions.values()
                                             for entry in definition.get('env') or [])
        environment = [os.environ.get(name) for name in self._env_names]
        try:
            return json.dumps([direct, var_options, environment], sort_keys=True)
        except (TypeError, ValueError):
            return None

    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError("netfoundry.api.nf_token takes no terms (got %d): give its options as keywords, "
                                     "for example lookup('netfoundry.api.nf_token', output='headers')" % len(terms))
        # Variables reach a lookup untemplated: the netfoundry_<option> ones (often "{{ vault_... }}") are
        # templated here, and only those (the role's outputs hold this lookup and must not be).
        variables = variables or {}
        var_options = dict((name, variables[name] if _plain(variables[name]) else self._templar.template(variables[name]))
                           for name in VAR_NAMES if name in variables)
        _check_booleans(kwargs, var_options)
        _check_secret_types(kwargs, var_options)
        key = self._memo_key(kwargs, var_options)
        if key in _OPTIONS_MEMO:
            options, origins = _OPTIONS_MEMO[key]
            self._options, self._origins = dict(options), dict(origins)
        else:
            try:
                self.set_options(var_options=var_options, direct=kwargs)
            except AnsibleError as exc:
                raise AnsibleLookupError('netfoundry.api.nf_token: %s' % exc.message)
            if key is not None:
                if len(_OPTIONS_MEMO) >= MEMO_SIZE:
                    _OPTIONS_MEMO.clear()
                _OPTIONS_MEMO[key] = (dict(self._options), dict(self._origins))
        unknown = sorted(set(kwargs) - set(self._options))
        if unknown:
            raise AnsibleLookupError('netfoundry.api.nf_token: unknown option(s) %s; the options are %s'
                                     % (', '.join(unknown), ', '.join(sorted(self._options))))
        output = self.get_option('output')
        try:
            request = prepare(OptionAdapter.from_plugin(self))
            result = get_token(request, warn=display.warning)
        except NFTokenError as exc:
            raise AnsibleLookupError(exc.message)
        display.v('netfoundry.api.nf_token: %s token for %s (%s), %s s left'
                  % ('cached' if result['cached'] else 'new', request.credential.client_id, result['credential_source'],
                     result['expires_in'] if result['expires_in'] is not None else 'unknown'))
        if output == 'headers':
            return [result['headers']]
        if output == 'full':
            return [result]
        return [result['access_token']]
