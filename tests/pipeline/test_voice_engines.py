"""The voice stage with every engine alike: the default engine per language is the best
installed one, clips are trimmed (speech on the cue), normalized and cached the same way, and
stale detection needs no model loaded. Real models from the shared test store."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.core import edits
from taura_desktop.core.model import Segment, VoiceSpec
from taura_desktop.core.project import Project
from taura_desktop.dub.voices import default_engine, engine_choices, voice_choices
from taura_desktop.jobs.worker import Worker
from taura_desktop.pipeline.stages import run_stage
from taura_desktop.pipeline.voice import VoiceOptions, VoiceStage, speaker_voice
from tests.clips import voice_clip
from tests.realmodels import require_model

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")

LINES = {
    "en": ["Good morning, everyone.", "Thank you for coming today.", "Let us begin."],
    "es": ["Buenos días a todos.", "Gracias por venir hoy.", "Empecemos."],
}


def _store_with(tmp_path: Path, *names: str) -> Path:
    """A model store holding links to the shared test store's installed folders."""
    root = tmp_path / "models"
    for name in names:
        src = require_model(name)
        dest = root / src.parent.name / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.symlink_to(src, target_is_directory=True)
    return root


def _project(tmp_path: Path, lang: str) -> Project:
    p = Project.create(tmp_path / f"{lang}.taura", media=None, source_lang="en", target_langs=(lang,))
    segs = [Segment(f"s{i}", 400 + i * 3500, 400 + i * 3500 + 3000, f"line {i}") for i in range(3)]
    p.apply(edits.add_segments(p.state, segs))
    p.apply(edits.add_speaker(p.state, "Ann", "ann"))
    p.apply(edits.add_speaker(p.state, "Bob", "bob"))
    p.apply(edits.set_speaker(p.state, ["s0", "s2"], "ann"))
    p.apply(edits.set_speaker(p.state, ["s1"], "bob"))
    texts = dict(zip(p.state.ids(), LINES[lang], strict=True))
    p.apply(edits.apply_engine_translations(p.state, lang, texts, engine="test"))
    return p


def test_defaults_follow_what_is_installed(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    assert engine_choices("en", empty) == ["espeak"]
    assert default_engine("es", empty) == "espeak"
    root = _store_with(tmp_path, "kokoro-82m", "en_US-joe-medium")
    assert engine_choices("en", root) == ["piper", "kokoro", "espeak"]
    assert engine_choices("es-MX", root) == ["kokoro", "espeak"]
    assert engine_choices("fr", root) == ["espeak"]  # Kokoro's French is not good enough
    labels = [label for _spec, label in voice_choices("es", root)]
    assert labels[:2] == ["Kokoro jf_alpha", "Kokoro jm_kumo"] and any("eSpeak" in x for x in labels)
    # one function for the stage and the speakers panel: speakers alternate voices
    p = _project(tmp_path, "es")
    ann = speaker_voice(p, "ann", "es", models_root=str(root))
    bob = speaker_voice(p, "bob", "es", models_root=str(root))
    assert (ann.engine, ann.voice, bob.voice) == ("kokoro", "jf_alpha", "jm_kumo")
    assert speaker_voice(p, "ann", "es", "espeak", str(root)) == VoiceSpec("espeak", "es")
    # a person's choice wins; its rate is kept when only the engine is forced
    p.apply(edits.set_voice(p.state, "bob", "es", VoiceSpec("espeak", "es+f2", rate=1.1)))
    assert speaker_voice(p, "bob", "es", models_root=str(root)) == VoiceSpec("espeak", "es+f2", rate=1.1)
    forced = speaker_voice(p, "bob", "es", "kokoro", str(root))
    assert (forced.engine, forced.voice, forced.rate) == ("kokoro", "jm_kumo", 1.1)
    p.close()


def _onsets_ms(p: Project, lang: str) -> list[float]:
    from taura_desktop.export import render_dub
    from taura_desktop.pipeline.deliver import dub_tracks

    [track] = dub_tracks(p.state, p.store, [lang])
    sr = 48000
    end = max(s.end_ms for s in p.segments()) + 2000
    dub = np.concatenate(list(render_dub(track.clips, end, sr)))
    out = []
    frame = sr // 200
    for seg in p.segments():
        # speech onset: the first 5 ms frame within 35 dB of the line's loudest frame (a soft
        # "f" or the ramp of a "g" counts as speech), relative to the cue
        w = dub[seg.start_ms * sr // 1000 - sr // 10 : seg.end_ms * sr // 1000]
        n = len(w) // frame
        rms = np.sqrt(np.mean(w[: n * frame].reshape(n, frame).astype(np.float64) ** 2, axis=1))
        first = int(np.flatnonzero(rms >= rms.max() * 10 ** (-35 / 20))[0])
        out.append(first * 5.0 - 100.0)
    return out


@pytest.mark.real_models
@pytest.mark.parametrize(("lang", "engine", "rate"), [("es", "kokoro", 24000), ("en", "piper", 22050)])
def test_neural_voices_through_the_stage(tmp_path: Path, lang: str, engine: str, rate: int) -> None:
    root = str(_store_with(tmp_path, "kokoro-82m", "en_US-joe-medium"))
    p = _project(tmp_path, lang)
    worker = Worker()
    try:
        summary = run_stage(p, "voice", VoiceOptions(lang=lang, models_root=root), worker=worker)
        assert summary["synthesized"] == 3
        clips = [s.translations[lang].clip for s in p.segments()]
        assert all(c is not None and c.engine == engine and c.sample_rate == rate for c in clips)
        # speech starts on the cue (Kokoro's raw output has ~300 ms of silence before it)
        assert all(0.0 <= o <= 30.0 for o in _onsets_ms(p, lang)), _onsets_ms(p, lang)
        # current clips are recognized without loading the engine: nothing to plan
        assert VoiceStage().plan(p, VoiceOptions(lang=lang, models_root=root)) is None
        # re-voicing one edited segment synthesizes only it
        p.apply(edits.set_translation_text(p.state, "s1", lang, LINES[lang][0]))
        again = run_stage(p, "voice", VoiceOptions(lang=lang, models_root=root), worker=worker)
        assert again["voiced"] == 1
    finally:
        worker.stop()
        p.close()


@pytest.mark.real_models
def test_cli_voice_engine_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from taura_desktop.cli import main

    p = _project(tmp_path, "es")
    path = p.path
    p.close()
    monkeypatch.setenv("TAURA_MODELS_DIR", str(tmp_path / "empty"))
    code = main(["voice", str(path), "--lang", "es", "--engine", "kokoro"])
    _out, err = capsys.readouterr()
    assert code == 4, err
    assert len(err.strip().splitlines()) == 1 and "taura models download kokoro-82m" in err
    monkeypatch.setenv("TAURA_MODELS_DIR", str(_store_with(tmp_path, "kokoro-82m")))
    code = main(["voice", str(path), "--lang", "es", "--engine", "kokoro"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "voiced 3 segments (3 synthesized" in out
    with Project.open(path) as q:
        assert {voice_clip(s, "es").engine for s in q.segments()} == {"kokoro"}
