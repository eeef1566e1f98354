from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from taura_desktop.errors import UsageError
from taura_desktop.media import decode_audio, probe, read_wav
from taura_desktop.sample import (
    MAX_LINE_CHARS,
    SampleMedia,
    load_script,
    make_sample,
    split_lines,
)

SECONDS = 20


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleMedia:
    return make_sample(tmp_path_factory.mktemp("sample"), seconds=SECONDS)


def sha1(p: Path) -> str:
    return hashlib.sha1(p.read_bytes()).hexdigest()


def test_script_resource_fits_subtitle_rules() -> None:
    lines = load_script()
    assert 20 <= len(lines) <= 25
    for text in lines:
        parts = split_lines(text)
        assert 1 <= len(parts) <= 2
        assert all(len(p) <= MAX_LINE_CHARS for p in parts)
        assert " ".join(parts) == text


def test_sample_video_is_playable(sample: SampleMedia) -> None:
    info = probe(sample.video)
    assert abs(info.duration_ms - SECONDS * 1000) <= 100
    assert (info.width, info.height) == (640, 360)
    assert info.fps == pytest.approx(25.0)
    assert info.video is not None and info.video.codec == "h264"
    (audio,) = info.audio_streams
    assert audio.codec == "aac" and audio.language == "eng"
    # really decodable to the end
    x = decode_audio(sample.video)
    assert abs(len(x) / 16 - SECONDS * 1000) <= 30


def test_subtitles_match_script(sample: SampleMedia) -> None:
    subs = pysubs2.load(str(sample.subtitles))
    assert len(subs) == len(sample.script) >= 3
    prev_end = 0
    for ev, line in zip(subs, sample.script, strict=True):
        assert (ev.start, ev.end) == (line.start_ms, line.end_ms)
        assert ev.plaintext.replace("\n", " ") == line.text
        rows = ev.plaintext.split("\n")
        assert len(rows) <= 2 and all(len(r) <= MAX_LINE_CHARS for r in rows)
        assert line.start_ms >= prev_end and line.end_ms > line.start_ms
        assert line.end_ms <= SECONDS * 1000
        prev_end = line.end_ms
    assert [ln.text for ln in sample.script] == load_script()[: len(sample.script)]


def test_narration_audible_where_scripted(sample: SampleMedia) -> None:
    x = decode_audio(sample.video)

    def rms(a: int, b: int) -> float:
        seg = x[a * 16 : b * 16]
        return float(np.sqrt(np.mean(seg**2)))

    music_only = rms(50, 900)  # before the first line: music bed only
    assert 0.003 < music_only < 0.05  # about -30 dBFS peak, not silent
    for line in sample.script:
        assert rms(line.start_ms, line.end_ms) > 4 * music_only
    for a, b in zip(sample.script, sample.script[1:], strict=False):
        if b.start_ms - a.end_ms >= 600:
            assert rms(a.end_ms + 150, b.start_ms - 150) < 2 * music_only
    assert sample.narration is not None
    voice, sr = read_wav(sample.narration)
    assert sr == 16000 and len(voice) == SECONDS * 16000
    first = sample.script[0]
    assert np.abs(voice[: first.start_ms * 16 - 160]).max() < 1e-3  # silent before line 1
    assert np.abs(voice[first.start_ms * 16 : first.end_ms * 16]).max() > 0.3


def test_deterministic(sample: SampleMedia, tmp_path: Path) -> None:
    again = make_sample(tmp_path, seconds=SECONDS)
    assert again.script == sample.script
    assert sha1(again.subtitles) == sha1(sample.subtitles)
    assert sha1(again.video) == sha1(sample.video)


def test_long_sample_uses_all_lines_short_uses_fewer(tmp_path: Path) -> None:
    from taura_desktop import sample as mod

    clips = [np.zeros(48000 * 3, np.float32)] * 5  # five 3 s lines
    placed = mod._layout(clips, 60_000)
    assert len(placed) == 5 and placed[0][0] == mod.LEAD_IN_MS
    assert placed[-1][1] <= 60_000 - mod.TAIL_MS
    assert len(mod._layout(clips, 10_000)) == 2  # 1.0-4.0 s, 4.7-7.7 s; tail 1.5 s


def test_cli(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "taura_desktop.sample", str(tmp_path), "--seconds", "6"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert f"video: {tmp_path / 'taura_sample.mp4'}" in out.stdout
    assert f"subtitles: {tmp_path / 'taura_sample.en.srt'}" in out.stdout
    assert (tmp_path / "taura_sample.mp4").is_file()
    bad = subprocess.run(
        [sys.executable, "-m", "taura_desktop.sample", str(tmp_path), "--seconds", "2"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "--seconds 2" in bad.stderr


def test_too_short_raises(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        make_sample(tmp_path, seconds=3)
