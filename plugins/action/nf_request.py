# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_request: a NetFoundry API call from the controller, with the token from the shared cache.
The token travels only in the request's header: it is in no result, no invocation and no message."""

import json
import os

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError, proxy_password, redact, secret_forms
from ansible_collections.netfoundry.api.plugins.module_utils._options import BY_NAME, CORE, argspec
from ansible_collections.netfoundry.api.plugins.module_utils._token import get_token, prepare
from ansible_collections.netfoundry.api.plugins.plugin_utils._api import METHODS, READ_ONLY, Client, target_url
from ansible_collections.netfoundry.api.plugins.plugin_utils._sources import gather, needs_template

display = Display()

NO_LOG = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
# The action's own options are typed here; the core's stay raw, for the one validation of the core (the same as the
# module's and the lookup's, with the same sources: keyword, netfoundry_<option> variable, ansible.cfg).
ARGSPEC = dict(argspec('request'), **dict((name, dict(type='raw', no_log=BY_NAME[name].secret)) for name in CORE))


def _shown(args):
    """The arguments for invocation: the secret masked, and the password of a proxy URL."""
    shown = dict(args, client_secret=NO_LOG if args.get('client_secret') else None)
    password = proxy_password(args.get('proxy'))
    if password:
        shown['proxy'] = args['proxy'].replace(password, NO_LOG)
    return shown


def _inject_invocation(task_vars):
    """ansible-core 2.21 adds a result's invocation only when INJECT_INVOCATION is on; earlier lines always do."""
    try:
        return C.config.get_config_value('INJECT_INVOCATION', variables=task_vars)
    except AnsibleError:
        return True


def _failed(result, message):
    """A failed result, not AnsibleActionFail: before 2.19 that exception adds the traceback of the error being
    handled ('exception'), which -vvv prints, with the unredacted text of the core's error in it."""
    result.update(failed=True, changed=False, msg=message)
    return result


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False

    def _template(self, value):
        return self._templar.template(value) if needs_template(value) else value

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(ARGSPEC, mutually_exclusive=[('path', 'url')],
                                                        required_one_of=[('path', 'url')])
        if _inject_invocation(task_vars or {}):
            result['invocation'] = dict(module_args=_shown(args))
        method = args['method'].strip().upper()
        if method not in METHODS:
            return _failed(result, 'option method must be one of %s, got %r' % (', '.join(METHODS), args['method']))
        if args['all_pages'] and method != 'GET':
            return _failed(result, 'all_pages: true needs method GET, got %s' % method)
        if self._task.check_mode and method not in READ_ONLY:
            result.update(skipped=True, changed=False, msg='check mode: the %s was not sent (only GET and HEAD run in '
                                                           'check mode)' % method)
            return result
        body = args['body']
        if body is not None and not isinstance(body, str):
            body = json.dumps(body)
        secrets = []
        try:
            direct = dict((name, args[name]) for name in CORE if args.get(name) is not None)
            raw, origins = gather(direct, task_vars or {}, self._template, CORE, display.warning)
            request = prepare(raw, origins=origins)
            secrets = secret_forms(request.credential.client_secret, request.credential.client_id)
            first = get_token(request, warn=display.warning)
            secrets.append(first['access_token'])
            url = target_url(first['api_url'], args['path'], args['url'], args['query'])

            def token(force):
                if not force:
                    return first['access_token']
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
            return _failed(result, redact(exc.message, secrets))
        result.update(status=reply.status, url=reply.url, headers=reply.headers, elapsed=round(client.elapsed, 3),
                      changed=method not in READ_ONLY, token_renewed=client.renewed)
        if reply.json is not None:
            result['json'] = reply.json
        if reply.content is not None:
            result['content'] = reply.content
        if reply.status not in args['status_code']:
            _failed(result, redact(
                '%s %s answered HTTP %d%s; expected %s%s' % (
                    method, reply.url, reply.status, reply.reason(), ', '.join(str(c) for c in args['status_code']),
                    ' (a new token was refused too: check audience and the credential\'s environment)'
                    if reply.status == 401 else ''), secrets))
        return result
