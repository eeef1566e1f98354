from __future__ import annotations

import numpy as np
import pytest

from taura_desktop.core.model import VoiceSpec
from taura_desktop.engines.tts import SynthRequest, TtsEngine, open_engine
from taura_desktop.engines.tts.espeak import EspeakEngine, default_voice_for
from taura_desktop.errors import BadInputError, EngineUnavailableError, ExitCode


@pytest.fixture(scope="module")
def engine() -> EspeakEngine:
    return EspeakEngine()


def _req(
    text: str, lang: str = "es", *, voice: str = "", rate: float = 1.0, pitch: int | None = None
) -> SynthRequest:
    return SynthRequest(text, lang, VoiceSpec(voice=voice, rate=rate, pitch=pitch))


def test_is_a_tts_engine(engine: EspeakEngine) -> None:
    assert isinstance(engine, TtsEngine)
    assert engine.name == "espeak"
    assert engine.version.startswith("espeak-ng ")
    assert isinstance(open_engine("espeak"), EspeakEngine)


def test_voice_list(engine: EspeakEngine) -> None:
    voices = engine.voices()
    assert len(voices) > 100
    es = {v.id for v in engine.voices("es")}
    assert {"es", "es-419"} <= es
    en = engine.voices("en")
    assert "en-us" in {v.id for v in en}
    assert all(v.id.split("-")[0] == "en" or "en" in v.languages for v in en)


def test_duration_grows_with_text_and_rate(engine: EspeakEngine) -> None:
    short = engine.synthesize(_req("Hola."))
    long = engine.synthesize(_req("Hola, esta es una frase bastante más larga que la primera."))
    fast = engine.synthesize(_req("Hola, esta es una frase bastante más larga que la primera.", rate=1.5))
    assert short.sample_rate == long.sample_rate == 22050
    assert short.samples.dtype == np.float32 and short.samples.ndim == 1
    assert 0 < len(short.samples) < len(long.samples)
    assert len(fast.samples) < len(long.samples)
    assert np.abs(long.samples).max() <= 1.0
    assert np.abs(long.samples).max() > 0.05


@pytest.mark.parametrize(("lang", "text"), [
    ("es", "Buenos días, ¿cómo está usted?"),
    ("fr", "Bonjour, comment ça va aujourd'hui ?"),
    ("de", "Guten Morgen, wie geht es Ihnen?"),
    ("en", "Good morning, how are you?"),
])
def test_languages(engine: EspeakEngine, lang: str, text: str) -> None:
    res = engine.synthesize(_req(text, lang))
    assert res.sample_rate == 22050
    assert 500 < res.duration_ms < 5000


def test_pitch_and_variant(engine: EspeakEngine) -> None:
    a = engine.synthesize(_req("Hola a todos", voice="es+f2", pitch=80))
    assert len(a.samples) > 0


def test_batch_matches_single(engine: EspeakEngine) -> None:
    reqs = [_req(f"Frase número {i}.") for i in range(5)]
    batch = engine.synthesize_batch(reqs)
    assert [len(r.samples) for r in batch] == [len(engine.synthesize(r).samples) for r in reqs]


def test_bad_voice_is_exit_4(engine: EspeakEngine) -> None:
    with pytest.raises(EngineUnavailableError, match="voice 'zz-nope'") as exc:
        engine.synthesize(_req("hola", voice="zz-nope"))
    assert exc.value.exit_code == ExitCode.ENGINE_UNAVAILABLE
    assert "\n" not in str(exc.value)


def test_check_voice(engine: EspeakEngine) -> None:
    engine.check_voice("es+m3")
    engine.check_voice("en-us")
    with pytest.raises(EngineUnavailableError, match="unknown voice 'qq-none'"):
        engine.check_voice("qq-none")
    with pytest.raises(EngineUnavailableError, match="unknown voice variant 'zz'"):
        engine.check_voice("es+zz")


def test_empty_text(engine: EspeakEngine) -> None:
    with pytest.raises(BadInputError, match="empty text"):
        engine.synthesize(_req("   "))


def test_default_voices() -> None:
    assert default_voice_for("es") == "es"
    assert default_voice_for("es-419") == "es-419"
    assert default_voice_for("en") == "en-us"
    assert default_voice_for("fr") == "fr-fr"
    assert default_voice_for("es", 1) == "es+f2"
    assert default_voice_for("es", 2) == "es+m3"
    assert default_voice_for("sw") == "sw"  # looked up in espeak-ng --voices
    assert len({default_voice_for("de", i) for i in range(6)}) == 6
    with pytest.raises(EngineUnavailableError, match="no voice for language 'xx-yy'"):
        default_voice_for("xx-yy")


def test_missing_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EngineUnavailableError, match="espeak-ng: program not found") as exc:
        EspeakEngine()
    assert exc.value.exit_code == 4
    with pytest.raises(EngineUnavailableError, match="program not found at /nope/espeak-ng"):
        EspeakEngine("/nope/espeak-ng")
