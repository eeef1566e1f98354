"""Projects: create one from a video, relink its media, import and export subtitles, ``info``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taura_desktop.app.qc import languages, qc_reports
from taura_desktop.core import edits
from taura_desktop.core.model import (
    MediaRef,
    Origin,
    ProjectMeta,
    Segment,
    Speaker,
    Status,
    Translation,
    new_id,
    text_hash,
)
from taura_desktop.core.project import Project
from taura_desktop.core.store import ProjectStore
from taura_desktop.errors import MediaError, SubtitleError, UsageError
from taura_desktop.media.probe import fingerprint, media_difference, probe, require_audio
from taura_desktop.pipeline.stale import stale_report
from taura_desktop.pipeline.transcribe import SOURCE_ORIGIN
from taura_desktop.pipeline.translate import MEMORY_ENGINE
from taura_desktop.subtitles.cues import project_cues
from taura_desktop.subtitles.io import (
    Cue,
    SubtitleImport,
    match_by_overlap,
    read_subtitles,
    write_subtitles,
)


def new_project(
    video: Path,
    out: Path,
    *,
    source_lang: str | None,
    targets: Sequence[str] = (),
    overwrite: bool = False,
    settings: Mapping[str, str] | None = None,
) -> Project:
    """Probe ``video`` (MediaError when unusable or without audio) and create ``out`` referring
    to it, with ``settings`` (engine choices) stored in the project."""
    info = probe(video)
    require_audio(info)
    ref = fingerprint(video, info)
    project = Project.create(
        out, media=ref, source_lang=source_lang, target_langs=tuple(targets), overwrite=overwrite
    )
    for key, value in (settings or {}).items():
        if value:
            project.apply(edits.set_setting(project.state, key, value), undoable=False)
    return project


def media_problem(project: Project) -> str | None:
    """None when the project's media is where it was and unchanged; else a one-line reason."""
    return _media_problem(project.path, project.meta.media)


def _media_problem(path: Path, media: MediaRef | None) -> str | None:
    why = None if media is None else media_difference(media)
    if media is None or why is None:
        return None
    state = "is missing" if why == "missing" else f"is {why}"
    return (f"{path}: its media {media.path} {state}; point the project at the right file "
            f"with 'taura relink {path} NEWPATH'")


def check_media(project: Project) -> None:
    """MediaError (exit 3) unless the project's media is the file it was made from."""
    problem = media_problem(project)
    if problem is not None:
        raise MediaError(problem)


class NotTheMediaError(MediaError):
    """``relink`` was given a file that is not the project's video; ``why`` says how it differs."""

    def __init__(self, message: str, why: str) -> None:
        super().__init__(message)
        self.why = why


def relink(project: Project, new_path: Path, *, force: bool = False) -> str | None:
    """Point the project at ``new_path`` (moved media). A different file is refused unless
    ``force`` (then its fingerprint replaces the old one). Returns how it differs, if it does."""
    info = probe(new_path)
    require_audio(info)
    ref = fingerprint(new_path, info)
    old = project.meta.media
    why = None if old is None else media_difference(old, new_path)
    if why is not None and not force:
        raise NotTheMediaError(
            f"{new_path}: not the media of {project.path}: {why}; --force to use it anyway", why)
    project.apply(edits.set_meta(project.state, "Relink media", media=ref), undoable=False)
    return why


@dataclass(frozen=True, slots=True)
class ImportSummary:
    cues: int
    segments_changed: int
    dropped_empty: int
    overlaps: int
    encoding: str
    format: str
    unmatched: int = 0
    encoding_confident: bool = True
    dropped_drawings: int = 0
    notes: tuple[str, ...] = ()




def import_subtitles(
    project: Project,
    path: Path,
    *,
    lang: str | None = None,
    as_translation: bool = False,
    encoding: str | None = None,
) -> ImportSummary:
    """Import a subtitle file as the source segments (replacing them) or, with
    ``as_translation``, as the ``lang`` translation of existing segments by time overlap."""
    fps = project.meta.media.fps if project.meta.media else None
    if as_translation:
        if not lang:
            raise UsageError("--as-translation needs --lang (the language of the subtitles)")
        if lang == project.meta.source_lang:
            raise UsageError(f"{lang} is the project's source language, not a translation")
        if not len(project):
            raise UsageError(f"{project.path}: has no segments to attach a translation to")
    hint = lang or (None if as_translation else project.meta.source_lang)
    imp = read_subtitles(path, encoding=encoding, fps=fps, lang=hint)
    usable = [c for c in imp.cues if c.end_ms > c.start_ms]
    if not usable:  # never replace segments with nothing
        raise SubtitleError(f"{path}: no usable cue ({_unusable(imp)}); the project was not changed")
    if as_translation:
        assert lang is not None
        targets = [(s.id, s.start_ms, s.end_ms) for s in project.segments()]
        texts = match_by_overlap(targets, usable)
        if not texts:
            raise SubtitleError(
                f"{path}: none of its {len(usable)} cues overlaps a segment in time; "
                "the project was not changed"
            )
        if lang not in project.meta.target_langs:
            project.apply(edits.add_target_langs(project.state, [lang]))
        pairs = []
        for sid, text in texts.items():
            seg = project.segment(sid)
            old = seg.translation(lang)
            if old is not None and old.text == text:
                continue  # unchanged line: keep its status and voice clip
            tr = Translation(
                text=text,
                origin=Origin.IMPORT,
                status=Status.NEEDS_REVIEW,
                source_hash=text_hash(seg.source_text),
                engine="import",
                clip=old.clip if old is not None else None,  # kept, and now stale: export re-voices it
            )
            pairs.append(seg.with_translation(lang, tr))
        project.apply(edits.replace_segments(project.state, pairs, f"Import {lang} subtitles"))
        return _summary(imp, len(pairs), unmatched=len(targets) - len(texts))
    segs = [
        Segment(
            id=new_id(),
            start_ms=c.start_ms,
            end_ms=c.end_ms,
            source_text=c.text,
            source_origin=Origin.IMPORT,
            flags=tuple(c.flags) + (("italic",) if c.italic else ()),
        )
        for c in usable
    ]
    if lang and project.meta.source_lang != lang:
        project.apply(edits.set_meta(project.state, "Set source language", source_lang=lang))
    project.apply(edits.replace_all_segments(project.state, segs, "Import subtitles"))
    project.apply(
        edits.set_setting(project.state, SOURCE_ORIGIN, f"subtitles:{Path(path).name}"), undoable=False
    )
    return _summary(imp, len(segs))


def _summary(imp: SubtitleImport, changed: int, unmatched: int = 0) -> ImportSummary:
    return ImportSummary(
        len(imp.cues),
        changed,
        imp.dropped_empty,
        imp.overlaps,
        imp.encoding,
        imp.format,
        unmatched=unmatched,
        encoding_confident=imp.encoding_confident,
        dropped_drawings=imp.dropped_drawings,
        notes=imp.notes,
    )


def _unusable(imp: SubtitleImport) -> str:
    parts = []
    if imp.dropped_empty:
        parts.append(f"{imp.dropped_empty} empty")
    if imp.dropped_drawings:
        parts.append(f"{imp.dropped_drawings} drawings")
    zero = sum(1 for c in imp.cues if c.end_ms <= c.start_ms)
    if zero:
        parts.append(f"{zero} without duration")
    parts.extend(imp.notes)
    return ", ".join(parts) or "the file holds no cues"


def cues_for(project: Project, lang: str | None) -> list[Cue]:
    """The project's cues in ``lang`` (None or the source language = source text)."""
    source = lang is None or lang == project.meta.source_lang
    if not source and lang not in project.meta.target_langs:
        raise UsageError(
            f"{project.path}: has no language {lang!r} (languages: {', '.join(languages(project))})"
        )
    return project_cues(project.state, None if source else lang)


def export_subtitles(project: Project, lang: str | None, out: Path, fmt: str | None = None) -> Path:
    code = lang or project.meta.source_lang or "und"
    return write_subtitles(cues_for(project, lang), out, fmt, lang=code)


SUMMARY_KEY = "summary:v2"


def from_memory(project: Project, lang: str) -> int:
    """Segments whose ``lang`` translation was filled from the translation memory."""
    return sum(
        1
        for s in project.segments()
        if (tr := s.translation(lang)) is not None and tr.engine == MEMORY_ENGINE and tr.text.strip()
    )


def summary(project: Project) -> dict[str, Any]:
    """The part of ``info`` that needs every segment: counts per stage, stale clips, QC."""
    counts = project.stage_counts()
    qc: dict[str, dict[str, int]] = {}
    for lang in languages(project):
        reports = qc_reports(project, lang)
        by_rule: dict[str, int] = {}
        for r in reports:
            for issue in r.issues:
                by_rule[issue.rule] = by_rule.get(issue.rule, 0) + 1
        qc[lang] = {"cues_with_issues": sum(1 for r in reports if r.issues), **by_rule}
    return {
        "segments": len(project),
        "targets": {
            lang: {
                **counts[lang],
                "stale": len(stale_report(project, lang).stale),
                "from_memory": from_memory(project, lang),
            }
            for lang in project.meta.target_langs
        },
        "qc": qc,
    }


def store_summary(project: Project) -> None:
    """Keep the summary of the project's current revision in the file (done when a project
    opened for writing closes), so ``info`` answers without loading every segment."""
    if project.read_only:
        return
    rev = project.store.revision()
    if _stored_summary(project.store, rev) is not None:
        return
    project.store.put_cache(SUMMARY_KEY, json.dumps({"revision": rev, **summary(project)}).encode())


def _stored_summary(store: ProjectStore, rev: int) -> dict[str, Any] | None:
    raw = store.get_cache(SUMMARY_KEY)
    try:
        data = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("revision") != rev:
        return None
    return data


Project.add_close_hook(store_summary)


def _info_doc(
    path: Path, meta: ProjectMeta, speakers: Sequence[Speaker], summ: dict[str, Any]
) -> dict[str, Any]:
    media = meta.media
    doc: dict[str, Any] = {
        "name": meta.name,
        "path": str(path),
        "segments": summ["segments"],
        "source_lang": meta.source_lang,
        "targets": {lang: summ["targets"][lang] for lang in meta.target_langs},
        "duration_ms": media.duration_ms if media else None,
        "media": None
        if media is None
        else {
            "path": media.path,
            "size": media.size,
            "has_video": media.has_video,
            "fps": media.fps,
            "width": media.width,
            "height": media.height,
        },
        "speakers": [{"id": s.id, "name": s.name} for s in speakers],
        "source_origin": meta.settings.get(SOURCE_ORIGIN),
        "qc": summ["qc"],
    }
    problem = _media_problem(path, media)
    if problem is not None:
        doc["media_problem"] = problem
    return doc


def info(project: Project) -> dict[str, Any]:
    """The ``taura info --json`` document (its summary is kept in the file for next time)."""
    rev = project.store.revision()
    stored = _stored_summary(project.store, rev)
    summ = stored if stored is not None else summary(project)
    if stored is None:
        project.store.keep_cache(SUMMARY_KEY, json.dumps({"revision": rev, **summ}).encode())
    return _info_doc(project.path, project.meta, list(project.state.speakers.values()), summ)


def quick_info(path: Path) -> dict[str, Any] | None:
    """The ``info`` document from the summary kept in the file, without loading the segments
    (read-only, so it works while another process writes); None when that summary is stale."""
    store = ProjectStore.open(Path(path), read_only=True)
    try:
        stored = _stored_summary(store, store.revision())
        if stored is None:
            return None
        meta, speakers = store.load_head()
        if set(meta.target_langs) - set(stored["targets"]):
            return None
        return _info_doc(store.path, meta, speakers, stored)
    finally:
        store.close()
