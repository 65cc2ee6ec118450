# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The nf_token lookup's work, apart from ansible-core's plugin class: read the options, get the token, shape it."""

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError
from ansible_collections.netfoundry.api.plugins.module_utils._options import CORE, OUTPUTS, plain
from ansible_collections.netfoundry.api.plugins.module_utils._session import open_session, session_token
from ansible_collections.netfoundry.api.plugins.module_utils._token import get_token, prepare
from ansible_collections.netfoundry.api.plugins.plugin_utils._sources import gather

ACCEPTED = CORE + ('output', 'session')


def _shape(result, output):
    if output == 'headers':
        return result['headers']
    if output == 'full':
        return result
    return result['access_token']


def _origin(result):
    if result['token_url'] is None:
        return 'NetFoundry API token given ready (credential from %s)' % result['credential_source']
    return 'NetFoundry API token %s by %s (%s, credential from %s)' % (
        'from the cache' if result['cached'] else 'newly issued', result['token_url'], result['auth_method'],
        result['credential_source'])


def evaluate(terms, direct, variables, template, display):
    """The value of one lookup evaluation; raises NFTokenError with the one-line reason."""
    if terms:
        raise NFTokenError("netfoundry.api.nf_token takes no terms (got %d): give its options as keywords, for example "
                           "lookup('netfoundry.api.nf_token', output='headers')" % len(terms))
    raw, origins = gather(direct, variables, template, ACCEPTED, display.warning)
    output = plain(raw.get('output', 'token'))
    if output not in OUTPUTS:
        raise NFTokenError('option output must be one of %s, got %r' % (', '.join(OUTPUTS), output))
    if raw.get('session') is not None:
        if output == 'session':
            raise NFTokenError('option session cannot be combined with output=session')
        return _shape(session_token(raw['session'], warn=display.warning), output)
    request = prepare(raw, origins=origins)
    result = get_token(request, warn=display.warning)
    display.v('netfoundry.api.nf_token: %s, %s s left, API %s (%s)'
              % (_origin(result), result['expires_in'] if result['expires_in'] is not None else 'unknown', result['api_url'],
                 result['api_url_source']))
    if output == 'session':
        return open_session(raw, request, result)
    return _shape(result, output)
