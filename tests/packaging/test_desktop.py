"""Desktop integration: the launcher and AppStream files pass their validators, and installing
them registers the .taura MIME type with the editor as its handler, with icons at the usual
sizes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
APP_ID = "io.github.tauradesktop.Taura"


def _run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which(argv[0])
    assert exe is not None, f"{argv[0]} is not installed (./setup.sh installs it)"
    return subprocess.run([exe, *argv[1:]], capture_output=True, text=True, timeout=120, env=env, check=False)


def test_desktop_entry_validates() -> None:
    proc = _run("desktop-file-validate", str(LINUX / f"{APP_ID}.desktop"))
    assert proc.returncode == 0 and proc.stdout.strip() == "", proc.stdout + proc.stderr


def test_appstream_metainfo_validates() -> None:
    proc = _run("appstreamcli", "validate", "--no-net", str(LINUX / f"{APP_ID}.metainfo.xml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Validation was successful" in proc.stdout


def test_install_registers_mime_type_handler_and_icons(tmp_path: Path) -> None:
    prefix = tmp_path / "share"
    fake_exe = tmp_path / "bin" / "taura-desktop"
    fake_exe.parent.mkdir()
    fake_exe.write_text("#!/bin/sh\n")
    fake_exe.chmod(0o755)
    env = dict(os.environ, PYTHON=sys.executable)
    proc = _run(
        str(ROOT / "packaging" / "install-desktop.sh"),
        "--prefix",
        str(prefix),
        "--exec",
        str(fake_exe),
        env=env,
    )
    assert proc.returncode == 0, proc.stderr

    desktop = prefix / "applications" / f"{APP_ID}.desktop"
    assert f"Exec={fake_exe} %f" in desktop.read_text().splitlines()
    assert _run("desktop-file-validate", str(desktop)).returncode == 0
    globs = (prefix / "mime" / "globs2").read_text().splitlines()
    assert "80:application/x-taura-project:*.taura" in globs
    handlers = (prefix / "applications" / "mimeinfo.cache").read_text().splitlines()
    assert f"application/x-taura-project={APP_ID}.desktop;" in handlers
    for size in (16, 32, 48, 64, 128, 256):
        image = QImage(str(prefix / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.pixelColor(size // 2, size // 10).alpha() == 255  # drawn, not blank
        assert image.pixelColor(0, 0).alpha() == 0  # rounded corner stays transparent
        mime_icon = (
            prefix / "icons" / "hicolor" / f"{size}x{size}" / "mimetypes" / "application-x-taura-project.png"
        )
        assert mime_icon.is_file()
    assert (prefix / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
