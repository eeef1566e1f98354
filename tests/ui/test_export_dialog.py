from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QMenu
from pytestqt.qtbot import QtBot

from taura_desktop.core.project import Project
from taura_desktop.ui.export_dialog import ExportDialog, default_output
from taura_desktop.ui.main_window import MainWindow
from taura_desktop.ui.settings import Settings
from tests.ui.helpers import make_project


def _ok(d: ExportDialog) -> bool:
    return d.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_options_follow_the_choices(qtbot: QtBot, project: Project) -> None:
    d = ExportDialog(project, lang="fr")
    qtbot.addWidget(d)
    d.set_kind("subtitles")
    assert d.chosen_langs() == ("fr",)
    d.format_checks["ttml"].setChecked(False)
    o = d.options()
    assert o.kind == "subtitles"
    assert o.subtitle_formats == ("srt", "vtt", "ass")
    assert o.output == str(default_output(project, "subtitles"))
    assert _ok(d)
    # mix and loudness only matter for mixed kinds
    assert not d.mix_box.isEnabled()
    d.set_kind("mkv")
    assert d.mix_box.isEnabled() and d.loud_box.isEnabled()
    d.mix_box.setCurrentIndex(d.mix_box.findData("replace"))
    d.loud_box.setCurrentIndex(d.loud_box.findData("web"))
    o = d.options()
    assert (o.kind, o.mix, o.loudness) == ("mkv", "replace", "web")


def test_problems_disable_export(qtbot: QtBot, project: Project) -> None:
    d = ExportDialog(project)
    qtbot.addWidget(d)
    d.set_kind("subtitles")
    for box in d.format_checks.values():
        box.setChecked(False)
    assert not _ok(d) and "format" in d.problem_label.text()
    d.set_kind("burn")
    d.set_langs(("es", "fr"))
    assert not _ok(d) and "exactly one language" in d.problem_label.text()
    d.set_langs(("es",))
    # the project has no video: burning (and masters) cannot run
    assert "video is missing" in (d.problem() or "")
    d.set_kind("subtitles")
    d.format_checks["srt"].setChecked(True)
    assert _ok(d)


def test_background_mix_says_why(qtbot: QtBot, project: Project) -> None:
    d = ExportDialog(project)
    qtbot.addWidget(d)
    d.set_kind("mp4")
    d.mix_box.setCurrentIndex(d.mix_box.findData("background"))
    # no video and no separation model: both say so (the video first)
    assert "video is missing" in (d.problem() or "")
    import taura_desktop.ui.export_dialog as ed

    assert not ed.background_available()


@pytest.fixture
def window(qtbot: QtBot, settings: Settings, tmp_path: Path) -> MainWindow:
    make_project(tmp_path / "ex.taura", 6, langs=("es",), voiced=False).close()
    w = MainWindow(settings)
    qtbot.addWidget(w)
    assert w.open_project(tmp_path / "ex.taura")
    return w


def test_export_runs_through_the_jobs_panel(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    assert window.a_export.isEnabled()
    menus = window.menuBar().findChildren(QMenu)
    assert any(window.a_export in m.actions() and window.a_open in m.actions() for m in menus)
    assert window.project is not None
    d = ExportDialog(window.project, window)
    qtbot.addWidget(d)
    d.set_kind("subtitles")
    d.output_edit.setText(str(tmp_path / "subs"))
    with qtbot.waitSignal(window.jobs.stageSummary, timeout=60000) as sig:
        window.start_export(d.options(), d.label())
    stage, kind, summary = sig.args
    assert (stage, kind) == ("export", "finished")
    names = sorted(Path(p).name for p in summary["outputs"])
    assert "ex.es.srt" in names and "ex.en.vtt" in names
    assert all(Path(p).is_file() for p in summary["outputs"])


def test_export_failure_is_one_line(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    from taura_desktop.pipeline.deliver import ExportOptions

    with qtbot.waitSignal(window.jobs.stageSummary, timeout=30000) as sig:
        window.start_export(ExportOptions("burn", str(tmp_path / "b.mp4"), ("es",)))
    _stage, kind, summary = sig.args
    assert kind == "failed"
    assert "\n" not in summary["error"] and summary["error"]
    assert window.banner.text() == summary["error"]


def test_overwriting_an_export_asks_first(
    qtbot: QtBot, project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QDialog, QMessageBox

    d = ExportDialog(project)
    qtbot.addWidget(d)
    d.set_kind("mkv")
    out = tmp_path / "existing.mkv"
    out.write_bytes(b"an earlier export")
    d.output_edit.setText(str(out))
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]

    def question(_parent: object, _title: str, text: str, *_a: object) -> QMessageBox.StandardButton:
        asked.append(text)
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    d.accept()
    assert asked and "existing.mkv already exists" in asked[0]
    assert d.result() != QDialog.DialogCode.Accepted  # kept open, nothing queued
    answer[0] = QMessageBox.StandardButton.Yes
    d.accept()
    assert d.result() == QDialog.DialogCode.Accepted
    # a new file is not asked about
    d2 = ExportDialog(project)
    qtbot.addWidget(d2)
    d2.set_kind("mkv")
    d2.output_edit.setText(str(tmp_path / "new.mkv"))
    asked.clear()
    d2.accept()
    assert not asked and d2.result() == QDialog.DialogCode.Accepted
