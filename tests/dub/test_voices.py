from __future__ import annotations

import pytest

from taura_desktop.core.model import VoiceSpec
from taura_desktop.dub.voices import default_voices
from taura_desktop.engines.tts.espeak import EspeakEngine
from taura_desktop.errors import EngineUnavailableError
from taura_desktop.pipeline.voice import check_voice_available


def test_espeak_alternates_across_speakers() -> None:
    v = default_voices(["a", "b", "c"], "es")
    assert [s.voice for s in v.values()] == ["es", "es+f2", "es+m3"]
    assert all(s.engine == "espeak" for s in v.values())
    for spec in v.values():
        EspeakEngine().check_voice(spec.voice)


def test_piper_and_xtts_defaults() -> None:
    p = default_voices(["a", "b", "c"], "es", "piper", piper_voices=["es_ES-x", "es_ES-y"])
    assert [s.voice for s in p.values()] == ["es_ES-x", "es_ES-y", "es_ES-x"]
    x = default_voices(["a", "b"], "es", "xtts")
    assert x["b"] == VoiceSpec(engine="xtts", voice="b")
    with pytest.raises(EngineUnavailableError, match="piper: no voice installed for language 'es'"):
        default_voices(["a"], "es", "piper")
    with pytest.raises(EngineUnavailableError, match="voice engine 'festival': unknown"):
        default_voices(["a"], "es", "festival")


def test_unusable_voices_are_refused_before_a_run() -> None:
    with pytest.raises(EngineUnavailableError, match="voice engine 'say': unknown") as exc:
        check_voice_available("say", "", "", False)
    assert exc.value.exit_code == 4
    with pytest.raises(EngineUnavailableError, match="unknown voice 'qq-none'"):
        check_voice_available("espeak", "qq-none", "", False)
    check_voice_available("espeak", "", "", False)  # empty voice = language default
