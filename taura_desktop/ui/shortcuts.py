"""User-editable keyboard shortcuts over the window's actions, stored in the settings.

Each action has a stable id (its ``objectName``) and a default shortcut (kept in the action's
``defaultShortcuts`` property when first registered). The settings keep only the overrides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QKeySequenceEdit,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from taura_desktop.ui.settings import Settings

DEFAULTS_PROP = "tauraDefaultShortcuts"


def action_id(text: str) -> str:
    """A stable id from an action's untranslated text: ``"&Play / pause"`` -> ``play_pause``."""
    t = text.replace("&", "").replace("…", "").lower()
    return re.sub(r"[^a-z0-9]+", "_", t).strip("_")


def display_text(action: QAction) -> str:
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")


def defaults_of(action: QAction) -> list[QKeySequence]:
    """The shortcuts the action had before any user override."""
    raw = action.property(DEFAULTS_PROP)
    if raw is None:
        return list(action.shortcuts())
    return [QKeySequence(s) for s in str(raw).split("\n") if s]


def remember_defaults(actions: Iterable[QAction]) -> None:
    for a in actions:
        if a.property(DEFAULTS_PROP) is None:
            a.setProperty(
                DEFAULTS_PROP,
                "\n".join(s.toString(QKeySequence.SequenceFormat.PortableText) for s in a.shortcuts()),
            )


def apply_overrides(actions: Iterable[QAction], overrides: dict[str, str]) -> None:
    """Give each action its user shortcut, or back its default."""
    for a in actions:
        name = a.objectName()
        if name in overrides:
            seq = overrides[name]
            a.setShortcuts([QKeySequence(seq)] if seq else [])
        else:
            a.setShortcuts(defaults_of(a))


def conflicts(assignments: dict[str, str]) -> dict[str, list[str]]:
    """Key sequences given to more than one action: {sequence: [action ids]}."""
    by_key: dict[str, list[str]] = {}
    for name, seq in assignments.items():
        if seq:
            by_key.setdefault(seq, []).append(name)
    return {k: v for k, v in by_key.items() if len(v) > 1}


class ShortcutsDialog(QDialog):
    """A table of actions with an editable key sequence each; OK saves the overrides."""

    def __init__(self, actions: list[QAction], settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.resize(560, 600)
        self.settings = settings
        self.actions_list = [a for a in actions if a.objectName()]
        remember_defaults(self.actions_list)
        self.table = QTableWidget(len(self.actions_list), 2, self)
        self.table.setHorizontalHeaderLabels([self.tr("Action"), self.tr("Shortcut")])
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.edits: dict[str, QKeySequenceEdit] = {}
        for row, a in enumerate(self.actions_list):
            item = QTableWidgetItem(display_text(a))
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(a.objectName())
            self.table.setItem(row, 0, item)
            edit = QKeySequenceEdit(a.shortcut(), self.table)
            edit.setClearButtonEnabled(True)
            edit.keySequenceChanged.connect(lambda _s: self._check())
            self.table.setCellWidget(row, 1, edit)
            self.edits[a.objectName()] = edit
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.reset_button = QPushButton(self.tr("Restore defaults"), self)
        self.reset_button.clicked.connect(self.reset_all)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.addButton(self.reset_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self._check()

    def assignments(self) -> dict[str, str]:
        return {
            name: e.keySequence().toString(QKeySequence.SequenceFormat.PortableText)
            for name, e in self.edits.items()
        }

    def set_shortcut(self, action_name: str, seq: str) -> None:
        self.edits[action_name].setKeySequence(QKeySequence(seq))

    def reset_all(self) -> None:
        for a in self.actions_list:
            d = defaults_of(a)
            self.edits[a.objectName()].setKeySequence(d[0] if d else QKeySequence())

    def _check(self) -> None:
        clash = conflicts(self.assignments())
        names = {a.objectName(): display_text(a) for a in self.actions_list}
        if clash:
            seq, ids = next(iter(clash.items()))
            self.problem.setText(
                self.tr("{0} is used by more than one action: {1}").format(
                    seq, ", ".join(names[i] for i in ids)
                )
            )
        else:
            self.problem.setText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not clash)

    def overrides(self) -> dict[str, str]:
        """Only the shortcuts that differ from the defaults."""
        out: dict[str, str] = {}
        current = self.assignments()
        for a in self.actions_list:
            d = defaults_of(a)
            default = d[0].toString(QKeySequence.SequenceFormat.PortableText) if d else ""
            seq = current[a.objectName()]
            if seq != default:
                out[a.objectName()] = seq
        return out

    def save(self) -> None:
        """Store the overrides and apply them to the actions."""
        overrides = self.overrides()
        self.settings.set_shortcut_overrides(overrides)
        apply_overrides(self.actions_list, overrides)
