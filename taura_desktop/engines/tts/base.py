"""The TTS engine contract: plain data in, plain float32 mono samples out.

An engine instance is created once per worker process and keeps its state (loaded voice,
ONNX session, speaker latents). Every engine takes local paths only and never downloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from taura_desktop.core.model import VoiceSpec


@dataclass(frozen=True, slots=True)
class SynthRequest:
    text: str
    lang: str
    voice: VoiceSpec
    speed: float = 1.0  # extra factor on top of ``voice.rate`` (1.0 = natural)


@dataclass(frozen=True, slots=True)
class SynthResult:
    samples: np.ndarray  # float32, mono, in [-1, 1]
    sample_rate: int

    @property
    def duration_ms(self) -> int:
        return round(len(self.samples) * 1000 / self.sample_rate) if self.sample_rate else 0


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...]
    gender: str | None = None  # "male" / "female" / None when unknown


@runtime_checkable
class TtsEngine(Protocol):
    @property
    def name(self) -> str:
        """Engine name as written in ``VoiceSpec.engine`` ("espeak", "piper", "xtts")."""
        ...

    @property
    def version(self) -> str:
        """Engine + version (+ model identity) string; part of every clip cache key."""
        ...

    def voices(self, lang: str | None = None) -> list[VoiceInfo]: ...

    def synthesize(self, req: SynthRequest) -> SynthResult: ...

    def synthesize_batch(self, reqs: Sequence[SynthRequest]) -> list[SynthResult]: ...


def as_mono_float32(samples: np.ndarray) -> np.ndarray:
    """Any int16/float array (1-D or [channels, n] / [1, 1, n]) as a contiguous float32 mono vector."""
    arr = np.asarray(samples)
    if arr.dtype == np.int16:
        arr = arr.astype(np.float32) / 32768.0
    arr = np.squeeze(arr)
    if arr.ndim > 1:
        arr = arr.mean(axis=0) if arr.shape[0] < arr.shape[-1] else arr.mean(axis=-1)
    return np.ascontiguousarray(arr, dtype=np.float32).reshape(-1)


def effective_speed(req: SynthRequest) -> float:
    """The speaking-rate factor an engine applies: request speed x voice rate, kept sane."""
    rate = req.voice.rate if req.voice.rate and req.voice.rate > 0 else 1.0
    speed = req.speed if req.speed > 0 else 1.0
    return max(0.25, min(4.0, rate * speed))
