# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Options: declared once (argspec groups), read through one adapter, validated without the network."""

import math

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFTokenError

AUTH_METHODS = ('auto', 'client_secret_json', 'client_secret_basic', 'client_secret_post')

# The module's argspec and the defaults the core applies to every front-end. The doc fragment
# netfoundry.api.auth / netfoundry.api.connection documents the same options; sanity checks they agree.
AUTH_ARGSPEC = dict(
    client_id=dict(type='str'),
    client_secret=dict(type='str', no_log=True),
    credentials_file=dict(type='path'),
    token_url=dict(type='str', no_log=False),
    environment=dict(type='str'),
    audience=dict(type='str'),
    scope=dict(type='str'),
    resource=dict(type='str'),
    auth_method=dict(type='str', default='auto', choices=list(AUTH_METHODS)),
)

CONNECTION_ARGSPEC = dict(
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
    proxy=dict(type='str', no_log=True),  # a proxy URL may carry user:password@
    timeout=dict(type='float', default=30),
    retries=dict(type='raw', default=3),
)

CACHE_ARGSPEC = dict(
    cache=dict(type='bool', default=True),
    cache_dir=dict(type='path'),
    min_ttl=dict(type='int', default=600),
    force=dict(type='bool', default=False),
)

RETRY_DEFAULTS = dict(total=3, backoff_factor=0.5)
RETRY_AFTER_CAP = 30


def argspec(*groups):
    """Merge option groups into one argument_spec."""
    merged = {}
    for group in groups:
        for name, spec in group.items():
            merged[name] = dict(spec)
    return merged


OPTION_SPECS = argspec(AUTH_ARGSPEC, CONNECTION_ARGSPEC, CACHE_ARGSPEC)


class OptionAdapter:
    """Reads options the same way whatever front-end holds them (dict, module params, plugin config)."""

    def __init__(self, getter):
        self._getter = getter

    @classmethod
    def from_dict(cls, options):
        return cls(options.get)

    @classmethod
    def from_module(cls, module):
        return cls.from_dict(module.params)

    @classmethod
    def from_plugin(cls, plugin):
        return cls(plugin.get_option)

    def get(self, name):
        value = self._getter(name)
        if value is None:
            return OPTION_SPECS[name].get('default')
        return _plain(value)


def _plain(value):
    """Templated values arrive as tagged or unsafe str subclasses; HTTP headers and bodies want plain types."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return dict((_plain(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _text(options, name):
    value = options.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise NFTokenError('option %s must be a string, got %s' % (name, type(value).__name__))
    if not value.strip():
        raise NFTokenError('option %s is empty: give a value or leave the option out' % name)
    return value.strip() if name != 'client_secret' else value


def _boolean(options, name):
    value = options.get(name)
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ('1', 'true', 'yes', 'on', 'y', 't'):
        return True
    if lowered in ('0', 'false', 'no', 'off', 'n', 'f'):
        return False
    raise NFTokenError('option %s must be a boolean (true or false), got %r' % (name, value))


def _number(value, name, minimum, integer=False):
    try:
        number = None if isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        number = None
    if number is None or math.isnan(number) or math.isinf(number) or number < minimum or (integer and number != int(number)):
        kind = 'a whole number' if integer else 'a number'
        raise NFTokenError('option %s must be %s >= %s, got %r' % (name, kind, minimum, value))
    return int(number) if integer else number


def _retries(value):
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(RETRY_DEFAULTS))
        if unknown:
            raise NFTokenError('option retries has unknown key(s) %s: use total and backoff_factor' % ', '.join(unknown))
        merged = dict(RETRY_DEFAULTS, **value)
    else:
        merged = dict(RETRY_DEFAULTS, total=value)
    return dict(
        total=_number(merged['total'], 'retries' if not isinstance(value, dict) else 'retries.total', 0, integer=True),
        backoff_factor=_number(merged['backoff_factor'], 'retries.backoff_factor', 0),
    )


def read_settings(adapter):
    """Validate every option without touching the network; returns a plain dict."""
    settings = dict((name, _text(adapter, name)) for name in (
        'client_id', 'client_secret', 'credentials_file', 'token_url', 'environment',
        'audience', 'scope', 'resource', 'ca_path', 'proxy', 'cache_dir'))
    method = adapter.get('auth_method')
    if method not in AUTH_METHODS:
        raise NFTokenError('option auth_method must be one of %s, got %r' % (', '.join(AUTH_METHODS), method))
    settings['auth_method'] = method
    for name in ('validate_certs', 'cache', 'force'):
        settings[name] = _boolean(adapter, name)
    settings['min_ttl'] = _number(adapter.get('min_ttl'), 'min_ttl', 0, integer=True)
    timeout = _number(adapter.get('timeout'), 'timeout', 0)
    if timeout == 0:
        raise NFTokenError('option timeout must be more than 0 seconds, got 0')
    settings['timeout'] = timeout
    settings['retries'] = _retries(adapter.get('retries'))
    return settings
