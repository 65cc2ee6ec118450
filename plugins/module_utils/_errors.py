# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one exception type of the core, and the redaction every message goes through."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote, quote_plus, unquote
from typing import Any, Iterable, Mapping, Optional

REDACTED = '********'


def named(origins: Optional[Mapping[str, str]], name: str) -> str:
    """Where an option's value came from, for messages: 'option audience', or the variable or ansible.cfg line that
    gave it (origins: name -> words, from the front-end)."""
    return (origins or {}).get(name) or 'option %s' % name


class NFError(Exception):
    """An expected failure, told in one line a person can act on (what failed, why, the fix)."""

    def __init__(self, message: str) -> None:
        super().__init__(' '.join(str(message).split()))

    @property
    def message(self) -> str:
        return self.args[0]


def _json_escaped(secret: str) -> set[str]:
    """The ways a JSON encoder writes secret inside a string: with or without \\uXXXX for non-ASCII, in either case
    of hex digit, with or without an escaped slash (an error body that echoes the request holds one of these)."""
    forms: set[str] = set()
    for ensure_ascii in (True, False):
        escaped = json.dumps(secret, ensure_ascii=ensure_ascii)[1:-1]
        upper = re.sub(r'\\u([0-9a-f]{4})', lambda match: '\\u' + match.group(1).upper(), escaped)
        forms.update((escaped, upper, escaped.replace('/', '\\/'), upper.replace('/', '\\/')))
    return forms


# What Ansible shows for a no_log value, and what this collection shows for every secret it keeps out of a result.
NO_LOG_VALUE = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


def secret_forms(secret: Optional[str], client_id: Optional[str] = None) -> list[str]:
    """Every way a secret can appear on the wire or in a message: raw, form-encoded, JSON-escaped, with its white
    space collapsed (as every one-line message is), inside HTTP Basic."""
    if not secret:
        return []
    forms = {secret, quote(secret, safe=''), quote_plus(secret), ' '.join(secret.split())}
    forms.update(_json_escaped(secret))
    if client_id is not None:
        for user, pw in ((client_id, secret), (quote_plus(client_id), quote_plus(secret))):
            forms.add(base64.b64encode(('%s:%s' % (user, pw)).encode('utf-8')).decode('ascii'))
    return sorted((f for f in forms if f), key=len, reverse=True)


def token_forms(token: Optional[str]) -> list[str]:
    """The forms of a bearer token to redact: the secret forms of the whole token, and of a JWT's payload and signature
    parts on their own (an answer that echoes a token cut short still holds those)."""
    if not token:
        return []
    return secret_forms(token) + [part for part in token.split('.')[1:] if len(part) >= 16]


# A piece of a token's signature this long or longer is redacted wherever it appears (an API that echoes a token cut
# short, wrapped at 64 columns, or used as a header name), in base64url and standard base64 alike. Only the signature:
# it is what makes a token valid, and it is random; a JWT's header and claims are not secret and other JWTs (an
# endpoint's enrollment JWT) share pieces of them, which must not be taken out of the answers that carry them.
PIECE = 16
_RUN_RE = re.compile(r'[A-Za-z0-9_+/-]{%d,}' % PIECE)


def token_pieces(token: Optional[str]) -> set[str]:
    """Every PIECE-character piece of a token's signature (of the whole token if it is not a JWT), also where the
    signature lies in the base64 of the token and of its Authorization header value."""
    if not token:
        return set()
    parts = token.split('.')
    signed = '.'.join(parts[:-1]) + '.' if len(parts) == 3 else ''
    pieces: set[str] = set()
    for prefix in ('', 'Bearer '):
        encoded = base64.b64encode((prefix + token).encode('utf-8')).decode('ascii')
        # Every group of 4 base64 characters from the first one that encodes only signature bytes.
        start = -(-len((prefix + signed).encode('utf-8')) // 3) * 4
        forms = [encoded[start:]] + ([token[len(signed):]] if not prefix else [])
        for form in forms:
            for run in _RUN_RE.findall(form):
                pieces.update(run[i:i + PIECE] for i in range(len(run) - PIECE + 1))
    return pieces


def credential_forms(secret: Optional[str]) -> list[str]:
    """The forms of a one-time credential (an enrollment JWT, a registration key) to redact: those of a token, and an
    enrollment JWT's decoded jti, the one-time token itself."""
    forms = token_forms(secret)
    parts = secret.split('.') if secret else []
    if len(parts) == 3:
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + '=' * (-len(parts[1]) % 4)).decode('utf-8'))
        except (ValueError, UnicodeDecodeError, TypeError):
            claims = None
        jti = claims.get('jti') if isinstance(claims, dict) else None
        if isinstance(jti, str) and len(jti) >= 8:
            forms += secret_forms(jti)
    return forms


def credential_pieces(secret: Optional[str]) -> set[str]:
    """Every PIECE-character piece of a one-time credential but a JWT's header: for an enrollment JWT the claims are
    the secret (base64 gives back its jti), not only the signature (an API message that cut it short kept them)."""
    if not secret:
        return set()
    parts = secret.split('.')
    pieces = token_pieces(secret)
    for part in parts[1:] if len(parts) == 3 else [secret]:
        for run in _RUN_RE.findall(part):
            pieces.update(run[i:i + PIECE] for i in range(len(run) - PIECE + 1))
    return pieces


# A JWT, whole or cut short after some of its claims (an API message that repeats one): header, claims, signature.
JWT_RE = re.compile(r'eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?')


def enrollment_jwts(text: Any) -> list[str]:
    """The whole JWTs in text whose claims name an enrollment method (em): one-time credentials, whatever key holds
    them and whether or not they were seen before."""
    found = []
    for match in JWT_RE.finditer(text) if isinstance(text, str) and 'eyJ' in text else ():
        parts = match.group(0).split('.')
        if len(parts) != 3:
            continue
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + '=' * (-len(parts[1]) % 4)).decode('utf-8'))
        except (ValueError, UnicodeDecodeError, TypeError):
            continue
        if isinstance(claims, dict) and 'em' in claims:
            found.append(match.group(0))
    return found


def redact_jwt_bodies(text: Any) -> Any:
    """text with every JWT-shaped run (whole, or cut short) kept to its header: in a message, nobody's claims or
    signature are of use, and an enrollment JWT's claims hold its one-time token."""
    return JWT_RE.sub(lambda match: match.group(0).split('.')[0] + '.' + REDACTED, text) \
        if isinstance(text, str) and 'eyJ' in text else text


def redact_pieces(text: str, pieces: Iterable[str]) -> str:
    """text with every run of base64 characters that holds a piece of a token replaced."""
    def hide(match: re.Match) -> str:
        run = match.group(0)
        if any(run[i:i + PIECE] in pieces for i in range(len(run) - PIECE + 1)):
            return REDACTED
        return run
    return _RUN_RE.sub(hide, text) if pieces else text


# A piece of a client secret this long or longer is redacted from what an identity provider says (a server that echoes
# the secret cut short: "secret abc123def456... is wrong"). Shorter pieces are not: a message's own words would go.
SECRET_PIECE = 8


def secret_pieces(secret: Optional[str], client_id: Optional[str] = None) -> set[str]:
    """Every SECRET_PIECE-character piece of a secret, raw and form-encoded, and, with the client id, of the HTTP Basic
    credentials that carry it (a server that echoes the Authorization header cut short gives the secret away in
    base64 as well)."""
    pieces: set[str] = set()
    if not secret:
        return pieces
    forms = {secret, quote(secret, safe=''), quote_plus(secret)}
    if client_id is not None:  # the Basic forms: those the client id adds
        plain = set(secret_forms(secret))
        forms.update(form for form in secret_forms(secret, client_id) if form not in plain)
    for form in forms:
        pieces.update(form[i:i + SECRET_PIECE] for i in range(len(form) - SECRET_PIECE + 1))
    return pieces


def redact_secret_pieces(text: str, pieces: Iterable[str]) -> str:
    """text with every stretch covered by pieces of a secret replaced (overlapping pieces make one stretch)."""
    if not pieces or len(text) < SECRET_PIECE:
        return text
    covered = [False] * len(text)
    for i in range(len(text) - SECRET_PIECE + 1):
        if text[i:i + SECRET_PIECE] in pieces:
            covered[i:i + SECRET_PIECE] = [True] * SECRET_PIECE
    out, i = [], 0
    while i < len(text):
        if covered[i]:
            while i < len(text) and covered[i]:
                i += 1
            out.append(REDACTED)
        else:
            out.append(text[i])
            i += 1
    return ''.join(out)


# The options whose value is a URL, which may carry a password as user:password@ (masked wherever options are shown).
URL_OPTIONS = ('proxy', 'token_url', 'audience', 'resource', 'url')


def url_password(url: Any) -> Optional[str]:
    """The password a URL (a proxy's, most often) carries as user:password@, or None. Read up to the last @ after the scheme, not with
    urlsplit: a password with an unescaped / ? or # in it ends urlsplit's host before the @, and would be missed."""
    if not isinstance(url, str) or '@' not in url:
        return None
    userinfo = url.partition('://')[2].rpartition('@')[0]
    password = userinfo.partition(':')[2]
    return password or None


def proxy_secret_forms(urls: Iterable[Any]) -> list[str]:
    """The forms of the passwords that proxy URLs (the proxy option, *_PROXY variables) carry as user:password@."""
    forms = []
    for url in urls:
        password = url_password(url)
        if password:
            forms += secret_forms(password) + secret_forms(unquote(password))
    return forms


def redact_data(value: Any, secrets: Iterable[str], pieces: Optional[Iterable[str]] = None) -> Any:
    """value with every form of every secret (and every run that holds one of the token pieces) replaced in its
    strings and keys, however deep (JSON from the API)."""
    if isinstance(value, str):
        return redact_pieces(redact(value, secrets), pieces) if pieces else redact(value, secrets)
    if isinstance(value, dict):
        return dict((redact_data(k, secrets, pieces), redact_data(v, secrets, pieces)) for k, v in value.items())
    if isinstance(value, list):
        return [redact_data(item, secrets, pieces) for item in value]
    return value


def redact(text: Any, secrets: Iterable[str]) -> Any:
    """Replace every known form of every secret in text (longest first, so no form leaves a piece of a longer one)."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, REDACTED)
    return text
