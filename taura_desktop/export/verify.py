"""Compare a written master with what was asked and list what is wrong (streams, tags, durations).

The probing itself is :func:`taura_desktop.media.probe.probe_streams`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from taura_desktop.media.probe import ProbedStream, probe_streams


@dataclass(frozen=True, slots=True)
class ExpectedTrack:
    lang: str  # ISO 639-2
    title: str


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
