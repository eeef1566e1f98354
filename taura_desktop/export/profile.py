"""The original's loudness profile: K-weighted energy per 100 ms hop, measured once per source.

The mix's loudness is estimated from it without rendering (see ``mix``). It is cached in
``cache_dir()/loudness`` under the media fingerprint (sha1 of the first MiB and the size) with
the rate, channels and length, so a project's re-exports never measure it again, and the
editor primes it in the background when media is opened.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from taura_desktop.atomic import atomic_path
from taura_desktop.audio.loudness import LoudnessMeter
from taura_desktop.media.decode import DEFAULT_BLOCK, fixed_blocks, iter_audio_blocks
from taura_desktop.media.probe import audio_channels, head_sha1, probe_cached
from taura_desktop.paths import cache_dir

PROFILE_VERSION = 1


def _profile_path(path: Path, sr: int, channels: int, total: int) -> Path | None:
    try:
        key = f"{head_sha1(path)}-{path.stat().st_size}"
        folder = cache_dir() / "loudness"
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder / f"{key}-{sr}-{channels}-{total}-v{PROFILE_VERSION}.npy"


def source_hop_energies(
    path: str | os.PathLike[str],
    sr: int,
    channels: int,
    total: int,
    *,
    block: int = DEFAULT_BLOCK,
    use_cache: bool = True,
    on_fraction: Callable[[float], None] | None = None,
) -> np.ndarray:
    """K-weighted energy of each whole 100 ms hop of the first audio stream of ``path``, decoded
    at ``sr`` with ``channels`` and cut or padded to ``total`` frames (see ``hop_energies``)."""
    p = Path(path)
    hop = round(0.1 * sr)
    cp = _profile_path(p, sr, channels, total) if use_cache else None
    if cp is not None and cp.is_file():
        with contextlib.suppress(OSError, ValueError):
            e = np.load(cp, allow_pickle=False)
            if e.shape == (total // hop,) and e.dtype == np.float64 and bool(np.all(np.isfinite(e))):
                return np.asarray(e)
    e = _measure(p, sr, channels, total, block, on_fraction)
    if cp is not None:
        with contextlib.suppress(OSError), atomic_path(cp, fsync=False) as tmp, open(tmp, "wb") as fh:
            np.save(fh, e)
    return e


def _measure(
    p: Path, sr: int, channels: int, total: int, block: int,
    on_fraction: Callable[[float], None] | None,
) -> np.ndarray:
    """Hop energies of ``p`` (one decode; decoding 2 or 4 time slices in parallel measured no
    faster on 2 cores: the pipe copies and FFTs are CPU-bound too)."""
    meter = LoudnessMeter(sr, peak=False)
    pos = 0
    for b in fixed_blocks(iter_audio_blocks(p, sr, channels, block=block), total, block, channels):
        meter.push(b)
        pos += len(b)
        if on_fraction is not None:
            on_fraction(pos / max(1, total))
    return meter.hop_energies()


def prime_loudness_cache(
    path: str | os.PathLike[str], *, out_rate: int = 48000,
    on_fraction: Callable[[float], None] | None = None,
) -> bool:
    """Measure and cache what the loudness estimate needs from ``path`` (call it in the
    background after import: the first export then needs no measuring pass). False when the
    media has no audio."""
    ch = audio_channels(path)
    if ch is None:
        return False
    total = round(probe_cached(path).duration_ms * out_rate / 1000)
    source_hop_energies(path, out_rate, max(1, min(2, ch)), total, on_fraction=on_fraction)
    return True
