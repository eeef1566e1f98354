from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from taura_desktop.app import peaks as app_peaks
from taura_desktop.core import edits
from taura_desktop.core.model import Status
from taura_desktop.core.project import Project
from taura_desktop.ui.main_window import MainWindow
from taura_desktop.ui.segment_model import Col
from taura_desktop.ui.settings import Pref, Settings
from tests.ui.helpers import make_project


@pytest.fixture
def window(qtbot: QtBot, settings: Settings) -> MainWindow:
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def opened(window: MainWindow, tmp_path: Path) -> MainWindow:
    p = make_project(tmp_path / "demo.taura", 12, langs=("es", "fr"))
    p.close()
    assert window.open_project(tmp_path / "demo.taura")
    return window


def test_open_sets_title_recent_and_views(opened: MainWindow, settings: Settings, tmp_path: Path) -> None:
    w = opened
    assert w.windowTitle() == "demo — Taura"
    assert w.proxy.rowCount() == 12
    assert settings.get(Pref.RECENT_PROJECTS)[0] == str(tmp_path / "demo.taura")
    assert [w.lang_box.itemData(i) for i in range(w.lang_box.count())] == ["es", "fr"]


def test_standard_shortcuts(window: MainWindow) -> None:
    SK = QKeySequence.StandardKey
    for action, key in (
        (window.a_open, SK.Open),
        (window.a_undo, SK.Undo),
        (window.a_find, SK.Find),
        (window.a_quit, SK.Quit),
        (window.a_save_as, SK.SaveAs),
    ):
        assert action.shortcuts() == QKeySequence.keyBindings(key)
    assert window.a_approve.shortcut() == QKeySequence("Ctrl+Return")
    # redo: the platform's keys plus Ctrl+Y everywhere
    redo = [k.toString() for k in window.a_redo.shortcuts()]
    assert all(k.toString() in redo for k in QKeySequence.keyBindings(SK.Redo)) and "Ctrl+Y" in redo


def test_selection_sync_table_to_timeline_and_back(qtbot: QtBot, opened: MainWindow) -> None:
    w = opened
    assert w.project is not None
    ids = w.project.state.ids()
    w.table.selectRow(3)
    assert w.timeline.selection() == [ids[3]]
    assert w.timeline.playhead_ms == w.project.segment(ids[3]).start_ms
    # timeline -> table
    seg = w.project.segment(ids[6])
    tr = w.timeline.track(w.timeline.tracks()[1].kind)
    pos = w.timeline.mapFromGlobal(w.timeline.mapToGlobal(w.timeline.rect().topLeft()))
    w.timeline.set_view(seg.start_ms - 1000, 10.0)
    x = round(w.timeline.x_for_ms(seg.start_ms + 500))
    qtbot.mouseClick(w.timeline, Qt.MouseButton.LeftButton, pos=pos.__class__(x, tr.y + tr.h // 2))
    assert w.selected_ids() == [ids[6]]


def test_keyboard_review_loop(qtbot: QtBot, opened: MainWindow) -> None:
    w = opened
    assert w.project is not None
    ids = w.project.state.ids()
    w.table.setFocus()
    w.a_next.trigger()
    assert w.selected_ids() == [ids[0]]
    w.a_approve.trigger()
    assert w.project.segment(ids[0]).translations["es"].status is Status.APPROVED
    assert w.selected_ids() == [ids[1]]  # approve moves on
    w.a_review.trigger()
    assert w.project.segment(ids[1]).translations["es"].status is Status.NEEDS_REVIEW
    w.a_prev.trigger()
    assert w.selected_ids() == [ids[0]]
    # undo/redo through the window actions
    w.a_undo.trigger()
    assert w.project.segment(ids[1]).translations["es"].status is not Status.NEEDS_REVIEW or ids[1] in ids
    w.a_redo.trigger()
    assert w.project.segment(ids[1]).translations["es"].status is Status.NEEDS_REVIEW


def test_inline_edit_via_delegate_is_undoable(qtbot: QtBot, opened: MainWindow) -> None:
    w = opened
    assert w.project is not None
    sid = w.project.state.ids()[2]
    w.select_segments([sid])
    index = w.proxy.index(2, Col.TRANSLATION)
    assert w.proxy.setData(index, "texto corregido")
    assert w.project.segment(sid).translations["es"].text == "texto corregido"
    assert w.a_undo.isEnabled() and "Edit es translation" in w.a_undo.text()
    w.a_undo.trigger()
    assert w.project.segment(sid).translations["es"].text != "texto corregido"


def test_filters_in_window_keep_selection(qtbot: QtBot, opened: MainWindow) -> None:
    w = opened
    assert w.project is not None
    sid = w.project.state.ids()[1]  # needs_review (statuses cycle)
    w.select_segments([sid])
    w.f_review.setChecked(True)
    assert w.proxy.rowCount() == 4
    assert w.selected_ids() == [sid]
    w.f_review.setChecked(False)
    w.find_edit.setText("fr ")
    w.find_field.setCurrentIndex(w.find_field.findData("translation"))
    assert w.proxy.rowCount() == 0  # the table shows es
    w.lang_box.setCurrentIndex(1)
    assert w.proxy.rowCount() == 12


def test_replace_all_from_window(opened: MainWindow) -> None:
    w = opened
    assert w.project is not None
    w.find_edit.setText("es ")
    w.find_field.setCurrentIndex(w.find_field.findData("translation"))
    w.replace_edit.setText("ES ")
    w.replace_all()
    assert all(s.translations["es"].text.startswith("ES ") for s in w.project.segments())
    w.a_undo.trigger()
    assert all(s.translations["es"].text.startswith("es ") for s in w.project.segments())


def test_split_merge_delete_assign(qtbot: QtBot, opened: MainWindow) -> None:
    w = opened
    p = w.project
    assert p is not None
    first = p.state.at(0)
    w.select_segments([first.id])
    w.timeline.set_playhead(800)
    w.a_split.trigger()
    assert len(p.state) == 13
    w.select_segments([first.id])
    w.a_merge.trigger()
    assert len(p.state) == 12
    w.assign_speaker("spk_a")
    assert p.segment(first.id).speaker_id == "spk_a"
    w.a_delete.trigger()
    assert first.id not in p.state.segments and w.proxy.rowCount() == 11


def test_open_bad_file_shows_one_line_error(window: MainWindow, tmp_path: Path) -> None:
    bad = tmp_path / "bad.taura"
    bad.write_text("hello")
    assert not window.open_project(bad)
    assert window.banner.text() == f"{bad}: not a Taura project file"
    assert not window.open_project(tmp_path / "missing.taura")
    assert window.banner.text().endswith("no such project file")


def test_crash_recovery_message(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "crashy.taura"
    p = make_project(path, 3)
    p.store._db.close()  # simulate a crash: the session never ended, the kernel drops the lock
    assert p.store.lock is not None and p.store.lock._fd is not None
    os.close(p.store.lock._fd)
    assert window.open_project(path)
    assert window.banner.isVisible()
    assert window.banner.text().startswith("Recovered after an unexpected exit: 3 segments")


def test_stage_actions_follow_pipeline_availability(opened: MainWindow) -> None:
    from taura_desktop.ui.jobs_panel import known_stages, pipeline_available

    available = pipeline_available() is None and "translate" in known_stages()
    assert opened.a_retranslate.isEnabled() == available
    if not available:
        assert "Not available" in opened.a_retranslate.statusTip()


def test_overlay_text_follows_position(opened: MainWindow) -> None:
    w = opened
    assert w.project is not None
    seg = w.project.state.at(2)
    w._seek(seg.start_ms + 10)
    assert w.player.overlay_text == seg.translations["es"].text
    w.player.set_overlay_mode("source")
    assert w.player.overlay_text == seg.source_text
    w._seek(seg.end_ms + 100)  # in a gap
    assert w.player.overlay_text == ""


def test_close_project_resets(opened: MainWindow) -> None:
    opened.close_project()
    assert opened.project is None and opened.windowTitle() == "Taura"
    assert not opened.a_approve.isEnabled()


def test_preferences_roundtrip(settings: Settings) -> None:
    settings.set(Pref.SNAP_PX, 12)
    assert settings.get(Pref.SNAP_PX) == 12
    settings.set(Pref.FOLLOW_PLAYHEAD, "false")
    assert settings.get(Pref.FOLLOW_PLAYHEAD) is False
    for i in range(15):
        settings.add_recent(f"/p{i}.taura")
    assert len(settings.recent_projects()) == 10 and settings.recent_projects()[0] == "/p14.taura"


def test_app_main_opens_project_and_quits(qapp: object, tmp_path: Path, settings: Settings) -> None:
    from taura_desktop.ui import app as app_mod

    p = make_project(tmp_path / "m.taura", 2)
    p.close()
    assert app_mod.main([str(tmp_path / "m.taura"), "--quit-after", "200"]) == 0
    assert sys.modules["taura_desktop.ui.main_window"] is not None


def test_new_project_flow_creates_project(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    from taura_desktop.ui.new_project import NewProjectDialog
    from tests.ui.helpers import make_test_video

    video = make_test_video(tmp_path / "clip.mp4", seconds=1.0)
    dialog = NewProjectDialog(window, str(video))
    qtbot.addWidget(dialog)
    spec = dialog.spec()
    assert spec.project == tmp_path / "clip.taura" and spec.target_langs == ("es",)
    assert window.create_project(spec)
    assert window.project is not None and window.project.meta.media is not None
    assert window.project.meta.media.duration_ms > 900
    # waveform peaks are computed off the GUI thread and cached in the project
    qtbot.waitUntil(lambda: window.timeline._peaks is not None, timeout=10000)
    assert app_peaks.cached_peaks(window.project) is not None
    window.project.apply(edits.add_segments(window.project.state, []))  # empty edit: no-op
    assert isinstance(window.project, Project)


def test_preferences_keep_the_jobs_priority(settings: Settings) -> None:
    from taura_desktop.ui.preferences import PreferencesDialog

    assert settings.get(Pref.LOW_PRIORITY_JOBS) is True  # on unless turned off
    dialog = PreferencesDialog(settings)
    assert dialog.low_priority.isChecked()
    dialog.low_priority.setChecked(False)
    dialog.save()
    assert settings.get(Pref.LOW_PRIORITY_JOBS) is False
    assert not PreferencesDialog(settings).low_priority.isChecked()
