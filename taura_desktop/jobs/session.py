"""``StageSession``: plan a stage on a project, run it in the worker, apply results here.

A stage (the pipeline layer registers them in :mod:`taura_desktop.pipeline.stages`) has two
halves:

- caller side (this process, owns the project): ``plan(project, options) -> TaskSpec | None``
  computes without changing the project (None when everything is already done and current:
  stages are resumable per segment); ``begin(project)`` then makes the changes the plan decided
  (it runs only once planning has succeeded), ``apply(project, item)`` each result as it
  arrives, and ``finish(project, summary)``;
- worker side: ``work(payload, emit, cancelled) -> summary``, run in the child process.

Results are applied as they arrive, so a cancelled or crashed stage keeps every finished
segment and a second run continues where the first stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from taura_desktop import errors
from taura_desktop.core.project import Project
from taura_desktop.errors import CancelledError, EngineUnavailableError, ExitCode, TauraError
from taura_desktop.jobs.messages import (
    DoneMsg,
    ErrorMsg,
    JobEvent,
    ProgressMsg,
    ResultMsg,
    TaskSpec,
    WarningMsg,
)
from taura_desktop.jobs.worker import Worker, WorkFn, shared_worker

HARD_CANCEL_AFTER_S = 1.0


class Stage(Protocol):
    name: str

    def plan(self, project: Project, options: Any) -> TaskSpec | None: ...

    def begin(self, project: Project) -> None: ...

    def apply(self, project: Project, item: Any) -> None: ...

    def finish(self, project: Project, summary: dict[str, Any]) -> dict[str, Any]: ...


_ERRORS: dict[int, type[TauraError]] = {
    int(ExitCode.ENGINE_UNAVAILABLE): EngineUnavailableError,
    int(ExitCode.CANCELLED): CancelledError,
}


def _error_for(msg: ErrorMsg) -> TauraError:
    cls = getattr(errors, msg.error_type, None)
    if isinstance(cls, type) and issubclass(cls, TauraError):
        return cls(msg.message)
    err = _ERRORS.get(msg.exit_code, TauraError)(msg.message)
    return err


class StageSession:
    """One run of one stage. Drive it with :meth:`poll` from the thread that owns the project."""

    def __init__(
        self, project: Project, stage: Stage, work: WorkFn, options: Any = None, worker: Worker | None = None
    ) -> None:
        self.project = project
        self.stage = stage
        self.work = work
        self.options = options
        self.worker = worker or shared_worker()
        self.done = False
        self.summary: dict[str, Any] = {}
        self.error: TauraError | None = None
        self.warnings: list[str] = []
        self._cancel_at: float | None = None
        self._started = False
        self._planned = False
        self._task: TaskSpec | None = None

    @property
    def plan_is_pure(self) -> bool:
        """Whether the stage's ``plan`` only reads the project (its class says ``pure_plan =
        True``): an editor then plans it off its GUI thread (planning walks every segment)."""
        return bool(getattr(self.stage, "pure_plan", False))

    @property
    def planned(self) -> bool:
        return self._planned

    def plan(self) -> None:
        """Compute the stage's task; :meth:`submit` follows. Off the thread that owns the
        project only when :attr:`plan_is_pure`."""
        self._task = self.stage.plan(self.project, self.options)
        self._planned = True

    def start(self) -> list[JobEvent]:
        """Plan and submit. Returns events produced immediately (e.g. nothing to do)."""
        self.plan()
        return self.submit()

    def submit(self) -> list[JobEvent]:
        """Hand the planned task to the worker (from the thread that owns the project).
        Returns events produced immediately (e.g. nothing to do)."""
        if not self._planned:
            raise RuntimeError("StageSession.plan() first")
        self._started = True
        task = self._task
        self.stage.begin(self.project)  # the changes the plan decided, on the owner thread
        if task is None:
            self.done = True
            self.summary = self.stage.finish(self.project, {"skipped": True})
            return [JobEvent("finished", self.stage.name, message="nothing to do: all current")]
        self.worker.submit(replace(task, work=self.work))
        return [JobEvent("progress", self.stage.name, 0, 0, "started")]

    def cancel(self) -> None:
        if not self.done and self._cancel_at is None:
            self.worker.soft_cancel()
            self._cancel_at = time.monotonic()

    def poll(self, timeout: float = 0.0, budget_s: float | None = None) -> list[JobEvent]:
        """Receive what the worker sent, apply results, and return events for display.

        ``budget_s`` bounds the work of one call (an editor polls from its event loop): once
        that much time has gone, the call returns after the result in hand and the rest waits
        in the pipe for the next call."""
        if not self._started:
            raise RuntimeError("StageSession.start() first")
        events: list[JobEvent] = []
        began = time.monotonic()
        deadline = began + timeout
        name = self.stage.name
        while not self.done:
            if self._cancel_at is not None and time.monotonic() - self._cancel_at > HARD_CANCEL_AFTER_S:
                self.worker.kill()
                events.append(self._fail(CancelledError(f"{name} cancelled")))
                break
            wait = max(0.0, deadline - time.monotonic()) if not events else 0.0
            try:
                msg = self.worker.receive(wait)
            except ChildProcessError as exc:
                events.append(self._fail(TauraError(f"{name} failed: {exc}")))
                break
            if msg is None:
                break
            if isinstance(msg, ResultMsg):
                self.stage.apply(self.project, msg.item)
                if budget_s is not None and time.monotonic() - began >= budget_s:
                    break
            elif isinstance(msg, ProgressMsg):
                events.append(JobEvent("progress", name, msg.done, msg.total, msg.message))
            elif isinstance(msg, WarningMsg):
                self.warnings.append(msg.message)
                events.append(JobEvent("warning", name, message=msg.message))
            elif isinstance(msg, DoneMsg):
                self.done = True
                self.summary = self.stage.finish(self.project, msg.summary)
                events.append(JobEvent("finished", name, message="done"))
            elif isinstance(msg, ErrorMsg):
                events.append(self._fail(_error_for(msg)))
        return events

    def _fail(self, error: TauraError) -> JobEvent:
        self.done = True
        self.error = error
        cancelled = isinstance(error, CancelledError)
        return JobEvent(
            "cancelled" if cancelled else "failed",
            self.stage.name,
            message=str(error),
            exit_code=int(error.exit_code),
        )


def run_session(
    session: StageSession,
    *,
    on_event: Callable[[JobEvent], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Run a session to the end (blocking). Raises the stage's TauraError on failure/cancel."""
    stage = session.stage.name
    for ev in session.start():
        if on_event:
            on_event(ev)
    try:
        while not session.done:
            if should_cancel is not None and should_cancel():
                session.cancel()
            for ev in session.poll(0.1):
                if on_event:
                    on_event(ev)
    except KeyboardInterrupt:
        session.worker.kill()
        raise CancelledError(f"{stage} cancelled") from None
    if session.error is not None:
        raise session.error
    return session.summary
