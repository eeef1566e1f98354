"""Stream a media file's audio in bounded memory.

``iter_audio`` (PyAV) yields float32 mono chunks with sample-accurate seeking (the ASR, VAD
and waveform readers); ``iter_audio_blocks`` (an ffmpeg child, faster for whole-file reads)
yields float32 ``(n, channels)`` blocks at any rate (the export mixer and source separation).

Sample ``i`` of the output is at ``start_ms + i / sample_rate`` seconds on the media timeline,
whose zero is the container's start (the time a player shows as 0:00).  Leading gaps are
filled with silence and pre-roll is dropped, so the samples line up with the video.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Generator, Iterable, Iterator
from typing import Any

import numpy as np

from taura_desktop.errors import MediaError
from taura_desktop.media.ffmpeg import ffmpeg_bin, grow_pipe, last_line
from taura_desktop.media.probe import _one_line, check_readable, open_container

# Drift between the running sample count and the decoder's timestamps that is tolerated before
# it is corrected by padding or dropping samples (timestamps are rounded, so allow a little).
_DRIFT_TOLERANCE_S = 0.04
_MAX_BAD_PACKETS = 50
_PREROLL_MS = 200


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
    import av

    if sample_rate <= 0 or chunk_ms <= 0:
        raise ValueError("sample_rate and chunk_ms must be positive")
    start_ms = max(0, int(start_ms))
    p = check_readable(path)
    chunk = max(1, round(chunk_ms * sample_rate / 1000))

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
                yield from _iter_from_top(p, sample_rate, chunk_ms, stream_index, start_ms, end_ms)
                return

        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        pos = start  # media sample index of the next sample to emit
        emitted_any = False
        tol = int(_DRIFT_TOLERANCE_S * sample_rate)
        pending: list[np.ndarray] = []
        n_pending = 0
        bad_packets = 0

        def place(out: Any) -> np.ndarray:
            """Align one resampled frame with the running position; return what to emit."""
            nonlocal emitted_any
            data = np.asarray(out.to_ndarray(), dtype=np.float32).reshape(-1)
            if out.pts is not None and out.time_base is not None:
                fpos = round(float(out.pts * out.time_base) * sample_rate - origin)
                diff = fpos - pos
                if not emitted_any or abs(diff) > tol:
                    if diff < 0:
                        data = data[-diff:]
                    elif diff > 0:
                        data = np.concatenate([np.zeros(diff, np.float32), data])
            if stop is not None:
                data = data[: max(0, stop - pos)]
            if data.size:
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

        for out in frames():
            data = place(out)
            while data.size:
                take = data[: chunk - n_pending]
                data = data[take.size :]
                pending.append(take)
                n_pending += take.size
                pos += take.size
                if n_pending >= chunk:
                    yield np.concatenate(pending) if len(pending) > 1 else pending[0]
                    pending, n_pending = [], 0
            if stop is not None and pos >= stop:
                break
        if n_pending:
            yield np.concatenate(pending)


def _iter_from_top(
    p: os.PathLike[str],
    sample_rate: int,
    chunk_ms: int,
    stream_index: int | None,
    start_ms: int,
    end_ms: int | None,
) -> Iterator[np.ndarray]:
    """Fallback for inputs that cannot seek: decode from 0 and drop up to ``start_ms``."""
    skip = round(start_ms * sample_rate / 1000)
    chunk = max(1, round(chunk_ms * sample_rate / 1000))
    stop = None if end_ms is None else round(end_ms * sample_rate / 1000) - skip
    buf: list[np.ndarray] = []
    n = 0
    sent = 0
    for block in iter_audio(p, sample_rate, chunk_ms, stream_index, 0, end_ms):
        if skip:
            drop = min(skip, block.size)
            block, skip = block[drop:], skip - drop
        if stop is not None:
            block = block[: max(0, stop - sent - n)]
        buf.append(block)
        n += block.size
        while n >= chunk:
            flat = np.concatenate(buf)
            yield flat[:chunk]
            sent += chunk
            buf, n = [flat[chunk:]], flat.size - chunk
    if n:
        yield np.concatenate(buf)


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


DEFAULT_BLOCK = 1 << 16  # frames per block of ``iter_audio_blocks`` (1.37 s at 48 kHz)


def iter_audio_blocks(
    path: str | os.PathLike[str], sr: int, channels: int, *, block: int = DEFAULT_BLOCK
) -> Iterator[np.ndarray]:
    """Decode the first audio stream of ``path`` as float32 ``(n, channels)`` blocks at ``sr``.

    Decoding runs in an ffmpeg child (in parallel with the consumer; faster than PyAV here).
    Sample 0 is the media's time zero (a leading gap is filled with silence). Every block has
    ``block`` frames except the last. Closing the generator kills the child.
    """
    p = check_readable(path)
    frame_bytes = 4 * channels
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [ffmpeg_bin(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(p),
             "-map", "0:a:0", "-vn", "-sn", "-dn", "-af", "aresample=async=1:first_pts=0",
             "-ac", str(channels), "-ar", str(sr), "-f", "f32le", "pipe:1"],
            stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, bufsize=0,
        )
        assert proc.stdout is not None
        grow_pipe(proc.stdout.fileno())
        try:
            want = block * frame_bytes
            while True:
                arr = np.empty((block, channels), np.float32)
                view = arr.data.cast("B")
                got = 0
                while got < want:
                    k = proc.stdout.readinto(view[got:])  # type: ignore[attr-defined]
                    if not k:
                        break
                    got += k
                n = got // frame_bytes
                if n:
                    yield arr[:n] if n < block else arr
                if got < want:
                    break
            if proc.wait() != 0:
                raise MediaError(f"{p}: audio decoding failed ({last_line(err)})")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()


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
