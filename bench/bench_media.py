"""Media layer figures: probe, streaming decode, peaks, and the demo sample recipe.

Run ``python bench/bench_media.py [--minutes N]``. Prints figures measured in one run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from taura_desktop.media import compute_peaks, decode_audio, iter_audio, probe
from taura_desktop.sample import make_sample

P = ParamSpec("P")
T = TypeVar("T")


def timed(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> tuple[T, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args()
    secs = int(args.minutes * 60)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        src = d / "long.m4a"
        expr = "0.3*sin(2*PI*220*t)*(0.5+0.5*sin(2*PI*0.3*t))"
        _, enc = timed(
            subprocess.run,
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
             "-i", f"aevalsrc='{expr}':s=44100:d={secs}", "-ac", "2",
             "-c:a", "aac", "-aac_coder", "fast", "-b:a", "96k", str(src)],
            check=True,
        )  # fmt: skip
        print(f"test input: {secs / 60:.1f} min AAC stereo 44.1 kHz (encoded in {enc:.1f} s)")

        info, t_probe = timed(probe, src)
        print(f"probe: {t_probe * 1000:.1f} ms (duration {info.duration_ms / 1000:.1f} s)")

        audio, t_dec = timed(decode_audio, src)
        print(f"decode_audio 16 kHz mono: {t_dec:.2f} s = {secs / t_dec:.0f}x realtime, "
              f"{audio.nbytes / 2**20:.1f} MiB result")  # fmt: skip

        pipe, t_pipe = timed(
            subprocess.run,
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(src), "-ac", "1",
             "-ar", "16000", "-f", "f32le", "-"],
            capture_output=True, check=True,
        )  # fmt: skip
        n_pipe = len(pipe.stdout) // 4
        print(f"ffmpeg pipe decode (reference): {t_pipe:.2f} s; PyAV/pipe time ratio "
              f"{t_dec / t_pipe:.2f}; length diff {abs(n_pipe - audio.size) / 16:.1f} ms")
        del audio

        t0 = time.perf_counter()
        n = sum(chunk.size for chunk in iter_audio(src, chunk_ms=30_000))
        t_iter = time.perf_counter() - t0
        tracemalloc.start()
        for _chunk in iter_audio(src, chunk_ms=30_000):
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"iter_audio 30 s chunks: {t_iter:.2f} s, peak traced memory "
              f"{peak / 2**20:.1f} MiB vs {n * 4 / 2**20:.1f} MiB for the whole signal")

        peaks, t_peaks = timed(compute_peaks, src, 10)
        blob = peaks.to_bytes()
        print(f"compute_peaks 10 ms: {t_peaks:.2f} s, {len(peaks)} buckets, "
              f"{len(blob) / 1024:.0f} KiB stored ({len(blob) * 3600 / secs / 2**20:.2f} MiB/h)")
        _, t_ds = timed(lambda: [peaks.downsample(f) for f in (4, 16, 64, 256)])
        print(f"downsample to 4 zoom levels: {t_ds * 1000:.1f} ms")

        media, t_sample = timed(make_sample, d / "sample", seconds=150)
        print(f"make_sample 150 s: {t_sample:.1f} s, {len(media.script)} lines, "
              f"video {media.video.stat().st_size / 2**20:.1f} MiB")
        x = decode_audio(media.video)
        print(f"sample audio rms {float(np.sqrt(np.mean(x**2))):.3f}")
        sp = compute_peaks(media.video, 10).to_bytes()
        print(f"peaks of the sample (speech + music), 10 ms: {len(sp) / 1024:.1f} KiB "
              f"({len(sp) * 3600 / 150 / 2**20:.2f} MiB/h)")  # fmt: skip


if __name__ == "__main__":
    main()
