# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The role's outputs (roles/token/vars/main.yml) read the session in Jinja while its token is fresh, so that the hot
path of a play makes no lookup call (P5); the session's Python (plugin_utils/_session.py) has the same rule. These tests
tie the two: the role's own templates, rendered by ansible-core's templar (and its real lookup), must decide what the
Python decides for every session open_session makes and for every way a session can be broken. Whatever the Jinja does
not serve goes to the lookup, which serves or refuses it by the Python rule: so a session the Jinja serves and the
Python would refuse (or renew) is the one divergence that matters, and every case below asserts there is none either
way. The hot path's cost is a rule of its own: what its templates may name (the last test)."""

import time
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.netfoundry.api.plugins.module_utils._errors import NFError
from ansible_collections.netfoundry.api.plugins.plugin_utils import _session
from ansible_collections.netfoundry.api.plugins.plugin_utils._session import (
    SESSION_FORMAT, SESSION_KINDS, open_session, session_fetch)
from ansible_collections.netfoundry.api.tests.unit.conftest import CLIENT_ID, CLIENT_SECRET

try:  # ansible-core 2.19 and later template only what is trusted as a template (a role's vars file is)
    from ansible.template import trust_as_template
    NATIVE = True
except ImportError:
    NATIVE = False

    def trust_as_template(text):
        return text

FRESH = "__netfoundry_serve == 'token'"
EXPIRES = ("__netfoundry_serve == 'token' and (netfoundry_api_session.token.get('expires_at', '') == none "
           "or (netfoundry_api_session.token.get('expires_at') is number "
           "and netfoundry_api_session.token.expires_at is not boolean "
           "and netfoundry_api_session.token.expires_at - netfoundry_api_session.token.expires_at == 0))")
API_URL = ("netfoundry_api_session is mapping and netfoundry_api_session.get('api_url') is string "
           "and netfoundry_api_session.api_url != ''")
INFO = "netfoundry_api_session is mapping and netfoundry_api_session.get('info') is mapping"
JSON = {'Accept': 'application/json', 'Content-Type': 'application/json'}
ROLE_VARS = Path(__file__).resolve().parents[4] / 'roles' / 'token' / 'vars' / 'main.yml'
FAST = {'total': 0, 'backoff_factor': 0}


def role_vars():
    loaded = DataLoader().load_from_file(str(ROLE_VARS))
    return dict((name, trust_as_template(value) if isinstance(value, str) else value) for name, value in loaded.items())


def jinja_says(session, name):
    templar = Templar(loader=DataLoader(), variables=dict(role_vars(), netfoundry_api_session=session))
    return templar.template(trust_as_template('{{ (%s) | bool }}' % name))


def rendered(value):
    """value as a template that computes it renders: before 2.19 a computed scalar becomes text (None empty)."""
    if NATIVE or isinstance(value, (dict, list, str)):
        return value
    return '' if value is None else str(value)


def output(session, name):
    """The role's output, rendered as a task would (the lookup is the collection's own); or the error's text."""
    templar = Templar(loader=DataLoader(), variables=dict(role_vars(), netfoundry_api_session=session))
    try:
        return templar.template(trust_as_template('{{ %s }}' % name))
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return 'error: %s' % exc


def python_serves_without_io(session, monkeypatch):
    """True when the Python serves the session's own token (no fetch); False when it would renew or refuse it."""
    def no_fetch(*_args, **_kwargs):
        raise AssertionError('renewed')
    monkeypatch.setattr(_session, 'fetch', no_fetch)
    try:
        session_fetch(session)
    except (NFError, AssertionError):
        return False
    return True


@pytest.fixture
def session(testbed):
    return open_session(dict(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, retries=FAST, cache=False,
                             token_url=testbed.info['idp_http'] + '/token'))


def test_the_role_names_the_sessions_format_and_kinds():
    text = ROLE_VARS.read_text()
    assert "== '%s'" % SESSION_FORMAT in text
    assert sorted(kind for kind in SESSION_KINDS if "== '%s'" % kind in text) == sorted(SESSION_KINDS)


BROKEN = {
    'as made': {},
    'fresh for ever (no expiry)': {'fresh_until': None},
    'stale': {'fresh_until': -1},
    'another format': {'format': 'netfoundry.api/session/1'},
    'another kind': {'kind': 'other'},
    'static kind': {'kind': 'static'},
    'no token': {'token': None},
    'token a string': {'token': 'abc'},
    'access_token a number': {'token': {'access_token': 5}},
    'access_token empty': {'token': {'access_token': ''}},
    'fresh_until a string': {'fresh_until': 'tomorrow'},
    'fresh_until a list': {'fresh_until': [1]},
    'no options': {'options': None},
}


@pytest.mark.parametrize('change', BROKEN.values(), ids=list(BROKEN))
def test_the_roles_jinja_serves_exactly_what_the_python_serves(session, change, monkeypatch):
    changed = dict(session)
    for key, value in change.items():
        if key == 'fresh_until' and value == -1:
            value = time.time() - 1
        if key == 'token' and isinstance(value, dict):
            value = dict(session['token'], **value)
        changed[key] = value
    served = python_serves_without_io(changed, monkeypatch)
    assert jinja_says(changed, FRESH) is served
    assert served is (change in ({}, {'fresh_until': None}))


def test_a_session_is_fresh_in_both_until_fresh_until_and_stale_after(session, monkeypatch):
    for offset, fresh in ((60, True), (-60, False)):
        changed = dict(session, fresh_until=time.time() + offset)
        assert (jinja_says(changed, FRESH), python_serves_without_io(changed, monkeypatch)) == (fresh, fresh)


STATIC = {
    'as made': {},
    'key a number': {'headers': {'X-RapidAPI-Key': 5, 'X-RapidAPI-Host': 'h.example.com'}},
    'no host': {'headers': {'X-RapidAPI-Key': 'k'}},
    'headers a string': {'headers': 'headers'},
    'another format': {'format': 'netfoundry.api/session/1'},
    'no options': {'options': None},
    # An outsider's findings (issue 29): requests' traceback, a message naming an option, an empty key sent.
    'a header name a number': {'headers': {'X-RapidAPI-Key': 'k', 'X-RapidAPI-Host': 'h.example.com', 1: 'x'}},
    'a header value a number': {'headers': {'X-RapidAPI-Key': 'k', 'X-RapidAPI-Host': 'h.example.com', 'X-A': 1}},
    'a control character in the key': {'headers': {'X-RapidAPI-Key': 'k\x01', 'X-RapidAPI-Host': 'h.example.com'}},
    'a host that is no host': {'headers': {'X-RapidAPI-Key': 'k', 'X-RapidAPI-Host': 'evil/host'}},
    'an empty key': {'headers': {'X-RapidAPI-Key': '', 'X-RapidAPI-Host': 'h.example.com'}},
    'no api_url': {'api_url': None},
    'no info': {'info': 'x'},
}


@pytest.mark.parametrize('change', STATIC.values(), ids=list(STATIC))
def test_a_static_session_is_served_as_headers_in_both_only_when_whole(change):
    session = dict(format=SESSION_FORMAT, kind='static', api_url='https://h.example.com/', info={}, options={},
                   headers={'X-RapidAPI-Key': 'k', 'X-RapidAPI-Host': 'h.example.com'})
    session.update(change)
    try:
        headers = _session.session_headers(session)
    except NFError:
        headers = None
    assert (headers is not None) is (change == {})
    # The Jinja serves no RapidAPI session itself: the lookup checks it and serves its headers, or refuses it.
    assert jinja_says(session, FRESH) is False
    if headers is None:
        for name in ('netfoundry_api_headers', 'netfoundry_api_token', 'netfoundry_api_token_expires_at'):
            assert _session.BAD in output(session, name)
    else:
        assert output(session, 'netfoundry_api_headers') == dict(headers, **JSON)
        assert (output(session, 'netfoundry_api_token'), output(session, 'netfoundry_api_token_expires_at')) == (
            '', rendered(None))
        assert (output(session, 'netfoundry_api_url'), output(session, 'netfoundry_api_token_info')) == (
            'https://h.example.com/', {})


# Parts of a token session the Jinja reads only in the output that shows them (an outsider's findings, issue 29: a
# KeyError from the actions, raw Jinja errors from the outputs). The Python refuses each in one line; the output that
# reads the part goes to the lookup, which says that line; the token itself, sound, is still served by the others.
RECORD = {
    'expires_at missing': ('token', {'expires_at': '-'}, EXPIRES),
    'expires_at text': ('token', {'expires_at': 'soon'}, EXPIRES),
    # An outsider's findings (issue 29's end): Jinja's number test takes these; the Python does not.
    'expires_at a boolean': ('token', {'expires_at': True}, EXPIRES),
    'expires_at infinite': ('token', {'expires_at': float('inf')}, EXPIRES),
    'expires_at not a number': ('token', {'expires_at': float('nan')}, EXPIRES),
    'lifetime text': ('token', {'lifetime': 'long'}, None),
    'claims a list': ('token', {'claims': []}, None),
    'api_url missing': ('session', {'api_url': '-'}, API_URL),
    'api_url a number': ('session', {'api_url': 5}, API_URL),
    'api_url empty': ('session', {'api_url': ''}, API_URL),
    'info a string': ('session', {'info': 'x'}, INFO),
    'min_ttl text': ('session', {'min_ttl': 'x'}, None),
}


@pytest.mark.parametrize('where, change, output', RECORD.values(), ids=list(RECORD))
def test_a_broken_part_is_refused_by_the_python_and_by_the_output_that_reads_it(session, where, change, output):
    changed = dict(session, token=dict(session['token'])) if where == 'token' else dict(session)
    target = changed['token'] if where == 'token' else changed
    for key, value in change.items():
        if value == '-':
            del target[key]
        else:
            target[key] = value
    with pytest.raises(NFError) as caught:
        session_fetch(changed)
    assert caught.value.message == _session.BAD
    if output:
        assert ' '.join(output.split()) in ' '.join(ROLE_VARS.read_text().split())  # the role's own condition
        assert jinja_says(changed, output) is False
        assert jinja_says(session, output) is True


def test_a_fresh_session_is_served_by_every_output_without_the_lookup(session, monkeypatch):
    """The hot path: the outputs of a session as made, each what the Python holds, with no lookup at all."""
    from ansible_collections.netfoundry.api.plugins.plugin_utils import _lookup

    def no_lookup(*_args, **_kwargs):
        raise AssertionError('the lookup was called')
    monkeypatch.setattr(_lookup, 'evaluate', no_lookup)
    token = session_fetch(session)
    assert output(session, 'netfoundry_api_token') == token.access_token
    assert output(session, 'netfoundry_api_headers') == dict(token.headers(), **JSON)
    assert output(session, 'netfoundry_api_token_expires_at') == rendered(token.expires_at)
    assert output(session, 'netfoundry_api_url') == session['api_url']
    assert output(session, 'netfoundry_api_token_info') == session['info']
    assert output(dict(session, identity={'name': 'me'}), 'netfoundry_api_identity') == {'name': 'me'}


def test_the_identity_is_none_without_verify_and_a_broken_session_is_one_line(session):
    """An outsider's finding: netfoundry_api_identity gave raw Jinja errors (no identity, not a session)."""
    assert output(session, 'netfoundry_api_identity') == rendered(None)
    assert _session.BAD in output('abc', 'netfoundry_api_identity')
    assert _session.BAD in output(dict(session, format='x'), 'netfoundry_api_identity')


def test_a_stale_session_is_renewed_by_the_lookup(session, testbed):
    """Past fresh_until the outputs ask the lookup, which renews through the token cache: a new token."""
    stale = dict(session, fresh_until=time.time() - 1)
    before = testbed.stats()['total']
    headers = output(stale, 'netfoundry_api_headers')
    assert headers['Authorization'] != 'Bearer ' + session['token']['access_token']
    assert headers['Authorization'].startswith('Bearer ') and len(headers) == 3
    assert testbed.stats()['total'] == before + 1


HOT = ('netfoundry_api_token', 'netfoundry_api_headers', '__netfoundry_serve')


def test_the_hot_path_names_no_filter_and_no_variable_it_does_not_need():
    """What a task that reads the token or the headers costs (P5): a freshly forked worker compiles every template it
    renders, Jinja resolves (renders) every variable a template names whether its branch is taken or not, and the first
    filter or test a worker meets loads every builtin plugin of its kind. So the hot templates name no filter, three
    tests, and no variable but the session and the rule (nor the globals a play's variable could hide, dict, but the
    lookup and now() that ansible-core reserves)."""
    loaded = role_vars()
    environment = Environment()
    tests, names = set(), set()
    for name in HOT:
        tree = environment.parse(str(loaded[name]))
        assert list(tree.find_all(nodes.Filter)) == [], name
        tests.update(node.name for node in tree.find_all(nodes.Test))
        names.update(node.name for node in tree.find_all(nodes.Name) if node.ctx == 'load')
    assert tests == {'mapping', 'string', 'number'}
    assert names == {'netfoundry_api_session', '__netfoundry_serve', 'lookup', 'now'}


def output_with(session, name, **variables):
    templar = Templar(loader=DataLoader(), variables=dict(role_vars(), netfoundry_api_session=session, **variables))
    try:
        return templar.template(trust_as_template('{{ %s }}' % name))
    except Exception as exc:  # pylint: disable=broad-exception-caught
        return 'error: %s' % exc


def test_a_null_session_is_refused_never_replaced_by_another_credential(session, monkeypatch):
    """An outsider's finding (issue 29's end): the lookup took session=None for no session, and served a token of
    the environment's account."""
    monkeypatch.setenv('NETFOUNDRY_CLIENT_ID', 'other-account')
    for name in ('netfoundry_api_token', 'netfoundry_api_headers', 'netfoundry_api_url', 'netfoundry_api_identity',
                 'netfoundry_api_token_expires_at', 'netfoundry_api_token_info'):
        assert 'option session is null' in output(None, name), name


def test_a_variable_named_dict_changes_nothing(session):
    """An outsider's finding: the headers once called Jinja's dict(), which a play's variable of that name hides."""
    stale = dict(session, fresh_until=time.time() - 1)
    for value in (session, stale):
        assert sorted(output_with(value, 'netfoundry_api_headers', dict={'a': 1})) == [
            'Accept', 'Authorization', 'Content-Type']


@pytest.mark.parametrize('host', ['api.example.com\n', 'api.example.com\r\n'])
def test_a_rapidapi_host_with_a_final_line_break_is_refused(host):
    """An outsider's finding: a regular expression's $ matches before a final newline."""
    session = dict(format=SESSION_FORMAT, kind='static', api_url='https://api.example.com/', info={}, options={},
                   headers={'X-RapidAPI-Key': 'k', 'X-RapidAPI-Host': host})
    with pytest.raises(NFError):
        _session.session_headers(session)
    assert _session.BAD in output(session, 'netfoundry_api_headers')
