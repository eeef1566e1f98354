"""One writer at a time: real processes contend for one project; readers always get in."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from taura_desktop.core import edits
from taura_desktop.core.lock import holder_of, lock_path_for
from taura_desktop.core.model import Segment
from taura_desktop.core.project import Project
from taura_desktop.errors import ExitCode, ProjectBusyError

HOLDER = r"""
import sys
from pathlib import Path
from taura_desktop.core.lock import set_holder_label
from taura_desktop.core.project import Project

set_holder_label("taura voice")
p = Project.open(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
p.close()
print("closed", flush=True)
"""

CLI = "import sys; from taura_desktop.cli import main; sys.exit(main())"
SRT = "1\n00:00:01,000 --> 00:00:02,000\nNew line one\n\n2\n00:00:03,000 --> 00:00:04,000\nNew line two\n"


def _make(path: Path, n: int = 5) -> Path:
    with Project.create(path, media=None, source_lang="en", target_langs=("es",)) as p:
        p.apply(
            edits.add_segments(
                p.state, [Segment(f"s{i}", i * 1000, i * 1000 + 900, f"line {i}") for i in range(n)]
            )
        )
    return path


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A project held open for writing by another real process (labelled ``taura voice``)."""
    path = _make(tmp_path / "p.taura")
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    yield path, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_second_writer_process_is_refused_naming_the_first(
    held: tuple[Path, subprocess.Popen[str]], tmp_path: Path
) -> None:
    path, proc = held
    subs = tmp_path / "new.srt"
    subs.write_text(SRT, encoding="utf-8")
    r = _cli("import-subs", path, subs, "--lang", "en")
    assert r.returncode == ExitCode.BAD_INPUT, r.stderr
    line = r.stderr.strip()
    assert "\n" not in line
    assert str(path) in line and "in use by another process" in line
    assert f"pid {proc.pid}" in line and "taura voice" in line
    # nothing was imported: the five original segments are intact
    with Project.open(path, read_only=True) as p:
        assert [s.source_text for s in p.segments()] == [f"line {i}" for i in range(5)]


def test_readers_work_while_another_process_writes(
    held: tuple[Path, subprocess.Popen[str]], tmp_path: Path
) -> None:
    path, _proc = held
    r = _cli("info", path, "--json")
    assert r.returncode == 0, r.stderr
    assert '"segments": 5' in r.stdout
    out = tmp_path / "out.srt"
    r = _cli("export", path, "--format", "srt", "-o", out)
    assert r.returncode == 0, r.stderr
    assert "line 4" in out.read_text(encoding="utf-8")
    r = _cli("qc", path)
    assert r.returncode == 0, r.stderr


def test_in_process_second_writer_is_refused_and_can_wait(
    held: tuple[Path, subprocess.Popen[str]],
) -> None:
    path, proc = held
    with pytest.raises(ProjectBusyError, match=f"pid {proc.pid}: taura voice"):
        Project.open(path)
    assert holder_of(path) == f"pid {proc.pid}: taura voice"
    # the holder finishes while we wait: we get the project
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("\n")
    proc.stdin.flush()
    with Project.open(path, wait_s=60) as p:
        assert len(p) == 5
        assert holder_of(path) is not None
    assert holder_of(path) is None and not lock_path_for(path).exists()


def test_lock_of_a_killed_process_is_recovered(
    held: tuple[Path, subprocess.Popen[str]], tmp_path: Path
) -> None:
    path, proc = held
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert lock_path_for(path).exists()  # the stale file stays behind ...
    subs = tmp_path / "new.srt"
    subs.write_text(SRT, encoding="utf-8")
    r = _cli("import-subs", path, subs, "--lang", "en")  # ... and does not block anyone
    assert r.returncode == 0, r.stderr
    with Project.open(path) as p:
        assert [s.source_text for s in p.segments()] == ["New line one", "New line two"]


def test_one_process_cannot_open_a_project_twice_for_writing(tmp_path: Path) -> None:
    path = _make(tmp_path / "p.taura")
    with Project.open(path) as p:
        with pytest.raises(ProjectBusyError, match=f"pid {os.getpid()}"):
            Project.open(path)
        with Project.open(path, read_only=True) as ro:
            assert len(ro) == len(p)
        p.apply(edits.set_source_text(p.state, "s1", "edited"))
    with Project.open(path) as p:
        assert p.segment("s1").source_text == "edited"
