"""Subtitle segmentation: profiles, the cue cutter, line breaking and quality checks."""

from taura_desktop.segmentation.cutter import CutCue, cut_words
from taura_desktop.segmentation.linebreak import break_lines
from taura_desktop.segmentation.profiles import (
    BBC,
    NETFLIX,
    YOUTUBE,
    Profile,
    display_width,
    get_profile,
)
from taura_desktop.segmentation.qc import QcInput, QcIssue, QcReport, check_cues, to_json

__all__ = [
    "BBC",
    "NETFLIX",
    "YOUTUBE",
    "CutCue",
    "Profile",
    "QcInput",
    "QcIssue",
    "QcReport",
    "break_lines",
    "check_cues",
    "cut_words",
    "display_width",
    "get_profile",
    "to_json",
]
