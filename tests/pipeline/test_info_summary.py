"""`taura info` answers from the summary kept in the project file (counts per stage, stale
clips, QC) instead of loading and checking every segment; writers keep it current."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taura_desktop.app import projects as project_ops
from taura_desktop.cli import main
from taura_desktop.core import edits
from taura_desktop.core.model import Segment
from taura_desktop.core.project import Project
from taura_desktop.core.store import ProjectStore


def _make(path: Path, n: int) -> None:
    with Project.create(path, media=None, source_lang="en", target_langs=("es",)) as p:
        p.apply(edits.add_segments(
            p.state, [Segment(f"s{i:05d}", i * 2000, i * 2000 + 1500, f"line {i}") for i in range(n)]
        ))
        half = {f"s{i:05d}": f"línea {i}" for i in range(n // 2)}
        p.apply(edits.apply_engine_translations(p.state, "es", half, engine="t"))


def _info(capsys: pytest.CaptureFixture[str], path: Path) -> dict[str, object]:
    assert main(["info", str(path), "--json"]) == 0
    doc: dict[str, object] = json.loads(capsys.readouterr().out)
    return doc


def test_info_never_loads_segments_when_the_summary_is_current(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.taura"
    _make(path, 40)  # a writer closing keeps the summary current
    with Project.open(path, read_only=True) as p:
        full = project_ops._info_doc(p.path, p.meta, list(p.state.speakers.values()), project_ops.summary(p))

    def no_load(self: ProjectStore) -> object:
        raise AssertionError("info loaded every segment")

    monkeypatch.setattr(ProjectStore, "load", no_load)
    doc = _info(capsys, path)
    assert doc == full
    assert doc["segments"] == 40 and doc["targets"] == {"es": {
        "translated": 20, "voiced": 0, "approved": 0, "needs_review": 0, "overflow": 0, "stale": 0,
        "from_memory": 0}}
    monkeypatch.undo()
    # any change makes the kept summary stale: info computes it again (and keeps it)
    with Project.open(path) as p:
        p.apply(edits.remove_segments(p.state, ["s00000", "s00001"]))
        assert project_ops.quick_info(path) is None  # stale while the writer is still open
    monkeypatch.setattr(ProjectStore, "load", no_load)
    assert _info(capsys, path)["segments"] == 38  # brought up to date when the writer closed


def test_summary_of_a_project_written_without_it_is_kept_by_the_first_info(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.taura"
    _make(path, 12)
    db = ProjectStore.open(path)
    db._db.execute("DELETE FROM cache")
    db.close()
    assert project_ops.quick_info(path) is None
    first = _info(capsys, path)  # computed from the segments, and kept
    assert project_ops.quick_info(path) == first
    monkeypatch.setattr(ProjectStore, "load", lambda self: (_ for _ in ()).throw(AssertionError("loaded")))
    assert _info(capsys, path) == first
