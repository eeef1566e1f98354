from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.core.model import VoiceSpec
from taura_desktop.engines.tts import SynthRequest, TtsEngine, open_engine
from taura_desktop.engines.tts.piper import PiperEngine
from taura_desktop.errors import BadInputError, EngineUnavailableError
from tests.tiny.piper import HOP, build_tiny_piper_voice


@pytest.fixture(scope="module")
def voice_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_piper_voice(tmp_path_factory.mktemp("piper"))


@pytest.fixture()
def engine(voice_path: Path) -> PiperEngine:
    return PiperEngine(voice_path, use_cuda=False)


def _req(text: str, speed: float = 1.0) -> SynthRequest:
    return SynthRequest(text, "es", VoiceSpec(engine="piper", voice="tiny"), speed)


def test_loads_and_describes(engine: PiperEngine) -> None:
    assert isinstance(engine, TtsEngine)
    assert engine.name == "piper"
    assert engine.version.startswith("piper-tts ")
    assert engine.sample_rate == 22050
    assert [v.id for v in engine.voices("es")] == ["tiny"]
    assert engine.voices("de") == []


def test_synthesis_follows_phonemes_and_speed(engine: PiperEngine) -> None:
    one = engine.synthesize(_req("Hola mundo."))
    two = engine.synthesize(_req("Hola mundo. Y otra frase más larga aquí."))
    fast = engine.synthesize(_req("Hola mundo. Y otra frase más larga aquí.", speed=2.0))
    assert one.sample_rate == 22050
    assert one.samples.dtype == np.float32 and one.samples.ndim == 1
    assert len(one.samples) % HOP == 0  # one hop per phoneme id: real phonemization ran
    assert len(two.samples) > len(one.samples)
    assert len(fast.samples) == pytest.approx(len(two.samples) / 2, rel=0.02)
    assert np.abs(two.samples).max() <= 1.0


def test_open_engine(voice_path: Path) -> None:
    assert isinstance(open_engine("piper", voice_path, device="cpu"), PiperEngine)
    with pytest.raises(EngineUnavailableError, match="piper: no model path given"):
        open_engine("piper")


def test_missing_files(tmp_path: Path, voice_path: Path) -> None:
    with pytest.raises(EngineUnavailableError, match=r"nope\.onnx: file not found"):
        PiperEngine(tmp_path / "nope.onnx")
    lone = tmp_path / "lone.onnx"
    lone.write_bytes(voice_path.read_bytes())
    with pytest.raises(EngineUnavailableError, match=r"lone\.onnx\.json: config file not found"):
        PiperEngine(lone)
    with pytest.raises(BadInputError, match=r"expected a \.onnx file"):
        PiperEngine(tmp_path / "voice.txt")


def test_invalid_files(tmp_path: Path, voice_path: Path) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(voice_path.read_bytes())
    (tmp_path / "bad.onnx.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(BadInputError, match="invalid JSON") as exc:
        PiperEngine(bad)
    assert "\n" not in str(exc.value)
    (tmp_path / "bad.onnx.json").write_text(json.dumps({"audio": {}}), encoding="utf-8")
    with pytest.raises(BadInputError, match="missing num_symbols"):
        PiperEngine(bad)
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not an onnx model")
    (tmp_path / "garbage.onnx.json").write_text(
        (voice_path.with_name(voice_path.name + ".json")).read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(BadInputError, match=r"garbage\.onnx: cannot load model") as exc2:
        PiperEngine(garbage)
    assert "\n" not in str(exc2.value)


def test_empty_text(engine: PiperEngine) -> None:
    with pytest.raises(BadInputError, match="empty text"):
        engine.synthesize(_req(""))


@pytest.mark.real_models
def test_real_joe_voice_speaks_english() -> None:
    """The real en_US-joe-medium voice (shared test store): Whisper hears the words back."""
    import re

    from taura_desktop.engines.asr.base import AsrOptions
    from taura_desktop.engines.asr.whisper import WhisperEngine
    from taura_desktop.media.audio_io import resample
    from tests.realmodels import require_model

    folder = require_model("en_US-joe-medium")
    engine = open_engine("piper", folder / "en_US-joe-medium.onnx", device="cpu")
    assert engine.voices("en")[0].id == "en_US-joe-medium"
    res = engine.synthesize(SynthRequest("Good morning, my friends.", "en",
                                         VoiceSpec(engine="piper", voice="en_US-joe-medium")))
    assert res.sample_rate == 22050 and 500 < res.duration_ms < 5000
    audio = np.asarray(resample(res.samples, res.sample_rate, 16000), dtype=np.float32).reshape(-1)
    pad = np.zeros(8000, np.float32)
    whisper = WhisperEngine(require_model("tiny.en"))
    _info, segs = whisper.transcribe(np.concatenate([pad, audio, pad]),
                                     AsrOptions(language="en", beam_size=1, best_of=1, temperature=(0.0,)))
    words = [re.sub(r"\W", "", w.text.lower()) for s in segs for w in s.words]
    assert "morning" in words and "friends" in words, words
