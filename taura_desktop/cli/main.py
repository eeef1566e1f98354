"""The ``taura`` command: the pipeline headless, for batches and scripts.

Exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input (media, subtitles, project),
4 model or engine unavailable, 130 cancelled. Errors are one line on stderr, no traceback
(set TAURA_DEBUG=1 for one).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence

from taura_desktop.app.version import VersionAction
from taura_desktop.core.lock import set_holder_label
from taura_desktop.errors import ExitCode, TauraError, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _lang_list(value: str) -> list[str]:
    langs = [x.strip() for x in value.split(",") if x.strip()]
    if not langs:
        raise argparse.ArgumentTypeError("expected one or more language codes, e.g. es or es,fr")
    return langs


def build_parser() -> argparse.ArgumentParser:
    from taura_desktop.cli import (  # lazy: +0.45 s; they import cli.main
        batch_cmd,
        learn_cmds,
        models_cmd,
        project_cmds,
        stage_cmds,
    )

    parser = _Parser(prog="taura", description="Taura: offline video localization, headless.")
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument("-v", "--verbose", action="store_true", help="log engine details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    project_cmds.add_parsers(sub, _lang_list)
    stage_cmds.add_parsers(sub, _lang_list)
    learn_cmds.add_parsers(sub, _lang_list)
    models_cmd.add_parser(sub)
    batch_cmd.add_parser(sub, _lang_list)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    def run() -> int:
        parser = build_parser()
        args = parser.parse_args(argv)
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
        )
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return int(ExitCode.USAGE)
        set_holder_label(f"taura {args.command}")
        return int(args.func(args) or 0)

    return guarded(run)


def guarded(run: Callable[[], int]) -> int:
    """Run a command with the CLI's error handling: expected errors as one line on stderr with
    their exit code, Ctrl+C as 130, anything else as a one-line internal error (exit 1)."""
    try:
        return run()
    except TauraError as exc:
        print(f"taura: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("taura: cancelled", file=sys.stderr)
        return int(ExitCode.CANCELLED)
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("TAURA_DEBUG"):
            raise
        print(
            f"taura: internal error: {type(exc).__name__}: {exc} (TAURA_DEBUG=1 for details)", file=sys.stderr
        )
        return int(ExitCode.INTERNAL)


def print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    sys.exit(main())
