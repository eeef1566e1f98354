"""Retiming logic between mouse drags and the project (no Qt).

The timeline asks :func:`retime` where an edge (or the whole segment) should go when the user
drags it to ``target_ms``; the answer never overlaps a neighbour (a minimum gap is kept), keeps a
minimum duration, and snaps to word boundaries and neighbour edges when the target is within
``snap_ms`` of one (the caller converts its pixel tolerance to milliseconds at the current zoom).
:func:`retime_edit` turns the answer into an undoable :class:`~taura_desktop.core.edits.Edit`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from taura_desktop.core import edits
from taura_desktop.core.edits import Edit, EditError
from taura_desktop.core.timecode import format_ms

if TYPE_CHECKING:
    from taura_desktop.core.project import ProjectState

Edge = Literal["start", "end", "move"]

#: Two frames at 24 fps (Netflix minimum gap between events).
DEFAULT_MIN_GAP_MS = 84
#: Shortest segment a drag can produce.
DEFAULT_MIN_DURATION_MS = 200


def _nearest(points: Iterable[int], target: int, tolerance: int) -> int | None:
    best: int | None = None
    best_d = tolerance + 1
    for p in points:
        d = abs(p - target)
        if d < best_d:
            best, best_d = p, d
    return best


def bounds(
    state: ProjectState,
    seg_id: str,
    *,
    min_gap_ms: int = DEFAULT_MIN_GAP_MS,
    media_end_ms: int | None = None,
) -> tuple[int, int | None]:
    """The interval ``[lo, hi]`` the segment may occupy without touching its neighbours.

    ``hi`` is None when nothing limits the end. Segments that already overlap a neighbour
    are never made worse: the bound is relaxed to the segment's current edge.
    """
    seg = state.segments.get(seg_id)
    if seg is None:
        raise EditError(f"no segment with id {seg_id!r}")
    prev, nxt = state.neighbours(seg_id)
    lo = 0 if prev is None else min(prev.end_ms + min_gap_ms, seg.start_ms)
    hi: int | None = None
    if nxt is not None:
        hi = max(nxt.start_ms - min_gap_ms, seg.end_ms)
    if media_end_ms is not None:
        limit = max(media_end_ms, seg.end_ms)
        hi = limit if hi is None else min(hi, limit)
    return max(0, lo), hi


def retime(
    state: ProjectState,
    seg_id: str,
    edge: Edge,
    target_ms: int,
    *,
    snap_ms: int = 0,
    words: bool = True,
    extra_snaps: Iterable[int] = (),
    min_gap_ms: int = DEFAULT_MIN_GAP_MS,
    min_duration_ms: int = DEFAULT_MIN_DURATION_MS,
    media_end_ms: int | None = None,
) -> tuple[int, int]:
    """New ``(start_ms, end_ms)`` for dragging ``edge`` of ``seg_id`` to ``target_ms``.

    ``edge="move"``: ``target_ms`` is the wanted new start; the duration is kept and either
    edge may snap. Snap points: the segment's word boundaries (``words=True``, edges only),
    the nearest allowed positions next to the neighbours, and ``extra_snaps`` (the playhead).
    The result is clamped so the segment never overlaps a neighbour (``min_gap_ms`` apart)
    and is at least ``min_duration_ms`` long (or its current length if already shorter).
    """
    seg = state.segments.get(seg_id)
    if seg is None:
        raise EditError(f"no segment with id {seg_id!r}")
    if edge not in ("start", "end", "move"):
        raise EditError(f"unknown edge {edge!r} (expected start, end or move)")
    target = int(target_ms)
    lo, hi = bounds(state, seg_id, min_gap_ms=min_gap_ms, media_end_ms=media_end_ms)
    prev, nxt = state.neighbours(seg_id)
    min_dur = min(min_duration_ms, seg.duration_ms)
    extra = [int(x) for x in extra_snaps]
    neighbour_points = [lo] + ([] if hi is None else [hi])
    if prev is not None:
        neighbour_points.append(prev.start_ms)
    if nxt is not None:
        neighbour_points.append(nxt.end_ms)

    if edge == "move":
        dur = seg.duration_ms
        start = target
        if snap_ms > 0:
            by_start = _nearest(neighbour_points + extra, start, snap_ms)
            by_end = _nearest(neighbour_points + extra, start + dur, snap_ms)
            d_start = abs(by_start - start) if by_start is not None else snap_ms + 1
            d_end = abs(by_end - (start + dur)) if by_end is not None else snap_ms + 1
            if by_start is not None and d_start <= d_end:
                start = by_start
            elif by_end is not None:
                start = by_end - dur
        max_start = None if hi is None else hi - dur
        if max_start is not None and max_start < lo:
            return seg.start_ms, seg.end_ms  # no room to move at all
        start = max(lo, start)
        if max_start is not None:
            start = min(start, max_start)
        return start, start + dur

    points: list[int] = list(neighbour_points) + extra
    if words:
        for w in seg.words:
            points.append(w.start_ms)
            points.append(w.end_ms)
    if edge == "start":
        value = target
        if snap_ms > 0:
            snapped = _nearest(points, value, snap_ms)
            if snapped is not None:
                value = snapped
        value = max(lo, min(value, seg.end_ms - min_dur))
        return value, seg.end_ms
    value = target
    if snap_ms > 0:
        snapped = _nearest(points, value, snap_ms)
        if snapped is not None:
            value = snapped
    value = max(seg.start_ms + min_dur, value)
    if hi is not None:
        value = min(value, hi)
    return seg.start_ms, value


def retime_edit(
    state: ProjectState,
    seg_id: str,
    edge: Edge,
    target_ms: int,
    **options: object,
) -> Edit | None:
    """The undoable edit for :func:`retime` (None when nothing changes).

    Moving shifts the words with the segment; edge drags set the times and keep the words.
    """
    seg = state.segments[seg_id]
    start, end = retime(state, seg_id, edge, target_ms, **options)  # type: ignore[arg-type]
    if (start, end) == (seg.start_ms, seg.end_ms):
        return None
    if edge == "move":
        return edits.shift_segments(state, [seg_id], start - seg.start_ms)
    return edits.set_times(state, seg_id, start, end)


def typed_times_edit(state: ProjectState, seg_id: str, start_ms: int, end_ms: int) -> Edit | None:
    """The edit for times a person typed (None when nothing changes); EditError names the
    neighbour the new times would overlap."""
    seg = state.segments.get(seg_id)
    if seg is None:
        raise EditError(f"no segment with id {seg_id!r}")
    prev, nxt = state.neighbours(seg_id)
    if prev is not None and start_ms < prev.end_ms:
        raise EditError(
            f"start {format_ms(start_ms)} overlaps the previous segment (ends {format_ms(prev.end_ms)})"
        )
    if nxt is not None and end_ms > nxt.start_ms:
        raise EditError(
            f"end {format_ms(end_ms)} overlaps the next segment (starts {format_ms(nxt.start_ms)})"
        )
    if (start_ms, end_ms) == (seg.start_ms, seg.end_ms):
        return None
    return edits.set_times(state, seg_id, start_ms, end_ms)
