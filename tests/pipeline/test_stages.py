"""The job layer with real stages: apertium translation and espeak voices in a worker."""

from __future__ import annotations

import os
import signal

import pytest

from taura_desktop.core import edits
from taura_desktop.core.model import Origin, Segment, VoiceSpec
from taura_desktop.core.project import Project
from taura_desktop.errors import CancelledError, EngineUnavailableError, ExitCode, TauraError
from taura_desktop.jobs import JobEvent
from taura_desktop.jobs.worker import Worker
from taura_desktop.pipeline.stages import run_stage, stage_session
from taura_desktop.pipeline.transcribe import TranscribeOptions
from taura_desktop.pipeline.translate import TranslateOptions
from taura_desktop.pipeline.voice import VoiceOptions


def test_translate_then_resume_skips_current_work(subs_project: Project, worker: Worker) -> None:
    events: list[JobEvent] = []
    summary = run_stage(
        subs_project,
        "translate",
        TranslateOptions(("es",), engine="apertium"),
        on_event=events.append,
        worker=worker,
    )
    assert summary["translated"]["es"] == len(subs_project)
    for seg in subs_project.segments():
        tr = seg.translation("es")
        assert tr is not None and tr.text.strip() and tr.engine == "apertium"
    progress = [e for e in events if e.kind == "progress" and e.total]
    assert progress and progress[-1].done == progress[-1].total
    # one job run = one undo step
    assert subs_project.undo_text == "Translate to es"
    again = run_stage(subs_project, "translate", TranslateOptions(("es",), engine="apertium"), worker=worker)
    assert again.get("skipped") is True
    # a changed source makes that one segment stale: only it is translated again
    first = subs_project.segments()[0]
    subs_project.apply(edits.set_source_text(subs_project.state, first.id, "Good morning."))
    third = run_stage(subs_project, "translate", TranslateOptions(("es",), engine="apertium"), worker=worker)
    assert third["translated"] == {"es": 1}
    assert "Buenos" in (subs_project.segment(first.id).translations["es"].text or "")


def test_person_edits_survive_engine_runs(subs_project: Project, worker: Worker) -> None:
    seg = subs_project.segments()[1]
    subs_project.apply(edits.set_translation_text(subs_project.state, seg.id, "es", "Mi traducción"))
    run_stage(subs_project, "translate", TranslateOptions(("es",), engine="apertium"), worker=worker)
    tr = subs_project.segment(seg.id).translation("es")
    assert tr is not None and tr.text == "Mi traducción" and tr.origin is Origin.PERSON


def test_missing_pair_fails_fast_with_exit_4(subs_project: Project, worker: Worker) -> None:
    with pytest.raises(EngineUnavailableError) as err:
        run_stage(subs_project, "translate", TranslateOptions(("ja",), engine="auto"), worker=worker)
    assert "en->ja" in str(err.value) and err.value.exit_code == ExitCode.ENGINE_UNAVAILABLE
    assert not worker.alive  # nothing was started


def test_missing_whisper_model_is_exit_4(subs_project: Project, worker: Worker) -> None:
    with pytest.raises(EngineUnavailableError, match="taura models"):
        run_stage(subs_project, "transcribe", TranscribeOptions(model="large-v3"), worker=worker)


def test_voice_cancel_keeps_finished_segments_and_resumes(subs_project: Project, worker: Worker) -> None:
    # 80 segments: long enough that the cancel lands while the worker is busy
    segs = [Segment(f"x{i:03d}", 40_000 + i * 3000, 40_000 + i * 3000 + 2500, f"line {i}") for i in range(80)]
    subs_project.apply(edits.add_segments(subs_project.state, segs))
    texts = {
        s.id: f"Esta es la frase número {i} del vídeo de prueba."
        for i, s in enumerate(subs_project.segments())
    }
    subs_project.apply(edits.apply_engine_translations(subs_project.state, "es", texts, engine="test"))
    session = stage_session(subs_project, "voice", VoiceOptions(lang="es"), worker=worker)
    session.start()
    while not session.done:
        events = session.poll(0.05)
        if any(e.kind == "progress" and e.done > 0 for e in events):
            session.cancel()
    assert isinstance(session.error, CancelledError)
    voiced = subs_project.stage_counts()["es"]["voiced"]
    assert 0 < voiced < len(subs_project)
    summary = run_stage(subs_project, "voice", VoiceOptions(lang="es"), worker=worker)
    assert summary["voiced"] == len(subs_project) - voiced
    assert subs_project.stage_counts()["es"]["voiced"] == len(subs_project)
    for seg in subs_project.segments():
        clip = seg.translations["es"].clip
        assert clip is not None and clip.fit is not None and clip.fit.offset_ms == 0
        assert subs_project.store.has_clip(clip.key)
    # everything current: nothing to do
    assert run_stage(subs_project, "voice", VoiceOptions(lang="es"), worker=worker).get("skipped")
    # a retime changes slots: those clips are re-fitted from the cache, not re-synthesized
    first, second = subs_project.segments()[:2]
    subs_project.apply(edits.set_times(subs_project.state, second.id, first.end_ms + 100, second.end_ms))
    again = run_stage(subs_project, "voice", VoiceOptions(lang="es"), worker=worker)
    assert again["voiced"] == again["cached"] == 2 and again["synthesized"] == 0
    # a text edit re-synthesizes only that segment
    subs_project.apply(edits.set_translation_text(subs_project.state, first.id, "es", "Hola de nuevo."))
    third = run_stage(subs_project, "voice", VoiceOptions(lang="es"), worker=worker)
    assert third["voiced"] == third["synthesized"] == 1


def test_worker_crash_is_a_clean_failure_and_the_next_job_works(
    subs_project: Project, worker: Worker
) -> None:
    run_stage(subs_project, "translate", TranslateOptions(("es",), engine="apertium"), worker=worker)
    before = subs_project.dump()
    session = stage_session(subs_project, "voice", VoiceOptions(lang="es"), worker=worker)
    session.start()
    assert worker._proc is not None and worker._proc.pid
    os.kill(worker._proc.pid, signal.SIGKILL)
    while not session.done:
        session.poll(0.1)
    assert isinstance(session.error, TauraError) and "ended unexpectedly" in str(session.error)
    # the project is intact (at most some finished clips were added) and a new job runs
    assert [s.id for s in subs_project.segments()] == [s["id"] for s in before["segments"]]
    summary = run_stage(subs_project, "voice", VoiceOptions(lang="es"), worker=worker)
    assert subs_project.stage_counts()["es"]["voiced"] == len(subs_project)
    assert summary["voiced"] >= 1


def test_engines_stay_loaded_across_jobs(subs_project: Project, worker: Worker) -> None:
    run_stage(subs_project, "translate", TranslateOptions(("es",), engine="apertium"), worker=worker)
    pid = worker._proc.pid if worker._proc else None
    run_stage(subs_project, "voice", VoiceOptions(lang="es"), worker=worker)
    assert worker._proc is not None and worker._proc.pid == pid


def test_unusable_voices_fail_fast_with_exit_4(subs_project: Project, worker: Worker) -> None:
    texts = {s.id: "Hola." for s in subs_project.segments()}
    subs_project.apply(edits.apply_engine_translations(subs_project.state, "es", texts, engine="test"))
    with pytest.raises(EngineUnavailableError, match="piper"):
        run_stage(subs_project, "voice", VoiceOptions(lang="es", engine="piper"), worker=worker)
    subs_project.apply(edits.add_speaker(subs_project.state, "Ann", "ann"))
    subs_project.apply(edits.set_speaker(subs_project.state, subs_project.state.ids(), "ann"))
    subs_project.apply(edits.set_voice(subs_project.state, "ann", "es", VoiceSpec("espeak", "no-such-voice")))
    with pytest.raises(EngineUnavailableError, match="no-such-voice"):
        run_stage(subs_project, "voice", VoiceOptions(lang="es"), worker=worker)
    with pytest.raises(EngineUnavailableError, match=r"(?i)licen"):
        run_stage(subs_project, "voice", VoiceOptions(lang="es", engine="xtts"), worker=worker)
    assert not worker.alive
