from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.errors import CancelledError
from taura_desktop.media import Peaks, compute_peaks, probe


def test_peaks_shape_and_bounds(speech_video: Path) -> None:
    peaks = compute_peaks(speech_video, bucket_ms=10)
    info = probe(speech_video)
    assert len(peaks) == math.ceil(info.duration_ms / 10)
    assert peaks.mins.dtype == np.float32 and peaks.maxs.dtype == np.float32
    assert np.all(peaks.mins >= -1) and np.all(peaks.maxs <= 1)
    assert np.all(peaks.mins <= peaks.maxs)
    assert peaks.maxs.max() > 0.1 and peaks.mins.min() < -0.1


def test_peaks_of_tone(tone_video: Path) -> None:
    peaks = compute_peaks(tone_video, bucket_ms=25)
    assert len(peaks) == math.ceil(probe(tone_video).duration_ms / 25)
    middle = slice(10, len(peaks) - 10)
    # ffmpeg's sine source has amplitude 1/8
    assert np.allclose(peaks.maxs[middle], 0.125, atol=0.02)
    assert np.allclose(peaks.mins[middle], -0.125, atol=0.02)


def test_bucket_not_dividing_duration(click_files: dict[str, Path]) -> None:
    p = click_files["wav"]
    peaks = compute_peaks(p, bucket_ms=7)
    assert len(peaks) == math.ceil(3000 / 7)
    hit = int(np.argmax(peaks.maxs))
    assert hit == 1000 // 7


def test_bytes_round_trip(speech_video: Path) -> None:
    peaks = compute_peaks(speech_video, bucket_ms=10)
    blob = peaks.to_bytes()
    assert len(blob) < 2 * len(peaks) + 64  # at most 2 bytes per bucket + header
    back = Peaks.from_bytes(blob)
    assert back.bucket_ms == 10 and len(back) == len(peaks)
    np.testing.assert_allclose(back.mins, peaks.mins, rtol=0, atol=1 / 127 + 1e-6)
    np.testing.assert_allclose(back.maxs, peaks.maxs, rtol=0, atol=1 / 127 + 1e-6)
    # quantization is conservative: the envelope never shrinks
    assert np.all(back.maxs >= peaks.maxs - 1e-6) and np.all(back.mins <= peaks.mins + 1e-6)
    assert back.to_bytes() == blob  # stable


@pytest.mark.parametrize(
    "blob", [b"", b"TPKS", b"XXXX" + bytes(20), b"TPKS\x09" + bytes(20), b"TPKS\x01" + bytes(20)]
)
def test_from_bytes_rejects_bad_data(blob: bytes) -> None:
    with pytest.raises(ValueError):
        Peaks.from_bytes(blob)


def test_downsample() -> None:
    mins = -np.linspace(0, 1, 100, dtype=np.float32)
    maxs = np.linspace(0, 1, 100, dtype=np.float32)
    p = Peaks(10, mins, maxs)
    assert p.duration_ms == 1000
    d = p.downsample(8)
    assert d.bucket_ms == 80 and len(d) == 13
    assert d.maxs[0] == maxs[7] and d.mins[0] == mins[7]
    assert d.maxs[-1] == maxs[-1]
    assert p.downsample(1) is p
    with pytest.raises(ValueError):
        p.downsample(0)
    with pytest.raises(ValueError):
        Peaks(10, mins, maxs[:5])


def test_progress_and_cancel(speech_video: Path) -> None:
    seen: list[float] = []
    compute_peaks(speech_video, bucket_ms=10, progress=seen.append)
    assert seen and seen[-1] == 1.0
    assert all(a <= b for a, b in itertools.pairwise(seen))

    def cancel(fraction: float) -> None:
        raise CancelledError()

    with pytest.raises(CancelledError):
        compute_peaks(speech_video, progress=cancel)
