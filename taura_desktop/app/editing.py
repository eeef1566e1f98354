"""A person's edits in the segment table: typed text and typed times.

Each function computes one undoable :class:`~taura_desktop.core.edits.Edit` (None when nothing
would change) for the caller to apply with :meth:`Project.apply`. Split, merge and dragged
times are the core's own commands (``edits.split_segment``, ``edits.merge_segments``,
``timing.retime_edit``).
"""

from __future__ import annotations

from collections.abc import Iterable

from taura_desktop.core import edits, timing
from taura_desktop.core.edits import Edit
from taura_desktop.core.project import Project


def combine(description: str, parts: Iterable[Edit]) -> Edit:
    """One undo step out of several single-segment edits (each touching distinct segments)."""
    pairs = tuple(p for e in parts for p in e.segments)
    return Edit(description, segments=pairs)


def source_text(project: Project, seg_id: str, text: str) -> Edit | None:
    seg = project.segment(seg_id)
    if text == seg.source_text:
        return None
    return edits.set_source_text(project.state, seg_id, text)


def translation_text(project: Project, seg_id: str, lang: str, text: str) -> Edit | None:
    tr = project.segment(seg_id).translation(lang)
    if tr is not None and text == tr.text:
        return None
    return edits.set_translation_text(project.state, seg_id, lang, text)


def typed_times(project: Project, seg_id: str, start_ms: int | None, end_ms: int | None) -> Edit | None:
    """New times a person typed (None keeps that edge); EditError when they overlap a neighbour."""
    seg = project.segment(seg_id)
    start = seg.start_ms if start_ms is None else start_ms
    end = seg.end_ms if end_ms is None else end_ms
    return timing.typed_times_edit(project.state, seg_id, start, end)
