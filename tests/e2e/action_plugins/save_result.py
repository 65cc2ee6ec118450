# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""save_result: write content to dest (mode 0600) on the controller, without a module run (playbook tests only:
tests/e2e/conftest.py puts this folder on ANSIBLE_ACTION_PLUGINS). The copy module would start a Python
process per save, which is most of a playbook test's time."""

import json
import os

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        dest = self._task.args['dest']
        content = self._task.args['content']
        if not isinstance(content, str):  # "{{ x | to_json }}" comes back as the data it encodes (native templating)
            content = json.dumps(content)
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, 'w') as handle:
            handle.write(content)
        result.update(changed=True, dest=dest)
        return result
