"""A line shown over an empty table: "No segments match the filter" when a filter hides every
row (and how to clear it), or what to do when the project has no segments at all."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel

from taura_desktop.ui.segment_model import SegmentFilterProxy


class EmptyHint(QLabel):
    def __init__(self, view: QAbstractItemView, proxy: SegmentFilterProxy) -> None:
        super().__init__(view.viewport())
        self.setObjectName("emptyHint")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._view = view
        self._proxy = proxy
        for signal in (proxy.rowsInserted, proxy.rowsRemoved, proxy.modelReset, proxy.layoutChanged):
            signal.connect(self.refresh)
        view.viewport().installEventFilter(self)
        self.refresh()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(self._view.viewport().rect().adjusted(20, 20, -20, -20))
        return super().eventFilter(watched, event)

    def refresh(self, *_args: object) -> None:
        source = self._proxy.sourceModel()
        total = source.rowCount() if source is not None else 0
        shown = self._proxy.rowCount()
        if source is None or shown:
            self.hide()
            return
        if total:
            self.setText(
                self.tr("No segments match the filter ({0} hidden). Clear the find box or the filter boxes.")
                .format(total)
            )
        else:
            self.setText(self.tr("No segments yet: transcribe the video or import subtitles (File menu)."))
        self.setGeometry(self._view.viewport().rect().adjusted(20, 20, -20, -20))
        self.show()
        self.raise_()
