"""Editor benchmarks: timeline paint cost, opening a long project, memory with it open.

    python bench/bench_ui.py            (QT_QPA_PLATFORM=offscreen is set if no display)
    python bench/bench_ui.py --latency-only [--no-settle]

Figures (targets from the editor issue):
- timeline paint, 10,000 segments across 3 tracks (source, translation, voice), ms per frame at
  several zooms (target < 8 ms at any zoom);
- opening a 2-hour project with 2,000 segments to an interactive window (target < 1 s), both
  in a fresh process (imports included) and in a running app;
- RSS of that process with the project open (target < 400 MB);
- event-loop lateness while translate, voice and export run through the jobs panel (target
  p99 < 50 ms), started once the opened window has settled (``--no-settle``: at once).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def make_long_project(work: Path, n: int, hours: float, with_media: bool) -> Path:
    import numpy as np

    from taura_desktop.app import peaks as app_peaks
    from taura_desktop.core import edits
    from taura_desktop.core.model import MediaRef
    from taura_desktop.core.project import Project
    from taura_desktop.media.peaks import Peaks
    from tests.ui.helpers import make_segments

    total_ms = int(hours * 3_600_000)
    media = None
    if with_media:
        video = work / f"long_{n}.mp4"
        if not video.exists():
            subprocess.run(
                [
                    "ffmpeg",
                    "-nostdin",
                    "-loglevel",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    f"testsrc=size=160x90:rate=1:duration={int(total_ms / 1000)}",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-g",
                    "600",
                    str(video),
                ],
                check=True,
            )
        from taura_desktop.media.probe import fingerprint

        media = fingerprint(video)
    else:
        media = MediaRef(str(work / "absent.mp4"), 0, total_ms, "0" * 40)
    path = work / f"long_{n}.taura"
    if path.exists():
        path.unlink()
    project = Project.create(path, media=media, source_lang="en", target_langs=("es",))
    step = total_ms // n
    segs = make_segments(n, langs=("es",), seg_ms=int(step * 0.8), gap_ms=step - int(step * 0.8))
    project.apply(edits.add_segments(project.state, segs), undoable=False)
    rng = np.random.default_rng(0)
    buckets = total_ms // 10
    mins = -(rng.random(buckets, dtype=np.float32) * 0.8)
    if project.meta.media is not None:  # the cache is keyed by the media
        app_peaks.store_peaks(project, Peaks(10, mins, -mins))
    project.close()
    return path


def bench_paint() -> dict[str, float]:
    import numpy as np
    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QApplication

    from taura_desktop.media.peaks import Peaks
    from taura_desktop.ui.timeline import HEADER_W, Timeline

    app = QApplication.instance() or QApplication([])
    work = Path(tempfile.mkdtemp(prefix="taura-bench-"))
    from taura_desktop.core import edits
    from taura_desktop.core.project import Project
    from tests.ui.helpers import make_segments

    project = Project.create(work / "paint.taura", media=None, source_lang="en", target_langs=("es",))
    segs = make_segments(10_000, langs=("es",), seg_ms=2000, gap_ms=500)
    project.apply(edits.add_segments(project.state, segs), undoable=False)
    total_ms = segs[-1].end_ms
    tl = Timeline()
    tl.resize(1600 + HEADER_W, 240)
    tl.set_project(project)
    rng = np.random.default_rng(1)
    mins = -(rng.random(total_ms // 10, dtype=np.float32))
    tl.set_peaks(Peaks(10, mins, -mins))
    tl.show()
    app.processEvents()
    pix = QPixmap(tl.size())
    results: dict[str, float] = {}
    zooms = [
        ("fit all (10,000 visible)", total_ms / 1600),
        ("1 s/px", 1000.0),
        ("100 ms/px", 100.0),
        ("20 ms/px", 20.0),
        ("5 ms/px", 5.0),
    ]
    for label, mspp in zooms:
        tl.set_view(0, mspp)
        span = 1600 * tl.ms_per_px
        times = []
        first = None
        for i in range(60):
            # scroll a little every frame (new waveform tiles now and then, like playback)
            tl.set_view((i * span / 37) % max(1.0, total_ms - span), mspp)
            t0 = time.perf_counter()
            tl.render(pix)
            dt = (time.perf_counter() - t0) * 1000
            if first is None:
                first = dt
            times.append(dt)
        results[label] = statistics.median(times)
        results[label + " p95"] = sorted(times)[int(len(times) * 0.95) - 1]
        results[label + " visible"] = float(tl.last_paint.get("visible", 0))
    # a drag-preview frame and the cost of the cache rebuild after a structural edit
    t0 = time.perf_counter()
    project.apply(edits.set_times(project.state, segs[5000].id, segs[5000].start_ms, segs[5000].end_ms - 100))
    tl.render(pix)
    results["frame after a retime (cache rebuild)"] = (time.perf_counter() - t0) * 1000
    project.close()
    return results


def bench_model_scroll() -> dict[str, float]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from taura_desktop.core import edits
    from taura_desktop.core.project import Project
    from taura_desktop.ui.segment_model import Col, SegmentTableModel
    from tests.ui.helpers import make_segments

    QApplication.instance() or QApplication([])
    work = Path(tempfile.mkdtemp(prefix="taura-bench-"))
    project = Project.create(work / "m.taura", media=None, source_lang="en", target_langs=("es",))
    project.apply(edits.add_segments(project.state, make_segments(10_000)), undoable=False)
    m = SegmentTableModel(project)
    t0 = time.perf_counter()
    n = 0
    for row in range(0, 10_000, 10):
        for col in Col:
            m.data(m.index(row, col), Qt.ItemDataRole.DisplayRole)
            n += 1
    per_call = (time.perf_counter() - t0) * 1e6 / n
    t0 = time.perf_counter()
    project.apply(edits.set_translation_text(project.state, m.id_at(5000), "es", "x"))
    edit_ms = (time.perf_counter() - t0) * 1000
    project.close()
    return {"table data() per call (µs), 10,000 rows": per_call, "typing edit incl. refresh (ms)": edit_ms}


def bench_latency(n: int = 300, settle_s: float = 2.0) -> dict[str, float]:
    """Event-loop lateness (10 ms timer) while real stages run through the editor's jobs panel:
    translate (apertium en->es), voice (espeak-ng), then export (subtitles) on ``n`` segments,
    started once the opened project is painted and the worker is up (``settle_s`` 0: the
    first stage starts with the opening, so its figures include the first paints)."""
    import shutil

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from taura_desktop.ui.jobs_panel import StageRequest, stage_options
    from taura_desktop.ui.main_window import MainWindow
    from taura_desktop.ui.settings import Settings
    from tests.ui.helpers import make_project
    from tests.ui.latency import run_with_latency, settle

    _app = QApplication.instance() or QApplication([])
    work = Path(tempfile.mkdtemp(prefix="taura-bench-lat-"))
    make_project(work / "lat.taura", n, langs=("es",), voiced=False).close()
    settings = Settings(QSettings(str(work / "s.ini"), QSettings.Format.IniFormat))
    w = MainWindow(settings, player_vo="null")
    w.resize(1280, 800)
    w.show()
    w.open_project(work / "lat.taura")
    settle(settle_s)  # first paints and the worker's start are not part of any stage
    out: dict[str, float] = {"segments": float(n)}
    requests = []
    if shutil.which("apertium"):
        requests.append(("translate", StageRequest(
            "translate", stage_options("translate", langs=("es",), engine="apertium", force=True))))
    if shutil.which("espeak-ng"):
        requests.append(("voice", StageRequest("voice", stage_options("voice", lang="es", engine="espeak"))))
    requests.append(("export", StageRequest(
        "export", stage_options("export", kind="subtitles", output=str(work / "subs")))))
    for name, req in requests:
        rep = run_with_latency(w.jobs, [req])
        for k, v in rep.summary().items():
            out[f"{name} {k}"] = v
        out[f"{name} ok"] = 1.0 if rep.kinds == ["finished"] else 0.0
    w.close()
    return out


def open_child(path: str) -> None:
    """Fresh process: imports, QApplication, window, open, first paint of the timeline."""
    t_start = time.perf_counter()
    from PySide6.QtCore import QCoreApplication, QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication([sys.argv[0]])
    QCoreApplication.setOrganizationName("taura-bench")
    from taura_desktop.ui.main_window import MainWindow
    from taura_desktop.ui.settings import Settings

    settings = Settings(QSettings(str(Path(path).with_suffix(".ini")), QSettings.Format.IniFormat))
    t_imports = time.perf_counter()
    w = MainWindow(settings)
    w.resize(1280, 800)
    w.show()
    app.processEvents()
    t_window = time.perf_counter()
    ok = w.open_project(path)
    w.timeline.repaint()
    w.table.viewport().repaint()
    app.processEvents()
    t_open = time.perf_counter()
    # interactive: a selection, a table edit and an undo go through
    assert w.project is not None
    ids = w.project.state.ids()
    w.select_segments([ids[1000]])
    app.processEvents()
    t_select = time.perf_counter()
    print(
        "CHILD "
        + json.dumps(
            {
                "ok": ok,
                "process start -> window shown (s)": t_window - t_start,
                "open_project -> painted (s)": t_open - t_window,
                "process start -> project interactive (s)": t_open - t_start,
                "select segment 1000 (ms)": (t_select - t_open) * 1000,
                "imports + QApplication (s)": t_imports - t_start,
                "RSS with project open (MB)": rss_mb(),
                "segments": len(w.project.state),
            }
        ),
        flush=True,
    )
    w.close()


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--open-child":
        open_child(sys.argv[2])
        return 0
    print("Taura editor benchmarks")
    if "--latency-only" in sys.argv:
        print("== latency: event-loop lateness (10 ms timer) while stages run in the jobs panel ==")
        for k, v in bench_latency(settle_s=0.0 if "--no-settle" in sys.argv else 2.0).items():
            print(f"  {k:45s} {v:8.2f}")
        return 0
    print("== timeline paint, 10,000 segments x 3 tracks + waveform, 1600 px wide ==")
    for k, v in bench_paint().items():
        unit = "" if k.endswith("visible") else " ms"
        print(f"  {k:45s} {v:8.2f}{unit}")
    print("== segment table model ==")
    for k, v in bench_model_scroll().items():
        print(f"  {k:45s} {v:8.2f}")
    print("== latency: event-loop lateness (10 ms timer) while stages run in the jobs panel ==")
    for k, v in bench_latency().items():
        print(f"  {k:45s} {v:8.2f}")
    print("== open a 2-hour project with 2,000 segments (fresh process) ==")
    work = Path(tempfile.mkdtemp(prefix="taura-bench-"))
    with_media = "--no-media" not in sys.argv
    path = make_long_project(work, 2000, 2.0, with_media)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, __file__, "--open-child", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("CHILD ")), None)
    if line is None:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        return 1
    for k, v in json.loads(line[6:]).items():
        print(f"  {k:45s} {v:8.3f}" if isinstance(v, float) else f"  {k:45s} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
