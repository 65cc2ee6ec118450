# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where controller-side plugins (the lookup, the nf_request action) find option values: keywords, then
netfoundry_<option> variables, then the [netfoundry] section of ansible.cfg, as the option table says. Values stay
raw (untyped): the core validates them once, the same way for every front-end."""

from __future__ import annotations

import configparser
import difflib
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple

from ansible import constants as C

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._memo import MEMO, WARNED_SPACE, stat_signature

# The memo's spaces this module owns: ansible.cfg sections read, the variables already checked, a front-end's plan.
INI_SPACE, SEEN_SPACE, PLAN_SPACE = 'ansible.cfg', 'variables seen', 'source plan'
from ansible_collections.netfoundry.api.plugins.module_utils._options import BY_NAME, INI_SECTION, OPTIONS, VARIABLE_PREFIX

# The role's inputs (the lookup's output=session options among them, and no_log), and the role's and the module's
# outputs (netfoundry_api_session: the role's session handle).
ROLE_INPUTS = ('verify', 'no_log', 'rapidapi_key', 'rapidapi_host')
ROLE_OUTPUTS = ('api_token', 'api_headers', 'api_url', 'api_token_expires_at', 'api_token_info', 'api_identity',
                'api_session')
KNOWN_VARIABLES = frozenset([option.variable for option in OPTIONS if option.variable]
                            + [VARIABLE_PREFIX + name for name in ROLE_INPUTS + ROLE_OUTPUTS])


def _ini_section(path: str) -> Dict[str, str]:
    """The [netfoundry] section of the ansible.cfg in use, raw strings by key (read again only when the file
    changed)."""
    signature = stat_signature(path)
    section = MEMO.get(INI_SPACE, path, signature)
    if section is None:
        parser = configparser.ConfigParser(inline_comment_prefixes=(';',), interpolation=None)
        try:
            parser.read(path, encoding='utf-8')
            section = dict(parser.items(INI_SECTION)) if parser.has_section(INI_SECTION) else {}
        except (configparser.Error, OSError, UnicodeDecodeError):
            section = {}  # ansible-core has read this file already and said what is wrong with it
        MEMO.put(INI_SPACE, path, section, signature)
    return section


def _check_ini(section: Mapping[str, str], path: str) -> None:
    for key in sorted(section):
        option = BY_NAME.get(key)
        if option is not None and (option.secret or option.credentials):
            raise NFError('%s may not come from ansible.cfg (%s [%s]): a secret does not belong in a plaintext '
                          'file; give it as a variable (with Ansible Vault) or in the NETFOUNDRY_* environment'
                          % (key, path, INI_SECTION))


def warn_misspelled(variables: Mapping[str, Any], warn: Callable[[str], None]) -> None:
    """A netfoundry_* variable the collection does not know is most likely a typo: say so once per process.

    One template may evaluate the lookup a thousand times with the same variables: they are looked through once
    (the memo holds the mapping itself, so its id is not reused while it is there, checked by its size)."""
    if MEMO.get(SEEN_SPACE, id(variables), len(variables)) is variables:
        return
    if 'netfoundry_api_url' in variables and not MEMO.get(WARNED_SPACE, 'netfoundry_api_url') and not any(
            name in variables for name in ('netfoundry_api_session', 'netfoundry_api_token', 'netfoundry_api_headers')):
        # Set by hand, where neither the role nor the module's facts set it with the rest: taken for the input.
        MEMO.put(WARNED_SPACE, 'netfoundry_api_url', True)
        warn('variable netfoundry_api_url is an output of the role netfoundry.api.token (the API URL it found), not an '
             'input, and is ignored: give the API URL as netfoundry_audience, or let the token URL name it')
    for name in variables:
        if (isinstance(name, str) and name.startswith(VARIABLE_PREFIX) and name not in KNOWN_VARIABLES
                and not MEMO.get(WARNED_SPACE, name)):
            MEMO.put(WARNED_SPACE, name, True)
            close = difflib.get_close_matches(name, sorted(KNOWN_VARIABLES), n=1)
            warn('variable %s is not an input or output of netfoundry.api and is ignored%s'
                 % (name, '; did you mean %s?' % close[0] if close else ''))
    MEMO.put(SEEN_SPACE, id(variables), variables, len(variables))


# Names people give for an option that has another name: the API URL is the token's audience.
ALIASES = {'api_url': 'audience', 'api': 'audience', 'gateway': 'audience', 'gateway_url': 'audience',
           'base_url': 'audience'}


def unknown_keywords(direct: Iterable[Any], accepted: Sequence[str]) -> Optional[str]:
    unknown = sorted(str(name) for name in direct if name not in accepted)
    if not unknown:
        return None
    hints = [[ALIASES[name] + ', the API URL'] if ALIASES.get(name) in accepted else
             difflib.get_close_matches(name, sorted(accepted), n=1) for name in unknown]
    suggest = ', '.join('%s (did you mean %s?)' % (name, hint[0]) if hint else name for name, hint in zip(unknown, hints))
    return 'unknown option(s) %s; the options are %s' % (suggest, ', '.join(sorted(accepted)))


def _plan(accepted: Iterable[str]) -> Tuple[Tuple[str, Optional[str], bool], ...]:
    """(name, variable, may come from ansible.cfg) for each accepted option, worked out once per option set."""
    accepted = tuple(accepted)
    plan = MEMO.get(PLAN_SPACE, accepted)
    if plan is None:
        plan = MEMO.put(PLAN_SPACE, accepted, tuple((name, BY_NAME[name].variable, BY_NAME[name].ini)
                                                    for name in accepted))
    return plan


def gather(direct: Mapping[str, Any], variables: Mapping[str, Any], template: Callable[[Any], Any],  # pylint: disable=too-many-arguments
           accepted: Sequence[str], warn: Callable[[str], None], config_file: Optional[str] = None) -> Tuple[Dict[str, Any], Dict[str, str]]:
    """(raw values, origins) of the accepted options (a tuple): keyword, else netfoundry_<name> variable, else
    ansible.cfg.

    template(value) templates a variable's value (variables reach plugins untemplated); only netfoundry_* values
    are templated, so a variable that holds this very lookup is never evaluated here."""
    if direct:
        problem = unknown_keywords(direct, accepted)
        if problem:
            raise NFError(problem)
    path = C.CONFIG_FILE if config_file is None else config_file
    section = _ini_section(path) if path else {}
    if section:
        _check_ini(section, path)
    raw, origins = {}, {}
    for name, variable, ini in _plan(accepted):
        if direct.get(name) is not None:
            raw[name] = direct[name]
        elif variable and variables.get(variable) is not None:
            raw[name] = template(variables[variable])
            origins[name] = 'variable %s' % variable
        elif ini and section.get(name) is not None:
            raw[name] = section[name]
            origins[name] = 'ansible.cfg [%s] %s' % (INI_SECTION, name)
    warn_misspelled(variables, warn)
    return raw, origins


def needs_template(value: Any) -> bool:
    """False for a value templating would return unchanged (the common case: skip the templar)."""
    if isinstance(value, str):
        return '{{' in value or '{%' in value or '{#' in value
    return not (value is None or isinstance(value, (bool, int, float)))
