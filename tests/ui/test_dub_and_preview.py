"""Voice preview (espeak on a worker thread, played by an audio-only mpv) and dub playback
(a real voice stage, then the dub mix rendered by the export stage and loaded in the player)."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from taura_desktop.ui.main_window import MainWindow
from taura_desktop.ui.settings import Settings
from tests.ui.helpers import make_project, make_test_video

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


@pytest.fixture
def window(qtbot: QtBot, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    monkeypatch.setenv("TAURA_MPV_AO", "null")
    from taura_desktop.media.probe import fingerprint

    video = make_test_video(tmp_path / "v.mp4", seconds=8.0)
    p = make_project(tmp_path / "dub.taura", 3, langs=("es",), voiced=False, media=fingerprint(video))
    p.close()
    w = MainWindow(settings, player_vo="null")
    qtbot.addWidget(w)
    assert w.open_project(tmp_path / "dub.taura")
    return w


def test_voice_preview_off_thread(qtbot: QtBot, window: MainWindow) -> None:
    sp = window.speakers
    sp.list.setCurrentRow(0)
    assert "es" in sp.preview_buttons
    with qtbot.waitSignal(sp.previewReady, timeout=30000) as sig:
        sp.preview_buttons["es"].click()
    path = Path(sig.args[0])
    with wave.open(str(path), "rb") as wf:
        assert wf.getnframes() > 0
    assert sp.audio.last_path == path


def test_preview_needs_a_speaker(qtbot: QtBot, window: MainWindow) -> None:
    sp = window.speakers
    sp.list.setCurrentRow(-1)
    with qtbot.waitSignal(sp.message) as sig:
        assert not sp.preview("es")
    assert sig.args == ["Select a speaker first."]


def test_render_dub_loads_the_mix(qtbot: QtBot, window: MainWindow) -> None:
    from taura_desktop.ui.jobs_panel import StageRequest, stage_options

    with qtbot.waitSignal(window.jobs.stageSummary, timeout=120000) as sig:
        window.jobs.enqueue(StageRequest("voice", stage_options("voice", lang="es", engine="espeak")))
    assert sig.args[1] == "finished", sig.args
    seen: list[str | None] = []
    orig = window.player.set_dub_audio

    def spy(path: str | None) -> None:
        seen.append(path)
        orig(path)

    window.player.set_dub_audio = spy  # type: ignore[method-assign]
    with qtbot.waitSignal(window.jobs.stageSummary, timeout=120000) as sig:
        assert window.render_dub()
        assert window.render_dub()  # a second request while one runs is not queued again
    assert sig.args[1] == "finished", sig.args
    assert len(seen) == 1 and seen[0] is not None
    assert Path(seen[0]).name.startswith("mix_") and Path(seen[0]).is_file()
    assert window.dub_dir is not None
