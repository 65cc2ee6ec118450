# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A session handle: what the role keeps for the play (the fact netfoundry_api_session) and what the lookup and
nf_request accept instead of the inputs, which later tasks may not see (role params, include vars are gone by then).
One shape, made only here (format netfoundry.api/session/2):

- every kind: format, kind, api_url, info (the role's netfoundry_api_token_info), options (the core options of the
  evaluation that opened it, raw), identity (identity/v1/identities/self, only when it was verified);
- kind token: token (Token.record(): the token and what its grant says), min_ttl, opened_at, fresh_until (the
  time until which the token is served as it is, the cache's freshness rule worked out once: None when its expiry is
  unknown; the role's outputs compare it with now() in Jinja, so a fresh token needs no lookup);
- kind static (RapidAPI): headers.

It holds the token and the credential: a secret, kept in memory (never a cacheable fact) and never shown. Its token is
served while fresh with no I/O at all; then a renewed one comes through the token cache, one request per grant."""

from __future__ import annotations

import math
import os
import time
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._options import (
    CORE, VARIABLE_PREFIX, names, plain, session_settings, validate)
from ansible_collections.netfoundry.api.plugins.module_utils._grants import Clock, Settings, StaticGrant, Token
from ansible_collections.netfoundry.api.plugins.module_utils._token import Origins, Warn, fetch, prepare

Session = Dict[str, Any]
# The front-end's check of a session it opens (verify): the identity it read, and the token it renewed or None.
Check = Callable[[Session], Tuple[Any, Optional[Token]]]

SESSION_FORMAT = 'netfoundry.api/session/2'
SESSION_KINDS = ('token', 'static')
# Below the front-end's per-run temporary directory: ansible-playbook removes it at exit, so nothing outlives the play.
LOCAL_DIR = 'netfoundry-api-session'
BAD = ("option session must be the session netfoundry.api.nf_session (the role's netfoundry_api_session) or "
       "lookup('netfoundry.api.nf_token', output='session') returned, unchanged: was it set or changed by hand?")


def _names(origins: Origins) -> Tuple[str, str]:
    """What the RapidAPI inputs are called where they came from: the role's variables, or the lookup's options."""
    if (origins.get('rapidapi_key') or '').startswith('variable '):
        return VARIABLE_PREFIX + 'rapidapi_key', VARIABLE_PREFIX + 'rapidapi_host'
    return 'option rapidapi_key', 'option rapidapi_host'


def open_session(options: Mapping[str, Any], origins: Optional[Origins] = None, local_tmp: Optional[str] = None,
                 warn: Optional[Warn] = None, clock: Clock = time.time, check: Optional[Check] = None) -> Session:
    """The session for the raw options of one evaluation (the lookup's output=session).

    local_tmp: the front-end's per-run temporary directory (ansible-core's DEFAULT_LOCAL_TMP, which ansible-playbook
    removes at exit). With cache=false a play that outlives its token renews it through a directory under it, so that
    forks share one renewal per token lifetime without touching the user's token cache; without local_tmp each
    renewal is an exchange. check(session) -> (identity, renewed Token or None) runs when verify is true (the
    front-end's API call)."""
    origins = origins or {}
    extra = session_settings(options, origins)
    if extra['rapidapi_key']:
        grant = StaticGrant(extra['rapidapi_key'], extra['rapidapi_host'], _names(origins))
        kept = dict((name, plain(options[name])) for name in names('connection') if options.get(name) is not None)
        session: Session = dict(format=SESSION_FORMAT, kind='static', api_url=grant.api_url, info=grant.info(),
                                options=kept, headers=grant.headers)
    else:
        request = prepare(options, origins=origins)
        token = fetch(request, warn=warn, clock=clock)
        kept = dict((name, plain(options[name])) for name in CORE if options.get(name) is not None)
        kept['force'] = False  # force is for the session's first token, not for every renewal
        if not request.settings['cache'] and local_tmp:
            kept.update(cache=True, cache_dir=os.path.join(local_tmp, LOCAL_DIR))
        now = clock()
        session = dict(format=SESSION_FORMAT, kind='token', api_url=token.api_url, info=token.info(now), options=kept,
                       min_ttl=request.settings['min_ttl'], opened_at=now)
        serve(session, token)
    if extra['verify'] and check is not None:
        # The check returns what it learned (the identity, and the token it renewed after a 401, if any): the
        # session changes here, where it is made, never behind the caller's back.
        identity, renewed = check(session)
        if renewed is not None:
            serve(session, renewed)
        session['identity'] = identity
    return session


def serve(session: Session, token: Token) -> None:
    """Make token the one the session serves while fresh (opening it, or after a renewal the front-end keeps)."""
    record = token.record()
    expires_at = record['expires_at']
    fresh_until = None
    if expires_at is not None:
        lifetime = record['lifetime'] or expires_at - session['opened_at']
        # The cache's rule (is_fresh): fresh while the life left is at least min_ttl, capped at half the life.
        fresh_until = expires_at - min(session['min_ttl'], lifetime / 2.0) if lifetime > 0 else 0
    session.update(token=record, fresh_until=fresh_until)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _whole(session: Any) -> bool:
    """Every key open_session gives a session, with the type it gives it (KeyError or TypeError when one is not
    there; NFError when RapidAPI's headers are not ones StaticGrant takes)."""
    kind = session['kind']
    if not (session['format'] == SESSION_FORMAT and kind in SESSION_KINDS and isinstance(session['options'], dict)
            and isinstance(session['info'], dict) and isinstance(session['api_url'], str) and session['api_url']):
        return False
    if kind == 'static':
        headers = session['headers']
        if not all(isinstance(name, str) and isinstance(value, str) for name, value in headers.items()):
            return False
        StaticGrant(headers['X-RapidAPI-Key'], headers['X-RapidAPI-Host'])  # its own checks of the key and the host
        return headers['X-RapidAPI-Key'] != ''
    record = session['token']
    return bool(isinstance(record['access_token'], str) and record['access_token']
                and all(record[name] is None or _number(record[name]) for name in ('expires_at', 'lifetime'))
                and isinstance(record['claims'], dict)
                and all(isinstance(record[name], str) for name in ('api_url', 'credential_source', 'api_url_source'))
                and all(record[name] is None or isinstance(record[name], str)
                        for name in ('audience', 'token_url', 'auth_method', 'environment'))
                and _number(session['min_ttl']) and _number(session['opened_at'])
                and (session['fresh_until'] is None or isinstance(session['fresh_until'], (int, float))))


def check_session(session: Any) -> None:
    """Raise the one line when session is not a handle open_session made."""
    if isinstance(session, dict) and session.get('failed') is True and 'format' not in session:
        # The registered result of the role's task (nf_session) that failed, in a play that went on (ignore_errors).
        raise NFError('the session holds no token: the task that was to open it failed (%s)'
                      % ' '.join(str(session.get('msg', '')).split())[:500])
    try:
        ok = _whole(session)
    except (KeyError, TypeError, AttributeError, NFError):
        ok = False
    if not ok:
        raise NFError(BAD)


def session_fetch(session: Session, warn: Optional[Warn] = None, clock: Clock = time.time,
                  refused: Optional[str] = None) -> Token:
    """The session's Token while it is fresh (no I/O at all), else a renewed one through the token cache; never the
    token refused (fetch's rule: a newer one another fork got is used, else one exchange)."""
    check_session(session)
    if session['kind'] != 'token':
        raise NFError('this session is a RapidAPI one: it holds no bearer token, only headers (use output=headers)')
    record = session['token']
    if record['access_token'] != refused:
        fresh_until = session['fresh_until']
        if fresh_until is None or clock() < fresh_until:
            return Token.from_record(record)
    return fetch(prepare(session['options']), warn=warn, clock=clock, refused=refused)


def session_headers(session: Session, warn: Optional[Warn] = None, clock: Clock = time.time,
                    refused: Optional[str] = None) -> Dict[str, str]:
    """The headers that authorize a call: RapidAPI's, or the Authorization of the session's (renewed) token."""
    check_session(session)
    if session['kind'] == 'static':
        return dict(session['headers'])
    return session_fetch(session, warn, clock, refused).headers()


def session_connection(session: Session) -> Settings:
    """The connection settings (timeout, retries, proxy, CA...) of the evaluation that opened the session."""
    check_session(session)
    return validate(session['options'])
