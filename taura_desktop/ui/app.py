"""Application entry point: ``taura-desktop [PROJECT.taura | VIDEO]``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTimer, QTranslator
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from taura_desktop.app.version import VersionAction
from taura_desktop.errors import MissingResourceError
from taura_desktop.paths import resource, resource_text, resources_root
from taura_desktop.ui.settings import Pref, Settings

ORG = "Taura"
APP = "Taura Desktop"
APP_ID = "io.github.tauradesktop.Taura"  # the .desktop file, AppStream id and icon name
log = logging.getLogger(__name__)


def _dark_palette() -> QPalette:
    pal = QPalette()
    base, window, text = QColor(30, 31, 34), QColor(43, 45, 48), QColor(223, 225, 229)
    pal.setColor(QPalette.ColorRole.Window, window)
    pal.setColor(QPalette.ColorRole.WindowText, text)
    pal.setColor(QPalette.ColorRole.Base, base)
    pal.setColor(QPalette.ColorRole.AlternateBase, QColor(38, 40, 43))
    pal.setColor(QPalette.ColorRole.Text, text)
    pal.setColor(QPalette.ColorRole.Button, window)
    pal.setColor(QPalette.ColorRole.ButtonText, text)
    pal.setColor(QPalette.ColorRole.ToolTipBase, window)
    pal.setColor(QPalette.ColorRole.ToolTipText, text)
    pal.setColor(QPalette.ColorRole.Highlight, QColor(53, 116, 240))
    pal.setColor(QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor(140, 143, 150))
    return pal


def apply_theme(app: QApplication, theme: str = "system") -> None:
    """Fusion style with the system's light/dark scheme (or a forced one)."""
    fusion = QStyleFactory.create("Fusion")
    if fusion is not None:
        app.setStyle(fusion)
    scheme = QGuiApplication.styleHints().colorScheme()
    dark = theme == "dark" or (theme == "system" and scheme == Qt.ColorScheme.Dark)
    app.setPalette(_dark_palette() if dark else app.style().standardPalette())
    try:
        app.setStyleSheet(resource_text("styles/app.qss"))
    except MissingResourceError as exc:  # a broken install: say so, run unstyled
        log.warning("%s", exc)


def install_translations(app: QApplication) -> None:
    locale = QLocale.system()
    qt = QTranslator(app)
    if qt.load(locale, "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
    i18n = resources_root().joinpath("i18n")
    if i18n.is_dir():
        ours = QTranslator(app)
        if ours.load(locale, "taura", "_", str(i18n)):
            app.installTranslator(ours)


def create_app(argv: Sequence[str]) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(list(argv))
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setApplicationDisplayName(APP)
    app.setDesktopFileName(APP_ID)
    try:
        app.setWindowIcon(QIcon(str(resource("icons/taura.svg"))))
    except MissingResourceError as exc:
        log.warning("%s", exc)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv if argv is None else [sys.argv[0] if sys.argv else "taura-desktop", *argv])
    parser = argparse.ArgumentParser(
        prog="taura-desktop", description="Taura Desktop video localization editor"
    )
    parser.add_argument(
        "path", nargs="?", help="a .taura project to open, or a video to start a project from"
    )
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument("--vo", help="mpv video output (default: gpu,x11; TAURA_MPV_VO also works)")
    parser.add_argument("--quit-after", type=int, default=0, metavar="MS", help=argparse.SUPPRESS)
    opts = parser.parse_args(args_in[1:])
    os.environ.setdefault("LC_NUMERIC", "C")
    app = create_app(args_in[:1])
    install_translations(app)
    settings = Settings()
    apply_theme(app, str(settings.get(Pref.THEME)))

    from taura_desktop.ui.main_window import MainWindow  # lazy: after QApplication (mpv needs it)

    window = MainWindow(settings, player_vo=opts.vo)
    window.show()
    if opts.path:
        path = Path(opts.path)
        if path.suffix == ".taura" or not path.exists():
            window.open_project(path)
        else:
            QTimer.singleShot(0, lambda: window.new_project(str(path)))
    if opts.quit_after:
        QTimer.singleShot(opts.quit_after, window.close)
    code = app.exec()
    settings.sync()
    return int(code)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
