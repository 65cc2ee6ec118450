# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read a token endpoint's answer: the token, its type and expiry, the JWT claims; or the reason it failed."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import time
from typing import Any, Dict, Iterable, Optional, Tuple, Union

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError, redact

SNIPPET_CHARS = 120
SHORT_WORD = 40  # a key or a token_type longer than this is counted, not shown: it may be a token
MAX_FORM_PEEK = 4096  # how far into a body that is no JSON to look for a form-encoded token
TAG_RE = re.compile(r'<[^>]+>')
# The longest life a token is trusted for, whatever expires_in or exp say: an absurd expiry (a bug, or a hostile
# server) must not keep a token in the cache for years.
MAX_TOKEN_LIFE = 24 * 3600
MAX_JSON_DEPTH = 64  # deeper JSON is not read as JSON (ansible-core's result handling recurses through it)

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
    413: 'the request is too large for the identity provider: check client_id, client_secret and scope for a '
         'pasted file or a very long value',
    429: 'the identity provider is rate-limiting: try again later or raise retries',
    431: 'the request headers are too large for the identity provider: check client_id and client_secret for a '
         'pasted file or a very long value, and any proxy that adds headers',
}


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + '=' * (-len(part) % 4))


def jwt_claims(token: str) -> Dict[str, Any]:
    """The claims of a JWT, decoded without verifying the signature (for display); {} when not a JWT or nested
    deeper than MAX_JSON_DEPTH. Lone surrogates ("\\ud800", valid JSON) become U+FFFD: ansible-core cannot encode
    them in a result."""
    parts = token.split('.')
    if len(parts) != 3:
        return {}
    try:
        claims = bounded(json.loads(_b64url(parts[1]).decode('utf-8')))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        return {}
    return claims if isinstance(claims, dict) else {}


def scrub(text: str) -> str:
    """text with lone surrogates (from \\ud800 in JSON, or odd codecs) replaced: nothing downstream can encode them."""
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        return ''.join('\ufffd' if '\ud800' <= char <= '\udfff' else char for char in text)
    return text


def bounded(value: Any, escapes: bool = True, depth: int = 0) -> Any:
    """value, its strings scrubbed (only escapes can put lone surrogates there); ValueError when it nests deeper than
    MAX_JSON_DEPTH."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError('nested too deeply')
    if isinstance(value, str):
        return scrub(value) if escapes else value
    if isinstance(value, dict):
        return dict(((scrub(key) if escapes else key), bounded(item, escapes, depth + 1)) for key, item in value.items())
    if isinstance(value, list):
        return [bounded(item, escapes, depth + 1) for item in value]
    return value


def _title(text: str) -> Optional[str]:
    """The text of the first <title> element, found in linear time (a regex search restarts at every '<title'
    of a page that repeats it: quadratic), at most 4 x SNIPPET_CHARS characters of it; None without one."""
    lowered = text.lower()
    start = lowered.find('<title')
    opened = lowered.find('>', start) if start >= 0 else -1
    end = lowered.find('</title', opened) if opened >= 0 else -1
    return text[opened + 1:min(end, opened + 1 + 4 * SNIPPET_CHARS)] if end >= 0 else None


def snippet(body: Union[bytes, str], content_type: str = '', secrets: Iterable[str] = ()) -> str:
    """A short, single-line description of a body for error messages. The secrets are redacted from the whole
    text first, and again from what is shown, before anything is cut."""
    text = body.decode('utf-8', 'replace') if isinstance(body, bytes) else str(body)
    text = redact(text, secrets)
    if 'html' in (content_type or '').lower() or text.lstrip()[:1] == '<':
        title = _title(text)
        if title is None:
            return 'an HTML page'
        return 'an HTML page titled %r' % redact(' '.join(TAG_RE.sub('', title).split()), secrets)[:SNIPPET_CHARS]
    text = redact(' '.join(text.split()), secrets)
    if not text:
        return 'an empty body'
    return repr(text[:SNIPPET_CHARS] + ('...' if len(text) > SNIPPET_CHARS else ''))


def _json_object(body: bytes) -> Optional[Dict[str, Any]]:
    try:
        data = json.loads(body.decode('utf-8'))
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: deeply nested arrays or objects
        return None
    return data if isinstance(data, dict) else None


def _short(value: Any, secrets: Iterable[str] = ()) -> str:
    """value on one line, at most 2 x SNIPPET_CHARS characters; redacted before it is cut."""
    text = redact(' '.join(redact(str(value), secrets).split()), secrets)
    return text[:SNIPPET_CHARS * 2] + ('...' if len(text) > SNIPPET_CHARS * 2 else '')


def error_reason(status: int, body: bytes, content_type: str, secrets: Iterable[str] = ()) -> Tuple[str, str]:
    """(reason text, fix) for a response that is not a token; nothing of secrets in it (a body may echo them)."""
    data = _json_object(body) or {}
    code = data.get('error') if isinstance(data.get('error'), str) else None
    if code:
        description = data.get('error_description')
        reason = 'HTTP %d %s' % (status, _short(code, secrets))
        if isinstance(description, str) and description.strip():
            reason += ' (%s)' % _short(description, secrets)
        return reason, ERROR_FIXES.get(code, STATUS_FIXES.get(status, 'see the identity provider\'s message'))
    fix = STATUS_FIXES.get(status, 'the identity provider failed; try again later' if status >= 500 else 'check token_url')
    return 'HTTP %d with %s' % (status, snippet(body, content_type, secrets)), fix


def _seconds(value: Any, strings: bool = True) -> Optional[float]:
    """A number of seconds as a float (math.inf for one too large for a float: 400 digits); None when not a number."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not strings):
        return None
    try:
        seconds = float(value)
    except OverflowError:
        return math.inf if value > 0 else None
    except (TypeError, ValueError):
        return None
    return None if math.isnan(seconds) else seconds


def parse_token(body: bytes, content_type: str, requested_at: float, secrets: Iterable[str] = ()) -> Dict[str, Any]:
    """Turn a 2xx body into the token facts. Raises NFError(reason) without location (the caller adds it).

    Expiry rule: expires_at is the earliest of (request time + expires_in), the JWT's exp claim and (request time
    + MAX_TOKEN_LIFE); None when the server gives neither expires_in nor exp. A token already expired when asked
    for is an error (a clock is wrong).
    """
    data = _json_object(body)
    if data is None:
        if b'access_token=' in body[:MAX_FORM_PEEK]:
            # RFC 6749 answers in JSON; an old server's form-encoded answer holds the token: never quoted.
            raise NFError('the answer is form-encoded (access_token=...), not the JSON object OAuth2 (RFC 6749 '
                          '5.1) specifies: this server is not supported')
        raise NFError('the answer is not a JSON object but %s' % snippet(body, content_type, secrets))
    token = data.get('access_token')
    if token is None:
        # A key long enough to be a token (a server that put it there) is counted, not shown.
        keys = ', '.join(sorted(str(k) if len(str(k)) <= SHORT_WORD else '<a %d-character key>' % len(str(k))
                                for k in data)[:10]) or 'none'
        raise NFError('the JSON answer has no access_token (keys: %s)' % _short(keys, secrets))
    if not isinstance(token, str) or not token.strip():
        kind = 'an empty string' if isinstance(token, str) else {bool: 'a boolean', list: 'a list', dict: 'an object'}.get(
            type(token), 'a number')
        raise NFError('the JSON answer\'s access_token is %s, not a token' % kind)
    token_type = data.get('token_type')
    if not isinstance(token_type, str) or token_type.strip().lower() != 'bearer':
        if token_type is None:
            shown = 'missing'
        elif len(str(token_type)) <= SHORT_WORD:
            shown = repr(_short(token_type, secrets))
        else:  # a long value may hold the token itself
            shown = 'a %d-character value' % len(str(token_type))
        raise NFError('the token_type is %s, not Bearer: NetFoundry\'s API takes bearer tokens only' % shown)
    claims = jwt_claims(token)
    candidates = []
    lifetime = _seconds(data.get('expires_in'))
    if lifetime is not None and lifetime > 0:
        candidates.append(requested_at + lifetime)
    exp = _seconds(claims.get('exp'), strings=False)
    if exp is not None and exp > 0:
        candidates.append(exp)
    if not candidates:
        expires_at = None
    else:
        expires_at = int(min(candidates + [requested_at + MAX_TOKEN_LIFE]))
        if expires_at <= requested_at and lifetime is not None and 0 < lifetime < 1 and (exp is None or exp > requested_at):
            raise NFError('the identity provider says the token lives %g s (expires_in): too short to be used; '
                          'check the API account\'s token lifetime at the identity provider' % lifetime)
        if expires_at <= requested_at:
            raise NFError('the token is already expired: its exp claim is %s, %d s before this host\'s clock '
                          '(%s); the clock of this host or of the identity provider is wrong (clock skew): '
                          'check NTP on both' % (_utc(expires_at), requested_at - expires_at, _utc(requested_at)))
    return dict(
        access_token=token,
        token_type='Bearer',
        expires_at=expires_at,
        claims=claims,
    )


def _utc(seconds: float) -> str:
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(seconds))
