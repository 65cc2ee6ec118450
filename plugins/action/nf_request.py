# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netfoundry.api.nf_request: a NetFoundry API call from the controller, with the token from the shared cache.
The token travels only in the request's header: it is in no result, no invocation and no message."""

import json

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.plugin_utils._api import METHODS, READ_ONLY, target_url
from ansible_collections.netfoundry.api.plugins.plugin_utils._resources import hide_secrets
from ansible_collections.netfoundry.api.plugins.plugin_utils._task import ApiAction, failed


class ActionModule(ApiAction):

    GROUP = 'request'

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.start(result, task_vars, mutually_exclusive=[('path', 'url')], required_one_of=[('path', 'url')])
        if args is None:
            return result
        method = args['method'].strip().upper()
        if method not in METHODS:
            return failed(result, 'option method must be one of %s, got %r' % (', '.join(METHODS), args['method']))
        if args['all_pages'] and method != 'GET':
            return failed(result, 'all_pages: true needs method GET, got %s' % method)
        for name in ('max_pages', 'max_bytes'):
            if args[name] < 1:
                return failed(result, 'option %s must be 1 or more, got %d' % (name, args[name]))
        if self._task.check_mode and method not in READ_ONLY:
            result.update(skipped=True, changed=False, msg='check mode: the %s was not sent (only GET and HEAD run in '
                                                           'check mode)' % method)
            return result
        body = args['body']
        if body is not None and not isinstance(body, str):
            body = json.dumps(body)
        client = None
        try:
            client, api_url = self.client(args, task_vars)
            url = target_url(api_url, args['path'], args['url'], args['query'], args['send_token_to_other_hosts'])
            if args['all_pages']:
                reply, pages = client.all_pages(url, args['max_pages'], args['max_bytes'])
                result['pages'] = pages
            else:
                reply = client.call(method, url, body.encode('utf-8') if body is not None else None)
        except NFError as exc:
            # Before the client, the core's messages are redacted where they are made (and hold no API answer).
            return failed(result, client.redact_message(exc.message) if client else exc.message)
        result.update(status=reply.status, url=reply.url, headers=reply.headers, elapsed=round(client.elapsed, 3),
                      changed=method not in READ_ONLY, token_renewed=client.renewed)
        if reply.json is not None:
            # Enrollment JWTs, registration keys and passwords in what the API answered are one-time credentials:
            # hidden, as nf_resource hides them, unless asked for by name.
            result['json'] = reply.json if args['return_enrollment_secrets'] else hide_secrets(reply.json, client)[0]
        if reply.content is not None:
            result['content'] = reply.content
        if reply.status not in args['status_code']:
            failed(result, '%s %s answered HTTP %d%s; expected %s%s' % (
                method, reply.url, reply.status, reply.reason(), ', '.join(str(c) for c in args['status_code']),
                ' (a new token was refused too: check audience and the credential\'s environment)'
                if reply.status == 401 and client.renewed else ''))
        for key in ('url', 'msg'):  # the answer's JSON, text and headers were redacted as they were read
            if key in result:
                result[key] = client.redact_message(result[key])
        return result
