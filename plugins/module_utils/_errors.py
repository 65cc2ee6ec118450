# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one exception type of the core, and the redaction every message goes through."""

import base64
from urllib.parse import quote, quote_plus

REDACTED = '********'


class NFTokenError(Exception):
    """An expected failure, told in one line a person can act on (what failed, why, the fix)."""

    def __init__(self, message):
        super().__init__(' '.join(str(message).split()))

    @property
    def message(self):
        return self.args[0]


def secret_forms(secret, client_id=None):
    """Every way a secret can appear on the wire: raw, form-encoded, JSON-escaped, inside HTTP Basic."""
    if not secret:
        return []
    forms = {secret, quote(secret, safe=''), quote_plus(secret)}
    if client_id is not None:
        for user, pw in ((client_id, secret), (quote_plus(client_id), quote_plus(secret))):
            forms.add(base64.b64encode(('%s:%s' % (user, pw)).encode('utf-8')).decode('ascii'))
    return sorted((f for f in forms if f), key=len, reverse=True)


def redact(text, secrets):
    """Replace every known form of every secret in text."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text
