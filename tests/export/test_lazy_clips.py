"""Clips read on demand: the mix loads each clip only when it reaches it, and a lazily loaded
track mixes to exactly what the same clips held in memory give."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.errors import UsageError
from taura_desktop.export import DubTrack, MixSettings, PlacedClip, render_dub
from taura_desktop.export.mix import MixMode
from tests.export.mixing import mix_to_array

from .conftest import CLIP_STARTS_MS, DUB_SR, burst

SR = 48000
BLOCK = 4800


def _lazy(start_ms: int, x: np.ndarray, log: list[int]) -> PlacedClip:
    def load() -> np.ndarray:
        log.append(start_ms)
        return x.copy()
    return PlacedClip(start_ms, None, DUB_SR, load=load, frames=len(x))


def test_render_loads_each_clip_only_when_its_block_is_reached() -> None:
    loaded: list[int] = []
    clips = [_lazy(ms, burst(), loaded) for ms in CLIP_STARTS_MS]
    seen_at: list[tuple[int, list[int]]] = []
    eager = list(render_dub([PlacedClip(ms, burst(), DUB_SR) for ms in CLIP_STARTS_MS], 20_000, SR,
                            block=BLOCK))
    for i, b in enumerate(render_dub(clips, 20_000, SR, block=BLOCK)):
        seen_at.append((i * BLOCK, list(loaded)))
        assert np.array_equal(b, eager[i])
    assert loaded == list(CLIP_STARTS_MS)  # each clip read once, in order
    for pos, was_loaded in seen_at:
        # after rendering the block starting at ``pos`` exactly the clips starting before its end are read
        assert was_loaded == [ms for ms in CLIP_STARTS_MS if round(ms * SR / 1000) < pos + BLOCK]


@pytest.mark.parametrize("mode", ["duck", "replace"])
def test_lazy_track_mixes_like_the_eager_one(source_mp4: Path, mode: MixMode) -> None:
    log: list[int] = []
    eager = DubTrack("es", "es", [PlacedClip(ms, burst(), DUB_SR) for ms in CLIP_STARTS_MS])
    lazy = DubTrack("es", "es", [_lazy(ms, burst(), log) for ms in CLIP_STARTS_MS])
    s = MixSettings(mode=mode)
    y1, r1 = mix_to_array(source_mp4, eager, s)
    y2, r2 = mix_to_array(source_mp4, lazy, s)
    assert np.array_equal(y1, y2)
    assert r1 == r2
    assert set(log) == set(CLIP_STARTS_MS)


def test_a_loader_that_disagrees_with_its_length_keeps_the_placement() -> None:
    short: Callable[[], np.ndarray] = lambda: burst()[:100]  # noqa: E731
    c = PlacedClip(1000, None, DUB_SR, load=short, frames=len(burst()))
    x = c.audio()
    assert len(x) == c.length == len(burst()) and not x[100:].any()


def test_a_clip_needs_samples_or_a_loader_with_a_length() -> None:
    with pytest.raises(UsageError, match="no samples and no loader"):
        PlacedClip(0, None, DUB_SR, load=burst)
    with pytest.raises(UsageError, match="invalid sample rate"):
        PlacedClip(0, burst(), 0)
    with pytest.raises(UsageError, match="mono"):
        PlacedClip(0, np.zeros((10, 2), np.float32), DUB_SR)
