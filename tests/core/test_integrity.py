"""Projects that are not what they seem: a foreign SQLite file is refused before anything is
written to it; damage in the middle of the file is caught on open; a project on a read-only
file system can still be read and exported."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from taura_desktop.core import edits
from taura_desktop.core.lock import lock_path_for
from taura_desktop.core.model import Segment
from taura_desktop.core.project import Project
from taura_desktop.errors import ExitCode

CLI = "import sys; from taura_desktop.cli import main; sys.exit(main())"


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CLI, *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def _make(path: Path, n: int = 2000) -> Path:
    with Project.create(path, media=None, source_lang="en", target_langs=("es",)) as p:
        p.apply(edits.add_segments(
            p.state,
            [Segment(f"s{i:05d}", i * 1000, i * 1000 + 900, f"line number {i} " * 3) for i in range(n)],
        ))
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_foreign_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.taura"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (x TEXT)")
    db.execute("INSERT INTO notes VALUES ('mine')")
    db.commit()
    db.close()
    before = _digest(path)
    srt = tmp_path / "a.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nHi\n", encoding="utf-8")
    for args in (("info", path), ("import-subs", path, srt), ("export", path, "--format", "srt", "-o",
                                                               tmp_path / "o.srt")):
        r = _cli(*args)
        assert r.returncode == ExitCode.BAD_INPUT, r.stderr
        assert r.stderr.strip() == f"taura: {path}: not a Taura project file"
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.srt", "other.taura"]  # no WAL, no lock
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    db.close()


def test_damage_mid_file_is_caught_on_open(tmp_path: Path) -> None:
    path = _make(tmp_path / "p.taura")
    db = sqlite3.connect(path)
    page = db.execute("PRAGMA page_size").fetchone()[0]
    # a page of the primary-key index: loading the segments never reads it, so only an
    # integrity check notices (the damage that passed info/export/qc silently)
    pages = [n for (n,) in db.execute(
        "SELECT pageno FROM dbstat WHERE name = 'sqlite_autoindex_segments_1' AND pagetype = 'leaf' "
        "ORDER BY pageno"
    )]
    total = db.execute("PRAGMA page_count").fetchone()[0]
    db.close()
    victim = pages[len(pages) // 2]
    assert 0.1 * total < victim < 0.95 * total  # mid-file
    data = bytearray(path.read_bytes())
    rng = random.Random(7)
    offset = (victim - 1) * page
    data[offset : offset + page] = bytes(rng.randrange(256) for _ in range(page))
    path.write_bytes(bytes(data))
    for args in (("info", path), ("export", path, "--format", "srt", "-o", tmp_path / "o.srt"), ("qc", path),
                 ("import-subs", path, tmp_path / "missing.srt")):
        r = _cli(*args)
        assert r.returncode == ExitCode.BAD_INPUT, (args, r.stderr)
        line = r.stderr.strip()
        assert "\n" not in line and f"{path}: damaged project file" in line, line
    assert not (tmp_path / "o.srt").exists()


def _namespace() -> list[str]:
    if shutil.which("unshare") is None:
        pytest.skip("needs util-linux unshare to mount a read-only file system")
    cmd = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
    if subprocess.run([*cmd, "true"], capture_output=True).returncode != 0:
        pytest.skip("cannot make a private mount namespace here (needs root or user namespaces)")
    return cmd


RO_DRIVER = r"""
import json, shutil, subprocess, sys
mnt, src, out_dir, cli = sys.argv[1:5]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt], check=True)
shutil.copy(src, mnt + "/p.taura")
subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
proj = mnt + "/p.taura"
runs = {}
for name, args in {
    "info": ["info", proj, "--json"],
    "export": ["export", proj, "--format", "srt", "-o", out_dir + "/ro.srt"],
    "qc": ["qc", proj],
    "import": ["import-subs", proj, out_dir + "/new.srt"],
}.items():
    r = subprocess.run([sys.executable, "-c", cli, *args], capture_output=True, text=True)
    runs[name] = [r.returncode, r.stdout, r.stderr]
print(json.dumps(runs))
"""


def test_read_only_file_system_reads_and_exports(tmp_path: Path) -> None:
    src = _make(tmp_path / "p.taura", 5)
    (tmp_path / "new.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHi\n", encoding="utf-8")
    mnt = tmp_path / "ro"
    mnt.mkdir()
    r = subprocess.run(
        [*_namespace(), sys.executable, "-c", RO_DRIVER, str(mnt), str(src), str(tmp_path), CLI],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    runs = json.loads(r.stdout)
    assert runs["info"][0] == 0, runs["info"]
    assert json.loads(runs["info"][1])["segments"] == 5
    assert runs["export"][0] == 0, runs["export"]
    assert "line number 4" in (tmp_path / "ro.srt").read_text(encoding="utf-8")
    assert runs["qc"][0] == 0, runs["qc"]
    code, _, err = runs["import"]
    assert code == ExitCode.BAD_INPUT
    assert err.strip().startswith(f"taura: {mnt}/p.taura: read-only") and "\n" not in err.strip()


def test_read_only_open_writes_nothing(tmp_path: Path) -> None:
    path = _make(tmp_path / "p.taura", 5)
    before = _digest(path)
    with Project.open(path, read_only=True) as p:
        assert len(p) == 5
        assert not lock_path_for(path).exists()
        with pytest.raises(Exception, match="opened read-only"):
            p.apply(edits.set_source_text(p.state, "s00001", "changed"))
        assert p.segment("s00001").source_text.startswith("line number 1")
    assert _digest(path) == before
