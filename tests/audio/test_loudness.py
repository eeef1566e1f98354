from __future__ import annotations

import numpy as np
import pytest

from taura_desktop.audio.loudness import integrated_loudness, normalize
from taura_desktop.errors import BadInputError


def _sine(sr: int, hz: float, amp: float, seconds: float = 3.0) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return (amp * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@pytest.mark.parametrize("sr", [48000, 44100, 22050])
def test_full_scale_1k_sine_reads_minus_3(sr: int) -> None:
    # BS.1770: a 0 dBFS-peak 1 kHz sine measures -3.01 LUFS
    assert integrated_loudness(_sine(sr, 1000, 1.0), sr) == pytest.approx(-3.01, abs=0.05)
    assert integrated_loudness(_sine(sr, 1000, 0.1), sr) == pytest.approx(-23.01, abs=0.05)


def test_k_weighting_shape() -> None:
    sr = 48000
    low = integrated_loudness(_sine(sr, 30, 0.5), sr)
    mid = integrated_loudness(_sine(sr, 1000, 0.5), sr)
    high = integrated_loudness(_sine(sr, 4000, 0.5), sr)
    assert low < mid - 1.0  # high-pass
    assert high > mid + 2.0  # shelf boost


def test_gating_ignores_silence() -> None:
    sr = 22050
    x = np.concatenate([_sine(sr, 1000, 0.1), np.zeros(sr * 6, np.float32)])
    assert integrated_loudness(x, sr) == pytest.approx(-23.0, abs=0.2)


def test_silence_and_short_clips() -> None:
    assert integrated_loudness(np.zeros(22050, np.float32), 22050) == float("-inf")
    assert integrated_loudness(np.zeros(0, np.float32), 22050) == float("-inf")
    short = integrated_loudness(_sine(22050, 1000, 0.1, 0.2), 22050)
    assert short == pytest.approx(-23.0, abs=0.2)
    with pytest.raises(BadInputError, match="invalid sample rate 0"):
        integrated_loudness(np.zeros(10), 0)


def test_normalize_to_target() -> None:
    sr = 22050
    rng = np.random.default_rng(1)
    x = (0.01 * rng.standard_normal(sr * 3)).astype(np.float32)
    y = normalize(x, sr, -23.0)
    assert y.dtype == np.float32
    assert integrated_loudness(y, sr) == pytest.approx(-23.0, abs=0.05)


def test_normalize_respects_peak_ceiling() -> None:
    sr = 22050
    x = np.zeros(sr * 2, np.float32)
    x[::2000] = 0.5  # sparse clicks: quiet in LUFS, high peaks
    y = normalize(x, sr, -10.0, peak_dbfs=-1.0)
    assert np.abs(y).max() == pytest.approx(10 ** (-1 / 20), rel=1e-4)
    silence = np.zeros(100, np.float32)
    assert np.array_equal(normalize(silence, sr), silence)
