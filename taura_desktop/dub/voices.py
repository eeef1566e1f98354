"""Default voice assignment per speaker and voice validation."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from taura_desktop.core.model import VoiceSpec
from taura_desktop.errors import BadInputError, EngineUnavailableError

ENGINES = ("espeak", "piper", "xtts")


def default_voices(
    speaker_ids: Sequence[str],
    lang: str,
    engine: str = "espeak",
    *,
    piper_voices: Sequence[str] = (),
) -> dict[str, VoiceSpec]:
    """One voice per speaker, alternating so neighbouring speakers sound different.

    espeak: the language's voice, then its variants (``es``, ``es+f2``, ``es+m3`` ...).
    piper: cycles through ``piper_voices`` (installed voice names for ``lang``).
    xtts: one cloned voice per speaker, named after the speaker id (its reference segments are
    filled in by the caller, e.g. with ``pick_reference``).
    """
    if engine == "espeak":
        from taura_desktop.engines.tts.espeak import default_voice_for

        return {sid: VoiceSpec(engine="espeak", voice=default_voice_for(lang, i))
                for i, sid in enumerate(speaker_ids)}
    if engine == "piper":
        if not piper_voices:
            raise EngineUnavailableError(f"piper: no voice installed for language '{lang}'")
        return {sid: VoiceSpec(engine="piper", voice=piper_voices[i % len(piper_voices)])
                for i, sid in enumerate(speaker_ids)}
    if engine == "xtts":
        return {sid: VoiceSpec(engine="xtts", voice=sid) for sid in speaker_ids}
    raise EngineUnavailableError(f"voice engine '{engine}': unknown (use one of {', '.join(ENGINES)})")


def validate_voice(spec: VoiceSpec, lang: str, *, installed: Collection[str] | None = None) -> None:
    """Raise EngineUnavailableError (exit 4) for an unknown engine or voice, BadInputError for
    out-of-range settings. ``installed``: piper voice names available (None: not checked)."""
    if spec.engine not in ENGINES:
        raise EngineUnavailableError(
            f"voice engine '{spec.engine}': unknown (use one of {', '.join(ENGINES)})"
        )
    if not 0.5 <= spec.rate <= 2.0:
        raise BadInputError(f"voice '{spec.voice or spec.engine}': rate {spec.rate} outside 0.5..2.0")
    if spec.engine == "espeak":
        from taura_desktop.engines.tts.espeak import EspeakEngine, default_voice_for

        if spec.pitch is not None and not 0 <= spec.pitch <= 99:
            raise BadInputError(f"espeak voice '{spec.voice}': pitch {spec.pitch} outside 0..99")
        EspeakEngine().check_voice(spec.voice or default_voice_for(lang))
    elif spec.engine == "piper":
        if not spec.voice:
            raise EngineUnavailableError("piper: no voice chosen")
        name = spec.voice.partition("#")[0]
        if installed is not None and name not in installed:
            raise EngineUnavailableError(f"piper voice '{name}': not installed")
    else:
        from taura_desktop.engines.tts.xtts import xtts_language

        xtts_language(lang)
        if not spec.voice and not spec.reference_segment_ids:
            raise BadInputError("xtts voice: no speaker name or reference segments")
