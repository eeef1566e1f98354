"""Probe a written master and list what is wrong with it (streams, tags, durations)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taura_desktop.errors import EngineUnavailableError, MediaError


@dataclass(frozen=True, slots=True)
class ProbedStream:
    index: int
    kind: str  # "video" | "audio" | "subtitle" | "data" | ...
    codec: str
    language: str | None
    title: str | None  # MKV title, or the MP4 handler name (MP4 keeps track names there)
    default: bool
    duration_ms: int | None
    packets: int | None = None  # video only (counted)
    start_ms: int | None = None  # first timestamp (MKV shifts video by the AAC priming delay)


@dataclass(frozen=True, slots=True)
class ExpectedTrack:
    lang: str  # ISO 639-2
    title: str


def _ffprobe() -> str:
    exe = shutil.which("ffprobe")
    if exe is None:
        raise EngineUnavailableError("ffprobe: not found on PATH; install ffmpeg (apt-get install ffmpeg)")
    return exe


def _run_json(args: Sequence[str], path: Path) -> dict[str, Any]:
    r = subprocess.run([_ffprobe(), "-v", "error", "-of", "json", *args, str(path)],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        msg = " ".join((r.stderr.strip().splitlines() or ["unreadable"])[-1].split())
        raise MediaError(f"{path}: cannot probe ({msg})")
    data: dict[str, Any] = json.loads(r.stdout or "{}")
    return data


def _ms(value: Any) -> int | None:
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
    data = _run_json(["-show_streams", "-show_format"], p)
    packets: int | None = None
    first_v = next((s for s in data.get("streams", []) if s.get("codec_type") == "video"), None)
    with_index = p.suffix.lower() in (".mp4", ".m4v", ".mov") and first_v is not None
    if count_video_packets and with_index:  # MP4/MOV: the sample table holds the count
        try:
            packets = int(first_v.get("nb_frames"))  # type: ignore[union-attr]
        except (TypeError, ValueError):
            packets = None
    if count_video_packets and packets is None and first_v is not None:
        cnt = _run_json(["-select_streams", "v:0", "-count_packets", "-show_entries",
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
            duration_ms=_ms(s.get("duration")),
            packets=packets if kind == "video" and first_video else None,
            start_ms=_ms(s.get("start_time")),
        ))
        if kind == "video":
            first_video = False
    return _ms((data.get("format") or {}).get("duration")), out


def verify_master(
    path: str | os.PathLike[str],
    *,
    source: str | os.PathLike[str],
    original: ExpectedTrack | None,
    dubs: Sequence[ExpectedTrack],
    subtitles: Sequence[ExpectedTrack],
    fps: float | None,
    source_probe: tuple[int | None, list[ProbedStream]] | None = None,
) -> tuple[int | None, list[ProbedStream], list[str]]:
    """Probe ``path`` and compare with what was asked; returns (duration, streams, problems).

    Checks: the video stream is the source's (same codec and packet count: copied, not
    re-encoded), audio/subtitle tracks in order with language tags and titles, the first dub
    is the default audio track, and the duration is within one frame of the source.
    ``source_probe``: ``probe_streams(source)`` when the caller already has it.
    """
    p = Path(path)
    problems: list[str] = []
    src_dur, src_streams = source_probe if source_probe is not None else probe_streams(source)
    dur, streams = probe_streams(p)
    src_v = next((s for s in src_streams if s.kind == "video"), None)
    out_v = next((s for s in streams if s.kind == "video"), None)
    if src_v is not None:
        if out_v is None:
            problems.append(f"{p.name}: video stream is missing")
        else:
            if out_v.codec != src_v.codec:
                problems.append(f"{p.name}: video codec {out_v.codec} differs from source {src_v.codec}")
            if src_v.packets is not None and out_v.packets != src_v.packets:
                problems.append(
                    f"{p.name}: video has {out_v.packets} packets, source has {src_v.packets} (not a copy)"
                )
    audio = [s for s in streams if s.kind == "audio"]
    want_audio = ([original] if original is not None else []) + list(dubs)
    if len(audio) != len(want_audio):
        problems.append(f"{p.name}: {len(audio)} audio tracks, expected {len(want_audio)}")
    for i, (got, want) in enumerate(zip(audio, want_audio, strict=False)):
        if got.language != (None if want.lang == "und" else want.lang):
            problems.append(f"{p.name}: audio track {i} language {got.language!r}, expected {want.lang!r}")
        if want.title and got.title != want.title:
            problems.append(f"{p.name}: audio track {i} title {got.title!r}, expected {want.title!r}")
    if dubs and len(audio) == len(want_audio):
        first = len(want_audio) - len(dubs)
        for i, s in enumerate(audio):
            if s.default != (i == first):
                state = "is" if s.default else "is not"
                problems.append(f"{p.name}: audio track {i} {state} marked default")
    subs = [s for s in streams if s.kind == "subtitle"]
    if len(subs) != len(subtitles):
        problems.append(f"{p.name}: {len(subs)} subtitle tracks, expected {len(subtitles)}")
    for i, (got, want) in enumerate(zip(subs, subtitles, strict=False)):
        if got.language != want.lang:
            problems.append(f"{p.name}: subtitle track {i} language {got.language!r}, expected {want.lang!r}")
    if dur is None or src_dur is None:
        problems.append(f"{p.name}: duration unknown")
    else:
        # measured from the first picture: MKV shifts everything by the AAC priming delay
        shift = (out_v.start_ms or 0) if out_v is not None else 0
        src_shift = (src_v.start_ms or 0) if src_v is not None else 0
        frame_ms = 1000.0 / fps if fps else 40.0
        if abs((dur - shift) - (src_dur - src_shift)) > frame_ms + 0.5:
            problems.append(
                f"{p.name}: duration {dur / 1000:.3f} s differs from source {src_dur / 1000:.3f} s "
                "by more than one frame"
            )
    return dur, streams, problems
