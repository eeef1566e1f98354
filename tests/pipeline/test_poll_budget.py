"""An editor polls a running stage from its event loop: with a time budget, one poll applies
what fits in it (at least one result) and leaves the rest in the pipe for the next poll, so a
burst of results never stalls the GUI thread in one go. Translation results come in small
pieces for the same reason."""

from __future__ import annotations

import time
from pathlib import Path

from taura_desktop.core import edits
from taura_desktop.core.model import Segment
from taura_desktop.core.project import Project
from taura_desktop.jobs.worker import Worker
from taura_desktop.pipeline.stages import stage_session
from taura_desktop.pipeline.translate import RESULT_SEGMENTS, TranslateOptions


def _translated(p: Project) -> int:
    return sum(1 for s in p.segments() if s.translation("es") is not None)


def test_budgeted_poll_applies_one_piece_at_a_time(tmp_path: Path, worker: Worker) -> None:
    n = 3 * RESULT_SEGMENTS + 5
    with Project.create(tmp_path / "p.taura", media=None, source_lang="en", target_langs=("es",)) as p:
        p.apply(edits.add_segments(p.state, [
            Segment(f"s{i}", i * 3000, i * 3000 + 2500, f"The house number {i} is red.") for i in range(n)
        ]))
        session = stage_session(p, "translate", TranslateOptions(("es",), engine="apertium"), worker)
        session.start()
        deadline = time.monotonic() + 120
        steps: list[int] = []
        while not session.done and time.monotonic() < deadline:
            before = _translated(p)
            session.poll(0.5, budget_s=0.0)
            if _translated(p) > before:
                steps.append(_translated(p) - before)
        assert session.done and session.error is None
        assert _translated(p) == n
        assert steps == [RESULT_SEGMENTS, RESULT_SEGMENTS, RESULT_SEGMENTS, 5]
