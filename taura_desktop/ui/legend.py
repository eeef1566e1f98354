"""The clip-colour legend shown in the status bar: ok / extended / sped up / overflow / stale,
painted with the same colours and hatching as the timeline's voice track."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from taura_desktop.ui.timeline_cache import _V_STALE, V_COLORS, V_LEGEND

SWATCH = 12
GAP = 5
SPACING = 12


class ClipLegend(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clipLegend")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.setToolTip(
            self.tr(
                "Voice clip colours: ok = fits at natural speed; extended = uses the silence after "
                "its segment; sped up = time-compressed within the cap; overflow = too long even "
                "at the cap; stale (hatched) = made before its text, voice, cap or slot changed"
            )
        )

    def labels(self) -> list[str]:
        return [self.tr(label) for _code, label in V_LEGEND]

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        w = sum(SWATCH + GAP + fm.horizontalAdvance(t) + SPACING for t in self.labels())
        return QSize(w, max(SWATCH, fm.height()) + 4)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        fm = self.fontMetrics()
        text = self.palette().color(QPalette.ColorRole.WindowText)
        x = 0.0
        y = (self.height() - SWATCH) / 2
        for (code, _label), label in zip(V_LEGEND, self.labels(), strict=True):
            color: QColor = V_COLORS[code]
            rect = QRectF(x, y, SWATCH, SWATCH)
            if code == _V_STALE:
                p.fillRect(rect, QColor(color.red(), color.green(), color.blue(), 60))
                p.fillRect(rect, QBrush(color, Qt.BrushStyle.BDiagPattern))
                p.setPen(QPen(color, 1))
                p.drawRect(rect)
            else:
                p.fillRect(rect, color)
            x += SWATCH + GAP
            p.setPen(text)
            tw = fm.horizontalAdvance(label)
            p.drawText(QRectF(x, 0, tw + 2, self.height()), Qt.AlignmentFlag.AlignVCenter, label)
            x += tw + SPACING
        p.end()
