"""Engine construction and per-process caches.

Workers call these; each engine is built once per worker process and reused by later jobs
of the same session (a loaded Whisper or argos model stays in memory). The caller side uses
the ``*_available`` checks to fail fast (exit 4) before a worker is even started.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from taura_desktop.engines.mt.base import MtEngine, no_pair_error
from taura_desktop.engines.tts import open_engine
from taura_desktop.engines.tts.base import TtsEngine
from taura_desktop.engines.tts.xtts import model_version as xtts_version
from taura_desktop.errors import EngineUnavailableError, UsageError
from taura_desktop.modelstore import catalog
from taura_desktop.modelstore.store import ModelStore

if TYPE_CHECKING:
    from taura_desktop.engines.asr.base import AsrEngine, Device

MT_ENGINES = ("auto", "argos", "apertium")
TTS_ENGINES = ("espeak", "piper", "kokoro", "xtts")


def model_store(root: str | None = None) -> ModelStore:
    return ModelStore(Path(root) if root else None)


@cache
def mt_engine(name: str, models_root: str) -> MtEngine:
    if name == "argos":
        from taura_desktop.engines.mt.argos import ArgosEngine  # lazy: +2 ms on --help

        return ArgosEngine(Path(models_root) / "argos")
    if name == "apertium":
        from taura_desktop.engines.mt.apertium import ApertiumEngine  # lazy: +1 ms on --help

        return ApertiumEngine()
    raise UsageError(f"translation engine {name!r}: unknown (use one of {', '.join(MT_ENGINES)})")


def choose_mt(name: str, src: str, tgt: str, models_root: str) -> str:
    """Resolve "auto" (argos when a package covers the pair, else apertium) and check the
    pair is available: EngineUnavailableError (exit 4) naming the pair and how to get it."""
    if name not in MT_ENGINES:
        raise UsageError(f"translation engine {name!r}: unknown (use one of {', '.join(MT_ENGINES)})")
    candidates = ["argos", "apertium"] if name == "auto" else [name]
    for cand in candidates:
        try:
            if mt_engine(cand, models_root).can_translate(src, tgt):
                return cand
        except EngineUnavailableError:
            continue
    raise no_pair_error(name, src, tgt)


def tts_model_path(name: str, voice: str, models_root: str) -> Path | None:
    """The model file/folder engine ``name`` loads for ``voice`` (None for espeak-ng);
    EngineUnavailableError (exit 4) saying how to install it when absent."""
    if name == "espeak":
        return None
    store = model_store(models_root)
    if name == "piper":
        folder = store.path("piper", voice.partition("#")[0])
        onnx = next(iter(sorted(folder.glob("*.onnx"))), None)
        if onnx is None:
            raise EngineUnavailableError(f"piper voice '{voice}': no .onnx file in {folder}")
        return onnx
    if name == "kokoro":
        from taura_desktop.dub.voices import KOKORO_MODEL  # lazy: +11 ms on --help

        return store.path("kokoro", KOKORO_MODEL)
    if name == "xtts":
        return store.path("xtts", "xtts-v2")
    raise EngineUnavailableError(f"voice engine {name!r}: unknown (use one of {', '.join(TTS_ENGINES)})")


@cache
def tts_version(name: str, voice: str, models_root: str) -> str:
    """The engine version that goes into clip cache keys, without loading any model: the same
    string the loaded engine reports, so stale detection treats every engine alike."""
    path = tts_model_path(name, voice, models_root)
    if name == "espeak":
        from taura_desktop.engines.tts.espeak import espeak_version  # lazy: +9 ms on --help

        return espeak_version()
    assert path is not None
    if name == "piper":
        from taura_desktop.engines.tts.piper import model_version as piper_version  # lazy: +9 ms on --help

        return piper_version(path)
    if name == "kokoro":
        from taura_desktop.engines.tts.kokoro import model_version as kokoro_version  # lazy: +9 ms on --help

        return kokoro_version(path)
    return xtts_version(path)


def tts_engine(name: str, voice: str, models_root: str, xtts_license_accepted: bool = False) -> TtsEngine:
    """The loaded engine for ``voice``: espeak and kokoro serve every voice from one instance,
    piper loads one model per voice; each is loaded once per process."""
    if name in ("espeak", "kokoro"):
        voice = ""
    return _tts_engine(name, voice, models_root, xtts_license_accepted)


@cache
def _tts_engine(name: str, voice: str, models_root: str, xtts_license_accepted: bool) -> TtsEngine:
    return open_engine(name, tts_model_path(name, voice, models_root), license_accepted=xtts_license_accepted)


@cache
def whisper_engine(model_dir: str, device: Device) -> AsrEngine:
    from taura_desktop.engines.asr.whisper import WhisperEngine  # lazy: +8 ms on --help

    return WhisperEngine(Path(model_dir), device=device)


# Best first. English-only models only serve English (they also beat their multilingual
# sibling there); anything else needs a multilingual model.
WHISPER_PREFERENCE: tuple[str, ...] = (
    "large-v3", "large-v3-turbo", "distil-large-v3", "medium", "small", "base", "tiny.en", "tiny",
)  # fmt: skip
INSTALL_DEFAULT_WHISPER = "taura models download base"


def _english_only(name: str) -> bool:
    entry = catalog.find(name)
    if entry is not None and entry.engine == "whisper":
        return tuple(entry.languages) == ("en",)
    return name.endswith(".en")


def best_whisper(language: str | None, models_root: str | None) -> str:
    """The best installed Whisper model for ``language`` (None = detect: multilingual only).
    EngineUnavailableError naming the exact install command when none fits."""
    store = model_store(models_root)
    installed = {m.name for m in store.list_installed("whisper")}
    for name in WHISPER_PREFERENCE:
        if name in installed and (language == "en" or not _english_only(name)):
            return name
    if installed:
        for name in sorted(installed):  # an imported model the preference list does not know
            if language == "en" or not _english_only(name):
                return name
        raise EngineUnavailableError(
            f"no multilingual speech recognition model installed in {store.root} for "
            f"{'language detection' if language is None else repr(language)} (only English-only "
            f"{', '.join(sorted(installed))}); install one with `{INSTALL_DEFAULT_WHISPER}`"
        )
    raise EngineUnavailableError(
        f"no speech recognition model installed in {store.root}; install one with "
        f"`{INSTALL_DEFAULT_WHISPER}` (or pass --model FOLDER)"
    )


def resolve_whisper(model: str | None, models_root: str | None, language: str | None = None) -> Path:
    """A model name from the store (``small``, ``whisper-small``), a folder path, or None
    (the best installed model for ``language``, see :func:`best_whisper`)."""
    if model is None:
        model = best_whisper(language, models_root)
    as_path = Path(model).expanduser()
    if as_path.is_dir():
        return as_path.resolve()
    name = model.removeprefix("whisper-")
    return model_store(models_root).path("whisper", name)
