"""The timeline: ruler, waveform, source, translation and voice tracks, playhead.

A plain QWidget painted with QPainter. Per paint it touches only what is visible: the visible
index range comes from a bisect on the start times (and a running maximum of end times), the
waveform comes from cached QPixmap tiles keyed by zoom, and when segments are narrower than a
few pixels each track is drawn as merged pixel runs computed with numpy, so a frame costs
O(width) whatever the zoom or the number of segments.

Drags go through :mod:`taura_desktop.core.timing` (clamping, snapping) and end in one undoable
edit; the project then announces the change and the timeline refreshes its caches.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Literal

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QScrollBar, QSizePolicy, QWidget

from taura_desktop.core import edits, timing
from taura_desktop.core.edits import Change, ChangeKind
from taura_desktop.core.model import FitStatus, Segment, Status
from taura_desktop.errors import TauraError
from taura_desktop.ui.timefmt import format_ms, ruler_step

if TYPE_CHECKING:
    from taura_desktop.core.project import Project
    from taura_desktop.media.peaks import Peaks

HEADER_W = 92
RULER_H = 22
SCROLL_H = 14
WAVE_H = 56
SOURCE_H = 34
TRANS_H = 28
VOICE_H = 18
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
_V_NONE, _V_OK, _V_EXT, _V_STRETCH, _V_OVER = 0, 1, 2, 3, 4
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
}
SEL_COLOR = QColor(255, 210, 40)
PLAYHEAD_COLOR = QColor(230, 40, 40)
WAVE_COLOR = QColor(90, 160, 220)

DragMode = Literal["start", "end", "move", "seek", "pending"]


@dataclass(slots=True)
class _Drag:
    mode: DragMode
    seg_id: str | None
    press_x: float
    press_ms: int
    grab_ms: int  # where inside the segment (or edge) the press happened
    preview: tuple[int, int] | None = None
    want: DragMode = "move"


class _Cache:
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
                tr_cat[i], v_cat[i] = _codes(seg, lang)
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
                self.tr_cat[lang][i], self.v_cat[lang][i] = _codes(seg, lang)


def _codes(seg: Segment, lang: str) -> tuple[int, int]:
    tr = seg.translations.get(lang)
    if tr is None or not tr.text:
        return _TR_NONE, _V_NONE
    v = _V_NONE
    if tr.clip is not None:
        v = _V_CODE[tr.clip.fit.status] if tr.clip.fit is not None else _V_OK
    return _TR_CODE[tr.status], v


class Timeline(QWidget):
    """Signals: ``seekRequested(ms)``, ``selectionChanged(list_of_ids)``,
    ``activated(id)`` (double click), ``editFailed(message)``, ``viewChanged()``."""

    seekRequested = Signal(int)
    selectionChanged = Signal(list)
    activated = Signal(str)
    editFailed = Signal(str)
    viewChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self._project: Project | None = None
        self._unsubscribe: object = None
        self._cache = _Cache()
        self._dirty = True
        self._peaks: Peaks | None = None
        self._tiles: OrderedDict[tuple[int, int, int], QPixmap] = OrderedDict()
        self._tracks: list[Track] = []
        self._ms_per_px = 20.0
        self._offset_ms = 0.0
        self._duration_ms = 60_000
        self._playhead_ms = 0
        self._follow = True
        self._selection: list[str] = []
        self._anchor: str | None = None
        self._drag: _Drag | None = None
        self.snap_px = 8
        self.min_gap_ms = timing.DEFAULT_MIN_GAP_MS
        self.last_paint: dict[str, int] = {}
        self._scroll = QScrollBar(Qt.Orientation.Horizontal, self)
        self._scroll.valueChanged.connect(self._on_scroll)
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(6.0, self.font().pointSizeF() * 0.85))
        self._layout_tracks()

    # -- project ---------------------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        if callable(self._unsubscribe):
            self._unsubscribe()
            self._unsubscribe = None
        self._project = project
        self._selection = []
        self._drag = None
        self._dirty = True
        if project is not None:
            self._unsubscribe = project.subscribe(self._on_change)
            media = project.meta.media
            self._duration_ms = media.duration_ms if media and media.duration_ms else 0
        self._layout_tracks()
        self._sync_duration()
        self.update()

    def set_peaks(self, peaks: Peaks | None) -> None:
        self._peaks = peaks
        self._tiles.clear()
        if peaks is not None:
            self._duration_ms = max(self._duration_ms, peaks.duration_ms)
            self._sync_duration()
        self.update()

    def set_duration(self, ms: int) -> None:
        self._duration_ms = max(0, int(ms))
        self._sync_duration()
        self.update()

    def _on_change(self, change: Change) -> None:
        if change.kinds & (ChangeKind.ADDED | ChangeKind.REMOVED | ChangeKind.TIMES | ChangeKind.META):
            self._dirty = True
            if change.kinds & ChangeKind.META:
                self._layout_tracks()
            if change.removed:
                before = len(self._selection)
                self._selection = [s for s in self._selection if s not in change.removed]
                if len(self._selection) != before:
                    self.selectionChanged.emit(list(self._selection))
        elif not self._dirty:
            self._cache.update(self._project, change.segment_ids) if self._project else None
        self._sync_duration()
        self.update()

    def _ensure_cache(self) -> _Cache:
        if self._dirty and self._project is not None:
            self._cache.rebuild(self._project)
            self._dirty = False
        elif self._project is None and self._cache.segs:
            self._cache = _Cache()
        return self._cache

    # -- geometry --------------------------------------------------------------------------------
    def _layout_tracks(self) -> None:
        tracks: list[Track] = []
        y = RULER_H
        tracks.append(Track(TrackKind.WAVE, None, y, WAVE_H, self.tr("Audio")))
        y += WAVE_H
        src = self._project.meta.source_lang if self._project else None
        tracks.append(
            Track(TrackKind.SOURCE, None, y, SOURCE_H, self.tr("Source") + (f" ({src})" if src else ""))
        )
        y += SOURCE_H
        langs = self._project.meta.target_langs if self._project else ()
        for lang in langs:
            tracks.append(Track(TrackKind.TRANSLATION, lang, y, TRANS_H, self.tr("Text") + f" {lang}"))
            y += TRANS_H
        for lang in langs:
            tracks.append(Track(TrackKind.VOICE, lang, y, VOICE_H, self.tr("Voice") + f" {lang}"))
            y += VOICE_H
        self._tracks = tracks
        self._content_h = y
        self.updateGeometry()
        self._place_scrollbar()

    def tracks(self) -> list[Track]:
        return list(self._tracks)

    def track(self, kind: TrackKind, lang: str | None = None) -> Track:
        for t in self._tracks:
            if t.kind is kind and t.lang == lang:
                return t
        raise KeyError(f"no {kind.value} track for {lang!r}")

    def sizeHint(self) -> QSize:
        return QSize(800, self._content_h + SCROLL_H + 4)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self._content_h + SCROLL_H)

    def _place_scrollbar(self) -> None:
        self._scroll.setGeometry(
            HEADER_W, self.height() - SCROLL_H, max(0, self.width() - HEADER_W), SCROLL_H
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._place_scrollbar()
        self._sync_duration()
        super().resizeEvent(event)

    @property
    def content_width(self) -> int:
        return max(1, self.width() - HEADER_W)

    @property
    def ms_per_px(self) -> float:
        return self._ms_per_px

    @property
    def offset_ms(self) -> float:
        return self._offset_ms

    @property
    def duration_ms(self) -> int:
        return self._duration_ms

    def x_for_ms(self, ms: float) -> float:
        return HEADER_W + (ms - self._offset_ms) / self._ms_per_px

    def ms_for_x(self, x: float) -> int:
        return round(self._offset_ms + (x - HEADER_W) * self._ms_per_px)

    def _total_ms(self) -> int:
        cache = self._cache
        last = cache.ends_max[-1] if cache.ends_max and not self._dirty else 0
        if self._dirty and self._project is not None and len(self._project.state):
            st = self._project.state
            last = max(last, st.at(len(st) - 1).end_ms)
        return max(self._duration_ms, last, 1000)

    def _sync_duration(self) -> None:
        visible = self.content_width * self._ms_per_px
        total = self._total_ms()
        maximum = max(0, math.ceil(total + visible * 0.05 - visible))
        self._scroll.blockSignals(True)
        self._scroll.setRange(0, maximum)
        self._scroll.setPageStep(max(1, int(visible)))
        self._scroll.setSingleStep(max(1, int(visible / 20)))
        self._offset_ms = min(max(0.0, self._offset_ms), float(maximum))
        self._scroll.setValue(int(self._offset_ms))
        self._scroll.blockSignals(False)

    def _on_scroll(self, value: int) -> None:
        self._offset_ms = float(value)
        self.viewChanged.emit()
        self.update()

    def set_view(self, offset_ms: float, ms_per_px: float | None = None) -> None:
        if ms_per_px is not None:
            self._ms_per_px = min(MAX_MS_PER_PX, max(MIN_MS_PER_PX, float(ms_per_px)))
        self._offset_ms = max(0.0, float(offset_ms))
        self._sync_duration()
        self.viewChanged.emit()
        self.update()

    def set_ms_per_px(self, value: float, anchor_x: float | None = None) -> None:
        anchor_x = HEADER_W + self.content_width / 2 if anchor_x is None else anchor_x
        anchor_ms = self._offset_ms + (anchor_x - HEADER_W) * self._ms_per_px
        new = min(MAX_MS_PER_PX, max(MIN_MS_PER_PX, float(value)))
        self.set_view(anchor_ms - (anchor_x - HEADER_W) * new, new)

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        self.set_ms_per_px(self._ms_per_px / factor, anchor_x)

    def zoom_to_fit(self) -> None:
        self.set_view(0.0, self._total_ms() * 1.02 / self.content_width)

    def ensure_visible(self, start_ms: int, end_ms: int | None = None, margin: float = 0.1) -> None:
        end_ms = start_ms if end_ms is None else end_ms
        span = self.content_width * self._ms_per_px
        if start_ms >= self._offset_ms and end_ms <= self._offset_ms + span:
            return
        if end_ms - start_ms > span * (1 - 2 * margin):
            self.set_view(start_ms - span * margin)
        else:
            self.set_view(start_ms - span * margin)

    # -- playhead and selection --------------------------------------------------------------------
    @property
    def playhead_ms(self) -> int:
        return self._playhead_ms

    def set_follow(self, follow: bool) -> None:
        self._follow = follow

    def set_playhead(self, ms: int, *, follow: bool | None = None) -> None:
        ms = int(ms)
        if ms == self._playhead_ms:
            return
        old_x = self.x_for_ms(self._playhead_ms)
        self._playhead_ms = ms
        span = self.content_width * self._ms_per_px
        if (
            (self._follow if follow is None else follow)
            and self._drag is None
            and not (self._offset_ms <= ms <= self._offset_ms + span)
        ):
            self.set_view(ms - span * 0.1)
            return
        new_x = self.x_for_ms(ms)
        h = self.height()
        self.update(QRect(int(old_x) - 2, 0, 5, h))
        self.update(QRect(int(new_x) - 2, 0, 5, h))

    def selection(self) -> list[str]:
        return list(self._selection)

    def set_selection(self, ids: list[str], *, emit: bool = False, reveal: bool = True) -> None:
        ids = list(dict.fromkeys(ids))
        if ids == self._selection:
            return
        self._selection = ids
        self._anchor = ids[0] if ids else None
        if reveal and ids and self._project is not None and ids[0] in self._project.state.segments:
            seg = self._project.state.segments[ids[0]]
            self.ensure_visible(seg.start_ms, seg.end_ms)
        if emit:
            self.selectionChanged.emit(list(ids))
        self.update()

    # -- edits -----------------------------------------------------------------------------------
    def _apply(self, make: object) -> bool:
        if self._project is None:
            return False
        try:
            edit = make() if callable(make) else None
            if edit is None:
                return False
            self._project.apply(edit)
        except TauraError as exc:
            self.editFailed.emit(str(exc))
            return False
        return True

    def split_at_playhead(self) -> bool:
        """Split the selected segment (or the one under the playhead) at the playhead."""
        project = self._project
        if project is None:
            return False
        ph = self._playhead_ms
        target = None
        for sid in self._selection:
            seg = project.state.segments.get(sid)
            if seg and seg.start_ms < ph < seg.end_ms:
                target = sid
                break
        if target is None:
            target = self.segment_at_ms(ph)
        if target is None:
            self.editFailed.emit(self.tr("No segment under the playhead to split."))
            return False
        tid = target
        return self._apply(lambda: edits.split_segment(project.state, tid, ph))

    def merge_with_next(self) -> bool:
        project = self._project
        if project is None or not self._selection:
            return False
        sid = self._selection[0]
        if sid not in project.state.segments:
            return False
        _prev, nxt = project.state.neighbours(sid)
        if nxt is None:
            self.editFailed.emit(self.tr("The selected segment is the last one: nothing to merge with."))
            return False
        nid = nxt.id
        ok = self._apply(lambda: edits.merge_segments(project.state, sid, nid))
        if ok:
            self.set_selection([sid], emit=True, reveal=False)
        return ok

    def segment_at_ms(self, ms: int) -> str | None:
        cache = self._ensure_cache()
        i = bisect.bisect_right(cache.starts, ms) - 1
        if 0 <= i < len(cache.segs) and cache.segs[i].start_ms <= ms < cache.segs[i].end_ms:
            return cache.segs[i].id
        return None

    # -- hit testing -------------------------------------------------------------------------------
    def track_at(self, y: float) -> Track | None:
        for t in self._tracks:
            if t.y <= y < t.y + t.h:
                return t
        return None

    def _hit(self, x: float) -> tuple[str | None, DragMode]:
        """The segment under ``x`` and whether the press is on its start/end edge or body."""
        cache = self._ensure_cache()
        ms = self.ms_for_x(x)
        tol = EDGE_PX * self._ms_per_px
        i = bisect.bisect_right(cache.starts, ms + tol) - 1
        best: tuple[float, str, DragMode] | None = None
        for j in (i - 1, i, i + 1):
            if not 0 <= j < len(cache.segs):
                continue
            seg = cache.segs[j]
            for edge_ms, mode in ((seg.start_ms, "start"), (seg.end_ms, "end")):
                d = abs(self.x_for_ms(edge_ms) - x)
                if (
                    d <= EDGE_PX
                    and (seg.end_ms - seg.start_ms) / self._ms_per_px > 2 * EDGE_PX
                    and (best is None or d < best[0])
                ):
                    best = (d, seg.id, mode)  # type: ignore[assignment]
        if best is not None:
            return best[1], best[2]
        if 0 <= i < len(cache.segs):
            for j in (i, i - 1):
                if 0 <= j < len(cache.segs) and cache.segs[j].start_ms <= ms < cache.segs[j].end_ms:
                    return cache.segs[j].id, "move"
        return None, "seek"

    # -- mouse -------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.position().x() < HEADER_W:
            super().mousePressEvent(event)
            return
        x, y = event.position().x(), event.position().y()
        ms = self.ms_for_x(x)
        track = self.track_at(y)
        near_playhead = abs(x - self.x_for_ms(self._playhead_ms)) <= 4
        if y < RULER_H or near_playhead or track is None or track.kind is TrackKind.WAVE:
            self._drag = _Drag("seek", None, x, ms, 0)
            self._seek_to(ms)
            return
        seg_id, mode = self._hit(x)
        if seg_id is None:
            if not event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
            ):
                self._select([], emit=True)
            self._drag = _Drag("seek", None, x, ms, 0)
            self._seek_to(ms)
            return
        mods = event.modifiers()
        if mods & Qt.KeyboardModifier.ControlModifier:
            sel = list(self._selection)
            if seg_id in sel:
                sel.remove(seg_id)
            else:
                sel.append(seg_id)
            self._select(sel, emit=True)
            return
        if mods & Qt.KeyboardModifier.ShiftModifier and self._anchor and self._project:
            cache = self._ensure_cache()
            a, b = cache.index.get(self._anchor, 0), cache.index[seg_id]
            lo, hi = min(a, b), max(a, b)
            anchor = self._anchor
            self._select([s.id for s in cache.segs[lo : hi + 1]], emit=True)
            self._anchor = anchor
            return
        if seg_id not in self._selection or mode != "move":
            self._select([seg_id], emit=True)
        assert self._project is not None
        seg = self._project.state.segments[seg_id]
        grab = {"start": ms - seg.start_ms, "end": ms - seg.end_ms, "move": ms - seg.start_ms}[mode]
        self._drag = _Drag("pending", seg_id, x, ms, grab, want=mode)

    def _select(self, ids: list[str], *, emit: bool) -> None:
        self._selection = ids
        self._anchor = ids[-1] if ids else None
        if emit:
            self.selectionChanged.emit(list(ids))
        self.update()

    def _seek_to(self, ms: int) -> None:
        ms = max(0, min(ms, self._total_ms()))
        self.set_playhead(ms, follow=False)
        self.seekRequested.emit(ms)

    def _retime_options(self) -> dict[str, object]:
        return {
            "snap_ms": int(self.snap_px * self._ms_per_px),
            "extra_snaps": (self._playhead_ms,),
            "min_gap_ms": self.min_gap_ms,
            "media_end_ms": self._duration_ms or None,
        }

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
        drag = self._drag
        if drag is None:
            self._update_cursor(event.position())
            return
        ms = self.ms_for_x(x)
        if drag.mode == "seek":
            self._seek_to(ms)
            return
        if drag.mode == "pending":
            if abs(x - drag.press_x) < DRAG_START_PX:
                return
            drag.mode = drag.want
        if self._project is None or drag.seg_id not in self._project.state.segments:
            self._drag = None
            return
        target = ms - drag.grab_ms
        mode: timing.Edge = "move" if drag.mode == "move" else ("start" if drag.mode == "start" else "end")
        try:
            drag.preview = timing.retime(
                self._project.state,
                drag.seg_id,
                mode,
                target,
                **self._retime_options(),  # type: ignore[arg-type]
            )
        except TauraError as exc:
            self.editFailed.emit(str(exc))
            self._drag = None
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return
        project = self._project
        if drag.mode in ("start", "end", "move") and drag.preview is not None and project is not None:
            seg_id = drag.seg_id
            assert seg_id is not None
            seg = project.state.segments.get(seg_id)
            if seg is not None and drag.preview != (seg.start_ms, seg.end_ms):
                target = drag.preview[1] if drag.mode == "end" else drag.preview[0]
                mode = drag.mode
                # the preview already holds the snapped, clamped answer: apply it without re-snapping
                opts = dict(self._retime_options(), snap_ms=0)
                self._apply(lambda: timing.retime_edit(project.state, seg_id, mode, target, **opts))
        self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        seg_id, _mode = self._hit(event.position().x())
        track = self.track_at(event.position().y())
        if seg_id is not None and track is not None and track.kind is not TrackKind.WAVE:
            self.activated.emit(seg_id)

    def _update_cursor(self, pos: QPointF) -> None:
        track = self.track_at(pos.y())
        if pos.x() >= HEADER_W and track is not None and track.kind is not TrackKind.WAVE:
            _sid, mode = self._hit(pos.x())
            if mode in ("start", "end"):
                self.setCursor(Qt.CursorShape.SizeHorCursor)
                return
        self.unsetCursor()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = delta.y() / 120.0
            if steps:
                self.zoom(1.25**steps, event.position().x())
            event.accept()
            return
        amount = delta.x() if abs(delta.x()) > abs(delta.y()) else delta.y()
        self.set_view(self._offset_ms - amount / 120.0 * self.content_width * self._ms_per_px / 8)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if (
            key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self.zoom(1.5)
        elif key == Qt.Key.Key_Minus and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1 / 1.5)
        elif key == Qt.Key.Key_0 and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_to_fit()
        else:
            super().keyPressEvent(event)

    # -- painting ----------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        cache = self._ensure_cache()
        p = QPainter(self)
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        alt = pal.color(QPalette.ColorRole.AlternateBase)
        text = pal.color(QPalette.ColorRole.Text)
        dark = base.lightness() < 128
        clip = event.rect()
        p.fillRect(clip, base)
        t0 = self._offset_ms
        t1 = t0 + self.content_width * self._ms_per_px
        c0 = max(t0, t0 + (clip.left() - HEADER_W) * self._ms_per_px)
        c1 = min(t1, t0 + (clip.right() + 1 - HEADER_W) * self._ms_per_px)
        i0 = bisect.bisect_right(cache.ends_max, c0)
        i1 = bisect.bisect_left(cache.starts, c1)
        stats = {"visible": max(0, i1 - i0), "drawn": 0, "mode_detail": 0}
        p.setClipRect(QRect(HEADER_W, 0, self.content_width, self.height()).intersected(clip))
        for k, track in enumerate(self._tracks):
            if k % 2:
                p.fillRect(QRect(HEADER_W, track.y, self.content_width, track.h), alt)
        self._paint_ruler(p, text, alt)
        for track in self._tracks:
            if track.y > clip.bottom() or track.y + track.h < clip.top():
                continue
            if track.kind is TrackKind.WAVE:
                self._paint_wave(p, track, clip)
            elif i1 > i0:
                self._paint_segments(p, track, cache, i0, i1, stats, dark)
        self._paint_drag(p)
        self._paint_playhead(p)
        p.setClipping(False)
        if clip.left() < HEADER_W:
            self._paint_headers(p, text, alt)
        p.end()
        self.last_paint = stats

    def _paint_headers(self, p: QPainter, text: QColor, alt: QColor) -> None:
        p.fillRect(QRect(0, 0, HEADER_W, self.height()), alt.darker(104))
        p.setPen(text)
        p.setFont(self._small)
        for track in self._tracks:
            p.drawText(QRect(6, track.y, HEADER_W - 8, track.h), Qt.AlignmentFlag.AlignVCenter, track.label)
        p.setPen(QPen(text.lighter(150) if text.lightness() < 128 else text.darker(150), 1))
        p.drawLine(HEADER_W - 1, 0, HEADER_W - 1, self.height())

    def _paint_ruler(self, p: QPainter, text: QColor, alt: QColor) -> None:
        p.fillRect(QRect(HEADER_W, 0, self.content_width, RULER_H), alt.darker(108))
        step = ruler_step(self._ms_per_px)
        minor = step / 5
        t0 = self._offset_ms
        t1 = t0 + self.content_width * self._ms_per_px
        p.setFont(self._small)
        pen = QPen(text)
        p.setPen(pen)
        first = int(t0 // minor) * minor
        lines = []
        t = first
        n = 0
        while t <= t1 and n < 2000:
            x = self.x_for_ms(t)
            major = abs(t / step - round(t / step)) < 1e-6
            lines.append(QLineF(x, RULER_H - (9 if major else 4), x, RULER_H))
            if major:
                label = format_ms(int(t), hours=False)
                if step >= 1000:
                    label = label[: label.rfind(".")]
                p.drawText(QPointF(x + 3, RULER_H - 9), label)
            t += minor
            n += 1
        p.drawLines(lines)

    def _paint_playhead(self, p: QPainter) -> None:
        x = self.x_for_ms(self._playhead_ms)
        if HEADER_W <= x <= self.width():
            p.setPen(QPen(PLAYHEAD_COLOR, 1.5))
            p.drawLine(QPointF(x, 0), QPointF(x, self._content_h))
            p.setBrush(PLAYHEAD_COLOR)
            p.drawPolygon([QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 7)])

    def _paint_drag(self, p: QPainter) -> None:
        drag = self._drag
        if drag is None or drag.preview is None or drag.mode not in ("start", "end", "move"):
            return
        a, b = drag.preview
        x0, x1 = self.x_for_ms(a), self.x_for_ms(b)
        for track in self._tracks:
            if track.kind is TrackKind.WAVE:
                continue
            p.setPen(QPen(SEL_COLOR, 2, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(QRectF(x0, track.y + 2, max(1.0, x1 - x0), track.h - 4))
        p.setPen(QPen(SEL_COLOR, 1))
        p.drawText(
            QPointF(x0 + 2, RULER_H + 12), f"{format_ms(a, hours=False)} – {format_ms(b, hours=False)}"
        )

    # segments
    def _paint_segments(
        self, p: QPainter, track: Track, cache: _Cache, i0: int, i1: int, stats: dict[str, int], dark: bool
    ) -> None:
        n = i1 - i0
        if n > self.content_width / DETAIL_PX:
            self._paint_density(p, track, cache, i0, i1)
        else:
            stats["mode_detail"] = 1
            self._paint_detail(p, track, cache, i0, i1, stats, dark)
        if self._selection and len(self._selection) <= 2000:
            p.setPen(QPen(SEL_COLOR, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            for sid in self._selection:
                j = cache.index.get(sid)
                if j is None or not i0 <= j < i1:
                    continue
                seg = cache.segs[j]
                x0, x1 = self.x_for_ms(seg.start_ms), self.x_for_ms(seg.end_ms)
                p.drawRect(QRectF(x0, track.y + 1, max(2.0, x1 - x0), track.h - 2))

    def _categories(
        self, track: Track, cache: _Cache, i0: int, i1: int
    ) -> tuple[np.ndarray | None, dict[int, QColor]]:
        if track.kind is TrackKind.SOURCE:
            return None, {1: SRC_COLOR}
        if track.kind is TrackKind.TRANSLATION:
            arr = cache.tr_cat.get(track.lang or "")
            return (None if arr is None else arr[i0:i1]), TR_COLORS
        arr = cache.v_cat.get(track.lang or "")
        return (None if arr is None else arr[i0:i1]), V_COLORS

    def _paint_density(self, p: QPainter, track: Track, cache: _Cache, i0: int, i1: int) -> None:
        width = self.content_width
        mspp = self._ms_per_px
        xs0 = np.clip(((cache.np_starts[i0:i1] - self._offset_ms) / mspp).astype(np.int64), 0, width)
        xs1 = np.clip(np.ceil((cache.np_ends[i0:i1] - self._offset_ms) / mspp).astype(np.int64), 0, width)
        xs1 = np.maximum(xs1, np.minimum(xs0 + 1, width))
        cats, colors = self._categories(track, cache, i0, i1)
        if cats is None and track.kind is not TrackKind.SOURCE:
            return
        y, h = track.y + 3, track.h - 6
        for code, color in colors.items():
            if cats is None:
                a, b = xs0, xs1
            else:
                mask = cats == code
                if not mask.any():
                    continue
                a, b = xs0[mask], xs1[mask]
            cover = (
                np.bincount(a, minlength=width + 2)[: width + 2]
                - np.bincount(b, minlength=width + 2)[: width + 2]
            )
            on = np.cumsum(cover)[: width + 1] > 0
            edges = np.flatnonzero(np.diff(np.concatenate(([False], on, [False])).astype(np.int8)))
            starts, stops = edges[0::2], edges[1::2]
            for s, e in zip(starts.tolist(), stops.tolist(), strict=False):
                p.fillRect(QRect(HEADER_W + s, y, max(1, e - s), h), color)

    def _paint_detail(
        self, p: QPainter, track: Track, cache: _Cache, i0: int, i1: int, stats: dict[str, int], dark: bool
    ) -> None:
        mspp = self._ms_per_px
        off = self._offset_ms
        y, h = track.y + 3, track.h - 6
        kind = track.kind
        lang = track.lang or ""
        txt_color = QColor(255, 255, 255)
        p.setFont(self._small)
        fm = p.fontMetrics()
        border = QPen(QColor(0, 0, 0, 90) if not dark else QColor(255, 255, 255, 70), 1)
        tr_cat = cache.tr_cat.get(lang)
        v_cat = cache.v_cat.get(lang)
        drawn = 0
        for i in range(i0, i1):
            seg = cache.segs[i]
            x0 = HEADER_W + (seg.start_ms - off) / mspp
            w = max(1.0, (seg.end_ms - seg.start_ms) / mspp)
            if kind is TrackKind.SOURCE:
                color = SRC_COLOR
                label = seg.source_text
            elif kind is TrackKind.TRANSLATION:
                code = int(tr_cat[i]) if tr_cat is not None else 0
                if code == _TR_NONE:
                    p.setPen(QPen(QColor(128, 128, 128, 120), 1, Qt.PenStyle.DotLine))
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    p.drawRect(QRectF(x0, y, w, h))
                    continue
                color = TR_COLORS[code]
                tr = seg.translations.get(lang)
                label = tr.text if tr else ""
            else:
                code = int(v_cat[i]) if v_cat is not None else 0
                # the slot (segment) outline, then the placed clip against it
                p.setPen(QPen(QColor(128, 128, 128, 140), 1))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(QRectF(x0, y, w, h))
                if code == _V_NONE:
                    continue
                tr = seg.translations.get(lang)
                clip = tr.clip if tr else None
                clip_ms = clip.duration_ms if clip else 0
                color = V_COLORS[code]
                cw = max(1.0, clip_ms / mspp)
                p.fillRect(QRectF(x0, y + 2, min(cw, w) if code != _V_OVER else w, h - 4), color)
                if clip is not None and clip.fit is not None and clip.fit.overrun_ms > 0:
                    over = clip.fit.overrun_ms / mspp
                    p.fillRect(
                        QRectF(x0 + w, y + 2, over, h - 4),
                        QBrush(V_COLORS[_V_OVER], Qt.BrushStyle.BDiagPattern),
                    )
                elif cw > w:
                    p.fillRect(
                        QRectF(x0 + w, y + 2, cw - w, h - 4),
                        QColor(color.red(), color.green(), color.blue(), 110),
                    )
                if w > 50 and clip is not None and clip.fit is not None and clip.fit.speed > 1.001:
                    p.setPen(txt_color)
                    p.drawText(
                        QRectF(x0 + 3, y, w - 4, h), Qt.AlignmentFlag.AlignVCenter, f"{clip.fit.speed:.2f}×"
                    )
                drawn += 1
                continue
            p.fillRect(QRectF(x0, y, w, h), color)
            if w > 4:
                p.setPen(border)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(QRectF(x0, y, w, h))
            if w > 30 and label:
                p.setPen(txt_color)
                elided = fm.elidedText(label.replace("\n", " "), Qt.TextElideMode.ElideRight, int(w - 6))
                p.drawText(QRectF(x0 + 3, y, w - 6, h), Qt.AlignmentFlag.AlignVCenter, elided)
            drawn += 1
        stats["drawn"] = stats.get("drawn", 0) + drawn
        if kind is TrackKind.SOURCE:
            stats["source_drawn"] = drawn

    # waveform
    def _paint_wave(self, p: QPainter, track: Track, clip: QRect) -> None:
        peaks = self._peaks
        mid = track.y + track.h / 2
        p.setPen(QPen(WAVE_COLOR.darker(130), 1))
        p.drawLine(QPointF(HEADER_W, mid), QPointF(self.width(), mid))
        if peaks is None or len(peaks) == 0:
            return
        mspp = self._ms_per_px
        key_zoom = round(mspp * 1000)
        abs_left = self._offset_ms / mspp  # absolute pixel of the view's left edge
        first_tile = int(max(0, (abs_left + max(0, clip.left() - HEADER_W)) // TILE_W))
        last_tile = int((abs_left + clip.right() - HEADER_W) // TILE_W)
        for k in range(first_tile, last_tile + 1):
            key = (key_zoom, k, track.h)
            pix = self._tiles.get(key)
            if pix is None:
                pix = self._render_tile(peaks, k, track.h)
                self._tiles[key] = pix
                if len(self._tiles) > MAX_TILES:
                    self._tiles.popitem(last=False)
            else:
                self._tiles.move_to_end(key)
            x = HEADER_W + k * TILE_W - abs_left
            p.drawPixmap(QPointF(x, track.y), pix)

    def _render_tile(self, peaks: Peaks, k: int, h: int) -> QPixmap:
        ratio = self.devicePixelRatioF() or 1.0
        pix = QPixmap(int(TILE_W * ratio), int(h * ratio))
        pix.setDevicePixelRatio(ratio)
        pix.fill(Qt.GlobalColor.transparent)
        mspp = self._ms_per_px
        px = np.arange(k * TILE_W, (k + 1) * TILE_W, dtype=np.float64)
        b0 = np.floor(px * mspp / peaks.bucket_ms).astype(np.int64)
        n = len(peaks)
        valid = b0 < n
        if not valid.any():
            return pix
        b0 = b0[valid]
        idx = np.minimum(b0, n - 1)
        if mspp > peaks.bucket_ms:
            # each pixel spans several buckets: reduce over [b0[i], b0[i+1])
            start = int(idx[0])
            stop = min(n, int(idx[-1]) + max(1, math.ceil(mspp / peaks.bucket_ms)))
            rel = idx - start
            lo = np.minimum.reduceat(peaks.mins[start:stop], rel)
            hi = np.maximum.reduceat(peaks.maxs[start:stop], rel)
        else:
            lo, hi = peaks.mins[idx], peaks.maxs[idx]
        half = (h - 4) / 2
        mid = h / 2
        y_top = mid - hi * half
        y_bot = mid - lo * half
        p = QPainter(pix)
        p.setPen(QPen(WAVE_COLOR, 1))
        p.drawLines(
            [
                QLineF(i + 0.5, float(a), i + 0.5, float(b) + 0.5)
                for i, (a, b) in enumerate(zip(y_top.tolist(), y_bot.tolist(), strict=False))
            ]
        )
        p.end()
        return pix
