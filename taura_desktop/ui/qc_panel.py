"""QC panel: the subtitle-rule issues of the current language, one row per issue.

The cues are read from the project on the GUI thread (a cheap snapshot of times and texts);
the rules run on a worker thread. Project changes re-check after a short debounce, and a
result that is older than the latest request is dropped. Clicking a row selects its segment.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from taura_desktop.app.qc import profile_of, qc_inputs
from taura_desktop.core.edits import Change, ChangeKind
from taura_desktop.core.project import Project
from taura_desktop.pipeline.stale import stale_report
from taura_desktop.segmentation.qc import QcReport, check_cues
from taura_desktop.ui.background import BackgroundCall, Report
from taura_desktop.ui.timefmt import format_ms

DEBOUNCE_MS = 400
SEG_ROLE = int(Qt.ItemDataRole.UserRole) + 3
RULE_LABELS = {
    "cps": "Reading speed (CPS)",
    "line_length": "Line too long",
    "line_count": "Too many lines",
    "min_duration": "Too short",
    "max_duration": "Too long",
    "gap": "Gap to next",
    "overlap": "Overlap",
    "empty": "Empty",
    "stale_voice": "Stale voice clip",
}
_RELEVANT = (
    ChangeKind.TIMES
    | ChangeKind.TEXT
    | ChangeKind.TRANSLATION
    | ChangeKind.ADDED
    | ChangeKind.REMOVED
    | ChangeKind.META
    | ChangeKind.VOICE
    | ChangeKind.SPEAKERS
)


def _fmt_value(rule: str, value: float) -> str:
    if rule in ("cps",):
        return f"{value:.1f}"
    if rule in ("min_duration", "max_duration", "gap", "overlap"):
        return f"{value:.0f} ms"
    return f"{value:g}"


class QcPanel(QWidget):
    segmentActivated = Signal(str)
    checked = Signal(int)  # number of issues found by the latest check

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project: Project | None = None
        self._lang: str | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._generation = 0
        self.issue_count = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh_now)
        self._worker = BackgroundCall(self, "qc")
        self._worker.done.connect(self._checked)
        self._worker.failed.connect(self._check_failed)
        self.summary = QLabel(self.tr("No project."), self)
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(5)
        self.tree.setHeaderLabels(
            [self.tr("#"), self.tr("Start"), self.tr("Rule"), self.tr("Value"), self.tr("Limit")]
        )
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemClicked.connect(self._clicked)
        self.tree.itemActivated.connect(self._clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)

    # -- inputs ----------------------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._project = project
        if project is not None:
            self._unsubscribe = project.subscribe(self._on_change)
            if self._lang is None and project.meta.target_langs:
                self._lang = project.meta.target_langs[0]
        self.refresh_now()

    def set_lang(self, lang: str | None) -> None:
        if lang != self._lang:
            self._lang = lang
            self.refresh_now()

    @property
    def lang(self) -> str | None:
        return self._lang

    def _on_change(self, change: Change) -> None:
        if change.kinds & _RELEVANT:
            self._timer.start()  # restart: a burst of edits checks once

    # -- checking --------------------------------------------------------------------------------
    def refresh_now(self) -> None:
        self._timer.stop()
        self._generation += 1
        project = self._project
        if project is None:
            self.tree.clear()
            self.summary.setText(self.tr("No project."))
            return
        code, items = qc_inputs(project, self._lang)
        index = {sid: i + 1 for i, sid in enumerate(project.state.ids())}
        profile = profile_of(project)
        stale = stale_report(project, self._lang).reasons if self._lang else {}
        token = (self._generation, index, stale)

        def work(_report: Report) -> list[QcReport]:
            return check_cues(items, profile, code)

        self.summary.setText(self.tr("Checking…"))
        self._worker.start(work, token)

    def _check_failed(self, token: object, message: str) -> None:
        if isinstance(token, tuple) and token[0] == self._generation:
            self.summary.setText(self.tr("QC failed: {0}").format(message))

    def _checked(self, token: object, reports: list[QcReport]) -> None:
        if not isinstance(token, tuple) or token[0] != self._generation:
            return  # a newer check is on its way
        index: dict[str, int] = token[1]
        stale: dict[str, str] = token[2]
        self.tree.setUpdatesEnabled(False)
        try:
            self.tree.clear()
            rows: list[QTreeWidgetItem] = []
            cues = 0
            for report in reports:
                why = stale.get(report.id)
                if why:
                    item = QTreeWidgetItem(
                        [
                            str(index.get(report.id, "")),
                            format_ms(report.start_ms),
                            self.tr(RULE_LABELS["stale_voice"]),
                            self.tr(why),
                            self.tr("re-voice"),
                        ]
                    )
                    tip = self.tr("The clip was made before its {0} changed").format(self.tr(why))
                    item.setToolTip(2, tip)
                    item.setData(0, SEG_ROLE, report.id)
                    item.setData(2, SEG_ROLE, "stale_voice")
                    rows.append(item)
                if not report.issues:
                    cues += 1 if why else 0
                    continue
                cues += 1
                for issue in report.issues:
                    item = QTreeWidgetItem(
                        [
                            str(index.get(report.id, "")),
                            format_ms(report.start_ms),
                            self.tr(RULE_LABELS.get(issue.rule, issue.rule)),
                            _fmt_value(issue.rule, issue.value),
                            _fmt_value(issue.rule, issue.limit),
                        ]
                    )
                    item.setData(0, SEG_ROLE, report.id)
                    item.setData(2, SEG_ROLE, issue.rule)
                    rows.append(item)
            self.tree.addTopLevelItems(rows)
        finally:
            self.tree.setUpdatesEnabled(True)
        self.issue_count = len(rows)
        lang = self._lang or self.tr("source")
        self.summary.setText(
            self.tr("{0}: {1} issues in {2} cues").format(lang, len(rows), cues)
            if rows
            else self.tr("{0}: no QC issues").format(lang)
        )
        self.checked.emit(len(rows))

    def issues(self) -> list[tuple[str, str]]:
        """(segment id, rule) of each row, in display order."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is None:
                continue
            out.append((str(item.data(0, SEG_ROLE)), str(item.data(2, SEG_ROLE))))
        return out

    def _clicked(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        sid = item.data(0, SEG_ROLE)
        if sid:
            self.segmentActivated.emit(str(sid))
