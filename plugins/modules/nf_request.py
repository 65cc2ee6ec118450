#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: nf_request
short_description: Call the NetFoundry API with a cached bearer token that never shows
version_added: 2.0.0
description:
  - Sends one request (or, with O(all_pages), every page of a list) to the NetFoundry API with the bearer token of
    an API account, and returns the API's answer.
  - The token comes from the token cache that M(netfoundry.api.nf_token), the P(netfoundry.api.nf_token#lookup)
    lookup and the role C(netfoundry.api.token) share, so a play of many hosts and tasks costs one token request
    per token lifetime. When the API answers 401 (the token was revoked or has expired), a new token is got once
    (as with O(force)) and the call is sent once more.
  - The token travels only in the request's C(Authorization) header. It is in no result, not in C(invocation), not
    in the response headers returned, and in no output at any verbosity, so a job's events and logs (AWX, automation
    controller, C(ANSIBLE_LOG_PATH)) never hold it. The client secret never shows either.
  - The credential's environment variables (E(NETFOUNDRY_API_ACCOUNT), E(NETFOUNDRY_CLIENT_ID), ...) are read on
    the controller. With the credential in variables (the role's inputs too) or in the environment, a task needs only
    O(path).
options:
  path:
    description:
      - The API path, relative to the API URL (C(api_url) of M(netfoundry.api.nf_token)), for example
        C(core/v2/networks).
      - The API URL is O(audience) when set (or derived), else O(resource), else
        C(https://gateway.<environment>.netfoundry.io/).
      - Give O(path) or O(url), not both.
    type: str
  url:
    description:
      - The absolute URL to call instead of O(path). Plain C(http://) is refused for every host but a literal
        loopback address.
      - It must be on the API URL's scheme, host and port, unless O(send_token_to_other_hosts=true), since the bearer
        token is sent with the request.
    type: str
  send_token_to_other_hosts:
    description:
      - Send the bearer token to a O(url) on another scheme, host or port than the API URL. Only for a service you
        trust with the token (it can call the NetFoundry API as your API account until the token expires).
    type: bool
    default: false
  return_enrollment_secrets:
    description:
      - "The one-time credentials and passwords in what the API answers (an endpoint's or edge router's C(jwt), a
        C(registrationKey), a network's C(sdsPassword), its controller's C(zitiPassword), at any depth) are replaced by
        C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER) in RV(json), as M(netfoundry.api.nf_resource) hides them. Set this to
        V(true) to get them as the API gives them (for example the answer of
        C(POST core/v2/edge-routers/<id>/registration-key)), and use C(no_log) on the task."
    type: bool
    default: false
  method:
    description:
      - The HTTP method; one of C(GET), C(HEAD), C(POST), C(PUT), C(PATCH), C(DELETE), C(OPTIONS).
    type: str
    default: GET
  body:
    description:
      - The request body, sent as JSON (C(Content-Type) C(application/json)). A string is sent as it is.
    type: raw
  query:
    description:
      - "Query parameters added to the URL, for example C({\"page\": 0, \"size\": 100})."
    type: dict
  status_code:
    description:
      - The HTTP statuses that count as success; any other fails the task (with the answer in the result).
    type: list
    elements: int
    default: [200]
  all_pages:
    description:
      - Read every page of a NetFoundry (Spring HAL) list and return one answer whose C(_embedded) lists hold the
        items of every page.
      - The next page is the answer's C(_links.next), else the page after C(page.number) while it is below
        C(page.totalPages). Use O(query) C(size) for fewer, larger pages. The token is never sent to a next page
        on another host.
      - Only with O(method=GET).
      - A page that is not a HAL object, a next link that is not an http(s) URL, on another host or back to a page
        already read, fail the task with one line naming the page and what was wrong; so do O(max_pages) and
        O(max_bytes).
    type: bool
    default: false
  max_pages:
    description:
      - With O(all_pages), the most pages read; more fail the task (ask for larger pages with O(query) C(size)).
    type: int
    default: 1000
  max_bytes:
    description:
      - With O(all_pages), the most bytes the pages' bodies may add up to (the merged answer is held in memory and
        returned); more fail the task. One answer is never read past 16 MiB.
    type: int
    default: 67108864
notes:
  - The API calls and the token request go through one HTTP client, with the same rules. O(timeout), O(retries),
    O(validate_certs), O(ca_path) and O(proxy) apply to both. O(timeout) bounds each attempt as a whole, from the
    connection to the answer's last byte, however slowly a server sends. A plain C(http://) API URL (a literal
    loopback address only) is never sent through a proxy, neither O(proxy) nor C(HTTP_PROXY).
  - The API's answer is returned with every token the task sent (and the client secret) replaced by C(********),
    in RV(json), RV(content), RV(headers), RV(url) and C(msg), should the API repeat it. An answer's text is read in
    the charset its C(Content-Type) names when Python knows it, else as UTF-8; JSON nested deeper than 64 levels is
    returned as RV(content).
  - "O(retries): API calls with C(GET), C(HEAD), C(PUT), C(DELETE) or C(OPTIONS) are retried after a connection
    error, a timeout, or HTTP 429, 500, 502, 503 or 504, with a warning per retry. C(POST) and C(PATCH) are never
    retried: a call that failed after it was sent may have been applied."
  - Redirects are not followed (the token must not go elsewhere); a 3xx answer is returned as it is, and fails the
    task unless it is in O(status_code).
  - "Check mode: C(GET) and C(HEAD) run; other methods are skipped with a message."
  - C(changed) is false for C(GET) and C(HEAD) and true for every other method that succeeded.
extends_documentation_fragment:
  - netfoundry.api.token
  - netfoundry.api.action
  - netfoundry.api.action.session
attributes:
  check_mode:
    support: partial
    details: Only C(GET) and C(HEAD) calls are sent in check mode; the others are skipped.
seealso:
  - module: netfoundry.api.nf_token
  - plugin: netfoundry.api.nf_token
    plugin_type: lookup
requirements:
  - requests (on the controller)
'''

EXAMPLES = r'''
- name: List every network (all pages), with the credentials file NF Console downloads
  netfoundry.api.nf_request:
    path: core/v2/networks
    all_pages: true
    credentials_file: ~/.netfoundry/credentials.json
  register: networks

- name: Show their names
  ansible.builtin.debug:
    msg: "{{ networks.json._embedded.networkList | map(attribute='name') | list }}"

- name: The credential in variables (group_vars, Ansible Vault) or in the environment; a task needs only the path
  vars:
    netfoundry_client_id: "{{ vault_nf_client_id }}"
    netfoundry_client_secret: "{{ vault_nf_client_secret }}"
    netfoundry_token_url: "{{ vault_nf_token_url }}"  # authenticationUrl in NF Console's credentials.json
  netfoundry.api.nf_request:
    path: identity/v1/identities/self
  register: me

- name: After the role netfoundry.api.token, a task needs only the path (it uses the play's token)
  netfoundry.api.nf_request:
    path: core/v2/networks
  run_once: true

- name: Create a network in a network group (not sent in check mode; nf_resource does it idempotently)
  netfoundry.api.nf_request:
    path: core/v2/networks
    method: POST
    body:
      name: lab-network-2
      networkGroupId: "{{ my_network_group_id }}"  # rest/v1/network-groups lists them
      locationCode: us-east-1
      size: medium
    status_code: [200, 201, 202]
    credentials_file: ~/.netfoundry/credentials.json

- name: Defaults for every NetFoundry task of a play
  module_defaults:
    group/netfoundry.api.nf:
      credentials_file: /etc/netfoundry/credentials.json
  block:
    - name: Who am I
      netfoundry.api.nf_request:
        path: identity/v1/identities/self
'''

RETURN = r'''
status:
  description: The HTTP status of the answer (of the last page with O(all_pages)).
  returned: when the API answered
  type: int
  sample: 200
json:
  description:
    - The answer's JSON, when it is JSON. With O(all_pages), the first page with the C(_embedded) lists of every
      page and the last page's C(page); no C(_links).
    - Enrollment JWTs, registration keys and passwords are C(VALUE_SPECIFIED_IN_NO_LOG_PARAMETER) unless
      O(return_enrollment_secrets=true).
  returned: when the answer is JSON
  type: raw
  sample: {"_embedded": {"networkList": [{"name": "demo-network"}]}, "page": {"totalElements": 1, "totalPages": 1}}
content:
  description: The answer's text, when it is not JSON.
  returned: when the answer has a body that is not JSON
  type: str
url:
  description: The URL called, without its query (with O(all_pages), the first page's).
  returned: when the API answered
  type: str
  sample: https://gateway.production.netfoundry.io/core/v2/networks
headers:
  description: The answer's headers (never C(Authorization)).
  returned: when the API answered
  type: dict
  sample: {"Content-Type": "application/hal+json"}
elapsed:
  description: Seconds spent on the API calls (all attempts and pages; not the token request).
  returned: when the API answered
  type: float
  sample: 0.131
pages:
  description: How many pages were read.
  returned: O(all_pages=true)
  type: int
  sample: 3
token_renewed:
  description:
    - Whether the API refused the token (401) and another one was got for the call. When many tasks or hosts are
      refused at once, one new token is asked for; the others take it from the token cache.
  returned: when the API answered
  type: bool
  sample: false
'''
