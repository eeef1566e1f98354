"""The demo media recipe: a short English video with known narration and subtitles.

``make_sample(out_dir)`` builds, deterministically and in a few seconds:

* ``taura_sample.mp4`` - 640x360 H.264 SMPTE colour bars with a burnt-in running timecode, AAC
  stereo audio tagged ``eng``: espeak-ng narration of ``resources/sample/narration.txt`` (shipped
  in the package) over a quiet (-30 dBFS) chord bed;
* ``taura_sample.en.srt`` - one subtitle cue per spoken line, timed to the speech exactly;
* ``taura_sample.narration.wav`` - the narration alone (16 kHz mono), for tests and benchmarks.

The script (text and exact start/end of each spoken line) is returned, so tests can compare
what recognition finds with what was said.

Run ``python -m taura_desktop.sample OUT_DIR [--seconds N]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from taura_desktop.core.timecode import clock
from taura_desktop.errors import EngineUnavailableError, MediaError, TauraError, UsageError
from taura_desktop.media.audio_io import _parse_wav, resample, write_wav
from taura_desktop.paths import resource_text

SAMPLE_RATE = 48000
WIDTH, HEIGHT, FPS = 640, 360, 25
LEAD_IN_MS = 1000
TAIL_MS = 1500
# Gaps after each line, cycled. 400 ms (< 12 frames) exercises subtitle chaining; gaps of
# 500 ms or more are stretched evenly when the video is longer than the narration.
BASE_GAPS_MS = (700, 1500, 400, 2200, 1000, 3000)
MAX_GAP_SCALE = 3.0
VOICE = "en-us"
WPM = 160
MUSIC_DBFS = -30.0
MAX_LINE_CHARS = 42
FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
)


@dataclass(frozen=True, slots=True)
class SampleLine:
    index: int  # 0-based position in the script
    start_ms: int  # first audible sample of the spoken line
    end_ms: int  # last audible sample of the spoken line
    text: str


@dataclass(frozen=True, slots=True)
class SampleMedia:
    video: Path
    subtitles: Path
    script: list[SampleLine]
    narration: Path | None = None  # the narration alone, 16 kHz mono WAV


NARRATION = "sample/narration.txt"  # in taura_desktop/resources


def load_script(path: Path | None = None) -> list[str]:
    """The narration sentences (one per non-empty, non-# line); by default the script that
    ships with the package."""
    if path is None:
        text = resource_text(NARRATION)
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise MediaError(f"{path}: cannot read narration script ({exc.strerror})") from None
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _need(tool: str) -> str:
    exe = shutil.which(tool)
    if exe is None:
        raise EngineUnavailableError(f"{tool}: not installed (apt-get install {_PKG[tool]})")
    return exe


_PKG = {"espeak-ng": "espeak-ng", "ffmpeg": "ffmpeg"}


def espeak(text: str, voice: str = VOICE, wpm: int = WPM) -> tuple[np.ndarray, int]:
    """Speak ``text`` with espeak-ng; float32 mono samples and their rate (22050)."""
    exe = _need("espeak-ng")
    proc = subprocess.run(
        [exe, "-v", voice, "-s", str(wpm), "--stdout", text],
        capture_output=True,
        check=False,
    )
    parsed = _parse_wav(Path("espeak-ng"), proc.stdout) if proc.returncode == 0 else None
    if parsed is None:
        err = " ".join(proc.stderr.decode("utf-8", "replace").split())[:200]
        raise EngineUnavailableError(f"espeak-ng: failed for voice {voice!r} ({err or 'no audio'})")
    samples, sr = parsed
    return samples, sr


def trim_silence(samples: np.ndarray, threshold: float = 0.005) -> np.ndarray:
    """Cut leading and trailing samples quieter than ``threshold``."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if loud.size == 0:
        return samples[:0]
    return samples[loud[0] : loud[-1] + 1]


def split_lines(text: str, width: int = MAX_LINE_CHARS) -> list[str]:
    """Break a sentence into 1 or 2 balanced lines of at most ``width`` characters."""
    if len(text) <= width:
        return [text]
    words = text.split(" ")
    best: tuple[float, int] | None = None
    for i in range(1, len(words)):
        a, b = " ".join(words[:i]), " ".join(words[i:])
        if len(a) > width or len(b) > width:
            continue
        cost = abs(len(a) - len(b)) - (6 if a.endswith((",", ";", ":")) else 0)
        cost += 2 if len(a) > len(b) else 0  # prefer a bottom-heavy pyramid
        if best is None or cost < best[0]:
            best = (cost, i)
    if best is None:
        raise ValueError(f"sentence too long for two lines of {width} characters: {text!r}")
    return [" ".join(words[: best[1]]), " ".join(words[best[1] :])]


def write_srt(path: Path, script: list[SampleLine]) -> Path:
    blocks = []
    for n, line in enumerate(script, 1):
        body = "\n".join(split_lines(line.text))
        blocks.append(f"{n}\n{clock(line.start_ms, ',')} --> {clock(line.end_ms, ',')}\n{body}\n")
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def _music_bed(n: int, sr: int) -> np.ndarray:
    """A soft chord progression (C, Am, F, G; 4 s each) peaking at MUSIC_DBFS."""
    chords = ((261.63, 329.63, 392.00), (220.00, 261.63, 329.63),
              (174.61, 220.00, 261.63), (196.00, 246.94, 293.66))  # fmt: skip
    seg = 4 * sr
    fade = int(0.25 * sr)
    env = np.ones(seg, np.float32)
    env[:fade] = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    env[-fade:] = np.linspace(1.0, 0.0, fade, dtype=np.float32)
    t = np.arange(seg, dtype=np.float64) / sr
    blocks = []
    for freqs in chords:
        tone = sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs)
        blocks.append((tone * env).astype(np.float32))
    cycle = np.concatenate(blocks)
    reps = -(-n // cycle.size)
    bed = np.tile(cycle, reps)[:n]
    peak = float(np.abs(bed).max()) or 1.0
    return (bed / peak * 10 ** (MUSIC_DBFS / 20)).astype(np.float32)


def _layout(clips: list[np.ndarray], total_ms: int) -> list[tuple[int, int]]:
    """Start/end ms of each clip that fits before ``total_ms - TAIL_MS``."""
    budget = total_ms - TAIL_MS
    durs = [round(c.size * 1000 / SAMPLE_RATE) for c in clips]
    gaps = [BASE_GAPS_MS[i % len(BASE_GAPS_MS)] for i in range(len(clips))]
    # How many lines fit with the base gaps?
    t, n_fit = LEAD_IN_MS, 0
    for i, d in enumerate(durs):
        if t + d > budget:
            break
        n_fit, t = i + 1, t + d + gaps[i]
    scale = 1.0
    if n_fit == len(clips) and n_fit > 1:
        used = LEAD_IN_MS + sum(durs) + sum(gaps[: n_fit - 1])
        stretchable = sum(g for g in gaps[: n_fit - 1] if g >= 500)
        if stretchable:
            scale = min(MAX_GAP_SCALE, 1.0 + max(0, budget - 1000 - used) / stretchable)
    out, t = [], LEAD_IN_MS
    for i in range(n_fit):
        out.append((t, t + durs[i]))
        g = gaps[i]
        t += durs[i] + round(g * scale if g >= 500 else g)
    return out


def _font() -> str | None:
    return next((f for f in FONT_CANDIDATES if Path(f).is_file()), None)


def _video_filter() -> tuple[str, str]:
    """(lavfi source, filter chain) for the picture: a test pattern with a running timecode."""
    src = f"smptebars=size={WIDTH}x{HEIGHT}:rate={FPS}"
    font = _font()
    if font is None:  # no font on this machine: testsrc draws its own running counter
        return f"testsrc=size={WIDTH}x{HEIGHT}:rate={FPS}", "null"
    ff = font.replace(":", r"\:")
    chain = (
        f"drawtext=fontfile={ff}:timecode='00\\:00\\:00\\:00':rate={FPS}:fontsize=40:"
        "fontcolor=white:box=1:boxcolor=black@0.65:boxborderw=8:x=(w-tw)/2:y=h-th-24,"
        f"drawtext=fontfile={ff}:text='Taura Desktop sample':fontsize=26:"
        "fontcolor=white:box=1:boxcolor=black@0.5:boxborderw=6:x=(w-tw)/2:y=18"
    )
    return src, chain


def make_sample(out_dir: Path, *, seconds: int = 150, stem: str = "taura_sample") -> SampleMedia:
    """Build the demo video, its English SRT and the narration; return paths and the script."""
    if seconds < 5:
        raise UsageError(f"--seconds {seconds}: the sample needs at least 5 seconds")
    ffmpeg = _need("ffmpeg")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    total_ms = seconds * 1000
    n_total = seconds * SAMPLE_RATE

    sentences = load_script()
    clips: list[np.ndarray] = []
    for text in sentences:
        speech, sr = espeak(text)
        clips.append(resample(trim_silence(speech), sr, SAMPLE_RATE))
    placed = _layout(clips, total_ms)

    narration = np.zeros(n_total, np.float32)
    script: list[SampleLine] = []
    for i, (start, end) in enumerate(placed):
        clip = clips[i]
        peak = float(np.abs(clip).max()) or 1.0
        s0 = start * SAMPLE_RATE // 1000
        seg = (clip / peak * 0.7)[: n_total - s0]
        narration[s0 : s0 + seg.size] = seg
        script.append(SampleLine(index=i, start_ms=start, end_ms=end, text=sentences[i]))
    mix = narration + _music_bed(n_total, SAMPLE_RATE)

    narration_wav = write_wav(
        out_dir / f"{stem}.narration.wav", resample(narration, SAMPLE_RATE, 16000), 16000
    )
    mix_wav = out_dir / f"{stem}.mix.wav"
    write_wav(mix_wav, mix, SAMPLE_RATE)
    subtitles = write_srt(out_dir / f"{stem}.en.srt", script)

    video = out_dir / f"{stem}.mp4"
    src, chain = _video_filter()
    cmd = [
        ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"{src}:duration={seconds}",
        "-i", str(mix_wav),
        "-filter_complex", f"[0:v]{chain}[v]",
        "-map", "[v]", "-map", "1:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "28", "-pix_fmt", "yuv420p",
        "-g", str(2 * FPS), "-threads", "2",
        "-c:a", "aac", "-aac_coder", "fast", "-b:a", "96k", "-ac", "2",
        "-metadata:s:a:0", "language=eng", "-metadata:s:v:0", "language=eng",
        "-map_metadata", "-1", "-fflags", "+bitexact",
        "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-t", str(seconds), "-movflags", "+faststart",
        str(video),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    mix_wav.unlink(missing_ok=True)
    if proc.returncode != 0:
        err = " ".join(proc.stderr.split())[-300:]
        raise MediaError(f"{video}: ffmpeg could not build the sample video ({err})")
    return SampleMedia(video=video, subtitles=subtitles, script=script, narration=narration_wav)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m taura_desktop.sample",
        description="Build the Taura Desktop demo video, its English subtitles and narration.",
    )
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seconds", type=int, default=150, help="video length (default 150)")
    args = ap.parse_args(argv)
    try:
        media = make_sample(args.out_dir, seconds=args.seconds)
    except TauraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    print(f"video: {media.video}")
    print(f"subtitles: {media.subtitles}")
    if media.narration is not None:
        print(f"narration: {media.narration}")
    print(f"lines: {len(media.script)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
