"""Media generated once per test session for the media tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.mediagen import make_video


def ffmpeg(*args: str) -> None:
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args]
    subprocess.run(cmd, check=True, capture_output=True)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def speech_video(media_dir: Path) -> Path:
    """4 s, 320x240 @ 25 fps, espeak speech in AAC tagged eng."""
    return make_video(media_dir / "speech.mp4", 4)


@pytest.fixture(scope="session")
def tone_video(media_dir: Path) -> Path:
    return make_video(media_dir / "tone.mp4", 3, audio="tone", size="160x120", fps=30)


@pytest.fixture(scope="session")
def silent_video(media_dir: Path) -> Path:
    """A video with no audio stream at all."""
    return make_video(media_dir / "noaudio.mp4", 2, with_audio=False, size="160x120")


@pytest.fixture(scope="session")
def multi_mkv(media_dir: Path) -> Path:
    """Matroska: video, audio eng (tone), audio spa "Doblaje" (silence), subtitle fre."""
    srt = media_dir / "multi.srt"
    srt.write_text("1\n00:00:00,500 --> 00:00:01,500\nBonjour\n", encoding="utf-8")
    out = media_dir / "multi.mkv"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=160x120:rate=24:duration=2",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
        "-f", "lavfi", "-i", "anullsrc=r=22050:cl=stereo:d=2",
        "-i", str(srt),
        "-map", "0:v", "-map", "1:a", "-map", "2:a", "-map", "3:s",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-c:s", "srt",
        "-metadata:s:a:0", "language=eng",
        "-metadata:s:a:1", "language=spa", "-metadata:s:a:1", "title=Doblaje",
        "-metadata:s:s:0", "language=fre",
        "-t", "2", str(out),
    )  # fmt: skip
    return out


@pytest.fixture(scope="session")
def click_files(media_dir: Path) -> dict[str, Path]:
    """3 s mono with a 1 ms click at 1.000 s and at 2.500 s, as WAV and as M4A."""
    expr = "if(between(t,1.0,1.001)+between(t,2.5,2.501),0.9,0)"
    out = {}
    for ext, codec in (("wav", "pcm_s16le"), ("m4a", "aac")):
        p = media_dir / f"click.{ext}"
        ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{expr}':s=44100:d=3", "-c:a", codec, str(p))
        out[ext] = p
    return out
