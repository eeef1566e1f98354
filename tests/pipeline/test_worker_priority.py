"""The editor's worker runs at a lower CPU priority, and so do the programs it starts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from taura_desktop.jobs.messages import DoneMsg, TaskSpec, WorkerMsg
from taura_desktop.jobs.worker import Worker

pytestmark = pytest.mark.skipif(
    not hasattr(os, "getpriority") or os.getpriority(os.PRIO_PROCESS, 0) > 14,
    reason="no process niceness here, or no room below this one")


def report_priority(
    _payload: Any, _emit: Callable[[WorkerMsg], None], _cancelled: Callable[[], bool]
) -> dict[str, Any]:
    """Worker side: this process's niceness and that of a program it starts."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpriority(os.PRIO_PROCESS, 0))"],
                           capture_output=True, text=True, check=True)
    return {"worker": os.getpriority(os.PRIO_PROCESS, 0), "child": int(child.stdout)}


def run_task(worker: Worker) -> dict[str, Any]:
    worker.submit(TaskSpec("priority", None, report_priority))
    while True:
        msg = worker.receive(30.0)
        assert msg is not None, "the worker sent nothing in 30 s"
        if isinstance(msg, DoneMsg):
            return msg.summary


def test_a_worker_started_lower_runs_lower_and_its_programs_too() -> None:
    base = os.getpriority(os.PRIO_PROCESS, 0)
    worker = Worker(nice=base + 5)
    try:
        got = run_task(worker)
    finally:
        worker.stop()
    assert got == {"worker": base + 5, "child": base + 5}


def test_a_running_worker_is_lowered_in_place_and_never_raised() -> None:
    base = os.getpriority(os.PRIO_PROCESS, 0)
    worker = Worker()
    try:
        assert run_task(worker)["worker"] == base
        worker.set_priority(base + 3)
        assert run_task(worker)["worker"] == base + 3
        worker.set_priority(base + 1)  # asking for less than it has leaves it where it is
        assert worker.nice == base + 3
        assert run_task(worker) == {"worker": base + 3, "child": base + 3}
    finally:
        worker.stop()

