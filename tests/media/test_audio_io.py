from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.errors import MediaError
from taura_desktop.media import from_int16, read_wav, resample, to_int16, write_wav


def sine(freq: float, sr: int, seconds: float = 1.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def dominant_hz(x: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(x))
    return float(np.argmax(spec)) * sr / len(x)


def test_int16_conversion() -> None:
    x = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0], np.float32)
    q = to_int16(x)
    assert q.dtype == np.int16
    assert list(q) == [-32767, -32767, -16384, 0, 16384, 32767, 32767]
    back = from_int16(q)
    assert back.dtype == np.float32
    assert np.allclose(back[1:-1], np.clip(x, -1, 1)[1:-1], atol=1 / 32767)


def test_wav_round_trip_pcm16_and_float(tmp_path: Path) -> None:
    x = sine(440, 22050)
    write_wav(tmp_path / "a.wav", x, 22050)
    y, sr = read_wav(tmp_path / "a.wav")
    assert sr == 22050 and y.shape == x.shape and y.dtype == np.float32
    assert np.max(np.abs(y - x)) < 1 / 16000
    write_wav(tmp_path / "f.wav", x, 22050, float32=True)
    z, sr = read_wav(tmp_path / "f.wav")
    assert sr == 22050 and np.array_equal(z, x)
    assert not (tmp_path / "a.wav.part").exists()


def test_wav_stereo_and_ffmpeg_compat(tmp_path: Path) -> None:
    st = np.stack([sine(300, 16000), sine(600, 16000, amp=0.25)], axis=1)
    p = write_wav(tmp_path / "st.wav", st, 16000)
    y, sr = read_wav(p)
    assert y.shape == (16000, 2) and sr == 16000
    assert np.allclose(y, st, atol=1 / 16000)
    # ffmpeg reads what we write, and we read ffmpeg's 24-bit output
    p24 = tmp_path / "st24.wav"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(p), "-c:a", "pcm_s24le",
         str(p24)],
        check=True,
    )  # fmt: skip
    z, sr = read_wav(p24)
    assert z.shape == (16000, 2) and sr == 16000
    assert np.allclose(z, y, atol=1e-4)


def test_read_non_wav_through_pyav(click_files: dict[str, Path]) -> None:
    x, sr = read_wav(click_files["m4a"])
    assert sr == 44100 and x.ndim == 1
    assert abs(len(x) - 3 * 44100) < 4096


def test_read_bad_files(tmp_path: Path) -> None:
    txt = tmp_path / "t.wav"
    txt.write_text("hello\n" * 50)
    with pytest.raises(MediaError) as err:
        read_wav(txt)
    assert str(txt) in str(err.value) and "\n" not in str(err.value)
    trunc = tmp_path / "cut.wav"
    trunc.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    with pytest.raises(MediaError) as err:
        read_wav(trunc)
    assert "truncated or corrupt" in str(err.value) and str(trunc) in str(err.value)
    with pytest.raises(MediaError):
        read_wav(tmp_path / "missing.wav")


def test_resample_length_and_pitch() -> None:
    x = sine(440, 22050)
    for sr in (16000, 24000, 48000):
        y = resample(x, 22050, sr)
        assert y.shape == (sr,) and y.dtype == np.float32
        assert dominant_hz(y, sr) == pytest.approx(440, abs=2)
        assert np.abs(y[1000:-1000]).max() == pytest.approx(0.5, abs=0.02)
    st = np.stack([x, -x], axis=1)
    y2 = resample(st, 22050, 48000)
    assert y2.shape == (48000, 2)
    assert np.allclose(y2[:, 0], -y2[:, 1], atol=1e-5)
    assert np.array_equal(resample(x, 22050, 22050), x)


def test_resample_keeps_timing() -> None:
    imp = np.zeros(22050, np.float32)
    imp[11025] = 1.0
    y = resample(imp, 22050, 16000)
    assert abs(int(np.argmax(y)) - 8000) <= 2
