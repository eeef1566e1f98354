"""merge_speakers as an edit (do/undo/redo), and `localize` running diarization when the
speaker model is installed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from taura_desktop.app.localize import LocalizeOptions, _should_diarize, localize
from taura_desktop.core import edits
from taura_desktop.core.edits import EditError
from taura_desktop.core.model import Segment
from taura_desktop.core.project import Project
from taura_desktop.jobs import JobEvent
from taura_desktop.jobs.worker import Worker
from taura_desktop.sample import make_sample


def _project(tmp_path: Path) -> Project:
    p = Project.create(tmp_path / "p.taura", media=None, source_lang="en", target_langs=("es",))
    p.apply(edits.add_segments(p.state, [Segment(f"s{i}", i * 1000, i * 1000 + 900, f"line {i}")
                                         for i in range(4)]), undoable=False)
    for sid, name in (("a", "Ana"), ("b", "Ben"), ("c", "Cy")):
        p.apply(edits.add_speaker(p.state, name, sid), undoable=False)
    p.apply(edits.set_speaker(p.state, ["s0", "s1"], "a"), undoable=False)
    p.apply(edits.set_speaker(p.state, ["s2"], "b"), undoable=False)
    p.apply(edits.set_speaker(p.state, ["s3"], "c"), undoable=False)
    return p


def test_merge_speakers_do_undo_redo(tmp_path: Path) -> None:
    with _project(tmp_path) as p:
        before = p.dump()
        p.apply(edits.merge_speakers(p.state, "a", ["b", "c", "a"]))
        after = p.dump()
        assert set(p.state.speakers) == {"a"}
        assert [s.speaker_id for s in p.segments()] == ["a"] * 4
        for _ in range(2):
            p.undo()
            assert p.dump() == before
            p.redo()
            assert p.dump() == after
        with pytest.raises(EditError):
            edits.merge_speakers(p.state, "zz", ["a"])
        with pytest.raises(EditError):
            edits.merge_speakers(p.state, "a", ["zz"])
    with Project.open(tmp_path / "p.taura") as again:  # persisted
        assert again.dump() == after


def test_localize_diarizes_only_with_the_model_and_without_hand_assigned_speakers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _project(tmp_path) as p:
        assert not _should_diarize(p)  # no model in the (empty) store
        monkeypatch.setenv("TAURA_MODELS_DIR", str(_models_root()))
        assert not _should_diarize(p)  # a person assigned speakers: keep them
        p.apply(edits.merge_speakers(p.state, "a", ["b", "c"]))
        p.apply(edits.remove_speaker(p.state, "a"))
        assert _should_diarize(p)


def _models_root() -> Path:
    from tests.realmodels import require_model

    return require_model("speaker-ge2e").parents[1]


@pytest.mark.real_models
def test_localize_runs_diarization_when_the_model_is_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real diarize stage inside `localize`, before translation; the later stages (covered
    by tests/pipeline/test_localize.py) are only recorded here to keep this test short."""
    from taura_desktop.app import localize as localize_mod
    from taura_desktop.pipeline.stages import StageOptions, run_stage

    monkeypatch.setenv("TAURA_MODELS_DIR", str(_models_root()))
    ran: list[str] = []

    def recording(
        project: Project,
        stage: str,
        options: StageOptions | None = None,
        *,
        on_event: Callable[[JobEvent], None] | None = None,
        should_cancel: Callable[[], bool] | None = None,
        worker: Worker | None = None,
    ) -> dict[str, object]:
        ran.append(stage)
        if stage != "diarize":
            return {}
        return run_stage(
            project, stage, options, on_event=on_event, should_cancel=should_cancel, worker=worker
        )

    monkeypatch.setattr(localize_mod, "run_stage", recording)
    sample = make_sample(tmp_path / "sample", seconds=20)
    result = localize(
        LocalizeOptions(video=sample.video, targets=("es",), subs=sample.subtitles, source_lang="en",
                        out_dir=tmp_path / "out")
    )
    assert ran[:2] == ["diarize", "translate"]
    with Project.open(result.project) as p:
        diarize = p.meta.settings.get("diarize")
        assert isinstance(diarize, dict) and diarize.get("complete")
        assert len(p.state.speakers) == 1  # one narrator
        (sp,) = p.state.speakers.values()
        assert "es" in sp.voices
        assert all(s.speaker_id == sp.id for s in p.segments())
