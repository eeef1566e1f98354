"""``--version`` for both entry points (``taura`` and ``taura-desktop``).

The report (:func:`taura_desktop.engines.versions.version_report`) runs a few short commands,
so it is built only when the option is given. argparse writes it to stdout and exits 0, as its
own ``--version`` and ``--help`` do (``parser.exit(message=...)`` would send it to stderr).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from taura_desktop.engines.versions import version_report


class VersionAction(argparse.Action):
    """``parser.add_argument("--version", action=VersionAction)``."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kw: Any) -> None:
        kw.setdefault("help", "show the version and the engines found, then exit")
        super().__init__(option_strings, dest=dest, nargs=0, default=argparse.SUPPRESS, **kw)

    def __call__(
        self, parser: argparse.ArgumentParser, ns: argparse.Namespace, values: Any, opt: str | None = None
    ) -> None:
        parser._print_message(version_report(parser.prog) + "\n", sys.stdout)
        parser.exit(0)
