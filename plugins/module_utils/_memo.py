# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one in-process memo (MEMO): a lookup is evaluated again at every use, in every fork, so what it read once
(validated options, a credentials file, a cached token, ansible.cfg) is kept in memory, by named space.

One rule for every space: an entry is served only while the check value it was stored with equals the caller's
(a file's stat signature, a fingerprint of the secret, or None for values that are a pure function of their key).
Each space is bounded: the oldest entry goes first. Tests reset everything with MEMO.clear()."""

from __future__ import annotations

import os
import threading
from typing import Any, Hashable, Optional, Tuple

SPACE_SIZE = 64
# The one space two owners share: the notes said once per process (_token's and _sources' warnings). Every other
# space is declared by the module that owns it, as <NAME>_SPACE.
WARNED_SPACE = 'warned'


class Memo:
    """Named spaces of key -> (check, value)."""

    def __init__(self, size: int = SPACE_SIZE) -> None:
        self.size = size
        self._spaces: dict[str, dict[Hashable, Tuple[Any, Any]]] = {}
        # Threads (the unit tests, a threaded strategy) share the dicts; forks get a copy and need nothing.
        self._lock = threading.Lock()

    def get(self, space: str, key: Hashable, check: Any = None, default: Any = None) -> Any:
        """The value stored under key with this check value, else default."""
        found = self._spaces.get(space, {}).get(key)
        if found is None or found[0] != check:
            return default
        return found[1]

    def put(self, space: str, key: Hashable, value: Any, check: Any = None) -> Any:
        with self._lock:
            entries = self._spaces.setdefault(space, {})
            entries.pop(key, None)
            while len(entries) >= self.size:
                entries.pop(next(iter(entries)))  # dicts keep insertion order: the oldest first
            entries[key] = (check, value)
        return value

    def forget(self, space: str, key: Hashable) -> None:
        with self._lock:
            self._spaces.get(space, {}).pop(key, None)

    def clear_space(self, space: str) -> None:
        with self._lock:
            self._spaces.pop(space, None)

    def clear(self) -> None:
        with self._lock:
            self._spaces.clear()


MEMO = Memo()


def stat_signature(path: str) -> Optional[Tuple[int, int, int, int, int]]:
    """The check value of a file's content: changes when the file is replaced or written (None: no such file)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL byte in the path
        return None
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
