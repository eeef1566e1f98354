"""Timeline state and geometry: project and peaks, track layout, time <-> pixel mapping, zoom,
scrolling, playhead and selection. Painting is in ``timeline_paint``, interaction in ``timeline``."""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QFont,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QScrollBar, QSizePolicy, QWidget

from taura_desktop.core import timing
from taura_desktop.core.edits import Change, ChangeKind

if TYPE_CHECKING:
    from taura_desktop.core.project import Project
    from taura_desktop.media.peaks import Peaks
from taura_desktop.ui.timeline_cache import (
    HEADER_W,
    MAX_MS_PER_PX,
    MIN_MS_PER_PX,
    RULER_H,
    SCROLL_H,
    SOURCE_H,
    TRANS_H,
    VOICE_H,
    WAVE_H,
    Drag,
    TimelineCache,
    Track,
    TrackKind,
)


class TimelineView(QWidget):
    """State, geometry (time <-> pixels, zoom, scroll), playhead and selection of the timeline.

    Signals: ``seekRequested(ms)``, ``selectionChanged(list_of_ids)``, ``activated(id)``
    (double click), ``editFailed(message)``, ``viewChanged()``."""

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
        self._cache = TimelineCache()
        self._dirty = True
        self._peaks: Peaks | None = None
        self._tiles: OrderedDict[tuple[int, int, int], QPixmap] = OrderedDict()
        #: clip key -> (envelope bucket ms, peak per bucket) for the voice-track waveforms
        self._clip_env: OrderedDict[str, np.ndarray] = OrderedDict()
        self._tracks: list[Track] = []
        self._ms_per_px = 20.0
        self._offset_ms = 0.0
        self._duration_ms = 60_000
        self._playhead_ms = 0
        self._follow = True
        self._selection: list[str] = []
        self._anchor: str | None = None
        self._drag: Drag | None = None
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
        self.update_tracks()

    def set_peaks(self, peaks: Peaks | None) -> None:
        self._peaks = peaks
        self._tiles.clear()
        if peaks is not None:
            self._duration_ms = max(self._duration_ms, peaks.duration_ms)
            self._sync_duration()
        self.update_tracks()

    def _on_change(self, change: Change) -> None:
        if change.kinds & (
            ChangeKind.ADDED | ChangeKind.REMOVED | ChangeKind.TIMES | ChangeKind.META | ChangeKind.SPEAKERS
        ):
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
        self.update_tracks()

    def _ensure_cache(self) -> TimelineCache:
        if self._dirty and self._project is not None:
            self._cache.rebuild(self._project)
            self._dirty = False
        elif self._project is None and self._cache.segs:
            self._cache = TimelineCache()
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

    def update_tracks(self) -> None:
        """Schedule a repaint of the tracks. Not ``update()``: that would repaint the scrollbar
        below them too (a child widget; ~4 ms a time), which repaints itself when it moves."""
        self.update(0, 0, self.width(), max(0, self.height() - SCROLL_H))

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
        self.update_tracks()

    def set_view(self, offset_ms: float, ms_per_px: float | None = None) -> None:
        if ms_per_px is not None:
            self._ms_per_px = min(MAX_MS_PER_PX, max(MIN_MS_PER_PX, float(ms_per_px)))
        self._offset_ms = max(0.0, float(offset_ms))
        self._sync_duration()
        self.viewChanged.emit()
        self.update_tracks()

    def set_ms_per_px(self, value: float, anchor_x: float | None = None) -> None:
        anchor_x = HEADER_W + self.content_width / 2 if anchor_x is None else anchor_x
        anchor_ms = self._offset_ms + (anchor_x - HEADER_W) * self._ms_per_px
        new = min(MAX_MS_PER_PX, max(MIN_MS_PER_PX, float(value)))
        self.set_view(anchor_ms - (anchor_x - HEADER_W) * new, new)

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        """Zoom around ``anchor_x`` (the mouse), else around the playhead: the playhead stays
        where it is on screen when it is in view, and is brought into view when it is not."""
        if anchor_x is not None:
            self.set_ms_per_px(self._ms_per_px / factor, anchor_x)
            return
        px = self.x_for_ms(self._playhead_ms)
        self.set_ms_per_px(self._ms_per_px / factor, px if HEADER_W <= px <= self.width() else None)
        span = self.content_width * self._ms_per_px
        if not self._offset_ms <= self._playhead_ms <= self._offset_ms + span:
            self.set_view(self._playhead_ms - span / 2)

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
        self.update_tracks()
