"""Dub clips on the timeline and the dub-only signal, rendered block by block.

A clip starting at ``start_ms`` begins at sample ``round(start_ms * sr / 1000)`` of the output,
for every clip, whatever the length of the video (no drift). A clip's audio may stay where it
is stored until the render reaches it (``PlacedClip.load``): only the clips that overlap the
current block are held, resampled to the output rate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from taura_desktop.errors import UsageError
from taura_desktop.media.audio_io import resample
from taura_desktop.media.decode import DEFAULT_BLOCK


@dataclass(frozen=True, slots=True)
class PlacedClip:
    """A dubbed clip (float32 mono, -1..1) placed at ``start_ms`` on the video timeline.

    Either ``samples`` holds the audio, or ``samples`` is None and ``load()`` returns it on
    demand (it may be called from worker threads, more than once); ``frames`` is then its
    length in samples, known without loading.
    """

    start_ms: int
    samples: np.ndarray | None
    sample_rate: int
    load: Callable[[], np.ndarray] | None = None
    frames: int | None = None

    def __post_init__(self) -> None:
        if self.sample_rate <= 0:
            raise UsageError(f"dub clip at {self.start_ms} ms: invalid sample rate {self.sample_rate}")
        if self.samples is None:
            if self.load is None or self.frames is None or self.frames < 0:
                raise UsageError(f"dub clip at {self.start_ms} ms: no samples and no loader with a length")
        elif np.asarray(self.samples).ndim != 1:
            raise UsageError(f"dub clip at {self.start_ms} ms: samples must be mono (1-D)")

    @property
    def length(self) -> int:
        """Samples at ``sample_rate``."""
        if self.samples is not None:
            return len(self.samples)
        assert self.frames is not None
        return self.frames

    def audio(self) -> np.ndarray:
        """The float32 mono samples (loaded now when held elsewhere), exactly ``length`` long."""
        if self.samples is not None:
            return np.asarray(self.samples, dtype=np.float32).reshape(-1)
        assert self.load is not None
        x = np.asarray(self.load(), dtype=np.float32)
        if x.ndim != 1:
            raise UsageError(f"dub clip at {self.start_ms} ms: samples must be mono (1-D)")
        n = self.length
        if len(x) != n:  # the loader disagrees with the stored length: keep the placement
            x = x[:n] if len(x) > n else np.concatenate([x, np.zeros(n - len(x), np.float32)])
        return x


@dataclass(frozen=True, slots=True)
class DubTrack:
    """All clips of one target language. ``lang`` is ISO 639-1 or 639-2 ("es" or "spa")."""

    lang: str
    title: str
    clips: Sequence[PlacedClip]


def clip_start_sample(start_ms: int, sr: int) -> int:
    """Where a clip starts in output samples: ``round(start_ms * sr / 1000)`` (no drift)."""
    return round(start_ms * sr / 1000)


def clip_at(clip: PlacedClip, sr: int) -> np.ndarray:
    """The clip's audio resampled to ``sr`` (float32 mono)."""
    x = clip.audio()
    if clip.sample_rate == sr:
        return x
    return np.asarray(resample(x, clip.sample_rate, sr), dtype=np.float32).reshape(-1)


class DubRenderer:
    """Renders the dub-only signal of one language block by block (monotonic block starts).

    Each clip is loaded and resampled to the output rate when its start is reached and dropped
    once passed, so memory is bounded by the clips that overlap one block. ``resampled`` may
    hold clips already resampled (keyed by their index in ``self.clips``); they are taken from it.
    """

    def __init__(self, clips: Sequence[PlacedClip], sr: int, total: int | None = None,
                 resampled: dict[int, np.ndarray] | None = None) -> None:
        self.sr = sr
        self.total = total
        self.clips = sorted(clips, key=lambda c: c.start_ms)
        self.resampled = resampled if resampled is not None else {}
        self._next = 0
        self._active: list[tuple[int, np.ndarray]] = []
        self.outside = 0
        if total is not None:
            for s, e in self.intervals():
                if s < 0 or e > total:
                    self.outside += 1

    def intervals(self) -> list[tuple[int, int]]:
        """(start, end) sample spans of the clips at the output rate (nothing loaded)."""
        out = []
        for c in self.clips:
            s = clip_start_sample(c.start_ms, self.sr)
            out.append((s, s + round(c.length * self.sr / c.sample_rate)))
        return out

    def clip_at_rate(self, i: int) -> np.ndarray:
        """Clip ``i`` (of ``self.clips``) at the output rate."""
        data = self.resampled.pop(i, None)
        return data if data is not None else clip_at(self.clips[i], self.sr)

    def block(self, start: int, n: int) -> np.ndarray:
        end = start + n
        while self._next < len(self.clips):
            c = self.clips[self._next]
            s = clip_start_sample(c.start_ms, self.sr)
            if s >= end:
                break
            self._active.append((s, self.clip_at_rate(self._next)))
            self._next += 1
        out = np.zeros(n, np.float32)
        keep: list[tuple[int, np.ndarray]] = []
        for s, data in self._active:
            e = s + len(data)
            a, b = max(s, start), min(e, end)
            if b > a:
                out[a - start : b - start] += data[a - s : b - s]
            if e > end:
                keep.append((s, data))
        self._active = keep
        return out


def render_dub(
    clips: Sequence[PlacedClip], duration_ms: int, sr: int, *, block: int = DEFAULT_BLOCK
) -> Iterator[np.ndarray]:
    """The dub-only signal (float32 mono blocks, ``round(duration_ms*sr/1000)`` samples in all).

    Overlapping clips are summed; parts outside ``[0, duration_ms)`` are cut.
    """
    total = round(duration_ms * sr / 1000)
    r = DubRenderer(clips, sr, total)
    for pos in range(0, total, block):
        yield r.block(pos, min(block, total - pos))
