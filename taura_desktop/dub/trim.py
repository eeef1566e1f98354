"""Leading and trailing silence of synthesized clips.

A dubbed clip is placed at its segment's start, so silence at the head of the clip makes the
line start late, and silence at its tail makes it look longer than it is (and get compressed
for nothing). Every engine pads its output: espeak-ng ~300 ms at the end, piper 50-100 ms
before and 100-250 ms after, Kokoro ~300 ms before and ~750 ms after. ``trim_silence`` keeps
the speech, ``LEAD_MS`` before it (faded in) and ``TAIL_MS`` after it (faded out).

Speech is the span of 5 ms frames whose RMS is within ``THRESHOLD_DB`` of the loudest frame
(and above an absolute floor), so soft consonants at either end are kept.
"""

from __future__ import annotations

import numpy as np

FRAME_MS = 5
THRESHOLD_DB = -40.0  # relative to the loudest frame
FLOOR_DBFS = -60.0  # frames quieter than this are silence whatever the clip's level
LEAD_MS = 5
TAIL_MS = 60


def speech_bounds(samples: np.ndarray, sr: int, threshold_db: float = THRESHOLD_DB) -> tuple[int, int] | None:
    """(first, end) sample of the speech in ``samples``; None when it is all silence."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    frame = max(1, sr * FRAME_MS // 1000)
    if len(x) == 0 or sr <= 0:
        return None
    n = -(-len(x) // frame)
    padded = np.zeros(n * frame, dtype=np.float32)
    padded[: len(x)] = x
    rms = np.sqrt(np.mean(padded.reshape(n, frame).astype(np.float64) ** 2, axis=1))
    peak = float(rms.max())
    floor = 10.0 ** (FLOOR_DBFS / 20.0)
    if peak <= floor:
        return None
    loud = np.flatnonzero(rms >= max(peak * 10.0 ** (threshold_db / 20.0), floor))
    return int(loud[0]) * frame, min(len(x), (int(loud[-1]) + 1) * frame)


def trim_silence(
    samples: np.ndarray, sr: int, *, lead_ms: int = LEAD_MS, tail_ms: int = TAIL_MS
) -> np.ndarray:
    """``samples`` without their leading/trailing silence (float32 copy). All-silent input is
    returned unchanged."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    bounds = speech_bounds(x, sr)
    if bounds is None:
        return x.copy()
    start, end = bounds
    a = max(0, start - sr * lead_ms // 1000)
    b = min(len(x), end + sr * tail_ms // 1000)
    y = x[a:b].copy()
    if start > a:
        y[: start - a] *= np.linspace(0.0, 1.0, start - a, endpoint=False, dtype=np.float32)
    if b > end:
        y[end - a :] *= np.linspace(1.0, 0.0, b - end, dtype=np.float32)
    return y
