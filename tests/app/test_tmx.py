"""The translation memory as TMX 1.4: round trip, files from other tools, bad files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from taura_desktop.errors import BadInputError
from taura_desktop.paths import memory_path
from taura_desktop.translation.memory import TmEntry, TranslationMemory
from taura_desktop.translation.tmx import read_tmx, write_tmx
from tests.app.helpers import taura

ENTRIES = [
    TmEntry("en", "es", "Welcome to Taura.", "Bienvenidos a Taura.", "/p/a.taura", "s1", 1_700_000_000.0),
    TmEntry("en", "es", "Fish & chips <cheap>", "Pescado y patatas «baratas»", "/p/a.taura", "s2",
            1_700_000_100.0),
    TmEntry("en", "fr", "Thank you.", "Merci.", "/p/b.taura", "s9", 1_700_000_200.0, approved=False),
]

OTHER_TOOL = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE tmx SYSTEM "tmx14.dtd">
<tmx version="1.4">
  <header creationtool="OmegaT" creationtoolversion="6.0" segtype="sentence" o-tmf="OmegaT TMX"
          adminlang="EN-US" srclang="EN-US" datatype="plaintext"/>
  <body>
    <tu tuid="1" creationdate="20240105T101500Z">
      <tuv xml:lang="EN-US"><seg>Press <bpt i="1">&lt;b&gt;</bpt>Save<ept i="1"/> now.</seg></tuv>
      <tuv xml:lang="ES-ES"><seg>Pulse <bpt i="1">&lt;b&gt;</bpt>Guardar<ept i="1"/> ahora.</seg></tuv>
      <tuv xml:lang="FR-FR"><seg>Appuyez sur <hi>Enregistrer</hi> maintenant.</seg></tuv>
    </tu>
    <tu>
      <tuv lang="EN-US"><seg>Goodbye.</seg></tuv>
      <tuv lang="DE-DE"><seg>Auf Wiedersehen.</seg></tuv>
    </tu>
    <tu>
      <tuv xml:lang="EN-US"><seg>Only one side.</seg></tuv>
    </tu>
  </body>
</tmx>
"""


def test_round_trip_keeps_texts_origin_and_dates(tmp_path: Path) -> None:
    out = tmp_path / "memory.tmx"
    assert write_tmx(ENTRIES, out) == 3
    root = ET.parse(out).getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    assert root.find("header") is not None and len(root.findall("body/tu")) == 3
    again = list(read_tmx(out))
    assert again == ENTRIES
    with TranslationMemory(tmp_path / "b.sqlite") as tm:
        assert tm.add_many(again) == 3
        assert list(tm.entries()) == ENTRIES
        assert tm.exact("en", "es", "welcome to  TAURA.") == "Bienvenidos a Taura."
        assert tm.exact("en", "fr", "Thank you.", approved_only=True) is None


def test_reads_tmx_written_by_another_tool(tmp_path: Path) -> None:
    path = tmp_path / "omegat.tmx"
    path.write_text(OTHER_TOOL, encoding="utf-8")
    got = {(e.src_lang, e.tgt_lang, e.source, e.target) for e in read_tmx(path)}
    assert got == {
        ("en", "es", "Press Save now.", "Pulse Guardar ahora."),
        ("en", "fr", "Press Save now.", "Appuyez sur Enregistrer maintenant."),
        ("en", "de", "Goodbye.", "Auf Wiedersehen."),
    }
    first = next(iter(read_tmx(path)))
    assert first.updated == 1704449700.0 and first.approved


def test_bad_tmx_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.tmx"
    broken.write_text("<tmx version='1.4'><body><tu>", encoding="utf-8")
    with pytest.raises(BadInputError, match=r"broken\.tmx"):
        list(read_tmx(broken))
    html = tmp_path / "page.tmx"
    html.write_text("<html><body/></html>", encoding="utf-8")
    code, _out, err = taura(capsys, "tm", "import", html)
    assert code == 3 and "page.tmx" in err and "not a TMX file" in err
    code, _out, err = taura(capsys, "tm", "import", tmp_path / "absent.tmx")
    assert code == 3 and "absent.tmx" in err


def test_cli_export_then_import_into_a_fresh_memory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TranslationMemory(memory_path()) as tm:
        tm.add_many(ENTRIES)
    out = tmp_path / "mine.tmx"
    code, text, err = taura(capsys, "tm", "export", out, "--to", "es")
    assert code == 0, err
    assert "wrote 2 translation units" in text
    memory_path().unlink()
    code, text, err = taura(capsys, "tm", "import", out)
    assert code == 0, err
    with TranslationMemory(memory_path()) as tm:
        assert list(tm.entries()) == ENTRIES[:2]
