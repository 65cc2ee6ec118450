# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The option table (plugins/module_utils/_options.py OPTIONS) is the one declaration of every option. The module's
argspec is derived from it; these tests prove that every copy a person reads equals it: the doc fragments (the
module's and the plugins' sources), the lookup's own options, the role's argument_specs and the README's input table."""

import re
from pathlib import Path

import yaml

from ansible_collections.netfoundry.api.plugins.doc_fragments import action, token
from ansible_collections.netfoundry.api.plugins.lookup import nf_token as lookup_plugin
from ansible_collections.netfoundry.api.plugins.module_utils._options import CORE, INI_SECTION, OPTIONS, argspec
from ansible_collections.netfoundry.api.plugins.plugin_utils._sources import ROLE_INPUTS

ROOT = Path(token.__file__).resolve().parents[2]


def fragment_options(part):
    """The token fragment's options (DOCUMENTATION or PLUGINS), in its order."""
    return yaml.safe_load(getattr(token.ModuleDocFragment, part))['options']


def role_options():
    specs = yaml.safe_load((ROOT / 'roles' / 'token' / 'meta' / 'argument_specs.yml').read_text())
    return specs['argument_specs']['main']['options']


def expected_doc(option):
    doc = {'type': option.type}
    if option.default is not None:
        doc['default'] = option.default
    if option.choices:
        doc['choices'] = list(option.choices)
    return doc


def test_the_doc_fragments_document_exactly_the_table():
    documented = fragment_options('DOCUMENTATION')
    assert list(documented) == list(CORE)  # the table's order: auth, connection, cache
    for option in OPTIONS:
        if option.name not in CORE:
            continue
        doc = documented[option.name]
        assert dict((key, doc[key]) for key in ('type', 'default', 'choices') if key in doc) == expected_doc(option), \
            option.name
        if option.env:
            assert 'E(%s)' % option.env in ' '.join(doc['description']), option.name


def test_every_doc_fragment_is_a_plain_string():
    """ansible-test's yamllint sanity test reads each attribute of a fragment's class as a string literal (a fragment
    built in Python broke it with a traceback)."""
    import ast
    for path in sorted((ROOT / 'plugins' / 'doc_fragments').glob('*.py')):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                for statement in node.body:
                    assert isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant) and \
                        isinstance(statement.value.value, str), '%s: %s' % (path.name, ast.dump(statement)[:80])


def test_the_plugin_sources_are_the_tables():
    sources = fragment_options('PLUGINS')
    assert sorted(sources) == sorted(CORE)
    for name in CORE:
        option = [o for o in OPTIONS if o.name == name][0]
        assert sources[name]['vars'] == [{'name': option.variable}], name
        assert sources[name].get('ini') == ([{'section': INI_SECTION, 'key': name}] if option.ini else None), name
        assert 'env' not in sources[name], name  # the core reads its environment variables itself, where it runs


def test_secret_options_have_no_ini_source():
    secrets = [option.name for option in OPTIONS if option.secret]
    assert sorted(secrets) == ['client_secret', 'rapidapi_key', 'session']
    assert all(not option.ini for option in OPTIONS if option.secret or option.credentials)
    assert [option.name for option in OPTIONS if option.credentials] == ['proxy']


def test_the_lookup_documents_its_own_options_from_the_table():
    doc = yaml.safe_load(lookup_plugin.DOCUMENTATION)['options']
    for option in OPTIONS:
        if option.group != 'lookup':
            continue
        assert dict((key, doc[option.name][key]) for key in ('type', 'default', 'choices') if key in doc[option.name]) \
            == expected_doc(option), option.name
        assert doc[option.name].get('vars') == ([{'name': option.variable}] if option.variable else None)
        assert doc[option.name].get('ini') == ([{'section': INI_SECTION, 'key': option.name}] if option.ini else None)


def test_the_module_argspec_is_the_table():
    spec = argspec('auth', 'connection', 'cache')
    assert sorted(spec) == sorted(CORE)
    for option in OPTIONS:
        if option.name in CORE:
            assert spec[option.name] == dict(expected_doc(option), no_log=option.secret)


def test_the_role_argument_specs_are_the_table():
    role = role_options()
    inputs = dict(('netfoundry_' + option.name, option) for option in OPTIONS if option.name in CORE)
    assert sorted(role) == sorted(list(inputs) + ['netfoundry_' + name for name in ROLE_INPUTS])
    for variable, option in inputs.items():
        spec = role[variable]
        assert dict((key, spec[key]) for key in ('type', 'default', 'choices') if key in spec) == expected_doc(option), \
            variable
        assert bool(spec.get('no_log')) == option.secret, variable


def readme_inputs():
    text = (ROOT / 'README.md').read_text()
    section = text[text.index('<!-- role inputs -->'):text.index('<!-- /role inputs -->')]
    rows = re.findall(r'^\| `(netfoundry_[a-z_]+)` \| ([a-z]+) \| ([^|]*) \|', section, re.MULTILINE)
    return dict((name, (kind, default.strip())) for name, kind, default in rows)


def test_the_readme_lists_every_role_input_with_its_type_and_default():
    role = role_options()
    listed = readme_inputs()
    assert sorted(listed) == sorted(role)
    for name, spec in role.items():
        assert listed[name] == (spec['type'], readme_default(spec.get('default'))), name


def readme_default(value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return '`%s`' % str(value).lower()
    return '`%s`' % (value if value != '' else '""')


def test_the_module_and_the_action_document_their_own_options_from_the_table():
    from ansible_collections.netfoundry.api.plugins.modules import (
        nf_export, nf_request, nf_resource, nf_resource_info, nf_session, nf_token)
    for plugin, group in ((nf_token, 'module'), (nf_request, 'request'), (nf_resource, 'resource'),
                          (nf_resource_info, 'resource_info'), (nf_session, 'session'), (nf_export, 'export')):
        raw = yaml.safe_load(plugin.DOCUMENTATION)
        doc = dict(raw['options'])
        fragments = raw.get('extends_documentation_fragment', [])
        if 'netfoundry.api.action.session' in fragments:
            doc.update(yaml.safe_load(action.ModuleDocFragment.SESSION)['options'])
        if 'netfoundry.api.action.resource_type' in fragments:  # merged as ansible-doc does: the module's keys win
            for name, shared in yaml.safe_load(action.ModuleDocFragment.RESOURCE_TYPE)['options'].items():
                doc[name] = dict(shared, **doc.get(name, {}))
        own = [option for option in OPTIONS if group in option.groups]
        assert sorted(doc) == sorted(option.name for option in own), group
        for option in own:
            documented = dict((key, doc[option.name][key]) for key in ('type', 'default', 'choices')
                              if key in doc[option.name])
            assert documented == expected_doc(option), option.name
    assert argspec('request')['status_code'] == {'type': 'list', 'elements': 'int', 'default': [200], 'no_log': False}


def _descriptions(value, where):
    """(where, item) of every description item that is not text (a plain YAML line with ': ' in it is a mapping)."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == 'description':
                found += [(where, line) for line in (item if isinstance(item, list) else [item])
                          if not isinstance(line, str)]
            found += _descriptions(item, '%s.%s' % (where, key))
    elif isinstance(value, list):
        for item in value:
            found += _descriptions(item, where)
    return found


def test_every_plugin_description_is_text():
    """ansible-doc fails on a description line YAML read as a mapping ('- This is a filter: it ...')."""
    import ast
    bad = []
    for path in sorted((ROOT / 'plugins').glob('*/*.py')):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', None) in ('DOCUMENTATION', 'RETURN'):
                bad += _descriptions(yaml.safe_load(node.value.value), '%s %s' % (path.name, node.targets[0].id))
    assert bad == []
