from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from taura_desktop.media.audio_io import write_wav
from tests.tiny.separation import install_tiny_separator

SR = 16000


def stereo_tones(seconds: float, sr: int = SR) -> np.ndarray:
    """A stereo mix of sines (different per channel) with a slow amplitude wobble."""
    t = np.arange(round(seconds * sr), dtype=np.float64) / sr
    left = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 1234 * t)
    right = 0.25 * np.sin(2 * np.pi * 330 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.1 * t))
    return np.stack([left, right], axis=1).astype(np.float32)


@pytest.fixture(scope="session")
def long_wav(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """70 s of stereo float WAV at the tiny model's rate (so decoding is exact)."""
    x = stereo_tones(70.0)
    p = tmp_path_factory.mktemp("media") / "tones70.wav"
    write_wav(p, x, SR, float32=True)
    return p, x


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    return tmp_path / "models"


@pytest.fixture
def tiny_model(store_root: Path) -> Path:
    return install_tiny_separator(store_root)
