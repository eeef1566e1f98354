"""Timeline painting: ruler, track headers, waveform tiles, segments (per segment when few are
visible, merged pixel runs computed with numpy when many are), drag preview and playhead."""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QBrush,
    QColor,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)

from taura_desktop.core.model import VoiceClip
from taura_desktop.dub.cache import load_fitted
from taura_desktop.errors import TauraError
from taura_desktop.ui.speakers_panel import speaker_palette
from taura_desktop.ui.timefmt import format_ms, ruler_step

if TYPE_CHECKING:
    from taura_desktop.media.peaks import Peaks
from taura_desktop.ui.timeline_cache import (
    _TR_NONE,
    _V_NONE,
    _V_OVER,
    _V_STALE,
    DETAIL_PX,
    HEADER_W,
    MAX_TILES,
    PLAYHEAD_COLOR,
    RULER_H,
    SEL_COLOR,
    SRC_COLOR,
    TILE_W,
    TR_COLORS,
    V_COLORS,
    WAVE_COLOR,
    TimelineCache,
    Track,
    TrackKind,
)
from taura_desktop.ui.timeline_view import TimelineView

CLIP_ENV_MS = 10
CLIP_ENV_READS_PER_PAINT = 12  # clip audio reads per paint (the rest follow in later paints)


class TimelinePainter(TimelineView):
    _env_budget = 0
    _env_pending = False
    # -- painting ----------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        self._env_budget = CLIP_ENV_READS_PER_PAINT
        self._env_pending = False
        self._paint_all(event)
        if self._env_pending:  # more clip waveforms to read: one more paint, soon
            QTimer.singleShot(0, self.update)

    def _paint_all(self, event: QPaintEvent) -> None:
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
        self,
        p: QPainter,
        track: Track,
        cache: TimelineCache,
        i0: int,
        i1: int,
        stats: dict[str, int],
        dark: bool,
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
        self, track: Track, cache: TimelineCache, i0: int, i1: int
    ) -> tuple[np.ndarray | None, dict[int, QColor]]:
        if track.kind is TrackKind.SOURCE:
            return None, {1: SRC_COLOR}
        if track.kind is TrackKind.TRANSLATION:
            arr = cache.tr_cat.get(track.lang or "")
            return (None if arr is None else arr[i0:i1]), TR_COLORS
        arr = cache.v_cat.get(track.lang or "")
        return (None if arr is None else arr[i0:i1]), V_COLORS

    def _paint_density(self, p: QPainter, track: Track, cache: TimelineCache, i0: int, i1: int) -> None:
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
        self,
        p: QPainter,
        track: Track,
        cache: TimelineCache,
        i0: int,
        i1: int,
        stats: dict[str, int],
        dark: bool,
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
        speaker_colors = speaker_palette(self._project) if kind is TrackKind.SOURCE else {}
        drawn = 0
        for i in range(i0, i1):
            seg = cache.segs[i]
            x0 = HEADER_W + (seg.start_ms - off) / mspp
            w = max(1.0, (seg.end_ms - seg.start_ms) / mspp)
            if kind is TrackKind.SOURCE:
                color = speaker_colors.get(seg.speaker_id or "", SRC_COLOR)  # speaker colour
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
                if code == _V_STALE:
                    # hatched: the clip no longer matches its text, voice, cap or slot
                    rect = QRectF(x0, y + 2, min(cw, w), h - 4)
                    p.fillRect(rect, QColor(color.red(), color.green(), color.blue(), 60))
                    p.fillRect(rect, QBrush(color, Qt.BrushStyle.BDiagPattern))
                    p.setPen(QPen(color, 1))
                    p.drawRect(rect)
                    if w > 40:
                        label = self.tr("stale")
                        p.drawText(QRectF(x0 + 3, y, w - 4, h), Qt.AlignmentFlag.AlignVCenter, label)
                    drawn += 1
                    continue
                p.fillRect(QRectF(x0, y + 2, min(cw, w) if code != _V_OVER else w, h - 4), color)
                if clip is not None and cw >= 12:
                    self._paint_clip_wave(p, clip, x0, y + 2, min(cw, w), h - 4)
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

    # clip waveforms in the voice track
    def clip_envelope(self, clip: VoiceClip, *, budgeted: bool = False) -> np.ndarray | None:
        """Peak level per CLIP_ENV_MS of ``clip`` as placed (cached by clip key; None when the
        audio cannot be read, or when this paint already read its share of clips)."""
        key = clip.key if clip.fit is None else f"{clip.key}|{clip.fit.placed_ms}|{clip.fit.speed:.4f}"
        env = self._clip_env.get(key)
        if env is not None:
            self._clip_env.move_to_end(key)
            return env
        if self._project is None or (budgeted and self._env_budget <= 0):
            return None
        self._env_budget -= 1
        try:
            sr, samples = load_fitted(self._project.store, clip)
        except (TauraError, OSError, ValueError):
            env = np.zeros(0, dtype=np.float32)
        else:
            n = max(1, round(sr * CLIP_ENV_MS / 1000))
            k = len(samples) // n
            env = (
                np.abs(np.asarray(samples[: k * n], dtype=np.float32)).reshape(k, n).max(axis=1)
                if k
                else np.zeros(0, dtype=np.float32)
            )
            peak = float(env.max()) if len(env) else 0.0
            env = env / peak if peak > 0 else env
        self._clip_env[key] = env
        if len(self._clip_env) > 4000:
            self._clip_env.popitem(last=False)
        return env

    def _paint_clip_wave(self, p: QPainter, clip: VoiceClip, x: float, y: float, w: float, h: float) -> None:
        env = self.clip_envelope(clip, budgeted=True)
        if env is None:
            self._env_pending = True
            return
        if not len(env):
            return
        px_per_bucket = CLIP_ENV_MS / self._ms_per_px
        cols = max(1, int(w))
        idx = np.minimum((np.arange(cols) / px_per_bucket).astype(np.int64), len(env) - 1)
        levels = env[idx]
        mid = y + h / 2
        half = (h - 2) / 2
        p.setPen(QPen(QColor(255, 255, 255, 200), 1))
        p.drawLines(
            [
                QLineF(x + i + 0.5, mid - lv * half, x + i + 0.5, mid + lv * half)
                for i, lv in enumerate(levels.tolist())
                if lv > 0.02
            ]
        )
