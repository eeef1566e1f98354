"""Run a plain function on a worker thread and get its result back as Qt signals.

The function gets a ``report(value)`` callable for progress; ``progress``, ``done`` and
``failed`` are emitted from the worker thread and delivered (queued) on the GUI thread, since
this object lives there. Engine, decode and file work goes through here, never the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from taura_desktop.errors import first_line

Report = Callable[[Any], None]


def one_line(exc: BaseException) -> str:
    return first_line(exc)


class BackgroundCall(QObject):
    """One function run at a time per object (``busy`` tells); results carry the call's token."""

    progress = Signal(object, object)  # token, value given to report()
    done = Signal(object, object)  # token, result
    failed = Signal(object, str)  # token, one-line message

    def __init__(self, parent: QObject | None = None, name: str = "background") -> None:
        super().__init__(parent)
        self._name = name
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, fn: Callable[[Report], Any], token: object = None) -> None:
        def report(value: Any) -> None:
            self.progress.emit(token, value)

        def work() -> None:
            try:
                result = fn(report)
            except Exception as exc:  # every failure is shown as one line, never raised into Qt
                self.failed.emit(token, one_line(exc))
                return
            self.done.emit(token, result)

        self._thread = threading.Thread(target=work, name=self._name, daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Join the running call (tests and shutdown only); True when none is running."""
        t = self._thread
        if t is not None:
            t.join(timeout)
        return not self.busy
