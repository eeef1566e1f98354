"""Default speech model choice, source_origin in `taura info`, and cues cut from consecutive
speech segments never overlapping or passing the media end."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from taura_desktop.app import projects
from taura_desktop.app.qc import profile_of
from taura_desktop.cli import main
from taura_desktop.core.model import Word
from taura_desktop.engines.asr.base import AsrSegment
from taura_desktop.errors import EngineUnavailableError
from taura_desktop.modelstore.store import ModelStore
from taura_desktop.pipeline.engines import best_whisper
from taura_desktop.pipeline.transcribe import TranscribeStage
from taura_desktop.sample import SampleMedia
from tests.modelstore.helpers import make_whisper_dir


def _install(root: Path, tmp_path: Path, *names: str) -> None:
    store = ModelStore(root)
    for name in names:
        store.import_path(make_whisper_dir(tmp_path / "src" / name), engine="whisper", name=name)


def test_best_installed_whisper(tmp_path: Path) -> None:
    root = tmp_path / "models"
    with pytest.raises(
        EngineUnavailableError, match=r"no speech recognition model .*`taura models download base`"
    ):
        best_whisper("en", str(root))
    _install(root, tmp_path, "tiny.en")
    assert best_whisper("en", str(root)) == "tiny.en"
    with pytest.raises(
        EngineUnavailableError, match=r"no multilingual .*English-only tiny\.en.*taura models download base"
    ):
        best_whisper("es", str(root))
    with pytest.raises(EngineUnavailableError, match="language detection"):
        best_whisper(None, str(root))
    _install(root, tmp_path, "base")
    assert best_whisper("en", str(root)) == "base"
    assert best_whisper("es", str(root)) == "base"
    assert best_whisper(None, str(root)) == "base"
    _install(root, tmp_path, "small")
    assert best_whisper("en", str(root)) == "small"


def test_transcribe_without_model_exits_4_with_the_install_command(
    tmp_path: Path, sample: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = tmp_path / "p.taura"
    assert main(["new", str(sample.video), "-o", str(proj), "--source-lang", "en"]) == 0
    capsys.readouterr()
    assert main(["transcribe", str(proj)]) == 4
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "`taura models download base`" in err
    code = main(["localize", str(sample.video), "--to", "es", "-o", str(tmp_path / "out")])
    assert code == 4
    assert "`taura models download base`" in capsys.readouterr().err


def test_source_origin_from_subtitles(
    tmp_path: Path, sample: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = tmp_path / "p.taura"
    main(["new", str(sample.video), "-o", str(proj), "--source-lang", "en"])
    main(["import-subs", str(proj), str(sample.subtitles)])
    capsys.readouterr()
    assert main(["info", str(proj), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["source_origin"] == f"subtitles:{sample.subtitles.name}"


def _words(start: int, *texts: str, step: int = 180) -> tuple[Word, ...]:
    return tuple(Word(start + i * step, start + i * step + step - 20, t) for i, t in enumerate(texts))


def test_cues_of_consecutive_speech_segments_never_overlap(tmp_path: Path, sample: SampleMedia) -> None:
    """The issue's case: a short first segment's cue extended toward the minimum duration ran
    into the next segment's first cue (1.453 s vs 1.020 s)."""
    with projects.new_project(sample.video, tmp_path / "t.taura", source_lang="en") as p:
        assert p.meta.media is not None
        duration = p.meta.media.duration_ms
        stage = TranscribeStage()
        first = _words(800, " Hi.")
        second = _words(1020, " This", " starts", " right", " after", " it.")
        last = _words(duration - 300, " Bye.", step=200)
        for words in (first, second, last):
            stage.apply(
                p, AsrSegment(words[0].start_ms, words[-1].end_ms, "".join(w.text for w in words), words)
            )
        segs = p.segments()
        assert len(segs) >= 3
        gap = profile_of(p).min_gap_ms
        for a, b in itertools.pairwise(segs):
            assert a.end_ms + gap <= b.start_ms, (a, b)
        assert segs[0].start_ms == 800  # the in-time stays on the speech
        assert all(s.start_ms < s.end_ms <= duration for s in segs)
        assert segs[-1].end_ms == duration  # extended toward the minimum duration, up to the end
