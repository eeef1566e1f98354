"""The voice stage: translated text -> a synthesized clip per segment, fitted to its slot.

Caller side: pick each segment's voice (its speaker's voice for the language, or a default
that alternates across speakers), and skip segments whose clip is current (same cache key and
same slot). The worker synthesizes, normalizes loudness, fits (see ``dub.fit``) and stores the
audio inside the project file through its own connection; the caller installs the resulting
``VoiceClip`` records as edits. Re-voicing one segment is this stage with one segment id.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from taura_desktop.core import edits
from taura_desktop.core.model import Segment, VoiceClip, VoiceSpec, clip_basis
from taura_desktop.core.project import Project
from taura_desktop.core.store import ProjectStore
from taura_desktop.dub.fit import DEFAULT_MIN_GAP_MS, FitCaps, available_ms
from taura_desktop.engines.tts.espeak import EspeakEngine
from taura_desktop.engines.tts.xtts import XttsEngine, pick_reference, reference_key, require_license_accepted
from taura_desktop.errors import CancelledError, EngineUnavailableError, UsageError
from taura_desktop.jobs.messages import ProgressMsg, ResultMsg, TaskSpec, WorkerMsg
from taura_desktop.media.decode import decode_audio
from taura_desktop.pipeline.engines import model_store, tts_engine, tts_version
from taura_desktop.pipeline.stale import speed_caps, stale_reason

BATCH = 4  # segments per result message: progress and cancel granularity


@dataclass(frozen=True, slots=True)
class VoiceOptions:
    lang: str
    engine: str | None = None  # override every speaker's engine (espeak | piper | kokoro | xtts)
    only_missing: bool = False  # keep existing clips even if stale
    segment_ids: tuple[str, ...] | None = None  # re-voice only these
    max_speed: float | None = None  # None: the project's setting (default 1.25)
    hard_max_speed: float | None = None  # None: the project's setting (default 1.5)
    models_root: str | None = None
    xtts_license_accepted: bool = False


@dataclass(frozen=True, slots=True)
class VoiceItem:
    seg_id: str
    text: str
    voice: VoiceSpec
    slot: tuple[int, int, int | None]


@dataclass(frozen=True, slots=True)
class VoicePayload:
    project_path: str
    lang: str
    items: tuple[VoiceItem, ...]
    max_speed: float
    hard_max_speed: float
    models_root: str
    xtts_license_accepted: bool
    media: str | None = None
    references: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)  # voice-cloning clips


@dataclass(frozen=True, slots=True)
class VoicedChunk:
    lang: str
    clips: dict[str, VoiceClip]
    cached: int


def speaker_default_voice(project: Project, speaker_id: str | None, lang: str, engine: str | None = None,
                          models_root: str | None = None) -> VoiceSpec:
    """The default voice of ``speaker_id`` for ``lang``: a voice of ``engine`` (None: the best
    installed engine for the language), alternating across the project's speakers."""
    from taura_desktop.dub.voices import speaker_default  # lazy: +11 ms on --help

    return speaker_default(list(project.state.speakers), speaker_id or "", lang, engine,
                           models_root=models_root)


def speaker_voice(project: Project, speaker_id: str | None, lang: str, engine: str | None = None,
                  models_root: str | None = None) -> VoiceSpec:
    """The voice ``speaker_id`` speaks ``lang`` with: the speaker's chosen voice, else the default
    (the best installed engine for the language, alternating voices by speaker). ``engine``
    forces an engine (the chosen voice is kept when it is of that engine). The voice stage (CLI)
    and the editor's speakers panel both call this."""
    speaker = project.state.speakers.get(speaker_id or "")
    chosen = speaker.voices.get(lang) if speaker is not None else None
    if chosen is not None and chosen.voice and (engine is None or chosen.engine == engine):
        return chosen
    default = speaker_default_voice(project, speaker_id, lang,
                                    engine or (chosen.engine if chosen is not None else None), models_root)
    if chosen is None:
        return default
    # keep the person's rate/pitch settings on the default voice of the engine
    return replace(chosen, engine=default.engine, voice=default.voice)


def voice_for(project: Project, seg: Segment, lang: str, engine: str | None,
              models_root: str | None = None) -> VoiceSpec:
    """The voice of the segment's speaker for ``lang`` (see ``speaker_voice``)."""
    return speaker_voice(project, seg.speaker_id, lang, engine, models_root)


def clone_references(project: Project, items: list[VoiceItem]) -> dict[str, tuple[tuple[int, int], ...]]:
    """For each cloned (XTTS) voice, the source-audio ranges to clone from: the voice's chosen
    reference segments, else the speaker's clean segments picked automatically."""
    refs: dict[str, tuple[tuple[int, int], ...]] = {}
    for item in items:
        key = reference_key(item.voice)
        if key in refs:
            continue
        if item.voice.reference_segment_ids:
            segs = [
                project.state.segments[i]
                for i in item.voice.reference_segment_ids
                if i in project.state.segments
            ]
        else:
            speaker = project.segment(item.seg_id).speaker_id
            own = [s for s in project.segments() if s.speaker_id == speaker]
            picked = set(
                pick_reference([(s.id, s.start_ms, s.end_ms, "overlap" in s.flags) for s in own], None)
            )
            segs = [s for s in own if s.id in picked]
        refs[key] = tuple((s.start_ms, s.end_ms) for s in segs)
    return refs


def _set_clone_references(engine: XttsEngine, payload: VoicePayload) -> None:
    """Decode each cloned voice's reference ranges and hand them to the engine once."""
    if not payload.references or payload.media is None:
        return
    import numpy as np

    for key, ranges in payload.references.items():
        if not ranges:
            raise EngineUnavailableError(f"voice '{key}': no clean segment of this speaker to clone from")
        pieces = [decode_audio(payload.media, 24000, start_ms=a, end_ms=b) for a, b in ranges]
        engine.set_reference(key, np.concatenate(pieces), 24000)


def cheap_version(spec: VoiceSpec, models_root: str = "") -> str | None:
    """The engine version that goes into clip keys, known without loading a model (every
    engine alike). None when the engine or model is unavailable (the plan reports it)."""
    try:
        return tts_version(spec.engine, spec.voice, models_root)
    except EngineUnavailableError:
        return None


def check_voice_available(engine: str, voice: str, models_root: str, xtts_accepted: bool) -> None:
    """Exit-4 errors for a voice that cannot be used, checked without loading any model."""
    from taura_desktop.dub.voices import ENGINES  # lazy: +11 ms on --help

    if engine not in ENGINES:
        raise EngineUnavailableError(f"voice engine {engine!r}: unknown (use one of {', '.join(ENGINES)})")
    if engine == "espeak":
        if voice:
            espeak = tts_engine("espeak", "", "")
            assert isinstance(espeak, EspeakEngine)
            espeak.check_voice(voice)
    elif engine == "piper":
        model_store(models_root).path("piper", voice.partition("#")[0])
    elif engine == "kokoro":
        from taura_desktop.dub.voices import KOKORO_MODEL  # lazy: +11 ms on --help
        from taura_desktop.engines.tts.kokoro import voice_names  # lazy: +8 ms on --help

        names = voice_names(model_store(models_root).path("kokoro", KOKORO_MODEL))
        if voice and voice not in names:
            raise EngineUnavailableError(f"kokoro: unknown voice '{voice}' (voices: {', '.join(names)})")
    else:
        require_license_accepted(xtts_accepted)
        model_store(models_root).path("xtts", "xtts-v2")


def _slot(project: Project, seg: Segment) -> tuple[int, int, int | None]:
    _, nxt = project.state.neighbours(seg.id)
    return seg.start_ms, seg.end_ms, None if nxt is None else nxt.start_ms


class VoiceStage:
    name = "voice"
    pure_plan = True  # plan() only reads the project

    def __init__(self) -> None:
        self._run = os.urandom(4).hex()  # results of one run merge into one undo step

    def plan(self, project: Project, options: VoiceOptions) -> TaskSpec | None:
        from taura_desktop.dub.cache import clip_key  # lazy: loads scipy (+0.3 s)

        lang = options.lang
        if lang not in project.meta.target_langs:
            raise UsageError(f"{project.path}: has no {lang} translation to voice (translate first)")
        root = str(model_store(options.models_root).root)
        soft, hard = speed_caps(project)
        caps = (options.max_speed or soft, options.hard_max_speed or max(hard, options.max_speed or soft))
        ids = list(options.segment_ids) if options.segment_ids is not None else project.state.ids()
        items: list[VoiceItem] = []
        specs: dict[tuple[str, str | None], VoiceSpec] = {}  # one voice look-up per speaker
        for sid in ids:
            seg = project.segment(sid)
            tr = seg.translation(lang)
            if tr is None or not tr.text.strip():
                continue
            who = (seg.speaker_id or "", options.engine)
            spec = specs.get(who)
            if spec is None:
                spec = specs[who] = voice_for(project, seg, lang, options.engine, root)
            slot = _slot(project, seg)
            if tr.clip is not None and options.segment_ids is None:
                if options.only_missing:
                    continue
                version = cheap_version(spec, root)
                key = None if version is None else clip_key(tr.text, spec, version, 1.0, lang)
                fit = tr.clip.fit
                same_slot = fit is not None and fit.available_ms == _available(slot, fit.natural_ms, options)
                if tr.clip.key == key and same_slot and not stale_reason(project, seg, lang, caps):
                    continue
            items.append(VoiceItem(sid, tr.text, spec, slot))
        if not items:
            return None
        # fail fast (exit 4) on engines/voices that cannot be used, before any work starts,
        # without loading a model in this (possibly GUI) process
        for engine_name, voice in {(i.voice.engine, i.voice.voice) for i in items}:
            check_voice_available(engine_name, voice, root, options.xtts_license_accepted)
        return TaskSpec(
            self.name,
            VoicePayload(
                str(project.path),
                lang,
                tuple(items),
                caps[0],
                caps[1],
                root,
                options.xtts_license_accepted,
                project.meta.media.path if project.meta.media else None,
                clone_references(project, [i for i in items if i.voice.engine == "xtts"]),
            ),
        )

    def begin(self, project: Project) -> None:  # the plan changes nothing
        return None

    def apply(self, project: Project, item: VoicedChunk) -> None:
        edit = edits.set_clips(project.state, item.lang, item.clips)
        project.apply(replace(edit, merge_key=("job", self.name, self._run)))

    def finish(self, project: Project, summary: dict[str, Any]) -> dict[str, Any]:
        return summary


def _available(slot: tuple[int, int, int | None], natural_ms: int, options: VoiceOptions) -> int:
    return available_ms(slot[0], slot[1], slot[2], DEFAULT_MIN_GAP_MS, natural_ms)


def work(
    payload: VoicePayload, emit: Callable[[WorkerMsg], None], cancelled: Callable[[], bool]
) -> dict[str, Any]:
    from taura_desktop.dub.cache import VoiceJob, voice_segments  # lazy: loads scipy (+0.3 s)

    caps = FitCaps(max_speed=payload.max_speed, hard_max_speed=payload.hard_max_speed)
    store = ProjectStore.open_for_clips(payload.project_path)
    synthesized = cached = 0
    try:
        total = len(payload.items)
        groups: dict[tuple[str, str], list[VoiceItem]] = {}
        for it in payload.items:
            groups.setdefault((it.voice.engine, it.voice.voice), []).append(it)
        done = 0
        for (engine_name, voice), items in groups.items():
            engine = tts_engine(engine_name, voice, payload.models_root, payload.xtts_license_accepted)
            if isinstance(engine, XttsEngine):
                _set_clone_references(engine, payload)
            for start in range(0, len(items), BATCH):
                if cancelled():
                    raise CancelledError("voicing cancelled")
                batch = items[start : start + BATCH]
                jobs = [VoiceJob(i.text, payload.lang, i.voice, i.slot) for i in batch]
                results = voice_segments(engine, store, jobs, caps)
                clips = {
                    i.seg_id: replace(
                        clip, basis=clip_basis(i.text, i.voice, payload.max_speed, payload.hard_max_speed)
                    )
                    for i, (clip, _) in zip(batch, results, strict=True)
                }
                hits = sum(1 for _, was_cached in results if was_cached)
                cached += hits
                synthesized += len(batch) - hits
                emit(ResultMsg(VoicedChunk(payload.lang, clips, hits)))
                done += len(batch)
                emit(ProgressMsg(done, total, payload.lang))
    finally:
        store.close()
    return {"voiced": synthesized + cached, "synthesized": synthesized, "cached": cached}
