"""The one atomic-write helper: all or nothing, normal permissions, no partial file left."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from taura_desktop.atomic import atomic_path, write_bytes_atomic, write_text_atomic


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_writes_replace_the_target(tmp_path: Path) -> None:
    assert write_text_atomic(tmp_path / "t.txt", "é\n").read_bytes() == "é\n".encode()
    assert write_bytes_atomic(tmp_path / "b.bin", b"\x00\x01", fsync=False).read_bytes() == b"\x00\x01"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.bin", "t.txt"]


def test_a_privately_written_file_gets_the_normal_mode(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    target = tmp_path / "out.bin"
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"x")
        tmp.chmod(0o600)  # as a writer using a private temporary name leaves it
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
