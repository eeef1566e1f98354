"""The real window on an X server (Xvfb): mpv plays and seeks, the screen shows video and segments."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.xvfb_window import read_result

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (apt install xvfb)")
    for n in range(91, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    display = f":{n}"
    proc = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                break
            if proc.poll() is not None:
                raise RuntimeError(
                    f"Xvfb {display} exited: {proc.stderr.read().decode()[-300:] if proc.stderr else ''}"
                )
            time.sleep(0.05)
        yield display
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()


def _drive(module: str, display: str, work: Path, out: Path, *, timeout: float) -> dict[str, Any]:
    """Run an Xvfb driver (tests/ui/xvfb_*.py) on ``display``; its findings."""
    env = dict(
        os.environ,
        DISPLAY=display,
        QT_QPA_PLATFORM="xcb",
        LC_NUMERIC="C",
        TAURA_MPV_AO="null",
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    proc = subprocess.run(
        [sys.executable, "-m", module, str(work), str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    result = read_result(proc.stdout)
    assert proc.returncode == 0 and result is not None, proc.stdout[-2000:] + proc.stderr[-3000:]
    return result


@pytest.mark.xvfb
@pytest.mark.slow
def test_real_window_plays_seeks_and_shows_segments(xvfb_display: str, tmp_path: Path) -> None:
    from taura_desktop.ui.player import load_mpv

    if load_mpv()[0] is None:
        pytest.skip("libmpv is not installed")
    out = ARTIFACTS / "editor_xvfb.png"
    r = _drive("tests.ui.xvfb_app", xvfb_display, tmp_path, out, timeout=120)
    assert r["opened"] and r["mpv"] and r["peaks"]
    assert r["duration_ms"] > 17000
    assert r["played_to_ms"] > 300  # playback advanced
    assert abs(r["position_ms"] - r["seek_target_ms"]) < 100  # the seek landed
    assert r["overlay"] == "Primero, mide dos veces y corta una."
    assert r["video_dark_fraction"] < 0.5, r  # the video area shows the picture, not black
    assert r["timeline_segments"] == r["expected_segments"] == 6
    assert r["saved"] and out.stat().st_size > 10_000
    if os.environ.get("TAURA_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(out, ROOT / "resources" / "screenshot.png")


@pytest.mark.xvfb
@pytest.mark.slow
def test_real_window_review_loop_with_keys(xvfb_display: str, tmp_path: Path) -> None:
    """Approve in 2 keys; fix + re-voice + hear in 4 keys plus the typing; the dub clip changes
    and Shift+P plays that new clip (only this segment rendered)."""
    from taura_desktop.ui.player import load_mpv

    if load_mpv()[0] is None:
        pytest.skip("libmpv is not installed")
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    out = ARTIFACTS / "editor_review_loop.png"
    r = _drive("tests.ui.xvfb_loop", xvfb_display, tmp_path, out, timeout=240)
    assert r["opened"] and r["mpv"] and r["voiced"] == 3
    assert r["approved"] and r["moved_to"] and r["keys"]["approve"] <= 3
    assert r["editor"] == "QLineEdit" and r["text"] == "Una frase corregida, algo mas larga que antes."
    assert r["stale_after_edit"] == "stale (text)"
    assert r["clip_changed"] and r["dub_clip_is_new"]
    assert r["segment_track"] is not None and r["aid"] == r["segment_track"]
    assert r["keys"]["fix"] <= 6
    assert r["temp_removed"] and r["saved"]
