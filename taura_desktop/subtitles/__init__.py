"""Subtitle files: reading (SRT, WebVTT, ASS/SSA, MicroDVD, TTML), writing (SRT, WebVTT, ASS,
TTML/IMSC1) and matching imported cues to existing segments."""

from taura_desktop.subtitles.io import (
    WRITE_FORMATS,
    Cue,
    SubtitleImport,
    format_for_path,
    match_by_overlap,
    read_subtitles,
    render_subtitles,
    write_subtitles,
)
from taura_desktop.subtitles.ttml import render_ttml, validate_ttml

__all__ = [
    "WRITE_FORMATS",
    "Cue",
    "SubtitleImport",
    "format_for_path",
    "match_by_overlap",
    "read_subtitles",
    "render_subtitles",
    "render_ttml",
    "validate_ttml",
    "write_subtitles",
]
