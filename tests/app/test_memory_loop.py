"""Approvals feed the memory (CLI and editor share one operation); translate reuses exact
approved matches before any engine runs; fuzzy ones are only offered; plan changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from taura_desktop.app import projects, review
from taura_desktop.core import edits
from taura_desktop.core.model import Origin, Status
from taura_desktop.core.project import Project
from taura_desktop.errors import EngineUnavailableError
from taura_desktop.jobs.worker import Worker
from taura_desktop.paths import memory_path
from taura_desktop.pipeline.stages import run_stage
from taura_desktop.pipeline.translate import MEMORY_ENGINE, TranslateOptions
from taura_desktop.sample import SampleMedia
from taura_desktop.subtitles.io import Cue, write_subtitles
from taura_desktop.translation.memory import TmEntry, TranslationMemory
from tests.app.helpers import info_json, taura

PERSON = "Bienvenidos a esta breve demostración de Taura Desktop."


def _first_project(tmp_path: Path, sample: SampleMedia, worker: Worker) -> tuple[Path, list[str]]:
    path = tmp_path / "first.taura"
    with projects.new_project(sample.video, path, source_lang="en", targets=("es",)) as p:
        projects.import_subtitles(p, sample.subtitles, lang="en")
        run_stage(p, "translate", TranslateOptions(("es",), engine="apertium"), worker=worker)
        ids = p.state.ids()
        p.apply(edits.set_translation_text(p.state, ids[0], "es", PERSON))
    return path, ids


def _second_video_subs(sample: SampleMedia, first: Project, out: Path, lines: list[str]) -> Path:
    """Subtitles for a second video: the first video's times with the given texts."""
    segs = first.segments()
    cues = [Cue(s.start_ms, s.end_ms, text) for s, text in zip(segs, lines, strict=False)]
    return write_subtitles(cues, out, "srt", lang="en")


def test_approve_cli_remembers_wording_and_origin(
    tmp_path: Path, sample: SampleMedia, worker: Worker, capsys: pytest.CaptureFixture[str]
) -> None:
    path, ids = _first_project(tmp_path, sample, worker)
    code, out, err = taura(capsys, "approve", path, "--lang", "es", "--ids", ids[0])
    assert code == 0, err
    assert "approved 1 segments" in out
    with TranslationMemory(memory_path()) as tm:
        entries = list(tm.entries())
    assert len(entries) == 1
    e = entries[0]
    assert (e.src_lang, e.tgt_lang, e.target) == ("en", "es", PERSON)
    assert e.project == str(path.resolve()) or e.project == str(path)
    assert e.segment == ids[0] and e.updated > 0 and e.approved
    with Project.open(path) as p:
        tr = p.segment(ids[0]).translation("es")
        assert tr is not None and tr.status is Status.APPROVED and tr.origin is Origin.PERSON
        assert tr.draft and tr.draft != PERSON  # the engine's text, kept to learn from

    code, out, err = taura(capsys, "approve", path, "--lang", "es", "--all")
    assert code == 0, err
    with Project.open(path) as p:
        n = sum(1 for s in p.segments() if s.translation("es"))
        assert p.stage_counts()["es"]["approved"] == n
    with TranslationMemory(memory_path()) as tm:
        assert len(tm) == n


def test_approve_cli_bad_arguments(
    tmp_path: Path, sample: SampleMedia, worker: Worker, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ids = _first_project(tmp_path, sample, worker)
    code, _out, err = taura(capsys, "approve", path, "--lang", "es", "--ids", "nope")
    assert code == 2 and "no segment with id nope" in err
    code, _out, err = taura(capsys, "approve", path, "--lang", "fr", "--all")
    assert code == 2 and "fr" in err
    code, _out, err = taura(capsys, "approve", path, "--lang", "es")
    assert code == 2 and err.count("\n") == 1  # --all or --ids is required
    code, _out, err = taura(capsys, "approve", tmp_path / "missing.taura", "--lang", "es", "--all")
    assert code == 3 and "missing.taura" in err
    assert not memory_path().exists() or len(TranslationMemory(memory_path())) == 0


def test_translate_fills_approved_exact_matches_and_only_offers_fuzzy_ones(
    tmp_path: Path, sample: SampleMedia, worker: Worker, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ids = _first_project(tmp_path, sample, worker)
    assert taura(capsys, "approve", path, "--lang", "es", "--all")[0] == 0
    with Project.open(path) as first:
        approved = {s.source_text: s.translations["es"].text for s in first.segments()}
        texts = [s.source_text for s in first.segments()]
        lines = [
            texts[0],  # repeated exactly
            "  " + texts[1].upper() + " ",  # same once normalized (case, spaces)
            texts[2].rstrip(".") + "!",  # a near match: offered, never applied
            "A sentence the first video never said.",
        ]
        subs = _second_video_subs(sample, first, tmp_path / "second.srt", lines)
    # one line was remembered by someone else without approval: not used to fill
    with TranslationMemory(memory_path()) as tm:
        tm.add_many([TmEntry("en", "es", lines[3], "No aprobada.", approved=False)])

    second = tmp_path / "second.taura"
    with projects.new_project(sample.video, second, source_lang="en", targets=("es",)) as p:
        projects.import_subtitles(p, subs, lang="en")
        run_stage(p, "translate", TranslateOptions(("es",), engine="apertium"), worker=worker)
        segs = p.segments()
        trs = [s.translation("es") for s in segs]
        assert trs[0] is not None and trs[0].text == PERSON and trs[0].engine == MEMORY_ENGINE
        assert trs[1] is not None and trs[1].text == approved[texts[1]] and trs[1].engine == MEMORY_ENGINE
        assert trs[2] is not None and trs[2].engine == "apertium"
        assert trs[3] is not None and trs[3].engine == "apertium" and trs[3].text != "No aprobada."
        offered = review.fuzzy_matches(memory_path(), "en", "es", segs[2].source_text)
        assert offered and offered[0].target == approved[texts[2]] and 0.85 <= offered[0].score < 1.0
    data = info_json(capsys, second)
    assert data["targets"]["es"]["from_memory"] == 2
    assert info_json(capsys, path)["targets"]["es"]["from_memory"] == 0


def test_translate_plan_changes_nothing_when_it_fails(
    tmp_path: Path, sample: SampleMedia, worker: Worker, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ids = _first_project(tmp_path, sample, worker)
    assert taura(capsys, "approve", path, "--lang", "es", "--all")[0] == 0
    second = tmp_path / "second.taura"
    with projects.new_project(sample.video, second, source_lang="en", targets=()) as p:
        projects.import_subtitles(p, sample.subtitles, lang="en")
        before = p.dump()
        with pytest.raises(EngineUnavailableError):  # es could come from memory, xx has no engine
            run_stage(p, "translate", TranslateOptions(("es", "xx"), engine="apertium"), worker=worker)
        assert p.dump() == before
        assert not p.meta.target_langs  # not `== ()`: mypy would keep that narrowing past run_stage
        run_stage(p, "translate", TranslateOptions(("es",), engine="apertium"), worker=worker)
        assert p.meta.target_langs == ("es",)
        assert all(s.translations["es"].engine == MEMORY_ENGINE for s in p.segments())
