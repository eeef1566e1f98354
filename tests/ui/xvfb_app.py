"""Run the real editor window on an X display (Xvfb), play and seek with mpv, grab the screen.

Usage: python -m tests.ui.xvfb_app WORKDIR OUT.png   (prints one JSON line with the findings)
Run in a subprocess by tests/ui/test_xvfb.py so the test process keeps its offscreen platform.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tests.ui.xvfb_window import open_window, report

if TYPE_CHECKING:
    from PySide6.QtGui import QColor, QImage

SENTENCES = [
    ("Welcome back to the workshop.", "Bienvenidos de nuevo al taller."),
    ("Today we are building a small wooden box.", "Hoy construimos una pequeña caja de madera."),
    ("First, measure twice and cut once.", "Primero, mide dos veces y corta una."),
    ("Sand every edge until it feels smooth.", "Lija cada borde hasta que quede suave."),
    ("Glue the corners and let them dry overnight.", "Pega las esquinas y déjalas secar toda la noche."),
    ("Next time, we will add a lid.", "La próxima vez, añadiremos una tapa."),
]


def make_media(path: Path, seconds: int = 18) -> None:
    expr = "0.7*sin(2*PI*220*t)*abs(sin(PI*t*0.9))*(0.4+0.6*abs(sin(PI*t*0.13)))"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=640x360:rate=25:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"aevalsrc='{expr}':s=48000:d={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
            str(path),
        ],
        check=True,
        capture_output=True,
    )


def build_project(work: Path) -> Path:
    from taura_desktop.core import edits
    from taura_desktop.core.model import FitResult, FitStatus, Segment, Status, Translation, VoiceClip
    from taura_desktop.core.project import Project
    from taura_desktop.dub.fit import DEFAULT_MIN_GAP_MS, available_ms
    from taura_desktop.media.probe import fingerprint

    video = work / "workshop.mp4"
    make_media(video)
    path = work / "workshop.taura"
    project = Project.create(path, media=fingerprint(video), source_lang="en", target_langs=("es",))
    project.apply(edits.add_speaker(project.state, "Narrator", "nar"))
    project.apply(edits.add_speaker(project.state, "Guest", "gue"))
    segs = []
    t = 400
    statuses = (
        Status.APPROVED,
        Status.APPROVED,
        Status.NEEDS_REVIEW,
        Status.DRAFT,
        Status.DRAFT,
        Status.DRAFT,
    )
    fits = (
        FitStatus.OK,
        FitStatus.STRETCHED,
        FitStatus.OK,
        FitStatus.OVERFLOW,
        FitStatus.EXTENDED,
        FitStatus.OK,
    )
    for i, (en, es) in enumerate(SENTENCES):
        dur = 1700 + 120 * len(en) // 6
        natural = int(dur * (0.85 + 0.12 * (i % 3)))
        status = fits[i]
        speed = 1.18 if status is FitStatus.STRETCHED else (1.25 if status is FitStatus.OVERFLOW else 1.0)
        room = available_ms(t, t + dur, t + dur + 350 if i < len(SENTENCES) - 1 else None,
                            DEFAULT_MIN_GAP_MS, natural)  # as the voice stage computes it: not stale
        fit = FitResult(
            natural,
            speed,
            0,
            int(natural / speed),
            room,
            420 if status is FitStatus.OVERFLOW else 0,
            status,
        )
        clip = VoiceClip(f"c{i}", 24000, int(natural / speed), "espeak", fit)
        segs.append(
            Segment(
                f"seg{i}",
                t,
                t + dur,
                en,
                speaker_id="nar" if i % 3 else "gue",
                translations={"es": Translation(es, status=statuses[i], clip=clip)},
            )
        )
        t += dur + 350
    project.apply(edits.add_segments(project.state, segs))
    project.close()
    return path


def dark_fraction(img: QImage) -> float:
    from PySide6.QtGui import QImage

    img = img.convertToFormat(QImage.Format.Format_RGB32)
    w, h = img.width(), img.height()
    dark = total = 0
    for y in range(0, h, max(1, h // 40)):
        for x in range(0, w, max(1, w // 60)):
            c = img.pixelColor(x, y)
            total += 1
            if c.red() + c.green() + c.blue() < 45:
                dark += 1
    return dark / max(1, total)


def count_runs(img: QImage, y: int, colors: Sequence[QColor], x0: int) -> int:
    """Segments drawn along row ``y``: runs of pixels close to any of ``colors``."""

    def near(c: QColor, ref: QColor) -> bool:
        return abs(c.red() - ref.red()) + abs(c.green() - ref.green()) + abs(c.blue() - ref.blue()) < 40

    runs = 0
    last_hit = -100
    for x in range(x0, img.width()):
        c = img.pixelColor(x, y)
        if any(near(c, ref) for ref in colors):
            if x - last_hit > 4:  # a gap wider than the playhead line starts a new segment
                runs += 1
            last_hit = x
    return runs


def main() -> int:
    work, out = Path(sys.argv[1]), Path(sys.argv[2])
    project_path = build_project(work)
    xw = open_window(work, "taura-xvfb-test")
    w, pump = xw.window, xw.pump
    from PySide6.QtWidgets import QApplication

    from taura_desktop.ui.speakers_panel import speaker_palette
    from taura_desktop.ui.timeline import HEADER_W, SRC_COLOR, TrackKind

    pump(0.5)
    result: dict[str, object] = {}
    result["opened"] = w.open_project(project_path)
    result["mpv"] = w.player.available
    deadline = time.monotonic() + 15
    while (w.timeline._peaks is None or w.player.duration_ms == 0) and time.monotonic() < deadline:
        pump(0.1)
    result["peaks"] = w.timeline._peaks is not None
    result["duration_ms"] = w.player.duration_ms
    # play for a moment, then seek into the third segment and select it
    w.player.play()
    pump(1.2)
    result["played_to_ms"] = w.player.position_ms
    w.player.pause()
    assert w.project is not None
    seg = w.project.segment("seg2")
    w.select_segments(["seg2"])
    w._seek(seg.start_ms + 600)
    result["seek_target_ms"] = seg.start_ms + 600
    pump(1.5)
    result["position_ms"] = w.player.position_ms
    result["overlay"] = w.player.overlay_text
    w.timeline.zoom_to_fit()
    pump(0.3)

    screen = QApplication.primaryScreen()
    video = screen.grabWindow(int(w.player.surface.winId())).toImage()
    result["video_size"] = [video.width(), video.height()]
    result["video_dark_fraction"] = round(dark_fraction(video), 3)
    tl = w.timeline
    top_left = tl.mapToGlobal(tl.rect().topLeft())
    tl_img = screen.grabWindow(0, top_left.x(), top_left.y(), tl.width(), tl.height()).toImage()
    track = tl.track(TrackKind.SOURCE)
    # source clips are drawn in their speaker's colour (SRC_COLOR when a segment has none)
    colors = [SRC_COLOR, *speaker_palette(w.project).values()]
    result["timeline_segments"] = count_runs(tl_img, track.y + 6, colors, HEADER_W + 1)
    result["expected_segments"] = len(w.project.state)
    result["source_drawn"] = tl.last_paint.get("source_drawn")
    result["saved"] = xw.close(out)
    return report(result)


if __name__ == "__main__":
    raise SystemExit(main())
