"""A new project with no speech-recognition model asks what to do (install or import subtitles)
instead of leaving an empty project and an error in the jobs log; project settings set the
spoken language and the subtitle rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from taura_desktop.ui.main_window import MainWindow
from taura_desktop.ui.new_project import NewProjectSpec
from taura_desktop.ui.project_dialogs import ProjectSettingsDialog
from taura_desktop.ui.settings import Settings
from tests.ui.helpers import make_test_video


@pytest.fixture
def window(qtbot: QtBot, settings: Settings) -> MainWindow:
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    return w


def _spec(tmp_path: Path) -> NewProjectSpec:
    video = make_test_video(tmp_path / "v.mp4", seconds=4.0)
    return NewProjectSpec(video, tmp_path / "n.taura", "en", ("es",), "", "", ("transcribe", "translate"))


def test_no_whisper_model_offers_import_of_subtitles(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAURA_MODELS_DIR", str(tmp_path / "empty-models"))
    queued: list[str] = []
    monkeypatch.setattr(window.jobs, "enqueue", lambda req: queued.append(req.stage))
    assert window.create_project(_spec(tmp_path))
    box = window.asr_box
    assert box is not None and box.isVisible()
    assert "no speech recognition model installed" in box.text()
    assert queued == []  # nothing runs into the missing model
    subs = tmp_path / "en.srt"
    subs.write_text("1\n00:00:00,500 --> 00:00:02,000\nHello there.\n", encoding="utf-8")
    monkeypatch.setattr(
        "taura_desktop.ui.window_ops.QFileDialog.getOpenFileName", lambda *_a, **_k: (str(subs), "")
    )
    box.import_button.click()
    qtbot.waitUntil(lambda: window.project is not None and len(window.project.state) == 1)
    assert queued == ["translate"]  # the rest of the chosen stages, on the imported text


def test_no_whisper_model_offers_the_model_manager(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAURA_MODELS_DIR", str(tmp_path / "empty-models"))
    opened: list[str | None] = []
    monkeypatch.setattr(window, "model_manager", lambda focus=None, parent=None: opened.append(focus))
    monkeypatch.setattr(window.jobs, "enqueue", lambda req: None)
    assert window.create_project(_spec(tmp_path))
    assert window.asr_box is not None
    window.asr_box.install_button.click()
    qtbot.waitUntil(lambda: opened == ["whisper/base"])


def test_project_settings_set_source_language_and_profile(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ui.helpers import make_project

    make_project(tmp_path / "s.taura", 2).close()
    assert window.open_project(tmp_path / "s.taura")
    p = window.project
    assert p is not None
    d = ProjectSettingsDialog(p, window)
    qtbot.addWidget(d)
    d.source_box.setCurrentIndex(d.source_box.findData("fr"))
    d.profile_box.setCurrentIndex(d.profile_box.findData("bbc"))
    assert d.apply() == 2
    assert p.meta.source_lang == "fr" and p.meta.settings["subtitle_profile"] == "bbc"
    window.undo()
    window.undo()
    assert p.meta.source_lang == "en"
    monkeypatch.setattr(ProjectSettingsDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert window.project_settings() is not None and p.meta.source_lang == "en"
