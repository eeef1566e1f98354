from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taura_desktop.core.model import FitResult, FitStatus
from taura_desktop.dub.fit import FitCaps, apply_fit, available_ms, fit_clip, fit_with_caps
from taura_desktop.errors import BadInputError


def test_fits_in_slot() -> None:
    assert fit_clip(1500, 1000, 3000, 4000) == FitResult(1500, 1.0, 0, 1500, 2920, 0, FitStatus.OK)


def test_exact_slot_is_ok() -> None:
    r = fit_clip(2000, 1000, 3000, 3000)
    assert (r.status, r.speed, r.placed_ms) == (FitStatus.OK, 1.0, 2000)


def test_uses_silence_before_next_segment() -> None:
    r = fit_clip(2500, 1000, 3000, 4000)
    assert r == FitResult(2500, 1.0, 0, 2500, 2920, 0, FitStatus.EXTENDED)


def test_keeps_min_gap_then_stretches() -> None:
    # slot 2000, next at 3500 -> 2420 ms usable; 2800 ms needs 2800/2420 = 1.157x
    r = fit_clip(2800, 1000, 3000, 3500)
    assert r.status == FitStatus.STRETCHED
    assert r.available_ms == 2420 and r.placed_ms == 2420
    assert r.speed == pytest.approx(2800 / 2420)
    assert r.offset_ms == 0 and r.overrun_ms == 0


def test_overflow_reports_overrun_and_char_budget() -> None:
    r = fit_clip(4000, 0, 2000, 2080, chars=60)
    # available 2000; at 1.25x the clip is 3200 ms -> 1200 ms missing
    assert r.status == FitStatus.OVERFLOW
    assert (r.speed, r.placed_ms, r.available_ms, r.overrun_ms) == (1.25, 2000, 2000, 1200)
    assert r.char_budget == 37  # 60 * 2000 / 3200 = 37.5
    assert fit_clip(4000, 0, 2000, 2080).char_budget is None


def test_configurable_cap_up_to_hard_max() -> None:
    r = fit_clip(2800, 0, 2000, 2080, max_speed=1.5)
    assert r.status == FitStatus.STRETCHED and r.speed == pytest.approx(1.4)
    with pytest.raises(BadInputError, match=r"max speed 1\.6 outside 1\.0\.\.1\.5"):
        fit_clip(2800, 0, 2000, 2080, max_speed=1.6)
    with pytest.raises(BadInputError, match=r"hard speed limit 2\.0 outside"):
        fit_clip(2800, 0, 2000, 2080, hard_max_speed=2.0)
    with pytest.raises(BadInputError, match=r"max speed 0\.9"):
        fit_clip(2800, 0, 2000, 2080, max_speed=0.9)


def test_small_gap_never_overlaps_next() -> None:
    # next segment 30 ms after this one ends: below min gap, keep the slot, no extension
    assert available_ms(0, 2000, 2030, 80, 5000) == 2000
    # overlapping segments: the clip must stop where the next starts
    r = fit_clip(1800, 0, 2000, 1500)
    assert r.available_ms == 1500 and r.status == FitStatus.STRETCHED


def test_last_segment_is_unbounded() -> None:
    r = fit_clip(9000, 0, 2000, None)
    assert (r.status, r.speed, r.placed_ms) == (FitStatus.EXTENDED, 1.0, 9000)


def test_next_at_same_start_overflows_to_nothing() -> None:
    r = fit_clip(1000, 500, 1500, 500, chars=10)
    assert r.status == FitStatus.OVERFLOW and r.placed_ms == 0 and r.char_budget == 0


def test_empty_clip() -> None:
    assert fit_clip(0, 0, 1000, 2000).status == FitStatus.OK


def test_bad_inputs() -> None:
    with pytest.raises(BadInputError, match="clip length -1 ms is negative"):
        fit_clip(-1, 0, 1000, None)
    with pytest.raises(BadInputError, match=r"segment ends .* before it starts"):
        fit_clip(100, 1000, 900, None)
    with pytest.raises(BadInputError, match="next segment starts"):
        fit_clip(100, 1000, 2000, 900)
    with pytest.raises(BadInputError, match="minimum gap -5 ms"):
        fit_clip(100, 0, 1000, None, min_gap_ms=-5)


def test_fit_with_caps() -> None:
    assert fit_with_caps(2800, 0, 2000, 2080, FitCaps(max_speed=1.5)).speed == pytest.approx(1.4)


@settings(max_examples=400, deadline=None)
@given(
    natural=st.integers(0, 20000),
    start=st.integers(0, 100000),
    slot=st.integers(0, 10000),
    gap=st.one_of(st.none(), st.integers(-5000, 5000)),
    cap=st.floats(1.0, 1.5),
    min_gap=st.integers(0, 300),
    chars=st.integers(0, 200),
)
def test_fit_properties(natural: int, start: int, slot: int, gap: int | None, cap: float,
                        min_gap: int, chars: int) -> None:
    end = start + slot
    nxt = None if gap is None else max(start, end + gap)
    r = fit_clip(natural, start, end, nxt, max_speed=cap, min_gap_ms=min_gap, chars=chars)
    assert r.offset_ms == 0
    assert r.natural_ms == natural
    assert 0 <= r.placed_ms <= r.available_ms
    if nxt is not None:
        assert start + r.placed_ms <= nxt  # never overlaps the next clip
        if r.placed_ms > slot:
            assert start + r.placed_ms <= nxt - min_gap  # extension keeps the gap
    if r.status == FitStatus.OVERFLOW:
        assert (r.speed == cap and r.overrun_ms > 0) or r.available_ms == 0
        assert (r.char_budget is None) == (chars == 0)
        if r.char_budget is not None:
            assert r.char_budget <= chars
    else:
        assert 1.0 <= r.speed <= cap + 1e-9
        assert r.overrun_ms == 0
        assert abs(natural / r.speed - r.placed_ms) <= 1
    if r.status in (FitStatus.OK, FitStatus.EXTENDED):
        assert r.speed == 1.0 and r.placed_ms == natural
    if r.status == FitStatus.OK:
        assert natural <= slot


SR = 16000


def _tone(ms: int) -> np.ndarray:
    t = np.arange(SR * ms // 1000) / SR
    return (0.5 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)


def test_apply_fit_natural_is_untouched() -> None:
    x = _tone(1000)
    r = fit_clip(1000, 0, 2000, None)
    assert apply_fit(x, SR, r) is x or np.array_equal(apply_fit(x, SR, r), x)


def test_apply_fit_stretched_is_exact_length() -> None:
    x = _tone(1200)
    r = fit_clip(1200, 0, 1000, 1000, min_gap_ms=0)
    out = apply_fit(x, SR, r)
    assert r.status == FitStatus.STRETCHED
    assert len(out) == SR * r.placed_ms // 1000


def test_apply_fit_overflow_trims_with_fade() -> None:
    x = _tone(3000)
    r = fit_clip(3000, 0, 1000, 1000, min_gap_ms=0)
    out = apply_fit(x, SR, r)
    assert r.status == FitStatus.OVERFLOW
    assert len(out) == SR  # cut at the available 1000 ms
    assert abs(out[-1]) < 1e-3  # faded out
    assert np.abs(out[SR // 2 : SR // 2 + 400]).max() > 0.3
