"""Waveform peaks: min/max per fixed-length bucket, computed once in one streaming pass.

The editor caches :meth:`Peaks.to_bytes` inside the project file and reduces the buckets under
each pixel itself when it draws; :meth:`Peaks.downsample` merges buckets into a coarser level.
"""

from __future__ import annotations

import math
import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from taura_desktop.errors import MediaError
from taura_desktop.media.decode import iter_audio
from taura_desktop.media.probe import probe, require_audio

_MAGIC = b"TPKS"
_VERSION = 1
# magic, version, reserved, bucket_ms, bucket count
_HEADER = struct.Struct("<4sBBxxII")
_PEAK_RATE = 16000  # decode rate used for peaks: every integer bucket_ms is whole samples


@dataclass(frozen=True, slots=True, eq=False)
class Peaks:
    """``mins[i]``/``maxs[i]`` cover ``[i * bucket_ms, (i + 1) * bucket_ms)``; values in -1..1."""

    bucket_ms: int
    mins: np.ndarray  # float32
    maxs: np.ndarray  # float32

    def __post_init__(self) -> None:
        if self.bucket_ms <= 0:
            raise ValueError("bucket_ms must be positive")
        if self.mins.shape != self.maxs.shape or self.mins.ndim != 1:
            raise ValueError("mins and maxs must be 1-D arrays of the same length")

    def __len__(self) -> int:
        return int(self.mins.size)

    @property
    def duration_ms(self) -> int:
        return len(self) * self.bucket_ms

    def to_bytes(self) -> bytes:
        """Compact, versioned encoding: header + zlib(int8 mins, int8 maxs).

        Values are quantized to 1/127 with mins rounded down and maxs rounded up, so the
        decoded envelope never looks quieter than the audio.
        """
        qmin = np.floor(np.clip(self.mins, -1.0, 1.0) * 127.0 + 1e-4).astype(np.int8)
        qmax = np.ceil(np.clip(self.maxs, -1.0, 1.0) * 127.0 - 1e-4).astype(np.int8)
        payload = zlib.compress(qmin.tobytes() + qmax.tobytes(), 6)
        return _HEADER.pack(_MAGIC, _VERSION, 0, self.bucket_ms, len(self)) + payload

    @classmethod
    def from_bytes(cls, data: bytes) -> Peaks:
        """Decode :meth:`to_bytes`; ValueError on anything else (caller recomputes)."""
        if len(data) < _HEADER.size:
            raise ValueError("peaks data too short")
        magic, version, _reserved, bucket_ms, count = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError("not peaks data")
        if version != _VERSION:
            raise ValueError(f"unsupported peaks version {version}")
        try:
            raw = zlib.decompress(data[_HEADER.size :])
        except zlib.error as exc:
            raise ValueError(f"corrupt peaks data ({exc})") from None
        if len(raw) != 2 * count:
            raise ValueError("corrupt peaks data (length mismatch)")
        q = np.frombuffer(raw, dtype=np.int8).astype(np.float32) / 127.0
        return cls(bucket_ms, q[:count].copy(), q[count:].copy())

    def downsample(self, factor: int) -> Peaks:
        """Merge each ``factor`` buckets into one (the last may merge fewer)."""
        if factor < 1:
            raise ValueError("factor must be >= 1")
        if factor == 1 or len(self) == 0:
            return self
        n = len(self)
        starts = np.arange(0, n, factor)
        mins = np.minimum.reduceat(self.mins, starts).astype(np.float32)
        maxs = np.maximum.reduceat(self.maxs, starts).astype(np.float32)
        return Peaks(self.bucket_ms * factor, mins, maxs)


def compute_peaks(
    path: str | os.PathLike[str],
    bucket_ms: int = 10,
    progress: Callable[[float], None] | None = None,
    stream_index: int | None = None,
) -> Peaks:
    """Peaks of the audio of ``path``, ``ceil(duration_ms / bucket_ms)`` buckets long.

    One streaming pass over the decoded audio (bounded memory). ``progress(fraction)`` is
    called after each decoded chunk; it may raise (e.g. CancelledError) to stop early.
    """
    if bucket_ms <= 0:
        raise ValueError("bucket_ms must be positive")
    info = probe(path)
    if stream_index is None:
        require_audio(info)
    total_ms = info.duration_ms
    n_buckets = math.ceil(total_ms / bucket_ms)
    spb = _PEAK_RATE * bucket_ms // 1000  # samples per bucket
    mins = np.zeros(n_buckets, dtype=np.float32)
    maxs = np.zeros(n_buckets, dtype=np.float32)
    filled = 0
    carry = np.zeros(0, dtype=np.float32)
    chunk_ms = max(bucket_ms, (10_000 // bucket_ms) * bucket_ms)  # whole buckets per chunk
    for block in iter_audio(info.path, _PEAK_RATE, chunk_ms, stream_index):
        if carry.size:
            block = np.concatenate([carry, block])
        whole = (block.size // spb) * spb
        if whole:
            frames = block[:whole].reshape(-1, spb)
            k = min(frames.shape[0], n_buckets - filled)
            if k > 0:
                mins[filled : filled + k] = frames[:k].min(axis=1)
                maxs[filled : filled + k] = frames[:k].max(axis=1)
                filled += k
        carry = block[whole:]
        if progress is not None:
            progress(min(1.0, filled * bucket_ms / total_ms) if total_ms else 1.0)
    if carry.size and filled < n_buckets:
        mins[filled] = carry.min()
        maxs[filled] = carry.max()
        filled += 1
    np.clip(mins, -1.0, 1.0, out=mins)
    np.clip(maxs, -1.0, 1.0, out=maxs)
    if progress is not None:
        progress(1.0)
    if filled == 0 and n_buckets:
        raise MediaError(f"{info.path}: no audio could be decoded (file truncated or corrupt?)")
    return Peaks(bucket_ms, mins, maxs)
