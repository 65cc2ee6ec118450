# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every option, declared once (OPTIONS), and validated once (validate) on the raw values any front-end gathered.

The module's argspec is derived from OPTIONS; the lookup, the nf_request action and the role read the sources each
option names (keyword, netfoundry_<name> variable, the [netfoundry] section of ansible.cfg); the doc fragments, the
role's argument_specs and the README's input list are copies that tests/unit/test_option_table.py proves equal.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.module_utils._memo import MEMO

OPTIONS_SPACE = 'options'  # the memo's space of validated option sets

AUTH_METHODS = ('auto', 'client_secret_json', 'client_secret_basic', 'client_secret_post')
OUTPUTS = ('token', 'headers', 'full', 'session')
RETRY_DEFAULTS = dict(total=3, backoff_factor=0.5)
MAX_RETRIES = 10  # retries of one request: with the longest wait between them and timeout, the lock waits stay bounded
MAX_BACKOFF = 60
MAX_TIMEOUT = 3600  # seconds: the deadline of one attempt (and the lock waits derived from it) stay bounded
VARIABLE_PREFIX = 'netfoundry_'
# The NetFoundry resource types nf_resource manages (the SDK's mutable network-domain types; the per-type facts are in
# plugin_utils/_resources.py).
RESOURCE_TYPES = ('networks', 'endpoints', 'edge-routers', 'edge-router-policies', 'services', 'service-policies',
                  'service-edge-router-policies', 'app-wans', 'posture-checks', 'certificate-authorities', 'configs',
                  'config-types', 'terminators')
# What nf_export exports, in the order the playbook network_as_code applies them (what a resource names first).
EXPORT_TYPES = ('posture-checks', 'edge-routers', 'endpoints', 'services', 'service-policies', 'edge-router-policies',
                'service-edge-router-policies', 'app-wans')
INI_SECTION = 'netfoundry'


class Option:
    """One option: its type, default and choices; whether it is a secret (no_log, never from ansible.cfg) or may
    hold one (never from ansible.cfg); the environment variable the core falls back to; the front-ends that take it
    (group, and the other front-ends that take it too: also); whether it is a keyword only (no variable, no
    ansible.cfg)."""

    __slots__ = ('name', 'type', 'default', 'choices', 'secret', 'env', 'group', 'keyword_only', 'credentials', 'also',
                 'elements')

    def __init__(self, name: str, type: str, group: str, default: Any = None,  # pylint: disable=redefined-builtin
                 choices: Optional[Sequence[Any]] = None, secret: bool = False, env: Optional[str] = None,
                 keyword_only: bool = False, credentials: bool = False, also: Sequence[str] = (),
                 elements: Optional[str] = None) -> None:
        self.also = also
        self.elements = elements
        self.keyword_only = keyword_only
        self.credentials = credentials  # may carry a secret inside (user:password@): never from ansible.cfg
        self.name = name
        self.type = type
        self.group = group
        self.default = default
        self.choices = choices
        self.secret = secret
        self.env = env

    @property
    def groups(self) -> tuple:
        return (self.group,) + tuple(self.also)

    @property
    def variable(self) -> Optional[str]:
        return None if self.keyword_only else VARIABLE_PREFIX + self.name

    @property
    def ini(self) -> bool:
        """Plaintext ansible.cfg never holds a secret (community.hashi_vault gives secret options no ini entry)."""
        return not (self.secret or self.credentials or self.keyword_only)


OPTIONS = (
    Option('client_id', 'str', 'auth'),
    Option('client_secret', 'str', 'auth', secret=True),
    Option('credentials_file', 'path', 'auth'),
    Option('token_url', 'str', 'auth'),
    Option('environment', 'str', 'auth', env='NETFOUNDRY_ENVIRONMENT'),
    Option('audience', 'str', 'auth'),
    Option('scope', 'str', 'auth'),
    Option('resource', 'str', 'auth'),
    Option('auth_method', 'str', 'auth', default='auto', choices=AUTH_METHODS),
    Option('validate_certs', 'bool', 'connection', default=True),
    Option('ca_path', 'path', 'connection'),
    # A proxy URL can carry user:password@: that part is masked like a secret (the whole URL is not, so that
    # messages can name the proxy).
    Option('proxy', 'str', 'connection', credentials=True),
    Option('timeout', 'float', 'connection', default=30),
    Option('retries', 'raw', 'connection', default=3),
    Option('cache', 'bool', 'cache', default=True),
    Option('cache_dir', 'path', 'cache', env='NETFOUNDRY_CACHE_DIR'),
    Option('min_ttl', 'int', 'cache', default=600),
    Option('force', 'bool', 'cache', default=False),
    # The nf_token module's own options.
    Option('state', 'str', 'module', default='present', choices=('present', 'absent'), keyword_only=True,
           also=('resource',)),
    Option('token_facts', 'bool', 'module', keyword_only=True),
    # The nf_request action's own options.
    Option('path', 'str', 'request', keyword_only=True),
    Option('url', 'str', 'request', keyword_only=True),
    Option('method', 'str', 'request', default='GET', keyword_only=True),
    Option('body', 'raw', 'request', keyword_only=True),
    Option('query', 'dict', 'request', keyword_only=True, also=('resource_info',)),
    Option('status_code', 'list', 'request', default=[200], keyword_only=True, elements='int'),
    Option('all_pages', 'bool', 'request', default=False, keyword_only=True),
    Option('max_pages', 'int', 'request', default=1000, keyword_only=True),
    Option('max_bytes', 'int', 'request', default=64 * 1024 * 1024, keyword_only=True),
    Option('send_token_to_other_hosts', 'bool', 'request', default=False, keyword_only=True),
    # The nf_resource action's own options (and nf_resource_info's: also).
    Option('type', 'str', 'resource', choices=RESOURCE_TYPES, keyword_only=True, also=('resource_info',)),
    Option('network', 'str', 'resource', keyword_only=True, also=('resource_info', 'export')),
    Option('name', 'str', 'resource', keyword_only=True, also=('resource_info',)),
    Option('id', 'str', 'resource', keyword_only=True, also=('resource_info',)),
    Option('spec', 'dict', 'resource', default={}, keyword_only=True),
    Option('extra_properties', 'list', 'resource', default=[], keyword_only=True, elements='str'),
    Option('nested', 'str', 'resource', default='merge', choices=('merge', 'replace'), keyword_only=True),
    Option('check_names', 'bool', 'resource', default=True, keyword_only=True),
    Option('rotate_registration_key', 'bool', 'resource', default=False, keyword_only=True),
    Option('wait', 'bool', 'resource', default=True, keyword_only=True),
    Option('wait_timeout', 'int', 'resource', default=600, keyword_only=True, also=('resource_info',)),
    Option('enrollment_jwt_dest', 'path', 'resource', keyword_only=True),
    Option('registration_key_dest', 'path', 'resource', keyword_only=True),
    Option('return_enrollment_secrets', 'bool', 'resource', default=False, keyword_only=True,
           also=('resource_info', 'request')),
    # nf_resource_info's own.
    Option('attributes', 'list', 'resource_info', keyword_only=True, elements='str'),
    Option('names', 'list', 'resource_info', keyword_only=True, elements='str'),
    Option('until_provisioned', 'bool', 'resource_info', default=False, keyword_only=True),
    # nf_export's own (the types it exports, in the order network_as_code applies them: plugin_utils/_export.py).
    Option('types', 'list', 'export', default=list(EXPORT_TYPES), choices=EXPORT_TYPES, keyword_only=True,
           elements='str'),
    Option('dest', 'path', 'export', keyword_only=True),
    # The lookup's own options.
    Option('output', 'str', 'lookup', default='token', choices=OUTPUTS),
    # What output=session returned: the role keeps it in memory and hands it to later evaluations.
    Option('session', 'dict', 'lookup', secret=True, keyword_only=True, also=('request', 'resource', 'resource_info', 'export')),
    # Only with output=session: the RapidAPI grant and the check the role's one task makes when it opens the session.
    # (and the nf_session action's own, the role's one task).
    Option('rapidapi_key', 'str', 'lookup', secret=True, also=('session',)),
    Option('rapidapi_host', 'str', 'lookup', also=('session',)),
    Option('verify', 'bool', 'lookup', default=False, also=('session',)),
)
BY_NAME = dict((option.name, option) for option in OPTIONS)
CORE_GROUPS = ('auth', 'connection', 'cache')
CORE = tuple(option.name for option in OPTIONS if option.group in CORE_GROUPS)
SESSION_ONLY = ('rapidapi_key', 'rapidapi_host', 'verify')


def names(*groups: str) -> List[str]:
    return [option.name for option in OPTIONS if option.group in groups]


def argspec(*groups: str) -> Dict[str, Dict[str, Any]]:
    """An AnsibleModule argument_spec for the options of the given groups (a fresh dict each call)."""
    spec = {}
    for option in OPTIONS:
        if set(option.groups) & set(groups):
            entry = dict(type=option.type, no_log=option.secret)
            if option.elements:
                entry['elements'] = option.elements
            if option.default is not None:
                entry['default'] = option.default
            if option.choices:
                entry['choices'] = list(option.choices)
            spec[option.name] = entry
    return spec


# Type and choice checks are ansible-core's own (the module's AnsibleModule and the role's argument_specs run the
# same), so a wrong type reads the same from every front-end; the defaults are applied afterwards, by the core.
_TYPE_VALIDATOR = ArgumentSpecValidator(dict(
    (name, dict(type=BY_NAME[name].type, no_log=BY_NAME[name].secret, choices=BY_NAME[name].choices))
    for name in CORE + ('output', 'session') + SESSION_ONLY))
_ARGUMENT_RE = re.compile(r"(?:argument '|value of )([a-z_]+)")
# "<class 'str'>", or "<class 'ansible.utils.unsafe_proxy.AnsibleUnsafeText'>" for a value from a variable on 2.16: the
# type named as later lines name it, text as str.
_CLASS_RE = re.compile(r"<class '(?:[A-Za-z_][A-Za-z0-9_]*\.)*([A-Za-z_][A-Za-z0-9_]*)'>")
_TEXT_TYPES = {'AnsibleUnsafeText': 'str', 'AnsibleUnicode': 'str', 'NativeJinjaUnsafeText': 'str'}


class _Bad(NFError):
    """A bad value of one option; validate() adds where the value came from, at the end of the message."""

    def __init__(self, option: Optional[str], message: str) -> None:
        super().__init__(message)
        self.option = option


def _kind(value: Any) -> str:
    """What a value is, in words (never ansible-core's class names: 2.19+ tags values, _AnsibleTaggedInt)."""
    for types, words in (((list, tuple), 'a list'), (dict, 'a dictionary'), (bool, 'a boolean'), (int, 'a whole number'),
                         (float, 'a number')):
        if isinstance(value, types):
            return words
    return type(value).__name__


def plain(value: Any) -> Any:
    """Templated values arrive as tagged or unsafe str subclasses; HTTP headers and bodies want plain types."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return dict((plain(k), plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _typed(raw: Mapping[str, Any]) -> Dict[str, Any]:
    """Raw values -> typed values; a secret's value is never part of a message."""
    given = {}
    for name, value in raw.items():
        if value is None:
            continue
        value = plain(value)
        option = BY_NAME[name]
        if option.type in ('str', 'path') and not isinstance(value, str):
            # ansible-core would turn a list or a number into its text silently; a secret must not be.
            if option.secret or option.credentials or isinstance(value, (list, tuple, dict, bool)):
                raise _Bad(name, 'option %s must be a string, got %s' % (name, _kind(value)))
        given[name] = value
    result = _TYPE_VALIDATOR.validate(given)
    if result.error_messages:
        # ansible-core before 2.19 says "of type <class 'str'>", later ones "of type str": one wording on every line.
        message = _CLASS_RE.sub(lambda match: _TEXT_TYPES.get(match.group(1), match.group(1)),
                                str(result.error_messages[0]))
        named = _ARGUMENT_RE.search(message)
        raise _Bad(named.group(1) if named else None, message)
    return dict((name, result.validated_parameters.get(name)) for name in given)


def _text(value: Any, name: str) -> Optional[str]:
    if value is None:
        return None
    if not value.strip():
        raise _Bad(name, 'option %s is empty: give a value or leave the option out' % name)
    return value if BY_NAME[name].secret else value.strip()


def _number(value: Any, name: str, minimum: float, integer: bool = False,
            maximum: Optional[float] = None) -> Union[int, float]:
    try:
        number = None if isinstance(value, bool) else float(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or math.isnan(number) or math.isinf(number) or number < minimum or (integer and number != int(number)):
        kind = 'a whole number' if integer else 'a number'
        shown = value if isinstance(value, (int, float, str)) and len(str(value)) <= 40 else _kind(value)
        if isinstance(shown, float) and shown.is_integer():
            shown = int(shown)  # -5 whether the front-end typed it (the module: -5.0) or not
        raise _Bad(name.split('.')[0], 'option %s must be %s >= %s, got %r' % (name, kind, minimum, shown))
    if maximum is not None and number > maximum:
        raise _Bad(name.split('.')[0], 'option %s is %g, more than %d: give at most %d (each retry waits and may '
                   'take timeout again)' % (name, number, maximum, maximum))
    return int(number) if integer else number


def _retries(value: Any) -> Dict[str, Any]:
    if isinstance(value, dict):
        unknown = sorted(str(key) for key in set(value) - set(RETRY_DEFAULTS))
        if unknown:
            raise _Bad('retries', 'option retries has unknown key(s) %s: use total and backoff_factor' % ', '.join(unknown))
        merged = dict(RETRY_DEFAULTS, **value)
        total_name = 'retries.total'
    else:
        merged = dict(RETRY_DEFAULTS, total=value)
        total_name = 'retries'
    return dict(total=_number(merged['total'], total_name, 0, True, MAX_RETRIES),
                backoff_factor=_number(merged['backoff_factor'], 'retries.backoff_factor', 0, False, MAX_BACKOFF))


def _check_path(value: Optional[str], name: str) -> Optional[str]:
    if value is not None and '\0' in value:
        raise _Bad(name, 'option %s contains a NUL byte: give a plain path' % name)
    return value


def validate(raw: Mapping[str, Any], origins: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """Check and type the raw values of the core options (None or absent = not given) without touching the
    network; returns the settings dict the core works with, defaults applied. origins (name -> 'variable
    netfoundry_x', ...) only makes messages say where a bad value came from."""
    raw = dict((name, raw.get(name)) for name in CORE)
    try:
        key = json.dumps([raw, origins], sort_keys=True)
    except (TypeError, ValueError):
        key = None
    known = MEMO.get(OPTIONS_SPACE, key) if key is not None else None
    if known is not None:
        return dict(known)
    try:
        settings = _checked(raw)
    except _Bad as exc:
        raise _located(exc, origins)
    if key is not None:
        MEMO.put(OPTIONS_SPACE, key, dict(settings))
    return settings


def _located(exc: _Bad, origins: Optional[Mapping[str, str]]) -> NFError:
    origin = (origins or {}).get(exc.option or '')
    return NFError(exc.message + (' (from %s)' % origin if origin else ''))


def session_settings(raw: Mapping[str, Any], origins: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """The output=session options, typed: rapidapi_key and rapidapi_host (None when not given or empty, as the
    role's defaults are) and verify."""
    try:
        given = _typed(dict((name, raw.get(name)) for name in SESSION_ONLY))
    except _Bad as exc:
        raise _located(exc, origins)
    settings = dict((name, (given.get(name) or '').strip() or None) for name in ('rapidapi_key', 'rapidapi_host'))
    settings['verify'] = bool(given.get('verify'))
    return settings


def _checked(raw: Mapping[str, Any]) -> Dict[str, Any]:
    given = _typed(raw)
    settings: Dict[str, Any] = dict((name, given.get(name)) for name in CORE)
    for name in ('client_id', 'client_secret', 'credentials_file', 'token_url', 'environment', 'audience', 'scope',
                 'resource', 'ca_path', 'proxy', 'cache_dir'):
        settings[name] = _text(settings[name], name)
    for name in ('credentials_file', 'ca_path', 'cache_dir'):
        settings[name] = _check_path(settings[name], name)
    for option in OPTIONS:
        if option.name in settings and settings[option.name] is None and option.default is not None:
            settings[option.name] = option.default
    settings['min_ttl'] = _number(settings['min_ttl'], 'min_ttl', 0, True)
    settings['timeout'] = _number(settings['timeout'], 'timeout', 0)
    if settings['timeout'] == 0:
        raise _Bad('timeout', 'option timeout must be more than 0 seconds, got 0')
    if settings['timeout'] > MAX_TIMEOUT:
        raise _Bad('timeout', 'option timeout is %g s, more than the %d s an attempt may take: give a smaller timeout'
                   % (settings['timeout'], MAX_TIMEOUT))
    settings['retries'] = _retries(settings['retries'])
    return settings
