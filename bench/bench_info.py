"""`taura info` on 100,000 segments against 10 segments (target: within 2x).

Both projects are written the way the CLI writes them (the summary of counts, stale clips and
QC is kept in the file when a writer closes); each `taura info --json` runs as its own process,
best of three. Reports the two times and their ratio.
Run: python bench/bench_info.py [--segments N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from taura_desktop.app import projects  # noqa: F401  (keeps the summary on close)
from taura_desktop.core import edits
from taura_desktop.core.model import Segment
from taura_desktop.core.project import Project

CLI = "import sys; from taura_desktop.cli import main; sys.exit(main())"


def build(path: Path, n: int) -> None:
    with Project.create(path, media=None, source_lang="en", target_langs=("es",)) as p:
        segs = [Segment(f"s{i:06d}", i * 2000, i * 2000 + 1500, f"line number {i} of the show")
                for i in range(n)]
        p.apply(edits.add_segments(p.state, segs), undoable=False)
        texts = {s.id: f"línea {i}" for i, s in enumerate(segs)}
        p.apply(edits.apply_engine_translations(p.state, "es", texts, engine="t"), undoable=False)


def info_seconds(path: Path) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", CLI, "info", str(path), "--json"], check=True,
                       capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        small, big = Path(d) / "small.taura", Path(d) / "big.taura"
        build(small, 10)
        t0 = time.perf_counter()
        build(big, args.segments)
        built = time.perf_counter() - t0
        t_small, t_big = info_seconds(small), info_seconds(big)
    print(f"built {args.segments} segments in {built:.1f} s (summary kept on close)")
    print(f"info 10 segments: {t_small:.2f} s; {args.segments} segments: {t_big:.2f} s; "
          f"ratio {t_big / t_small:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
