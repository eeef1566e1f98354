"""The editor's hook for glossary suggestions (the logic is tested in tests/app/test_suggest.py)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from taura_desktop.ui.tm_panel import AlternativesPanel
from tests.app.test_suggest import _project


def test_panel_lists_suggestions_and_adds_one_to_the_glossary(qtbot: QtBot, tmp_path: Path) -> None:
    panel = AlternativesPanel()
    qtbot.addWidget(panel)
    with _project(tmp_path) as p:
        panel.set_project(p)
        panel.set_lang("es")
        assert panel.suggest_glossary() == 1
        assert "car → carro" in panel.suggestions.item(0).text()
        with qtbot.waitSignal(panel.message, timeout=2000) as sig:
            assert panel.add_suggestion()
        assert sig.args == ["Glossary: car → carro"]
        assert [(e.source, dict(e.targets)) for e in p.meta.glossary] == [("car", {"es": "carro"})]
        assert panel.suggestions.count() == 0
        assert panel.suggest_glossary() == 0
        panel.set_project(None)
