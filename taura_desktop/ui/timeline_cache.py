"""Timeline data: track layout constants, colours, and the per-revision segment cache
(ordered segments, bisectable start times, per-track category arrays for fast painting)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Literal

import numpy as np
from PySide6.QtGui import (
    QColor,
)

from taura_desktop.core.model import FitStatus, Segment, Status
from taura_desktop.pipeline.stale import stale_reason

if TYPE_CHECKING:
    from taura_desktop.core.project import Project

HEADER_W = 92
RULER_H = 22
SCROLL_H = 14
WAVE_H = 56
SOURCE_H = 34
TRANS_H = 28
VOICE_H = 22  # tall enough to show each clip's waveform
EDGE_PX = 5
DRAG_START_PX = 3
TILE_W = 256
MAX_TILES = 160
MIN_MS_PER_PX = 0.5
MAX_MS_PER_PX = 60_000.0
#: Draw individual segments when fewer than ``width / DETAIL_PX`` are visible.
DETAIL_PX = 3


class TrackKind(Enum):
    WAVE = "wave"
    SOURCE = "source"
    TRANSLATION = "translation"
    VOICE = "voice"


@dataclass(frozen=True, slots=True)
class Track:
    kind: TrackKind
    lang: str | None
    y: int
    h: int
    label: str


# category codes kept in numpy arrays per track
_TR_NONE, _TR_DRAFT, _TR_REVIEW, _TR_APPROVED = 0, 1, 2, 3
_TR_CODE = {Status.DRAFT: _TR_DRAFT, Status.NEEDS_REVIEW: _TR_REVIEW, Status.APPROVED: _TR_APPROVED}
_V_NONE, _V_OK, _V_EXT, _V_STRETCH, _V_OVER, _V_STALE = 0, 1, 2, 3, 4, 5
_V_CODE = {
    FitStatus.OK: _V_OK,
    FitStatus.EXTENDED: _V_EXT,
    FitStatus.STRETCHED: _V_STRETCH,
    FitStatus.OVERFLOW: _V_OVER,
}

SRC_COLOR = QColor(70, 120, 200)
TR_COLORS = {
    _TR_DRAFT: QColor(120, 130, 150),
    _TR_REVIEW: QColor(215, 140, 0),
    _TR_APPROVED: QColor(40, 160, 70),
}
V_COLORS = {
    _V_OK: QColor(40, 160, 70),
    _V_EXT: QColor(30, 140, 160),
    _V_STRETCH: QColor(225, 150, 20),
    _V_OVER: QColor(210, 50, 50),
    _V_STALE: QColor(150, 80, 200),
}
#: (code, legend label) in the order the legend shows them
V_LEGEND = (
    (_V_OK, "ok"),
    (_V_EXT, "extended"),
    (_V_STRETCH, "sped up"),
    (_V_OVER, "overflow"),
    (_V_STALE, "stale"),
)
SEL_COLOR = QColor(255, 210, 40)
PLAYHEAD_COLOR = QColor(230, 40, 40)
WAVE_COLOR = QColor(90, 160, 220)

DragMode = Literal["start", "end", "move", "seek", "pending"]


@dataclass(slots=True)
class Drag:
    mode: DragMode
    seg_id: str | None
    press_x: float
    press_ms: int
    grab_ms: int  # where inside the segment (or edge) the press happened
    preview: tuple[int, int] | None = None
    want: DragMode = "move"


class TimelineCache:
    """Ordered segments and per-track arrays for one project revision."""

    def __init__(self) -> None:
        self.segs: list[Segment] = []
        self.starts: list[int] = []
        self.ends_max: list[int] = []
        self.index: dict[str, int] = {}
        self.np_starts = np.zeros(0, dtype=np.int64)
        self.np_ends = np.zeros(0, dtype=np.int64)
        self.tr_cat: dict[str, np.ndarray] = {}
        self.v_cat: dict[str, np.ndarray] = {}

    def rebuild(self, project: Project) -> None:
        self.segs = project.state.ordered()
        self.starts = [s.start_ms for s in self.segs]
        ends = [s.end_ms for s in self.segs]
        self.ends_max = list(np.maximum.accumulate(np.asarray(ends, dtype=np.int64)).tolist()) if ends else []
        self.index = {s.id: i for i, s in enumerate(self.segs)}
        self.np_starts = np.asarray(self.starts, dtype=np.int64)
        self.np_ends = np.asarray(ends, dtype=np.int64)
        self.tr_cat = {}
        self.v_cat = {}
        for lang in project.meta.target_langs:
            tr_cat = np.zeros(len(self.segs), dtype=np.int8)
            v_cat = np.zeros(len(self.segs), dtype=np.int8)
            for i, seg in enumerate(self.segs):
                tr_cat[i], v_cat[i] = segment_codes(seg, lang, project)
            self.tr_cat[lang] = tr_cat
            self.v_cat[lang] = v_cat

    def update(self, project: Project, seg_ids: frozenset[str]) -> None:
        """Install new versions of segments whose times did not change."""
        for sid in seg_ids:
            i = self.index.get(sid)
            seg = project.state.segments.get(sid)
            if i is None or seg is None:
                continue
            self.segs[i] = seg
            for lang in self.tr_cat:
                self.tr_cat[lang][i], self.v_cat[lang][i] = segment_codes(seg, lang, project)


def segment_codes(seg: Segment, lang: str, project: Project | None = None) -> tuple[int, int]:
    tr = seg.translations.get(lang)
    if tr is None or not tr.text:
        return _TR_NONE, _V_NONE
    v = _V_NONE
    if tr.clip is not None:
        if project is not None and stale_reason(project, seg, lang):
            v = _V_STALE
        else:
            v = _V_CODE[tr.clip.fit.status] if tr.clip.fit is not None else _V_OK
    return _TR_CODE[tr.status], v
