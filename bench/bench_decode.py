"""The one decoder (PyAV, ``media.decode``) against an ffmpeg child writing f32le to a pipe.

Run ``python bench/bench_decode.py [--minutes N]``. For each input (sine + pink noise, AAC
48 kHz stereo in MP4, and the same as a 16-bit WAV) it prints CPU (this process and its
children) and wall seconds of a full decode to 16 kHz mono and to 48 kHz stereo, of 20
windows of 2 s, and how a window lines up with the full decode (best lag in samples,
correlation, largest difference). Times are the best of 3 runs; nothing is asserted.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from taura_desktop.media.decode import decode_audio, iter_audio_blocks
from taura_desktop.media.ffmpeg import grow_pipe


def cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[Any, float, float]:
    """``fn()`` and its best wall and best CPU seconds of ``repeat`` runs (a shared machine)."""
    walls, cpus = [], []
    for _ in range(repeat):
        c0, t0 = cpu(), time.perf_counter()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu() - c0)
    return out, min(walls), min(cpus)


def ffmpeg_child(path: Path, sr: int, ch: int, start_ms: int = 0, end_ms: int | None = None) -> np.ndarray:
    """The reference: an ffmpeg child (input seek, silence-filled leading gap) streaming f32le
    through an enlarged pipe into preallocated blocks, as the mixer's reader used to."""
    cmd = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-ss", f"{start_ms / 1000:.3f}",
           "-i", str(path), "-map", "0:a:0", "-vn", "-af", "aresample=async=1:first_pts=0",
           "-ac", str(ch), "-ar", str(sr), "-f", "f32le", "pipe:1"]  # fmt: skip
    if end_ms is not None:
        cmd[-3:-3] = ["-t", f"{(end_ms - start_ms) / 1000 + 0.1:.3f}"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, bufsize=0)
    assert proc.stdout is not None
    grow_pipe(proc.stdout.fileno())
    blocks = []
    while True:
        arr = np.empty((1 << 16, ch), np.float32)
        view, got = arr.data.cast("B"), 0
        while got < len(view) and (k := proc.stdout.readinto(view[got:])):  # type: ignore[attr-defined]
            got += k
        blocks.append(arr[: got // (4 * ch)])
        if got < len(view):
            break
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed on {path}")
    x = np.concatenate(blocks)
    return x if end_ms is None else x[: round((end_ms - start_ms) * sr / 1000)]


def pyav(path: Path, sr: int, ch: int) -> np.ndarray:
    return np.concatenate(list(iter_audio_blocks(path, sr, ch)))


def ffmpeg_mono(path: Path, sr: int, start_ms: int, end_ms: int) -> np.ndarray:
    return ffmpeg_child(path, sr, 1, start_ms, end_ms)[:, 0]


def windows(fn: Callable[[Path, int, int, int], np.ndarray], src: Path, starts: list[int]) -> None:
    for s in starts:
        fn(src, 16000, s, s + 2000)


def lag(w: np.ndarray, full: np.ndarray, base: int, r: int = 40) -> tuple[int, float, float]:
    n = len(w)
    best = min(range(-r, r + 1), key=lambda k: float(np.mean((w - full[base + k : base + k + n]) ** 2)))
    ref = full[base : base + n]
    return best, float(np.corrcoef(w, ref)[0, 1]), float(np.abs(w - ref).max())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    secs = int(ap.parse_args().minutes * 60)
    with tempfile.TemporaryDirectory() as tmp:
        mp4, wav = Path(tmp) / "long.mp4", Path(tmp) / "long.wav"
        subprocess.run(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-y",
             "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={secs}",
             "-f", "lavfi", "-i",
             f"anoisesrc=color=pink:amplitude=0.3:sample_rate=48000:duration={secs}:seed=7",
             "-filter_complex", "[0:a][1:a]amerge=inputs=2,pan=stereo|c0=0.5*c0+c1|c1=0.3*c0+c1[a]",
             "-map", "[a]", "-c:a", "aac", "-b:a", "128k", str(mp4)],
            check=True,
        )  # fmt: skip
        subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(mp4),
                        "-c:a", "pcm_s16le", str(wav)], check=True)  # fmt: skip
        starts = [1000 + i * (secs * 1000 - 4000) // 20 for i in range(20)]
        for src in (mp4, wav):
            print(f"{src.suffix[1:]}: {secs / 60:.1f} min 48 kHz stereo")
            for sr, ch in ((16000, 1), (48000, 2)):
                for name, fn in (("pyav", pyav), ("ffmpeg child", ffmpeg_child)):
                    x, wall, c = timed(partial(fn, src, sr, ch))
                    print(f"  {name:12s} full {sr // 1000} kHz x{ch}: cpu {c:.2f} s, wall {wall:.2f} s, "
                          f"{len(x)} frames")  # fmt: skip
            _, wall, c = timed(partial(windows, decode_audio, src, starts))
            print(f"  pyav         20 windows of 2 s: cpu {c:.2f} s, wall {wall:.2f} s")
            _, wall, c = timed(partial(windows, ffmpeg_mono, src, starts))
            print(f"  ffmpeg child 20 windows of 2 s: cpu {c:.2f} s, wall {wall:.2f} s")
            full, ffull = decode_audio(src), ffmpeg_child(src, 16000, 1)[:, 0]
            for s in (1234, secs * 1000 // 5 + 457, secs * 1000 * 3 // 4 + 789):
                w = decode_audio(src, 16000, s, s + 2000)
                wf = ffmpeg_child(src, 16000, 1, s, s + 2000)[:, 0]
                print(f"  window at {s} ms: pyav lag/corr/maxdiff {lag(w, full, s * 16)}, "
                      f"ffmpeg child {lag(wf, ffull, s * 16)}")  # fmt: skip


if __name__ == "__main__":
    main()
