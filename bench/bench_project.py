"""Project open and edit throughput with 10,000 segments.

Targets (issue: foundation): open < 0.5 s; one edit + commit < 2 ms median.
Run: python bench/bench_project.py [--segments N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from taura_desktop.core import edits
from taura_desktop.core.model import Origin, Segment, Status, Translation, Word
from taura_desktop.core.project import Project


def build(path: Path, n: int) -> None:
    segs = []
    for i in range(n):
        start = i * 3000
        words = tuple(Word(start + k * 300, start + k * 300 + 250, f"word{k}", 0.9) for k in range(8))
        segs.append(
            Segment(
                f"seg{i:06d}",
                start,
                start + 2500,
                " ".join(w.text for w in words),
                words=words,
                translations={"es": Translation(f"palabra {i}", Origin.ENGINE, Status.DRAFT)},
            )
        )
    with Project.create(path, media=None, source_lang="en", target_langs=("es",)) as p:
        p.apply(edits.add_segments(p.state, segs), undoable=False)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=10_000)
    ap.add_argument("--edits", type=int, default=2_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.taura"
        t0 = time.perf_counter()
        build(path, args.segments)
        print(f"build {args.segments} segments: {time.perf_counter() - t0:.3f} s")
        opens = []
        for _ in range(5):
            t0 = time.perf_counter()
            p = Project.open(path)
            opens.append(time.perf_counter() - t0)
            p.close()
        print(f"open: median {statistics.median(opens) * 1000:.1f} ms (target < 500 ms)")
        with Project.open(path) as p:
            ids = p.state.ids()
            kinds: dict[str, list[float]] = {"text": [], "times": [], "translation": [], "undo": []}
            for i in range(args.edits):
                sid = ids[(i * 7919) % len(ids)]
                seg = p.segment(sid)
                t0 = time.perf_counter()
                p.apply(edits.set_source_text(p.state, sid, f"edited {i}"))
                kinds["text"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                p.apply(edits.set_times(p.state, sid, seg.start_ms + 10, seg.end_ms - 10))
                kinds["times"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                p.apply(edits.set_translation_text(p.state, sid, "es", f"editado {i}"))
                kinds["translation"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                p.undo()
                kinds["undo"].append(time.perf_counter() - t0)
            for kind, ts in kinds.items():
                ts.sort()
                print(
                    f"edit+commit {kind:12s} median {statistics.median(ts) * 1000:.3f} ms, "
                    f"p99 {ts[int(len(ts) * 0.99)] * 1000:.3f} ms (target median < 2 ms)"
                )


if __name__ == "__main__":
    main()
