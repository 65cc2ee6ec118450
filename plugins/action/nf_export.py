# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_export: a live network as the vars of the playbook network_as_code, from the controller (the
work is plugin_utils/_export.py's; the token and the API client are the ones every action shares)."""

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.plugin_utils._export import export_network, write_vars
from ansible_collections.netfoundry.api.plugins.plugin_utils._task import ApiAction, failed


class ActionModule(ApiAction):

    GROUP = 'export'

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.start(result, task_vars)
        if args is None:
            return result
        if not (args['network'] or '').strip():
            return failed(result, 'option network is %s: give the name or id of the network to export' % (
                'required' if args['network'] is None else 'empty'))
        if not args['types']:
            return failed(result, 'option types is empty: leave it out to export every type')
        client = None
        try:
            client, api_url = self.client(args, task_vars)
            found, skipped = export_network(client, api_url, args['network'], args['types'])
            found = client.redact(found)
            changed = False
            if args['dest']:
                result['dest'], changed = write_vars(args['dest'], found, self._task.check_mode)
        except NFError as exc:
            return failed(result, client.redact_message(exc.message) if client else exc.message)
        result.update(found, left_out=client.redact(skipped), changed=changed)
        return result
