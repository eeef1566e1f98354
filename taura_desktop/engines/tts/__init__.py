"""Text-to-speech engines behind the small ``TtsEngine`` protocol (see ``base``).

Engine modules import their heavy libraries lazily; ``open_engine`` picks one by name.
"""

from __future__ import annotations

from pathlib import Path

from taura_desktop.engines.tts.base import (
    SynthRequest,
    SynthResult,
    TtsEngine,
    VoiceInfo,
)
from taura_desktop.engines.tts.xtts import XttsEngine
from taura_desktop.errors import EngineUnavailableError

__all__ = ["SynthRequest", "SynthResult", "TtsEngine", "VoiceInfo", "open_engine"]


def open_engine(name: str, model_path: Path | None = None, *, device: str = "auto",
                license_accepted: bool = False) -> TtsEngine:
    """Load an engine: "espeak" (no model), "piper" (``model_path`` = voice .onnx),
    "kokoro" (``model_path`` = Kokoro model folder),
    "xtts" (``model_path`` = XTTS-v2 folder; ``license_accepted`` required)."""
    if name == "espeak":
        from taura_desktop.engines.tts.espeak import EspeakEngine  # lazy: +9 ms on --help

        return EspeakEngine()
    if name in ("piper", "kokoro", "xtts") and model_path is None:
        raise EngineUnavailableError(f"{name}: no model path given (install a voice first)")
    if name == "piper":
        from taura_desktop.engines.tts.piper import PiperEngine  # lazy: +9 ms on --help

        assert model_path is not None
        if device == "auto":
            return PiperEngine(model_path, use_cuda="auto")
        return PiperEngine(model_path, use_cuda=device.startswith("cuda"))
    if name == "kokoro":
        from taura_desktop.engines.tts.kokoro import KokoroEngine  # lazy: +9 ms on --help

        assert model_path is not None
        return KokoroEngine(model_path, use_cuda="auto" if device == "auto" else device.startswith("cuda"))
    if name == "xtts":
        assert model_path is not None
        return XttsEngine(model_path, device=device, license_accepted=license_accepted)
    raise EngineUnavailableError(f"tts engine '{name}': unknown (use espeak, piper, kokoro or xtts)")
