"""The review loop: stale clips shown everywhere, one-key playback of one line, keys that edit
like a subtitle editor, and the Speakers panel voice box that used to crash."""

from __future__ import annotations

import shutil
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from taura_desktop.core import edits
from taura_desktop.core.model import VoiceSpec, clip_basis
from taura_desktop.core.project import Project
from taura_desktop.ui.main_window import MainWindow
from taura_desktop.ui.segment_model import Col
from taura_desktop.ui.settings import Settings
from taura_desktop.ui.timeline_cache import _V_STALE
from tests.ui.helpers import make_project, make_test_video


def _with_bases(p: Project, lang: str = "es") -> None:
    """Give the helper's clips the basis the voice stage records (default voice, default caps)."""
    clips = {}
    for seg in p.segments():
        tr = seg.translation(lang)
        if tr is not None and tr.clip is not None:
            clips[seg.id] = replace(tr.clip, basis=clip_basis(tr.text, VoiceSpec(), 1.25, 1.5))
    p.apply(edits.set_clips(p.state, lang, clips), undoable=False)


@pytest.fixture
def window(qtbot: QtBot, settings: Settings, tmp_path: Path) -> MainWindow:
    p = make_project(tmp_path / "r.taura", 6, langs=("es",))
    _with_bases(p)
    p.close()
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_project(tmp_path / "r.taura")
    return w


def _fit_text(w: MainWindow, row: int) -> str:
    return str(w.proxy.index(row, Col.FIT).data())


def test_stale_clip_shows_in_fit_column_timeline_and_qc(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    assert w.project is not None
    sid = w.proxy.id_at(1)
    assert not _fit_text(w, 1).startswith("stale")
    w.qc.refresh_now()
    qtbot.waitUntil(lambda: "Checking" not in w.qc.summary.text())
    assert not [i for i in w.qc.issues() if i[1] == "stale_voice"]
    # the translation changes: the clip is stale in the table, the timeline and QC
    assert w.proxy.setData(w.proxy.index(1, Col.TRANSLATION), "Hola.")
    assert _fit_text(w, 1) == "stale (text)"
    assert "re-voice" in str(w.proxy.index(1, Col.FIT).data(Qt.ItemDataRole.ToolTipRole))
    cache = w.timeline._ensure_cache()
    assert int(cache.v_cat["es"][cache.index[sid]]) == _V_STALE
    w.qc.refresh_now()
    qtbot.waitUntil(lambda: (sid, "stale_voice") in w.qc.issues())
    # undo: current again everywhere
    w.undo()
    assert not _fit_text(w, 1).startswith("stale")
    assert int(w.timeline._ensure_cache().v_cat["es"][cache.index[sid]]) != _V_STALE
    # a retime that takes room from the clip makes it stale for its slot
    seg = w.project.state.segments[sid]
    w.project.apply(edits.set_times(w.project.state, sid, seg.start_ms + 400, seg.end_ms))
    assert _fit_text(w, 1) == "stale (slot)"
    assert _fit_text(w, 0) == "stale (slot)"  # the previous clip may now use more room
    assert w.revoice_stale() == 2  # export and dub mix queue this before they run
    w.jobs.cancel_all()


def test_legend_names_every_clip_colour(window: MainWindow) -> None:
    assert window.legend.labels() == ["ok", "extended", "sped up", "overflow", "stale"]
    assert window.legend.isVisible() and window.legend.width() > 100


def test_typing_on_a_row_opens_the_editor_and_keeps_the_text(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    assert w.project is not None
    w.select_segments([w.proxy.id_at(2)])
    w.table.setFocus()
    old = str(w.proxy.index(2, Col.TRANSLATION).data(Qt.ItemDataRole.EditRole))
    qtbot.keyClicks(w.table, "x")
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit)
    assert editor.text() == old + "x"
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the view commits on its next event loop turn
    qtbot.waitUntil(lambda: w.table.state() != w.table.State.EditingState)
    tr = w.project.state.segments[w.proxy.id_at(2)].translation("es")
    assert tr is not None and tr.text == old + "x"


def test_keys_redo_revoice_and_no_focus_in_text_boxes_after_undo(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    assert w.project is not None
    assert QKeySequence("Ctrl+Y") in w.a_redo.shortcuts()
    assert w.a_revoice.shortcut() == QKeySequence("Ctrl+R")
    ids = [w.proxy.id_at(r) for r in (3, 4)]
    w.select_segments(ids)
    w.table.setFocus()
    w.delete_selected()
    w.undo()
    focus = QApplication.focusWidget()
    assert not isinstance(focus, QLineEdit), focus
    assert all(s in w.project.state.segments for s in ids)
    qtbot.keyClick(w, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)  # redo: deleted again
    assert not any(s in w.project.state.segments for s in ids)
    assert w.find_edit.text() == "" and w.replace_edit.text() == ""


def test_voice_box_enter_does_not_crash_and_accepts_only_known_voices(
    qtbot: QtBot, window: MainWindow
) -> None:
    """Regression: typing a voice name and pressing Enter destroyed the box inside its own
    signal (segfault)."""
    w = window
    assert w.project is not None
    sp = w.speakers
    # the panel lists the installed voices on a helper thread: let that land first, or it
    # replaces the list (and rebuilds the box) in the middle of the typing below
    qtbot.waitUntil(lambda: "es" in sp._voices, timeout=30_000)
    sp._on_voices("es", [("espeak:es", "Spanish (es)"), ("espeak:es+f2", "Spanish, female 2 (es+f2)")])
    sp.list.setCurrentRow(0)
    sid = sp.current_speaker()
    assert sid is not None
    edit = sp.voice_boxes["es"].lineEdit()
    assert edit is not None  # the voice box is editable
    messages: list[str] = []
    sp.message.connect(messages.append)
    edit.selectAll()
    qtbot.keyClicks(edit, "klingon")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.wait(50)
    assert messages and "Unknown voice 'klingon'" in messages[-1]
    assert "es" not in w.project.state.speakers[sid].voices
    edit = sp.voice_boxes["es"].lineEdit()
    assert edit is not None
    edit.selectAll()
    qtbot.keyClicks(edit, "es+f2")
    qtbot.keyClick(edit, Qt.Key.Key_Return)

    def voice_set() -> bool:
        assert w.project is not None
        return "es" in w.project.state.speakers[sid].voices

    qtbot.waitUntil(voice_set)
    assert w.project.state.speakers[sid].voices["es"].voice == "es+f2"
    # the rebuilt box shows it, and Enter on it again is harmless
    qtbot.wait(50)
    box = sp.voice_boxes["es"]
    assert box.currentData() == "espeak:es+f2"
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    qtbot.wait(50)
    assert w.project.state.speakers[sid].voices["es"].voice == "es+f2"


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_p_stops_at_the_end_and_shift_p_plays_the_current_dub_of_one_segment(
    qtbot: QtBot, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taura_desktop.media.audio_io import read_wav
    from taura_desktop.media.probe import fingerprint

    monkeypatch.setenv("TAURA_MPV_AO", "null")
    video = make_test_video(tmp_path / "v.mp4", seconds=8.0)
    p = make_project(tmp_path / "d.taura", 3, langs=("es",), voiced=False, media=fingerprint(video))
    p.close()
    w = MainWindow(settings, player_vo="null")
    qtbot.addWidget(w)
    assert w.open_project(tmp_path / "d.taura")
    if not w.player.available:
        pytest.skip(f"no libmpv: {w.player.unavailable_reason}")
    assert w.project is not None
    sid = w.proxy.id_at(0)
    seg = w.project.state.segments[sid]
    w.select_segments([sid])
    # P: the original, stopping at the segment's end
    w.a_play_seg.trigger()
    assert w.player.stop_at == seg.end_ms and w.player.audio_mode == "original"
    qtbot.waitUntil(lambda: w.player.paused and w.player.stop_at is None, timeout=15000)
    qtbot.waitUntil(lambda: abs(w.player.position_ms - seg.end_ms) <= 50, timeout=5000)  # rests at the end
    # Shift+P on a line with no clip yet: re-voices that line only, then plays it
    with qtbot.waitSignal(w.jobs.stageSummary, timeout=60000) as sig:
        w.a_play_dub.trigger()
    assert sig.args[0] == "voice" and sig.args[1] == "finished"
    qtbot.waitUntil(lambda: w.last_segment_dub is not None, timeout=5000)
    first = w.last_segment_dub
    assert first is not None and first.path.is_file()
    assert w.player.segment_track is not None and w.player.stop_at == first.end_ms
    others = [s for s in w.project.segments() if s.id != sid]
    assert all(s.translations["es"].clip is None for s in others)
    a, _ = read_wav(first.path)
    # the voice track draws that clip's waveform (peak-normalized envelope of the placed audio)
    clip = w.project.state.segments[sid].translations["es"].clip
    assert clip is not None
    env = w.timeline.clip_envelope(clip)
    assert env is not None and len(env) >= clip.duration_ms // 10 - 1 and float(env.max()) == 1.0
    from PySide6.QtGui import QColor, QImage, QPainter

    img = QImage(300, 26, QImage.Format.Format_ARGB32)
    img.fill(QColor(0, 0, 0))
    painter = QPainter(img)
    w.timeline.set_view(0.0, clip.duration_ms / 300)  # the clip spans the image
    w.timeline._paint_clip_wave(painter, clip, 0.0, 0.0, 300.0, 26.0)
    painter.end()
    lit = sum(1 for x in range(300) if img.pixelColor(x, 13).red() > 100)
    assert lit > 30  # the waveform is drawn across the clip
    # fix the text, re-voice (Ctrl+R), play again: a different clip is heard
    w.project.apply(edits.set_translation_text(w.project.state, sid, "es", "Una frase nueva y distinta."))
    with qtbot.waitSignal(w.jobs.stageSummary, timeout=60000) as sig:
        w.a_revoice.trigger()
    assert sig.args[1] == "finished"
    w.a_play_dub.trigger()
    second = w.last_segment_dub
    assert second is not None and second.path != first.path and second.clip_key != first.clip_key
    b, _ = read_wav(second.path)
    assert len(a) != len(b) or not np.allclose(a, b)
    w.close()
    assert not first.path.exists()  # temporary playback audio is removed on close


def test_segment_pane_multiline_counts_cps_qc_and_commit(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    assert w.project is not None
    sid = w.proxy.id_at(0)
    w.select_segments([sid])
    pane = w.pane
    assert pane.segment_id == sid
    tr = w.project.state.segments[sid].translation("es")
    assert tr is not None and pane.translation.toPlainText() == tr.text
    w.edit_in_pane()
    box = pane.translation
    assert QApplication.focusWidget() is box
    box.selectAll()
    qtbot.keyClicks(box, "Hola a todos")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # a line break
    qtbot.keyClicks(box, "y bienvenidos")
    assert pane.line_counts() == [12, 13]
    assert "12 · 13" in pane.translation_info.text() and "CPS" in pane.translation_info.text()
    assert pane.verdict.text().startswith("QC:")
    assert w.project.state.segments[sid].translations["es"].text == tr.text
    qtbot.keyClick(box, Qt.Key.Key_Return)  # Enter applies it (one undo step)
    assert w.project.state.segments[sid].translations["es"].text == "Hola a todos\ny bienvenidos"
    # a long line: the verdict names the rule as you type
    qtbot.keyClicks(box, " " + "muy " * 20)
    assert "Line too long" in pane.verdict.text()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # back to the stored text
    assert box.toPlainText() == "Hola a todos\ny bienvenidos"
    # typed text is applied before approving (Ctrl+Return), and the pane follows to the next one
    qtbot.keyClicks(box, "!")
    w.approve()
    seg = w.project.state.segments[sid]
    assert seg.translations["es"].text == "Hola a todos\ny bienvenidos!"
    assert seg.translations["es"].status.value == "approved"
    assert pane.segment_id == w.proxy.id_at(1)
    w.undo()
    w.undo()


def test_replace_one_with_case_whole_word_and_regex(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    p = w.project
    assert p is not None
    ids = [w.proxy.id_at(r) for r in range(3)]
    texts = ["Cat cat concat.", "the cat sat", "CAT 12 and 34"]
    for sid, text in zip(ids, texts, strict=True):
        p.apply(edits.set_translation_text(p.state, sid, "es", text))
    w.find_field.setCurrentIndex(w.find_field.findData("translation"))

    def tr(i: int) -> str:
        t = p.state.segments[ids[i]].translation("es")
        assert t is not None
        return t.text

    # whole word + match case: only the lower-case standalone "cat"
    w.select_segments([ids[0]])
    w.find_edit.setText("cat")
    w.replace_edit.setText("dog")
    w.f_case.setChecked(True)
    w.f_word.setChecked(True)
    w.replace_one()
    assert tr(0) == "Cat dog concat."  # one replacement, "concat" untouched
    assert w.current_id() == ids[1]  # then on to the next match
    w.replace_one()
    assert tr(1) == "the dog sat"
    assert "Not found" in w.statusBar().currentMessage()  # "Cat", "CAT" and "concat" do not match
    # regex with a group reference, case-insensitive
    w.f_case.setChecked(False)
    w.f_word.setChecked(False)
    w.f_regex.setChecked(True)
    w.find_edit.setText(r"(\d+) and (\d+)")
    w.replace_edit.setText(r"\2 y \1")
    w.select_segments([ids[2]])
    w.replace_one()
    assert tr(2) == "CAT 34 y 12"
    # a bad pattern is one message, nothing changes
    w.find_edit.setText("(")
    w.replace_one()
    assert "regular expression" in w.statusBar().currentMessage()
    assert w.a_replace.shortcuts() == QKeySequence.keyBindings(QKeySequence.StandardKey.Replace)


def test_zoom_keeps_the_playhead_in_view(qtbot: QtBot, window: MainWindow) -> None:
    tl = window.timeline
    tl.resize(800, tl.height())
    tl.set_view(0.0, 20.0)  # 0 .. ~14 s visible
    tl.set_playhead(9000, follow=False)
    x_before = tl.x_for_ms(9000)
    for _ in range(4):
        tl.zoom(1.5)  # in: the playhead stays where it is on screen
        assert abs(tl.x_for_ms(9000) - x_before) < 1.0
    tl.set_view(0.0)
    tl.set_playhead(14_500, follow=False)  # out of view at this zoom
    tl.zoom(1.5)
    span = tl.content_width * tl.ms_per_px
    assert tl.offset_ms <= 14_500 <= tl.offset_ms + span


def test_j_steps_back_smoothly_until_k(
    qtbot: QtBot, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from taura_desktop.media.probe import fingerprint

    monkeypatch.setenv("TAURA_MPV_AO", "null")
    video = make_test_video(tmp_path / "v.mp4", seconds=6.0)
    p = make_project(tmp_path / "j.taura", 2, langs=("es",), media=fingerprint(video))
    p.close()
    w = MainWindow(settings, player_vo="null")
    qtbot.addWidget(w)
    assert w.open_project(tmp_path / "j.taura")
    if not w.player.available:
        pytest.skip(f"no libmpv: {w.player.unavailable_reason}")
    qtbot.waitUntil(lambda: w.player.duration_ms > 0, timeout=10000)
    w.player.seek(4000)
    steps: list[int] = []
    orig_seek = w.player.seek

    def spy(ms: int, *, exact: bool = True) -> None:
        steps.append(ms)
        orig_seek(ms, exact=exact)

    w.player.seek = spy  # type: ignore[method-assign]
    w.player.shuttle("j")
    assert w.player.reversing and w.player.paused
    qtbot.waitUntil(lambda: len(steps) >= 5, timeout=10000)
    assert all(b < a for a, b in pairwise(steps))  # always backward
    assert max(a - b for a, b in pairwise(steps)) <= 200  # in small steps
    w.player.shuttle("k")
    assert not w.player.reversing


def test_an_empty_filter_says_so_and_job_titles_do_not_resize_docks(
    qtbot: QtBot, window: MainWindow
) -> None:
    w = window
    assert not w.empty_hint.isVisible()
    w.find_edit.setText("no segment says this")
    assert w.proxy.rowCount() == 0
    assert w.empty_hint.isVisible() and "No segments match the filter (6 hidden)" in w.empty_hint.text()
    w.find_edit.clear()
    assert w.proxy.rowCount() == 6 and not w.empty_hint.isVisible()
    qtbot.wait(50)
    width = w.jobs_dock.width()
    w.jobs.title.setText("Running a job with a very long title " * 8)
    qtbot.wait(50)
    assert w.jobs_dock.width() == width
