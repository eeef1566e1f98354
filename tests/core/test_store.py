"""Project files: opening bad files, schema versions, Save As, clips, crash recovery."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taura_desktop.core import edits
from taura_desktop.core.model import Segment, VoiceClip
from taura_desktop.core.project import Project
from taura_desktop.core.store import SCHEMA_VERSION
from taura_desktop.errors import ExitCode, ProjectError


def _make(tmp_path: Path, n: int = 3) -> Path:
    path = tmp_path / "p.taura"
    with Project.create(path, media=None, source_lang="en", target_langs=("es",)) as p:
        p.apply(
            edits.add_segments(
                p.state, [Segment(f"s{i}", i * 1000, i * 1000 + 900, f"line {i}") for i in range(n)]
            )
        )
    return path


def test_reopen_keeps_everything(tmp_path: Path) -> None:
    path = _make(tmp_path)
    with Project.open(path) as p:
        assert [s.source_text for s in p.segments()] == ["line 0", "line 1", "line 2"]
        assert p.meta.target_langs == ("es",)
        assert p.recovered is None


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "no such project file"),
        (b"", "empty file"),
        (b"hello, I am text\n" * 10, "not a Taura project"),
        (b"SQLite format 3\x00" + b"\x00" * 84, "damaged"),
    ],
)
def test_bad_project_files_give_one_line_errors(tmp_path: Path, content: bytes | None, needle: str) -> None:
    path = tmp_path / "bad.taura"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ProjectError) as err:
        Project.open(path)
    msg = str(err.value)
    assert needle in msg and str(path) in msg and "\n" not in msg
    assert err.value.exit_code == ExitCode.BAD_INPUT


def test_other_sqlite_database_is_not_a_project(tmp_path: Path) -> None:
    path = tmp_path / "other.taura"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(ProjectError, match="not a Taura project"):
        Project.open(path)


def test_newer_schema_is_refused_not_downgraded(tmp_path: Path) -> None:
    path = _make(tmp_path)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(ProjectError, match="newer Taura"):
        Project.open(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    db.close()


def test_damaged_row_is_a_clean_error(tmp_path: Path) -> None:
    path = _make(tmp_path)
    db = sqlite3.connect(path)
    db.execute("UPDATE segments SET data = '{not json' WHERE id = 's1'")
    db.commit()
    db.close()
    with pytest.raises(ProjectError, match="damaged project data"):
        Project.open(path)


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = _make(tmp_path)
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(path, media=None, source_lang="en")


def test_save_as_is_a_full_copy(tmp_path: Path) -> None:
    path = _make(tmp_path)
    with Project.open(path) as p:
        samples = (np.sin(np.arange(2205) / 10) * 0.5).astype(np.float32)
        p.store.put_clip("clip1", 22050, samples)
        p.apply(edits.apply_engine_translations(p.state, "es", {"s0": "línea"}, engine="t"))
        p.apply(edits.set_clips(p.state, "es", {"s0": VoiceClip("clip1", 22050, 100, "espeak")}))
        p.store.put_cache("peaks", b"\x01\x02")
        copy = tmp_path / "copy.taura"
        p.save_as(copy)
        dump = p.dump()
    with Project.open(copy) as c:
        assert c.dump() == dump
        got = c.store.get_clip("clip1")
        assert got is not None and c.store.get_clip("absent") is None
        sr, data = got
        assert sr == 22050 and len(data) == 2205
        assert np.allclose(data / 32767.0, samples, atol=1e-4)
        assert c.store.get_cache("peaks") == b"\x01\x02"
        assert c.recovered is None


def test_unclean_exit_is_reported_on_next_open(tmp_path: Path) -> None:
    path = _make(tmp_path)
    p = Project.open(path)
    p.apply(edits.set_source_text(p.state, "s1", "edited"))
    # simulate a crash: the session never ends, the kernel drops the lock, its file stays
    p.store._db.close()
    lock = p.store.lock
    assert lock is not None and lock._fd is not None
    os.close(lock._fd)
    assert lock.path.exists()
    with Project.open(path) as again:
        assert again.recovered is not None
        assert "3 segments" in again.recovered.message()
        assert again.segment("s1").source_text == "edited"
    with Project.open(path) as third:
        assert third.recovered is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096))
def test_garbage_files_never_escape_as_anything_but_project_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "garbage.taura"
    path.write_bytes(data)
    with pytest.raises(ProjectError):
        Project.open(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(st.text(max_size=50), st.binary(max_size=50).map(lambda b: b.hex())))
def test_garbage_rows_give_project_error(tmp_path: Path, value: str) -> None:
    path = tmp_path / "rows.taura"
    if not path.exists():
        _make(tmp_path).rename(path)
    db = sqlite3.connect(path)
    db.execute("UPDATE segments SET data = ? WHERE id = 's0'", (value,))
    db.commit()
    db.close()
    try:
        with Project.open(path) as p:
            # a value that happens to be valid must load as a proper segment
            assert isinstance(p.segment("s0").source_text, str)
    except ProjectError as exc:
        assert str(path) in str(exc)


def test_migrations_run_inside_the_callers_transaction(tmp_path: Path) -> None:
    """A migration that fails half-way leaves nothing behind: each one runs in the upgrade's
    transaction (the first one used executescript, which commits on its own)."""
    from taura_desktop.core.store import MIGRATIONS

    db = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    for version in sorted(MIGRATIONS):
        MIGRATIONS[version](db)
    db.execute("ROLLBACK")
    assert db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    db.close()
