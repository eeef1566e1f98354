"""Translation memory: exact and fuzzy lookups, WAL, many entries."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from taura_desktop.errors import BadInputError
from taura_desktop.translation.memory import TmMatch, TranslationMemory


def test_exact_is_normalized(tmp_path: Path) -> None:
    with TranslationMemory(tmp_path / "tm.sqlite") as tm:
        tm.add("en", "es", "The house  is red.", "La casa es roja.")
        assert tm.exact("en", "es", "the HOUSE is\nred.") == "La casa es roja."
        assert tm.exact("en", "fr", "The house is red.") is None
        assert tm.exact("en", "es", "") is None
        tm.add("en", "es", "the house is red.", "La casa es colorada.")  # replaces
        assert len(tm) == 1 and tm.exact("en", "es", "The house is red.") == "La casa es colorada."
        assert tm.remove("en", "es", "THE HOUSE IS RED.") and len(tm) == 0
    conn = sqlite3.connect(tmp_path / "tm.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_fuzzy(tmp_path: Path) -> None:
    tm = TranslationMemory(tmp_path / "tm.sqlite")
    tm.add("en", "es", "The house is red.", "La casa es roja.")
    tm.add("en", "es", "The house is blue.", "La casa es azul.")
    tm.add("en", "es", "Something else entirely.", "Otra cosa.")
    tm.add("en", "fr", "The house is red!", "La maison est rouge !")
    hits = tm.fuzzy("en", "es", "The house is red!")
    assert hits[0] == TmMatch("The house is red.", "La casa es roja.", hits[0].score)
    assert 0.9 < hits[0].score < 1.0
    assert [h.target for h in hits] == ["La casa es roja."]
    loose = tm.fuzzy("en", "es", "The house is red!", threshold=0.7)
    assert [h.target for h in loose] == ["La casa es roja.", "La casa es azul."]
    assert tm.fuzzy("en", "es", "The house is red!", threshold=0.99) == []
    assert tm.fuzzy("en", "es", "the house is red.")[0].score == 1.0
    assert tm.fuzzy("en", "es", "...", threshold=0.5) == []
    assert len(tm.fuzzy("en", "es", "The house is", threshold=0.5, limit=1)) == 1
    tm.close()


def test_fuzzy_with_many_entries(tmp_path: Path) -> None:
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(3000)]
    rows = [
        ("en", "es", " ".join(rng.choice(vocab) for _ in range(8)), f"t{i}") for i in range(20_000)
    ]
    tm = TranslationMemory(tmp_path / "tm.sqlite")
    assert tm.add_many(rows) == len({r[2] for r in rows}) or len(tm) > 19_000
    probe_src = rows[1234][2]
    words = probe_src.split()
    probe = " ".join([*words[:-1], "zz"])  # last word changed
    hits = tm.fuzzy("en", "es", probe, threshold=0.8)
    assert hits and hits[0].source == probe_src and hits[0].target == "t1234"


def test_corrupt_db_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BadInputError, match="not a usable translation memory") as err:
        TranslationMemory(path)
    assert str(path) in str(err.value)
