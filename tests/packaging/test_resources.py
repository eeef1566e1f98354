"""Run-time data ships inside the package and is read through importlib.resources; a broken
installation gives one line naming the missing file, never a traceback."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from taura_desktop import paths
from taura_desktop.errors import ExitCode, MissingResourceError

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("icons/taura.svg", "styles/app.qss", "sample/narration.txt")


def test_shipped_resources_are_inside_the_package() -> None:
    pkg = ROOT / "taura_desktop" / "resources"
    for rel in SHIPPED:
        path = paths.resource(rel)
        assert path.is_file() and path.stat().st_size > 0
        assert path.resolve() == (pkg / rel).resolve()
        # the checkout's top-level resources/ keeps the documented layout, linked to the package
        assert (ROOT / "resources" / rel).resolve() == (pkg / rel).resolve()
    assert "Fusion" in paths.resource_text("styles/app.qss")


def test_missing_resource_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "resources_root", lambda: tmp_path)
    with pytest.raises(MissingResourceError) as err:
        paths.resource("styles/app.qss")
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith("taura_desktop/resources/styles/app.qss: missing from this installation")
    assert err.value.exit_code == ExitCode.ENGINE_UNAVAILABLE


def test_demo_reports_a_missing_resource_like_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from taura_desktop import demo

    monkeypatch.setattr(paths, "resources_root", lambda: tmp_path / "empty")
    code = demo.main([str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == ExitCode.ENGINE_UNAVAILABLE
    assert err == (
        "taura: taura_desktop/resources/sample/narration.txt: missing from this installation "
        "of taura-desktop (reinstall it)\n"
    )
    assert not (tmp_path / "out" / "localized").exists()


def test_editor_styles_itself_from_the_package_and_warns_when_it_cannot(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from PySide6.QtWidgets import QApplication

    from taura_desktop.ui import app as ui_app

    assert isinstance(qapp, QApplication)
    ui_app.apply_theme(qapp, "light")
    assert qapp.styleSheet() == paths.resource_text("styles/app.qss")

    qapp.setStyleSheet("")
    monkeypatch.setattr(paths, "resources_root", lambda: tmp_path)
    with caplog.at_level(logging.WARNING):
        ui_app.apply_theme(qapp, "light")
    assert qapp.styleSheet() == ""
    assert [r.getMessage() for r in caplog.records] == [
        "taura_desktop/resources/styles/app.qss: missing from this installation "
        "of taura-desktop (reinstall it)"
    ]


def test_wheel_carries_the_resources_and_entry_points(tmp_path: Path) -> None:
    src = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    shutil.copytree(
        ROOT / "taura_desktop", src / "taura_desktop", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copyfile(ROOT / name, src / name)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), str(src)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    (wheel,) = tmp_path.glob("taura_desktop-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for rel in SHIPPED:
            assert (
                zf.read(f"taura_desktop/resources/{rel}")
                == (ROOT / "taura_desktop/resources" / rel).read_bytes()
            )
        assert "taura_desktop/py.typed" in names
        (ep,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        entry_points = zf.read(ep).decode()
    assert "taura = taura_desktop.cli:main" in entry_points
    assert "taura-desktop = taura_desktop.ui.app:main" in entry_points
    assert not any(n.startswith(("tests/", "resources/")) or "screenshot" in n for n in names)
