# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Playbook scenarios: each folder of tests/e2e/scenarios/ holds playbook.yml (a playbook as a user writes it) and
expect.yml (what must come out), and is one test here (its id is the folder's name: pytest -k <name>).

The folder is copied into the run's working directory (so an inventory.ini, group_vars/, an ansible.cfg or files
beside the playbook are found as they would be in a user's project) and ansible-playbook runs playbook.yml there
through the playbook fixture (tests/e2e/conftest.py: at -vvvv, with the secret scan), with -i inventory.ini when the
folder has one, and the test bed's facts as extra vars (plays.scenario_vars, and out_dir, work_dir, home_dir).
The play saves values with save_result (tests/e2e/action_plugins/) as out_dir/<name>.json; expect.yml says what
they must be. Its keys (CONTRIBUTING.md, "Playbook scenarios"):

  rc                      the exit code of ansible-playbook (required)
  saved                   <name>[.<key or index>...]: a value or a matcher; <name> may be a glob (node*), which must
                          match at least one saved file, and then every file it matches must satisfy the expectation;
                          * in the path maps the rest over a list (json._embedded.networkList.*.name)
  saved_count             how many files the play saved
  stats                   <key of testbed.stats()>[.<key, index or *>...]: a value or a matcher (api_log.*.status)
  stdout, output          has (list of texts), lacks (list of texts), counts (text: number), fold_whitespace (bool:
                          compare without whitespace, for warnings ansible-core before 2.19 folds at 79 columns);
                          output is stdout and stderr
  tokens_in_output        how often the test bed's issued tokens occur in stdout, stderr and the log
  tokens_in_role_output   how often they occur in the role netfoundry.api.token's own tasks (stdout and the log)
  args                    more ansible-playbook arguments (for example [--forks, '10'], [--check])
  env                     more environment variables for ansible-playbook
  core_behaviour          true: the test is marked core_behaviour (scripts/test runs it on the oldest and the newest
                          ansible-core line only)
  min_core, max_core      the ansible-core lines the scenario is for ('2.19'); on others the test is skipped

A value is compared with ==; a matcher is a mapping whose keys are all matcher names (several: all must hold):
equals, startswith, endswith, contains, not_contains (a substring of a string, an item of a list, a key of a
mapping; a list of them: each), length. Every string in expect.yml may name the variables the playbook gets as
${name} (${nf_api}, ${out_dir}...); a name that is not one of them fails the test. Every run must also be clean
(plays.assert_clean: no traceback in the output or the log)."""

import fnmatch
import json
import string
from pathlib import Path

import pytest
import yaml

from ansible.release import __version__ as ANSIBLE_VERSION

from ansible_collections.netfoundry.api.tests.e2e.plays import assert_clean, role_token_count, scenario_vars, squash

SCENARIOS = Path(__file__).resolve().parent / 'scenarios'
CORE = tuple(int(part) for part in ANSIBLE_VERSION.split('.')[:2])
KEYS = {'rc', 'saved', 'saved_count', 'stats', 'stdout', 'output', 'tokens_in_output', 'tokens_in_role_output',
        'args', 'env', 'core_behaviour', 'min_core', 'max_core'}
OUTPUT_KEYS = {'has', 'lacks', 'counts', 'fold_whitespace'}


def _each(value):
    return value if isinstance(value, list) else [value]


MATCHERS = {
    'equals': lambda actual, wanted: actual == wanted,
    'startswith': lambda actual, wanted: isinstance(actual, str) and actual.startswith(wanted),
    'endswith': lambda actual, wanted: isinstance(actual, str) and actual.endswith(wanted),
    'contains': lambda actual, wanted: isinstance(actual, (str, list, dict)) and all(
        item in actual for item in _each(wanted)),
    'not_contains': lambda actual, wanted: isinstance(actual, (str, list, dict)) and not any(
        item in actual for item in _each(wanted)),
    'length': lambda actual, wanted: isinstance(actual, (str, list, dict)) and len(actual) == wanted,
}


def scenario_names():
    return sorted(path.name for path in SCENARIOS.iterdir() if (path / 'playbook.yml').is_file())


def load_expect(name):
    expect = yaml.safe_load((SCENARIOS / name / 'expect.yml').read_text())
    assert isinstance(expect, dict) and 'rc' in expect, '%s/expect.yml: a mapping with at least rc' % name
    unknown = set(expect) - KEYS
    assert not unknown, '%s/expect.yml: unknown keys %s (the keys are %s)' % (name, sorted(unknown), sorted(KEYS))
    for block in ('stdout', 'output'):
        unknown = set(expect.get(block) or {}) - OUTPUT_KEYS
        assert not unknown, '%s/expect.yml: unknown keys %s in %s' % (name, sorted(unknown), block)
    return expect


def _params():
    for name in scenario_names():
        marks = [pytest.mark.core_behaviour] if load_expect(name).get('core_behaviour') else []
        yield pytest.param(name, id=name, marks=marks)


def _core(text):
    return tuple(int(part) for part in str(text).split('.')[:2])


def substitute(value, variables):
    """${name} in every string of value, from variables (a name that is not there raises KeyError)."""
    if isinstance(value, str):
        return string.Template(value).substitute(variables)
    if isinstance(value, list):
        return [substitute(item, variables) for item in value]
    if isinstance(value, dict):
        return dict((substitute(key, variables), substitute(item, variables)) for key, item in value.items())
    return value


def is_matcher(wanted):
    return isinstance(wanted, dict) and bool(wanted) and set(wanted) <= set(MATCHERS)


def check(where, actual, wanted, problems):
    if is_matcher(wanted):
        failed = [name for name, argument in wanted.items() if not MATCHERS[name](actual, argument)]
        if failed:
            problems.append('%s: %r does not satisfy %s' % (where, actual, dict((n, wanted[n]) for n in failed)))
    elif actual != wanted:
        problems.append('%s: %r != %r (expected)' % (where, actual, wanted))


def dig(value, path):
    """value[path[0]][path[1]]...: keys of mappings, indexes of lists; * takes the rest of the path in each item of a
    list (networkList.*.name: the list of the names)."""
    for number, part in enumerate(path):
        if part == '*':
            if not isinstance(value, list):
                raise TypeError('* needs a list, got %s' % type(value).__name__)
            return [dig(item, path[number + 1:]) for item in value]
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def check_saved(out_dir, saved, problems):
    files = dict((path.stem, path) for path in out_dir.glob('*.json'))
    for key, wanted in saved.items():
        pattern, path = key.split('.')[0], key.split('.')[1:]
        names = sorted(name for name in files if fnmatch.fnmatchcase(name, pattern))
        if not names:
            problems.append('saved %s: the play saved no %s.json (it saved %s)' % (key, pattern, sorted(files)))
        for name in names:
            try:
                actual = dig(json.loads(files[name].read_text()), path)
            except (KeyError, IndexError, ValueError, TypeError) as error:
                problems.append('saved %s: %s.json has no %s (%r)' % (key, name, '.'.join(path), error))
                continue
            check('saved %s%s' % (name, ''.join('.' + part for part in path)), actual, wanted, problems)


def check_text(label, text, block, problems):
    fold = squash if block.get('fold_whitespace') else (lambda same: same)
    seen = fold(text)
    for item in block.get('has') or []:
        if fold(item) not in seen:
            problems.append('%s lacks %r' % (label, item))
    for item in block.get('lacks') or []:
        if fold(item) in seen:
            problems.append('%s has %r' % (label, item))
    for item, count in (block.get('counts') or {}).items():
        if seen.count(fold(item)) != count:
            problems.append('%s has %r %d times, not %d' % (label, item, seen.count(fold(item)), count))


@pytest.mark.parametrize('name', list(_params()))
def test_scenario(name, testbed, playbook, tmp_path):
    expect = load_expect(name)
    if 'min_core' in expect and CORE < _core(expect['min_core']):
        pytest.skip('scenario %s is for ansible-core %s and later' % (name, expect['min_core']))
    if 'max_core' in expect and CORE > _core(expect['max_core']):
        pytest.skip('scenario %s is for ansible-core %s and earlier' % (name, expect['max_core']))
    facts = scenario_vars(testbed)
    # The same folders as the playbook fixture's (the same tmp_path), which gives these three to the play too.
    variables = dict(facts, out_dir=str(tmp_path / 'out'), work_dir=str(tmp_path / 'work'),
                     home_dir=str(tmp_path / 'home'))
    expect = substitute(expect, variables)
    folder = SCENARIOS / name
    args = list(expect.get('args') or [])
    if (folder / 'inventory.ini').is_file():
        args = ['-i', 'inventory.ini'] + args
    run = playbook(None, extra_vars=facts, env=expect.get('env'), args=args, source=folder)
    stats = testbed.stats()
    problems = []
    if run.rc != expect['rc']:
        problems.append('rc %d, not %d' % (run.rc, expect['rc']))
    check_saved(run.out_dir, expect.get('saved') or {}, problems)
    if 'saved_count' in expect:
        check('saved_count', len([path for path in run.out_dir.iterdir() if path.is_file()]), expect['saved_count'],
              problems)
    for key, wanted in (expect.get('stats') or {}).items():
        name, path = key.split('.')[0], key.split('.')[1:]
        if name not in stats:
            problems.append('stats has no %s (it has %s)' % (name, sorted(stats)))
            continue
        try:
            actual = dig(stats[name], path)
        except (KeyError, IndexError, ValueError, TypeError) as error:
            problems.append('stats %s: no %s (%r)' % (name, '.'.join(path), error))
            continue
        check('stats %s' % key, actual, wanted, problems)
    check_text('stdout', run.stdout, expect.get('stdout') or {}, problems)
    check_text('the output', run.output, expect.get('output') or {}, problems)
    if 'tokens_in_output' in expect:
        check('tokens_in_output', run.token_count(stats['tokens']), expect['tokens_in_output'], problems)
    if 'tokens_in_role_output' in expect:
        check('tokens_in_role_output', role_token_count(run, stats['tokens']), expect['tokens_in_role_output'], problems)
    if problems:
        pytest.fail('scenario %s:\n  %s\n--- output (tail) ---\n%s' % (name, '\n  '.join(problems), run.output[-6000:]),
                    pytrace=False)
    assert_clean(run)


def test_expectations_can_fail(tmp_path):
    """The driver's own checks (no playbook run): each matcher, a glob, substitution and a plain value say no."""
    problems = []
    check('a', 'abc', {'startswith': 'b'}, problems)
    check('b', 'abc', {'endswith': 'b'}, problems)
    check('c', 'abc', {'contains': ['a', 'x']}, problems)
    check('d', {'k': 1}, {'not_contains': 'k'}, problems)
    check('e', [1, 2], {'length': 3}, problems)
    check('f', {'equals': 1}, {'equals': {'equals': 2}}, problems)
    check('g', 1, 2, problems)
    check('h', 'abc', {'startswith': 'a', 'endswith': 'b'}, problems)
    assert [problem.split(':')[0] for problem in problems] == list('abcdefgh')
    kept = []
    check('i', 'abc', {'startswith': 'a', 'endswith': 'c', 'contains': 'b', 'not_contains': 'x', 'length': 3}, kept)
    check('j', {'k': 1}, {'k': 1}, kept)  # a mapping whose keys are not all matcher names is a plain value
    assert kept == []
    missing = []
    (tmp_path / 'one.json').write_text('{"k": [1]}')
    check_saved(tmp_path, {'node*': 1, 'one.k.0': 2, 'one.x': 1}, missing)
    assert [problem.split(':')[0] for problem in missing] == ['saved node*', 'saved one.k.0', 'saved one.x']
    assert dig({'l': [{'n': 1}, {'n': 2}]}, ['l', '*', 'n']) == [1, 2]
    star = []
    (tmp_path / 'two.json').write_text('{"l": [{"n": 1}, {"m": 2}], "k": 3}')
    check_saved(tmp_path, {'two.l.*.n': [1, 2], 'two.k.*': 3, 'two.l.*.n.x': 1}, star)
    assert [problem.split(':')[0] for problem in star] == ['saved two.l.*.n', 'saved two.k.*', 'saved two.l.*.n.x']
    assert substitute({'${a}x': ['${a}']}, {'a': 'b'}) == {'bx': ['b']}
    with pytest.raises(KeyError):
        substitute('${nf_apl}', {'nf_api': 'x'})
