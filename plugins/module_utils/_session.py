# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A session: one token plus the options that got it, which the caller keeps in memory (the role: in a fact that is
never cached). Later evaluations given the session need neither the original inputs (role params, include vars are
gone by then) nor a file while the token is fresh, and renew it through the token cache, one request per grant."""

import tempfile
import time

from ansible_collections.netfoundry.api.plugins.module_utils._cache import is_fresh
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError
from ansible_collections.netfoundry.api.plugins.module_utils._options import CORE, plain
from ansible_collections.netfoundry.api.plugins.module_utils._token import get_token, prepare

FORMAT = 'netfoundry.api/session/1'
INFO_KEYS = ('credential_source', 'token_url', 'auth_method', 'environment', 'api_url', 'api_url_source',
             'api_url_guessed', 'cached', 'expires_in', 'expires_at')


def open_session(options, request, result, clock=time.time):
    """The session for a token just got with options (raw values) and their request."""
    kept = dict((name, plain(options[name])) for name in CORE if options.get(name) is not None)
    kept['force'] = False  # force is for the first token, not for every renewal
    if not request.settings['cache']:
        # Forks cannot share memory: a play that outlives the token renews it through a directory of its own (0700),
        # so that renewals stay one per token lifetime without touching the user's token cache.
        kept.update(cache=True, cache_dir=tempfile.mkdtemp(prefix='netfoundry-api-session-'))
    expires_in = result['expires_in']
    return dict(format=FORMAT, options=kept, result=dict(result), api_url=result['api_url'], min_ttl=request.settings['min_ttl'],
                lifetime=expires_in, opened_at=clock(),
                info=dict((key, result.get(key)) for key in INFO_KEYS))


def _check(session):
    try:
        ok = (session['format'] == FORMAT and isinstance(session['options'], dict)
              and isinstance(session['result']['access_token'], str))
    except (KeyError, TypeError):
        ok = False
    if not ok:
        raise NFTokenError("option session must be what lookup('netfoundry.api.nf_token', output='session') "
                           "returned, unchanged")


def session_token(session, warn=None, clock=time.time):
    """The session's token while it is fresh (no I/O at all); else a renewed one through the token cache."""
    _check(session)
    result = session['result']
    expires_at, now = result.get('expires_at'), clock()
    if expires_at is None:
        return dict(result, cached=True)
    entry = dict(expires_at=expires_at, lifetime=session['lifetime'] or 0)
    if entry['lifetime'] > 0 and is_fresh(entry, session['min_ttl'], now):
        return dict(result, expires_in=int(expires_at - now), cached=True)
    return get_token(prepare(session['options']), warn=warn, clock=clock)
