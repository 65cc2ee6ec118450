# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read a token endpoint's answer: the token, its type and expiry, the JWT claims; or the reason it failed."""

import base64
import binascii
import json
import math
import re

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError

SNIPPET_CHARS = 120
TITLE_RE = re.compile(r'<title[^>]*>(.*?)</title>', re.IGNORECASE | re.DOTALL)
TAG_RE = re.compile(r'<[^>]+>')

# RFC 6749 §5.2 error codes (and HTTP statuses) -> what the user should look at.
ERROR_FIXES = {
    'invalid_client': 'check client_id and client_secret',
    'access_denied': 'check client_id and client_secret',
    'unauthorized_client': 'this API account may not use the client_credentials grant',
    'invalid_scope': 'check scope and audience',
    'invalid_request': 'check auth_method (the server may want the credential sent another way), audience and scope',
    'unsupported_grant_type': 'check token_url: the server does not take the client_credentials grant there',
    'invalid_grant': 'check token_url and auth_method',
}
STATUS_FIXES = {
    400: 'check auth_method, audience and scope',
    401: 'check client_id and client_secret',
    403: 'check that the API account is enabled and allowed here',
    404: 'check token_url',
    405: 'check token_url: it must be the OAuth2 token endpoint',
    429: 'the identity provider is rate-limiting: try again later or raise retries',
}


def _b64url(part):
    return base64.urlsafe_b64decode(part + '=' * (-len(part) % 4))


def jwt_claims(token):
    """The claims of a JWT, decoded without verifying the signature (for display); {} when not a JWT."""
    parts = token.split('.')
    if len(parts) != 3:
        return {}
    try:
        claims = json.loads(_b64url(parts[1]).decode('utf-8'))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def snippet(body, content_type=''):
    """A short, single-line description of a body for error messages."""
    text = body.decode('utf-8', 'replace') if isinstance(body, bytes) else str(body)
    if 'html' in (content_type or '').lower() or text.lstrip()[:1] == '<':
        title = TITLE_RE.search(text)
        text = 'an HTML page' + (' titled %r' % ' '.join(TAG_RE.sub('', title.group(1)).split())[:SNIPPET_CHARS] if title else '')
        return text
    text = ' '.join(text.split())
    if not text:
        return 'an empty body'
    return repr(text[:SNIPPET_CHARS] + ('...' if len(text) > SNIPPET_CHARS else ''))


def _json_object(body):
    try:
        data = json.loads(body.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _short(value):
    text = ' '.join(str(value).split())
    return text[:SNIPPET_CHARS * 2] + ('...' if len(text) > SNIPPET_CHARS * 2 else '')


def error_reason(status, body, content_type):
    """(reason text, fix) for a response that is not a token."""
    data = _json_object(body) or {}
    code = data.get('error') if isinstance(data.get('error'), str) else None
    if code:
        description = data.get('error_description')
        reason = 'HTTP %d %s' % (status, _short(code))
        if isinstance(description, str) and description.strip():
            reason += ' (%s)' % _short(description)
        return reason, ERROR_FIXES.get(code, STATUS_FIXES.get(status, 'see the identity provider\'s message'))
    fix = STATUS_FIXES.get(status, 'the identity provider failed; try again later' if status >= 500 else 'check token_url')
    return 'HTTP %d with %s' % (status, snippet(body, content_type)), fix


def _expires_in(value):
    if isinstance(value, bool) or value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def parse_token(body, content_type, requested_at):
    """Turn a 2xx body into the token facts. Raises NFTokenError(reason) without location (the caller adds it).

    Expiry rule: expires_at is the earlier of (request time + expires_in) and the JWT's exp claim; either one
    alone when only one is usable; None when the server gives neither.
    """
    data = _json_object(body)
    if data is None:
        raise NFTokenError('the answer is not a JSON object but %s' % snippet(body, content_type))
    token = data.get('access_token')
    if not isinstance(token, str) or not token.strip():
        keys = ', '.join(sorted(str(k) for k in data)[:10]) or 'none'
        raise NFTokenError('the JSON answer has no access_token (keys: %s)' % _short(keys))
    token_type = data.get('token_type')
    if not isinstance(token_type, str) or token_type.strip().lower() != 'bearer':
        raise NFTokenError('the token_type is %s, not Bearer: NetFoundry\'s API takes bearer tokens only'
                           % ('missing' if token_type is None else repr(_short(token_type))))
    claims = jwt_claims(token)
    candidates = []
    lifetime = _expires_in(data.get('expires_in'))
    if lifetime is not None:
        candidates.append(requested_at + lifetime)
    exp = claims.get('exp')
    if isinstance(exp, (int, float)) and not isinstance(exp, bool) and math.isfinite(exp) and exp > 0:
        candidates.append(float(exp))
    return dict(
        access_token=token,
        token_type='Bearer',
        expires_at=int(min(candidates)) if candidates else None,
        claims=claims,
    )
