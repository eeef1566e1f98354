"""Hand the dub to an editing suite: an OpenTimelineIO timeline (+ EDL / FCP XML via adapters).

Tracks: the video (one clip referencing the source), the original audio, one audio track per
language of dub clips separated by gaps (OTIO tracks are sequential; overlapping clips spill
into an extra track), and per language a subtitle track whose clips and markers carry the
cue text. Application data lives under the namespaced metadata key ``"taura"``.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from taura_desktop.errors import EngineUnavailableError, MediaError, UsageError
from taura_desktop.export.atomic import atomic_output

META_KEY = "taura"
SCHEMA = 1
DubClipRef = tuple[int, int, Path, str]  # (start_ms, duration_ms, wav_path, name)
Cue = tuple[int, int, str]  # (start_ms, end_ms, text)


def _otio() -> Any:
    try:
        import opentimelineio as otio
    except ImportError:
        raise EngineUnavailableError(
            "OpenTimelineIO: not installed; pip install opentimelineio"
        ) from None
    return otio


def _ms(otio: Any, ms: float) -> Any:
    return otio.opentime.RationalTime(float(ms), 1000.0)


def _range(otio: Any, start_ms: float, dur_ms: float) -> Any:
    return otio.opentime.TimeRange(_ms(otio, start_ms), _ms(otio, dur_ms))


def _lanes(items: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Greedy lane assignment: indices of ``(start, end)`` items per non-overlapping lane."""
    order = sorted(range(len(items)), key=lambda i: items[i][0])
    lanes: list[list[int]] = []
    ends: list[int] = []
    for i in order:
        s, e = items[i]
        for k, end in enumerate(ends):
            if s >= end:
                lanes[k].append(i)
                ends[k] = e
                break
        else:
            lanes.append([i])
            ends.append(e)
    return lanes


def _ref(otio: Any, path: Path, dur_ms: int) -> Any:
    return otio.schema.ExternalReference(
        target_url=Path(path).resolve().as_uri(), available_range=_range(otio, 0, dur_ms)
    )


def build_timeline(
    video: Path,
    duration_ms: int,
    fps: float,
    original_audio_wav: Path | None,
    dub_clips: Mapping[str, Sequence[DubClipRef]],
    subtitles: Mapping[str, Sequence[Cue]],
    *,
    name: str | None = None,
) -> Any:
    """The ``otio.schema.Timeline`` described in the module docstring."""
    otio = _otio()
    if duration_ms <= 0:
        raise UsageError(f"OTIO export: duration must be positive, got {duration_ms} ms")
    if fps <= 0:
        raise UsageError(f"OTIO export: fps must be positive, got {fps}")
    video = Path(video)
    tl = otio.schema.Timeline(name=name or video.stem)
    tl.global_start_time = otio.opentime.RationalTime(0, fps)
    tl.metadata[META_KEY] = {"schema": SCHEMA, "source_video": str(video.resolve()),
                             "fps": fps, "duration_ms": duration_ms}

    vtrack = otio.schema.Track(name="Video", kind=otio.schema.TrackKind.Video)
    vclip = otio.schema.Clip(
        name=video.name,
        media_reference=otio.schema.ExternalReference(
            target_url=video.resolve().as_uri(),
            available_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, fps),
                otio.opentime.RationalTime(duration_ms * fps / 1000.0, fps)),
        ),
        source_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, fps),
            otio.opentime.RationalTime(duration_ms * fps / 1000.0, fps)),
    )
    vtrack.append(vclip)
    tl.tracks.append(vtrack)

    atrack = otio.schema.Track(name="Original audio", kind=otio.schema.TrackKind.Audio)
    src = Path(original_audio_wav) if original_audio_wav is not None else video
    atrack.append(otio.schema.Clip(name=src.name, media_reference=_ref(otio, src, duration_ms),
                                   source_range=_range(otio, 0, duration_ms)))
    atrack.metadata[META_KEY] = {"kind": "original"}
    tl.tracks.append(atrack)

    for lang, clips in dub_clips.items():
        spans = [(int(c[0]), int(c[0]) + int(c[1])) for c in clips]
        for k, lane in enumerate(_lanes(spans)):
            track = otio.schema.Track(name=f"Dub {lang}" + (f" {k + 1}" if k else ""),
                                      kind=otio.schema.TrackKind.Audio)
            track.metadata[META_KEY] = {"kind": "dub", "lang": lang, "lane": k}
            cursor = 0
            for i in lane:
                start_ms, dur_ms, wav, cname = clips[i]
                if dur_ms <= 0:
                    raise UsageError(f"OTIO export: dub clip {cname!r} has no duration")
                if start_ms > cursor:
                    track.append(otio.schema.Gap(source_range=_range(otio, 0, start_ms - cursor)))
                clip = otio.schema.Clip(name=cname, media_reference=_ref(otio, Path(wav), dur_ms),
                                        source_range=_range(otio, 0, dur_ms))
                clip.metadata[META_KEY] = {"kind": "dub", "lang": lang, "start_ms": start_ms,
                                           "duration_ms": dur_ms}
                track.append(clip)
                cursor = max(cursor, start_ms) + dur_ms
            tl.tracks.append(track)

    for lang, cues in subtitles.items():
        spans = [(int(c[0]), int(c[1])) for c in cues]
        for k, lane in enumerate(_lanes(spans)):
            track = otio.schema.Track(name=f"Subtitles {lang}" + (f" {k + 1}" if k else ""),
                                      kind=otio.schema.TrackKind.Video)
            track.metadata[META_KEY] = {"kind": "subtitles", "lang": lang, "lane": k}
            cursor = 0
            for i in lane:
                start_ms, end_ms, text = cues[i]
                if end_ms <= start_ms:
                    raise UsageError(f"OTIO export: subtitle at {start_ms} ms ends before it starts")
                if start_ms > cursor:
                    track.append(otio.schema.Gap(source_range=_range(otio, 0, start_ms - cursor)))
                data = {"kind": "subtitle", "lang": lang, "text": text,
                        "start_ms": start_ms, "end_ms": end_ms}
                clip = otio.schema.Clip(name=text.replace("\n", " ")[:60],
                                        media_reference=otio.schema.MissingReference(),
                                        source_range=_range(otio, 0, end_ms - start_ms))
                clip.metadata[META_KEY] = dict(data)
                track.append(clip)
                marker = otio.schema.Marker(name=text.replace("\n", " ")[:60],
                                            marked_range=_range(otio, start_ms, end_ms - start_ms),
                                            color=otio.schema.MarkerColor.YELLOW)
                marker.metadata[META_KEY] = dict(data)
                track.markers.append(marker)
                cursor = end_ms
            tl.tracks.append(track)
    return tl


def export_otio(
    out: Path,
    video: Path,
    duration_ms: int,
    fps: float,
    original_audio_wav: Path | None,
    dub_clips: Mapping[str, Sequence[DubClipRef]],
    subtitles: Mapping[str, Sequence[Cue]],
) -> Path:
    """Write an ``.otio`` timeline (see :func:`build_timeline`) and return its path."""
    otio = _otio()
    out = Path(out)
    if out.suffix.lower() != ".otio":
        raise UsageError(f"{out}: OTIO timeline must end in .otio")
    tl = build_timeline(video, duration_ms, fps, original_audio_wav, dub_clips, subtitles)
    _write(otio, tl, out, "otio_json")
    return out


def _write(otio: Any, tl: Any, out: Path, adapter: str) -> None:
    with atomic_output(out) as tmp:
        try:
            otio.adapters.write_to_file(tl, str(tmp), adapter_name=adapter)
        except (OSError, otio.exceptions.OTIOError) as exc:
            raise MediaError(f"{out}: cannot write {adapter} ({' '.join(str(exc).split())})") from None


def _adapter(name: str, package: str) -> Any:
    otio = _otio()
    if name not in otio.adapters.available_adapter_names():
        raise EngineUnavailableError(
            f"OpenTimelineIO adapter {name}: not installed; pip install {package}"
        )
    return otio


def read_timeline(path: str | os.PathLike[str]) -> Any:
    """An ``.otio`` file as a timeline object (to write several formats from one read)."""
    return _otio().adapters.read_from_file(str(path))


def _load(timeline: Any | str | os.PathLike[str]) -> Any:
    """A timeline of one's own to change: read from a path, or a copy of the object."""
    if isinstance(timeline, str | os.PathLike):
        return read_timeline(timeline)
    return copy.deepcopy(timeline)


def _meta(t: Any) -> dict[str, Any]:
    return dict(t.metadata.get(META_KEY) or {})


def dub_lanes(timeline: Any | str | os.PathLike[str], lang: str) -> int:
    """How many tracks (lanes) ``lang``'s dub clips take: overlapping clips go to a second."""
    tl = read_timeline(timeline) if isinstance(timeline, str | os.PathLike) else timeline
    return len({_meta(t).get("lane") for t in tl.tracks
                if _meta(t).get("kind") == "dub" and _meta(t).get("lang") == lang})


def export_edl(
    out: Path, timeline: Any | str | os.PathLike[str], lang: str | None = None, lane: int = 0
) -> Path:
    """CMX 3600 EDL (one event list per file). Without ``lang``: the picture cut; with
    ``lang``: the events of that language's dub clips on ``lane`` (clips that overlap another
    are on lane 1 and so on: see :func:`dub_lanes`). Needs ``otio-cmx3600-adapter``."""
    otio = _adapter("cmx_3600", "otio-cmx3600-adapter")
    tl = _load(timeline)
    video = [t for t in tl.tracks if t.name == "Video"][:1]
    dubs = [t for t in tl.tracks if _meta(t).get("kind") == "dub" and _meta(t).get("lane") == lane
            and _meta(t).get("lang") == lang]
    if lang is not None and not dubs:
        raise UsageError(f"EDL export: the timeline has no dub track for language {lang!r}"
                         + (f" on lane {lane}" if lane else ""))
    keep = dubs[:1] + video  # the adapter writes the first track; it needs one video track
    tl.tracks[:] = [copy.deepcopy(t) for t in keep]
    _write(otio, _frames(otio, tl), Path(out), "cmx_3600")
    return Path(out)


def export_fcpxml(out: Path, timeline: Any | str | os.PathLike[str]) -> Path:
    """Final Cut Pro X XML of the whole timeline. Needs ``otio-fcpx-xml-adapter``."""
    otio = _adapter("fcpx_xml", "otio-fcpx-xml-adapter")
    _write(otio, _frames(otio, _load(timeline)), Path(out), "fcpx_xml")
    return Path(out)


def _frames(otio: Any, tl: Any) -> Any:
    """Rescale every item to whole frames of the timeline rate (EDL/XML count frames).

    Cut points are rounded from the exact cumulative position on each track, so rounding
    never accumulates into drift."""
    fps = float((tl.metadata.get(META_KEY) or {}).get("fps") or 25.0)

    def rt(frames: float) -> Any:
        return otio.opentime.RationalTime(float(round(frames)), fps)

    for track in tl.tracks:
        pos = 0.0  # exact seconds
        for item in track:
            sr = item.source_range
            if sr is None:
                continue
            dur = sr.duration.to_seconds()
            start_f, end_f = round(pos * fps), round((pos + dur) * fps)
            item.source_range = otio.opentime.TimeRange(
                rt(sr.start_time.to_seconds() * fps), rt(end_f - start_f))
            ref: Any = getattr(item, "media_reference", None)
            ar = getattr(ref, "available_range", None)
            if ref is not None and ar is not None:
                ref.available_range = otio.opentime.TimeRange(
                    rt(ar.start_time.to_seconds() * fps),
                    rt(max(end_f - start_f, round(ar.duration.to_seconds() * fps))))
            pos += dur
        for m in track.markers:
            mr = m.marked_range
            m.marked_range = otio.opentime.TimeRange(
                rt(mr.start_time.to_seconds() * fps), rt(mr.duration.to_seconds() * fps))
    return tl
