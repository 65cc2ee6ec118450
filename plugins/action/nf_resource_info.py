# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_resource_info: find NetFoundry resources, from the controller (the engine is
plugin_utils/_resources.py; the token and the API client are the ones every action shares)."""

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._options import plain
from ansible_collections.netfoundry.api.plugins.plugin_utils._resources import find_resources, info_problem
from ansible_collections.netfoundry.api.plugins.plugin_utils._task import ApiAction, failed


class ActionModule(ApiAction):

    GROUP = 'resource_info'

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.start(result, task_vars, mutually_exclusive=[('name', 'id'), ('names', 'id'), ('names', 'name')])
        if args is None:
            return result
        args['query'] = plain(args['query'] or {})
        problem = info_problem(args)
        if problem:
            return failed(result, problem)
        client = None
        try:
            client, api_url = self.client(args, task_vars)
            found = find_resources(client, api_url, args)
        except NFError as exc:
            return failed(result, client.redact_message(exc.message) if client else exc.message)
        result.update(changed=False, resources=found, count=len(found))
        return result
