# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Text that came from outside the play (a network download, a service definition's names, an API's answer) must
never be templated: a resource named "{{ lookup('pipe', ...) }}" is a name, not a command. ansible-core 2.19 and
later never template what a filter returns; before 2.19 it does unless the text is marked unsafe."""

from ansible.release import __version__ as CORE_VERSION

TEMPLATED_BEFORE = (2, 19)


def _line(version):
    return tuple(int(part) for part in version.split('.')[:2])


def untemplated(value):
    """value with its text marked unsafe on ansible-core before 2.19 (as it stands on 2.19 and later)."""
    if _line(CORE_VERSION) >= TEMPLATED_BEFORE:
        return value
    from ansible.utils.unsafe_proxy import wrap_var
    return wrap_var(value)


def has_template(text):
    """Whether text holds what Jinja would read as a template (an exported vars file writes it !unsafe)."""
    return isinstance(text, str) and any(marker in text for marker in ('{{', '{%', '{#'))
