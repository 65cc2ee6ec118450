# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_token runs its module as usual; only the controller knows whether facts are persisted
(fact_caching), so this action decides whether the token itself may become a fact."""

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

display = Display()

MEMORY_CACHE = ('memory', 'ansible.builtin.memory')


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        withheld = args.get('token_facts') is None and C.CACHE_PLUGIN not in MEMORY_CACHE
        if withheld:
            args['token_facts'] = False
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(module_args=args, task_vars=task_vars, wrap_async=wrap_async))
        if withheld and 'netfoundry_api_url' in result.get('ansible_facts', {}):
            # display.warning, not result['warnings']: ansible-core 2.21 takes only its own warning objects there.
            display.warning(
                'the fact cache (%s) is persistent: the facts netfoundry_api_token and netfoundry_api_headers were left '
                'out so that the token is not stored there; use the registered result (with no_log) or '
                'netfoundry.api.nf_request, or set token_facts: true to publish them anyway' % C.CACHE_PLUGIN)
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
