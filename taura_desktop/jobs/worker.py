"""A long-lived worker process that runs stage work and keeps engines loaded between jobs.

The worker is started with the ``spawn`` method (no forked Qt or database state). It serves
``TaskSpec`` messages one at a time; engines cache their loaded models in the worker, so a
second job of the same session does not load the model again. Soft cancel is a message the
stage checks between units of work; hard cancel ends the process.

A worker may run at a lower CPU priority (``nice``): the editor's does, so that on a machine
with few cores the window keeps the CPU it needs to paint while a stage (and the programs it
starts, which inherit the priority) uses the rest. Alone on the machine it still gets every
core, so a lower priority costs a job nothing unless something else wants the CPU.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from taura_desktop.errors import CancelledError, ExitCode, TauraError
from taura_desktop.jobs.messages import DoneMsg, ErrorMsg, TaskSpec, WarningMsg, WorkerMsg
from taura_desktop.modelstore.offline import block_network, is_offline

CANCEL = "cancel"
STOP = None


Emit = Callable[[WorkerMsg], None]
WorkFn = Callable[[Any, Emit, Callable[[], bool]], dict[str, Any]]


def execute(task: TaskSpec, emit: Emit, cancelled: Callable[[], bool]) -> DoneMsg | ErrorMsg:
    """Run one task's work here; its final message (errors become messages, never raised).
    Shared by the worker process and other hosts of stage work (e.g. cluster actors)."""
    try:
        if task.work is None:
            raise TauraError(f"stage {task.stage!r}: the task names no work function")
        return DoneMsg(task.work(task.payload, emit, cancelled))
    except CancelledError as exc:
        return ErrorMsg("CancelledError", str(exc), int(ExitCode.CANCELLED))
    except TauraError as exc:
        return ErrorMsg(type(exc).__name__, str(exc), int(exc.exit_code))
    except MemoryError:
        return ErrorMsg("MemoryError", "the worker ran out of memory", int(ExitCode.INTERNAL))
    except Exception as exc:  # report, never die silently
        return ErrorMsg(
            "internal", f"{type(exc).__name__}: {exc}", int(ExitCode.INTERNAL), traceback.format_exc()
        )


def lower_priority(nice: int, pid: int = 0) -> bool:
    """Lower the CPU priority of process ``pid`` (0: this one) to niceness ``nice``; raising
    it back needs privileges, so this only ever lowers. False where the platform has no
    niceness (Windows) or refuses."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return False
    try:
        current = os.getpriority(os.PRIO_PROCESS, pid)
        if current < nice:
            os.setpriority(os.PRIO_PROCESS, pid, nice)
        return True
    except OSError:
        return False


def _serve(conn: Connection) -> None:
    if is_offline():
        with block_network() as guard:

            def drain() -> list[str]:
                seen = [f"{a.kind} {a.target}" for a in guard.attempts]
                guard.attempts.clear()
                return seen

            _serve_tasks(conn, drain)
    else:
        _serve_tasks(conn, list)


def _serve_tasks(conn: Connection, attempts: Callable[[], list[str]]) -> None:
    pending_cancel = False

    def cancelled() -> bool:
        nonlocal pending_cancel
        while not pending_cancel and conn.poll():
            if conn.recv() == CANCEL:
                pending_cancel = True
        return pending_cancel

    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is STOP:
            return
        if task == CANCEL:
            continue
        pending_cancel = False
        assert isinstance(task, TaskSpec)
        msg = execute(task, conn.send, cancelled)
        try:
            for attempt in attempts():
                conn.send(WarningMsg(f"offline mode blocked a network access: {attempt}"))
            conn.send(msg)
        except (BrokenPipeError, OSError):
            return


class Worker:
    """Handle on one worker process (spawned lazily, restarted after a crash or kill)."""

    def __init__(self, nice: int = 0) -> None:
        self._proc: mp.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()  # start() may run on a helper thread
        self.nice = nice

    def set_priority(self, nice: int) -> None:
        """Run at niceness ``nice`` from now on: a running process is lowered at once (its
        children started later inherit it); a restarted one starts at it. Only lowers."""
        self.nice = max(self.nice, nice)
        proc = self._proc
        if proc is not None and proc.pid is not None and self.alive:
            lower_priority(self.nice, proc.pid)

    def runs_lower(self) -> bool:
        """Whether the running process has a lower CPU priority than this one."""
        proc = self._proc
        if proc is None or proc.pid is None or not hasattr(os, "getpriority"):
            return False
        try:
            return os.getpriority(os.PRIO_PROCESS, proc.pid) > os.getpriority(os.PRIO_PROCESS, 0)
        except OSError:  # gone
            return False

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    def start(self) -> None:
        """Start the process ahead of the first job (e.g. from a thread when the editor opens
        a project), so submitting a job never waits for a process to spawn."""
        self._ensure()

    def _ensure(self) -> Connection:
        with self._lock:
            return self._ensure_locked()

    def _ensure_locked(self) -> Connection:
        if not self.alive or self._conn is None:
            ctx = mp.get_context("spawn")
            parent, child = ctx.Pipe(duplex=True)
            proc = ctx.Process(target=_serve, args=(child,), name="taura-worker", daemon=True)
            proc.start()
            if proc.pid is not None:  # before it has imported anything: all its work runs lower
                lower_priority(self.nice, proc.pid)
            child.close()
            self._proc, self._conn = proc, parent
        return self._conn

    def submit(self, task: TaskSpec) -> None:
        self._ensure().send(task)

    def soft_cancel(self) -> None:
        if self._conn is not None and self.alive:
            with contextlib.suppress(BrokenPipeError, OSError):
                self._conn.send(CANCEL)

    def receive(self, timeout: float) -> WorkerMsg | None:
        """Next message, or None if none arrived within ``timeout``.

        Raises ``ChildProcessError`` when the process died without a final message.
        """
        conn = self._conn
        if conn is None:
            raise ChildProcessError("worker not started")
        try:
            if conn.poll(timeout):
                msg: WorkerMsg = conn.recv()
                return msg
        except (EOFError, OSError):
            pass
        else:
            if self.alive:
                return None
        code = self._proc.exitcode if self._proc is not None else None
        self.kill()
        raise ChildProcessError(f"worker process ended unexpectedly (exit code {code})")

    def kill(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc, self._conn = None, None

    def stop(self) -> None:
        if self._conn is not None and self.alive:
            with contextlib.suppress(BrokenPipeError, OSError):
                self._conn.send(STOP)
            assert self._proc is not None
            self._proc.join(5)
        self.kill()


_shared: Worker | None = None


def shared_worker() -> Worker:
    """The process-wide worker (models stay loaded across jobs of one session)."""
    global _shared
    if _shared is None:
        _shared = Worker()
    return _shared
