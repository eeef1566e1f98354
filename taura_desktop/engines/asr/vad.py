"""Voice activity detection with Silero VAD (bundled inside the faster-whisper wheel, offline)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from taura_desktop.engines.asr.base import SAMPLE_RATE

Region = tuple[int, int]  # (start_ms, end_ms)


def _to_16k(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    if audio.ndim != 1:
        raise ValueError(f"VAD needs mono audio (1-D array), got shape {audio.shape}")
    if sample_rate <= 0:
        raise ValueError(f"VAD sample rate must be positive, got {sample_rate}")
    audio = np.asarray(audio, dtype=np.float32)
    if sample_rate == SAMPLE_RATE or audio.size == 0:
        return audio
    n_out = round(audio.size * SAMPLE_RATE / sample_rate)
    x_out = np.arange(n_out, dtype=np.float64) * (sample_rate / SAMPLE_RATE)
    return np.asarray(np.interp(x_out, np.arange(audio.size), audio), dtype=np.float32)


def speech_regions(
    audio: np.ndarray,
    sample_rate: int = SAMPLE_RATE,
    *,
    threshold: float = 0.5,
    min_silence_ms: int = 1000,
    speech_pad_ms: int = 400,
    min_speech_ms: int = 0,
    max_speech_s: float = 30.0,
) -> list[Region]:
    """Speech regions of mono ``audio`` in milliseconds, ordered, non-overlapping, padded.

    Silence, tones and music give ``[]``. Regions are at most ``max_speech_s`` long (split at
    the last short pause), so each fits one 30 s Whisper window.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    pcm = _to_16k(audio, sample_rate)
    if pcm.size == 0:
        return []
    pcm = np.nan_to_num(pcm, copy=False)
    opts = VadOptions(
        threshold=threshold,
        min_silence_duration_ms=min_silence_ms,
        speech_pad_ms=speech_pad_ms,
        min_speech_duration_ms=min_speech_ms,
        max_speech_duration_s=max_speech_s,
    )
    chunks = get_speech_timestamps(pcm, opts, sampling_rate=SAMPLE_RATE)
    regions: list[Region] = []
    for chunk in chunks:
        start = int(chunk["start"]) * 1000 // SAMPLE_RATE
        end = -(-int(chunk["end"]) * 1000 // SAMPLE_RATE)  # ceil
        if regions:
            start = max(start, regions[-1][1])  # touching regions stay separate (<= 30 s each)
        if end > start:
            regions.append((start, end))
    return regions


def speech_ms(regions: Sequence[Region]) -> int:
    """Total speech duration covered by ``regions``."""
    return sum(end - start for start, end in regions)


def overlaps_speech(start_ms: int, end_ms: int, regions: Sequence[Region], tolerance_ms: int = 0) -> bool:
    """True when [start_ms, end_ms] touches a region widened by ``tolerance_ms`` each side."""
    return any(
        start_ms < r_end + tolerance_ms and end_ms > r_start - tolerance_ms for r_start, r_end in regions
    )


def inside_speech(start_ms: int, end_ms: int, regions: Sequence[Region], tolerance_ms: int = 0) -> bool:
    """True when the midpoint of [start_ms, end_ms] lies in a region widened by ``tolerance_ms``."""
    mid = (start_ms + end_ms) / 2
    return any(r_start - tolerance_ms <= mid <= r_end + tolerance_ms for r_start, r_end in regions)
