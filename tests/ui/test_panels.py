"""QC panel, translation-memory alternatives, approvals feeding the memory, shortcuts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from taura_desktop.core import edits
from taura_desktop.core.model import Status
from taura_desktop.paths import memory_path
from taura_desktop.translation.memory import TranslationMemory
from taura_desktop.ui.main_window import MainWindow
from taura_desktop.ui.qc_panel import QcPanel
from taura_desktop.ui.settings import Settings
from taura_desktop.ui.shortcuts import ShortcutsDialog
from tests.ui.helpers import make_project

LONG = "esta es una traducción muchísimo más larga de lo que cabe en una sola línea de subtítulo"


@pytest.fixture
def window(qtbot: QtBot, settings: Settings, tmp_path: Path) -> MainWindow:
    p = make_project(tmp_path / "pan.taura", 8, langs=("es", "fr"))
    p.apply(edits.set_translation_text(p.state, "s00003", "es", LONG), undoable=False)
    p.close()
    w = MainWindow(settings)
    qtbot.addWidget(w)
    assert w.open_project(tmp_path / "pan.taura")
    return w


def _wait_qc(qtbot: QtBot, qc: QcPanel) -> None:
    qtbot.waitUntil(lambda: not qc._worker.busy and not qc._timer.isActive(), timeout=10000)
    qtbot.wait(20)


def test_qc_lists_issues_and_selects(qtbot: QtBot, window: MainWindow) -> None:
    qc = window.qc
    _wait_qc(qtbot, qc)
    assert qc.lang == "es"
    rules = {r for sid, r in qc.issues() if sid == "s00003"}
    assert {"cps", "line_length"} <= rules
    item = qc.tree.topLevelItem([sid for sid, _ in qc.issues()].index("s00003"))
    assert item is not None and item.text(0) == "4"  # 1-based position
    qc._clicked(item)
    assert window.selected_ids() == ["s00003"]
    assert window.timeline.selection() == ["s00003"]


def test_qc_refreshes_after_edits_debounced(qtbot: QtBot, window: MainWindow) -> None:
    qc = window.qc
    _wait_qc(qtbot, qc)
    assert window.project is not None
    with qtbot.waitSignal(qc.checked, timeout=10000) as sig:
        for text in ("corto", "bien"):  # a burst: one check
            window.project.apply(edits.set_translation_text(window.project.state, "s00003", "es", text))
    assert sig.args == [qc.issue_count]
    assert not [r for sid, r in qc.issues() if sid == "s00003"]
    # language switch re-checks that language
    window.lang_box.setCurrentIndex(window.lang_box.findData("fr"))
    _wait_qc(qtbot, qc)
    assert qc.lang == "fr"


def test_alternatives_from_memory_apply_and_undo(qtbot: QtBot, window: MainWindow) -> None:
    p = window.project
    assert p is not None
    seg = p.segment("s00002")
    with TranslationMemory(memory_path()) as tm:
        tm.add("en", "es", seg.source_text + " now", "una traducción recordada")
        tm.add("en", "es", "something else entirely different", "otra")
    alt = window.alternatives
    with qtbot.waitSignal(alt.looked_up, timeout=10000) as sig:
        window.select_segments(["s00002"])
    assert sig.args == [1]
    assert alt.matches() == ["una traducción recordada"]
    assert "%" in alt.list.item(0).text()
    assert alt.apply_selected()
    assert p.segment("s00002").translations["es"].text == "una traducción recordada"
    window.undo()
    assert p.segment("s00002").translations["es"].text == seg.translations["es"].text


def test_no_memory_means_no_matches(qtbot: QtBot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.alternatives.looked_up, timeout=10000) as sig:
        window.select_segments(["s00001"])
    assert sig.args == [0]
    assert not window.alternatives.apply_button.isEnabled()


def test_approve_feeds_the_memory(qtbot: QtBot, window: MainWindow) -> None:
    p = window.project
    assert p is not None
    window.select_segments(["s00000"])
    window.approve()
    assert p.segment("s00000").translations["es"].status is Status.APPROVED
    src = p.segment("s00000").source_text

    def remembered() -> bool:
        if not memory_path().is_file():
            return False
        with TranslationMemory(memory_path()) as tm:
            return tm.exact("en", "es", src) == p.segment("s00000").translations["es"].text

    qtbot.waitUntil(remembered, timeout=10000)


def test_shortcuts_are_editable_and_persist(qtbot: QtBot, settings: Settings) -> None:
    w = MainWindow(settings)
    qtbot.addWidget(w)
    assert w.a_approve.objectName() == "approve"
    d = w.edit_shortcuts()
    qtbot.addWidget(d)
    d.set_shortcut("approve", "Ctrl+Shift+A")
    ok = d.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled()
    d.set_shortcut("merge", "Ctrl+Shift+A")  # clash
    assert not ok.isEnabled() and "Ctrl+Shift+A" in d.problem.text()
    d.set_shortcut("merge", "Ctrl+J")
    assert ok.isEnabled()
    d.accept()
    assert w.a_approve.shortcut() == QKeySequence("Ctrl+Shift+A")
    assert settings.shortcut_overrides() == {"approve": "Ctrl+Shift+A"}
    w2 = MainWindow(settings)
    qtbot.addWidget(w2)
    assert w2.a_approve.shortcut() == QKeySequence("Ctrl+Shift+A")
    assert w2.a_undo.shortcuts() == QKeySequence.keyBindings(QKeySequence.StandardKey.Undo)
    d2 = ShortcutsDialog(w2.shortcut_actions(), settings)
    qtbot.addWidget(d2)
    d2.reset_all()
    d2.save()
    assert settings.shortcut_overrides() == {}
    assert w2.a_approve.shortcut() == QKeySequence("Ctrl+Return")


def test_bad_shortcut_settings_are_ignored(settings: Settings) -> None:
    from taura_desktop.ui.settings import Pref

    settings.set(Pref.SHORTCUTS, "{not json")
    assert settings.shortcut_overrides() == {}
