from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from taura_desktop.ui.player import Player, load_mpv
from taura_desktop.ui.settings import Settings
from tests.ui.helpers import make_project, make_test_video


def test_player_says_why_when_libmpv_is_missing(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mpv", None)  # makes `import mpv` raise ImportError
    module, reason = load_mpv()
    assert module is None and reason is not None
    assert reason.startswith("Video playback is unavailable: libmpv could not be loaded")
    assert "apt install libmpv2" in reason and "\n" not in reason
    player = Player()
    qtbot.addWidget(player)
    assert not player.available
    assert player.message.text() == reason
    assert player.load(__file__) is False  # harmless no-op
    player.seek(1000)
    player.toggle_pause()
    player.set_overlay_text("x")


def test_window_opens_without_libmpv(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Path
) -> None:
    from taura_desktop.ui.main_window import MainWindow

    monkeypatch.setitem(sys.modules, "mpv", None)
    p = make_project(tmp_path / "n.taura", 3)
    p.close()
    w = MainWindow(settings)
    qtbot.addWidget(w)
    assert w.open_project(tmp_path / "n.taura")
    assert not w.player.available
    assert "libmpv" in w.player.message.text()
    assert w.proxy.rowCount() == 3  # the editor works without video


def test_ass_escape() -> None:
    from taura_desktop.ui.player import _ass_escape

    assert _ass_escape("a{b}\nc\\d") == "a\\{b\\}\\Nc\\\\d"


def test_headless_mpv_loads_seeks_and_grabs_frames(qtbot: QtBot, tmp_path: Path) -> None:
    if load_mpv()[0] is None:
        pytest.skip("libmpv is not installed")
    video = make_test_video(tmp_path / "v.mp4", seconds=3.0)
    player = Player(vo="null")
    qtbot.addWidget(player)
    with qtbot.waitSignal(player.fileLoaded, timeout=10000):
        assert player.load(video)
    qtbot.waitUntil(lambda: player.duration_ms > 2500, timeout=5000)
    with qtbot.waitSignal(
        player.positionChanged, timeout=5000, check_params_cb=lambda ms: abs(ms - 1500) < 60
    ):
        player.seek(1500)
    img = player.screenshot()
    assert img is not None and img.size[0] == 320
    assert max(img.convert("L").getextrema()) > 40  # testsrc is never black
    player.set_overlay_text("hola {mundo}")
    player.set_overlay_mode("off")
    with qtbot.waitSignal(player.pausedChanged, timeout=5000, check_params_cb=lambda p: p is False):
        player.play()
    player.pause()
    player.close_player()
