"""The editor stays responsive while a real pipeline stage runs.

A voice stage (espeak-ng, ~80 segments, each clip fitted to its slot) runs through the jobs
panel of an open editor window while a 10 ms timer ticks. The test asserts, without a clock,
that the event loop ran in the middle of the stage: ticks were delivered while the stage's
progress stood part-way, at several different points of it (engine work on the GUI thread
would let no tick in until it returned), and that the stage finished with every clip made.
The latency figures (lateness, the longest gap) are informational here: printed and written
to tests/artifacts/latency.txt; bench/bench_ui.py records them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from taura_desktop.ui.jobs_panel import StageRequest, stage_options
from taura_desktop.ui.main_window import MainWindow
from taura_desktop.ui.settings import Settings
from tests.ui.helpers import make_project
from tests.ui.latency import run_with_latency

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
N = 80


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_event_loop_keeps_ticking_during_a_voice_stage(
    qtbot: QtBot, settings: Settings, tmp_path: Path
) -> None:
    make_project(tmp_path / "r.taura", N, langs=("es",), voiced=False).close()
    w = MainWindow(settings, player_vo="null")
    qtbot.addWidget(w)
    w.show()
    assert w.open_project(tmp_path / "r.taura")
    report = run_with_latency(
        w.jobs, [StageRequest("voice", stage_options("voice", lang="es", engine="espeak"), "voice es")]
    )
    figures = report.summary()
    line = f"voice stage (espeak, {N} segments) through JobsPanel: " + json.dumps(figures)
    print(line)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "latency.txt").write_text(line + "\n", encoding="utf-8")

    assert report.kinds == ["finished"]
    assert w.project is not None
    voiced = sum(1 for s in w.project.segments() if (tr := s.translation("es")) and tr.clip is not None)
    assert voiced == N
    # the loop kept running while the stage worked: ticks saw its progress part-way, at
    # more than one point (not one late burst of events once the work was over)
    assert report.ticks_part_done > 0
    assert len(report.part_done_values) >= 2, report.part_done_values
