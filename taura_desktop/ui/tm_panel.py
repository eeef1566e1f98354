"""Alternative translations from the translation memory for the selected segment.

Lookups (SQLite, fuzzy matching, :func:`taura_desktop.app.review.fuzzy_matches`) run on a
worker thread after a short debounce; applying a match is an undoable translation edit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from taura_desktop.app.review import FUZZY_LIMIT, FUZZY_THRESHOLD, fuzzy_matches
from taura_desktop.app.suggest import GlossarySuggestion, accept_suggestion, glossary_suggestions
from taura_desktop.core import edits
from taura_desktop.core.edits import Change, ChangeKind
from taura_desktop.core.model import Origin
from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError
from taura_desktop.paths import memory_path
from taura_desktop.translation.memory import TmMatch
from taura_desktop.ui.background import BackgroundCall

LIMIT = FUZZY_LIMIT
THRESHOLD = FUZZY_THRESHOLD
DEBOUNCE_MS = 150
TARGET_ROLE = int(Qt.ItemDataRole.UserRole) + 5


class AlternativesPanel(QWidget):
    """Fuzzy translation-memory matches of the current segment; Apply replaces its translation."""

    message = Signal(str)
    looked_up = Signal(int)  # number of matches shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project: Project | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._lang: str | None = None
        self._sid: str | None = None
        self._generation = 0
        self.db: Path | None = None  # None: the user's memory (paths.memory_path())
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh_now)
        self._worker = BackgroundCall(self, "tm-lookup")
        self._worker.done.connect(self._found)
        self._worker.failed.connect(self._lookup_failed)
        self.header = QLabel(self.tr("Select a segment to see translation-memory matches."), self)
        self.header.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.itemDoubleClicked.connect(lambda _i: self.apply_selected())
        self.list.currentRowChanged.connect(lambda _r: self._update_buttons())
        self.apply_button = QPushButton(self.tr("Use this translation"), self)
        self.apply_button.clicked.connect(self.apply_selected)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.header)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        # glossary suggestions: the same correction in several approved segments
        self.suggest_button = QPushButton(self.tr("Suggest glossary terms"), self)
        self.suggest_button.clicked.connect(self.suggest_glossary)
        self.suggestions = QListWidget(self)
        self.suggestions.itemDoubleClicked.connect(lambda _i: self.add_suggestion())
        self.add_term_button = QPushButton(self.tr("Add to glossary"), self)
        self.add_term_button.clicked.connect(self.add_suggestion)
        row2 = QHBoxLayout()
        row2.addWidget(self.suggest_button)
        row2.addStretch(1)
        row2.addWidget(self.add_term_button)
        layout.addWidget(self.suggestions)
        layout.addLayout(row2)
        self._suggested: list[GlossarySuggestion] = []
        self._update_buttons()

    def set_project(self, project: Project | None) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._project = project
        self._sid = None
        if project is not None:
            self._unsubscribe = project.subscribe(self._on_change)
            if self._lang is None and project.meta.target_langs:
                self._lang = project.meta.target_langs[0]
        self.refresh_now()

    def set_lang(self, lang: str | None) -> None:
        if lang != self._lang:
            self._lang = lang
            self._timer.start()

    def set_segment(self, sid: str | None) -> None:
        if sid != self._sid:
            self._sid = sid
            self._timer.start()

    def _on_change(self, change: Change) -> None:
        if self._sid is not None and change.kinds & ChangeKind.TEXT and self._sid in change.segment_ids:
            self._timer.start()

    def refresh_now(self) -> None:
        self._timer.stop()
        self._generation += 1
        self.list.clear()
        self._update_buttons()
        project, sid, lang = self._project, self._sid, self._lang
        if project is None or sid is None or lang is None or sid not in project.state.segments:
            self.header.setText(self.tr("Select a segment to see translation-memory matches."))
            return
        text = project.state.segments[sid].source_text
        src = project.meta.source_lang or ""
        db = self.db or memory_path()
        token = (self._generation, sid)
        self.header.setText(self.tr("Looking up the translation memory…"))
        self._worker.start(lambda _report: fuzzy_matches(db, src, lang, text), token)

    def _lookup_failed(self, token: object, message: str) -> None:
        if isinstance(token, tuple) and token[0] == self._generation:
            self.header.setText(self.tr("Translation memory unavailable: {0}").format(message))

    def _found(self, token: object, matches: list[TmMatch]) -> None:
        if not isinstance(token, tuple) or token[0] != self._generation:
            return
        self.list.clear()
        for m in matches:
            item = QListWidgetItem(f"{round(m.score * 100)}%  {m.target}")
            item.setToolTip(self.tr("Remembered for: {0}").format(m.source))
            item.setData(TARGET_ROLE, m.target)
            self.list.addItem(item)
        if matches:
            self.list.setCurrentRow(0)
            pct = round(THRESHOLD * 100)
            self.header.setText(self.tr("{0} matches (≥ {1}%)").format(len(matches), pct))
        else:
            pct = round(THRESHOLD * 100)
            self.header.setText(self.tr("No translation-memory match (≥ {0}%).").format(pct))
        self._update_buttons()
        self.looked_up.emit(len(matches))

    def matches(self) -> list[str]:
        return [str(self.list.item(i).data(TARGET_ROLE)) for i in range(self.list.count())]

    def _update_buttons(self) -> None:
        self.apply_button.setEnabled(self.list.currentItem() is not None and self._sid is not None)

    # -- glossary suggestions -------------------------------------------------------------
    def suggest_glossary(self) -> int:
        """List the corrections made the same way in several approved segments."""
        self.suggestions.clear()
        project, lang = self._project, self._lang
        self._suggested = glossary_suggestions(project, lang) if project and lang else []
        for sug in self._suggested:
            item = QListWidgetItem(
                self.tr("{0} → {1}  (was “{2}”, {3} segments)").format(
                    sug.source, sug.target, sug.replaced, len(sug.segment_ids)
                )
            )
            self.suggestions.addItem(item)
        if self._suggested:
            self.suggestions.setCurrentRow(0)
        else:
            self.message.emit(self.tr("No glossary suggestions: no correction repeats in approved segments."))
        return len(self._suggested)

    def add_suggestion(self) -> bool:
        """Add the selected suggestion to the project's glossary (one undoable edit)."""
        row = self.suggestions.currentRow()
        project, lang = self._project, self._lang
        if project is None or lang is None or not 0 <= row < len(self._suggested):
            return False
        sug = self._suggested.pop(row)
        try:
            project.apply(accept_suggestion(project, lang, sug))
        except TauraError as exc:
            self.message.emit(str(exc))
            return False
        self.suggestions.takeItem(row)
        self.message.emit(self.tr("Glossary: {0} → {1}").format(sug.source, sug.target))
        return True

    def apply_selected(self) -> bool:
        """Replace the segment's translation with the selected match (one undoable edit)."""
        item = self.list.currentItem()
        project, sid, lang = self._project, self._sid, self._lang
        if item is None or project is None or sid is None or lang is None:
            return False
        text = str(item.data(TARGET_ROLE))
        try:
            project.apply(edits.set_translation_text(project.state, sid, lang, text, origin=Origin.PERSON))
        except TauraError as exc:
            self.message.emit(str(exc))
            return False
        self.message.emit(self.tr("Used the translation-memory match."))
        return True
