# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Building blocks of the plays the playbook tests write (as JSON, which is YAML)."""

import json
import re
import sys

from ansible.release import __version__ as ANSIBLE_VERSION

# ansible-core before 2.19 (the templating and display rewrite): folds warnings at 79 columns onto several lines,
# and templates a variable that holds one expression into a string unless it looks like a list, dict or bool.
BEFORE_2_19 = tuple(int(part) for part in ANSIBLE_VERSION.split('.')[:2]) < (2, 19)

CLIENT_ID = 'e2e-client'
CLIENT_SECRET = 'e2e-S3cret:with+odd=chars&more'
# The test bed's network group (tests/testbed/nf_api.py): a network is created in it.
NETWORK_GROUP_ID = '00000000-0000-4000-8000-000000000100'


def network_body(name):
    """A network create's body as NetFoundry's API takes it (recorded: name, networkGroupId, size, locationCode)."""
    return {'name': name, 'networkGroupId': NETWORK_GROUP_ID, 'size': 'medium', 'locationCode': 'us-east-1'}


def token_task(name, args, environment=None, **keywords):
    """A task running nf_token that never stops the play, and a task saving its result as out/<name>.json."""
    task = {'name': name, 'netfoundry.api.nf_token': args, 'register': 'r_' + name, 'ignore_errors': True}
    if environment:
        task['environment'] = environment
    task.update(keywords)
    return [task, save(name, 'r_' + name)]


def save(name, expression):
    """Save expression as out/<name>.json (through tests/e2e/action_plugins/save_result.py, on the controller)."""
    return {'name': 'save ' + name, 'check_mode': False, 'save_result': {
        'content': '{{ %s | to_json }}' % expression, 'dest': '{{ out_dir }}/%s.json' % name}}


def play(tasks, hosts='localhost', **keywords):
    """One play; JSON is YAML."""
    body = {'name': 'e2e', 'hosts': hosts, 'gather_facts': False, 'tasks': tasks}
    body.update(keywords)
    return json.dumps([body], indent=1)


def same_wording(message):
    """ansible-core before 2.19 says "of type <class 'str'>" where later lines say "of type str"."""
    return re.sub(r"<class '([A-Za-z_]+)'>", r'\1', message)


def assert_clean(run):
    """No traceback in the output or the log. (The secret is looked for after every run by the playbook fixture.)"""
    assert 'Traceback' not in run.output + run.log


def as_variables(options):
    """Options as the netfoundry_<option> variables the lookup and the role read."""
    return dict(('netfoundry_' + name, value) for name, value in options.items())


def credential_vars(testbed, **extra):
    """Play vars: the test credential as netfoundry_* variables (the way group_vars would hold them)."""
    variables = as_variables({'client_id': CLIENT_ID, 'client_secret': CLIENT_SECRET,
                              'token_url': testbed.info['idp_http'] + '/token', 'audience': testbed.info['api']})
    variables.update(extra)
    return variables


def scenario_vars(testbed):
    """The test bed's facts as the variables a scenario's playbook gets (tests/e2e/test_scenarios.py, extra vars; the
    playbook fixture adds out_dir, work_dir and home_dir). CONTRIBUTING.md, "Playbook scenarios", lists them."""
    return {'nf_client_id': CLIENT_ID, 'nf_client_secret': CLIENT_SECRET,
            'nf_token_url': testbed.info['idp_http'] + '/token', 'nf_token_url_https': testbed.info['idp_https'] + '/token',
            'nf_idp': testbed.info['idp_http'], 'nf_idp_https': testbed.info['idp_https'],
            'nf_api': testbed.info['api'], 'nf_ca': testbed.info['ca']}


def module_tasks(options, name='module'):
    """Run the module once with options; its result is saved as out/<name>.json."""
    return token_task(name, options)


def lookup_tasks(options, name='lookup'):
    """Evaluate the lookup once, its options as netfoundry_* variables (the way group_vars would hold them); the
    full result, or the failed task, is saved as out/<name>.json."""
    return [{'name': name, 'ansible.builtin.set_fact': {
        'nf_result': "{{ lookup('netfoundry.api.nf_token', output='full') }}"}, 'vars': as_variables(options),
        'register': 'r_' + name, 'ignore_errors': True},
        save(name, "nf_result if nf_result is defined else r_%s" % name)]


FRONT_ENDS = ('module', 'lookup')


def named_as(front_end, text):
    """text as front_end's messages say it: the lookup's inputs come from netfoundry_* variables here (lookup_tasks),
    and the lookup names the variable, where the module names its option."""
    if front_end != 'lookup':
        return text
    return text.replace('options client_id + client_secret', 'variables netfoundry_client_id + netfoundry_client_secret') \
        .replace('option credentials_file', 'variable netfoundry_credentials_file')


def both_play(options, lookup_options=None):
    """One play: the module (task and result 'module'), then the lookup (task and result 'lookup')."""
    return play(module_tasks(options) + lookup_tasks(options if lookup_options is None else lookup_options))


def local_inventory(count):
    """An inventory of count hosts, all on local connections with the controller's Python."""
    lines = ['[nodes]'] + ['node%02d' % i for i in range(count)]
    lines += ['', '[nodes:vars]', 'ansible_connection=local', 'ansible_python_interpreter=%s' % sys.executable]
    return '\n'.join(lines) + '\n'


TASK_HEADER = re.compile(r'^(?:.*\| )?TASK \[(.*?)\] \**$', re.MULTILINE)


def task_sections(text):
    """(task name, text) for each TASK [...] block of ansible-playbook output or log."""
    marks = list(TASK_HEADER.finditer(text))
    return [(mark.group(1), text[mark.start():marks[number + 1].start() if number + 1 < len(marks) else len(text)])
            for number, mark in enumerate(marks)]


LOG_RECORD = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ p=\d+ u=\S+ n=\S+ (?:[A-Z]+)?\| ')


def squash(text):
    """text without its whitespace. ansible-core before 2.19 folds warnings at 79 columns (textwrap, breaking at
    spaces, after hyphens and inside long words), so a warning is compared with its expected text without the
    whitespace: the same characters in the same order, whatever the core line."""
    return ''.join(text.split())


def warnings_in(log):
    """The text after '[WARNING]: ' of each warning in an ansible log, its folded lines (before 2.19) joined: a
    record's further lines are those up to a blank line or the next record's prefix."""
    found = []
    lines = log.splitlines()
    for number, line in enumerate(lines):
        if '[WARNING]: ' not in line:
            continue
        parts = [line.split('[WARNING]: ', 1)[1]]
        for more in lines[number + 1:] if BEFORE_2_19 else ():
            if not more.strip() or LOG_RECORD.match(more):
                break
            parts.append(more)
        found.append(' '.join(part.strip() for part in parts))
    return found


def role_token_count(run, tokens, role='netfoundry.api.token'):
    """How often any token occurs in the output and log of the role's own tasks."""
    count = 0
    for text in (run.stdout, run.log):
        for name, section in task_sections(text):
            if name.startswith(role + ' : '):
                count += sum(section.count(token) for token in tokens)
    return count
