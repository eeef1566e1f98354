"""Launcher used by packaging (the PyInstaller one-folder build): runs the editor, or the
``taura`` command when started under that name (the frozen folder has ``taura`` as a link to
``taura-desktop``). From a checkout it adds the repository root to sys.path first."""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path


def _main() -> int:
    multiprocessing.freeze_support()  # the jobs' worker processes use the spawn start method
    root = Path(__file__).resolve().parent.parent
    if not getattr(sys, "frozen", False) and (root / "taura_desktop").is_dir() and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    if os.path.basename(sys.argv[0]) in ("taura", "taura.exe"):
        from taura_desktop.cli.main import main as cli_main

        return cli_main(sys.argv[1:])
    if sys.argv[1:2] == ["--demo"]:  # the demo, from the frozen folder: taura-desktop --demo OUT_DIR
        from taura_desktop.demo import main as demo_main

        return demo_main(sys.argv[2:])
    from taura_desktop.ui.app import main

    return main(sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(_main())
