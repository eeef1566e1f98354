from __future__ import annotations

import pytest

from taura_desktop.core.model import VoiceSpec
from taura_desktop.dub.voices import default_voices, validate_voice
from taura_desktop.errors import BadInputError, EngineUnavailableError


def test_espeak_alternates_across_speakers() -> None:
    v = default_voices(["a", "b", "c"], "es")
    assert [s.voice for s in v.values()] == ["es", "es+f2", "es+m3"]
    assert all(s.engine == "espeak" for s in v.values())
    for spec in v.values():
        validate_voice(spec, "es")


def test_piper_and_xtts_defaults() -> None:
    p = default_voices(["a", "b", "c"], "es", "piper", piper_voices=["es_ES-x", "es_ES-y"])
    assert [s.voice for s in p.values()] == ["es_ES-x", "es_ES-y", "es_ES-x"]
    x = default_voices(["a", "b"], "es", "xtts")
    assert x["b"] == VoiceSpec(engine="xtts", voice="b")
    with pytest.raises(EngineUnavailableError, match="piper: no voice installed for language 'es'"):
        default_voices(["a"], "es", "piper")
    with pytest.raises(EngineUnavailableError, match="voice engine 'festival': unknown"):
        default_voices(["a"], "es", "festival")


def test_validate_voice_errors() -> None:
    with pytest.raises(EngineUnavailableError, match="voice engine 'say': unknown") as exc:
        validate_voice(VoiceSpec(engine="say"), "es")
    assert exc.value.exit_code == 4
    with pytest.raises(EngineUnavailableError, match="unknown voice 'qq-none'"):
        validate_voice(VoiceSpec(engine="espeak", voice="qq-none"), "es")
    with pytest.raises(BadInputError, match=r"pitch 120 outside 0\.\.99"):
        validate_voice(VoiceSpec(engine="espeak", voice="es", pitch=120), "es")
    with pytest.raises(BadInputError, match=r"rate 3\.0 outside"):
        validate_voice(VoiceSpec(engine="espeak", voice="es", rate=3.0), "es")
    with pytest.raises(EngineUnavailableError, match="piper voice 'es_ES-z': not installed"):
        validate_voice(VoiceSpec(engine="piper", voice="es_ES-z"), "es", installed={"es_ES-x"})
    with pytest.raises(EngineUnavailableError, match="piper: no voice chosen"):
        validate_voice(VoiceSpec(engine="piper"), "es")
    validate_voice(VoiceSpec(engine="piper", voice="es_ES-x"), "es", installed={"es_ES-x"})
    with pytest.raises(EngineUnavailableError, match="language 'sw' is not supported"):
        validate_voice(VoiceSpec(engine="xtts", voice="a"), "sw")
    with pytest.raises(BadInputError, match="no speaker name or reference"):
        validate_voice(VoiceSpec(engine="xtts"), "es")
    validate_voice(VoiceSpec(engine="espeak"), "fr")  # empty voice = language default
