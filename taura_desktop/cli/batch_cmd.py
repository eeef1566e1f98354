"""``taura batch INPUT --to xx[,yy] -o OUTDIR [--cluster local|auto|ray://HOST:PORT] [--offline]
[--subs-pattern PATTERN]``: localize many videos on a Ray cluster."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from taura_desktop.app.batch import (
    DEFAULT_SUBS_PATTERN,
    BatchOptions,
    VideoStatus,
    discover,
    iter_failed,
    plan_batch,
    run_batch,
    steps_for,
)
from taura_desktop.cli.offline import go_offline
from taura_desktop.errors import ExitCode, UsageError

STATE_STYLE = {"done": "green", "skipped": "cyan", "failed": "red", "running": "yellow", "queued": "dim"}


def add_parser(sub: argparse._SubParsersAction[Any], lang_list: Callable[[str], list[str]]) -> None:
    p = sub.add_parser(
        "batch",
        help="localize a folder (or CSV list) of videos on a Ray cluster",
        description=(
            "Localize every video of INPUT (a folder: subtitles beside a video named by "
            "--subs-pattern are its source; or a CSV with columns video, subs, targets) into "
            "OUTDIR/<stem>/, as `taura localize` does, with the stages spread over a Ray cluster. "
            "Run it again to resume: finished videos are skipped."
        ),
    )
    p.add_argument("input", type=Path, help="a folder of videos or a CSV (video, subs, targets)")
    p.add_argument("--to", type=lang_list, required=True, help="target languages, e.g. es or es,fr")
    p.add_argument("-o", "--output", type=Path, required=True, help="OUTDIR: OUTDIR/<stem>/ per video")
    p.add_argument(
        "--cluster",
        default="local",
        help="local (start a Ray runtime for this run), auto (join the running cluster) or ray://HOST:PORT",
    )
    p.add_argument("--offline", action="store_true", help="never touch the network")
    p.add_argument(
        "--subs-pattern",
        default=DEFAULT_SUBS_PATTERN,
        help=f"source subtitles beside a video, with {{stem}} and {{lang}} (default {DEFAULT_SUBS_PATTERN})",
    )
    p.add_argument("--source-lang", default=None, help="spoken language when the subtitle name has none")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local Ray runtime (default: all)")
    p.add_argument(
        "--asr-model",
        default=None,
        help="speech recognition model (default: the best installed for the source language)",
    )
    p.add_argument("--glossary", type=Path, default=None, help="glossary JSON file merged into each project")
    p.add_argument("--mt-engine", choices=("auto", "argos", "apertium"), default="auto")
    p.add_argument("--tts-engine", choices=("espeak", "piper", "xtts"), default="espeak")
    p.add_argument("--mix", choices=("replace", "duck", "background"), default="duck")
    p.add_argument("--format", choices=("mp4", "mkv"), default="mp4")
    p.set_defaults(func=cmd_batch)


class BatchDisplay:
    """Rich progress across the batch on a terminal (one bar per video and one overall);
    one line per finished video otherwise."""

    def __init__(self, statuses_total: int, steps_total: int, live: bool | None = None) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.live = self.console.is_terminal if live is None else live
        self._lock = threading.Lock()
        self._tasks: dict[str, Any] = {}
        self._reported: set[str] = set()
        self.progress: Any = None
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("{task.description:<24}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[status]}"),
                console=self.console,
            )
            self._overall = self.progress.add_task(
                "batch", total=steps_total, status=f"{statuses_total} videos"
            )

    def __enter__(self) -> BatchDisplay:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def update(self, st: VideoStatus) -> None:
        with self._lock:
            stem = st.job.stem
            if self.progress is not None:
                task = self._tasks.get(stem)
                if task is None:
                    task = self._tasks[stem] = self.progress.add_task(
                        stem[:24], total=st.steps_total, status=""
                    )
                status = st.state if st.state != "running" else f"running {st.stage}"
                if st.state == "failed":
                    status = f"[red]failed[/red] {st.error[:60]}"
                self.progress.update(task, completed=st.steps_done, status=status)
                done = sum(t.completed for tid, t in enumerate(self.progress.tasks) if tid != self._overall)
                self.progress.update(self._overall, completed=done)
            elif st.state in ("done", "skipped", "failed") and stem not in self._reported:
                self._reported.add(stem)
                tail = f": {st.error}" if st.error else ""
                self.console.print(f"taura batch: {stem} {st.state}{tail}", highlight=False)


def summary_table(statuses: list[VideoStatus]) -> Any:
    from rich.table import Table

    table = Table(title="taura batch", show_lines=False)
    for col in ("video", "status", "languages", "segments", "time", "output / error"):
        table.add_column(col, overflow="fold")
    for st in statuses:
        style = STATE_STYLE.get(st.state, "")
        where = st.error or (st.outputs[1] if len(st.outputs) > 1 else "")
        table.add_row(
            st.job.video.name,
            f"[{style}]{st.state}[/{style}]" if style else st.state,
            ",".join(st.job.targets),
            str(st.segments) if st.state == "done" else "",
            f"{st.seconds:.1f}s" if st.seconds else "",
            where,
        )
    return table


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """``kill PID`` ends the batch like Ctrl+C: work stops, the Ray runtime shuts down, and the
    next run resumes."""

    def handler(_sig: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cmd_batch(args: argparse.Namespace) -> int:
    from rich.console import Console

    from taura_desktop.pipeline.raypool import (  # lazy: +6 ms on --help
        RayWorker,
        StagePool,
        actor_env,
        connect,
    )

    if args.cluster not in ("local", "auto") and not args.cluster.startswith("ray://"):
        raise UsageError(f"taura batch: --cluster {args.cluster}: use local, auto or ray://HOST:PORT")
    if args.num_cpus is not None and args.num_cpus < 1:
        raise UsageError(f"taura batch: --num-cpus {args.num_cpus}: at least 1")
    targets = tuple(args.to)
    jobs = discover(args.input, targets, args.subs_pattern)
    opts = BatchOptions(
        out_dir=args.output.resolve(),
        asr_model=args.asr_model,
        glossary=args.glossary.resolve() if args.glossary else None,
        mt_engine=args.mt_engine,
        tts_engine=args.tts_engine,
        mix=args.mix,
        master_format=args.format,
        source_lang=args.source_lang,
    )
    env = actor_env()
    if args.offline:
        env["TAURA_OFFLINE"] = "1"
    started = time.monotonic()
    state, statuses = plan_batch(jobs, opts.out_dir)
    if any(st.state == "queued" for st in statuses):
        with connect(args.cluster, num_cpus=args.num_cpus) as ray:
            if args.offline:
                go_offline()  # after joining the cluster: the engines never reach the network
            pool = StagePool(ray, env)
            print(f"taura batch: {len(jobs)} videos on {pool.shape.describe()}", file=sys.stderr)
            try:
                display = BatchDisplay(len(jobs), sum(steps_for(j) for j in jobs))
                with display, _sigterm_as_interrupt():
                    run_batch(
                        state, statuses, opts, lambda: RayWorker(pool), pool.slots, display.update,
                        abort=pool.shutdown,
                    )  # fmt: skip
            finally:
                pool.shutdown()
    Console().print(summary_table(statuses))
    failed = list(iter_failed(statuses))
    counts = {s: sum(1 for x in statuses if x.state == s) for s in ("done", "skipped", "failed")}
    print(
        f"{counts['done']} done, {counts['skipped']} skipped, {counts['failed']} failed "
        f"in {time.monotonic() - started:.1f}s"
    )
    for st in failed:
        print(f"taura: {st.job.video}: {st.error}", file=sys.stderr)
    return int(ExitCode.INTERNAL) if failed else 0
