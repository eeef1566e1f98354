"""Runs pipeline stages through :class:`~taura_desktop.jobs.StageSession` and shows progress.

Heavy work happens in the jobs' child process; this panel only polls the session from a
QTimer on the GUI thread (results are applied to the project there, so the editor fills in
as segments arrive) and never blocks: one ``poll(0)`` per tick. Planning a stage (a walk over
every segment, engine and voice checks) runs on a helper thread; only the hand-over to the
worker happens on the GUI thread.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError
from taura_desktop.jobs import JobEvent, StageSession
from taura_desktop.jobs.worker import shared_worker
from taura_desktop.pipeline.deliver import ExportOptions
from taura_desktop.pipeline.stages import STAGES, StageOptions, stage_session
from taura_desktop.pipeline.transcribe import TranscribeOptions
from taura_desktop.pipeline.translate import TranslateOptions
from taura_desktop.pipeline.voice import VoiceOptions

POLL_MS = 30
#: Time one poll may spend applying results before the event loop gets control back.
POLL_BUDGET_S = 0.008
# The editor's worker runs at this niceness (the usual one for background work): on a laptop's
# two cores a stage and the programs it starts (apertium, ffmpeg, espeak-ng) would otherwise
# take the CPU the window needs to paint; alone on the machine they still get every core.
WORKER_NICE = 10


def pipeline_available() -> str | None:
    """None when stages can run, else a one-line reason (they always can: kept for callers)."""
    return None


def known_stages() -> tuple[str, ...]:
    return tuple(STAGES)


#: Called when a queued stage ends: (kind, summary); kind is finished, failed or cancelled.
OnFinished = Callable[[str, dict[str, Any]], None]


@dataclass(slots=True)
class StageRequest:
    stage: str
    options: StageOptions | None = None
    label: str = ""
    on_finished: OnFinished | None = None
    dub_render: bool = False  # the editor's preview mix of the dub


class JobsPanel(QWidget):
    """A queue of stage runs on one project, with per-stage progress and cancel."""

    stageStarted = Signal(str)
    stageFinished = Signal(str, str)  # stage, kind (finished | failed | cancelled)
    stageSummary = Signal(str, str, object)  # stage, kind, the stage's summary dict
    message = Signal(str)
    idle = Signal()
    _planned = Signal(object, object, object)  # request, session, what planning raised (or None)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project: Project | None = None
        self._queue: deque[StageRequest] = deque()
        self._session: StageSession | None = None
        self._planning: StageRequest | None = None  # the request being planned on the helper thread
        self._current: StageRequest | None = None
        self._planned.connect(self._on_planned)  # queued: emitted from the helper thread
        self.set_low_priority(True)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._tick)
        self.title = QLabel(self.tr("No jobs running."), self)
        # long job titles are cut, not grown: the dock keeps its size while jobs run
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setMinimumWidth(40)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_all)
        self.log = QListWidget(self)
        self.log.setMaximumHeight(120)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.log)

    def set_project(self, project: Project | None) -> None:
        if self.busy:
            self.cancel_all()
        self._project = project
        if project is not None and not shared_worker().alive:
            # spawn the worker off the GUI thread so the first job starts at once
            threading.Thread(target=shared_worker().start, name="worker-start", daemon=True).start()

    def set_low_priority(self, on: bool) -> None:
        """Run stages at ``WORKER_NICE`` (on) or at normal priority. A process cannot raise its
        own priority back, so turning it off ends an idle worker (the next job starts a new
        one at normal priority; a busy one finishes its jobs first, at the lower priority)."""
        worker = shared_worker()
        if on:
            worker.set_priority(WORKER_NICE)
            return
        worker.nice = 0
        if worker.alive and not self.busy and worker.runs_lower():
            worker.stop()

    @property
    def busy(self) -> bool:
        return self._session is not None or self._planning is not None or bool(self._queue)

    def dub_render_pending(self) -> bool:
        """Whether a preview mix of the dub is queued or running."""
        reqs = [*self._queue, *([self._current] if self._current is not None else [])]
        return any(r.dub_render for r in reqs)

    def enqueue(self, request: StageRequest) -> None:
        self._queue.append(request)
        self.cancel_button.setEnabled(True)
        self._log(self.tr("Queued: {0}").format(request.label or request.stage))
        if self._session is None:
            QTimer.singleShot(0, self._start_next)

    def cancel_all(self) -> None:
        self._queue.clear()
        if self._planning is not None:  # not handed to the worker yet: drop it
            self._planning = None
            self._log(f"{self._label()}: cancelled")
            self._finish("cancelled")
        elif self._session is not None:
            self._session.cancel()
            self.title.setText(self.tr("Cancelling {0}…").format(self._label()))

    def _label(self) -> str:
        return (self._current.label or self._current.stage) if self._current else ""

    def _log(self, text: str) -> None:
        self.log.addItem(text)
        self.log.scrollToBottom()
        self.message.emit(text)

    def _start_next(self) -> None:
        if self._session is not None or self._planning is not None:
            return
        if not self._queue or self._project is None:
            self.cancel_button.setEnabled(False)
            self._timer.stop()
            self.idle.emit()
            return
        req = self._queue.popleft()
        self._current = req
        self._planning = req
        self.title.setText(self.tr("Preparing {0}…").format(self._label()))
        self.bar.setRange(0, 0)
        threading.Thread(target=self._plan, args=(req, self._project), name="stage-plan",
                         daemon=True).start()

    def _plan(self, req: StageRequest, project: Project) -> None:
        """Helper thread: load the stage and, when its plan only reads the project, plan it,
        touching no widget; the result goes back to the GUI thread through a queued signal."""
        session: StageSession | None = None
        error: BaseException | None = None
        try:
            session = stage_session(project, req.stage, req.options)
            if session.plan_is_pure:
                session.plan()
        except Exception as exc:
            error = exc
        self._planned.emit(req, session, error)

    def _on_planned(
        self, req: StageRequest, session: StageSession | None, error: BaseException | None
    ) -> None:
        if req is not self._planning:  # cancelled (or the project changed) meanwhile
            return
        self._planning = None
        if error is not None:
            self._could_not_start(req, error)
            return
        assert session is not None  # planning made one or raised
        try:
            if not session.planned:  # a plan that changes the project runs on this thread
                session.plan()
            events = session.submit()
        except Exception as exc:
            self._could_not_start(req, exc)
            return
        self._run(req, session, events)

    def _could_not_start(self, req: StageRequest, exc: BaseException) -> None:
        """A failure to plan or submit is reported; the queue goes on."""
        self._log(self.tr("{0} could not start: {1}").format(req.label or req.stage, exc))
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.title.setText(self.tr("No jobs running."))
        self.stageFinished.emit(req.stage, "failed")
        self.stageSummary.emit(req.stage, "failed", {"error": str(exc)})
        if req.on_finished is not None:
            req.on_finished("failed", {"error": str(exc)})
        self._current = None
        QTimer.singleShot(0, self._start_next)

    def _run(self, req: StageRequest, session: StageSession, events: list[JobEvent]) -> None:
        self._session = session
        self.title.setText(self.tr("Running {0}…").format(self._label()))
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(True)
        self.stageStarted.emit(req.stage)
        self._handle(events)
        if self._session is not None:
            self._timer.start()

    def _tick(self) -> None:
        if self._session is None:
            self._timer.stop()
            return
        try:
            events = self._session.poll(0.0, budget_s=POLL_BUDGET_S)
        except TauraError as exc:  # applying a result failed: report and stop this stage
            self._log(f"{self._label()}: {exc}")
            self._finish("failed")
            return
        self._handle(events)

    def _handle(self, events: list[JobEvent]) -> None:
        for ev in events:
            if ev.kind == "progress":
                if ev.total:
                    self.bar.setRange(0, int(ev.total))
                    self.bar.setValue(int(ev.done))
                label = self._label()
                detail = f" {ev.done}/{ev.total}" if ev.total else ""
                self.title.setText(f"{label}{detail}" + (f" — {ev.message}" if ev.message else ""))
            elif ev.kind == "warning":
                self._log(f"{self._label()}: {ev.message}")
            elif ev.kind in ("finished", "failed", "cancelled"):
                self._log(f"{self._label()}: {ev.message or ev.kind}")
                self._finish(ev.kind)
                return
        if self._session is not None and getattr(self._session, "done", False):
            self._finish("finished")

    def _finish(self, kind: str) -> None:
        req = self._current
        stage = req.stage if req else ""
        summary: dict[str, Any] = dict(getattr(self._session, "summary", None) or {})
        error = getattr(self._session, "error", None)
        if error is not None:
            summary.setdefault("error", str(error))
        self._session = None
        self._current = None
        self._timer.stop()
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if kind == "finished" else 0)
        self.bar.setTextVisible(False)
        self.title.setText(self.tr("No jobs running."))
        self.stageFinished.emit(stage, kind)
        self.stageSummary.emit(stage, kind, summary)
        callback = req.on_finished if req is not None else None
        if callback is not None:
            callback(kind, summary)
        if kind != "finished":
            self._queue.clear()  # later stages depend on this one
        QTimer.singleShot(0, self._start_next)


def stage_options(stage: str, **kw: Any) -> StageOptions:
    """The typed options object of a pipeline stage (keyword names as in the stage's dataclass)."""
    if stage == "transcribe":
        return TranscribeOptions(**kw)
    if stage == "translate":
        return TranslateOptions(**kw)
    if stage == "voice":
        return VoiceOptions(**kw)
    if stage == "export":
        return ExportOptions(**kw)
    raise TauraError(f"unknown stage {stage!r}")
