"""The tests and gates of netfoundry.api, as nox sessions, on every ansible-core line the collection supports.

The matrix is the data right below (LINES, MATRIX). Every stage of every line is a session of its own
(`nox -l` lists them): `sanity-<line>`, `units-<line>`, `e2e-<line>`, `e2e-between-<line>`, `lint-<line>`, and
`release`. Each runs in a pinned venv `.venv/<line>` (made with uv from requirements/dev-<line>.txt and
requirements/constraints-<line>.txt, rebuilt when they change), on its own staged copy of the collection under
`.../ansible_collections/netfoundry/api` outside the checkout, with its own HOME and TMPDIR, and ends
"N passed, N failed, N skipped".

`python noxfile.py` (what ./scripts/test runs) is the launcher: it makes the venvs, then runs the matrix's sessions
side by side (NF_JOBS weighted slots; nox's own --parallel has no weights, see CONTRIBUTING.md), prints a line per
finished session with its counts, time and the running totals, and closes with "N passed, N failed, N skipped".
Environment: NF_CORES, NF_SKIP, NF_E2E_ALL, NF_JOBS, NF_E2E_WORKERS, NF_BUILD_DIR (see CONTRIBUTING.md).
"""

from __future__ import annotations

import collections
import concurrent.futures
import glob
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET

import nox

# --- the matrix ---------------------------------------------------------------------------------------------------
# The controller Python each ansible-core line is tested on: one the line supports, and together 3.10 to 3.13.
# 2.18-floor is ansible-core 2.18 with the lowest requests and urllib3 the collection supports (requirements.txt).
LINES = {
    '2.16': '3.10',
    '2.17': '3.12',
    '2.18-floor': '3.11',
    '2.19': '3.11',
    '2.20': '3.13',
    '2.21': '3.12',
}
FULL = ('sanity', 'units', 'e2e', 'lint')
# The oldest and the newest line run everything; the lines in between run the playbook tests but those marked
# core_behaviour (the shared core against faulty, hostile and slow servers, proxies, planted cache files, each
# identity provider's rules, many hosts: code that does not touch ansible-core; NF_E2E_ALL=1 runs them there too).
MATRIX = {
    '2.16': FULL,
    '2.21': FULL,
    '2.17': ('e2e-between',),
    '2.18-floor': ('e2e-between',),
    '2.19': ('e2e-between',),
    '2.20': ('e2e-between',),
}
TOOLS = '2.21'  # the venv of the release stage (galaxy-importer, antsibull-docs, ansible-builder)
UNIT_GROUPS = ('plugins/module_utils', 'plugins/plugin_utils', 'plugins/modules', 'plugins/lookup', 'extensions')
MODULE_PYTHONS = ('3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '3.14')  # ansible-test sanity's compile and import
UV_VERSION = '0.13.8'  # also in scripts/lib.sh (the demo's venv)

# --- where things are ---------------------------------------------------------------------------------------------
ROOT = os.path.dirname(os.path.abspath(__file__))
VENVS = os.path.join(ROOT, '.venv')
# Outside the checkout: ansible-test finds the enclosing git repo and would see the staged copy as ignored files.
BUILD = os.environ.get('NF_BUILD_DIR') or os.path.join(
    os.environ.get('TMPDIR') or '/tmp',
    'netfoundry-api-build-' + hashlib.sha256(ROOT.encode()).hexdigest()[:12], 'test')
LOGS = os.path.join(BUILD, 'logs')
RECORDS = os.path.join(BUILD, 'records')
JOBS = os.path.join(BUILD, 'jobs')
REAL_HOME = os.environ.get('NF_REAL_HOME') or os.path.expanduser('~')

nox.options.default_venv_backend = 'none'
nox.options.sessions = ['matrix']
nox.options.error_on_external_run = False


def say(text):
    print('\n==> %s' % text, file=sys.stderr, flush=True)


def line_key(line):
    """Sort key of a line name: 2.18-floor sorts as 2.18."""
    number, dummy, rest = line.partition('-')
    return tuple(int(part) for part in number.split('.')), rest


# --- venvs, Pythons, Debian tools ---------------------------------------------------------------------------------
def find_python(version, required=True):
    """A real python3.X (pyenv shims of unselected versions exit 127, so each candidate is run once)."""
    candidates = [shutil.which('python' + version)]
    pyenv = shutil.which('pyenv')
    if pyenv:
        root = os.environ.get('PYENV_ROOT') or subprocess.run(
            [pyenv, 'root'], capture_output=True, text=True, check=False).stdout.strip()
        candidates += sorted(glob.glob(os.path.join(root, 'versions', version + '.*', 'bin', 'python' + version)))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, '-c', 'import sys, venv; print(sys.executable)'], capture_output=True,
                               text=True, check=False)
        if probe.returncode == 0:
            return probe.stdout.strip()
    if required:
        raise SystemExit('Python %s not found: install it (for example with pyenv install %s) and run again'
                         % (version, version))
    return None


def venv_stamp(line):
    """The same stamp as scripts/lib.sh's: a venv either tool made is reused by the other."""
    digest = hashlib.sha256()
    for name in ('dev', 'constraints'):
        with open(os.path.join(ROOT, 'requirements', '%s-%s.txt' % (name, line)), 'rb') as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:16]


def ensure_uv():
    uv_dir = os.path.join(VENVS, '.uv')
    uv = os.path.join(uv_dir, 'bin', 'uv')
    probe = subprocess.run([uv, '--version'], capture_output=True, text=True, check=False) if os.path.exists(uv) else None
    if probe and probe.stdout.split()[:2] == ['uv', UV_VERSION]:
        return uv
    subprocess.run([find_python('3.11'), '-m', 'venv', '--clear', uv_dir], check=True)
    subprocess.run([os.path.join(uv_dir, 'bin', 'python'), '-m', 'pip', 'install', '--quiet',
                    '--disable-pip-version-check', 'uv==' + UV_VERSION], check=True)
    return uv


def ensure_venv(line):
    """The venv of one ansible-core line, (re)built with uv whenever its pinned requirements change."""
    path = os.path.join(VENVS, line)
    stamp = venv_stamp(line)
    try:
        with open(os.path.join(path, '.stamp')) as handle:
            if os.access(os.path.join(path, 'bin', 'python'), os.X_OK) and handle.read().strip() == stamp:
                return path
    except OSError:
        pass
    uv = ensure_uv()
    python = find_python(LINES[line])
    say('creating %s (ansible-core %s, Python %s)' % (path, line, LINES[line]))
    started = time.time()
    env = dict(os.environ, UV_PYTHON_DOWNLOADS='never')
    # --seed: pip in the venv too; --compile-bytecode: the .pyc files pip would write (the tests run with
    # PYTHONDONTWRITEBYTECODE=1, so without them every ansible-playbook would compile ansible-core anew).
    subprocess.run([uv, 'venv', '--quiet', '--seed', '--clear', '--python', python, path], check=True, env=env)
    subprocess.run([uv, 'pip', 'install', '--quiet', '--compile-bytecode', '--python', os.path.join(path, 'bin', 'python'),
                    '-r', os.path.join(ROOT, 'requirements', 'dev-%s.txt' % line),
                    '-c', os.path.join(ROOT, 'requirements', 'constraints-%s.txt' % line)], check=True, env=env)
    with open(os.path.join(path, '.stamp'), 'w') as handle:
        handle.write(stamp + '\n')
    say('made %s in %d s' % (path, time.time() - started))
    return path


def ensure_debian_tools():
    """tinyproxy (package tinyproxy-bin) for the proxy tests, shellcheck for ansible-test sanity's shellcheck test."""
    packages = [package for program, package in (('tinyproxy', 'tinyproxy-bin'), ('shellcheck', 'shellcheck'))
                if not shutil.which(program)]
    if not packages:
        return
    if not shutil.which('apt-get'):
        raise SystemExit('%s missing and there is no apt-get: install tinyproxy and shellcheck and run again'
                         % ' '.join(packages))
    sudo = [] if os.geteuid() == 0 else ['sudo', '-n']
    say('installing %s (for the proxy tests and ansible-test\'s shellcheck)' % ' '.join(packages))
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    if (subprocess.run(sudo + ['apt-get', 'update', '-qq'], stdout=subprocess.DEVNULL, env=env, check=False).returncode or
            subprocess.run(sudo + ['apt-get', 'install', '-y', '-qq'] + packages, stdout=subprocess.DEVNULL,
                           env=env, check=False).returncode):
        raise SystemExit('could not install %s: apt-get install %s and run again' % ((' '.join(packages),) * 2))


def python_links(directory):
    """A folder of real python3.X links, so ansible-test's compile and import run on every module Python found."""
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    for version in MODULE_PYTHONS:
        found = find_python(version, required=False)
        if found:
            os.symlink(found, os.path.join(directory, 'python' + version))
    return directory


def write_get_pip_standins(home, line):
    """ansible-test's venvs download a get-pip script from a host this machine cannot reach; it looks in its cache
    first (~/.ansible/test/cache/get_pip_<version>.py, for the pip version its python_requirements.py names). This
    stand-in bootstraps pip with ensurepip (in a subprocess, so pip keeps the machine's config), then installs what
    ansible-test asked for."""
    cache = os.path.join(home, '.ansible', 'test', 'cache')
    os.makedirs(cache, exist_ok=True)
    versions = set()
    for path in glob.glob(os.path.join(VENVS, line, 'lib', 'python3*', 'site-packages', 'ansible_test', '_internal',
                                       'python_requirements.py')):
        with open(path) as handle:
            versions.update(re.findall(r"pip='([0-9.]*)'", handle.read()))
    for version in versions:
        with open(os.path.join(cache, 'get_pip_%s.py' % version.replace('.', '_')), 'w') as handle:
            handle.write('import subprocess\nimport sys\n\n'
                         "subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])\n"
                         "args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]\n"
                         "subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--upgrade'] + args)\n")


def checkout_files():
    listed = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=ROOT,
                            capture_output=True, check=True).stdout
    return [name for name in listed.decode().split('\0') if name and os.path.lexists(os.path.join(ROOT, name))]


def copy_checkout(dest):
    """The checkout's files (tracked and new, not ignored) copied to DEST."""
    shutil.rmtree(dest, ignore_errors=True)
    for name in checkout_files():
        target = os.path.join(dest, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), target, follow_symlinks=False)
    if not os.path.isfile(os.path.join(dest, 'galaxy.yml')):
        raise SystemExit('copying the collection into %s failed' % dest)


# --- counting -----------------------------------------------------------------------------------------------------
def junit_counts(paths):
    """passed, failed, skipped and the skip reasons of pytest or ansible-test junit files. A run that left no file
    counts as one failure. ansible-test's "No tests applicable." (nothing of that kind in the collection) is not a
    test; a skip with a reason (a missing Python or tool) is."""
    passed = failed = skipped = 0
    reasons = []
    if not paths:
        return 0, 1, 0, []
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError):
            failed += 1
            continue
        for case in root.iter('testcase'):
            if case.find('failure') is not None or case.find('error') is not None:
                failed += 1
                continue
            skip = case.find('skipped')
            if skip is None:
                passed += 1
                continue
            reason = (skip.get('message') or skip.text or '').strip()
            if reason != 'No tests applicable.':
                skipped += 1
                reasons.append('%s: %s' % (case.get('name'), reason.splitlines()[0] if reason else 'skipped'))
    return passed, failed, skipped, reasons


def leak_summary(report):
    """The secret scan's report (one JSON line per playbook run): a table per test, then a one-line total."""
    places = ('stdout', 'stderr', 'log', 'cache', 'files')
    rows = collections.OrderedDict()
    try:
        with open(report) as handle:
            entries = [json.loads(line) for line in handle]
    except OSError:
        entries = []
    canary = [entry for entry in entries if entry.get('canary')]
    entries = [entry for entry in entries if not entry.get('canary')]
    for entry in entries:
        row = rows.setdefault(entry['test'], dict(dict.fromkeys(places, 0), runs=0, cpu=0.0))
        row['runs'] += 1
        row['cpu'] += entry.get('cpu_s', 0)
        for place in places:
            row[place] += entry['secret'][place]
    out = ['| scenario (test) | runs | CPU s | ' + ' | '.join(places) + ' |',
           '| --- | ---: | ---: |' + ' ---: |' * len(places)]
    for test, row in sorted(rows.items()):
        cells = ' | '.join(str(row[place]) for place in places)
        out.append('| %s | %d | %.1f | %s |' % (test, row['runs'], row['cpu'], cells))
    total = sum(row[place] for row in rows.values() for place in places)
    found = sum(sum(entry['secret'].values()) for entry in canary)
    out.append('    secret scan: %d playbook runs at -vvvv in %d tests (%.0f CPU s), %d occurrences of the secret (the '
               'planted leak of the canary test was found %d times)'
               % (len(entries), len(rows), sum(row['cpu'] for row in rows.values()), total, found))
    return '\n'.join(out) + '\n'


# --- one job: a session's staged collection, HOME, TMPDIR and records ----------------------------------------------
class Job:
    """The state of one session: its staged collection, its own HOME and TMPDIR, and its records file
    ($BUILD/records/NAME, a line each: "count NAME PASSED FAILED SKIPPED" or "skip NAME: REASON")."""

    def __init__(self, session, name, line):
        self.session = session
        self.name = name
        self.line = line
        self.venv = ensure_venv(line)
        self.bin = os.path.join(self.venv, 'bin')
        self.dir = os.path.join(JOBS, name)
        self.home = os.path.join(self.dir, 'home')
        self.stage = os.path.join(self.dir, 'collections', 'ansible_collections', 'netfoundry', 'api')
        self.record_file = os.path.join(RECORDS, name)
        self.counts = [0, 0, 0]
        self.started = time.time()
        shutil.rmtree(self.dir, ignore_errors=True)
        for folder in (self.home, os.path.join(self.dir, 'tmp'), LOGS, RECORDS):
            os.makedirs(folder, exist_ok=True)
        open(self.record_file, 'w').close()
        # ansible-test needs the collection at .../ansible_collections/netfoundry/api (a symlink does not do).
        copy_checkout(self.stage)
        # HOME is a folder of the job: ansible-test (its sanity venvs and the pip stand-in), ansible-lint,
        # ansible-galaxy and galaxy-importer keep their state there, not in the user's ~/.ansible or ~/.cache; pip
        # keeps the user's config file and download cache, pyenv its root. XDG_* are unset, not pointed into the
        # job's HOME: the playbook tests give each run its own HOME, and a shared XDG_CACHE_HOME would give them one
        # token cache (netfoundry's default cache_dir follows it).
        env = {key: value for key, value in os.environ.items()
               if key not in ('XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME')}
        if not env.get('PIP_CACHE_DIR'):
            env['PIP_CACHE_DIR'] = os.path.join(REAL_HOME, '.cache', 'pip')
        if not env.get('PIP_CONFIG_FILE'):
            for config in (os.path.join(os.environ.get('XDG_CONFIG_HOME') or os.path.join(REAL_HOME, '.config'),
                                        'pip', 'pip.conf'), os.path.join(REAL_HOME, '.pip', 'pip.conf')):
                if os.path.isfile(config):
                    env['PIP_CONFIG_FILE'] = config
                    break
        if shutil.which('pyenv') and not env.get('PYENV_ROOT'):
            env['PYENV_ROOT'] = subprocess.run(['pyenv', 'root'], capture_output=True, text=True, check=False).stdout.strip()
        env.update(HOME=self.home, TMPDIR=os.path.join(self.dir, 'tmp'), PYTHONDONTWRITEBYTECODE='1',
                   PATH=self.bin + os.pathsep + os.environ.get('PATH', ''))
        self.env = env

    def run(self, log, args, cwd=None, env=None):
        """Runs ARGS with its output in LOG; shows the log's tail on failure. Returns the exit code."""
        self.session.log(' '.join(args))
        with open(log, 'w') as handle:
            code = subprocess.run(args, cwd=cwd or self.stage, env=dict(self.env, **(env or {})), stdout=handle,
                                  stderr=subprocess.STDOUT, check=False).returncode
        if code:
            with open(log, errors='replace') as handle:
                sys.stderr.write(''.join(handle.readlines()[-80:]))
        return code

    def record(self, what, passed, failed, skipped=0):
        with open(self.record_file, 'a') as handle:
            handle.write('count %s %d %d %d\n' % (what, passed, failed, skipped))
        for index, value in enumerate((passed, failed, skipped)):
            self.counts[index] += value
        print('    %s: %d passed, %d failed, %d skipped' % (what, passed, failed, skipped), file=sys.stderr,
              flush=True)

    def skip_note(self, text):
        with open(self.record_file, 'a') as handle:
            handle.write('skip %s\n' % text)

    def record_junit(self, what, paths):
        passed, failed, skipped, reasons = junit_counts(paths)
        self.record(what, passed, failed, skipped)
        for reason in reasons:
            self.skip_note('%s: %s' % (what, reason))

    def gate(self, what, check):
        """One check, passed when CHECK() returns true."""
        try:
            ok = check()
        except Exception as error:  # a gate that broke is a failed gate, with the reason shown
            print('    %s: %s' % (what, error), file=sys.stderr)
            ok = False
        self.record(what, 1 if ok else 0, 0 if ok else 1)

    def finish(self):
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        print('    CPU time of the job (user and system, its children): %.1f s' % (usage.ru_utime + usage.ru_stime),
              file=sys.stderr)
        passed, failed, skipped = self.counts
        self.session.log('%s: %d passed, %d failed, %d skipped in %d s'
                         % (self.name, passed, failed, skipped, time.time() - self.started))
        if failed:
            self.session.error('%d failed (logs in %s)' % (failed, LOGS))


# --- the stages ---------------------------------------------------------------------------------------------------
def sanity(job):
    line = job.line
    log = os.path.join(LOGS, 'sanity-%s.log' % line)
    ensure_debian_tools()
    write_get_pip_standins(job.home, line)
    pybin = python_links(os.path.join(job.dir, 'pybin'))
    say('ansible-core %s: ansible-test sanity (compile and import on every module Python found)' % line)
    code = job.run(log, [os.path.join(job.bin, 'ansible-test'), 'sanity', '--venv', '--junit', '--color', 'no']
                   + job.session.posargs, env={'PATH': pybin + os.pathsep + job.env['PATH']})
    job.record_junit('sanity-' + line, glob.glob(os.path.join(job.stage, 'tests', 'output', 'junit', '*.xml')))
    with open(log, errors='replace') as handle:
        text = handle.read()
    # A sanity run that stopped on an error (not a test failure) left no junit file for the tests it did not reach.
    if code and not re.search(r'^FATAL: The [0-9]* sanity test\(s\) listed below', text, re.M):
        fatal = re.search(r'^FATAL.*$', text, re.M)
        job.record('sanity-%s (stopped: %s)' % (line, fatal.group(0)[:100] if fatal else 'exit %d' % code), 0, 1)
    # ansible-test reports a test whose tool is missing as "no tests applicable"; its warning says which.
    for missing in sorted(set(re.findall(r'Required program "[^"]*" not found', text))):
        job.record('sanity-' + line, 0, 0, 1)
        job.skip_note('sanity-%s: %s' % (line, missing))


def units(job):
    line = job.line
    say('ansible-core %s: unit tests (ansible-test units)' % line)
    # One run per folder: ansible-test stops at the first folder that fails, and every test should count.
    targets = [(arg, arg) for arg in job.session.posargs] or [(group, 'tests/unit/%s/' % group) for group in UNIT_GROUPS]
    for group, target in targets:
        shutil.rmtree(os.path.join(job.stage, 'tests', 'output', 'junit'), ignore_errors=True)
        name = re.sub(r'[/.]', '-', group.replace('tests/unit/', '').strip('/'))
        job.run(os.path.join(LOGS, 'units-%s-%s.log' % (name, line)),
                [os.path.join(job.bin, 'ansible-test'), 'units', '--local', '--python', LINES[line], '--color', 'no',
                 target])
        job.record_junit('units-%s-%s' % (name, line),
                         glob.glob(os.path.join(job.stage, 'tests', 'output', 'junit', '*units.xml')))


def e2e(job, *marks):
    line = job.line
    ensure_debian_tools()
    workers = os.environ.get('NF_E2E_WORKERS', '3')
    say('ansible-core %s: playbook tests against the test bed (Python %s) %s' % (line, LINES[line], ' '.join(marks)))
    report = os.path.join(LOGS, 'leak-scan-%s.jsonl' % line)
    junit = os.path.join(LOGS, 'e2e-%s.xml' % line)
    for stale in (report, junit):
        if os.path.exists(stale):
            os.remove(stale)
    job.run(os.path.join(LOGS, 'e2e-%s.log' % line),
            [os.path.join(job.bin, 'python'), '-m', 'pytest', 'tests/e2e', '-n', workers, '-p', 'no:cacheprovider',
             '-q', '-rfEs', '--durations', '15', '--junitxml', junit] + list(marks) + job.session.posargs,
            env={'NF_LEAK_REPORT': report})
    job.record_junit('e2e-' + line, [junit] if os.path.exists(junit) else [])
    summary = leak_summary(report)
    with open(os.path.join(LOGS, 'leak-scan-%s.txt' % line), 'w') as handle:
        handle.write(summary)
    print(summary.splitlines()[-1], file=sys.stderr)


def e2e_between(job):
    """The playbook tests of the lines in between: all but those marked core_behaviour."""
    e2e(job, '-m', 'not core_behaviour')


def lint(job):
    """ansible-lint as a user runs it: in a plain copy of the checkout (not under ansible_collections/), where
    ansible-lint installs the collection itself (.ansible-lint: offline false) so the playbooks' role resolves. It
    fetches nothing (no requirements files, no dependencies); PRE_COMMIT=1 and ANSIBLE_LINT_SKIP_SCHEMA_UPDATE=1
    turn off its update and schema checks, the only other network calls it makes."""
    line = job.line
    say('ansible-core %s: ansible-lint --profile production (in a plain copy of the checkout)' % line)
    if not os.access(os.path.join(job.bin, 'ansible-lint'), os.X_OK):
        job.record('ansible-lint-' + line, 0, 0, 1)
        job.skip_note('ansible-lint-%s: ansible-lint does not support ansible-core %s' % (line, line))
        return
    plain = os.path.join(BUILD, 'plain-' + line, 'netfoundry-api')
    copy_checkout(plain)
    code = job.run(os.path.join(LOGS, 'lint-%s.log' % line),
                   [os.path.join(job.bin, 'ansible-lint'), '--profile', 'production', '--nocolor'] + job.session.posargs,
                   cwd=plain, env={'PRE_COMMIT': '1', 'ANSIBLE_LINT_SKIP_SCHEMA_UPDATE': '1'})
    job.record('ansible-lint-' + line, 0 if code else 1, 1 if code else 0)
    typecheck(job)


ENGINE_PACKAGES = ('ansible_collections.netfoundry.api.plugins.module_utils',
                   'ansible_collections.netfoundry.api.plugins.plugin_utils')


def typecheck(job):
    """mypy on the engine (tests/mypy.ini says how strictly), as the package ansible_collections.netfoundry.api: run
    from the job's collections folder, where the staged copy has that path."""
    line = job.line
    say('ansible-core %s: mypy on the engine (tests/mypy.ini)' % line)
    args = [os.path.join(job.bin, 'mypy'), '--config-file', os.path.join(job.stage, 'tests', 'mypy.ini'),
            '--cache-dir', os.path.join(job.dir, 'mypy-cache'), '--no-color-output']
    for package in ENGINE_PACKAGES:
        args += ['-p', package]
    code = job.run(os.path.join(LOGS, 'mypy-%s.log' % line), args, cwd=os.path.dirname(os.path.dirname(
        os.path.dirname(job.stage))))
    job.record('mypy-' + line, 0 if code else 1, 1 if code else 0)


def release(job):
    bin_dir = job.bin
    say('release: the built tarball (tests/release)')
    junit = os.path.join(LOGS, 'release-tests.xml')
    job.run(os.path.join(LOGS, 'release-tests.log'),
            [os.path.join(bin_dir, 'python'), '-m', 'pytest', 'tests/release', '-p', 'no:cacheprovider', '-q', '-rfEs',
             '--junitxml', junit])
    job.record_junit('release-tests', [junit] if os.path.exists(junit) else [])

    dist = os.path.join(BUILD, 'dist')
    shutil.rmtree(dist, ignore_errors=True)
    os.makedirs(dist)
    tarball = None
    if not job.run(os.path.join(LOGS, 'build.log'), [os.path.join(bin_dir, 'ansible-galaxy'), 'collection', 'build',
                                                     '--output-path', dist]):
        tarball = glob.glob(os.path.join(dist, 'netfoundry-api-*.tar.gz'))[0]
        with tarfile.open(tarball) as archive:
            names = sorted(member.name for member in archive.getmembers())
        listing = os.path.join(BUILD, 'tarball-files.txt')
        with open(listing, 'w') as handle:
            handle.write(''.join(name + '\n' for name in names))
        print('    built %s (%d entries, listed in %s)' % (tarball, len(names), listing), file=sys.stderr)

    say('release: galaxy-importer (the checks Galaxy and Automation Hub run on an upload; ansible-test off)')
    importer_log = os.path.join(LOGS, 'galaxy-importer.log')

    def importer():
        config = os.path.join(BUILD, 'galaxy-importer.cfg')
        with open(config, 'w') as handle:
            handle.write('[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\n'
                         'OFFLINE_ANSIBLE_LINT = True\nRUN_ANSIBLE_DOC = True\nCHECK_CHANGELOG = True\n')
        if not tarball:
            return False
        job.run(importer_log, [os.path.join(bin_dir, 'python'), '-m', 'galaxy_importer.main', tarball], cwd=BUILD,
                env={'GALAXY_IMPORTER_CONFIG': config})
        with open(importer_log, errors='replace') as handle:
            lines = handle.read().splitlines()
        noise = [text for text in lines if 'WARNING' in text or 'ERROR' in text]
        return 'Importer processing completed successfully' in lines and not noise

    job.gate('galaxy-importer', importer)
    if os.path.exists(importer_log):
        with open(importer_log, errors='replace') as handle:
            sys.stderr.write(''.join(text for text in handle if re.search('WARNING|ERROR|completed', text)))

    say('release: antsibull-docs lint-collection-docs --plugin-docs (on the tarball\'s content)')
    docs_log = os.path.join(LOGS, 'antsibull-docs.log')

    def docs_lint():
        root = os.path.join(BUILD, 'tarball', 'ansible_collections', 'netfoundry', 'api')
        shutil.rmtree(os.path.join(BUILD, 'tarball'), ignore_errors=True)
        os.makedirs(root)
        if not tarball:
            return False
        with tarfile.open(tarball) as archive:
            archive.extractall(root)
        code = job.run(docs_log, [os.path.join(bin_dir, 'antsibull-docs'), 'lint-collection-docs', '--plugin-docs',
                                  root])
        return code == 0 and os.path.getsize(docs_log) == 0

    job.gate('antsibull-docs', docs_lint)
    if os.path.exists(docs_log) and os.path.getsize(docs_log):
        with open(docs_log, errors='replace') as handle:
            sys.stderr.write(handle.read())

    say('release: execution environment (ansible-builder create and introspect)')

    def ee_check():
        context = os.path.join(BUILD, 'ee-context')
        shutil.rmtree(context, ignore_errors=True)
        if job.run(os.path.join(LOGS, 'ee.log'), [os.path.join(bin_dir, 'ansible-builder'), 'create', '-f',
                                                  os.path.join(job.stage, 'extensions', 'ee', 'execution-environment.yml'),
                                                  '-c', context]):
            return False
        with open(os.path.join(context, '_build', 'requirements.yml')) as handle:
            if 'name: netfoundry.api' not in handle.read():
                return False
        introspect = os.path.join(BUILD, 'ee-introspect.txt')
        if job.run(introspect, [os.path.join(bin_dir, 'ansible-builder'), 'introspect', '--sanitize',
                                os.path.dirname(os.path.dirname(os.path.dirname(job.stage)))]):
            return False
        with open(introspect) as handle:
            text = handle.read()
        if not ('requests>=2.25.0  # from collection netfoundry.api' in text and
                'urllib3>=1.26.0  # from collection netfoundry.api' in text):
            return False
        # The EE of a clone (scripts/ee): the tarball built above in the build context, installed from there.
        if not tarball:
            return False
        clone = os.path.join(BUILD, 'ee-clone-context')
        shutil.rmtree(clone, ignore_errors=True)
        built = os.path.join(job.stage, 'extensions', 'ee', 'build')
        os.makedirs(built, exist_ok=True)
        shutil.copy(tarball, os.path.join(built, 'netfoundry-api.tar.gz'))
        if job.run(os.path.join(LOGS, 'ee-clone.log'), [
                os.path.join(bin_dir, 'ansible-builder'), 'create', '-c', clone, '-f',
                os.path.join(job.stage, 'extensions', 'ee', 'execution-environment-clone.yml')]):
            return False
        instructions = [name for name in ('Containerfile', 'Dockerfile') if os.path.exists(os.path.join(clone, name))]
        if not instructions:
            return False
        with open(os.path.join(clone, instructions[0])) as handle:
            containerfile = handle.read()
        with open(os.path.join(clone, '_build', 'requirements.yml')) as handle:
            requirements = handle.read()
        return (os.path.exists(os.path.join(clone, '_build', 'collections', 'netfoundry-api.tar.gz'))
                and 'COPY _build/collections/ /build/collections/' in containerfile
                and '/build/collections/netfoundry-api.tar.gz' in requirements)

    job.gate('execution-environment', ee_check)

    say('release: changelog fragments (antsibull-changelog lint)')
    job.gate('changelog-lint', lambda: job.run(os.path.join(LOGS, 'changelog.log'),
                                               [os.path.join(bin_dir, 'antsibull-changelog'), 'lint']) == 0)


# --- the sessions: one per stage and line ----------------------------------------------------------------------------
STAGES = {
    'sanity': (sanity, 'ansible-test sanity --venv (compile and import on every module Python 3.8 to 3.14 found)'),
    'units': (units, 'ansible-test units, one run per folder (posargs: test files or folders instead)'),
    'e2e': (e2e, 'all the playbook tests against the local test bed (posargs go to pytest: -k NAME)'),
    'e2e-between': (e2e_between, "the playbook tests but those marked core_behaviour (posargs go to pytest)"),
    'lint': (lint, 'ansible-lint --profile production in a plain copy of the checkout, and mypy on the engine'),
}


def _register(name, stage, line, description):
    def session_function(session):
        job = Job(session, name, line)
        stage(job)
        job.finish()

    session_function.__doc__ = description
    nox.session(name=name, venv_backend='none', allow_parallel=True, default=False)(session_function)


for _line in LINES:
    for _stage, (_function, _description) in STAGES.items():
        _register('%s-%s' % (_stage, _line), _function, _line,
                  'ansible-core %s (Python %s): %s' % (_line, LINES[_line], _description))
_register('release', release, TOOLS, 'the built tarball (tests/release), galaxy-importer, antsibull-docs lint, '
          'ansible-builder, antsibull-changelog lint (the %s venv)' % TOOLS)


# --- the launcher: the whole matrix, side by side -------------------------------------------------------------------
def matrix_jobs():
    """The sessions of the matrix (NF_CORES, NF_SKIP, NF_E2E_ALL applied), in the order they start: the long
    playbook-test sessions and cold sanity first, so that the two cores stay busy to the end, then the short ones."""
    if os.environ.get('NF_CORES'):
        matrix = {line: FULL for line in os.environ['NF_CORES'].split()}
    else:
        between = 'e2e' if os.environ.get('NF_E2E_ALL') else 'e2e-between'
        matrix = {line: tuple(between if stage == 'e2e-between' else stage for stage in stages)
                  for line, stages in MATRIX.items()}
    for line in matrix:
        if line not in LINES:
            raise SystemExit('unknown ansible-core line %s (requirements/dev-<line>.txt)' % line)
    skip = set(os.environ.get('NF_SKIP', '').split())
    newest = sorted(matrix, key=line_key, reverse=True)
    order = []

    def add(stage, *lines):
        if stage.split('-')[0] in skip:
            return
        order.extend('%s-%s' % (stage, line) for line in lines if stage in matrix[line])

    add('e2e', newest[0])
    add('sanity', newest[-1], newest[0])
    add('e2e', newest[-1])
    add('e2e-between', *newest[1:])
    add('e2e', *newest[1:])
    add('sanity', *newest[1:-1])
    add('units', *newest)
    add('lint', *newest)
    if 'release' not in skip:
        order.append('release')
    return list(dict.fromkeys(order)), sorted(set(matrix) | ({TOOLS} if 'release' not in skip else set()),
                                              key=line_key)


def read_records(name):
    counts, failures, notes = [0, 0, 0], [], []
    try:
        with open(os.path.join(RECORDS, name)) as handle:
            lines = handle.read().splitlines()
    except OSError:
        lines = []
    for text in lines:
        kind, dummy, rest = text.partition(' ')
        if kind == 'count':
            what, passed, failed, skipped = rest.rsplit(' ', 3)
            for index, value in enumerate((passed, failed, skipped)):
                counts[index] += int(value)
            if int(failed):
                failures.append(what)
        elif kind == 'skip':
            notes.append(rest)
    return counts, failures, notes, bool(lines)


def launch():
    """Every session of the matrix, side by side in NF_JOBS slots (default 3): a playbook-test session takes 2 (its
    pytest-xdist workers keep about two cores busy), every other one 1 (cold sanity spends much of its time in pip,
    waiting on downloads). Each starts as soon as its slots are free, a later one first when an earlier one does not
    fit. Prints a line per finished session, then "N passed, N failed, N skipped"."""
    order, lines = matrix_jobs()
    os.environ.setdefault('NF_REAL_HOME', REAL_HOME)
    started = time.time()
    say('making the venvs of %s (.venv/<line>, uv)' % ' '.join(lines))
    ensure_uv()
    with concurrent.futures.ThreadPoolExecutor(len(lines)) as pool:
        list(pool.map(ensure_venv, lines))
    ensure_debian_tools()
    for folder in (LOGS, RECORDS, JOBS):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
    say('venvs ready after %d s; running %d sessions in %s slots (logs in %s)'
        % (time.time() - started, len(order), os.environ.get('NF_JOBS', '3'), LOGS))

    slots = int(os.environ.get('NF_JOBS', '3'))
    pending = list(order)
    running = {}  # name -> (process, weight, started)
    totals = [0, 0, 0]
    failures, notes = [], []
    done = 0
    jobs_started = heartbeat = time.time()
    while pending or running:
        free = slots - sum(entry[1] for entry in running.values())
        for name in list(pending):
            weight = min(2 if name.startswith('e2e') else 1, slots)
            if weight <= free:
                log = open(os.path.join(LOGS, 'job-%s.log' % name), 'w')
                process = subprocess.Popen([sys.executable, '-m', 'nox', '-f', __file__, '-s', name, '--nocolor'],
                                           cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                log.close()
                running[name] = (process, weight, time.time())
                free -= weight
                pending.remove(name)
                print('[  ->] %-22s started (%d running, %d waiting)' % (name, len(running), len(pending)),
                      file=sys.stderr, flush=True)
        time.sleep(0.5)
        if time.time() - heartbeat >= 60:  # a line a minute, so that a long session never looks like a hang
            heartbeat = time.time()
            elapsed = heartbeat - jobs_started
            ages = ['%s %dm%02ds' % (name, (heartbeat - entry[2]) // 60, (heartbeat - entry[2]) % 60)
                    for name, entry in sorted(running.items())]
            print('[....] %dm%02ds: %d done, running %s, %d waiting' % (
                elapsed // 60, elapsed % 60, done, ', '.join(ages), len(pending)), file=sys.stderr, flush=True)
        for name, (process, dummy, began) in list(running.items()):
            if process.poll() is None:
                continue
            del running[name]
            done += 1
            counts, failed_parts, skip_notes, recorded = read_records(name)
            if not recorded:
                counts[1] += 1
                failed_parts.append('%s (recorded nothing: see %s)' % (name, os.path.join(LOGS, 'job-%s.log' % name)))
            for index in range(3):
                totals[index] += counts[index]
            failures += failed_parts
            notes += skip_notes
            elapsed = time.time() - jobs_started
            print('[%2d/%d] %-22s %4d passed, %d failed, %d skipped in %4d s  | so far %d passed, %d failed, '
                  '%d skipped; %d running, %d waiting, %dm%02ds'
                  % (done, len(order), name, counts[0], counts[1], counts[2], time.time() - began, totals[0],
                     totals[1], totals[2], len(running), len(pending), elapsed // 60, elapsed % 60),
                  file=sys.stderr, flush=True)
            if name.startswith('e2e'):
                leak = os.path.join(LOGS, 'leak-scan-%s.txt' % re.sub('^e2e-(between-)?', '', name))
                if os.path.exists(leak):
                    with open(leak) as handle:
                        print('       ' + handle.read().splitlines()[-1].strip(), file=sys.stderr)
            if counts[1] or process.returncode:
                for part in failed_parts:
                    print('       failed: %s' % part, file=sys.stderr)
                print('       log: %s' % os.path.join(LOGS, 'job-%s.log' % name), file=sys.stderr, flush=True)

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    say('all sessions ended after %d s (%d s with the venvs; %.1f CPU minutes, user and system)'
        % (time.time() - jobs_started, time.time() - started, (usage.ru_utime + usage.ru_stime) / 60))
    if notes:
        print('\nSkipped (could not run here):', file=sys.stderr)
        for note in notes:
            print('  %s' % note, file=sys.stderr)
    if failures:
        print('\nFailed: %s (logs in %s)' % (' '.join(failures), LOGS), file=sys.stderr)
    sys.stderr.flush()
    print('\n%d passed, %d failed, %d skipped' % tuple(totals), flush=True)
    return 1 if totals[1] else 0


@nox.session(venv_backend='none', default=True)
def matrix(session):
    """The whole matrix, side by side (what ./scripts/test runs; NF_CORES, NF_SKIP, NF_JOBS apply)."""
    if launch():
        session.error('some tests failed')


if __name__ == '__main__':
    sys.exit(launch())
