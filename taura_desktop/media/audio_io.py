"""Small audio helpers for TTS and export: WAV read/write, int16 conversion, resampling.

WAV is parsed with numpy (PCM 8/16/24/32-bit, IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE);
anything else that ffmpeg can read is decoded through PyAV.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from taura_desktop.atomic import write_bytes_atomic
from taura_desktop.core.clipcodec import float_to_int16
from taura_desktop.errors import MediaError
from taura_desktop.media.probe import _one_line, check_readable, open_container

_PCM = 1
_FLOAT = 3
_EXTENSIBLE = 0xFFFE


def to_int16(samples: np.ndarray) -> np.ndarray:
    """float (-1..1) -> int16, clipped and rounded (see ``core.clipcodec.float_to_int16``)."""
    return float_to_int16(samples)


def from_int16(samples: np.ndarray) -> np.ndarray:
    """int16 -> float32 in -1..1."""
    return (np.asarray(samples, dtype=np.int16).astype(np.float32)) / 32768.0


def _shape_out(data: np.ndarray, channels: int) -> np.ndarray:
    if channels == 1:
        return np.ascontiguousarray(data.reshape(-1), dtype=np.float32)
    return np.ascontiguousarray(data.reshape(-1, channels), dtype=np.float32)


def _parse_wav(p: Path, raw: bytes) -> tuple[np.ndarray, int] | None:
    """Parse a RIFF/WAVE buffer; None when it is a WAV flavour we leave to PyAV."""
    if len(raw) < 12 or raw[:4] not in (b"RIFF", b"RIFX") or raw[8:12] != b"WAVE":
        return None
    if raw[:4] == b"RIFX":
        return None  # big-endian: rare, let ffmpeg handle it
    pos = 12
    fmt: tuple[int, int, int, int] | None = None
    data: bytes | None = None
    while pos + 8 <= len(raw):
        cid = raw[pos : pos + 4]
        (size,) = struct.unpack_from("<I", raw, pos + 4)
        body = raw[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            if len(body) < 16:
                raise MediaError(f"{p}: WAV file is corrupt (short fmt chunk)")
            tag, channels, rate, _br, _align, bits = struct.unpack_from("<HHIIHH", body)
            if tag == _EXTENSIBLE and len(body) >= 26:
                (tag,) = struct.unpack_from("<H", body, 24)  # first 2 bytes of the sub-format GUID
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            data = body  # may be short when the file is truncated: keep what is there
            break
        pos += 8 + size + (size & 1)
    if fmt is None or data is None:
        raise MediaError(f"{p}: WAV file is truncated or corrupt (missing fmt or data chunk)")
    tag, channels, rate, bits = fmt
    if channels < 1 or rate < 1:
        raise MediaError(f"{p}: WAV file is corrupt (channels={channels}, rate={rate})")
    width = bits // 8
    frame = width * channels
    if frame == 0:
        return None
    data = data[: (len(data) // frame) * frame]
    if tag == _PCM and bits == 16:
        arr = from_int16(np.frombuffer(data, dtype="<i2"))
    elif tag == _PCM and bits == 8:
        arr = (np.frombuffer(data, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif tag == _PCM and bits == 24:
        b = np.frombuffer(data, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        arr = v.astype(np.float32) / float(1 << 23)
    elif tag == _PCM and bits == 32:
        arr = (np.frombuffer(data, dtype="<i4").astype(np.float64) / 2147483648.0).astype(
            np.float32
        )
    elif tag == _FLOAT and bits == 32:
        arr = np.frombuffer(data, dtype="<f4").astype(np.float32)
    elif tag == _FLOAT and bits == 64:
        arr = np.frombuffer(data, dtype="<f8").astype(np.float32)
    else:
        return None
    return _shape_out(arr, channels), int(rate)


def _read_with_av(p: Path) -> tuple[np.ndarray, int]:
    with open_container(p) as container:
        streams = [s for s in container.streams if s.type == "audio"]
        if not streams:
            raise MediaError(f"{p}: has no audio stream")
        stream = streams[0]
        rate = int(stream.codec_context.sample_rate)
        channels = int(stream.codec_context.channels) or 1
        parts: list[np.ndarray] = []
        try:
            for frame in container.decode(stream):
                arr = frame.to_ndarray()
                # planar: (channels, n) -> (n, channels); packed: (1, n * channels)
                arr = arr.T if frame.format.is_planar else arr.reshape(-1, channels)
                if arr.dtype.kind == "i":
                    arr = arr.astype(np.float32) / float(np.iinfo(arr.dtype).max + 1)
                elif arr.dtype.kind == "u":
                    arr = (arr.astype(np.float32) - 128.0) / 128.0
                parts.append(arr.astype(np.float32))
        except Exception as exc:
            raise MediaError(f"{p}: audio is truncated or corrupt ({_one_line(exc)})") from None
    data = np.concatenate(parts) if parts else np.zeros((0, channels), np.float32)
    return _shape_out(data, channels), rate


def read_wav(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """Read an audio file (normally WAV): float32 ``(n,)`` when mono else ``(n, channels)``,
    and the sample rate.  MediaError (one line) on a missing/empty/corrupt file."""
    p = check_readable(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise MediaError(f"{p}: cannot read file ({_one_line(exc.strerror or exc)})") from None
    parsed = _parse_wav(p, raw)
    if parsed is not None:
        return parsed
    return _read_with_av(p)


def write_wav(
    path: str | os.PathLike[str],
    samples: np.ndarray,
    sample_rate: int,
    *,
    float32: bool = False,
) -> Path:
    """Write ``samples`` (float -1..1, ``(n,)`` or ``(n, channels)``) as a WAV file.

    16-bit PCM by default (clipped), or 32-bit IEEE float with ``float32=True``.
    The file is written to a temporary name and renamed, so readers never see half a file.
    """
    p = Path(path)
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 1:
        channels = 1
    elif x.ndim == 2:
        channels = int(x.shape[1])
    else:
        raise ValueError("samples must be (n,) or (n, channels)")
    if float32:
        payload = np.ascontiguousarray(x, dtype="<f4").tobytes()
        tag, bits = _FLOAT, 32
    else:
        payload = to_int16(x).astype("<i2").tobytes()
        tag, bits = _PCM, 16
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, sample_rate, sample_rate * block, block, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if float32:  # non-PCM formats carry a fact chunk (sample frames)
        chunks += b"fact" + struct.pack("<II", 4, x.shape[0])
    chunks += b"data" + struct.pack("<I", len(payload)) + payload
    if len(payload) & 1:
        chunks += b"\x00"
    header = b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE"
    try:
        write_bytes_atomic(p, header + chunks, fsync=False)
    except OSError as exc:
        raise MediaError(f"{p}: cannot write file ({_one_line(exc.strerror or exc)})") from None
    return p


def _layout(channels: int) -> str:
    return {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")


def resample(samples: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    """Resample float audio (``(n,)`` or ``(n, channels)``) with FFmpeg's resampler (PyAV).

    The result has exactly ``round(n * sr_to / sr_from)`` frames and the input's shape kind.
    """
    import av

    x = np.asarray(samples, dtype=np.float32)
    if sr_from <= 0 or sr_to <= 0:
        raise ValueError("sample rates must be positive")
    mono = x.ndim == 1
    planar = x.reshape(1, -1) if mono else np.ascontiguousarray(x.T)
    channels, n = planar.shape
    n_out = round(n * sr_to / sr_from)
    if sr_from == sr_to or n == 0:
        return x.copy() if n_out == n else np.zeros((n_out, channels), np.float32).squeeze()
    layout = _layout(channels)
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=sr_to)
    out: list[np.ndarray] = []
    step = 1 << 16
    for i in range(0, n, step):
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(planar[:, i : i + step]), format="fltp", layout=layout
        )
        frame.sample_rate = sr_from
        frame.pts = i
        for o in resampler.resample(frame):
            out.append(o.to_ndarray())
    for o in resampler.resample(None):
        out.append(o.to_ndarray())
    y = np.concatenate(out, axis=1) if out else np.zeros((channels, 0), np.float32)
    if y.shape[1] < n_out:
        y = np.pad(y, ((0, 0), (0, n_out - y.shape[1])))
    y = y[:, :n_out].astype(np.float32)
    return y[0].copy() if mono else np.ascontiguousarray(y.T)
