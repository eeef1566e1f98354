"""Glossary protection, restore, check and the user-wide JSON file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taura_desktop.core.model import GlossaryEntry
from taura_desktop.errors import BadInputError, ExitCode
from taura_desktop.translation.glossary import Glossary

GL = Glossary([
    GlossaryEntry("Taura", dnt=True),
    GlossaryEntry("Taura Desktop", dnt=True),
    GlossaryEntry("editor", {"es": "montador", "fr": "monteur"}),
    GlossaryEntry("scene", {"fr": "plan"}),  # no Spanish target: not protected for es
])


def test_protect_and_restore_roundtrip() -> None:
    text, holders = GL.protect("Taura Desktop makes the Editor happy; taura too.", "en", "es")
    assert text == "ZXQ0 makes the ZXQ1 happy; ZXQ2 too."
    assert holders == {"ZXQ0": "Taura Desktop", "ZXQ1": "montador", "ZXQ2": "taura"}
    # engines may change case or split the token
    assert GL.restore("zxq0 hace feliz al ZXQ 1; ZXQ2 también.", holders) == (
        "Taura Desktop hace feliz al montador; taura también."
    )
    assert GL.protect("The scene", "en", "es") == ("The scene", {})
    assert GL.protect("editorial", "en", "es") == ("editorial", {})  # whole words only


def test_check_lists_lost_terms() -> None:
    src = "Taura is the editor of the scene."
    assert GL.check(src, "Taura es el montador de la escena.", "en", "es") == []
    assert GL.check(src, "Es el editor de la escena.", "en", "es") == ["Taura", "editor"]
    assert GL.check(src, "Taura est le monteur du plan.", "en", "fr") == []


def test_later_entries_override() -> None:
    user = Glossary([GlossaryEntry("editor", {"es": "editor"})])
    project = Glossary([GlossaryEntry("Editor", {"es": "montador"})])
    merged = Glossary.merged(user, project)
    assert len(merged) == 1
    assert merged.protect("the editor", "en", "es")[1] == {"ZXQ0": "montador"}


def test_file_roundtrip(tmp_path: Path) -> None:
    path = tmp_path / "user" / "glossary.json"
    assert len(Glossary.load(path)) == 0  # missing file = empty glossary
    GL.save(path)
    loaded = Glossary.load(path)
    assert loaded.entries == GL.entries
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{oops", "not a readable glossary file"),
        ('{"entries": 3}', "has no entries list"),
        ('{"entries": [{"targets": {}}]}', "entry 0 has no source term"),
        ('{"entries": [{"source": "a", "targets": {"es": 1}}]}', "entry 0 has invalid targets"),
    ],
)
def test_bad_file_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "g.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BadInputError, match=message) as err:
        Glossary.load(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert err.value.exit_code == ExitCode.BAD_INPUT
