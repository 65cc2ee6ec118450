# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_resource: one NetFoundry resource in the wanted state, from the controller. The plan and the work
are the engine's (plugin_utils/_resources.py, its type table plugin_utils/_types.py); the token and the API client are
the ones every action shares."""

from ansible import constants as C
from ansible.utils.display import Display

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._options import plain
from ansible_collections.netfoundry.api.plugins.plugin_utils._resources import Resources, check_args
from ansible_collections.netfoundry.api.plugins.plugin_utils._task import ApiAction, failed

display = Display()


class ActionModule(ApiAction):

    GROUP = 'resource'

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.start(result, task_vars, mutually_exclusive=[('name', 'id')], required_one_of=[('name', 'id')])
        if args is None:
            return result
        args['spec'] = plain(args['spec'] or {})
        problem = check_args(args)
        if problem:
            return failed(result, problem)
        client = engine = None
        try:
            client, api_url = self.client(args, task_vars)
            # check mode's creates are noted in the run's private local tmp, for the later tasks that name them
            engine = Resources(client, api_url, args['type'], self._task.check_mode, local_tmp=C.DEFAULT_LOCAL_TMP)
            result.update(engine.ensure(args, warn=client.warn))
        except NFError as exc:
            failed(result, client.redact_message(exc.message) if client else exc.message)
            result['changed'] = bool(engine and engine.accepted)  # true only when the API accepted a write
            return result
        if not self._task.diff:
            result.pop('diff', None)
        if 'msg' in result:
            result['msg'] = client.redact_message(result['msg'])
        return result
