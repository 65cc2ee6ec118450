# -*- coding: utf-8 -*-
# Copyright (c) netfoundry.api contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ansible-playbook, also writing to $BENCH_CPU_FILE the CPU seconds (user + system) of its own process and of each
forked worker's task, not of the processes they start (a module's AnsiballZ run). Used by P5: the two plays it compares
run the same modules, so what tells them apart is in the controller and its workers, which the noise of a shared
machine blurs far less than the whole play's CPU time."""

import atexit
import os
import resource
import sys
import time

from ansible.cli.playbook import main
from ansible.executor.process.worker import WorkerProcess

OUT = os.environ['BENCH_CPU_FILE']
_task_run = WorkerProcess._run  # pylint: disable=protected-access


def _timed_run(self):
    started = time.process_time()
    try:
        return _task_run(self)
    finally:
        with open(OUT, 'a') as handle:
            handle.write('worker %.6f\n' % (time.process_time() - started))


def _controller():
    own = resource.getrusage(resource.RUSAGE_SELF)
    with open(OUT, 'a') as handle:
        handle.write('controller %.6f\n' % (own.ru_utime + own.ru_stime))


WorkerProcess._run = _timed_run  # pylint: disable=protected-access
atexit.register(_controller)
sys.argv[0] = 'ansible-playbook'
main()
