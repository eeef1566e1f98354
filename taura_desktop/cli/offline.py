"""``--offline``: no network for the rest of this process and every worker it starts."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys

from taura_desktop.modelstore.offline import offline_mode, set_offline

_offline_stack = contextlib.ExitStack()


def go_offline() -> None:
    """Offline mode for the rest of this process and every worker it starts: the network is
    blocked at the socket level (attempts are refused and reported on stderr at exit)."""
    set_offline(True)
    os.environ["TAURA_OFFLINE"] = "1"  # inherited by spawned workers
    if not _offline_stack._exit_callbacks:  # type: ignore[attr-defined]
        guard = _offline_stack.enter_context(offline_mode())

        def report() -> None:
            for a in guard.attempts:
                print(
                    f"taura: warning: offline mode blocked a network access: {a.kind} {a.target}",
                    file=sys.stderr,
                )

        atexit.register(report)
