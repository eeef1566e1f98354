"""Voice choice: which engine and voice speaks a language by default, per speaker; validation.

``default_engine`` picks the best INSTALLED engine that speaks a language well:
1. piper, when a native piper voice for the language is installed (e.g. en_US-joe-medium);
2. kokoro (kokoro-82m), for the languages it speaks well from espeak-ng phonemes
   (English and Spanish: Whisper transcribes them back without error);
3. espeak-ng otherwise (every language it has a voice for).
XTTS is never a default (its license needs an explicit acceptance).

``default_voices`` gives each speaker a voice of that engine, alternating so neighbouring
speakers sound different. The CLI (through the voice stage) and the editor's speakers panel
both call ``speaker_default`` / ``default_voices``, so they always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from taura_desktop.core.model import VoiceSpec
from taura_desktop.engines.tts.espeak import EspeakEngine, default_voice_for
from taura_desktop.engines.tts.kokoro import voice_names
from taura_desktop.engines.tts.phonemes import espeak_voice_for
from taura_desktop.errors import EngineUnavailableError, TauraError
from taura_desktop.languages import primary_language
from taura_desktop.modelstore.store import ModelStore

ENGINES = ("espeak", "piper", "kokoro", "xtts")
KOKORO_MODEL = "kokoro-82m"
KOKORO_GOOD_LANGS: tuple[str, ...] = ("en", "es")  # measured: Whisper base round trip WER 0


def installed_piper_voices(lang: str, models_root: str | Path | None = None) -> list[str]:
    """Installed piper voices whose name says they speak ``lang`` (``en_US-joe-medium`` -> en)."""
    try:
        models = ModelStore(models_root).list_installed("piper")
    except TauraError:
        return []
    want = primary_language(lang)
    return [m.name for m in models if primary_language(m.name.split("-")[0]) == want]


def kokoro_folder(models_root: str | Path | None = None) -> Path | None:
    """The installed Kokoro model folder, or None."""
    try:
        store = ModelStore(models_root)
        return store.path("kokoro", KOKORO_MODEL) if store.is_installed("kokoro", KOKORO_MODEL) else None
    except TauraError:
        return None


def kokoro_voices(models_root: str | Path | None = None) -> list[str]:
    folder = kokoro_folder(models_root)
    if folder is None:
        return []
    try:
        return voice_names(folder)
    except TauraError:
        return []


def engine_choices(lang: str, models_root: str | Path | None = None) -> list[str]:
    """Installed engines that speak ``lang`` well, best first (espeak always last)."""
    out: list[str] = []
    if installed_piper_voices(lang, models_root):
        out.append("piper")
    if primary_language(lang) in KOKORO_GOOD_LANGS and kokoro_voices(models_root):
        out.append("kokoro")
    out.append("espeak")
    return out


def default_engine(lang: str, models_root: str | Path | None = None) -> str:
    """The best installed engine for ``lang`` (see the module docstring)."""
    return engine_choices(lang, models_root)[0]


def default_voices(
    speaker_ids: Sequence[str],
    lang: str,
    engine: str | None = None,
    *,
    piper_voices: Sequence[str] = (),
    models_root: str | Path | None = None,
) -> dict[str, VoiceSpec]:
    """One voice per speaker, alternating so neighbouring speakers sound different.

    ``engine`` None: the best installed engine for ``lang`` (``default_engine``).
    espeak: the language's voice, then its variants (``es``, ``es+f2``, ``es+m3`` ...).
    piper: cycles through ``piper_voices`` (default: installed voices for ``lang``).
    kokoro: cycles through the model's voices (female/male alternating).
    xtts: one cloned voice per speaker, named after the speaker id (its reference segments are
    filled in by the caller, e.g. with ``pick_reference``).
    """
    engine = engine or default_engine(lang, models_root)
    if engine == "espeak":
        return {sid: VoiceSpec(engine="espeak", voice=default_voice_for(lang, i))
                for i, sid in enumerate(speaker_ids)}
    if engine == "piper":
        names = list(piper_voices) or installed_piper_voices(lang, models_root)
        if not names:
            raise EngineUnavailableError(f"piper: no voice installed for language '{lang}'")
        return {sid: VoiceSpec(engine="piper", voice=names[i % len(names)])
                for i, sid in enumerate(speaker_ids)}
    if engine == "kokoro":
        espeak_voice_for(lang)  # EngineUnavailableError for a language Kokoro cannot speak
        names = kokoro_voices(models_root)
        if not names:
            raise EngineUnavailableError(
                f"kokoro: model '{KOKORO_MODEL}' is not installed; run `taura models download {KOKORO_MODEL}`"
            )
        return {sid: VoiceSpec(engine="kokoro", voice=names[i % len(names)])
                for i, sid in enumerate(speaker_ids)}
    if engine == "xtts":
        return {sid: VoiceSpec(engine="xtts", voice=sid) for sid in speaker_ids}
    raise EngineUnavailableError(f"voice engine '{engine}': unknown (use one of {', '.join(ENGINES)})")


def speaker_default(
    speaker_ids: Sequence[str], speaker_id: str, lang: str, engine: str | None = None,
    *, models_root: str | Path | None = None,
) -> VoiceSpec:
    """The default voice of ``speaker_id`` among ``speaker_ids`` (the first when unknown)."""
    ids = list(speaker_ids) or ["_"]
    sid = speaker_id if speaker_id in ids else ids[0]
    return default_voices(ids, lang, engine, models_root=models_root)[sid]


def voice_choices(lang: str, models_root: str | Path | None = None) -> list[tuple[VoiceSpec, str]]:
    """Every installed voice that speaks ``lang``, best engine first: (spec, label)."""
    out: list[tuple[VoiceSpec, str]] = []
    for name in installed_piper_voices(lang, models_root):
        out.append((VoiceSpec(engine="piper", voice=name), f"Piper {name}"))
    if primary_language(lang) in KOKORO_GOOD_LANGS:
        for name in kokoro_voices(models_root):
            out.append((VoiceSpec(engine="kokoro", voice=name), f"Kokoro {name}"))
    try:
        for v in EspeakEngine().voices(lang):
            out.append((VoiceSpec(engine="espeak", voice=v.id), f"eSpeak NG {v.name} ({v.id})"))
    except TauraError:
        pass  # espeak-ng missing: the other engines still list their voices
    return out
