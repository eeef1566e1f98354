"""Kokoro-82M: error paths on crafted folders, then the real model from the shared test store
(installed by ``./setup.sh test``), checked by Whisper transcribing its speech back."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from taura_desktop.core.model import VoiceSpec
from taura_desktop.engines.tts import SynthRequest, TtsEngine, open_engine
from taura_desktop.engines.tts.kokoro import SAMPLE_RATE, KokoroEngine, model_files, voice_names
from taura_desktop.errors import BadInputError, EngineUnavailableError, ExitCode
from tests.realmodels import require_model

if TYPE_CHECKING:
    from taura_desktop.engines.asr.whisper import WhisperEngine

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def _folder(tmp_path: Path, *, vocab: object = None, npz: bool = True, onnx: bool = True) -> Path:
    d = tmp_path / "kokoro"
    d.mkdir()
    if onnx:
        (d / "kokoro-v1.0.int8.onnx").write_bytes(b"not a model")
    if vocab is not None:
        text = vocab if isinstance(vocab, str) else json.dumps(vocab)
        (d / "vocab.json").write_text(text, encoding="utf-8")
    if npz:
        np.savez(d / "voices_ja.npz", jf_alpha=np.zeros((510, 1, 256), np.float32),
                 jm_kumo=np.zeros((510, 1, 256), np.float32), af_x=np.zeros((510, 1, 256), np.float32))
    return d


def test_missing_files_are_named_exit_4(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailableError, match="folder not found") as err:
        open_engine("kokoro", tmp_path / "nope")
    assert err.value.exit_code == ExitCode.ENGINE_UNAVAILABLE
    with pytest.raises(EngineUnavailableError, match=r"missing vocab\.json"):
        model_files(_folder(tmp_path))
    with pytest.raises(EngineUnavailableError, match="no model path"):
        open_engine("kokoro", None)


def test_bad_vocab_and_bad_model_are_bad_input(tmp_path: Path) -> None:
    d = _folder(tmp_path, vocab="{not json")
    with pytest.raises(BadInputError, match=r"vocab\.json: invalid JSON") as err:
        KokoroEngine(d)
    assert err.value.exit_code == ExitCode.BAD_INPUT
    (d / "vocab.json").write_text(json.dumps({"vocab": {"a": "x"}}), encoding="utf-8")
    with pytest.raises(BadInputError, match="expected"):
        KokoroEngine(d)
    (d / "vocab.json").write_text(json.dumps({"vocab": {"a": 43}}), encoding="utf-8")
    with pytest.raises(BadInputError, match=r"kokoro-v1\.0\.int8\.onnx: cannot load"):
        KokoroEngine(d)


def test_voice_order_alternates_female_and_male(tmp_path: Path) -> None:
    assert voice_names(_folder(tmp_path, vocab={"vocab": {"a": 1}})) == ["jf_alpha", "jm_kumo", "af_x"]


# -- the real model ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kokoro() -> KokoroEngine:
    engine = open_engine("kokoro", require_model("kokoro-82m"))
    assert isinstance(engine, KokoroEngine)
    return engine


@pytest.fixture(scope="module")
def whisper() -> WhisperEngine:
    from taura_desktop.engines.asr.whisper import WhisperEngine

    return WhisperEngine(require_model("base"))


def transcribe(whisper: WhisperEngine, samples: np.ndarray, sr: int, lang: str) -> list[str]:
    from taura_desktop.engines.asr.base import AsrOptions
    from taura_desktop.media.audio_io import resample

    audio = np.asarray(resample(samples, sr, 16000), dtype=np.float32).reshape(-1)
    pad = np.zeros(8000, np.float32)
    _info, segs = whisper.transcribe(np.concatenate([pad, audio, pad]),
                                     AsrOptions(language=lang, beam_size=1, best_of=1, temperature=(0.0,)))
    return [re.sub(r"\W", "", w.text.lower()) for s in segs for w in s.words]


@pytest.mark.real_models
@needs_espeak
def test_real_kokoro_speaks_english_and_spanish(kokoro: KokoroEngine, whisper: WhisperEngine) -> None:
    assert isinstance(kokoro, TtsEngine)
    assert kokoro.version.startswith("kokoro kokoro-v1.0.int8:92361271:")
    assert [v.id for v in kokoro.voices("es")][:2] == ["jf_alpha", "jm_kumo"]
    assert kokoro.voices("ja") == []  # Japanese needs its own g2p: not offered
    en, es = kokoro.synthesize_batch([
        SynthRequest("Good morning, my friends.", "en", VoiceSpec(engine="kokoro", voice="jm_kumo")),
        SynthRequest("Buenos días, amigos.", "es", VoiceSpec(engine="kokoro", voice="jf_alpha")),
    ])
    for res in (en, es):
        assert res.sample_rate == SAMPLE_RATE and res.samples.dtype == np.float32
        assert 500 < res.duration_ms < 6000
        assert 0.05 < float(np.abs(res.samples).max()) <= 1.0
    heard_en = transcribe(whisper, en.samples, en.sample_rate, "en")
    assert "morning" in heard_en and "friends" in heard_en, heard_en
    heard_es = transcribe(whisper, es.samples, es.sample_rate, "es")
    assert "días" in heard_es or "dias" in heard_es, heard_es
    assert "amigos" in heard_es, heard_es


@pytest.mark.real_models
@needs_espeak
def test_real_kokoro_speed_and_errors(kokoro: KokoroEngine) -> None:
    text = "This sentence is spoken twice."
    slow = kokoro.synthesize(SynthRequest(text, "en", VoiceSpec(engine="kokoro")))
    fast = kokoro.synthesize(SynthRequest(text, "en", VoiceSpec(engine="kokoro", rate=1.0), speed=1.5))
    assert 0.5 < fast.duration_ms / slow.duration_ms < 0.8
    with pytest.raises(EngineUnavailableError, match="unknown voice 'af_heart'"):
        kokoro.synthesize(SynthRequest(text, "en", VoiceSpec(engine="kokoro", voice="af_heart")))
    with pytest.raises(BadInputError, match="empty text"):
        kokoro.synthesize(SynthRequest("  ", "en", VoiceSpec(engine="kokoro")))
    with pytest.raises(BadInputError, match="nothing speakable"):
        kokoro.synthesize(SynthRequest("...", "en", VoiceSpec(engine="kokoro")))
    with pytest.raises(EngineUnavailableError, match="no phonemes for language 'ja'"):
        kokoro.synthesize(SynthRequest("こんにちは", "ja", VoiceSpec(engine="kokoro")))
