"""The export stage: masters with each mix mode, stems, OTIO, subtitles, burn-in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taura_desktop.core import edits
from taura_desktop.core.project import Project
from taura_desktop.errors import EngineUnavailableError, UsageError
from taura_desktop.jobs.worker import Worker
from taura_desktop.media.probe import probe
from taura_desktop.pipeline.deliver import ExportOptions
from taura_desktop.pipeline.stages import run_stage
from taura_desktop.pipeline.translate import TranslateOptions
from taura_desktop.pipeline.voice import VoiceOptions
from tests.tiny.separation import install_tiny_separator


@pytest.fixture
def voiced(subs_project: Project, worker: Worker) -> Project:
    run_stage(subs_project, "translate", TranslateOptions(("es",), engine="apertium"), worker=worker)
    run_stage(subs_project, "voice", VoiceOptions(lang="es"), worker=worker)
    return subs_project


def test_background_mix_needs_the_separation_model_then_uses_it(
    voiced: Project, worker: Worker, tmp_path: Path
) -> None:
    out = tmp_path / "bg.mkv"
    with pytest.raises(EngineUnavailableError, match="taura models import"):
        run_stage(voiced, "export", ExportOptions("mkv", str(out), mix="background"), worker=worker)
    assert not out.exists()
    install_tiny_separator(Path(os.environ["TAURA_MODELS_DIR"]))
    summary = run_stage(voiced, "export", ExportOptions("mkv", str(out), mix="background"), worker=worker)
    assert summary["outputs"] == [str(out)] and summary["problems"] == []
    langs = [(s.kind, s.language) for s in probe(out).streams]
    assert ("audio", "spa") in langs and ("subtitle", "spa") in langs


def test_stems_otio_and_subtitles(voiced: Project, worker: Worker, tmp_path: Path) -> None:
    stems = run_stage(voiced, "export", ExportOptions("stems", str(tmp_path / "stems")), worker=worker)
    names = sorted(Path(p).name for p in stems["outputs"])
    assert any(n.startswith("dub_") for n in names) and any(n.startswith("mix_") for n in names)
    otio_out = tmp_path / "timeline.otio"
    result = run_stage(voiced, "export", ExportOptions("otio", str(otio_out)), worker=worker)
    import opentimelineio as otio

    timeline = otio.adapters.read_from_file(str(otio_out))
    clips = [c for t in timeline.audio_tracks() for c in t.find_clips() if "Dub" in t.name]
    assert len(clips) == len(voiced)
    # the same timeline for editors without OTIO: Final Cut Pro XML and an EDL of the dub
    edl, fcpxml = tmp_path / "timeline.es.edl", tmp_path / "timeline.fcpxml"
    assert result["outputs"] == [str(otio_out), str(fcpxml), str(edl)] and result["problems"] == []
    assert fcpxml.read_text(encoding="utf-8").startswith("<?xml")
    events = [ln for ln in edl.read_text(encoding="utf-8").splitlines() if ln[:3].isdigit()]
    assert len(events) == len(voiced)  # one event per dubbed line
    first = min(voiced.segments(), key=lambda s: s.start_ms)
    fps = voiced.meta.media.fps if voiced.meta.media and voiced.meta.media.fps else 25.0
    frames = round(first.start_ms / 1000 * fps)
    rec_in = f"00:00:{frames // round(fps):02d}:{frames % round(fps):02d}"
    assert events[0].split()[-2] == rec_in  # record-in of the first event: the first line's start
    subs = run_stage(voiced, "export", ExportOptions("subtitles", str(tmp_path / "subs")), worker=worker)
    assert len(subs["outputs"]) == 2 * 4  # source + es, four formats each


def test_burn_needs_one_language(voiced: Project, worker: Worker, tmp_path: Path) -> None:
    voiced.apply(edits.add_target_langs(voiced.state, ["fr"]))
    with pytest.raises(UsageError, match="exactly one language"):
        run_stage(voiced, "export", ExportOptions("burn", str(tmp_path / "b.mp4")), worker=worker)


def test_dub_tracks_read_no_audio_until_the_mix_asks(voiced: Project) -> None:
    from taura_desktop.dub.cache import load_fitted
    from taura_desktop.pipeline.deliver import dub_tracks

    (track,) = dub_tracks(voiced.state, voiced.store, ["es"])
    assert len(track.clips) == len(voiced) > 0
    segs = {s.start_ms: s for s in voiced.segments()}
    for c in track.clips:
        assert c.samples is None and c.load is not None  # nothing decoded yet
        tr = segs[c.start_ms].translation("es")
        assert tr is not None and tr.clip is not None  # every segment was voiced
        sr, placed = load_fitted(voiced.store, tr.clip)
        assert (c.sample_rate, c.length) == (sr, len(placed))
        assert c.audio().tolist() == placed.tolist()
