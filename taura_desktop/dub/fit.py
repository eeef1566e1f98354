"""Fitting a dubbed clip into its segment's slot (pure rules, no audio I/O except apply_fit).

Rules, in order:
1. The clip always starts at the segment start (``offset_ms`` 0): placement is computed from
   segment times in samples, so nothing drifts on long videos.
2. A clip that fits in the slot plays at natural speed (OK).
3. A longer clip first uses the silence after the segment, up to ``min_gap_ms`` before the next
   segment (EXTENDED). It never runs into the next clip.
4. Then it is time-compressed (pitch and formants preserved) up to ``max_speed`` (STRETCHED).
5. If it still does not fit, it is compressed at the cap and hard-trimmed (30 ms fade) at the
   available length (OVERFLOW): ``overrun_ms`` says how much is cut, ``char_budget`` suggests a
   text length that would fit at the cap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from taura_desktop.core.model import FitResult, FitStatus
from taura_desktop.errors import BadInputError

HARD_MAX_SPEED = 1.5
DEFAULT_MAX_SPEED = 1.25
DEFAULT_MIN_GAP_MS = 80
FADE_MS = 30


@dataclass(frozen=True, slots=True)
class FitCaps:
    max_speed: float = DEFAULT_MAX_SPEED
    hard_max_speed: float = HARD_MAX_SPEED
    min_gap_ms: int = DEFAULT_MIN_GAP_MS


def available_ms(seg_start_ms: int, seg_end_ms: int, next_start_ms: int | None, min_gap_ms: int,
                 natural_ms: int) -> int:
    """Room for the clip from the segment start.

    The slot, plus the silence up to ``min_gap_ms`` before the next segment; never past the next
    segment's start (if segments overlap or the gap is below ``min_gap_ms``, less than the slot).
    With no next segment (``None``) the room is unlimited: the clip keeps its natural length.
    """
    slot = seg_end_ms - seg_start_ms
    if next_start_ms is None:
        return max(slot, natural_ms)
    hard = next_start_ms - seg_start_ms  # the next clip starts here: never cross it
    soft = hard - min_gap_ms
    return max(0, min(max(slot, soft), hard))


def fit_clip(
    natural_ms: int,
    seg_start_ms: int,
    seg_end_ms: int,
    next_start_ms: int | None,
    *,
    max_speed: float = DEFAULT_MAX_SPEED,
    hard_max_speed: float = HARD_MAX_SPEED,
    min_gap_ms: int = DEFAULT_MIN_GAP_MS,
    chars: int = 0,
) -> FitResult:
    """Decide speed and placed length for a clip of ``natural_ms`` in segment [start, end)."""
    if natural_ms < 0:
        raise BadInputError(f"fit: clip length {natural_ms} ms is negative")
    if seg_end_ms < seg_start_ms:
        raise BadInputError(f"fit: segment ends ({seg_end_ms} ms) before it starts ({seg_start_ms} ms)")
    if next_start_ms is not None and next_start_ms < seg_start_ms:
        raise BadInputError(
            f"fit: next segment starts ({next_start_ms} ms) before this one ({seg_start_ms} ms)"
        )
    if not 1.0 <= hard_max_speed <= HARD_MAX_SPEED:
        raise BadInputError(f"fit: hard speed limit {hard_max_speed} outside 1.0..{HARD_MAX_SPEED}")
    if not 1.0 <= max_speed <= hard_max_speed:
        raise BadInputError(f"fit: max speed {max_speed} outside 1.0..{hard_max_speed}")
    if min_gap_ms < 0:
        raise BadInputError(f"fit: minimum gap {min_gap_ms} ms is negative")

    slot = seg_end_ms - seg_start_ms
    avail = available_ms(seg_start_ms, seg_end_ms, next_start_ms, min_gap_ms, natural_ms)

    if natural_ms <= avail:
        status = FitStatus.OK if natural_ms <= slot else FitStatus.EXTENDED
        return FitResult(natural_ms, 1.0, 0, natural_ms, avail, 0, status)

    need = natural_ms / avail if avail > 0 else math.inf
    if need <= max_speed:
        return FitResult(natural_ms, need, 0, avail, avail, 0, FitStatus.STRETCHED)

    at_cap_ms = math.ceil(natural_ms / max_speed)
    budget = None
    if chars > 0:
        budget = math.floor(chars * avail / at_cap_ms + 1e-9)
    return FitResult(
        natural_ms, max_speed, 0, avail, avail, at_cap_ms - avail, FitStatus.OVERFLOW, budget
    )


def fit_with_caps(natural_ms: int, seg_start_ms: int, seg_end_ms: int, next_start_ms: int | None,
                  caps: FitCaps, chars: int = 0) -> FitResult:
    return fit_clip(
        natural_ms, seg_start_ms, seg_end_ms, next_start_ms,
        max_speed=caps.max_speed, hard_max_speed=caps.hard_max_speed,
        min_gap_ms=caps.min_gap_ms, chars=chars,
    )


def ms_to_samples(ms: int, sr: int) -> int:
    return (ms * sr + 500) // 1000


def apply_fit(samples: np.ndarray, sr: int, fit: FitResult) -> np.ndarray:
    """The clip as placed: stretched when ``fit.speed > 1``, exactly ``placed_ms`` long.

    OVERFLOW clips are compressed at the cap then cut at ``placed_ms`` (= available) with a
    30 ms fade-out, so the next clip is never overlapped.
    """
    from taura_desktop.dub.stretch import fit_length, time_stretch  # lazy: +2 ms on taura --help

    x = np.asarray(samples, dtype=np.float32)
    out = time_stretch(x, sr, fit.speed) if fit.speed > 1.0 else x
    target = ms_to_samples(fit.placed_ms, sr)
    if fit.status == FitStatus.OVERFLOW:
        out = out[:target].copy()
        n = min(len(out), ms_to_samples(FADE_MS, sr))
        if n > 0:
            out[-n:] *= np.linspace(1.0, 0.0, n, dtype=np.float32)
        return fit_length(out, target)
    if fit.speed > 1.0 or len(out) > target:
        return fit_length(out, target)
    return out
