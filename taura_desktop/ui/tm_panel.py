"""Alternative translations from the translation memory for the selected segment.

Lookups (SQLite, fuzzy matching) run on a worker thread after a short debounce; applying a
match is an undoable translation edit. :func:`remember_approved` writes approvals to the
memory off the GUI thread (the editor's approve action uses it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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

from taura_desktop.core import edits
from taura_desktop.core.edits import Change, ChangeKind
from taura_desktop.core.model import Origin
from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError
from taura_desktop.ui.background import BackgroundCall

THRESHOLD = 0.85
LIMIT = 5
DEBOUNCE_MS = 150
TARGET_ROLE = int(Qt.ItemDataRole.UserRole) + 5


def memory_file() -> Path:
    from taura_desktop.paths import memory_path

    return memory_path()


def lookup(db: Path, src_lang: str, tgt_lang: str, text: str) -> list[Any]:
    """Fuzzy matches (>= THRESHOLD) of ``text``; [] when there is no memory yet."""
    if not db.is_file() or not text.strip():
        return []
    from taura_desktop.translation.memory import TranslationMemory

    tm = TranslationMemory(db)
    try:
        return tm.fuzzy(src_lang, tgt_lang, text, THRESHOLD, LIMIT)
    finally:
        tm.close()


def approval_rows(project: Project, seg_ids: Sequence[str], lang: str) -> list[tuple[str, str, str, str]]:
    """(src_lang, lang, source, translation) of the segments, as project_ops.approve stores."""
    src = project.meta.source_lang or ""
    rows = []
    for sid in seg_ids:
        seg = project.state.segments.get(sid)
        tr = seg.translation(lang) if seg is not None else None
        if seg is not None and tr is not None and tr.text.strip() and seg.source_text.strip():
            rows.append((src, lang, seg.source_text, tr.text))
    return rows


def remember_approved(rows: list[tuple[str, str, str, str]], db: Path | None = None,
                      on_error: Callable[[str], None] | None = None) -> threading.Thread | None:
    """Add approved pairs to the user-wide translation memory on a worker thread."""
    if not rows:
        return None
    path = db or memory_file()

    def work() -> None:
        from taura_desktop.translation.memory import TranslationMemory

        try:
            tm = TranslationMemory(path)
            try:
                tm.add_many(rows)
            finally:
                tm.close()
        except (TauraError, OSError) as exc:
            if on_error is not None:
                on_error(str(exc))

    t = threading.Thread(target=work, name="tm-remember", daemon=True)
    t.start()
    return t


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
        db = self.db or memory_file()
        token = (self._generation, sid)
        self.header.setText(self.tr("Looking up the translation memory…"))
        self._worker.start(lambda _report: lookup(db, src, lang, text), token)

    def _lookup_failed(self, token: object, message: str) -> None:
        if isinstance(token, tuple) and token[0] == self._generation:
            self.header.setText(self.tr("Translation memory unavailable: {0}").format(message))

    def _found(self, token: object, matches: list[Any]) -> None:
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
