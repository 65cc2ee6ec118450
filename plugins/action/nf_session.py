# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_session: the role's one task. It opens the session as lookup(output='session') does, from the
task's keywords or the netfoundry_* variables it sees, and returns it to be registered. Its result is hidden
(_ansible_no_log) only when it holds the session, so that a failure shows its one line on every ansible-core line,
once, with no block, rescue or no_log in the role (no_log hid the reason before ansible-core 2.19, and the lookup's
failure inside set_fact is printed through a chain of causes from 2.19 on)."""

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._options import CORE, SESSION_ONLY
from ansible_collections.netfoundry.api.plugins.plugin_utils._lookup import play_session
from ansible_collections.netfoundry.api.plugins.plugin_utils._sources import gather
from ansible_collections.netfoundry.api.plugins.plugin_utils._task import ApiAction, display, failed


class ActionModule(ApiAction):

    GROUP = 'session'

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if self._task.loop or self._task.loop_with:
            # Before ansible-core 2.19 a loop's combined result is shown whole: the items' no_log does not hide it.
            return failed(result, 'netfoundry.api.nf_session takes no loop: it opens the one session of a play (its '
                                  'result holds a token, which a loop\'s combined result would show); run it once, '
                                  'or once per account in tasks of their own')
        try:
            raw, origins = gather(dict(self._task.args), task_vars or {}, self._template, CORE + SESSION_ONLY,
                                  display.warning)
            session = play_session(raw, origins, display)
        except NFError as exc:
            return failed(result, exc.message)
        result.update(session)
        result.update(changed=False, _ansible_no_log=True)
        return result
