# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

class ModuleDocFragment:
    # What every controller-side action of the collection shares (nf_request, nf_resource, nf_resource_info,
    # nf_export, nf_session): it runs on the controller, in the action group netfoundry.api.nf, without async. The
    # descriptions are ansible.builtin.action_common_attributes' own. check_mode full and diff_mode none are the
    # common case; a module that differs says so in its own attributes.
    DOCUMENTATION = r'''
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target, if not supported
      the action will be skipped.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: all
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the
      controller.
    support: full
  async:
    description: Supports being used with the C(async) keyword.
    support: none
    details: It runs on the controller.
  bypass_host_loop:
    description:
      - Forces a 'global' task that does not execute per host, this bypasses per host templating and serial,
        throttle and other loop considerations.
      - Conditionals will work as if C(run_once) is being used, variables used will be from the first available host.
      - This action will not work normally outside of lockstep strategies.
    support: none
  action_group:
    description: Action is part of action_group(s), for convenient setting of module_defaults.
    support: full
    membership:
      - netfoundry.api.nf
notes:
  - This is an action that runs on the controller; nothing is sent to the managed hosts.
author:
  - NetFoundry API collection contributors (@netfoundry)
'''

    # The session option of the actions that call the API (not nf_session, which makes the session), and how the token's
    # options reach them. (Every fragment is a plain string: ansible-test's yamllint sanity test reads them as such.)
    SESSION = r'''
options:
  session:
    description:
      - A session handle, as the role C(netfoundry.api.token) sets it (C(netfoundry_api_session)) or the
        P(netfoundry.api.nf_token#lookup) lookup returns it with C(output=session). Its token is used while it is
        fresh (no token request), then renewed through the token cache.
      - When not given, the variable C(netfoundry_api_session) is used if it is set and the task gives none of the
        token's options (the auth, connection and cache options below) itself. So after the role, a task needs
        none of them, and the role's C(netfoundry_force) and C(netfoundry_cache) inputs apply to the play's one
        token, not to every call.
    type: dict
notes:
  - Every option of the token (the auth, connection and cache options) can also come from a variable
    C(netfoundry_<option>) (for example C(netfoundry_credentials_file) in group_vars); an option given to the task
    wins over the variable.
'''

    # The type option of nf_resource and nf_resource_info (the option table's choices: plugin_utils/_types.py's TYPES).
    RESOURCE_TYPE = r'''
options:
  type:
    description:
      - The resource type, as in the API's path C(core/v2/<type>).
    type: str
    required: true
    choices: [networks, endpoints, edge-routers, edge-router-policies, services, service-policies,
              service-edge-router-policies, app-wans, posture-checks, certificate-authorities, configs, config-types,
              terminators]
'''
