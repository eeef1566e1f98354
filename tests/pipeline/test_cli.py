"""The `taura` command: contract (names, flags, JSON keys, exit codes) and bad inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from taura_desktop.cli import main
from taura_desktop.sample import SampleMedia


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_new_import_info_export_qc(
    tmp_path: Path, sample: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = tmp_path / "demo.taura"
    code, out, _ = run(capsys, "new", sample.video, "-o", proj, "--source-lang", "en")
    assert code == 0 and "created" in out
    code, out, _ = run(capsys, "import-subs", proj, sample.subtitles, "--lang", "en")
    assert code == 0 and f"{len(sample.script)} source segments" in out
    code, out, _ = run(capsys, "info", proj, "--json")
    info = json.loads(out)
    assert code == 0
    assert info["segments"] == len(sample.script) and info["source_lang"] == "en"
    assert info["targets"] == {} and 39_000 <= info["duration_ms"] <= 41_000
    # import a translation by time overlap, then the targets appear in info
    es = tmp_path / "es.srt"
    es.write_text("1\n00:00:00,500 --> 00:00:04,000\nHola a todos.\n", encoding="utf-8")
    code, out, _ = run(capsys, "import-subs", proj, es, "--lang", "es", "--as-translation")
    assert code == 0 and "es translation of 1 segments" in out
    info = json.loads(run(capsys, "info", proj, "--json")[1])
    assert info["targets"]["es"]["translated"] == 1 and info["targets"]["es"]["voiced"] == 0
    for fmt in ("srt", "vtt", "ass", "ttml"):
        out_file = tmp_path / f"out.{fmt}"
        code, _, _ = run(capsys, "export", proj, "--lang", "en", "--format", fmt, "-o", out_file)
        assert code == 0 and out_file.stat().st_size > 0
    code, out, _ = run(capsys, "qc", proj, "--json")
    assert code == 0
    for item in json.loads(out):
        assert set(item) == {"id", "start_ms", "end_ms", "issues"}
        assert all(set(i) == {"rule", "value", "limit"} for i in item["issues"])


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda d: d / "missing.mp4", "not found"),
        (lambda d: _write(d / "empty.mp4", b""), "empty"),
        (lambda d: _write(d / "text.mp4", b"just some text, not a video\n" * 50), "not a media file"),
    ],
)
def test_bad_media_exits_3_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: Callable[[Path], Path], needle: str
) -> None:
    video = make(tmp_path)
    code, _, err = run(capsys, "new", video, "-o", tmp_path / "x.taura")
    assert code == 3
    assert needle in err and str(video) in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x.taura").exists()


def test_video_without_audio_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.mediagen import make_video

    video = make_video(tmp_path / "silent.mp4", 2, with_audio=False)
    code, _, err = run(capsys, "new", video, "-o", tmp_path / "x.taura")
    assert code == 3 and "no audio" in err


def test_bad_subtitles_exit_3_and_keep_the_project(
    tmp_path: Path, sample: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = tmp_path / "p.taura"
    assert run(capsys, "new", sample.video, "-o", proj, "--source-lang", "en")[0] == 0
    assert run(capsys, "import-subs", proj, sample.subtitles)[0] == 0
    garbage = _write(tmp_path / "bad.srt", bytes(range(256)) * 20)
    code, _, err = run(capsys, "import-subs", proj, garbage)
    assert code == 3 and str(garbage) in err
    info = json.loads(run(capsys, "info", proj, "--json")[1])
    assert info["segments"] == len(sample.script)  # nothing lost


def test_bad_project_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = _write(tmp_path / "bogus.taura", b"hello")
    code, _, err = run(capsys, "info", bogus)
    assert code == 3 and "not a Taura project" in err


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "export")[0] == 2
    assert run(capsys, "nonsense")[0] == 2
    code, _, err = run(capsys, "new", tmp_path / "v.mp4", "-o", tmp_path / "x.txt")
    assert code == 2 and ".taura" in err


def test_missing_engine_exits_4(
    tmp_path: Path, sample: SampleMedia, capsys: pytest.CaptureFixture[str]
) -> None:
    proj = tmp_path / "p.taura"
    run(capsys, "new", sample.video, "-o", proj, "--source-lang", "en")
    run(capsys, "import-subs", proj, sample.subtitles)
    code, _, err = run(capsys, "translate", proj, "--to", "ja")
    assert code == 4 and "en->ja" in err and "taura models download" in err
    code, _, err = run(capsys, "transcribe", proj, "--model", "small")
    assert code == 4 and "taura models import" in err


def test_console_script_is_installed_and_quiet_when_piped(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "taura_desktop.cli.main", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("taura ")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
