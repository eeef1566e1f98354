"""``taura localize``: video in, dubbed master + subtitles + QC report out.

Every step is a resumable stage on a project kept in the output folder, so running the same
command again after a cancel or crash continues where it stopped instead of starting over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taura_desktop.app.projects import import_subtitles, new_project
from taura_desktop.app.qc import languages, qc_reports, write_qc_report
from taura_desktop.core import edits
from taura_desktop.core.project import Project
from taura_desktop.errors import BadInputError, CancelledError, UsageError
from taura_desktop.jobs import JobEvent
from taura_desktop.jobs.worker import Worker
from taura_desktop.media.probe import mp4_video_ok, probe
from taura_desktop.pipeline.deliver import ExportOptions
from taura_desktop.pipeline.diarize import STATE_KEY, DiarizeOptions, model_available
from taura_desktop.pipeline.stages import run_stage, stage_session
from taura_desktop.pipeline.transcribe import TranscribeOptions
from taura_desktop.pipeline.translate import TranslateOptions
from taura_desktop.pipeline.voice import VoiceOptions
from taura_desktop.translation.glossary import Glossary

SUBS_IMPORTED = "source_subtitles"  # project setting: the subtitle file imported as source


@dataclass(frozen=True, slots=True)
class LocalizeOptions:
    video: Path
    targets: tuple[str, ...]
    subs: Path | None = None
    out_dir: Path | None = None
    source_lang: str | None = None
    asr_model: str | None = None  # None: the best installed for the source language
    mt_engine: str = "auto"
    tts_engine: str | None = None  # None: the best installed engine for each language
    mix: str = "duck"
    master_format: str = "mp4"
    glossary: Path | None = None  # a glossary file merged into the project's glossary


@dataclass
class LocalizeResult:
    project: Path
    master: Path | None = None
    subtitles: list[Path] = field(default_factory=list)
    qc_report: Path | None = None
    segments: int = 0
    overflows: dict[str, int] = field(default_factory=dict)
    qc_issues: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"localized {self.segments} segments"]
        for lang, n in self.overflows.items():
            lines.append(f"  {lang}: {n} clips overflow their slot (see the editor or `taura qc`)")
        for lang, n in self.qc_issues.items():
            lines.append(f"  qc {lang}: {n} cues with issues")
        lines.append(f"project   {self.project}")
        if self.master:
            lines.append(f"master    {self.master}")
        for p in self.subtitles:
            lines.append(f"subtitles {p}")
        if self.qc_report:
            lines.append(f"qc report {self.qc_report}")
        lines.extend(f"problem   {p}" for p in self.problems)
        return "\n".join(lines)


def _merge_glossary(project: Project, path: Path) -> None:
    """Add the entries of a glossary file to the project's (the file wins per term); its
    terms also prime speech recognition, so names come out spelled right."""
    if not path.is_file():
        raise BadInputError(f"{path}: glossary file not found")
    merged = Glossary([*project.meta.glossary, *Glossary.load(path).entries]).entries
    if merged != tuple(project.meta.glossary):
        project.apply(edits.set_glossary(project.state, merged))


def _master_format(video: Path, wanted: str) -> str:
    """MKV when the source video cannot be copied into an MP4 (VP8, Theora ...)."""
    if wanted == "mp4" and not mp4_video_ok(probe(video)):
        return "mkv"
    return wanted


def _should_diarize(project: Project) -> bool:
    """Diarize when the speaker model is installed, unless a person assigned speakers."""
    if project.state.speakers and STATE_KEY not in project.meta.settings:
        return False
    return model_available()


def localize(
    opts: LocalizeOptions,
    on_event: Callable[[JobEvent], None] | None = None,
    workers: Callable[[], Worker] | None = None,
) -> LocalizeResult:
    """Run the pipeline on ``opts.video``. ``workers`` (e.g. cluster workers for ``taura batch``)
    gives a worker per stage run, and the target languages are then voiced concurrently; by
    default every stage runs in this process's shared worker, one after the other. The project
    is written here, by the caller, either way."""
    if not opts.targets:
        raise UsageError("localize: give at least one target language (--to xx)")
    video = Path(opts.video)
    out_dir = Path(opts.out_dir) if opts.out_dir else video.with_name(video.stem + "_localized")
    out_dir.mkdir(parents=True, exist_ok=True)
    project_path = out_dir / f"{video.stem}.taura"
    source_lang = opts.source_lang or ("en" if opts.subs else None)
    master_format = _master_format(video, opts.master_format)  # up front, not after all the work
    if project_path.exists():
        project = Project.open(project_path)  # resume
    else:
        project = new_project(video, project_path, source_lang=source_lang, targets=opts.targets)
    with project:
        if opts.glossary is not None:
            _merge_glossary(project, Path(opts.glossary))
        missing = [x for x in opts.targets if x not in project.meta.target_langs]
        if missing:
            project.apply(edits.add_target_langs(project.state, missing))
        if opts.subs is not None:
            if project.meta.settings.get(SUBS_IMPORTED) != str(Path(opts.subs).resolve()):
                import_subtitles(project, Path(opts.subs), lang=source_lang)
                project.apply(edits.set_setting(project.state, SUBS_IMPORTED, str(Path(opts.subs).resolve())))
        else:
            run_stage(
                project,
                "transcribe",
                TranscribeOptions(model=opts.asr_model, language=source_lang),
                on_event=on_event,
                worker=_worker(workers),
            )
        if _should_diarize(project):
            run_stage(
                project,
                "diarize",
                DiarizeOptions(tts_engine=opts.tts_engine),
                on_event=on_event,
                worker=_worker(workers),
            )
        run_stage(
            project,
            "translate",
            TranslateOptions(langs=opts.targets, engine=opts.mt_engine),
            on_event=on_event,
            worker=_worker(workers),
        )
        voices = [VoiceOptions(lang=lang, engine=opts.tts_engine) for lang in opts.targets]
        if workers is None:
            for vo in voices:
                run_stage(project, "voice", vo, on_event=on_event)
        else:
            run_stages(project, [("voice", vo) for vo in voices], workers, on_event=on_event)
        master = out_dir / f"{video.stem}.dubbed.{master_format}"
        summary = run_stage(
            project,
            "export",
            ExportOptions(master_format, str(master), opts.targets, opts.mix),
            on_event=on_event,
            worker=_worker(workers),
        )
        subs = run_stage(
            project,
            "export",
            ExportOptions("subtitles", str(out_dir / "subtitles"), opts.targets),
            on_event=on_event,
            worker=_worker(workers),
        )
        qc = write_qc_report(project, out_dir / "qc.json")
        counts = project.stage_counts()
        result = LocalizeResult(
            project=project_path,
            master=master,
            subtitles=[Path(p) for p in subs.get("outputs", []) if str(p).endswith(".srt")],
            qc_report=qc,
            segments=len(project),
            overflows={lang: counts[lang]["overflow"] for lang in opts.targets},
            qc_issues={
                lang: sum(1 for r in qc_reports(project, lang) if r.issues)
                for lang in languages(project)
            },
            problems=list(summary.get("problems", [])),
        )
    return result


def _worker(workers: Callable[[], Worker] | None) -> Worker | None:
    return workers() if workers is not None else None


def run_stages(
    project: Project,
    runs: list[tuple[str, Any]],
    workers: Callable[[], Worker],
    *,
    on_event: Callable[[JobEvent], None] | None = None,
) -> list[dict[str, Any]]:
    """Run several stages on one project at once, each in its own worker; results are applied
    here as they arrive (this thread owns the project). Raises the first error after every run
    has ended."""
    sessions = [stage_session(project, stage, options, workers()) for stage, options in runs]
    try:
        for s in sessions:
            for ev in s.start():
                if on_event:
                    on_event(ev)
        while not all(s.done for s in sessions):
            for s in sessions:
                for ev in s.poll(0.05 if not s.done else 0.0):
                    if on_event:
                        on_event(ev)
    except KeyboardInterrupt:
        for s in sessions:
            s.worker.kill()
        raise CancelledError("cancelled") from None
    errors = [s.error for s in sessions if s.error is not None]
    if errors:
        raise errors[0]
    return [s.summary for s in sessions]
