"""The editor and the CLI share the one-writer rule: whichever opened the project first keeps it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from taura_desktop.core.project import Project
from taura_desktop.errors import ExitCode
from taura_desktop.ui.main_window import MainWindow
from taura_desktop.ui.settings import Settings
from tests.ui.helpers import make_project

HOLDER = r"""
import sys
from pathlib import Path
from taura_desktop.core.lock import set_holder_label
from taura_desktop.core.project import Project

set_holder_label("taura translate")
p = Project.open(Path(sys.argv[1]))
print("ready", flush=True)
sys.stdin.readline()
p.close()
"""

CLI = "import sys; from taura_desktop.cli import main; sys.exit(main())"


def test_cli_is_refused_while_the_editor_has_the_project(
    qtbot: QtBot, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "ed.taura"
    make_project(path, 6).close()
    w = MainWindow(settings)
    qtbot.addWidget(w)
    assert w.open_project(path)
    subs = tmp_path / "x.srt"
    subs.write_text("1\n00:00:01,000 --> 00:00:02,000\nReplaced\n", encoding="utf-8")
    r = subprocess.run(
        [sys.executable, "-c", CLI, "import-subs", str(path), str(subs)],
        capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == ExitCode.BAD_INPUT, r.stderr
    assert f"in use by another process (pid {os.getpid()}" in r.stderr
    info = subprocess.run(
        [sys.executable, "-c", CLI, "info", str(path), "--json"], capture_output=True, text=True, timeout=120
    )
    assert info.returncode == 0 and '"segments": 6' in info.stdout
    w.close_project()
    with Project.open(path) as p:  # the editor let go when it closed the project
        assert len(p) == 6


def test_editor_is_refused_while_a_cli_command_writes(
    qtbot: QtBot, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "cli.taura"
    make_project(path, 4).close()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        w = MainWindow(settings)
        qtbot.addWidget(w)
        assert not w.open_project(path)
        assert w.banner.text() == (
            f"{path}: in use by another process (pid {proc.pid}: taura translate); only one program "
            "may change a project at a time, try again when it is done"
        )
        assert w.project is None
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(timeout=60)
        assert w.open_project(path)
        w.close_project()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_editor_says_when_the_video_was_replaced(qtbot: QtBot, settings: Settings, tmp_path: Path) -> None:
    from taura_desktop.media.probe import fingerprint
    from tests.mediagen import make_video

    video = make_video(tmp_path / "v.mp4", 2, audio="tone", size="160x120")
    path = tmp_path / "media.taura"
    Project.create(path, media=fingerprint(video), source_lang="en").close()
    first_size = video.stat().st_size
    make_video(tmp_path / "other.mp4", 3, audio="tone", size="160x120").replace(video)
    w = MainWindow(settings)
    qtbot.addWidget(w)
    assert w.open_project(path)
    assert w.banner.text() == (
        f"{path}: its media {video} is a different file ({video.stat().st_size} bytes, the project's "
        f"media had {first_size}); point "
        f"the project at the right file with 'taura relink {path} NEWPATH'"
    )
    w.close_project()
