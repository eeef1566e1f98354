"""Source separation: the ``Separator`` protocol and the streaming file helper.

A separator splits audio into the voice ("vocals") and everything else ("background": music,
effects, ambience). ``separate_file`` runs one over a whole media file in bounded memory:
the audio is decoded in chunks, each chunk is separated, neighbouring chunks overlap by
``overlap_s`` and are cross-faded (the two linear ramps sum to one, so a linear separator is
exactly reproduced), and the stems are streamed into WAV files written under a hidden
temporary name and renamed only when complete (a cancel or failure leaves no output).

Sample 0 of the stems is the media's time zero, exactly like the export mixer's decoding of
the original audio, so a background stem lines up with the video and the dub clips.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

import numpy as np

from taura_desktop.errors import CancelledError, MediaError, UsageError
from taura_desktop.media.audio_io import to_int16
from taura_desktop.media.decode import iter_audio_blocks
from taura_desktop.media.probe import audio_channels, probe_cached

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]


@dataclass(frozen=True, slots=True)
class SeparationResult:
    """Stems at ``sample_rate``: float32, ``(n,)`` for mono input else ``(n, channels)``;
    ``vocals + background`` is (approximately) the input."""

    vocals: np.ndarray
    background: np.ndarray
    sample_rate: int


@runtime_checkable
class Separator(Protocol):
    name: str
    version: str  # changes whenever the output could change (weights, config)
    sample_rate: int
    channels: int

    def separate(self, samples: np.ndarray, sr: int) -> SeparationResult:
        """Separate float32 ``(n,)`` or ``(n, channels)`` audio at ``sr`` (resampled to the
        separator's rate when different); the result has the same number of frames (at the
        separator's rate)."""
        ...


# --------------------------------------------------------------------------- streaming WAV

_RIFF_LIMIT = 0xFFFFFFFF
_PCM, _FLOAT = 1, 3


class StreamingWav:
    """A WAV written block by block under a hidden ``.<name>.<random>.part`` name beside the
    target, renamed on :meth:`commit`; :meth:`discard` removes it. 16-bit PCM (clipped) by
    default or 32-bit float. Files over 4 GiB are finished as RF64 (read by ffmpeg)."""

    def __init__(self, path: Path, sample_rate: int, channels: int, *, float32: bool = False) -> None:
        self.path = Path(path)
        self.sample_rate = sample_rate
        self.channels = channels
        self.float32 = float32
        self.frames = 0
        self.tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.part")
        try:
            self._fh: BinaryIO = open(self.tmp, "wb")  # noqa: SIM115 - closed in commit/discard
        except OSError as exc:
            raise MediaError(f"{self.path}: cannot write file ({exc.strerror or exc})") from None
        self._write_header()

    @property
    def _bits(self) -> int:
        return 32 if self.float32 else 16

    def _header(self, data_bytes: int) -> bytes:
        tag = _FLOAT if self.float32 else _PCM
        block = self.channels * self._bits // 8
        fmt = struct.pack("<HHIIHH", tag, self.channels, self.sample_rate,
                          self.sample_rate * block, block, self._bits)
        fact = b"fact" + struct.pack("<II", 4, min(self.frames, _RIFF_LIMIT)) if self.float32 else b""
        rest = b"fmt " + struct.pack("<I", len(fmt)) + fmt + fact
        big = 4 + 8 + 28 + len(rest) + 8 + data_bytes > _RIFF_LIMIT
        if big:  # RF64: the reserved JUNK chunk becomes ds64 with the 64-bit sizes
            riff_size = 4 + 8 + 28 + len(rest) + 8 + data_bytes + (data_bytes & 1)
            ds64 = b"ds64" + struct.pack("<IQQQI", 28, riff_size, data_bytes, self.frames, 0)
            return (b"RF64" + struct.pack("<I", _RIFF_LIMIT) + b"WAVE" + ds64 + rest
                    + b"data" + struct.pack("<I", _RIFF_LIMIT))
        riff_size = 4 + 8 + 28 + len(rest) + 8 + data_bytes + (data_bytes & 1)
        return (b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + b"JUNK" + struct.pack("<I", 28)
                + bytes(28) + rest + b"data" + struct.pack("<I", data_bytes))

    def _write_header(self) -> None:
        self._fh.seek(0)
        self._fh.write(self._header(self.frames * self.channels * self._bits // 8))

    def write(self, samples: np.ndarray) -> None:
        x = np.asarray(samples, dtype=np.float32).reshape(-1, self.channels)
        if self.float32:
            payload = np.ascontiguousarray(x, dtype="<f4").tobytes()
        else:
            payload = to_int16(x).astype("<i2").tobytes()
        try:
            self._fh.write(payload)
        except OSError as exc:
            self.discard()
            raise MediaError(f"{self.path}: cannot write file ({exc.strerror or exc})") from None
        self.frames += x.shape[0]

    def commit(self) -> Path:
        try:
            data_bytes = self.frames * self.channels * self._bits // 8
            if data_bytes & 1:
                self._fh.write(b"\x00")
            self._write_header()
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            os.replace(self.tmp, self.path)
        except OSError as exc:
            self.discard()
            raise MediaError(f"{self.path}: cannot write file ({exc.strerror or exc})") from None
        return self.path

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self._fh.close()
        with contextlib.suppress(OSError):
            self.tmp.unlink()


# --------------------------------------------------------------------------- overlap-add


def _as_frames(x: np.ndarray) -> np.ndarray:
    return x.reshape(-1, 1) if x.ndim == 1 else x


class OverlapAdd:
    """Run ``separate`` over a stream of ``(n, channels)`` blocks in windows of ``window``
    frames that overlap by ``overlap`` frames, cross-fading the overlaps linearly. Emits
    ``(vocals, background)`` blocks totalling exactly the input length."""

    def __init__(self, separate: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
                 window: int, overlap: int) -> None:
        if window <= 0 or overlap < 0 or overlap >= window:
            raise UsageError(f"separation: bad chunking (window {window}, overlap {overlap} frames)")
        self.separate = separate
        self.window = window
        self.overlap = overlap
        self._buf: list[np.ndarray] = []
        self._n = 0
        self._tail: tuple[np.ndarray, np.ndarray] | None = None

    def _run(self, x: np.ndarray, final: bool) -> tuple[np.ndarray, np.ndarray]:
        v, b = self.separate(x)
        v, b = _as_frames(np.array(v, np.float32)), _as_frames(np.array(b, np.float32))
        n = x.shape[0]
        if v.shape[0] != n or b.shape[0] != n:
            raise MediaError(f"separation: model returned {v.shape[0]} frames for {n}")
        if self._tail is not None:
            tv, tb = self._tail
            k = min(tv.shape[0], n)
            ramp = ((np.arange(k, dtype=np.float32) + 0.5) / k)[:, None]
            v[:k] = tv[:k] * (1.0 - ramp) + v[:k] * ramp
            b[:k] = tb[:k] * (1.0 - ramp) + b[:k] * ramp
        if final or self.overlap == 0:
            self._tail = None
            return v, b
        cut = n - self.overlap
        self._tail = (v[cut:], b[cut:])
        return v[:cut], b[:cut]

    def push(self, block: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        if block.shape[0] == 0:
            return
        self._buf.append(block)
        self._n += block.shape[0]
        while self._n >= self.window:
            flat = np.concatenate(self._buf) if len(self._buf) > 1 else self._buf[0]
            yield self._run(flat[: self.window], final=False)
            rest = flat[self.window - self.overlap :]
            self._buf, self._n = [rest], rest.shape[0]

    def flush(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        flat = (np.concatenate(self._buf) if len(self._buf) > 1 else self._buf[0]) if self._buf else None
        self._buf, self._n = [], 0
        if self._tail is None:
            if flat is not None and flat.shape[0]:
                yield self._run(flat, final=True)
            return
        if flat is not None and flat.shape[0] > self._tail[0].shape[0]:
            yield self._run(flat, final=True)  # its first frames are the pending overlap
        else:
            yield self._tail
        self._tail = None


def overlap_add(separate: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
                blocks: Iterable[np.ndarray], window: int, overlap: int
                ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Functional form of :class:`OverlapAdd`."""
    ola = OverlapAdd(separate, window, overlap)
    for block in blocks:
        yield from ola.push(block)
    yield from ola.flush()


# --------------------------------------------------------------------------- the file helper


def separate_file(
    separator: Separator,
    media_path: str | os.PathLike[str],
    out_background_wav: str | os.PathLike[str],
    out_vocals_wav: str | os.PathLike[str] | None = None,
    chunk_s: float = 30.0,
    overlap_s: float = 1.0,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    float32: bool = False,
) -> Path:
    """Separate the first audio stream of ``media_path`` into a background WAV (and optionally
    a vocals WAV) at the separator's rate and channel count, chunk by chunk.

    Returns ``out_background_wav``. MediaError (exit 3) for missing/corrupt media or media
    without audio; CancelledError when ``cancel()`` turns true or ``progress`` raises it —
    in both cases no output file is left behind (an existing one is untouched).
    """
    if chunk_s <= 0 or overlap_s < 0 or overlap_s * 2 > chunk_s:
        raise UsageError(f"separation: bad chunking (chunk {chunk_s} s, overlap {overlap_s} s)")
    src = Path(media_path)
    duration_ms = probe_cached(src).duration_ms  # MediaError when missing / unreadable
    if audio_channels(src) is None:
        raise MediaError(f"{src}: has no audio stream to separate")
    out_bg = Path(out_background_wav)
    out_v = Path(out_vocals_wav) if out_vocals_wav is not None else None
    for out in (out_bg, out_v):
        if out is not None and not out.parent.is_dir():
            raise MediaError(f"{out}: output folder does not exist")

    sr, ch = int(separator.sample_rate), int(separator.channels)
    window = max(1, round(chunk_s * sr))
    overlap = round(overlap_s * sr)
    total = max(1, round(duration_ms * sr / 1000))

    def check() -> None:
        if cancel is not None and cancel():
            raise CancelledError("separation cancelled")

    def run(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        check()
        r = separator.separate(x, sr)
        return r.vocals, r.background

    writers: list[StreamingWav] = []
    try:
        bg_w = StreamingWav(out_bg, sr, ch, float32=float32)
        writers.append(bg_w)
        v_w = StreamingWav(out_v, sr, ch, float32=float32) if out_v is not None else None
        if v_w is not None:
            writers.append(v_w)
        check()
        if progress is not None:
            progress(0.0, f"separating voice ({separator.name})")
        decoded = iter_audio_blocks(src, sr, ch, block=max(1, window - overlap))
        try:
            for v, b in overlap_add(run, decoded, window, overlap):
                bg_w.write(b)
                if v_w is not None:
                    v_w.write(v)
                check()
                if progress is not None:
                    progress(min(1.0, bg_w.frames / total), f"separating voice ({separator.name})")
        finally:
            close = getattr(decoded, "close", None)
            if close is not None:
                close()  # closes the media file on cancel/failure
        if bg_w.frames == 0:
            raise MediaError(f"{src}: no audio could be decoded")
        if v_w is not None:
            v_w.commit()
        bg_w.commit()
    except BaseException:
        for w in writers:
            w.discard()
        raise
    if progress is not None:
        progress(1.0, "separation done")
    return out_bg


__all__ = [
    "Cancel",
    "OverlapAdd",
    "Progress",
    "SeparationResult",
    "Separator",
    "StreamingWav",
    "overlap_add",
    "separate_file",
]
