"""`taura batch` on a local Ray runtime vs `taura localize` one video after another.

Generates N narrated videos (espeak-ng, English subtitles beside each), localizes them to the
target languages with the embedded engines (apertium, espeak-ng) offline:
  1. one by one: `taura localize` per video in one process (its shared worker), as a person
     would script it;
  2. `taura batch --cluster local --num-cpus C` for each C asked for (default: 1 and all CPUs).
Prints the wall times and the ratios measured in this run (and checks the subtitles match).

Run: python bench/bench_batch.py [--videos 6] [--seconds 30] [--to es] [--cpus 1,2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from taura_desktop.cli.main import main as taura
from taura_desktop.sample import make_sample


def make_videos(folder: Path, n: int, seconds: int) -> None:
    gen = folder.parent / "gen"
    for i in range(n):
        media = make_sample(gen / f"v{i}", seconds=seconds, stem=f"video{i}")
        shutil.copy(media.video, folder)
        shutil.copy(media.subtitles, folder)


def run(argv: list[str]) -> float:
    t0 = time.perf_counter()
    code = taura(argv)
    if code != 0:
        raise SystemExit(f"taura {' '.join(argv[:2])} failed with exit code {code}")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=6)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--to", default="es")
    ap.add_argument("--cpus", default=f"1,{os.cpu_count() or 1}")
    args = ap.parse_args()
    cpus = sorted({int(c) for c in args.cpus.split(",")})
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        src = root / "in"
        src.mkdir()
        make_videos(src, args.videos, args.seconds)
        videos = sorted(src.glob("*.mp4"))

        t_serial = 0.0
        for v in videos:
            t_serial += run(["localize", str(v), "--to", args.to, "--subs", str(v.with_suffix(".en.srt")),
                             "-o", str(root / "serial" / v.stem), "--offline"])  # fmt: skip
        results = {}
        for c in cpus:
            out = root / f"batch{c}"
            results[c] = run(["batch", str(src), "--to", args.to, "-o", str(out), "--cluster", "local",
                              "--num-cpus", str(c), "--offline"])  # fmt: skip
            for v in videos:  # same subtitles, byte for byte
                for f in (root / "serial" / v.stem / "subtitles").iterdir():
                    assert f.read_bytes() == (out / v.stem / "subtitles" / f.name).read_bytes(), f
        load = os.getloadavg()[0]
        head = f"{args.videos} videos x {args.seconds} s -> {args.to}, {os.cpu_count()} CPUs"
        print(f"\n{head}, load {load:.1f}")
        print(f"one by one (taura localize):   {t_serial:7.1f} s")
        for c, t in results.items():
            print(f"taura batch, Ray num_cpus={c}:  {t:7.1f} s  (ratio one-by-one/batch {t_serial / t:.2f})")


if __name__ == "__main__":
    main()
