"""Media for the export tests, generated with ffmpeg lavfi (nothing binary is committed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.export import DubTrack, PlacedClip

DUB_SR = 22050
CLIP_STARTS_MS = (1000, 4000, 7530, 12345, 17010)
CLIP_MS = 600
DUB_FREQ = 2000.0
ORIG_FREQ = 440.0
DURATION_S = 20


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-y", *args], check=True)


def decode_track(path: Path, map_spec: str, sr: int = 48000) -> np.ndarray:
    """A master's audio track as float32 mono."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", map_spec, "-ac", "1", "-ar", str(sr),
         "-f", "f32le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<f4")


def ebur128_lufs(path: Path, map_spec: str) -> float:
    r = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-map", map_spec, "-af", "ebur128",
         "-f", "null", "-"], capture_output=True, text=True, check=True)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip().startswith("I:")]
    return float(lines[-1].split()[1])


def burst(ms: int = CLIP_MS, freq: float = DUB_FREQ, amp: float = 0.5, sr: int = DUB_SR) -> np.ndarray:
    t = np.arange(int(sr * ms / 1000)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("export_media")


@pytest.fixture(scope="session")
def source_mp4(media_dir: Path) -> Path:
    out = media_dir / "source.mp4"
    ffmpeg("-f", "lavfi", "-i", f"testsrc=size=320x240:rate=25:duration={DURATION_S}",
           "-f", "lavfi", "-i", f"sine=frequency={ORIG_FREQ}:sample_rate=48000:duration={DURATION_S}",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-metadata:s:a:0", "language=eng",
           "-shortest", str(out))
    return out


@pytest.fixture(scope="session")
def srt_file(media_dir: Path) -> Path:
    p = media_dir / "es.srt"
    p.write_text("1\n00:00:01,000 --> 00:00:03,000\nHola mundo, esto es\nuna prueba\n\n"
                 "2\n00:00:05,000 --> 00:00:07,000\nAdiós\n", encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def ass_file(media_dir: Path) -> Path:
    p = media_dir / "en.ass"
    p.write_text(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: 320\nPlayResY: 240\n\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
        "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
        "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        "Style: Default,DejaVu Sans,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,"
        "0,0,1,2,0,2,10,10,10,1\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,,Hello world\n", encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def dub_es() -> DubTrack:
    return DubTrack("es", "Español (doblaje)", [PlacedClip(s, burst(), DUB_SR) for s in CLIP_STARTS_MS])


@pytest.fixture(scope="session")
def dub_fr() -> DubTrack:
    clip = burst(freq=3000.0, sr=16000)
    return DubTrack("fr", "Français", [PlacedClip(s, clip, 16000) for s in (2000, 9000)])
