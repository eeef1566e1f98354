"""``taura --version`` and ``taura-desktop --version``: the version and the engines found."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib import metadata

import pytest

from taura_desktop.cli.main import main
from taura_desktop.engines.versions import engine_versions

ENGINES = ("faster-whisper", "CTranslate2", "onnxruntime", "espeak-ng", "apertium", "ffmpeg", "libmpv")


def _field(report: str, name: str) -> str:
    (line,) = [ln for ln in report.splitlines() if ln.strip().startswith(name + " ")]
    return line.strip()[len(name) :].strip()


def test_taura_version_names_the_engines(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"taura {metadata.version('taura-desktop')}"
    for name in ENGINES:
        assert _field(out, name) != "not found", name
    assert _field(out, "faster-whisper") == metadata.version("faster-whisper")
    assert _field(out, "CTranslate2").startswith(metadata.version("ctranslate2") + "  (CUDA devices: ")
    assert "CPUExecutionProvider" in _field(out, "onnxruntime")
    ffmpeg = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, check=True).stdout
    assert ffmpeg.split()[2] == _field(out, "ffmpeg")
    espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True).stdout
    assert f": {_field(out, 'espeak-ng')} " in espeak
    assert "eng-spa" in _field(out, "apertium")
    assert re.fullmatch(r"client API \d+\.\d+  \(.*libmpv.*\)", _field(out, "libmpv"))


def test_missing_engine_reads_not_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    found = {e.name: e.version for e in engine_versions()}
    assert found["ffmpeg"] is None and found["espeak-ng"] is None and found["apertium"] is None
    assert found["faster-whisper"] == metadata.version("faster-whisper")


def test_taura_desktop_version_needs_no_display() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    code = "import sys; from taura_desktop.ui.app import main; sys.exit(main(['--version']))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == f"taura-desktop {metadata.version('taura-desktop')}"
    assert _field(proc.stdout, "libmpv").startswith("client API")
