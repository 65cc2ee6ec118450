# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every controller-side action shares (nf_request, nf_resource, nf_resource_info, nf_export, nf_session): the
token's options (keyword, netfoundry_<option> variable, ansible.cfg) or the role's session, the one API client, the
masked invocation and the failed result. The actions keep only their own options and work. The API client (and
requests with it) is loaded only when an action asks for one: nf_session, the role's one task on every play's hot
path, never does when the token cache serves the session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Tuple

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NO_LOG_VALUE, URL_OPTIONS, url_password
from ansible_collections.netfoundry.api.plugins.module_utils._options import BY_NAME, CORE, argspec, plain
from ansible_collections.netfoundry.api.plugins.module_utils._token import prepare
from ansible_collections.netfoundry.api.plugins.plugin_utils._sources import gather, needs_template, unknown_keywords

if TYPE_CHECKING:
    from ansible_collections.netfoundry.api.plugins.plugin_utils._api import Client

display = Display()

NO_LOG = NO_LOG_VALUE
# The role's output: the session handle an action uses when the task names no option of the token itself.
SESSION_VARIABLE = 'netfoundry_api_session'


def action_argspec(group: str) -> Dict[str, Dict[str, Any]]:
    """The action's own options (typed) and the core's (raw, for the one validation of the core: the same as the
    module's and the lookup's, with the same sources)."""
    return dict(argspec(group), **dict((name, dict(type='raw', no_log=BY_NAME[name].secret)) for name in CORE))


def shown(args: Mapping[str, Any]) -> Dict[str, Any]:
    """The arguments for invocation: the secret and the session masked, and the password of any URL option (a proxy's
    user:password@, or one put in the token URL by mistake)."""
    masked = dict(args, client_secret=NO_LOG if args.get('client_secret') else None,
                  session=NO_LOG if args.get('session') else None)
    for name in URL_OPTIONS:
        password = url_password(args.get(name))
        if password:
            masked[name] = args[name].replace(password, NO_LOG)
    return masked


def _inject_invocation(task_vars: Mapping[str, Any]) -> bool:
    """ansible-core 2.21 adds a result's invocation only when INJECT_INVOCATION is on; earlier lines always do."""
    try:
        return C.config.get_config_value('INJECT_INVOCATION', variables=task_vars)
    except AnsibleError:
        return True


def failed(result: Dict[str, Any], message: str) -> Dict[str, Any]:
    """A failed result, not AnsibleActionFail: before 2.19 that exception adds the traceback of the error being
    handled ('exception'), which -vvv prints, with the unredacted text of the core's error in it."""
    result.update(failed=True, changed=False, msg=message)
    return result


class ApiAction(ActionBase):
    """An action that calls the NetFoundry API from the controller. The token travels only in the request's header:
    it is in no result, no invocation and no message."""

    TRANSFERS_FILES = False
    _requires_connection = False
    GROUP: str = ''  # the option table's group of the action's own options

    def _template(self, value: Any) -> Any:
        return self._templar.template(value) if needs_template(value) else value

    def start(self, result: Dict[str, Any], task_vars: Mapping[str, Any], **rules: Any) -> Optional[Dict[str, Any]]:
        """Validate the task's arguments (rules: mutually_exclusive...) and add the masked invocation; None (and result
        failed) for a list or a dict given to a text option, which ansible-core would turn into text."""
        spec = action_argspec(self.GROUP)
        problem = unknown_keywords(self._task.args, sorted(spec))
        if problem:  # before ansible-core's own check, which may say "one of path, url is required" for a typo
            failed(result, problem)
            return None
        for name, value in self._task.args.items():
            if spec.get(name, {}).get('type') in ('str', 'path') and isinstance(value, (list, dict)):
                kind = 'list' if isinstance(value, list) else 'dictionary'
                failed(result, 'option %s must be a string, got a %s' % (name, kind))
                return None
        _validation, args = self.validate_argument_spec(spec, **rules)
        if _inject_invocation(task_vars):
            result['invocation'] = dict(module_args=shown(args))
        return args

    def client(self, args: Mapping[str, Any], task_vars: Mapping[str, Any]) -> Tuple[Client, str]:
        """(Client, API URL): the token from a session handle or from the options.

        A session (option session, or the role's netfoundry_api_session when the task gives no option of the token)
        holds the play's token: no request while it is fresh, whatever the role's force and cache inputs were."""
        from ansible_collections.netfoundry.api.plugins.plugin_utils._api import Client  # pylint: disable=import-outside-toplevel
        direct = dict((name, args[name]) for name in CORE if args.get(name) is not None)
        session = args.get('session')
        if session is None and not direct and task_vars.get(SESSION_VARIABLE) is not None:
            session = self._template(task_vars[SESSION_VARIABLE])
        if session is not None:
            session = plain(session)
            return Client.for_session(session, display.warning), session['api_url']
        raw, origins = gather(direct, task_vars, self._template, CORE, display.warning)
        return Client.for_grant(prepare(raw, origins=origins), display.warning)
