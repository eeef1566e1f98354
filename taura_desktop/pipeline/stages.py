"""The stage registry: a stage's name -> its caller-side class and its worker function.

``stage_session`` and ``run_stage`` run a stage by name (the CLI, the editor and the
application layer call these; the job layer below knows no stage by name).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError
from taura_desktop.jobs import JobEvent, Stage, StageSession, run_session
from taura_desktop.jobs.worker import Worker, WorkFn, shared_worker
from taura_desktop.pipeline import deliver, diarize, transcribe, translate, voice

#: What a stage run takes (None: the stage's defaults, where it has any).
StageOptions = (
    transcribe.TranscribeOptions
    | diarize.DiarizeOptions
    | translate.TranslateOptions
    | voice.VoiceOptions
    | deliver.ExportOptions
)

STAGES: dict[str, Callable[[], Stage]] = {
    "transcribe": transcribe.TranscribeStage,
    "diarize": diarize.DiarizeStage,
    "translate": translate.TranslateStage,
    "voice": voice.VoiceStage,
    "export": deliver.ExportStage,
}

WORK: dict[str, WorkFn] = {
    "transcribe": transcribe.work,
    "diarize": diarize.work,
    "translate": translate.work,
    "voice": voice.work,
    "export": deliver.work,
}


def stage_session(
    project: Project, name: str, options: StageOptions | None = None, worker: Worker | None = None
) -> StageSession:
    """A fresh session of the stage ``name`` (TauraError when there is no such stage)."""
    factory = STAGES.get(name)
    if factory is None:
        raise TauraError(f"unknown stage {name!r} (known: {', '.join(STAGES)})")
    return StageSession(project, factory(), WORK[name], options, worker or shared_worker())


def run_stage(
    project: Project,
    name: str,
    options: StageOptions | None = None,
    *,
    on_event: Callable[[JobEvent], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
    worker: Worker | None = None,
) -> dict[str, Any]:
    """Run the stage ``name`` to the end (blocking). Raises its TauraError on failure/cancel."""
    session = stage_session(project, name, options, worker)
    return run_session(session, on_event=on_event, should_cancel=should_cancel)
