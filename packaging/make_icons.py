"""Render the app icon (taura_desktop/resources/icons/taura.svg) to PNGs at the usual sizes,
laid out as a hicolor icon theme: OUT/hicolor/NxN/apps/APP_ID.png plus scalable/apps/APP_ID.svg
(and the same for the .taura project MIME icon).

    python packaging/make_icons.py OUT_DIR

Used by packaging/build.sh (frozen build) and packaging/install-desktop.sh; uses Qt's SVG
renderer, already a dependency.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

APP_ID = "io.github.tauradesktop.Taura"
MIME_ICON = "application-x-taura-project"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "taura_desktop" / "resources" / "icons" / "taura.svg"


def render(out_dir: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG}: not a valid SVG")
    written: list[Path] = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        for name in (APP_ID, MIME_ICON):
            sub = "apps" if name == APP_ID else "mimetypes"
            path = out_dir / "hicolor" / f"{size}x{size}" / sub / f"{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            if not image.save(str(path), "PNG"):
                raise SystemExit(f"{path}: cannot write")
            written.append(path)
    for name, sub in ((APP_ID, "apps"), (MIME_ICON, "mimetypes")):
        path = out_dir / "hicolor" / "scalable" / sub / f"{name}.svg"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SVG, path)
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python packaging/make_icons.py OUT_DIR")
    for p in render(Path(sys.argv[1])):
        print(p)
