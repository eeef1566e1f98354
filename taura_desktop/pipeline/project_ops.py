"""Project-level operations shared by the CLI and the editor (no Qt, no workers needed).

Creating a project from a video, importing subtitles as source segments or as a translation,
exporting one language's subtitles, QC reports and the ``info`` summary.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from taura_desktop.pipeline.stale import stale_report
from taura_desktop.segmentation.profiles import Profile, get_profile
from taura_desktop.segmentation.qc import QcInput, QcReport, check_cues
from taura_desktop.subtitles.io import (
    Cue,
    SubtitleImport,
    match_by_overlap,
    read_subtitles,
    write_subtitles,
)

if TYPE_CHECKING:
    from taura_desktop.media.peaks import Peaks

PROFILE_SETTING = "subtitle_profile"


def new_project(
    video: Path, out: Path, *, source_lang: str | None, targets: Sequence[str] = (), overwrite: bool = False
) -> Project:
    """Probe ``video`` (MediaError when unusable) and create ``out`` referring to it."""
    from taura_desktop.media.probe import fingerprint, probe, require_audio

    info = probe(video)
    require_audio(info)
    ref = fingerprint(video, info)
    return Project.create(
        out, media=ref, source_lang=source_lang, target_langs=tuple(targets), overwrite=overwrite
    )


def media_problem(project: Project) -> str | None:
    """None when the project's media is where it was and unchanged; else a one-line reason."""
    return _media_problem(project.path, project.meta.media)


def _media_problem(path: Path, media: MediaRef | None) -> str | None:
    from taura_desktop.media.probe import media_difference

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


def relink(project: Project, new_path: Path, *, force: bool = False) -> str | None:
    """Point the project at ``new_path`` (moved media). A different file is refused unless
    ``force`` (then its fingerprint replaces the old one). Returns how it differs, if it does."""
    from taura_desktop.media.probe import fingerprint, media_difference, probe, require_audio

    info = probe(new_path)
    require_audio(info)
    ref = fingerprint(new_path, info)
    old = project.meta.media
    why = None if old is None else media_difference(old, new_path)
    if why is not None and not force:
        raise MediaError(f"{new_path}: not the media of {project.path}: {why}; --force to use it anyway")
    project.apply(edits.set_meta(project.state, "Relink media", media=ref), undoable=False)
    return why


def profile_of(project: Project) -> Profile:
    name = str(project.meta.settings.get(PROFILE_SETTING, "netflix"))
    fps = project.meta.media.fps if project.meta.media else None
    return get_profile(name, fps)


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


SOURCE_ORIGIN = "source_origin"  # project setting: "asr:<model>" or "subtitles:<file name>"


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
    cues = []
    for s in project.segments():
        if source:
            text = s.source_text
        else:
            tr = s.translation(lang or "")
            text = tr.text if tr else ""
        if text.strip():
            cues.append(Cue(s.start_ms, s.end_ms, text, italic="italic" in s.flags))
    return cues


def languages(project: Project) -> list[str]:
    src = [project.meta.source_lang] if project.meta.source_lang else []
    return src + list(project.meta.target_langs)


def export_subtitles(project: Project, lang: str | None, out: Path, fmt: str | None = None) -> Path:
    code = lang or project.meta.source_lang or "und"
    return write_subtitles(cues_for(project, lang), out, fmt, lang=code)


def qc_inputs(project: Project, lang: str | None = None) -> tuple[str, list[QcInput]]:
    """The language code and the cues QC judges for ``lang`` (None = source). Cheap: the
    editor builds these on its thread and runs :func:`check_cues` on another."""
    source = lang is None or lang == project.meta.source_lang
    code = (project.meta.source_lang or "en") if source else (lang or "en")
    items = []
    for s in project.segments():
        if source:
            text = s.source_text
        else:
            tr = s.translation(code)
            if tr is None:
                continue
            text = tr.text
        items.append(QcInput(s.id, s.start_ms, s.end_ms, text))
    return code, items


def qc_reports(project: Project, lang: str | None = None) -> list[QcReport]:
    code, items = qc_inputs(project, lang)
    return check_cues(items, profile_of(project), code)


SUMMARY_KEY = "summary:v1"


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
            lang: {**counts[lang], "stale": len(stale_report(project, lang).stale)}
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


def approve(project: Project, seg_ids: Sequence[str], lang: str) -> None:
    """Approve translations and remember them in the user-wide translation memory."""
    from taura_desktop.paths import memory_path
    from taura_desktop.translation.memory import TranslationMemory

    project.apply(edits.set_status(project.state, seg_ids, lang, Status.APPROVED))
    src = project.meta.source_lang or ""
    rows = []
    for sid in seg_ids:
        seg = project.segment(sid)
        tr = seg.translation(lang)
        if tr is not None and tr.text.strip() and seg.source_text.strip():
            rows.append((src, lang, seg.source_text, tr.text))
    if rows:
        tm = TranslationMemory(memory_path())
        try:
            tm.add_many(rows)
        finally:
            tm.close()


PEAKS_BUCKET_MS = 10


def _peaks_key(project: Project, bucket_ms: int) -> str:
    media = project.meta.media
    if media is None:
        raise UsageError(f"{project.path}: the project has no media")
    return f"peaks:{media.head_sha1}:{media.size}:{bucket_ms}"


def cached_peaks(project: Project, bucket_ms: int = PEAKS_BUCKET_MS) -> Peaks | None:
    """The waveform peaks cached inside the project file, or None (absent or damaged)."""
    from taura_desktop.media.peaks import Peaks

    data = project.store.get_cache(_peaks_key(project, bucket_ms))
    if data is None:
        return None
    try:
        return Peaks.from_bytes(data)
    except ValueError:
        return None  # damaged cache entry: compute again


def store_peaks(project: Project, peaks: Peaks) -> None:
    project.store.put_cache(_peaks_key(project, peaks.bucket_ms), peaks.to_bytes())


def waveform_peaks(project: Project, bucket_ms: int = PEAKS_BUCKET_MS) -> Peaks:
    """The media's waveform peaks, computed once and cached inside the project file.
    Decoding is slow for long media: the editor calls the parts from a thread."""
    from taura_desktop.media.peaks import compute_peaks

    peaks = cached_peaks(project, bucket_ms)
    if peaks is None:
        media = project.meta.media
        assert media is not None
        peaks = compute_peaks(media.path, bucket_ms)
        store_peaks(project, peaks)
    return peaks
