"""The translate stage: source segments -> one translation per target language.

Caller side plans without changing the project: it picks the segments that need work
(missing, or stale because the source text changed — never a person's translation unless
forced), looks up exact matches a person approved in the translation memory, and checks every
pair has an engine (exit 4 otherwise). Only then ``begin`` adds the new languages and fills the
memory matches, before any engine runs. The worker
translates whole sentences in batches (see ``translation.sentences``) with the glossary's
terms protected, and sends results back chunk by chunk so a cancelled run keeps them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from taura_desktop.core import edits
from taura_desktop.core.model import GlossaryEntry, Origin, text_hash
from taura_desktop.core.project import Project
from taura_desktop.engines.mt.base import MtEngine
from taura_desktop.errors import CancelledError, UsageError
from taura_desktop.jobs.messages import ProgressMsg, ResultMsg, TaskSpec, WorkerMsg
from taura_desktop.paths import memory_path, user_glossary_path
from taura_desktop.pipeline.engines import choose_mt, model_store, mt_engine
from taura_desktop.segmentation import break_lines
from taura_desktop.segmentation.profiles import Profile, project_profile
from taura_desktop.translation.glossary import Glossary
from taura_desktop.translation.memory import TranslationMemory
from taura_desktop.translation.sentences import translate_cues

CHUNK_SEGMENTS = 200  # cues translated together (sentences are joined within a chunk)
#: Segments per result message: each is applied on the editor's GUI thread as one step, so it
#: stays small enough not to stall it (a 200-segment apply took ~0.4 s there).
RESULT_SEGMENTS = 25
#: ``Translation.engine`` of a translation filled from the translation memory.
MEMORY_ENGINE = "memory"


@dataclass(frozen=True, slots=True)
class TranslateOptions:
    langs: tuple[str, ...]
    engine: str = "auto"  # auto | argos | apertium
    only_missing: bool = False  # skip stale translations too
    force: bool = False  # also replace translations a person wrote
    segment_ids: tuple[str, ...] | None = None  # re-translate only these (editor action)
    models_root: str | None = None
    use_memory: bool = True


@dataclass(frozen=True, slots=True)
class LangJob:
    lang: str
    engine: str
    cues: tuple[tuple[str, str], ...]  # (segment id, source text)
    durations: dict[str, int]


@dataclass(frozen=True, slots=True)
class TranslatePayload:
    src: str
    jobs: tuple[LangJob, ...]
    glossary: tuple[GlossaryEntry, ...]
    models_root: str
    profile: Profile  # translations are broken into subtitle lines in the worker


@dataclass(frozen=True, slots=True)
class TranslatedChunk:
    lang: str
    engine: str
    texts: dict[str, str]
    flags: dict[str, tuple[str, ...]]


def _needs(project: Project, seg_id: str, lang: str, opts: TranslateOptions) -> bool:
    seg = project.segment(seg_id)
    if not seg.source_text.strip():
        return False
    tr = seg.translation(lang)
    if tr is None or not tr.text.strip():
        return True
    if opts.segment_ids is not None:
        return opts.force or tr.origin is not Origin.PERSON
    if tr.origin is Origin.PERSON and not opts.force:
        return False
    return not opts.only_missing and tr.source_hash != text_hash(seg.source_text)


def memory_hits(project: Project, lang: str, ids: list[str], opts: TranslateOptions) -> dict[str, str]:
    """Segments whose normalized source a person approved before (exact memory matches):
    id -> the remembered translation. Reads only."""
    if not opts.use_memory or opts.force or not ids:
        return {}
    path = memory_path()
    if not path.exists():
        return {}
    src = project.meta.source_lang or ""
    with TranslationMemory(path) as tm:
        found = {
            sid: tm.exact(src, lang, project.segment(sid).source_text, approved_only=True) for sid in ids
        }
    return {sid: text for sid, text in found.items() if text}


def glossary_entries(project: Project) -> tuple[GlossaryEntry, ...]:
    """The user-wide glossary, overridden term by term by the project's own."""
    user = Glossary.load(user_glossary_path()).entries  # a missing file is an empty glossary
    return Glossary([*user, *project.meta.glossary]).entries


class TranslateStage:
    name = "translate"
    pure_plan = True  # plan() only reads the project; begin() makes the changes

    def __init__(self) -> None:
        self._run = os.urandom(4).hex()  # results of one run merge into one undo step
        self._new_langs: list[str] = []  # planned: target languages begin() adds
        self._hits: dict[str, dict[str, str]] = {}  # planned: lang -> memory fills

    def plan(self, project: Project, options: TranslateOptions) -> TaskSpec | None:
        src = project.meta.source_lang
        if not src:
            raise UsageError(
                f"{project.path}: the source language is unknown; set it (taura new --source-lang)"
            )
        if not options.langs:
            raise UsageError("translate: no target language given (--to xx)")
        self._new_langs = [lang for lang in options.langs if lang not in project.meta.target_langs]
        self._hits = {}
        root = str(model_store(options.models_root).root)
        candidates = list(options.segment_ids) if options.segment_ids is not None else project.state.ids()
        jobs = []
        for lang in options.langs:
            if lang == src:
                raise UsageError(f"translate: {lang} is the source language")
            engine = choose_mt(options.engine, src, lang, root)  # exit 4 if no engine
            ids = [sid for sid in candidates if _needs(project, sid, lang, options)]
            hits = memory_hits(project, lang, ids, options)
            if hits:
                self._hits[lang] = hits
            ids = [sid for sid in ids if sid not in hits]
            if not ids:
                continue
            segs = [project.segment(sid) for sid in ids]
            jobs.append(
                LangJob(
                    lang=lang,
                    engine=engine,
                    cues=tuple((s.id, s.source_text) for s in segs),
                    durations={s.id: s.duration_ms for s in segs},
                )
            )
        if not jobs:
            return None
        payload = TranslatePayload(src, tuple(jobs), glossary_entries(project), root,
                                   project_profile(project.meta))
        return TaskSpec(self.name, payload)

    def begin(self, project: Project) -> None:
        """Add the new target languages and fill memory matches (the plan has passed)."""
        if self._new_langs:
            project.apply(edits.add_target_langs(project.state, self._new_langs))
        for lang, hits in self._hits.items():
            project.apply(edits.apply_engine_translations(project.state, lang, hits, engine=MEMORY_ENGINE))
        self._new_langs, self._hits = [], {}

    def apply(self, project: Project, item: TranslatedChunk) -> None:
        edit = edits.apply_engine_translations(
            project.state, item.lang, item.texts, engine=item.engine, flags=item.flags
        )
        project.apply(replace(edit, merge_key=("job", self.name, self._run)))

    def finish(self, project: Project, summary: dict[str, Any]) -> dict[str, Any]:
        return summary


def work(
    payload: TranslatePayload, emit: Callable[[WorkerMsg], None], cancelled: Callable[[], bool]
) -> dict[str, Any]:
    glossary = Glossary(payload.glossary)
    total = sum(len(j.cues) for j in payload.jobs)
    done = 0
    counts: dict[str, int] = {}
    for job in payload.jobs:
        engine = mt_engine(job.engine, payload.models_root)
        for start in range(0, len(job.cues), CHUNK_SEGMENTS):
            if cancelled():
                raise CancelledError("translation cancelled")
            chunk = job.cues[start : start + CHUNK_SEGMENTS]

            def translate(texts: list[str], lang: str = job.lang, eng: MtEngine = engine) -> list[str]:
                protected, holders = glossary.protect_batch(texts, payload.src, lang)
                out = eng.translate_batch(protected, payload.src, lang, cancel=cancelled)
                return [glossary.restore(t, h) for t, h in zip(out, holders, strict=True)]

            result = translate_cues(translate, chunk, job.durations, payload.src)
            texts = {sid: break_lines(r.text, payload.profile, job.lang) for sid, r in result.items()}
            flags: dict[str, tuple[str, ...]] = {}
            source = dict(chunk)
            for sid, r in result.items():
                lost = glossary.check(source[sid], r.text, payload.src, job.lang) if len(glossary) else []
                flags[sid] = r.flags + (("glossary",) if lost else ())
            ids = list(texts)
            for at in range(0, len(ids), RESULT_SEGMENTS):
                part = ids[at : at + RESULT_SEGMENTS]
                emit(ResultMsg(TranslatedChunk(job.lang, job.engine, {i: texts[i] for i in part},
                                               {i: flags[i] for i in part})))
            done += len(chunk)
            counts[job.lang] = counts.get(job.lang, 0) + len(chunk)
            emit(ProgressMsg(done, total, f"{job.lang} ({job.engine})"))
    return {"translated": counts}


def translate_texts(
    texts: Sequence[str], src: str, tgt: str, engine: str = "auto", models_root: str | None = None
) -> list[str]:
    """Translate a few texts in this process (previews, tests)."""
    root = str(model_store(models_root).root)
    return mt_engine(choose_mt(engine, src, tgt, root), root).translate_batch(list(texts), src, tgt)
