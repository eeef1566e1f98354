"""A project's segments as subtitle cues (the one place they are built, for every exporter)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taura_desktop.subtitles.io import Cue

if TYPE_CHECKING:
    from taura_desktop.core.project import ProjectState


def project_cues(state: ProjectState, lang: str | None) -> list[Cue]:
    """Cues of ``lang`` in time order (None or the source language = the source text);
    segments without text in that language are left out."""
    source = lang is None or lang == state.meta.source_lang
    cues = []
    for seg in state.ordered():
        if source:
            text = seg.source_text
        else:
            tr = seg.translation(lang or "")
            text = tr.text if tr else ""
        if text.strip():
            cues.append(Cue(seg.start_ms, seg.end_ms, text, italic="italic" in seg.flags))
    return cues
