"""The speaker-encoder contract: 16 kHz mono samples in, L2-normalised embeddings out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

SAMPLE_RATE = 16000
EMBEDDING_SIZE = 256


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of audio an embedding was computed over (milliseconds in the media)."""

    start_ms: int
    end_ms: int


@runtime_checkable
class SpeakerEncoder(Protocol):
    @property
    def name(self) -> str:
        """Model identity (name + weights hash prefix); part of cached embeddings' keys."""
        ...

    def embed(self, clips: list[np.ndarray]) -> np.ndarray:
        """One L2-normalised embedding per clip (float32 16 kHz mono; any length >= 0.2 s).

        Returns an array of shape ``(len(clips), EMBEDDING_SIZE)``.
        """
        ...
