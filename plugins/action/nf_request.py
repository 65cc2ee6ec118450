# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_request: a NetFoundry API call from the controller, with the token from the shared cache.
The token travels only in the request's header: it is in no result, no invocation and no message."""

import json
import os

from ansible import constants as C
from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError, redact, secret_forms
from ansible_collections.netfoundry.api.plugins.module_utils._options import OPTION_SPECS, OptionAdapter
from ansible_collections.netfoundry.api.plugins.module_utils._token import get_token, prepare
from ansible_collections.netfoundry.api.plugins.plugin_utils._api import METHODS, READ_ONLY, Client, target_url

display = Display()

NO_LOG = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
# The core applies its own defaults (OptionAdapter), so a core option left out here can come from a variable.
ARGSPEC = dict(
    dict((name, dict((k, v) for k, v in spec.items() if k != 'default')) for name, spec in OPTION_SPECS.items()),
    path=dict(type='str'),
    url=dict(type='str'),
    method=dict(type='str', default='GET'),
    body=dict(type='raw'),
    query=dict(type='dict'),
    status_code=dict(type='list', elements='int', default=[200]),
    all_pages=dict(type='bool', default=False),
)


def _core_options(args, task_vars, templar):
    """The core's options: task keywords first, then the netfoundry_<option> variables (templated here: they are
    often "{{ vault_... }}"). The environment and the credentials files are the core's own sources."""
    options = {}
    for name in OPTION_SPECS:
        if args.get(name) is not None:
            options[name] = args[name]
        elif 'netfoundry_' + name in task_vars:
            options[name] = templar.template(task_vars['netfoundry_' + name])
    return options


def _inject_invocation(task_vars):
    """ansible-core 2.21 adds a result's invocation only when INJECT_INVOCATION is on; earlier lines always do."""
    try:
        return C.config.get_config_value('INJECT_INVOCATION', variables=task_vars)
    except AnsibleError:
        return True


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(ARGSPEC, mutually_exclusive=[('path', 'url')],
                                                        required_one_of=[('path', 'url')])
        if _inject_invocation(task_vars or {}):
            result['invocation'] = dict(module_args=dict(args, client_secret=NO_LOG if args['client_secret'] else None))
        method = args['method'].strip().upper()
        if method not in METHODS:
            raise AnsibleActionFail('option method must be one of %s, got %r' % (', '.join(METHODS), args['method']))
        if args['all_pages'] and method != 'GET':
            raise AnsibleActionFail('all_pages: true needs method GET, got %s' % method)
        if self._task.check_mode and method not in READ_ONLY:
            result.update(skipped=True, changed=False, msg='check mode: the %s was not sent (only GET and HEAD run in '
                                                           'check mode)' % method)
            return result
        body = args['body']
        if body is not None and not isinstance(body, str):
            body = json.dumps(body)
        secrets = []
        try:
            request = prepare(OptionAdapter.from_dict(_core_options(args, task_vars or {}, self._templar)))
            secrets = secret_forms(request.credential.client_secret, request.credential.client_id)
            url = target_url(request.api_url, args['path'], args['url'], args['query'])

            def token(force):
                if force:
                    request.settings['force'] = True
                got = get_token(request, warn=display.warning)
                secrets.append(got['access_token'])
                return got['access_token']

            client = Client(request.settings, os.environ, token, display.warning)
            if args['all_pages']:
                reply, pages = client.all_pages(url)
                result['pages'] = pages
            else:
                reply = client.call(method, url, body.encode('utf-8') if body is not None else None)
        except NFTokenError as exc:
            raise AnsibleActionFail(redact(exc.message, secrets))
        result.update(status=reply.status, url=reply.url, headers=reply.headers, elapsed=round(client.elapsed, 3),
                      changed=method not in READ_ONLY, token_renewed=client.renewed)
        if reply.json is not None:
            result['json'] = reply.json
        if reply.content is not None:
            result['content'] = reply.content
        if reply.status not in args['status_code']:
            result.update(failed=True, changed=False, msg=redact(
                '%s %s answered HTTP %d%s; expected %s%s' % (
                    method, reply.url, reply.status, reply.reason(), ', '.join(str(c) for c in args['status_code']),
                    ' (a new token was refused too: check audience and the credential\'s environment)'
                    if reply.status == 401 else ''), secrets))
        return result
