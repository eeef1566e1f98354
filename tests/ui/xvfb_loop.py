"""The review loop in the real window on an X display, driven by key events only.

Usage: python -m tests.ui.xvfb_loop WORKDIR OUT.png   (prints one JSON line with the findings)
Run in a subprocess by tests/ui/test_xvfb.py. A 3-segment project on a real video is voiced
with espeak in the worker; then, with keys: approve a segment (Alt+Down, Ctrl+Return), and fix
the next one: F2, type, Return, Ctrl+R (re-voice), Shift+P (hear this line's dub).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tests.ui.xvfb_window import open_window, report


def main() -> int:
    work, out = Path(sys.argv[1]), Path(sys.argv[2])
    from taura_desktop.core.model import Status, Translation
    from taura_desktop.media.probe import fingerprint
    from tests.ui.helpers import make_project, make_test_video

    video = make_test_video(work / "v.mp4", seconds=8.0, size="640x360")
    project_path = work / "loop.taura"
    make_project(project_path, 3, langs=("es",), voiced=False, media=fingerprint(video)).close()

    xw = open_window(work, "taura-xvfb-loop")
    w, pump = xw.window, xw.pump
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    from taura_desktop.ui.jobs_panel import StageRequest, stage_options

    def wait_jobs(limit: float = 90.0) -> None:
        end = time.monotonic() + limit
        pump(0.1)
        while w.jobs.busy and time.monotonic() < end:
            pump(0.05)

    keys: dict[str, int] = {"approve": 0, "fix": 0}

    def key(widget: QWidget, k: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
            count: str = "fix") -> None:
        QTest.keyClick(widget, k, mods)
        keys[count] += 1
        pump(0.05)

    result: dict[str, object] = {}
    result["opened"] = w.open_project(project_path)
    result["mpv"] = w.player.available
    pump(0.5)
    w.jobs.enqueue(StageRequest("voice", stage_options("voice", lang="es", engine="espeak"), "Voice es"))
    wait_jobs()
    p = w.project
    assert p is not None
    ids = [s.id for s in p.segments()]

    def es(sid: str) -> Translation:
        tr = p.state.segments[sid].translation("es")
        assert tr is not None  # every segment of the project has a Spanish translation
        return tr

    result["voiced"] = sum(1 for sid in ids if es(sid).clip is not None)
    w.activateWindow()
    w.table.setFocus()
    pump(0.2)

    # approve the first segment: select it, approve (and go to the next)
    key(w.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier, "approve")
    key(w.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier, "approve")
    result["approved"] = es(ids[0]).status is Status.APPROVED
    result["moved_to"] = w.current_id() == ids[1]

    # fix the second: edit, type, commit, re-voice, hear it
    before = es(ids[1]).clip
    key(w.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    result["editor"] = type(editor).__name__
    assert editor is not None, result
    QTest.keyClicks(editor, "Una frase corregida, algo mas larga que antes.")  # ASCII: QTest types no other
    key(editor, Qt.Key.Key_Return)
    pump(0.2)
    result["text"] = es(ids[1]).text
    result["stale_after_edit"] = w.proxy.index(1, 8).data()
    key(w.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    wait_jobs()
    after = es(ids[1]).clip
    result["clip_changed"] = before is not None and after is not None and before.key != after.key
    t0 = time.monotonic()
    key(w.table, Qt.Key.Key_P, Qt.KeyboardModifier.ShiftModifier)
    result["play_latency_s"] = round(time.monotonic() - t0, 3)
    dub = w.last_segment_dub
    result["dub_clip_is_new"] = dub is not None and after is not None and dub.clip_key == after.key
    result["segment_track"] = w.player.segment_track
    result["aid"] = int(w.player.mpv.aid) if w.player.mpv is not None and w.player.mpv.aid else None
    pump(1.0)
    result["keys"] = keys
    result["status_message"] = w.statusBar().currentMessage()
    result["saved"] = xw.close(out)
    result["temp_removed"] = dub is not None and not dub.path.exists()
    return report(result)


if __name__ == "__main__":
    raise SystemExit(main())
