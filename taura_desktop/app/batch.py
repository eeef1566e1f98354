"""``taura batch``: many videos x many languages, each through the same stages as ``localize``,
with the stage work spread over a Ray cluster.

The driver (this process) owns every project: one thread per video in flight runs
:func:`localize` with cluster workers (:mod:`taura_desktop.pipeline.raypool`), so each
project and its outputs are written by the driver alone, and OUTDIR/<stem>/ holds exactly what
``taura localize VIDEO -o OUTDIR/<stem>`` writes. A failed video does not stop the others.

Resumable: ``OUTDIR/taura-batch.json`` records the videos that finished (with their languages);
a second run skips them, and the others resume from their projects like ``localize`` does.
"""

from __future__ import annotations

import csv
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taura_desktop.app.localize import LocalizeOptions, localize
from taura_desktop.atomic import write_text_atomic
from taura_desktop.errors import BadInputError, CancelledError, TauraError, UsageError
from taura_desktop.jobs import JobEvent
from taura_desktop.jobs.worker import Worker

VIDEO_SUFFIXES = (".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v", ".mpg", ".mpeg", ".ts")
DEFAULT_SUBS_PATTERN = "{stem}.{lang}.srt"
STATE_FILE = "taura-batch.json"
CSV_COLUMNS = ("video", "subs", "targets")


@dataclass(frozen=True, slots=True)
class BatchJob:
    video: Path
    targets: tuple[str, ...]
    subs: Path | None = None
    source_lang: str | None = None

    @property
    def stem(self) -> str:
        return self.video.stem


@dataclass
class VideoStatus:
    """What the driver knows about one video; updated from its thread, read by the display."""

    job: BatchJob
    state: str = "queued"  # queued, running, done, skipped, failed
    stage: str = ""
    steps_done: int = 0
    steps_total: int = 0
    error: str = ""
    exit_code: int = 0
    seconds: float = 0.0
    segments: int = 0
    outputs: list[str] = field(default_factory=list)


def _split_langs(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.replace(";", ",").split(",") if x.strip())


def find_subs(video: Path, pattern: str, targets: tuple[str, ...]) -> tuple[Path | None, str | None]:
    """Source subtitles beside ``video`` named by ``pattern`` ({stem}, {lang}); (path, lang).

    Subtitles in a target language are not a source. Several candidates are an error."""
    if "{stem}" not in pattern:
        raise UsageError(f"--subs-pattern {pattern}: needs {{stem}} (e.g. {DEFAULT_SUBS_PATTERN})")
    base = pattern.replace("{stem}", video.stem)
    if "{lang}" not in base:
        path = video.parent / base
        return (path, None) if path.is_file() else (None, None)
    head, tail = base.split("{lang}", 1)
    found: list[tuple[Path, str]] = []
    for path in sorted(video.parent.glob(f"{head}*{tail}")):
        rel = path.relative_to(video.parent).as_posix()
        lang = rel[len(head) : len(rel) - len(tail)] if tail else rel[len(head) :]
        if lang and "." not in lang and "/" not in lang and lang not in targets and path.is_file():
            found.append((path, lang))
    if len(found) > 1:
        names = ", ".join(p.name for p, _ in found)
        raise BadInputError(f"{video}: several source subtitles match {pattern} ({names})")
    return found[0] if found else (None, None)


def discover(
    source: Path, targets: tuple[str, ...], subs_pattern: str = DEFAULT_SUBS_PATTERN
) -> list[BatchJob]:
    """The jobs of a folder of videos or of a CSV (columns video, subs, targets)."""
    if not source.exists():
        raise BadInputError(f"{source}: no such file or folder")
    jobs = _from_folder(source, targets, subs_pattern) if source.is_dir() else _from_csv(source, targets)
    if not jobs:
        raise BadInputError(f"{source}: no videos found ({', '.join(VIDEO_SUFFIXES)})")
    seen: dict[str, Path] = {}
    for job in jobs:
        if job.stem in seen:
            raise BadInputError(f"{job.video}: same name as {seen[job.stem]} (outputs go to OUTDIR/<stem>)")
        seen[job.stem] = job.video
        if not job.targets:
            raise UsageError(f"{job.video}: no target language (--to xx or the CSV's targets column)")
    return jobs


def _from_folder(folder: Path, targets: tuple[str, ...], pattern: str) -> list[BatchJob]:
    jobs = []
    for video in sorted(folder.iterdir()):
        if video.is_file() and video.suffix.lower() in VIDEO_SUFFIXES:
            subs, lang = find_subs(video, pattern, targets)
            jobs.append(BatchJob(video.resolve(), targets, subs.resolve() if subs else None, lang))
    return jobs


def _from_csv(path: Path, targets: tuple[str, ...]) -> list[BatchJob]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{path}: cannot read the batch list ({exc})") from None
    rows = list(csv.DictReader(text.splitlines()))
    header = [c.strip() for c in (csv.DictReader(text.splitlines()).fieldnames or [])]
    if "video" not in header:
        raise BadInputError(f"{path}: not a batch list (a CSV with columns {', '.join(CSV_COLUMNS)})")
    jobs = []
    for n, row in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        if not row.get("video"):
            raise BadInputError(f"{path}:{n}: empty video")
        video = (path.parent / row["video"]).resolve()
        if not video.is_file():
            raise BadInputError(f"{path}:{n}: {row['video']}: no such video")
        subs = (path.parent / row["subs"]).resolve() if row.get("subs") else None
        if subs is not None and not subs.is_file():
            raise BadInputError(f"{path}:{n}: {row['subs']}: no such subtitle file")
        lang = _subs_lang(subs, video) if subs else None
        jobs.append(BatchJob(video, _split_langs(row.get("targets", "")) or targets, subs, lang))
    return jobs


def _subs_lang(subs: Path, video: Path) -> str | None:
    """``stem.xx.srt`` -> ``xx`` (None when the name carries no language)."""
    parts = subs.name.split(".")
    return parts[-2] if len(parts) >= 3 and 2 <= len(parts[-2]) <= 3 and parts[-2].isalpha() else None


# -- resumable state ---------------------------------------------------------------------------
class BatchState:
    """``OUTDIR/taura-batch.json``: finished videos and their languages (written by the driver,
    atomically)."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / STATE_FILE
        self._lock = threading.Lock()
        self.done: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self.done = dict(data.get("done", {}))
            except (OSError, ValueError, AttributeError) as exc:
                msg = f"{self.path}: unreadable batch state ({exc}); remove it to start over"
                raise BadInputError(msg) from None

    def finished(self, job: BatchJob) -> bool:
        entry = self.done.get(job.stem)
        return (
            entry is not None
            and entry.get("video") == str(job.video)
            and set(job.targets) <= set(entry.get("targets", []))
            and all(Path(p).exists() for p in entry.get("outputs", []))
        )

    def mark_done(self, job: BatchJob, outputs: list[str]) -> None:
        with self._lock:
            self.done[job.stem] = {
                "video": str(job.video),
                "targets": list(job.targets),
                "outputs": outputs,
                "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            write_text_atomic(self.path, json.dumps({"version": 1, "done": self.done}, indent=2))


# -- running -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class BatchOptions:
    out_dir: Path
    asr_model: str | None = None  # None: the best installed for the source language
    glossary: Path | None = None
    mt_engine: str = "auto"
    tts_engine: str = "espeak"
    mix: str = "duck"
    master_format: str = "mp4"
    source_lang: str | None = None


def steps_for(job: BatchJob) -> int:
    """Stage runs of one video: source (import or transcribe), translate, a voice run per
    language, the master and the subtitles."""
    return 2 + len(job.targets) + 2


def plan_batch(jobs: list[BatchJob], out_dir: Path) -> tuple[BatchState, list[VideoStatus]]:
    """The batch's state and a status per job; videos a previous run finished are ``skipped``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state = BatchState(out_dir)
    statuses = [VideoStatus(job, steps_total=steps_for(job)) for job in jobs]
    for st in statuses:
        if state.finished(st.job):
            st.state, st.steps_done = "skipped", st.steps_total
            st.outputs = list(state.done[st.job.stem].get("outputs", []))
    return state, statuses


def run_batch(
    state: BatchState,
    statuses: list[VideoStatus],
    opts: BatchOptions,
    workers: Callable[[], Worker],
    slots: int,
    on_update: Callable[[VideoStatus], None] | None = None,
    abort: Callable[[], None] | None = None,
) -> list[VideoStatus]:
    """Localize every queued video, ``slots`` at a time; never raises for one video's failure.
    On Ctrl+C, ``abort`` (e.g. killing the cluster workers) ends the videos in flight; their
    projects keep what was done, and :class:`CancelledError` is raised."""
    notify = on_update or (lambda _s: None)
    for st in statuses:
        notify(st)
    todo = [st for st in statuses if st.state == "queued"]

    def one(st: VideoStatus) -> None:
        job = st.job
        st.state = "running"
        notify(st)
        started = time.monotonic()

        def on_event(ev: JobEvent) -> None:
            st.stage = ev.stage
            if ev.kind == "finished":
                st.steps_done = min(st.steps_total, st.steps_done + 1)
            notify(st)

        lopts = LocalizeOptions(
            video=job.video,
            targets=job.targets,
            subs=job.subs,
            out_dir=opts.out_dir / job.stem,
            source_lang=job.source_lang or opts.source_lang,
            asr_model=opts.asr_model,
            glossary=opts.glossary,
            mt_engine=opts.mt_engine,
            tts_engine=opts.tts_engine,
            mix=opts.mix,
            master_format=opts.master_format,
        )
        try:
            result = localize(lopts, on_event=on_event, workers=workers)
        except TauraError as exc:
            st.state, st.error, st.exit_code = "failed", str(exc), int(exc.exit_code)
        except Exception as exc:  # one video's bug must not end the batch
            st.state, st.error, st.exit_code = "failed", f"internal error: {type(exc).__name__}: {exc}", 1
        else:
            outs = [str(p) for p in (result.project, result.master, *result.subtitles, result.qc_report) if p]
            st.state, st.steps_done, st.segments, st.outputs = "done", st.steps_total, result.segments, outs
            state.mark_done(job, outs)
        st.seconds = time.monotonic() - started
        notify(st)

    pool = ThreadPoolExecutor(max_workers=max(1, slots), thread_name_prefix="taura-batch")
    try:
        list(pool.map(one, todo))
    except KeyboardInterrupt:  # Ctrl+C or SIGTERM: stop the work, let each video's thread end
        if abort is not None:
            abort()
        pool.shutdown(wait=True, cancel_futures=True)
        raise CancelledError("batch cancelled: run the same command again to resume") from None
    pool.shutdown(wait=True)
    return statuses


def iter_failed(statuses: list[VideoStatus]) -> Iterator[VideoStatus]:
    return (s for s in statuses if s.state == "failed")
