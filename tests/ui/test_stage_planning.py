"""Planning a stage happens off the GUI thread: the event loop keeps ticking while a stage
plans, a plan that fails is reported, and a stage cancelled while planning never starts."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from taura_desktop.core.project import Project
from taura_desktop.jobs.session import StageSession
from taura_desktop.ui.jobs_panel import JobsPanel, StageRequest, stage_options
from tests.ui.latency import run_with_latency

TICKS = 5  # GUI ticks the plan waits for


@pytest.fixture
def panel(qtbot: QtBot, project: Project) -> JobsPanel:
    p = JobsPanel()
    qtbot.addWidget(p)
    p.set_project(project)
    return p


def _subtitles(tmp_path: Path) -> StageRequest:
    return StageRequest("export", stage_options("export", kind="subtitles", output=str(tmp_path / "subs")))


def test_planning_runs_on_a_helper_thread_and_the_loop_keeps_ticking(
    panel: JobsPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[threading.Thread] = []
    in_plan, ticked = threading.Event(), threading.Event()
    seen = [0]
    waited: list[bool] = []
    real_plan = StageSession.plan

    def during_plan() -> bool:
        """Called on each GUI tick: counts the ticks that come while the plan runs."""
        if not in_plan.is_set():
            return False
        seen[0] += 1
        if seen[0] >= TICKS:
            ticked.set()
        return True

    def slow_plan(self: StageSession) -> None:
        threads.append(threading.current_thread())
        in_plan.set()
        # a walk over a long project's segments, that lasts until the GUI has ticked TICKS
        # times (a plan on the GUI thread would wait here for ever: no tick could come)
        waited.append(ticked.wait(30))
        in_plan.clear()
        real_plan(self)

    monkeypatch.setattr(StageSession, "plan", slow_plan)
    report = run_with_latency(panel, [_subtitles(tmp_path)], timeout_s=120, during=during_plan)
    assert report.kinds == ["finished"]
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    assert (tmp_path / "subs").is_dir() and any((tmp_path / "subs").iterdir())
    # the loop kept running while the plan ran (it ticked all along)
    assert waited == [True] and report.ticks_during >= TICKS


def test_a_plan_that_fails_is_reported_and_the_queue_goes_on(
    qtbot: QtBot, panel: JobsPanel, tmp_path: Path
) -> None:
    summaries: list[tuple[str, str, Any]] = []
    panel.stageSummary.connect(lambda s, k, d: summaries.append((s, k, d)))
    bad = StageRequest("export", stage_options("export", kind="nope", output=str(tmp_path / "x")))
    with qtbot.waitSignal(panel.idle, timeout=60000):
        panel.enqueue(bad)
        panel.enqueue(_subtitles(tmp_path))
    assert [(s, k) for s, k, _d in summaries] == [("export", "failed"), ("export", "finished")]
    assert "unknown kind 'nope'" in summaries[0][2]["error"]
    assert not panel.busy


def test_cancel_while_planning_never_starts_the_stage(
    qtbot: QtBot, panel: JobsPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    submitted: list[StageSession] = []
    real_plan, real_submit = StageSession.plan, StageSession.submit

    def blocked_plan(self: StageSession) -> None:
        release.wait(30)
        real_plan(self)

    def spy_submit(self: StageSession) -> list[Any]:
        submitted.append(self)
        return real_submit(self)

    monkeypatch.setattr(StageSession, "plan", blocked_plan)
    monkeypatch.setattr(StageSession, "submit", spy_submit)
    kinds: list[str] = []
    panel.stageFinished.connect(lambda _s, k: kinds.append(k))
    panel.enqueue(_subtitles(tmp_path))
    qtbot.waitUntil(lambda: panel._planning is not None, timeout=10000)
    assert panel.busy
    panel.cancel_all()
    assert kinds == ["cancelled"] and not panel.busy
    release.set()  # the plan finishes after the cancel: it is dropped
    qtbot.wait(300)
    assert submitted == [] and kinds == ["cancelled"]
    assert not (tmp_path / "subs").exists()


def test_a_plan_that_changes_the_project_stays_on_the_gui_thread(
    panel: JobsPanel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taura_desktop.pipeline.deliver import ExportStage

    monkeypatch.setattr(ExportStage, "pure_plan", False)
    threads: list[threading.Thread] = []
    real_plan = StageSession.plan

    def spy_plan(self: StageSession) -> None:
        threads.append(threading.current_thread())
        real_plan(self)

    monkeypatch.setattr(StageSession, "plan", spy_plan)
    report = run_with_latency(panel, [_subtitles(tmp_path)], timeout_s=120)
    assert report.kinds == ["finished"]
    assert threads == [threading.main_thread()]


def test_the_editor_runs_its_worker_at_a_lower_priority(panel: JobsPanel) -> None:
    import os

    from taura_desktop.jobs.worker import shared_worker
    from taura_desktop.ui.jobs_panel import WORKER_NICE

    worker = shared_worker()
    assert worker.nice >= WORKER_NICE > 0
    if hasattr(os, "getpriority"):
        worker.start()
        assert worker._proc is not None and worker._proc.pid is not None
        # lowered whether it started before the panel existed or after
        assert os.getpriority(os.PRIO_PROCESS, worker._proc.pid) >= WORKER_NICE


@pytest.mark.skipif(not hasattr(__import__("os"), "getpriority"), reason="no process niceness here")
def test_the_priority_preference_turns_off_and_on(panel: JobsPanel) -> None:
    import os

    from taura_desktop.jobs.worker import shared_worker
    from taura_desktop.ui.jobs_panel import WORKER_NICE

    worker = shared_worker()
    base = os.getpriority(os.PRIO_PROCESS, 0)
    if base >= WORKER_NICE:
        pytest.skip(f"the tests already run at niceness {base}")
    worker.start()
    assert worker.runs_lower()
    panel.set_low_priority(False)  # idle: the lowered worker ends, the next one runs as the editor
    assert not worker.alive and worker.nice == 0
    worker.start()
    assert worker._proc is not None and worker._proc.pid is not None
    assert os.getpriority(os.PRIO_PROCESS, worker._proc.pid) == base and not worker.runs_lower()
    panel.set_low_priority(True)  # lowered in place
    assert os.getpriority(os.PRIO_PROCESS, worker._proc.pid) == max(base, WORKER_NICE)
