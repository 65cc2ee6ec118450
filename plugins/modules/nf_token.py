#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: nf_token
short_description: Get a NetFoundry API bearer token (OAuth2 client_credentials)
version_added: 1.0.0
description:
  - Exchanges a NetFoundry API account (client ID and secret) for a short-lived bearer token at NetFoundry's
    identity provider with the OAuth2 C(client_credentials) grant, and returns the token, ready
    C(Authorization) headers and the API URL, as results and as facts.
  - Speaks both of NetFoundry's identity providers (Auth0 with a JSON body; Cognito with HTTP Basic and the
    NF Console credentials file) and any RFC 6749 server.
  - "The module runs where the task runs. To get one token for a whole play, run it once on the controller
    with C(delegate_to: localhost) and C(run_once: true); the facts are then set for every host in the play."
  - "The returned token is a secret. Use C(no_log: true) on the task when its output is shown to others.
    To call the API without handling the token at all, use M(netfoundry.api.nf_request)."
  - The token facts are left out when the controller's fact cache is persistent, see O(token_facts).
  - Tokens are cached (see O(cache)), so running the module on every host, or in every play, costs one token
    request per token lifetime; O(state=absent) forgets the cached token.
options:
  state:
    description:
      - V(present) returns a token (from the cache while it is fresh).
      - V(absent) removes this credential's token from the cache and returns no token; C(changed) is true when
        there was one.
    type: str
    choices: [present, absent]
    default: present
  token_facts:
    description:
      - Whether the secret facts C(netfoundry_api_token) and C(netfoundry_api_headers) are published.
      - When not set, they are published unless the controller's fact cache is persistent (C(fact_caching) is not
        C(memory), for example C(jsonfile) or C(redis), or AWX's and automation controller's fact storage, which
        ansible-runner turns on), because a persistent cache would write the token to disk or to a database. The
        other facts are published either way, and the task warns, naming this option.
      - V(true) publishes them even to a persistent fact cache; V(false) never.
    type: bool
    version_added: 2.0.0
extends_documentation_fragment:
  - netfoundry.api.token
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.actiongroups
  - ansible.builtin.action_common_attributes.facts
attributes:
  check_mode:
    support: full
    details: >-
      With O(state=present) the module asks for a token in check mode too and never reports a change.
      With O(state=absent) check mode reports whether a cached token would be removed.
  diff_mode:
    support: none
  platform:
    platforms: posix
  action_group:
    support: full
    membership:
      - netfoundry.api.nf
  facts:
    support: full
requirements:
  - requests
author:
  - NetFoundry API collection contributors (@netfoundry)
'''

EXAMPLES = r'''
- name: Get a token with the credentials file NF Console downloaded
  netfoundry.api.nf_token:
    credentials_file: ~/.netfoundry/credentials.json
  register: nf
  no_log: true

- name: List networks with the token (no_log; uri would show the Authorization header in its result)
  ansible.builtin.uri:
    url: "{{ nf.api_url }}core/v2/networks"
    headers: "{{ nf.headers }}"
  register: networks
  no_log: true

- name: Better, call the API with netfoundry.api.nf_request (same token cache; the token never shows)
  netfoundry.api.nf_request:
    path: core/v2/networks
    credentials_file: ~/.netfoundry/credentials.json
  register: networks

- name: One token for the whole play, got on the controller; the facts land on every host
  netfoundry.api.nf_token:
    client_id: "{{ vault_nf_client_id }}"
    client_secret: "{{ vault_nf_client_secret }}"
    # authenticationUrl in the credentials.json NF Console gave you (there is no default token URL)
    token_url: "{{ vault_nf_token_url }}"
  delegate_to: localhost
  run_once: true
  no_log: true

- name: Use the facts on every host (with a persistent fact cache, set token_facts to get the token facts)
  ansible.builtin.uri:
    url: "{{ ansible_facts['netfoundry_api_url'] }}identity/v1/identities/self"
    headers: "{{ ansible_facts['netfoundry_api_headers'] }}"
  no_log: true

- name: The credential from the environment NetFoundry's CLI uses (NETFOUNDRY_API_ACCOUNT, or NETFOUNDRY_CLIENT_ID + NETFOUNDRY_PASSWORD + NETFOUNDRY_OAUTH_URL)
  netfoundry.api.nf_token:
  environment:
    NETFOUNDRY_API_ACCOUNT: /etc/netfoundry/credentials.json
  no_log: true

- name: An API account made for the old Auth0 guide names its token URL (JSON body with the audience)
  netfoundry.api.nf_token:
    client_id: "{{ vault_nf_client_id }}"
    client_secret: "{{ vault_nf_client_secret }}"
    token_url: https://netfoundry-production.auth0.com/oauth/token
  no_log: true

- name: A token the CI pipeline already holds in NETFOUNDRY_API_TOKEN (no exchange; its API URL read from its claims)
  netfoundry.api.nf_token:
  register: nf
  no_log: true

- name: Say when the API URL is a guess (neither the token URL nor the token named an environment)
  ansible.builtin.debug:
    msg: "API {{ nf.api_url }} ({{ nf.api_url_source }}); set environment or audience if this is not it"
  when: nf.api_url_guessed

- name: Any other OAuth2 server, with the secret in the form body and an RFC 8707 resource
  netfoundry.api.nf_token:
    client_id: my-client
    client_secret: "{{ vault_secret }}"
    token_url: https://idp.example.com/oauth2/token
    auth_method: client_secret_post
    resource: https://api.example.com/
    ca_path: /etc/pki/tls/certs/internal-ca.pem
    retries:
      total: 5
      backoff_factor: 1
  no_log: true

- name: Forget the cached token (for example after rotating the secret in NF Console)
  netfoundry.api.nf_token:
    credentials_file: ~/.netfoundry/credentials.json
    state: absent

- name: Defaults for every NetFoundry task of a play
  module_defaults:
    group/netfoundry.api.nf:
      credentials_file: /etc/netfoundry/credentials.json
  block:
    - name: Get a token
      netfoundry.api.nf_token:
      no_log: true
'''

RETURN = r'''
access_token:
  description: The bearer token. A secret; hide it with C(no_log).
  returned: O(state=present)
  type: str
cached:
  description: Whether the token came from the cache.
  returned: O(state=present)
  type: bool
  sample: true
token_type:
  description: Always C(Bearer) (other token types are refused).
  returned: O(state=present)
  type: str
  sample: Bearer
expires_in:
  description: Seconds the token has left when the module returns; null when the server gives no expiry.
  returned: O(state=present)
  type: int
  sample: 3599
expires_at:
  description:
    - When the token expires, in seconds since the epoch; the earlier of the request time plus the server's
      C(expires_in) and the JWT's C(exp) claim (either alone when only one is given); null when neither is.
  returned: O(state=present)
  type: int
  sample: 1795000000
audience:
  description: The audience asked for (given, or the NetFoundry default); null when none.
  returned: O(state=present)
  type: str
  sample: https://gateway.production.netfoundry.io/
api_url:
  description:
    - The API base URL, ending with C(/) - O(audience), else O(resource), else
      C(https://gateway.<environment>.netfoundry.io/) for the environment of the token URL, O(environment), the
      token's claims, or production as a guess (see RV(api_url_source)).
  returned: O(state=present)
  type: str
  sample: https://gateway.production.netfoundry.io/
api_url_source:
  description:
    - "Where RV(api_url) came from - C(option audience), C(option resource), C(token URL), C(option environment),
      C(env NETFOUNDRY_ENVIRONMENT), C(token claim scope), C(token claim aud), C(token claim iss), or
      C(default (production): ...) when it is a guess."
  returned: O(state=present)
  type: str
  sample: token URL
api_url_guessed:
  description:
    - True when RV(api_url) is production only because nothing named an environment; set O(environment) or
      O(audience) to be sure.
  returned: O(state=present)
  type: bool
  sample: false
headers:
  description: The C(Authorization) header, ready for the C(headers) of M(ansible.builtin.uri).
  returned: O(state=present)
  type: dict
  sample: {"Authorization": "Bearer eyJhbGciOi..."}
token_url:
  description: The token endpoint used (without query); null for a ready token from E(NETFOUNDRY_API_TOKEN).
  returned: O(state=present)
  type: str
  sample: https://netfoundry-production-xfjiye.auth.us-east-1.amazoncognito.com/oauth2/token
auth_method:
  description: The way the credential was sent, after O(auth_method=auto) was resolved; null for a ready token.
  returned: O(state=present)
  type: str
  sample: client_secret_basic
credential_source:
  description: Where the credential came from (never the secret).
  returned: success
  type: str
  sample: option credentials_file /home/me/.netfoundry/credentials.json
environment:
  description:
    - The NetFoundry environment of RV(api_url) (given, or read from the token URL or the token's claims).
    - V(null) when RV(api_url) is no NetFoundry gateway (an emulator, a private deployment) and nothing named an
      environment.
  returned: O(state=present)
  type: str
  sample: production
claims:
  description: The JWT's claims, decoded without checking the signature (for display); empty when the token is not a JWT.
  returned: O(state=present)
  type: dict
  sample: {"client_id": "3tcm6to5...", "scope": "https://gateway.production.netfoundry.io//ignore-scope", "exp": 1795000000}
ansible_facts:
  description:
    - Facts for later tasks.
    - The two secret facts C(netfoundry_api_token) and C(netfoundry_api_headers) are left out when the controller's
      fact cache is persistent (C(fact_caching) other than C(memory); AWX fact storage), unless O(token_facts=true),
      so that the token is not written to the cache.
  returned: O(state=present)
  type: complex
  contains:
    netfoundry_api_token:
      description: The bearer token.
      type: str
      returned: O(state=present), unless O(token_facts) is false or unset with a persistent fact cache
    netfoundry_api_headers:
      description: The C(Authorization) header dictionary.
      type: dict
      returned: O(state=present), unless O(token_facts) is false or unset with a persistent fact cache
    netfoundry_api_url:
      description: The API base URL.
      type: str
      returned: O(state=present)
    netfoundry_api_token_expires_at:
      description: The token's expiry, seconds since the epoch.
      type: int
      returned: O(state=present)
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.netfoundry.api.plugins.module_utils._errors import URL_OPTIONS, NFError, url_password
from ansible_collections.netfoundry.api.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.netfoundry.api.plugins.module_utils._options import CORE_GROUPS, argspec
from ansible_collections.netfoundry.api.plugins.module_utils._token import forget_token, get_token, prepare


def main():
    module = AnsibleModule(argument_spec=argspec(*CORE_GROUPS + ('module',)), supports_check_mode=True)
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'))
    # The password of a URL option (a proxy's user:password@) is masked like a no_log option; the rest of the URL stays
    # readable in messages.
    for name in URL_OPTIONS:
        password = url_password(module.params.get(name))
        if password:
            module.no_log_values.add(password)
    try:
        request = prepare(module.params)
        # A secret read from a file or the environment is masked in all output, like a no_log option.
        # (A ready token has none: masking None would mask every "None" in the output.)
        if request.credential.client_secret:
            module.no_log_values.add(request.credential.client_secret)
        if module.params['state'] == 'absent':
            removed = forget_token(request, warn=module.warn, check_mode=module.check_mode)
            module.exit_json(changed=removed, credential_source=request.credential.source)
        result = get_token(request, warn=module.warn)
    except NFError as exc:
        module.fail_json(msg=exc.message)
    result['ansible_facts'] = dict(
        netfoundry_api_url=result['api_url'],
        netfoundry_api_token_expires_at=result['expires_at'],
    )
    # None: the action plugin found a memory fact cache (or the module runs without it).
    if module.params['token_facts'] is not False:
        result['ansible_facts'].update(netfoundry_api_token=result['access_token'], netfoundry_api_headers=result['headers'])
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
