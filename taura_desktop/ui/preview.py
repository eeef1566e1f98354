"""Voice previews: synthesize a short sample on a worker thread, play it with an audio-only mpv.

No QtMultimedia: the sample is written to a temporary WAV file and played by a separate
python-mpv instance (``video=no``); when libmpv is missing the file is still written and the
message says where it is.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from taura_desktop.core.model import VoiceSpec
from taura_desktop.engines.tts.base import SynthRequest, TtsEngine
from taura_desktop.errors import EngineUnavailableError
from taura_desktop.languages import primary_language
from taura_desktop.media.audio_io import write_wav
from taura_desktop.modelstore.store import ModelStore
from taura_desktop.pipeline.engines import tts_engine
from taura_desktop.ui.player import load_mpv

SAMPLES = {
    "en": "Hello! This is how this voice sounds in your dub.",
    "es": "¡Hola! Así suena esta voz en tu doblaje.",
    "fr": "Bonjour ! Voici comment cette voix sonne dans votre doublage.",
    "de": "Hallo! So klingt diese Stimme in deiner Synchronisation.",
    "it": "Ciao! Ecco come suona questa voce nel tuo doppiaggio.",
    "pt": "Olá! É assim que esta voz soa na sua dublagem.",
    "ca": "Hola! Així sona aquesta veu en el teu doblatge.",
    "nl": "Hallo! Zo klinkt deze stem in je nasynchronisatie.",
}
MAX_CHARS = 160


def sample_text(lang: str, candidates: list[str] | None = None) -> str:
    """A short sentence to speak: the speaker's own first line when there is one."""
    for text in candidates or []:
        text = " ".join(text.split())
        if len(text) >= 8:
            return text[:MAX_CHARS]
    return SAMPLES.get(primary_language(lang), SAMPLES["en"])


def synthesize_preview(lang: str, voice: VoiceSpec, text: str, out_dir: Path | None = None,
                       models_root: str | None = None) -> Path:
    """Synthesize ``text`` with ``voice`` (espeak or piper) into a temporary WAV (worker thread)."""
    engine_name = voice.engine or "espeak"
    if engine_name == "xtts":
        raise EngineUnavailableError(
            "XTTS previews need the voice model loaded in the worker: re-voice one segment instead"
        )
    if engine_name == "espeak":
        from taura_desktop.engines.tts.espeak import EspeakEngine  # lazy: +2 ms on GUI start

        engine: TtsEngine = EspeakEngine()
    else:
        root = models_root or str(ModelStore().root)
        engine = tts_engine(engine_name, voice.voice, root)
    result = engine.synthesize(SynthRequest(text=text, lang=lang, voice=voice))
    folder = out_dir or Path(tempfile.gettempdir()) / "taura-previews"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f"preview-{lang}-", suffix=".wav", dir=folder)
    os.close(fd)
    write_wav(Path(name), result.samples, result.sample_rate)
    return Path(name)


class AudioOut:
    """Plays audio files through an audio-only mpv (created on first use, GUI thread)."""

    def __init__(self, ao: str | None = None) -> None:
        self._ao = ao or os.environ.get("TAURA_MPV_AO") or None
        self._mpv: Any = None
        self.unavailable: str | None = None
        self.last_path: Path | None = None

    def _ensure(self) -> bool:
        if self._mpv is not None:
            return True
        if self.unavailable is not None:
            return False
        module, reason = load_mpv()
        if module is None:
            self.unavailable = reason
            return False
        opts: dict[str, Any] = {"video": "no", "idle": "yes", "input_default_bindings": "no"}
        if self._ao:
            opts["ao"] = self._ao
        try:
            self._mpv = module.MPV(**opts)
        except Exception as exc:
            self.unavailable = f"audio playback is unavailable: mpv could not start ({exc})"
            return False
        return True

    def play(self, path: Path) -> str | None:
        """Start playing ``path``; None when playing, else a one-line reason."""
        self.last_path = path
        if not self._ensure():
            return f"{self.unavailable} The sample is in {path}."
        try:
            self._mpv.play(str(path))
        except Exception as exc:
            return f"cannot play {path}: {exc}"
        return None

    def stop(self) -> None:
        if self._mpv is not None:
            with contextlib.suppress(Exception):
                self._mpv.command("stop")

    def close(self) -> None:
        if self._mpv is not None:
            with contextlib.suppress(Exception):
                self._mpv.terminate()
            self._mpv = None
