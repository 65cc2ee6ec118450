#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r'''
module: nf_session
short_description: Open the NetFoundry API session the token role keeps for the play
version_added: 3.1.0
description:
  - The one task of the role C(netfoundry.api.token), which is the way to use it. Gets a token (through the token cache)
    or RapidAPI headers and returns the session handle that M(netfoundry.api.nf_request), M(netfoundry.api.nf_resource),
    the lookup's O(netfoundry.api.nf_token#lookup:session) and the role's outputs read. Register it as
    C(netfoundry_api_session).
  - The same as C(lookup('netfoundry.api.nf_token', output='session')), as a task; a failure is the task's one-line
    C(msg).
  - The result holds the token and is hidden from every output and callback (as with C(no_log)) when the task
    succeeds; a failed result holds only the reason.
  - It takes no C(loop), because before ansible-core 2.19 a loop's combined result is shown whole, which would show
    the token.
  - A later task that uses the registered result of a failed C(nf_session) (in a play that went on, for example with
    C(ignore_errors)) fails with that failure's reason.
  - Every option (the auth, connection and cache options below, and O(verify) and O(rapidapi_host)) can also come
    from a variable C(netfoundry_<option>); an option given to the task wins over the variable.
options:
  rapidapi_key:
    description:
      - A RapidAPI key; when set (not empty), the session holds the headers C(X-RapidAPI-Key) and C(X-RapidAPI-Host)
        instead of a token, no token is asked for, and the API URL is C(https://<rapidapi_host>/).
    type: str
  rapidapi_host:
    description:
      - The C(X-RapidAPI-Host) value RapidAPI shows for the NetFoundry API (a host name); required with
        O(rapidapi_key).
    type: str
  verify:
    description:
      - Call C(identity/v1/identities/self) once with the new session's token and fail with one line when the API
        refuses it (a token for another environment or audience); the session then holds the answer as C(identity).
        A 401 renews the token once first (a revoked cached token).
      - Not with O(rapidapi_key).
    type: bool
    default: false
extends_documentation_fragment:
  - netfoundry.api.token
  - netfoundry.api.action
seealso:
  - module: netfoundry.api.nf_request
  - plugin: netfoundry.api.nf_token
    plugin_type: lookup
requirements:
  - requests (on the controller, only when a new token is asked for)
'''

EXAMPLES = r'''
# The role does this; use the role (roles: [netfoundry.api.token]) unless you need the session under another name.
- name: Open the session once for the play
  netfoundry.api.nf_session:
    credentials_file: ~/.netfoundry/credentials.json
  register: netfoundry_api_session
  run_once: true

- name: Call the API with it (nf_request reads netfoundry_api_session by itself)
  netfoundry.api.nf_request:
    path: core/v2/networks
  register: networks
'''

RETURN = r'''
kind:
  description: C(token) (a bearer token) or C(static) (RapidAPI headers).
  returned: success
  type: str
  sample: token
api_url:
  description: The API URL, ending with C(/).
  returned: success
  type: str
  sample: https://gateway.production.netfoundry.io/
info:
  description: What M(netfoundry.api.nf_token) returns but the token and the headers (the role's
    C(netfoundry_api_token_info)).
  returned: success
  type: dict
identity:
  description: The answer of C(identity/v1/identities/self), with O(verify=true).
  returned: success and O(verify=true)
  type: dict
'''
