from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.errors import MediaError
from taura_desktop.media import decode_audio, iter_audio, probe
from taura_desktop.media.decode import iter_audio_blocks


def click_at(x: np.ndarray, sr: int = 16000) -> float:
    return float(np.argmax(np.abs(x))) / sr


def test_chunks_bounded_and_concatenation_equals_decode(speech_video: Path) -> None:
    chunk_ms = 700
    chunk = 16000 * chunk_ms // 1000
    chunks = list(iter_audio(speech_video, chunk_ms=chunk_ms))
    assert len(chunks) > 3
    assert all(c.dtype == np.float32 and c.ndim == 1 for c in chunks)
    assert all(c.size == chunk for c in chunks[:-1])
    assert 0 < chunks[-1].size <= chunk
    whole = decode_audio(speech_video)
    assert np.array_equal(np.concatenate(chunks), whole)
    assert np.abs(whole).max() > 0.1  # speech is there


@pytest.mark.parametrize("kind", ["wav", "m4a"])
def test_length_matches_duration(click_files: dict[str, Path], kind: str) -> None:
    p = click_files[kind]
    info = probe(p)
    for sr in (16000, 22050, 48000):
        x = decode_audio(p, sample_rate=sr)
        assert abs(len(x) / sr * 1000 - info.duration_ms) <= 5


def test_video_audio_length(speech_video: Path) -> None:
    x = decode_audio(speech_video)
    assert abs(len(x) / 16 - probe(speech_video).duration_ms) <= 5


@pytest.mark.parametrize("kind", ["wav", "m4a"])
def test_timing_and_seek(click_files: dict[str, Path], kind: str) -> None:
    p = click_files[kind]
    full = decode_audio(p)
    assert click_at(full) == pytest.approx(1.0, abs=0.003)
    late = decode_audio(p, start_ms=2000)
    assert len(late) == pytest.approx(16000, abs=16 * 5)
    assert click_at(late) == pytest.approx(0.5, abs=0.003)
    window = decode_audio(p, start_ms=500, end_ms=1500)
    assert len(window) == 16000
    assert click_at(window) == pytest.approx(0.5, abs=0.003)
    # chunked + seek still gives the same samples
    chunks = list(iter_audio(p, chunk_ms=250, start_ms=2000))
    assert np.array_equal(np.concatenate(chunks), late)


def test_seek_is_sample_aligned(speech_video: Path) -> None:
    """A window decoded after a seek lines up with the same span of the full decode.

    (Not bit-identical: the resampler restarts at another sub-sample phase.)"""
    full = decode_audio(speech_video)
    for start in (700, 1234, 2500):
        w = decode_audio(speech_video, start_ms=start, end_ms=start + 1000)
        assert len(w) == 16000
        base = start * 16

        def err(lag: int, w: np.ndarray = w, base: int = base) -> float:
            return float(np.mean((w - full[base + lag : base + lag + 16000]) ** 2))

        assert min(range(-8, 9), key=err) == 0
        assert np.corrcoef(w, full[base : base + 16000])[0, 1] > 0.95


def test_start_past_end_is_empty(click_files: dict[str, Path]) -> None:
    assert decode_audio(click_files["wav"], start_ms=10_000).size == 0
    assert list(iter_audio(click_files["wav"], start_ms=1000, end_ms=1000)) == []


def test_stream_index(multi_mkv: Path) -> None:
    tone = decode_audio(multi_mkv, stream_index=1)
    silence = decode_audio(multi_mkv, stream_index=2)
    assert np.abs(tone).max() > 0.05
    assert np.abs(silence).max() < 1e-4
    assert abs(len(tone) - len(silence)) <= 16 * 30
    with pytest.raises(MediaError) as err:
        decode_audio(multi_mkv, stream_index=0)
    assert "\n" not in str(err.value) and str(multi_mkv) in str(err.value)
    assert "not an audio stream" in str(err.value)


def test_early_stop_closes_cleanly(speech_video: Path) -> None:
    gen = iter_audio(speech_video, chunk_ms=200)
    first = next(gen)
    assert first.size == 3200
    gen.close()  # consumer stops: the container is closed, no error


# --- one decoder under both readers ------------------------------------------------------


@pytest.mark.parametrize("kind", ["wav", "m4a"])
def test_blocks_are_the_mono_decode(click_files: dict[str, Path], kind: str) -> None:
    p = click_files[kind]
    blocks = list(iter_audio_blocks(p, 16000, 1, block=5000))
    assert all(b.dtype == np.float32 and b.shape == (5000, 1) for b in blocks[:-1])
    assert np.array_equal(np.concatenate(blocks).reshape(-1), decode_audio(p))
    stereo = np.concatenate(list(iter_audio_blocks(p, 48000, 2)))
    assert stereo.shape == (len(decode_audio(p, 48000)), 2)
    assert np.array_equal(stereo[:, 0], stereo[:, 1])  # mono source: both sides alike
    assert click_at(stereo[:, 0], 48000) == pytest.approx(1.0, abs=0.003)


def test_leading_gap_is_silence_on_the_media_timeline(click_files: dict[str, Path], tmp_path: Path) -> None:
    """Audio that starts 0.5 s after the video: the click (1.0 s into the audio) is at 1.5 s."""
    p = tmp_path / "late_audio.mkv"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=3.5",
         "-itsoffset", "0.5", "-i", str(click_files["wav"]),
         "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast",
         "-c:a", "pcm_s16le", str(p)],
        check=True,
    )  # fmt: skip
    x = decode_audio(p)
    assert click_at(x) == pytest.approx(1.5, abs=0.003)
    assert np.abs(x[: 16000 * 45 // 100]).max() == 0.0  # the gap is silence
    blocks = np.concatenate(list(iter_audio_blocks(p, 16000, 1))).reshape(-1)
    assert np.array_equal(blocks, x)
    late = decode_audio(p, start_ms=1000, end_ms=2000)
    assert click_at(late) == pytest.approx(0.5, abs=0.003)
