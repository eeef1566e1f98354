"""Small, fast media generators for tests in every area (ffmpeg lavfi + espeak-ng).

    from tests.mediagen import make_video, espeak_wav, make_speech_wav
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from taura_desktop.media.audio_io import resample, write_wav
from taura_desktop.sample import espeak, trim_silence

SPEECH_TEXT = (
    "This is a short test of the speech recognition system. "
    "The quick brown fox jumps over the lazy dog."
)


def _ffmpeg(*args: str) -> None:
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {' '.join(cmd)}\n{proc.stderr}")


def espeak_wav(path: Path, text: str, voice: str = "en", *, wpm: int = 160) -> Path:
    """Speak ``text`` with espeak-ng into a 16-bit mono WAV (22050 Hz), silence trimmed."""
    samples, sr = espeak(text, voice=voice, wpm=wpm)
    return write_wav(path, trim_silence(samples), sr)


def make_speech_wav(
    path: Path,
    lines: Sequence[str],
    gap_ms: int = 600,
    *,
    voice: str = "en",
    lead_ms: int = 300,
    sample_rate: int = 16000,
) -> list[tuple[int, int]]:
    """Write ``lines`` spoken one after another with ``gap_ms`` of silence between them.

    Returns the exact ``(start_ms, end_ms)`` of each spoken line in the WAV.
    """
    parts: list[np.ndarray] = [np.zeros(lead_ms * sample_rate // 1000, np.float32)]
    timings: list[tuple[int, int]] = []
    t = lead_ms
    gap = np.zeros(gap_ms * sample_rate // 1000, np.float32)
    for i, text in enumerate(lines):
        samples, sr = espeak(text, voice=voice)
        clip = resample(trim_silence(samples), sr, sample_rate)
        dur = round(clip.size * 1000 / sample_rate)
        n = dur * sample_rate // 1000  # whole milliseconds, so the timings are exact
        clip = np.pad(clip[:n], (0, max(0, n - clip.size)))
        timings.append((t, t + dur))
        parts.append(clip)
        t += dur
        if i < len(lines) - 1:
            parts.append(gap)
            t += gap_ms
    parts.append(np.zeros(lead_ms * sample_rate // 1000, np.float32))
    write_wav(path, np.concatenate(parts), sample_rate)
    return timings


def make_video(
    path: Path,
    seconds: float,
    *,
    with_audio: bool = True,
    audio: str = "speech",
    lang: str | None = "eng",
    size: str = "320x240",
    fps: int = 25,
) -> Path:
    """An H.264 MP4 test pattern of ``seconds`` with an AAC track (``speech`` = espeak-ng
    repeating :data:`SPEECH_TEXT`, ``tone`` = 440 Hz sine, ``silence``) tagged ``lang``."""
    path = Path(path)
    args = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={fps}:duration={seconds}"]
    if with_audio:
        if audio == "speech":
            wav = path.with_name(path.stem + ".speech.wav")
            espeak_wav(wav, SPEECH_TEXT)
            args += ["-stream_loop", "-1", "-i", str(wav)]
        elif audio == "tone":
            args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"]
        elif audio == "silence":
            args += ["-f", "lavfi", "-i", f"anullsrc=r=44100:cl=mono:d={seconds}"]
        else:
            raise ValueError(f"audio must be speech, tone or silence, not {audio!r}")
        args += ["-map", "0:v", "-map", "1:a", "-c:a", "aac", "-aac_coder", "fast", "-b:a", "64k"]
        if lang:
            args += ["-metadata:s:a:0", f"language={lang}"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", str(fps)]
    args += ["-t", str(seconds), "-movflags", "+faststart", str(path)]
    _ffmpeg(*args)
    if with_audio and audio == "speech":
        path.with_name(path.stem + ".speech.wav").unlink(missing_ok=True)
    return path
