"""Event-loop latency while a pipeline stage runs (shared by the responsiveness tests and
bench/bench_ui.py). A 10 ms precise QTimer records when each tick really arrives; lateness is
the time past its due moment. A GUI thread doing engine/file work shows up as long gaps.
Lateness also counts time the process waited for a CPU, so on a busy machine it measures the
machine; the GUI thread's own CPU time between ticks (``gui_cpu_*``) does not.

The times are figures for the bench to record. What a test can assert without a clock is what
the ticks saw: a tick that runs while the stage's progress bar stands part-way, or while some
other work is under way (``during``), proves the event loop ran in the middle of that work
(work done on the GUI thread would let no tick in until it returned)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QEventLoop, Qt, QTimer

from taura_desktop.ui.jobs_panel import JobsPanel, StageRequest

TICK_MS = 10


@dataclass
class LatencyReport:
    kinds: list[str] = field(default_factory=list)  # finished/failed/cancelled per stage
    ticks: int = 0
    wall_s: float = 0.0
    lateness_ms: list[float] = field(default_factory=list)
    max_gap_ms: float = 0.0
    gui_cpu_ms: list[float] = field(default_factory=list)  # GUI-thread CPU time between ticks
    ticks_during: int = 0  # ticks for which ``during()`` was true
    ticks_part_done: int = 0  # the stage's progress stood between none and all
    part_done_values: set[int] = field(default_factory=set)  # the progress values those ticks saw

    def percentile(self, q: float) -> float:
        if not self.lateness_ms:
            return float("nan")
        data = sorted(self.lateness_ms)
        k = min(len(data) - 1, max(0, round(q / 100 * (len(data) - 1))))
        return data[k]

    def gui_cpu_percentile(self, q: float) -> float:
        if not self.gui_cpu_ms:
            return float("nan")
        data = sorted(self.gui_cpu_ms)
        return data[min(len(data) - 1, max(0, round(q / 100 * (len(data) - 1))))]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    def summary(self) -> dict[str, float]:
        return {
            "ticks": float(self.ticks),
            "wall_s": round(self.wall_s, 3),
            "lateness_p50_ms": round(self.p50, 2),
            "lateness_p99_ms": round(self.p99, 2),
            "lateness_max_ms": round(max(self.lateness_ms, default=0.0), 2),
            "mean_ms": round(statistics.fmean(self.lateness_ms), 2) if self.lateness_ms else 0.0,
            "max_gap_ms": round(self.max_gap_ms, 2),
            "gui_cpu_p99_ms": round(self.gui_cpu_percentile(99), 2),
            "gui_cpu_max_ms": round(max(self.gui_cpu_ms, default=0.0), 2),
            "ticks_part_done": float(self.ticks_part_done),
            "progress_values_seen": float(len(self.part_done_values)),
        }


def settle(seconds: float) -> None:
    """Spin the event loop for ``seconds``: a window just opened paints its project and the
    editor starts its worker, as it has done by the time a person asks for a first job."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def run_with_latency(
    jobs: JobsPanel,
    requests: list[StageRequest],
    timeout_s: float = 300.0,
    during: Callable[[], bool] | None = None,
) -> LatencyReport:
    """Queue ``requests`` on ``jobs`` and spin the event loop until they are all done; each
    tick also notes whether the stage's progress stood part-way and whether ``during()``."""
    report = LatencyReport()
    loop = QEventLoop()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    last = [0.0]
    last_cpu = [0.0]

    def tick() -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        gap = (now - last[0]) * 1000.0
        report.lateness_ms.append(max(0.0, gap - TICK_MS))
        report.gui_cpu_ms.append((cpu - last_cpu[0]) * 1000.0)
        report.max_gap_ms = max(report.max_gap_ms, gap)
        report.ticks += 1
        last[0], last_cpu[0] = now, cpu
        if during is not None and during():
            report.ticks_during += 1
        done, total = jobs.bar.value(), jobs.bar.maximum()
        if jobs.busy and total > 1 and 0 < done < total:
            report.ticks_part_done += 1
            report.part_done_values.add(done)

    pending = [len(requests)]

    def finished(_stage: str, kind: str) -> None:
        report.kinds.append(kind)
        pending[0] -= 1
        if pending[0] <= 0 or kind != "finished":
            loop.quit()

    timer.timeout.connect(tick)
    jobs.stageFinished.connect(finished)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    start = time.perf_counter()
    last[0], last_cpu[0] = start, time.thread_time()
    timer.start()
    guard.start(int(timeout_s * 1000))
    for req in requests:
        jobs.enqueue(req)
    loop.exec()
    timer.stop()
    guard.stop()
    report.wall_s = time.perf_counter() - start
    jobs.stageFinished.disconnect(finished)
    return report
