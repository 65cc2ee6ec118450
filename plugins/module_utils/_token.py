# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The token exchange every front-end calls: validate, resolve the credential, POST, read the answer."""

import os
import time

from ansible_collections.netfoundry.api.plugins.module_utils import _credentials, _http, _response
from ansible_collections.netfoundry.api.plugins.module_utils._endpoint import TokenRequest, display_url
from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError, redact, secret_forms
from ansible_collections.netfoundry.api.plugins.module_utils._options import read_settings


def prepare(adapter, environ=None, cwd=None, home=None):
    """Everything that needs no network: options, credential source, endpoint and request shape."""
    environ = os.environ if environ is None else environ
    settings = read_settings(adapter)
    credential = _credentials.resolve(settings['client_id'], settings['client_secret'], settings['credentials_file'],
                                      environ=environ, cwd=cwd, home=home)
    try:
        return TokenRequest(settings, credential)
    except NFTokenError as exc:
        message = redact(exc.message, secret_forms(credential.client_secret))
        raise NFTokenError('%s (credential source: %s)' % (message, credential.source))


def exchange(request, environ=None, warn=None, clock=time.time):
    """POST the grant and turn the answer into the result every front-end returns."""
    environ = os.environ if environ is None else environ
    secrets = secret_forms(request.credential.client_secret, request.credential.client_id)
    where = 'token request to %s' % display_url(request.token_url)
    source = request.credential.source

    def fail(text):
        raise NFTokenError(redact('%s (credential source: %s)' % (text, source), secrets))

    headers, body = request.http_parts()
    started = clock()
    try:
        answer = _http.post(request.token_url, headers, body, request.settings, environ,
                            lambda text: (warn or (lambda _text: None))(redact(text, secrets)))
    except NFTokenError as exc:
        fail('%s failed: %s' % (where, exc.message))
    if 300 <= answer.status < 400:
        fail('%s was redirected (HTTP %d to %s): set token_url to the final token endpoint; the secret is not sent '
             'to redirects' % (where, answer.status, display_url(answer.location or '?')))
    if not 200 <= answer.status < 300:
        reason, fix = _response.error_reason(answer.status, answer.body, answer.content_type)
        retried = ' after %d attempts' % answer.attempts if answer.attempts > 1 else ''
        fail('%s was refused%s: %s; %s' % (where, retried, reason, fix))
    try:
        token = _response.parse_token(answer.body, answer.content_type, started)
    except NFTokenError as exc:
        fail('%s got no usable token: %s; check token_url and auth_method' % (where, exc.message))
    now = clock()
    expires_at = token['expires_at']
    return dict(
        access_token=token['access_token'],
        token_type=token['token_type'],
        expires_in=max(0, int(expires_at - now)) if expires_at is not None else None,
        expires_at=expires_at,
        audience=request.audience,
        api_url=request.api_url,
        headers={'Authorization': 'Bearer ' + token['access_token']},
        token_url=display_url(request.token_url),
        auth_method=request.auth_method,
        credential_source=source,
        environment=request.environment,
        claims=token['claims'],
    )


def get_token(adapter, environ=None, warn=None):
    """prepare() then exchange(): the whole job for a front-end."""
    return exchange(prepare(adapter, environ), environ, warn)
