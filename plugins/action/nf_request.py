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

from ansible_collections.netfoundry.api.plugins.module_utils import _session
from ansible_collections.netfoundry.api.plugins.module_utils._errors import (
    NFTokenError, proxy_password, proxy_secret_forms, secret_forms)
from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import PROXY_VARIABLES
from ansible_collections.netfoundry.api.plugins.module_utils._options import BY_NAME, CORE, argspec, plain
from ansible_collections.netfoundry.api.plugins.module_utils._token import fetch, prepare
from ansible_collections.netfoundry.api.plugins.plugin_utils._api import METHODS, READ_ONLY, Client, target_url
from ansible_collections.netfoundry.api.plugins.plugin_utils._sources import gather, needs_template

display = Display()

NO_LOG = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
# The role's output: the session handle nf_request uses when the task names no option of the token itself.
SESSION_VARIABLE = 'netfoundry_api_session'
# The action's own options are typed here; the core's stay raw, for the one validation of the core (the same as the
# module's and the lookup's, with the same sources: keyword, netfoundry_<option> variable, ansible.cfg).
ARGSPEC = dict(argspec('request'), **dict((name, dict(type='raw', no_log=BY_NAME[name].secret)) for name in CORE))


def _shown(args):
    """The arguments for invocation: the secret and the session masked, and the password of a proxy URL."""
    shown = dict(args, client_secret=NO_LOG if args.get('client_secret') else None,
                 session=NO_LOG if args.get('session') else None)
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

    def _auth(self, args, task_vars, secrets):
        """(token(refused), static headers or None, API URL, connection settings), from a session handle or from the
        options; secrets gets the forms of the client secret and of a proxy password, for the client's redaction.

        A session (option session, or the role's netfoundry_api_session when the task gives no option of the token)
        holds the play's token: no request while it is fresh, whatever the role's force and cache inputs were."""
        direct = dict((name, args[name]) for name in CORE if args.get(name) is not None)
        session = args.get('session')
        if session is None and not direct and task_vars.get(SESSION_VARIABLE) is not None:
            session = self._template(task_vars[SESSION_VARIABLE])
        if session is not None:
            session = plain(session)
            settings = _session.session_connection(session)
            if session['kind'] == 'static':
                return None, session['headers'], session['api_url'], settings

            def fetch_token(refused):
                return _session.session_fetch(session, warn=display.warning, refused=refused)
        else:
            raw, origins = gather(direct, task_vars, self._template, CORE, display.warning)
            request = prepare(raw, origins=origins)
            settings = request.settings
            secrets += secret_forms(request.credential.client_secret, request.credential.client_id)
            secrets += proxy_secret_forms([settings['proxy']] + [os.environ.get(n) for n in PROXY_VARIABLES])

            def fetch_token(refused):
                return fetch(request, warn=display.warning, refused=refused)
        first = fetch_token(None)

        def token(refused):
            return (first if refused is None else fetch_token(refused)).access_token
        return token, None, first.api_url, settings

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(ARGSPEC, mutually_exclusive=[('path', 'url')],
                                                        required_one_of=[('path', 'url')])
        if _inject_invocation(task_vars):
            result['invocation'] = dict(module_args=_shown(args))
        method = args['method'].strip().upper()
        if method not in METHODS:
            return _failed(result, 'option method must be one of %s, got %r' % (', '.join(METHODS), args['method']))
        if args['all_pages'] and method != 'GET':
            return _failed(result, 'all_pages: true needs method GET, got %s' % method)
        for name in ('max_pages', 'max_bytes'):
            if args[name] < 1:
                return _failed(result, 'option %s must be 1 or more, got %d' % (name, args[name]))
        if self._task.check_mode and method not in READ_ONLY:
            result.update(skipped=True, changed=False, msg='check mode: the %s was not sent (only GET and HEAD run in '
                                                           'check mode)' % method)
            return result
        body = args['body']
        if body is not None and not isinstance(body, str):
            body = json.dumps(body)
        secrets = []
        client = None
        try:
            token, static, api_url, settings = self._auth(args, task_vars, secrets)
            url = target_url(api_url, args['path'], args['url'], args['query'], args['send_token_to_other_hosts'])
            client = Client(settings, os.environ, token, display.warning, static, secrets)
            if args['all_pages']:
                reply, pages = client.all_pages(url, args['max_pages'], args['max_bytes'])
                result['pages'] = pages
            else:
                reply = client.call(method, url, body.encode('utf-8') if body is not None else None)
        except NFTokenError as exc:
            # Before the client, the core's messages are redacted where they are made (and hold no API answer).
            return _failed(result, client.redact(exc.message) if client else exc.message)
        result.update(status=reply.status, url=reply.url, headers=reply.headers, elapsed=round(client.elapsed, 3),
                      changed=method not in READ_ONLY, token_renewed=client.renewed)
        if reply.json is not None:
            result['json'] = reply.json
        if reply.content is not None:
            result['content'] = reply.content
        if reply.status not in args['status_code']:
            _failed(result, '%s %s answered HTTP %d%s; expected %s%s' % (
                method, reply.url, reply.status, reply.reason(), ', '.join(str(c) for c in args['status_code']),
                ' (a new token was refused too: check audience and the credential\'s environment)'
                if reply.status == 401 and client.renewed else ''))
        for key in ('url', 'msg'):  # the answer's JSON, text and headers were redacted as they were read
            if key in result:
                result[key] = client.redact(result[key])
        return result
