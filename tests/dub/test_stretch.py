from __future__ import annotations

import numpy as np
import pytest

from taura_desktop.dub.stretch import Backend, fit_length, time_stretch
from taura_desktop.errors import BadInputError, EngineUnavailableError

SR = 22050


def _dominant_hz(x: np.ndarray) -> float:
    mid = x[len(x) // 4 : 3 * len(x) // 4]
    n = 1 << 20  # zero-padded: fine frequency grid
    spec = np.abs(np.fft.rfft(mid * np.hanning(len(mid)), n))
    return float(np.argmax(spec) * SR / n)


def test_speed_one_returns_input() -> None:
    x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    assert np.array_equal(time_stretch(x, SR, 1.0), x)


@pytest.mark.parametrize("backend", ["cli", "ffmpeg"])
@pytest.mark.parametrize("speed", [1.1, 1.25, 1.5])
def test_length_and_pitch_preserved(speed: float, backend: Backend) -> None:
    t = np.arange(SR * 2) / SR
    x = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    y = time_stretch(x, SR, speed, backend=backend)
    assert y.dtype == np.float32
    assert len(y) == round(len(x) / speed)
    # within 2 % of 440 Hz (a plain resample would move it to 440 * speed)
    assert _dominant_hz(y) == pytest.approx(440, rel=0.02)
    assert np.abs(y[len(y) // 4 : 3 * len(y) // 4]).max() > 0.3


def test_fit_length() -> None:
    assert len(fit_length(np.ones(10, np.float32), 4)) == 4
    padded = fit_length(np.ones(3, np.float32), 5)
    assert padded.tolist() == [1, 1, 1, 0, 0]


def test_bad_speed_and_rate() -> None:
    with pytest.raises(BadInputError, match=r"speed 0\.0 outside"):
        time_stretch(np.zeros(10, np.float32), SR, 0.0)
    with pytest.raises(BadInputError, match="invalid sample rate 0"):
        time_stretch(np.zeros(10, np.float32), 0, 1.2)


def test_missing_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EngineUnavailableError, match="ffmpeg: program not found"):
        time_stretch(np.zeros(1000, np.float32), SR, 1.2)
    with pytest.raises(EngineUnavailableError, match="rubberband: program not found"):
        time_stretch(np.zeros(1000, np.float32), SR, 1.2, backend="cli")
