"""Piper (VITS, ONNX) voices: ``voice.onnx`` with ``voice.onnx.json`` beside it.

``piper`` and ``onnxruntime`` are imported when a voice is loaded, never at package import.
The CUDA execution provider is used when onnxruntime offers it (``use_cuda="auto"``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from taura_desktop.device import onnx_cuda_available
from taura_desktop.engines.tts.base import (
    SynthRequest,
    SynthResult,
    VoiceInfo,
    as_mono_float32,
    effective_speed,
)
from taura_desktop.engines.versions import dist_version
from taura_desktop.errors import BadInputError, EngineUnavailableError, first_line

_REQUIRED_KEYS = ("num_symbols", "num_speakers", "audio", "espeak", "phoneme_id_map")


def config_path_for(voice_path: Path) -> Path:
    return voice_path.with_name(voice_path.name + ".json")


def _read_config(voice_path: Path) -> dict[str, Any]:
    if voice_path.suffix != ".onnx":
        raise BadInputError(f"piper voice {voice_path}: expected a .onnx file")
    if not voice_path.is_file():
        raise EngineUnavailableError(f"piper voice {voice_path}: file not found; install the voice first")
    cfg_path = config_path_for(voice_path)
    if not cfg_path.is_file():
        raise EngineUnavailableError(f"piper voice {cfg_path}: config file not found beside the model")
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"piper voice {cfg_path}: invalid JSON ({exc})") from None
    if not isinstance(cfg, dict):
        raise BadInputError(f"piper voice {cfg_path}: invalid config (not a JSON object)")
    missing = [k for k in _REQUIRED_KEYS if k not in cfg]
    if missing:
        raise BadInputError(f"piper voice {cfg_path}: invalid config, missing {', '.join(missing)}")
    audio = cfg.get("audio")
    if not isinstance(audio, dict) or not isinstance(audio.get("sample_rate"), int):
        raise BadInputError(f"piper voice {cfg_path}: invalid config, missing audio.sample_rate")
    return cfg


def model_version(voice_path: Path) -> str:
    """Identity of the voice for clip cache keys, known without loading it."""
    pkg = dist_version("piper-tts") or "unknown"
    return f"piper-tts {pkg}:{voice_path.stem}:{voice_path.stat().st_size}"


class PiperEngine:
    """One loaded piper voice (per worker process)."""

    name = "piper"

    def __init__(self, voice_path: Path, use_cuda: bool | Literal["auto"] = "auto") -> None:
        voice_path = Path(voice_path)
        self.voice_path = voice_path
        self._config = _read_config(voice_path)
        try:
            import piper
            from piper.config import SynthesisConfig
        except ImportError:
            raise EngineUnavailableError(
                "piper: the piper-tts package is not installed (pip install piper-tts)"
            ) from None
        self._synth_config_cls = SynthesisConfig
        self.use_cuda = onnx_cuda_available() if use_cuda == "auto" else bool(use_cuda)
        try:
            self._voice = piper.PiperVoice.load(voice_path, use_cuda=self.use_cuda)
        except Exception as exc:  # onnxruntime raises its own exception types
            first = first_line(exc)
            raise BadInputError(f"piper voice {voice_path}: cannot load model ({first})") from None
        self.version = model_version(voice_path)
        self.sample_rate = int(self._voice.config.sample_rate)
        self.espeak_voice = str(self._voice.config.espeak_voice)
        self.length_scale = float(self._voice.config.length_scale)

    def voices(self, lang: str | None = None) -> list[VoiceInfo]:
        cfg_lang = self._config.get("language")
        langs: list[str] = [self.espeak_voice]
        if isinstance(cfg_lang, dict):
            for key in ("code", "family"):
                val = cfg_lang.get(key)
                if isinstance(val, str) and val not in langs:
                    langs.append(val.replace("_", "-"))
        info = VoiceInfo(id=self.voice_path.stem, name=self.voice_path.stem, languages=tuple(langs))
        speakers = self._config.get("speaker_id_map") or {}
        out = [info] + [
            VoiceInfo(id=f"{info.id}#{name}", name=str(name), languages=info.languages)
            for name in speakers
        ]
        if lang is None:
            return out
        base = lang.lower().split("-")[0].split("_")[0]
        return [v for v in out if any(x.lower().split("-")[0].split("_")[0] == base for x in v.languages)]

    def _speaker_id(self, voice: str) -> int | None:
        speakers = self._voice.config.speaker_id_map or {}
        _, _, name = voice.partition("#")
        if name and name in speakers:
            return int(speakers[name])
        return None

    def synthesize(self, req: SynthRequest) -> SynthResult:
        if not req.text.strip():
            raise BadInputError("piper: empty text: nothing to synthesize")
        cfg = self._synth_config_cls(
            speaker_id=self._speaker_id(req.voice.voice),
            length_scale=self.length_scale / effective_speed(req),
        )
        chunks = [c.audio_float_array for c in self._voice.synthesize(req.text, syn_config=cfg)]
        audio = np.concatenate([as_mono_float32(c) for c in chunks]) if chunks else np.zeros(0, np.float32)
        return SynthResult(samples=audio.astype(np.float32, copy=False), sample_rate=self.sample_rate)

    def synthesize_batch(self, reqs: Sequence[SynthRequest]) -> list[SynthResult]:
        return [self.synthesize(r) for r in reqs]
