"""A project whose video moved: the editor says so and relinks it from the banner."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from taura_desktop.app.projects import new_project
from taura_desktop.ui.main_window import MainWindow
from taura_desktop.ui.settings import Settings
from tests.ui.helpers import make_test_video


@pytest.fixture
def moved(tmp_path: Path) -> tuple[Path, Path]:
    """A project made from a video that has since been moved: (project, the video's new path)."""
    video = make_test_video(tmp_path / "take1.mp4", seconds=3.0)
    new_project(video, tmp_path / "p.taura", source_lang="en", targets=("es",)).close()
    moved_to = tmp_path / "archive" / "take1-final.mp4"
    moved_to.parent.mkdir()
    video.rename(moved_to)
    return tmp_path / "p.taura", moved_to


@pytest.fixture
def window(qtbot: QtBot, settings: Settings) -> MainWindow:
    w = MainWindow(settings, player_vo="null")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_a_moved_video_is_relinked_from_the_banner(window: MainWindow, moved: tuple[Path, Path]) -> None:
    project_path, new_path = moved
    assert window.open_project(project_path)
    assert window.banner.isVisible() and "was not found" in window.banner.text()
    assert window.banner_locate.isVisible()
    assert window.locate_media(str(new_path))
    assert not window.banner.isVisible() and not window.banner_locate.isVisible()
    assert window.project is not None and window.project.meta.media is not None
    assert Path(window.project.meta.media.path) == new_path
    assert "Relinked the project to" in window.statusBar().currentMessage()
    window.close_project()  # the relink was saved with the project
    assert window.open_project(project_path) and not window.banner.isVisible()


def test_another_video_needs_a_yes(
    window: MainWindow, moved: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project_path, _new_path = moved
    other = make_test_video(tmp_path / "other.mp4", seconds=5.0)
    assert window.open_project(project_path)
    asked: list[str] = []

    def answer(reply: QMessageBox.StandardButton) -> object:
        def ask(_parent: object, _title: str, text: str, *_a: object) -> QMessageBox.StandardButton:
            asked.append(text)
            return reply
        return ask

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    assert not window.locate_media(str(other))
    assert asked and "other.mp4 is not the video this project was made from" in asked[0]
    assert window.project is not None and window.project.meta.media is not None
    assert Path(window.project.meta.media.path).name == "take1.mp4"  # unchanged
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    assert window.locate_media(str(other))
    assert Path(window.project.meta.media.path) == other
    assert "it differs" in window.statusBar().currentMessage()


def test_a_file_that_is_no_video_is_refused_with_its_reason(
    window: MainWindow, moved: tuple[Path, Path], tmp_path: Path
) -> None:
    project_path, _new_path = moved
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video", encoding="utf-8")
    assert window.open_project(project_path)
    assert not window.locate_media(str(notes))
    assert window.banner.isVisible() and window.banner.text().startswith(str(notes))
    assert window.banner_locate.isVisible()  # may look again
    assert window.project is not None and window.project.meta.media is not None
    assert Path(window.project.meta.media.path).name == "take1.mp4"
