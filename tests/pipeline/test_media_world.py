"""Media as the world sends it: a truncated faststart MP4 is refused on `new`; WebM (VP8/Vorbis)
and 8-bit PCM sources are checked before the mux (8-bit PCM transcoded, VP8 sent to MKV); a
moved or replaced video is noticed, and `taura relink` points the project at the moved one."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from taura_desktop.app.localize import _master_format
from taura_desktop.cli import main
from taura_desktop.errors import ExitCode
from taura_desktop.media.probe import probe_streams
from tests.mediagen import make_video

Cap = pytest.CaptureFixture[str]
EN = "1\n00:00:00,500 --> 00:00:02,000\nHello there.\n\n2\n00:00:02,500 --> 00:00:04,000\nSee you.\n"
ES = "1\n00:00:00,500 --> 00:00:02,000\nHola.\n\n2\n00:00:02,500 --> 00:00:04,000\nHasta luego.\n"


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True,
                   capture_output=True)


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _voiced_project(capsys: pytest.CaptureFixture[str], video: Path, tmp_path: Path) -> Path:
    proj = tmp_path / f"{video.stem}.taura"
    (tmp_path / "en.srt").write_text(EN, encoding="utf-8")
    (tmp_path / "es.srt").write_text(ES, encoding="utf-8")
    assert run(capsys, "new", video, "-o", proj, "--source-lang", "en")[0] == 0
    assert run(capsys, "import-subs", proj, tmp_path / "en.srt", "--lang", "en")[0] == 0
    assert run(capsys, "import-subs", proj, tmp_path / "es.srt", "--lang", "es", "--as-translation")[0] == 0
    code, _, err = run(capsys, "voice", proj, "--lang", "es", "--engine", "espeak")
    assert code == 0, err
    return proj


def test_truncated_faststart_mp4_is_refused_on_new(tmp_path: Path, capsys: Cap) -> None:
    full = tmp_path / "full.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=20", "-f", "lavfi", "-i",
            "sine=duration=20", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
            "-movflags", "+faststart", str(full))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    code, _, err = run(capsys, "new", cut, "-o", tmp_path / "p.taura")
    assert code == ExitCode.BAD_INPUT
    assert err.strip().startswith(f"taura: {cut}: file is truncated (its index says 20.0 s")
    assert not (tmp_path / "p.taura").exists()
    assert run(capsys, "new", full, "-o", tmp_path / "p.taura")[0] == 0  # the whole file is fine


def test_webm_vp8_vorbis_goes_to_mkv_not_a_failed_mp4(tmp_path: Path, capsys: Cap) -> None:
    webm = tmp_path / "clip.webm"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=5", "-f", "lavfi", "-i",
            "sine=frequency=300:duration=5", "-c:v", "libvpx", "-b:v", "200k", "-c:a", "libvorbis", str(webm))
    proj = _voiced_project(capsys, webm, tmp_path)
    code, _, err = run(capsys, "export", proj, "--format", "mp4", "-o", tmp_path / "out.mp4")
    assert code == ExitCode.BAD_INPUT
    assert err.strip() == (f"taura: {webm}: its vp8 video cannot go into an MP4 master (video is copied, "
                           "never re-encoded); export to .mkv instead")
    assert not (tmp_path / "out.mp4").exists()
    code, _, err = run(capsys, "export", proj, "--format", "mkv", "-o", tmp_path / "out.mkv")
    assert code == 0, err
    kinds = [(s.kind, s.codec) for s in probe_streams(tmp_path / "out.mkv")[1]]
    assert kinds[0] == ("video", "vp8") and ("audio", "vorbis") in kinds
    assert _master_format(webm, "mp4") == "mkv"  # `localize` picks MKV before doing any work


def test_8bit_pcm_source_audio_is_transcoded_for_mp4(tmp_path: Path, capsys: Cap) -> None:
    src = tmp_path / "pcm8.mkv"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=5", "-f", "lavfi", "-i",
            "sine=frequency=300:duration=5:sample_rate=22050", "-c:v", "libx264", "-preset", "ultrafast",
            "-c:a", "pcm_u8", str(src))
    proj = _voiced_project(capsys, src, tmp_path)
    out = tmp_path / "out.mp4"
    code, _, err = run(capsys, "export", proj, "--format", "mp4", "-o", out)
    assert code == 0, err
    streams = probe_streams(out)[1]
    assert [(s.kind, s.codec) for s in streams if s.kind != "subtitle"] == [
        ("video", "h264"), ("audio", "aac"), ("audio", "aac")
    ]


def test_moved_and_replaced_media_and_relink(tmp_path: Path, capsys: Cap) -> None:
    (tmp_path / "a").mkdir()
    first = make_video(tmp_path / "a" / "v.mp4", 3, audio="tone", size="160x120")
    other = make_video(tmp_path / "other.mp4", 4, audio="tone", size="160x120")
    proj = tmp_path / "p.taura"
    assert run(capsys, "new", first, "-o", proj)[0] == 0
    # moved: info says so (exit 0), work that needs the video refuses (exit 3)
    moved = tmp_path / "b" / "v.mp4"
    moved.parent.mkdir()
    shutil.move(first, moved)
    code, out, _ = run(capsys, "info", proj, "--json")
    assert code == 0 and json.loads(out)["media_problem"] == (
        f"{proj}: its media {first} is missing; point the project at the right file with "
        f"'taura relink {proj} NEWPATH'")
    code, _, err = run(capsys, "export", proj, "--format", "mp4", "-o", tmp_path / "o.mp4")
    assert code == ExitCode.BAD_INPUT and "is missing" in err and "taura relink" in err
    code, out, err = run(capsys, "relink", proj, moved)
    assert code == 0, err
    assert out.strip() == f"relinked {proj} to {moved}"
    assert "media_problem" not in json.loads(run(capsys, "info", proj, "--json")[1])
    # replaced by another video at the same place: noticed; relink to it refused unless forced
    shutil.copy(other, moved)
    code, out, _ = run(capsys, "info", proj, "--json")
    assert "is a different file" in json.loads(out)["media_problem"]
    code, _, err = run(capsys, "relink", proj, other)
    assert code == ExitCode.BAD_INPUT
    assert err.strip().startswith(f"taura: {other}: not the media of {proj}: a different file (")
    assert err.strip().endswith("--force to use it anyway")
    code, out, err = run(capsys, "relink", proj, other, "--force")
    assert code == 0 and "forced" in out, err
    info = json.loads(run(capsys, "info", proj, "--json")[1])
    assert "media_problem" not in info and info["media"]["path"] == str(other)
    assert 3900 <= info["duration_ms"] <= 4100
