"""Time compression that keeps pitch and formants: ffmpeg's rubberband filter over a pipe.

Raw float32 mono in, raw float32 mono out; the result is trimmed/padded to exactly
``round(len / speed)`` samples so clip placement stays sample-exact.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np

from taura_desktop.errors import BadInputError, EngineUnavailableError

MIN_SPEED, MAX_SPEED = 0.5, 2.0


def _ffmpeg() -> str:
    path = shutil.which("ffmpeg")
    if path is None:
        raise EngineUnavailableError("ffmpeg: program not found on PATH; install ffmpeg (with librubberband)")
    return path


def fit_length(x: np.ndarray, n: int) -> np.ndarray:
    """``x`` cut or zero-padded to exactly ``n`` samples."""
    if len(x) >= n:
        return x[:n]
    return np.concatenate([x, np.zeros(n - len(x), dtype=x.dtype)])


def time_stretch(samples: np.ndarray, sr: int, speed: float) -> np.ndarray:
    """Play ``samples`` ``speed`` times faster (>1 shorter) without changing pitch or formants."""
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise BadInputError(f"time stretch: speed {speed} outside {MIN_SPEED}..{MAX_SPEED}")
    if sr <= 0:
        raise BadInputError(f"time stretch: invalid sample rate {sr}")
    x = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
    if speed == 1.0 or len(x) == 0:
        return x
    target = round(len(x) / speed)
    cmd = [
        _ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "f32le", "-ar", str(sr), "-ac", "1", "-i", "pipe:0",
        "-af", f"rubberband=tempo={speed:.6f}:pitchq=quality:formant=preserved",
        "-f", "f32le", "-ar", str(sr), "-ac", "1", "pipe:1",
    ]
    try:
        res = subprocess.run(cmd, input=x.tobytes(), capture_output=True, check=False)
    except OSError as exc:
        raise EngineUnavailableError(f"ffmpeg: cannot run ({exc})") from None
    if res.returncode != 0:
        err = res.stderr.decode("utf-8", "replace").strip().splitlines()
        why = err[-1] if err else f"exit status {res.returncode}"
        raise EngineUnavailableError(f"ffmpeg rubberband filter failed: {why}")
    out = np.frombuffer(res.stdout[: len(res.stdout) // 4 * 4], dtype="<f4").astype(np.float32)
    return fit_length(out, target)
