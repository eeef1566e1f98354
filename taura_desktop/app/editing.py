"""A person's edits of segments: typed text and typed times, find and replace-all.

Each edit function computes one undoable :class:`~taura_desktop.core.edits.Edit` (None when
nothing would change) for the caller to apply with :meth:`Project.apply`. Split, merge and
dragged times are the core's own commands (``edits.split_segment``, ``edits.merge_segments``,
``timing.retime_edit``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from taura_desktop.core import edits, timing
from taura_desktop.core.edits import Edit
from taura_desktop.core.model import Segment
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


# -- find and replace --------------------------------------------------------------------------


def _fields(seg: Segment, lang: str | None, field: str) -> list[str]:
    out = []
    if field in ("source", "both"):
        out.append(seg.source_text)
    if field in ("translation", "both") and lang:
        tr = seg.translation(lang)
        out.append(tr.text if tr else "")
    return out


def search_pattern(
    needle: str, *, case_sensitive: bool = False, whole_word: bool = False, regex: bool = False
) -> re.Pattern[str]:
    """The compiled search for the find/replace bar (a bad regular expression is an EditError)."""
    body = needle if regex else re.escape(needle)
    if whole_word:
        body = rf"\b(?:{body})\b"
    try:
        return re.compile(body, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise edits.EditError(f"not a valid regular expression: {exc}") from None


def text_matches(seg: Segment, lang: str | None, needle: str, field: str, case_sensitive: bool) -> bool:
    if case_sensitive:
        return any(needle in t for t in _fields(seg, lang, field))
    low = needle.casefold()
    return any(low in t.casefold() for t in _fields(seg, lang, field))


def find_next(
    project: Project,
    order: Sequence[str],
    needle: str,
    *,
    lang: str | None,
    field: str = "both",
    after: str | None = None,
    backwards: bool = False,
    case_sensitive: bool = False,
    whole_word: bool = False,
    regex: bool = False,
) -> str | None:
    """Id of the next segment (in ``order``, wrapping) whose text matches ``needle``."""
    if not needle or not order:
        return None
    pattern = search_pattern(needle, case_sensitive=case_sensitive, whole_word=whole_word, regex=regex)
    n = len(order)
    start = order.index(after) if after is not None and after in order else (-1 if not backwards else n)
    step = -1 if backwards else 1
    segs = project.state.segments
    for k in range(1, n + 1):
        sid = order[(start + step * k) % n]
        if any(pattern.search(t) for t in _fields(segs[sid], lang, field)):
            return sid
    return None


def replace_all(
    project: Project,
    needle: str,
    replacement: str,
    *,
    lang: str | None,
    field: str = "translation",
    case_sensitive: bool = False,
    seg_ids: Iterable[str] | None = None,
    whole_word: bool = False,
    regex: bool = False,
    count: int = 0,
) -> Edit:
    """One undoable edit replacing ``needle`` in the source or translation of segments
    (``count``: at most that many replacements per segment, 0 = all; with ``regex`` the
    replacement may use ``\\1`` group references)."""
    if field not in ("source", "translation"):
        raise edits.EditError(f"replace works on source or translation, not {field!r}")
    if field == "translation" and not lang:
        raise edits.EditError("the project has no target language to replace in")
    pattern = search_pattern(needle, case_sensitive=case_sensitive, whole_word=whole_word, regex=regex)
    state = project.state
    parts: list[Edit] = []
    ids = list(seg_ids) if seg_ids is not None else state.ids()
    if regex:
        subst: Callable[[str], str] = lambda t: pattern.sub(replacement, t, count=count)  # noqa: E731
    else:
        subst = lambda t: pattern.sub(lambda _m: replacement, t, count=count)  # noqa: E731
    try:
        for sid in ids:
            seg = state.segments[sid]
            if field == "source":
                new = subst(seg.source_text)
                if new != seg.source_text:
                    parts.append(edits.set_source_text(state, sid, new))
            else:
                assert lang is not None
                tr = seg.translation(lang)
                if tr is not None:
                    new = subst(tr.text)
                    if new != tr.text:
                        parts.append(edits.set_translation_text(state, sid, lang, new))
    except re.error as exc:  # a bad group reference in the replacement
        raise edits.EditError(f"replacement: {exc}") from None
    return combine(f"Replace “{needle}”", parts)
