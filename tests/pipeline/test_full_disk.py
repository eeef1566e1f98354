"""A full disk: `taura new` says so naming the file (exit 3) and leaves nothing behind; an
edit that cannot be saved is reported as a full disk (not as a failed ROLLBACK) and the
project keeps everything saved before.

Each case runs in a private mount namespace on a tiny tmpfs (root, or user namespaces)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from taura_desktop.errors import ExitCode
from tests.mediagen import make_video

DRIVER = r"""
import json, os, subprocess, sys
mnt, free_kb, script = sys.argv[1], int(sys.argv[2]), sys.argv[3]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mnt], check=True)
setup = json.loads(sys.argv[4])
for name, data in setup.items():  # files to place before the disk fills up
    with open(os.path.join(mnt, name), "wb") as fh:
        fh.write(bytes.fromhex(data))
fd = os.open(os.path.join(mnt, "filler"), os.O_WRONLY | os.O_CREAT)
try:
    while True:
        os.write(fd, b"\0" * 4096)
except OSError:
    pass
size = os.fstat(fd).st_size
os.ftruncate(fd, max(0, size - free_kb * 1024))
os.close(fd)
r = subprocess.run([sys.executable, "-c", script, *sys.argv[5:]], capture_output=True, text=True)
print(json.dumps({"rc": r.returncode, "out": r.stdout, "err": r.stderr,
                  "files": sorted(os.listdir(mnt))}))
"""

CLI = "import sys; from taura_desktop.cli import main; sys.exit(main())"

EDIT = r"""
import sys
from pathlib import Path
from taura_desktop.core import edits
from taura_desktop.core.model import Segment
from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError

p = Project.open(Path(sys.argv[1]))
n = len(p)
try:
    for k in range(100000):
        seg = Segment(f"x{k:06d}", (n + k) * 100, (n + k) * 100 + 90, "padding " * 40)
        p.apply(edits.add_segments(p.state, [seg]))
except TauraError as exc:
    print(f"saved {k} {len(p) - n}")
    print(f"error {exc}")
    p.close()
    again = Project.open(Path(sys.argv[1]), read_only=True)
    print(f"reopened {len(again) - n}")
"""


def _namespace() -> list[str]:
    if shutil.which("unshare") is None:
        pytest.skip("needs util-linux unshare to mount a tiny file system")
    cmd = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-rm"]
    probe = subprocess.run([*cmd, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot make a private mount namespace here (needs root or user namespaces)")
    return cmd


def _run(tmp_path: Path, free_kb: int, script: str, *args: str, setup: dict[str, bytes] | None = None
         ) -> dict[str, object]:
    mnt = tmp_path / "disk"
    mnt.mkdir(exist_ok=True)
    hexed = json.dumps({k: v.hex() for k, v in (setup or {}).items()})
    r = subprocess.run(
        [*_namespace(), sys.executable, "-c", DRIVER, str(mnt), str(free_kb), script, hexed, *args],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    result: dict[str, object] = json.loads(r.stdout)
    return result


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_video(tmp_path_factory.mktemp("fd") / "v.mp4", 2, audio="tone", size="160x120")


@pytest.mark.parametrize("free_kb", [0, 8, 24])
def test_new_on_a_full_disk_says_so_and_leaves_nothing(tmp_path: Path, video: Path, free_kb: int) -> None:
    target = tmp_path / "disk" / "out.taura"
    r = _run(tmp_path, free_kb, CLI, "new", str(video), "-o", str(target))
    err = str(r["err"]).strip()
    assert r["rc"] == ExitCode.BAD_INPUT, r
    assert "\n" not in err and f"{target}: disk full" in err and "rollback" not in err.lower()
    assert r["files"] == ["filler"]  # no project, no temporary file, no WAL, no lock file


def test_edit_on_a_full_disk_reports_it_and_keeps_what_was_saved(tmp_path: Path) -> None:
    from taura_desktop.core.project import Project

    seed = tmp_path / "seed.taura"
    Project.create(seed, media=None, source_lang="en").close()
    target = tmp_path / "disk" / "p.taura"
    r = _run(tmp_path, 200, EDIT, str(target), setup={"p.taura": seed.read_bytes()})
    lines = str(r["out"]).splitlines()
    assert r["rc"] == 0, r
    _, saved, in_memory = lines[0].split()
    assert int(saved) > 0 and in_memory == saved  # memory and file agree after the failure
    assert lines[1] == f"error {target}: disk full, nothing was saved"
    assert lines[2] == f"reopened {saved}"  # every edit reported as saved is in the file
