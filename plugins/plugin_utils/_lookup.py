# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The nf_token lookup's work, apart from ansible-core's plugin class: read the options, get the token (or open or
use a session), shape it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible import constants as C

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._options import CORE, OUTPUTS, SESSION_ONLY, plain
from ansible_collections.netfoundry.api.plugins.module_utils._grants import Token
from ansible_collections.netfoundry.api.plugins.plugin_utils._session import (
    Session, open_session, session_fetch, session_headers)
from ansible_collections.netfoundry.api.plugins.module_utils._token import fetch, prepare
from ansible_collections.netfoundry.api.plugins.plugin_utils._sources import gather

if TYPE_CHECKING:
    from ansible.utils.display import Display

ACCEPTED = CORE + ('output', 'session') + SESSION_ONLY
SELF = 'identity/v1/identities/self'


def _origin(info: Mapping[str, Any]) -> str:
    if info['token_url'] is None:
        return 'NetFoundry API token given ready (credential from %s)' % info['credential_source']
    return 'NetFoundry API token %s by %s (%s, credential from %s)' % (
        'from the cache' if info['cached'] else 'newly issued', info['token_url'], info['auth_method'],
        info['credential_source'])


def _say(display: Display, info: Mapping[str, Any]) -> None:
    display.v('netfoundry.api.nf_token: %s, %s s left, API %s (%s)'
              % (_origin(info), info['expires_in'] if info['expires_in'] is not None else 'unknown', info['api_url'],
                 info['api_url_source']))


def verify(session: Session, warn: Callable[[str], None]) -> Tuple[Dict[str, Any], Optional[Token]]:
    """GET identity/v1/identities/self with the session's token (or RapidAPI headers) through the one API client:
    (the identity, the token a 401 renewed or None), or the one line the role shows, with every token sent (the
    renewed one too) redacted. The session is not changed here: the caller holds a renewed token."""
    from ansible_collections.netfoundry.api.plugins.plugin_utils._api import Client
    renewed: List[Token] = []
    # The client redacts every token it sent from the answer as it reads it (before a message cuts a value short,
    # and before it becomes netfoundry_api_identity) and from its own messages.
    client = Client.for_session(session, warn, renewed)
    try:
        reply = client.call('GET', session['api_url'] + SELF)
        if reply.status in (401, 403):
            said = reply.json.get('message') if isinstance(reply.json, dict) else None
            said = ' '.join(said.split())[:200] if isinstance(said, str) else ''
            raise NFError(
                "the NetFoundry API at %s refused the token: HTTP %d%s; the token is for another environment or "
                "audience (check netfoundry_environment, netfoundry_audience and the credential's token URL)"
                % (session['api_url'], reply.status, ' ' + said if said else ''))
        if reply.status != 200 or not isinstance(reply.json, dict):
            raise NFError('%s at %s answered HTTP %d%s, not an identity: the token could not be checked; try again '
                          'later, or leave verify out' % (SELF, session['api_url'], reply.status, reply.reason()))
    except NFError as exc:
        raise NFError(client.redact(exc.message))
    return reply.json, (renewed[-1] if renewed else None)


def play_session(raw: Mapping[str, Any], origins: Dict[str, str], display: Display) -> Session:
    """The session handle for the gathered options (output=session, and the nf_session action the role runs)."""
    # ansible-core's per-run temporary directory: the only place a cache-off session may renew through.
    session = open_session(raw, origins, C.DEFAULT_LOCAL_TMP, warn=display.warning,
                           check=lambda opened: verify(opened, display.warning))
    if session['kind'] == 'token':
        _say(display, session['info'])
    return session


def evaluate(terms: Sequence[Any], direct: Mapping[str, Any], variables: Mapping[str, Any],
             template: Callable[[Any], Any], display: Display) -> Any:
    """The value of one lookup evaluation; raises NFError with the one-line reason."""
    if terms:
        raise NFError("netfoundry.api.nf_token takes no terms (got %d): give its options as keywords, for example "
                      "lookup('netfoundry.api.nf_token', output='headers')" % len(terms))
    if 'session' in direct and direct['session'] is None:
        # A session asked for by name (the role's outputs ask so) that is null is no session to fall back from: another
        # credential (the environment's) would be served in its place.
        raise NFError('option session is null: give the session netfoundry.api.nf_session (the role\'s '
                      'netfoundry_api_session) returned; was it set to null by hand?')
    raw, origins = gather(direct, variables, template, ACCEPTED, display.warning)
    output = plain(raw.get('output', 'token'))
    if output not in OUTPUTS:
        raise NFError('option output must be one of %s, got %r' % (', '.join(OUTPUTS), output))
    if output != 'session':
        # As keywords they are a mistake; as the role's variables (play vars) they are simply not this call's.
        misplaced = [name for name in SESSION_ONLY if direct.get(name) is not None]
        if misplaced:
            raise NFError('option %s is only for output=session' % ' and '.join(misplaced))
    if raw.get('session') is not None:
        if output == 'session':
            raise NFError('option session cannot be combined with output=session')
        if output == 'headers':
            return session_headers(raw['session'], warn=display.warning)
        token = session_fetch(raw['session'], warn=display.warning)
        return token.access_token if output == 'token' else token.result(time.time())
    if output == 'session':
        return play_session(raw, origins, display)
    token = fetch(prepare(raw, origins=origins), warn=display.warning)
    # The hot path: at verbosity 0 a cached evaluation builds no message, and only output=full builds the result.
    if display.verbosity:
        _say(display, token.info(time.time()))
    if output == 'token':
        return token.access_token
    if output == 'headers':
        return token.headers()
    return token.result(time.time())
