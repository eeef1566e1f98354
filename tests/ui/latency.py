"""Event-loop latency while a pipeline stage runs (shared by the responsiveness test and
bench/bench_ui.py). A 10 ms precise QTimer records when each tick really arrives; lateness is
the time past its due moment. A GUI thread doing engine/file work shows up as long gaps."""

from __future__ import annotations

import statistics
import time
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

    def percentile(self, q: float) -> float:
        if not self.lateness_ms:
            return float("nan")
        data = sorted(self.lateness_ms)
        k = min(len(data) - 1, max(0, round(q / 100 * (len(data) - 1))))
        return data[k]

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
        }


def run_with_latency(
    jobs: JobsPanel, requests: list[StageRequest], timeout_s: float = 300.0
) -> LatencyReport:
    """Queue ``requests`` on ``jobs`` and spin the event loop until they are all done."""
    report = LatencyReport()
    loop = QEventLoop()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    last = [0.0]

    def tick() -> None:
        now = time.perf_counter()
        gap = (now - last[0]) * 1000.0
        report.lateness_ms.append(max(0.0, gap - TICK_MS))
        report.max_gap_ms = max(report.max_gap_ms, gap)
        report.ticks += 1
        last[0] = now

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
    last[0] = start
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
