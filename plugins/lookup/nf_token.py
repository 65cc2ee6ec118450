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
  - "A lookup is lazy: a variable that holds this lookup is evaluated again every time it
    is used, on every host, in every fork. Without a cache a play over 100 hosts with 5 API tasks would ask the
    identity provider for 500 tokens. The token cache (on by default) makes it one request per credential per
    token lifetime: evaluations reuse the cached token until it nears expiry (O(min_ttl)); when many forks find
    the cache cold at once, one asks and the others wait for its token."
  - Options come from keyword arguments, then play or host variables (C(netfoundry_<option>), for example
    C(netfoundry_client_id)), then the C([netfoundry]) section of C(ansible.cfg) (never a secret option, O(client_secret)
    or O(proxy) there is an error); the credential can also come from the C(NETFOUNDRY_*) environment variables and
    files listed in the notes. Values are checked the same way as the module's, whatever their source.
  - A C(netfoundry_*) variable that is neither an option nor an output of this collection gets a warning naming the
    closest valid name (once per process).
  - At C(-v) each evaluation says whether the token came from the cache (or is a ready E(NETFOUNDRY_API_TOKEN)), how
    long it has left and where the API URL came from (a production guess says so), never the token.
options:
  _terms:
    description: Not used. Give the options as keyword arguments.
    required: false
  output:
    description:
      - V(token) returns the access token string.
      - "V(headers) returns a dictionary with the C(Authorization: Bearer ...) header, ready for the C(headers) of
        M(ansible.builtin.uri)."
      - V(full) returns the dictionary the module returns (without C(ansible_facts)).
      - V(session) returns a handle that holds the token B(and the credential) for later evaluations with O(session)
        and for M(netfoundry.api.nf_request) (its C(session) option). The role keeps it in memory this way (its task
        M(netfoundry.api.nf_session) returns the same handle), as C(netfoundry_api_session). It is a secret; keep it
        in a C(no_log) task's M(ansible.builtin.set_fact) (not
        C(cacheable)) and never print it. Its documented keys are C(kind) (V(token), or V(static) for RapidAPI),
        C(api_url), C(info) (where the token came from, never the token) and C(identity) (with O(verify=true)).
    type: str
    choices: [token, headers, full, session]
    default: token
    vars:
      - name: netfoundry_output
    ini:
      - section: netfoundry
        key: output
  session:
    description:
      - What an earlier evaluation with O(output=session) returned. The token it holds is returned while it is fresh
        (see O(min_ttl)), with no file read; then a renewed one is got through the token cache with the options of
        that evaluation. With O(cache=false) there, renewals go through a private directory under ansible-core's
        temporary directory of the run, which C(ansible-playbook) removes when it ends; O(force=true) there was for
        the session's first token only.
      - Lets later tasks use a token whose inputs (role parameters, C(include_role) variables) they cannot see.
        Every other option is ignored with it.
      - A RapidAPI session (see O(rapidapi_key)) gives only O(output=headers).
    type: dict
  rapidapi_key:
    description:
      - Only with O(output=session). A RapidAPI key; when set (not empty), the session holds the headers
        C(X-RapidAPI-Key) and C(X-RapidAPI-Host) instead of a token, no token is asked for, and the API URL is
        C(https://<rapidapi_host>/).
    type: str
    vars:
      - name: netfoundry_rapidapi_key
  rapidapi_host:
    description:
      - Only with O(output=session). The C(X-RapidAPI-Host) value RapidAPI shows for the NetFoundry API (a host
        name); required with O(rapidapi_key).
    type: str
    vars:
      - name: netfoundry_rapidapi_host
    ini:
      - section: netfoundry
        key: rapidapi_host
  verify:
    description:
      - Only with O(output=session). Call C(identity/v1/identities/self) once with the new session's token and fail
        with one line when the API refuses it (a token for another environment or audience); the session then holds
        the answer as C(identity). A 401 renews the token once first (a revoked cached token).
      - Not with O(rapidapi_key).
    type: bool
    default: false
    vars:
      - name: netfoundry_verify
    ini:
      - section: netfoundry
        key: verify
extends_documentation_fragment:
  - netfoundry.api.token
  - netfoundry.api.token.plugins
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
  no_log: true  # uri's result holds its headers, the token with them

- name: Options from variables, for example in group_vars/all.yml (secrets from Ansible Vault)
  vars:
    netfoundry_client_id: "{{ vault_nf_client_id }}"
    netfoundry_client_secret: "{{ vault_nf_client_secret }}"
    netfoundry_token_url: "{{ vault_nf_token_url }}"  # authenticationUrl in NF Console's credentials.json
    nf_headers: "{{ lookup('netfoundry.api.nf_token', output='headers') }}"
  ansible.builtin.uri:
    url: https://gateway.production.netfoundry.io/identity/v1/identities/self
    headers: "{{ nf_headers }}"
  no_log: true

- name: Everything the module returns
  ansible.builtin.debug:
    msg: "{{ nf.credential_source }}, {{ nf.expires_in }} s left, cached: {{ nf.cached }}"
  vars:
    nf: "{{ lookup('netfoundry.api.nf_token', output='full') }}"
'''

RETURN = r'''
_raw:
  description:
    - The access token (O(output=token)), the header dictionary (O(output=headers)), the module's result
      dictionary (O(output=full)), or the session handle for O(session) (O(output=session)).
  type: raw
'''

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.plugin_utils._lookup import evaluate
from ansible_collections.netfoundry.api.plugins.plugin_utils._sources import needs_template

display = Display()


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        def template(value):
            return self._templar.template(value) if needs_template(value) else value

        try:
            return [evaluate(terms, kwargs, variables or {}, template, display)]
        except NFError as exc:
            raise AnsibleLookupError('netfoundry.api.nf_token: %s' % exc.message)
