# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What an action must never show, in one owner: the caller's secrets (every form of the client secret, a proxy
password), every token the client sent, and every one-time credential it read (enrollment JWTs, registration keys).

- secrets and tokens are redacted from the API's answers as soon as they are read, and from every message, warning
  and result, whole or in part (a token cut short is still a piece of the token);
- one-time credentials are kept in the answers (the caller writes them to their files) and redacted from every
  message, warning and result, whole and in any piece but a JWT's header;
- every JWT-shaped run in a message is kept to its header: an API message may repeat a credential nobody has read."""

from __future__ import annotations

from typing import Any, Iterable

from ansible_collections.netfoundry.api.plugins.module_utils._errors import (
    credential_forms, credential_pieces, redact_data, redact_jwt_bodies, token_forms, token_pieces)


class Redactor:
    """The forms and pieces of what must never be shown. secrets: forms of the caller's secrets (a grant's secret_forms)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._answer_forms: list[str] = list(secrets)  # the caller's secrets and the tokens sent: out of answers too
        self._answer_pieces: set[str] = set()
        self._held_forms: list[str] = []  # one-time credentials read from answers: out of messages and results only
        self._held_pieces: set[str] = set()
        self._held: set[str] = set()

    def learn(self, secret: str) -> None:
        """A token the client sends: redacted from everything read and said from now on, whole or in part."""
        self._answer_forms += token_forms(secret)
        self._answer_pieces |= token_pieces(secret)

    def hold(self, secret: str) -> None:
        """A one-time credential read from an answer: redacted from every message and result, not from the answers."""
        if secret in self._held:
            return
        self._held.add(secret)
        self._held_forms += credential_forms(secret)
        self._held_pieces |= credential_pieces(secret)

    def answer(self, value: Any) -> Any:
        """An answer as read (JSON, text, headers): the secrets and tokens redacted, one-time credentials kept."""
        if not self._answer_forms:
            return value
        return redact_data(value, self._answer_forms, self._answer_pieces)

    def result(self, value: Any) -> Any:
        """A result or a message: everything redacted."""
        if not (self._answer_forms or self._held_forms):
            return value
        return redact_data(value, self._answer_forms + self._held_forms, self._answer_pieces | self._held_pieces)

    def message(self, text: str) -> str:
        """A failure or a warning: everything redacted, and every JWT-shaped run kept to its header."""
        return redact_jwt_bodies(self.result(text))
