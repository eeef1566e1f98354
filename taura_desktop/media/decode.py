"""Stream a media file's audio in bounded memory: one PyAV decoder under every reader.

``iter_audio`` / ``decode_audio`` give float32 mono (ASR, VAD, diarization, voice references,
waveform peaks); ``iter_audio_blocks`` gives float32 ``(n, channels)`` blocks (export mixer,
stems, loudness profile, source separation).  Both are ``_blocks`` underneath.

Sample ``i`` of the output is at ``start_ms + i / sample_rate`` seconds on the media timeline,
whose zero is the container's start (the time a player shows as 0:00).  Leading gaps are
filled with silence, pre-roll is dropped and the output stops at the container's duration,
so the samples line up with the video.  A window is decoded from a seek 200 ms early and lines
up sample for sample with the same span of a full decode (not bit-identical: the resampler
restarts at another sub-sample phase).

Why PyAV rather than an ffmpeg child writing f32le to a pipe (``bench/bench_decode.py``:
10 min of sine + pink noise, 48 kHz stereo, AAC in MP4 and as 16-bit WAV; CPU seconds of
this process and the child, best of 3 on 2 busy shared cores, so ranges over runs):

* full decode of the MP4 to 16 kHz mono: PyAV 1.5-2.2, child 1.0-1.2 (the PyAV reader with
  one resampler round trip per 21 ms AAC frame took 3.0-3.5); to 48 kHz stereo: PyAV
  1.1-2.0, child 1.0-1.9.  The WAV: mono PyAV 0.7-0.9, child 1.0-1.2; stereo 0.9-1.2 vs
  1.4-1.6.
* 20 windows of 2 s: PyAV 0.2 s (MP4) / 0.8 s (WAV), child 2.4-2.9 s: starting the ffmpeg
  binary costs 0.1-0.15 s CPU per call, and voice references, segment previews and
  diarization windows decode short spans one by one.
* Alignment: best lag 0 samples for both against their own full decode at 1.2 s, 120 s
  and 451 s; the largest difference from the full decode was 0-0.065 for PyAV and
  0.005-0.28 for the child (it starts its resampler cold at the seek point).

So the child saves about 0.5 s CPU per 10 min of AAC on a whole-file read and costs ten times
more on short windows, and it is a second FFmpeg build besides the one ``probe`` reads with.

Streams with gaps in the middle are corrected at the resampler's 200 ms frame boundaries
(drift under 40 ms is left alone).
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from taura_desktop.errors import MediaError
from taura_desktop.media.probe import _one_line, check_readable, open_container

# Drift between the running sample count and the decoder's timestamps that is tolerated before
# it is corrected by padding or dropping samples (timestamps are rounded, so allow a little).
_DRIFT_TOLERANCE_S = 0.04
_MAX_BAD_PACKETS = 50
_PREROLL_MS = 200
# The resampler hands out frames of this many milliseconds: one Python round trip per 200 ms
# instead of per codec frame (21 ms for AAC) halves the CPU of a long decode.
_FRAME_MS = 200

DEFAULT_BLOCK = 1 << 16  # frames per block of ``iter_audio_blocks`` (1.37 s at 48 kHz)


def _pick_stream(container: Any, path: str, stream_index: int | None) -> Any:
    audio = [s for s in container.streams if s.type == "audio"]
    if stream_index is None:
        if not audio:
            raise MediaError(f"{path}: has no audio stream")
        return audio[0]
    for s in audio:
        if s.index == stream_index:
            return s
    raise MediaError(f"{path}: stream #{stream_index} is not an audio stream of this file")


def iter_audio(
    path: str | os.PathLike[str],
    sample_rate: int = 16000,
    chunk_ms: int = 30000,
    stream_index: int | None = None,
    start_ms: int = 0,
    end_ms: int | None = None,
) -> Generator[np.ndarray, None, None]:
    """Yield the audio of ``path`` from ``start_ms`` to ``end_ms`` (or the end) as float32 mono.

    Every chunk has exactly ``chunk_ms`` worth of samples except the last, which is shorter;
    at most about one chunk is held in memory.  ``stream_index`` is the container stream index
    (``StreamInfo.index``); by default the first audio stream is used.
    """
    if sample_rate <= 0 or chunk_ms <= 0:
        raise ValueError("sample_rate and chunk_ms must be positive")
    chunk = max(1, round(chunk_ms * sample_rate / 1000))
    for block in _blocks(path, sample_rate, 1, chunk, stream_index, start_ms, end_ms):
        yield block.reshape(-1)


def decode_audio(
    path: str | os.PathLike[str],
    sample_rate: int = 16000,
    start_ms: int = 0,
    end_ms: int | None = None,
    stream_index: int | None = None,
) -> np.ndarray:
    """The audio of ``path`` between ``start_ms`` and ``end_ms`` as one float32 mono array."""
    parts = list(
        iter_audio(
            path,
            sample_rate=sample_rate,
            chunk_ms=600_000,
            stream_index=stream_index,
            start_ms=start_ms,
            end_ms=end_ms,
        )
    )
    if not parts:
        return np.zeros(0, dtype=np.float32)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def iter_audio_blocks(
    path: str | os.PathLike[str], sr: int, channels: int, *, block: int = DEFAULT_BLOCK
) -> Iterator[np.ndarray]:
    """Decode the first audio stream of ``path`` as float32 ``(n, channels)`` blocks at ``sr``.

    Sample 0 is the media's time zero (a leading gap is filled with silence). Every block has
    ``block`` frames except the last. Closing the generator closes the file.
    """
    if sr <= 0 or channels <= 0 or block <= 0:
        raise ValueError("sr, channels and block must be positive")
    return _blocks(path, sr, channels, block, None, 0, None)


def _blocks(
    path: str | os.PathLike[str],
    sample_rate: int,
    channels: int,
    block: int,
    stream_index: int | None,
    start_ms: int,
    end_ms: int | None,
) -> Generator[np.ndarray, None, None]:
    """The decoder: ``(n, channels)`` float32 blocks of ``block`` frames (the last shorter)."""
    import av

    start_ms = max(0, int(start_ms))
    p = check_readable(path)
    with open_container(p) as container:
        stream = _pick_stream(container, str(p), stream_index)
        origin_us = int(container.start_time or 0)
        origin = origin_us * sample_rate / 1_000_000  # media zero, in output samples
        limit_ms: int | None = end_ms
        if container.duration is not None and container.duration > 0:
            dur_ms = round(container.duration / 1000)
            limit_ms = dur_ms if limit_ms is None else min(limit_ms, dur_ms)
        start = round(start_ms * sample_rate / 1000)
        stop = None if limit_ms is None else round(limit_ms * sample_rate / 1000)
        if stop is not None and stop <= start:
            return

        if start_ms > 0 and stream.time_base:
            # Seek a little early: decoders with overlapping frames (AAC, MP3, Opus) and the
            # resampler need some pre-roll before their output is exact; it is dropped below.
            seek_ms = max(0, start_ms - _PREROLL_MS)
            target = (origin_us / 1_000_000 + seek_ms / 1000) / float(stream.time_base)
            try:
                container.seek(int(target), stream=stream, backward=True, any_frame=False)
            except Exception:  # unseekable input: decode from the top and drop
                container.close()
                yield from _from_top(p, sample_rate, channels, block, stream_index, start_ms, end_ms)
                return

        resampler = av.AudioResampler(
            format="flt",
            layout=f"{channels}c",
            rate=sample_rate,
            frame_size=max(1, sample_rate * _FRAME_MS // 1000),
        )
        pos = start  # media sample index of the next sample to emit
        emitted_any = False
        tol = int(_DRIFT_TOLERANCE_S * sample_rate)
        bad_packets = 0

        def place(out: Any) -> np.ndarray:
            """Align one resampled frame with the running position; return what to emit."""
            nonlocal emitted_any
            data = np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1, channels)
            if out.pts is not None and out.time_base is not None:
                fpos = round(float(out.pts * out.time_base) * sample_rate - origin)
                diff = fpos - pos
                if not emitted_any or abs(diff) > tol:
                    if diff < 0:
                        data = data[-diff:]
                    elif diff > 0:
                        data = np.concatenate([np.zeros((diff, channels), np.float32), data])
            if stop is not None:
                data = data[: max(0, stop - pos)]
            if len(data):
                emitted_any = True
            return data

        def frames() -> Iterator[Any]:
            nonlocal bad_packets
            try:
                for packet in container.demux(stream):
                    try:
                        decoded = packet.decode()
                    except av.error.InvalidDataError:
                        bad_packets += 1
                        if bad_packets > _MAX_BAD_PACKETS:
                            raise
                        continue
                    for frame in decoded:
                        yield from resampler.resample(frame)
                yield from resampler.resample(None)
            except MediaError:
                raise
            except Exception as exc:
                raise MediaError(
                    f"{p}: file is truncated or corrupt (audio decoding failed near "
                    f"{pos / sample_rate:.1f} s: {_one_line(exc)})"
                ) from None

        rc = Rechunker(block, channels)
        for out in frames():
            data = place(out)
            pos += len(data)
            yield from rc.push(data)
            if stop is not None and pos >= stop:
                break
        yield from rc.flush()


def _from_top(
    p: Path,
    sample_rate: int,
    channels: int,
    block: int,
    stream_index: int | None,
    start_ms: int,
    end_ms: int | None,
) -> Iterator[np.ndarray]:
    """Fallback for inputs that cannot seek: decode from 0 and drop up to ``start_ms``."""
    skip = round(start_ms * sample_rate / 1000)
    rc = Rechunker(block, channels)
    for b in _blocks(p, sample_rate, channels, block, stream_index, 0, end_ms):
        if skip:
            drop = min(skip, len(b))
            b, skip = b[drop:], skip - drop
        yield from rc.push(b)
    yield from rc.flush()


class Rechunker:
    """Re-cuts a stream of ``(n, channels)`` arrays into ``block``-frame pieces."""

    def __init__(self, block: int, channels: int) -> None:
        self.block = block
        self.channels = channels
        self.parts: list[np.ndarray] = []
        self.n = 0

    def push(self, data: np.ndarray) -> Iterator[np.ndarray]:
        if len(data) == 0:
            return
        self.parts.append(data)
        self.n += len(data)
        if self.n < self.block:
            return
        flat = np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
        k = len(flat) // self.block
        for i in range(k):
            yield flat[i * self.block : (i + 1) * self.block]
        rest = flat[k * self.block :]
        self.parts = [rest] if len(rest) else []
        self.n = len(rest)

    def flush(self) -> Iterator[np.ndarray]:
        if self.n:
            yield np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
        self.parts, self.n = [], 0


def fixed_blocks(
    blocks: Iterable[np.ndarray], total: int, block: int, channels: int
) -> Iterator[np.ndarray]:
    """Re-cut ``blocks`` to exactly ``total`` frames in ``block``-sized pieces (pad / cut)."""
    pos = 0
    rc = Rechunker(block, channels)
    for b in blocks:
        if pos >= total:
            break
        b = b[: total - pos]
        pos += len(b)
        yield from rc.push(b)
    if pos < total:
        pad = total - pos
        while pad > 0:
            z = min(pad, block)
            yield from rc.push(np.zeros((z, channels), np.float32))
            pad -= z
    yield from rc.flush()
