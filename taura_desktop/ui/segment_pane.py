"""The current-segment pane: multi-line editors for the source and the translation of the
selected segment, with per-line character counts, live reading speed (CPS) and the QC verdict
as you type. Shift+Enter inserts a line break; Enter (or leaving the box) applies the text as
one undoable edit; Escape puts the stored text back."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QGridLayout, QLabel, QPlainTextEdit, QSizePolicy, QWidget

from taura_desktop.app import editing
from taura_desktop.app.qc import profile_of
from taura_desktop.core.edits import Change, ChangeKind
from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError
from taura_desktop.segmentation.qc import cps_of, cue_issues
from taura_desktop.ui.qc_panel import RULE_LABELS
from taura_desktop.ui.timefmt import format_ms


class _LineEditor(QPlainTextEdit):
    """Enter commits, Shift+Enter breaks the line, Escape reverts."""

    committed = Signal()
    reverted = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setTabChangesFocus(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMaximumHeight(self.fontMetrics().lineSpacing() * 2 + 12)  # two subtitle lines
        self.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self and event.type() == QEvent.Type.FocusOut:
            self.committed.emit()
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.insertPlainText("\n")
                return
            if not mods & ~Qt.KeyboardModifier.KeypadModifier:
                self.committed.emit()
                return
        if key == Qt.Key.Key_Escape:
            self.reverted.emit()
            return
        super().keyPressEvent(event)


class SegmentPane(QWidget):
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("segmentPane")
        self._project: Project | None = None
        self._unsubscribe: object = None
        self._sid: str | None = None
        self._lang: str | None = None
        self.title = QLabel(self)
        self.source = _LineEditor("paneSource", self)
        self.translation = _LineEditor("paneTranslation", self)
        self.source_info = QLabel(self)
        self.translation_info = QLabel(self)
        self.verdict = QLabel(self)
        self.verdict.setWordWrap(True)
        for label in (self.source_info, self.translation_info):
            label.setTextFormat(Qt.TextFormat.PlainText)
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 2, 6, 2)
        grid.setVerticalSpacing(2)
        grid.addWidget(self.title, 0, 0, 1, 2)
        grid.addWidget(QLabel(self.tr("Source"), self), 1, 0)
        grid.addWidget(QLabel(self.tr("Translation"), self), 1, 1)
        grid.addWidget(self.source, 2, 0)
        grid.addWidget(self.translation, 2, 1)
        grid.addWidget(self.source_info, 3, 0)
        grid.addWidget(self.translation_info, 3, 1)
        grid.addWidget(self.verdict, 4, 0, 1, 2)
        self.source.textChanged.connect(self._update_info)
        self.translation.textChanged.connect(self._update_info)
        self.source.committed.connect(lambda: self._commit("source"))
        self.translation.committed.connect(lambda: self._commit("translation"))
        self.source.reverted.connect(self._load)
        self.translation.reverted.connect(self._load)
        self._load()

    # -- wiring ------------------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        if callable(self._unsubscribe):
            self._unsubscribe()
        self._unsubscribe = None
        self._project = project
        self._sid = None
        if project is not None:
            self._unsubscribe = project.subscribe(self._on_change)
        self._load()

    def set_lang(self, lang: str | None) -> None:
        self._lang = lang
        self._load()

    def set_segment(self, sid: str | None) -> None:
        if sid == self._sid:
            return
        self._commit("source")
        self._commit("translation")
        self._sid = sid
        self._load()

    @property
    def segment_id(self) -> str | None:
        return self._sid

    def _on_change(self, change: Change) -> None:
        if self._sid is None:
            return
        if self._sid in change.removed:
            self._sid = None
            self._load()
        elif self._sid in change.segment_ids and change.kinds & (
            ChangeKind.TEXT | ChangeKind.TRANSLATION | ChangeKind.TIMES
        ):
            self._load(keep_cursor=True)

    # -- text ----------------------------------------------------------------------------------
    def _stored(self) -> tuple[str, str] | None:
        p = self._project
        if p is None or self._sid is None or self._sid not in p.state.segments:
            return None
        seg = p.state.segments[self._sid]
        tr = seg.translation(self._lang) if self._lang else None
        return seg.source_text, tr.text if tr else ""

    def _load(self, keep_cursor: bool = False) -> None:
        stored = self._stored()
        enabled = stored is not None
        for box, text in zip((self.source, self.translation), stored or ("", ""), strict=True):
            if box.toPlainText() != text:
                pos = box.textCursor().position()
                box.blockSignals(True)
                box.setPlainText(text)
                box.blockSignals(False)
                if keep_cursor:
                    cur = box.textCursor()
                    cur.setPosition(min(pos, len(box.toPlainText())))
                    box.setTextCursor(cur)
                else:
                    box.moveCursor(QTextCursor.MoveOperation.End)
            box.setEnabled(enabled)
        self.translation.setEnabled(enabled and self._lang is not None)
        if stored is None or self._project is None or self._sid is None:
            self.title.setText(self.tr("No segment selected."))
        else:
            seg = self._project.state.segments[self._sid]
            index = self._project.state.ids().index(self._sid) + 1
            self.title.setText(
                self.tr("Segment {0}: {1} – {2} ({3:.2f} s)").format(
                    index, format_ms(seg.start_ms), format_ms(seg.end_ms), seg.duration_ms / 1000
                )
            )
        self._update_info()

    def _commit(self, which: str) -> bool:
        p, sid, stored = self._project, self._sid, self._stored()
        if p is None or sid is None or stored is None:
            return False
        if which == "source":
            text = self.source.toPlainText()
            if text == stored[0]:
                return False
            make = partial(editing.source_text, p, sid, text)
        else:
            lang = self._lang
            text = self.translation.toPlainText()
            if lang is None or text == stored[1]:
                return False
            make = partial(editing.translation_text, p, sid, lang, text)
        try:
            edit = make()
            if edit is None:
                return False
            p.apply(edit)
        except TauraError as exc:
            self.message.emit(str(exc))
            return False
        return True

    def commit(self) -> None:
        """Apply pending text in both boxes (before approving, for example)."""
        self._commit("source")
        self._commit("translation")

    # -- live figures --------------------------------------------------------------------------
    def line_counts(self, which: str = "translation") -> list[int]:
        box = self.translation if which == "translation" else self.source
        return [len(line) for line in box.toPlainText().split("\n")]

    def _update_info(self) -> None:
        p, sid = self._project, self._sid
        if p is None or sid is None or sid not in p.state.segments:
            for label in (self.source_info, self.translation_info, self.verdict):
                label.setText("")
            return
        seg = p.state.segments[sid]
        src_lang = p.meta.source_lang or "en"
        profile = profile_of(p)
        parts = []
        for box, label, lang in (
            (self.source, self.source_info, src_lang),
            (self.translation, self.translation_info, self._lang or src_lang),
        ):
            text = box.toPlainText()
            counts = " · ".join(str(len(line)) for line in text.split("\n"))
            cps = cps_of(text, seg.duration_ms, lang) if text.strip() else 0.0
            label.setText(self.tr("chars per line: {0}   CPS {1:.1f}").format(counts, cps))
            parts.append((text, lang))
        text, lang = parts[1] if self._lang else parts[0]
        issues = cue_issues(seg.start_ms, seg.end_ms, text, profile, lang) if text.strip() else []
        if issues:
            names = ", ".join(
                f"{self.tr(RULE_LABELS.get(i.rule, i.rule))} ({i.value:.3g}, limit {i.limit:g})"
                for i in issues
            )
            self.verdict.setText(self.tr("QC: {0}").format(names))
            self.verdict.setStyleSheet("color: rgb(200, 50, 50);")
        else:
            self.verdict.setText(self.tr("QC: ok") if text.strip() else "")
            self.verdict.setStyleSheet("color: rgb(40, 150, 70);")
