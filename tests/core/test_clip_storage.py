"""Voice clips inside the project: FLAC, bit-exact, lengths known without decoding, and
schema-1 projects (16-bit PCM clips) converted on open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.core import clipcodec, edits
from taura_desktop.core.model import Segment, VoiceClip
from taura_desktop.core.project import Project
from taura_desktop.core.store import SCHEMA_VERSION
from taura_desktop.errors import ProjectError


def _speechlike(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 22050
    x = 0.3 * np.sin(2 * np.pi * 180 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
    return (x + 0.01 * rng.standard_normal(n)).astype(np.float32)


def _project(tmp_path: Path) -> Path:
    path = tmp_path / "p.taura"
    with Project.create(path, media=None, source_lang="en", target_langs=("es",)):
        pass
    return path


def _use(p: Project, keys: list[str]) -> None:
    """Give each clip a segment: clips nothing uses are removed when a project closes."""
    p.apply(edits.add_segments(
        p.state, [Segment(f"seg-{k}", i * 5000, i * 5000 + 4000, k) for i, k in enumerate(keys)]
    ))
    p.apply(edits.apply_engine_translations(p.state, "es", {f"seg-{k}": k for k in keys}, engine="t"))
    for k in keys:
        p.apply(edits.set_clips(p.state, "es", {f"seg-{k}": VoiceClip(k, 22050, 1000, "espeak")}))


def test_clips_round_trip_bit_exact_and_compressed(tmp_path: Path) -> None:
    path = _project(tmp_path)
    x = _speechlike(3 * 22050, 1)
    with Project.open(path) as p:
        p.store.put_clip("a", 22050, x)
        p.store.put_clip("b", 16000, clipcodec.to_pcm16(x[:1000]))
        assert p.store.clip_frames("a") == (22050, len(x))
        assert p.store.clip_frames("b") == (16000, 1000)
        assert p.store.clip_frames("absent") is None
        _use(p, ["a", "b"])
    with Project.open(path) as p:
        got = p.store.get_clip("a")
        assert got is not None
        sr, pcm = got
        assert sr == 22050 and pcm.dtype == np.int16
        assert np.array_equal(pcm, clipcodec.to_pcm16(x))  # lossless
        db = sqlite3.connect(path)
        codec, size = db.execute("SELECT codec, length(data) FROM clips WHERE key = 'a'").fetchone()
        db.close()
    assert codec == "flac" and size < 0.8 * 2 * len(x)


def _downgrade_to_schema_1(path: Path) -> None:
    """Rewrite the clips as schema 1 stored them: raw little-endian 16-bit PCM, no codec/frames."""
    db = sqlite3.connect(path, isolation_level=None)
    rows = db.execute("SELECT key, sample_rate, data, codec FROM clips").fetchall()
    db.execute("DROP TABLE clips")
    db.execute("CREATE TABLE clips (key TEXT PRIMARY KEY, sample_rate INTEGER NOT NULL, data BLOB NOT NULL)")
    for key, sr, data, codec in rows:
        pcm = clipcodec.decode(codec, data, "test")
        db.execute("INSERT INTO clips VALUES (?, ?, ?)", (key, sr, pcm.astype("<i2").tobytes()))
    db.execute("PRAGMA user_version = 1")
    db.execute("VACUUM")
    db.close()


def test_schema_1_project_migrates_on_open(tmp_path: Path) -> None:
    path = _project(tmp_path)
    clips = {f"k{i}": _speechlike(22050 * 4, i) for i in range(40)}
    with Project.open(path) as p:
        for k, x in clips.items():
            p.store.put_clip(k, 22050, x)
        _use(p, list(clips))
    _downgrade_to_schema_1(path)
    before = path.stat().st_size
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.close()
    with Project.open(path) as p:
        for k, x in clips.items():
            assert p.store.clip_frames(k) == (22050, len(x))
            got = p.store.get_clip(k)
            assert got is not None and np.array_equal(got[1], clipcodec.to_pcm16(x))
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert {c for (c,) in db.execute("SELECT DISTINCT codec FROM clips")} == {"flac"}
    db.close()
    assert path.stat().st_size < 0.8 * before  # the freed pages went back to the disk


def test_damaged_clip_is_a_one_line_project_error(tmp_path: Path) -> None:
    path = _project(tmp_path)
    with Project.open(path) as p:
        p.store.put_clip("a", 22050, _speechlike(22050, 2))
        _use(p, ["a"])
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("UPDATE clips SET data = ? WHERE key = 'a'", (b"fLaC" + b"\x00" * 40,))
    db.execute(
        "INSERT INTO clips (key, sample_rate, data, codec, frames) VALUES ('z', 8000, x'00', 'mp3', 1)"
    )
    db.close()
    with Project.open(path) as p:
        with pytest.raises(ProjectError, match=r"p\.taura: clip a: damaged voice clip") as e:
            p.store.get_clip("a")
        assert "\n" not in str(e.value)
        with pytest.raises(ProjectError, match="unknown codec 'mp3'"):
            p.store.get_clip("z")
