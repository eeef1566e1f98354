"""The speakers panel shows the default voice the dub will use (the voice stage's own function)
and stores the engine with the voice a person picks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from taura_desktop.core.model import VoiceSpec
from taura_desktop.ui.speakers_panel import SpeakersPanel
from tests.ui.helpers import make_project

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


def test_panel_default_and_choice(qtbot: QtBot, tmp_path: Path) -> None:
    project = make_project(tmp_path / "v.taura", 2, langs=("es",))
    panel = SpeakersPanel(lambda: [])
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel._loader.loaded, timeout=30000):
        panel.set_project(project)
    panel.list.setCurrentRow(0)
    box = panel.voice_boxes["es"]
    # no model installed in the test store: the default is espeak-ng's Spanish voice
    assert box.itemText(0) == "(default: espeak es)"
    labels = [box.itemText(i) for i in range(box.count())]
    assert any(label.startswith("eSpeak NG") for label in labels)
    i = box.findData("espeak:es-419")
    assert i > 0
    want = VoiceSpec("espeak", str(box.itemData(i)).partition(":")[2])
    box.setCurrentIndex(i)
    box.activated.emit(i)
    qtbot.waitUntil(lambda: project.state.speakers["spk_a"].voices.get("es") == want)
    # back to the default: the voice is cleared, the engine kept
    box = panel.voice_boxes["es"]
    box.setCurrentIndex(0)
    box.activated.emit(0)
    qtbot.waitUntil(lambda: project.state.speakers["spk_a"].voices["es"] == VoiceSpec("espeak", ""))
    panel.set_project(None)
    project.close()
