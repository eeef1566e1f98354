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
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import (
    QKeyEvent,
    QMouseEvent,
    QWheelEvent,
)

from taura_desktop.core import edits, timing
from taura_desktop.core.edits import Edit
from taura_desktop.errors import TauraError

if TYPE_CHECKING:
    pass
from taura_desktop.ui.timeline_cache import (
    DRAG_START_PX,
    EDGE_PX,
    HEADER_W,
    RULER_H,
    SRC_COLOR,
    Drag,
    DragMode,
    Track,
    TrackKind,
)
from taura_desktop.ui.timeline_paint import TimelinePainter

__all__ = ["HEADER_W", "SRC_COLOR", "Timeline", "Track", "TrackKind"]


class Timeline(TimelinePainter):
    """The timeline widget: edits (split, merge, drags), hit testing, mouse and keys.

    Signals: ``seekRequested(ms)``, ``selectionChanged(list_of_ids)``, ``activated(id)``
    (double click), ``editFailed(message)``, ``viewChanged()``."""

    # -- edits -----------------------------------------------------------------------------------
    def _apply(self, make: Callable[[], Edit | None]) -> bool:
        if self._project is None:
            return False
        try:
            edit = make()
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
            self._drag = Drag("seek", None, x, ms, 0)
            self._seek_to(ms)
            return
        seg_id, mode = self._hit(x)
        if seg_id is None:
            if not event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
            ):
                self._select([], emit=True)
            self._drag = Drag("seek", None, x, ms, 0)
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
        self._drag = Drag("pending", seg_id, x, ms, grab, want=mode)

    def _select(self, ids: list[str], *, emit: bool) -> None:
        self._selection = ids
        self._anchor = ids[-1] if ids else None
        if emit:
            self.selectionChanged.emit(list(ids))
        self.update_tracks()

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
        self.update_tracks()

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
        self.update_tracks()

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
