"""Launcher used by packaging (PyInstaller/AppImage/briefcase): runs the editor from a checkout
or a frozen bundle. Adds the repository root to sys.path, then calls taura_desktop.ui.app:main."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path


def _main() -> int:
    multiprocessing.freeze_support()  # the jobs' worker processes use the spawn start method
    root = Path(__file__).resolve().parent.parent
    if (root / "taura_desktop").is_dir() and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from taura_desktop.ui.app import main

    return main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(_main())
