"""Terminal progress for long work: a rich progress bar on a TTY, silence when piped."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from taura_desktop.jobs.messages import JobEvent


class StageProgress:
    """Context manager giving an ``on_event`` callback for :func:`run_stage`."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}

    def __enter__(self) -> StageProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description:<12}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[note]}"),
                console=Console(stderr=True),
                transient=False,
            )
            self._progress.__enter__()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(et, ev, tb)

    def on_event(self, ev: JobEvent) -> None:
        if ev.kind == "warning":
            print(f"taura: warning: {ev.message}", file=sys.stderr)
            return
        if self._progress is None:
            return
        task = self._tasks.get(ev.stage)
        if task is None:
            task = self._tasks[ev.stage] = self._progress.add_task(ev.stage, total=None, note="")
        if ev.kind == "progress":
            self._progress.update(task, completed=ev.done, total=ev.total or None, note=ev.message[:40])
        elif ev.kind == "finished":
            total = self._progress.tasks[task].total or 1
            self._progress.update(task, completed=total, total=total, note=ev.message)
