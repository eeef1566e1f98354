"""Probe a media file: its streams, duration and a cheap fingerprint.

:func:`probe` reads the container header with PyAV; :func:`probe_streams` asks ffprobe for
what a written file holds (dispositions, handler names, packet counts) to check an export.
Every failure is a :class:`~taura_desktop.errors.MediaError` whose message is one line naming
the file and the problem; no PyAV exception or traceback ever escapes this module.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taura_desktop.core.model import MediaRef
from taura_desktop.errors import MediaError
from taura_desktop.media.ffmpeg import ffprobe_bin

HEAD_BYTES = 1 << 20  # the fingerprint hashes the first MiB

# Container signatures: a file that starts like media but cannot be opened is corrupt or
# truncated; one that starts like nothing we know is "not a media file".
_MAGIC: tuple[tuple[int, bytes], ...] = (
    (4, b"ftyp"),  # MP4 / MOV / M4A / 3GP
    (4, b"moov"),
    (4, b"mdat"),
    (4, b"wide"),
    (4, b"free"),
    (0, b"RIFF"),  # WAV / AVI
    (0, b"OggS"),
    (0, b"fLaC"),
    (0, b"ID3"),  # MP3 with a tag
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska / WebM
    (0, b"FLV"),
    (0, b"#!AMR"),
    (0, b"\x30\x26\xb2\x75"),  # ASF / WMV
    (0, b"FORM"),  # AIFF
    (0, b"\x00\x00\x01\xba"),  # MPEG-PS
    (0, b"\x47"),  # MPEG-TS sync byte (weak, checked last)
)


@dataclass(frozen=True, slots=True)
class StreamInfo:
    index: int
    kind: str  # "video" | "audio" | "subtitle" | "other"
    codec: str
    language: str | None = None  # ISO 639-2 tag as stored ("eng"); None when absent or "und"
    title: str | None = None
    channels: int | None = None
    sample_rate: int | None = None
    fps: float | None = None
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None


@dataclass(frozen=True, slots=True)
class MediaInfo:
    path: Path
    size: int
    duration_ms: int
    streams: tuple[StreamInfo, ...]

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        return any(s.kind == "audio" for s in self.streams)

    @property
    def video(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "video"), None)

    @property
    def audio_streams(self) -> tuple[StreamInfo, ...]:
        return tuple(s for s in self.streams if s.kind == "audio")

    @property
    def fps(self) -> float | None:
        v = self.video
        return v.fps if v else None

    @property
    def width(self) -> int | None:
        v = self.video
        return v.width if v else None

    @property
    def height(self) -> int | None:
        v = self.video
        return v.height if v else None


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def check_readable(path: str | os.PathLike[str]) -> Path:
    """Check that ``path`` is an existing, non-empty, readable regular file.

    Returns it as a :class:`Path`; raises :class:`MediaError` otherwise.
    """
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise MediaError(f"{p}: file not found") from None
    except PermissionError:
        raise MediaError(f"{p}: permission denied") from None
    except OSError as exc:
        raise MediaError(f"{p}: cannot access file ({_one_line(exc.strerror or exc)})") from None
    if p.is_dir():
        raise MediaError(f"{p}: is a folder, not a media file")
    if st.st_size == 0:
        raise MediaError(f"{p}: file is empty (0 bytes)")
    try:
        with p.open("rb") as fh:
            fh.read(1)
    except PermissionError:
        raise MediaError(f"{p}: permission denied (cannot read the file)") from None
    except OSError as exc:
        raise MediaError(f"{p}: cannot read file ({_one_line(exc.strerror or exc)})") from None
    return p


def _read_head(p: Path, n: int = HEAD_BYTES) -> bytes:
    try:
        with p.open("rb") as fh:
            return fh.read(n)
    except PermissionError:
        raise MediaError(f"{p}: permission denied (cannot read the file)") from None
    except OSError as exc:
        raise MediaError(f"{p}: cannot read file ({_one_line(exc.strerror or exc)})") from None


def _looks_like_media(head: bytes) -> bool:
    for offset, magic in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if magic == b"\x47":  # MPEG-TS: sync bytes every 188 bytes
                return len(head) > 188 * 2 and head[188] == 0x47 and head[376] == 0x47
            return True
    return False


def _open_error(p: Path, exc: BaseException) -> MediaError:
    """Translate an exception raised while opening ``p`` into one clear MediaError."""
    code = getattr(exc, "errno", None)
    if isinstance(exc, PermissionError) or code in (errno.EACCES, errno.EPERM):
        return MediaError(f"{p}: permission denied (cannot read the file)")
    if isinstance(exc, FileNotFoundError) or code == errno.ENOENT:
        return MediaError(f"{p}: file not found")
    if isinstance(exc, IsADirectoryError) or code == errno.EISDIR:
        return MediaError(f"{p}: is a folder, not a media file")
    head = b""
    with contextlib.suppress(MediaError):
        head = _read_head(p, 4096)
    if _looks_like_media(head):
        return MediaError(f"{p}: file is truncated or corrupt (cannot read its container)")
    return MediaError(f"{p}: not a media file (format not recognized)")


@contextlib.contextmanager
def open_container(path: str | os.PathLike[str]) -> Iterator[Any]:
    """Open ``path`` with PyAV for reading; every failure becomes a one-line MediaError."""
    import av

    p = check_readable(path)
    try:
        container = av.open(str(p), mode="r")
    except MediaError:
        raise
    except Exception as exc:  # av.error.* and OSError alike
        raise _open_error(p, exc) from None
    try:
        yield container
    finally:
        with contextlib.suppress(Exception):
            container.close()


def _ms(value: Any, time_base: Any) -> int | None:
    if value is None or time_base is None:
        return None
    try:
        return round(float(value * time_base) * 1000)
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _tag(meta: Any, key: str) -> str | None:
    try:
        value = meta.get(key)
    except Exception:
        return None
    if not value:
        return None
    value = str(value).strip()
    if key == "language" and value.lower() in ("und", ""):
        return None
    return value or None


def _stream_info(stream: Any) -> StreamInfo:
    kind = str(getattr(stream, "type", "other") or "other")
    if kind not in ("video", "audio", "subtitle"):
        kind = "other"
    if kind == "video":
        # Cover art in audio files (mp3/m4a) is a one-picture "video" stream: not a video.
        with contextlib.suppress(Exception):
            if int(stream.disposition) & 1024:  # AV_DISPOSITION_ATTACHED_PIC
                kind = "other"
    codec = "unknown"
    with contextlib.suppress(Exception):
        codec = str(stream.codec_context.name)
    meta = getattr(stream, "metadata", {}) or {}
    info: dict[str, Any] = {
        "index": int(stream.index),
        "kind": kind,
        "codec": codec,
        "language": _tag(meta, "language"),
        "title": _tag(meta, "title"),
        "duration_ms": _ms(stream.duration, stream.time_base),
    }
    if kind == "audio":
        cc = stream.codec_context
        with contextlib.suppress(Exception):
            info["channels"] = int(cc.channels) or None
        with contextlib.suppress(Exception):
            info["sample_rate"] = int(cc.sample_rate) or None
    elif kind == "video":
        cc = stream.codec_context
        with contextlib.suppress(Exception):
            info["width"] = int(cc.width) or None
            info["height"] = int(cc.height) or None
        rate = None
        for attr in ("average_rate", "guessed_rate", "base_rate"):
            with contextlib.suppress(Exception):
                rate = getattr(stream, attr)
            if rate:
                break
        if rate:
            info["fps"] = round(float(rate), 3)
    return StreamInfo(**info)


def probe(path: str | os.PathLike[str]) -> MediaInfo:
    """Read the container header of ``path``: streams, languages, fps, size, duration."""
    p = check_readable(path)
    size = p.stat().st_size
    with open_container(p) as container:
        try:
            streams = tuple(_stream_info(s) for s in container.streams)
            duration_ms = None
            if container.duration is not None:
                duration_ms = round(container.duration / 1000)  # AV_TIME_BASE = 1e6
        except MediaError:
            raise
        except Exception as exc:
            raise MediaError(
                f"{p}: file is truncated or corrupt ({_one_line(exc)})"
            ) from None
    if not any(s.kind in ("audio", "video") for s in streams):
        raise MediaError(f"{p}: contains no audio or video stream")
    if duration_ms is None or duration_ms <= 0:
        durations = [s.duration_ms for s in streams if s.duration_ms]
        duration_ms = max(durations) if durations else 0
    if duration_ms <= 0:
        raise MediaError(f"{p}: cannot tell the duration (file truncated or corrupt?)")
    return MediaInfo(path=p, size=size, duration_ms=duration_ms, streams=streams)


# What the MP4 muxer takes as a stream copy (ffmpeg 5): anything else cannot be copied into an
# MP4 master. Video is never re-encoded (such a source goes into MKV); audio is transcoded.
MP4_VIDEO_CODECS = frozenset({"h264", "hevc", "av1", "vp9", "mpeg4", "mpeg2video", "mpeg1video", "mjpeg"})
MP4_AUDIO_CODECS = frozenset({"aac", "mp3", "ac3", "eac3", "alac", "mp2"})


def mp4_video_ok(info: MediaInfo) -> bool:
    """Whether the source video can be copied into an MP4 (True when there is no video)."""
    return info.video is None or info.video.codec in MP4_VIDEO_CODECS


def mp4_audio_ok(info: MediaInfo) -> bool:
    """Whether the first audio stream can be copied into an MP4 (else it is transcoded)."""
    streams = info.audio_streams
    return not streams or streams[0].codec in MP4_AUDIO_CODECS


def check_complete(info: MediaInfo) -> None:
    """MediaError when the file ends before its index says it does (a truncated download or
    copy of a "faststart" MP4 announces the full duration but holds only the first part)."""
    import av

    streams = [s for s in info.streams if s.kind in ("audio", "video")]
    end_s = info.duration_ms / 1000
    try:
        container = av.open(str(info.path))
    except Exception:  # probe() already read it; nothing more to learn here
        return
    try:
        for st in streams:
            stream = container.streams[st.index]
            if stream.time_base is None:
                continue
            target = max(0.0, end_s - 1.5)
            try:
                container.seek(int(target / stream.time_base), stream=stream, backward=True)
                got = False
                for packet in container.demux(stream):
                    if packet.size:
                        got = True
                        break
            except av.error.EOFError:
                got = False
            except Exception:  # formats that cannot seek: nothing to conclude
                continue
            if not got:
                raise MediaError(
                    f"{info.path}: file is truncated (its index says {end_s:.1f} s, but the "
                    f"{st.kind} data stops early; an incomplete download or copy?)"
                )
    finally:
        container.close()


def require_audio(info: MediaInfo) -> StreamInfo:
    """Return the first audio stream of ``info``; MediaError when there is none."""
    streams = info.audio_streams
    if not streams:
        raise MediaError(f"{info.path}: has no audio stream")
    return streams[0]


def head_sha1(path: str | os.PathLike[str]) -> str:
    """sha1 (hex) of the first MiB of ``path``."""
    p = check_readable(path)
    return hashlib.sha1(_read_head(p)).hexdigest()


def fingerprint(path: str | os.PathLike[str], info: MediaInfo | None = None) -> MediaRef:
    """A :class:`MediaRef` for ``path`` (absolute path, size, duration, sha1 of the first MiB);
    MediaError for a file that ends before its index says (see :func:`check_complete`)."""
    p = check_readable(path)
    if info is None:
        info = probe(p)
    check_complete(info)
    return MediaRef(
        path=str(p.resolve()),
        size=info.size,
        duration_ms=info.duration_ms,
        head_sha1=head_sha1(p),
        has_video=info.has_video,
        fps=info.fps,
        width=info.width,
        height=info.height,
    )


def media_difference(ref: MediaRef, path: str | os.PathLike[str] | None = None) -> str | None:
    """None when ``path`` (default: where ``ref`` points) holds the media ``ref`` was made
    from (same size, same first MiB); else what differs: ``"missing"``, ``"unreadable"``, or
    ``"a different file (...)"``."""
    p = Path(path if path is not None else ref.path)
    try:
        size = p.stat().st_size
        if size != ref.size:
            return f"a different file ({size} bytes, the project's media had {ref.size})"
        if hashlib.sha1(_read_head(p)).hexdigest() != ref.head_sha1:
            return "a different file (same size, different content)"
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "unreadable"
    return None


@functools.lru_cache(maxsize=16)
def _probe_cached(path: str, size: int, mtime_ns: int) -> MediaInfo:
    return probe(path)


def probe_cached(path: str | os.PathLike[str]) -> MediaInfo:
    """:func:`probe`, remembered while the file is unchanged (one container read per export)."""
    p = check_readable(path)
    st = p.stat()
    return _probe_cached(str(p), st.st_size, st.st_mtime_ns)


def audio_channels(path: str | os.PathLike[str]) -> int | None:
    """Channel count of the first audio stream, None when there is none."""
    streams = probe_cached(path).audio_streams
    return streams[0].channels if streams else None


@dataclass(frozen=True, slots=True)
class ProbedStream:
    """One stream of a file as ffprobe reads it (see :func:`probe_streams`)."""

    index: int
    kind: str  # "video" | "audio" | "subtitle" | "data" | ...
    codec: str
    language: str | None
    title: str | None  # MKV title, or the MP4 handler name (MP4 keeps track names there)
    default: bool
    duration_ms: int | None
    packets: int | None = None  # video only (counted)
    start_ms: int | None = None  # first timestamp (MKV shifts video by the AAC priming delay)


def _ffprobe_json(args: Sequence[str], path: Path) -> dict[str, Any]:
    r = subprocess.run([ffprobe_bin(), "-v", "error", "-of", "json", *args, str(path)],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        msg = " ".join((r.stderr.strip().splitlines() or ["unreadable"])[-1].split())
        raise MediaError(f"{path}: cannot probe ({msg})")
    data: dict[str, Any] = json.loads(r.stdout or "{}")
    return data


def _seconds_ms(value: Any) -> int | None:
    try:
        return round(float(value) * 1000)
    except (TypeError, ValueError):
        return None


def probe_streams(
    path: str | os.PathLike[str], *, count_video_packets: bool = True
) -> tuple[int | None, list[ProbedStream]]:
    """(container duration in ms, streams) of ``path`` as ffprobe reads them.

    The video packet count comes from the MP4/MOV sample table when there is one, else
    ffprobe counts the packets (reads the file)."""
    p = Path(path)
    data = _ffprobe_json(["-show_streams", "-show_format"], p)
    packets: int | None = None
    first_v = next((s for s in data.get("streams", []) if s.get("codec_type") == "video"), None)
    with_index = p.suffix.lower() in (".mp4", ".m4v", ".mov")
    if count_video_packets and with_index and first_v is not None:  # MP4/MOV: the sample table counts
        try:
            packets = int(first_v.get("nb_frames"))
        except (TypeError, ValueError):
            packets = None
    if count_video_packets and packets is None and first_v is not None:
        cnt = _ffprobe_json(["-select_streams", "v:0", "-count_packets", "-show_entries",
                             "stream=nb_read_packets"], p)
        with_counts = cnt.get("streams") or [{}]
        try:
            packets = int(with_counts[0].get("nb_read_packets"))
        except (TypeError, ValueError):
            packets = None
    out: list[ProbedStream] = []
    first_video = True
    for s in data.get("streams", []):
        tags = {str(k).lower(): str(v) for k, v in (s.get("tags") or {}).items()}
        kind = str(s.get("codec_type", "other"))
        lang = tags.get("language")
        title = tags.get("title")
        if title is None and kind != "video":
            handler = tags.get("handler_name")
            if handler and handler not in ("SoundHandler", "SubtitleHandler", "VideoHandler"):
                title = handler
        out.append(ProbedStream(
            index=int(s.get("index", len(out))),
            kind=kind,
            codec=str(s.get("codec_name", "unknown")),
            language=None if lang in (None, "und") else lang,
            title=title,
            default=bool((s.get("disposition") or {}).get("default")),
            duration_ms=_seconds_ms(s.get("duration")),
            packets=packets if kind == "video" and first_video else None,
            start_ms=_seconds_ms(s.get("start_time")),
        ))
        if kind == "video":
            first_video = False
    return _seconds_ms((data.get("format") or {}).get("duration")), out
