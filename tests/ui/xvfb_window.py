"""The set-up the Xvfb drivers (``xvfb_app``, ``xvfb_loop``) share: the real editor window on
the X display, an event pump, the closing screenshot and the one ``RESULT`` line that
tests/ui/test_xvfb.py reads. Imported only inside the driver subprocess (it sets the xcb
platform)."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from taura_desktop.ui.main_window import MainWindow

RESULT_PREFIX = "RESULT "


@dataclass(slots=True)
class XvfbWindow:
    app: QApplication
    window: MainWindow

    def pump(self, seconds: float) -> None:
        """Run the event loop for ``seconds`` (mpv and the worker report through it)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.01)

    def close(self, screenshot: Path) -> bool:
        """Grab the whole window into ``screenshot`` (PNG), close it; whether the file was saved."""
        from PySide6.QtWidgets import QApplication

        geo = self.window.frameGeometry()
        shot = QApplication.primaryScreen().grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height())
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        saved = shot.save(str(screenshot), "PNG")
        self.window.close()
        self.pump(0.3)
        return bool(saved)


def open_window(work: Path, organization: str) -> XvfbWindow:
    """The light-themed main window, 1280x800 at the top left of the display, shown, with
    settings in ``work/settings.ini`` (never the user's own) and mpv drawing through x11."""
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PySide6.QtCore import QCoreApplication, QSettings

    from taura_desktop.ui.app import apply_theme, create_app

    app = create_app([sys.argv[0]])
    QCoreApplication.setOrganizationName(organization)
    apply_theme(app, "light")
    from taura_desktop.ui.main_window import MainWindow  # after the QApplication (mpv needs it)
    from taura_desktop.ui.settings import Settings

    settings = Settings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(settings, player_vo="x11")
    window.resize(1280, 800)
    window.move(0, 0)
    window.show()
    return XvfbWindow(app, window)


def report(result: dict[str, object]) -> int:
    """The findings as the one line the test parses (see :func:`read_result`)."""
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


def read_result(stdout: str) -> dict[str, Any] | None:
    """The last ``RESULT`` line of a driver's output, or None when it printed none."""
    lines = [ln for ln in stdout.splitlines() if ln.startswith(RESULT_PREFIX)]
    if not lines:
        return None
    data: dict[str, Any] = json.loads(lines[-1][len(RESULT_PREFIX) :])
    return data
