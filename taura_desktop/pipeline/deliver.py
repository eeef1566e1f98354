"""The export stage: a project's clips and texts -> masters, subtitles, stems, timelines.

Runs in the worker like every heavy stage (ffmpeg does most of the work; cancel kills it and
no finished-looking file is left). The worker reads the project through its own read
connection, so the editor keeps working while an export runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taura_desktop.core.project import Project, ProjectState
from taura_desktop.core.store import ProjectStore
from taura_desktop.errors import BadInputError, CancelledError, MediaError, TauraError, UsageError
from taura_desktop.jobs.messages import ProgressMsg, TaskSpec, WarningMsg, WorkerMsg
from taura_desktop.languages import language_name
from taura_desktop.media.audio_io import from_int16, write_wav
from taura_desktop.modelstore.store import ModelStore
from taura_desktop.paths import cache_dir
from taura_desktop.pipeline.stale import describe, stale_report
from taura_desktop.subtitles.cues import project_cues
from taura_desktop.subtitles.io import write_subtitles

if TYPE_CHECKING:
    from taura_desktop.export.render import DubTrack  # loads scipy

KINDS = ("mp4", "mkv", "stems", "otio", "burn", "subtitles")
MASTER_KINDS = ("mp4", "mkv")  # dubbed master videos
MIXED_KINDS = (*MASTER_KINDS, "stems")  # kinds whose audio is mixed (mix mode, loudness)
VOICED_KINDS = (*MIXED_KINDS, "otio")  # kinds that carry the dub audio
MEDIA_KINDS = (*VOICED_KINDS, "burn")  # kinds that need the project's media
LOUDNESS = {"broadcast": -23.0, "web": -16.0}


@dataclass(frozen=True, slots=True)
class ExportOptions:
    kind: str  # one of KINDS
    output: str  # file (master, burn, otio) or folder (stems, subtitles)
    langs: tuple[str, ...] = ()  # default: all targets
    mix: str = "duck"
    loudness: str = "broadcast"
    subtitle_formats: tuple[str, ...] = ("srt", "vtt", "ass", "ttml")
    allow_stale: bool = False  # only for the editor's preview mix: never for a delivered file


@dataclass(frozen=True, slots=True)
class ExportPayload:
    project_path: str
    options: ExportOptions


class ExportStage:
    name = "export"
    pure_plan = True  # plan() only reads the project

    def plan(self, project: Project, options: ExportOptions) -> TaskSpec | None:
        if options.kind not in KINDS:
            raise UsageError(f"export: unknown kind {options.kind!r} (use one of {', '.join(KINDS)})")
        langs = options.langs or project.meta.target_langs
        unknown = [x for x in langs if x not in project.meta.target_langs]
        if unknown:
            raise UsageError(f"{project.path}: has no target language {', '.join(unknown)}")
        if options.kind in MEDIA_KINDS:
            media = project.meta.media
            if media is None or not Path(media.path).is_file():
                where = media.path if media else str(project.path)
                raise MediaError(f"{where}: the project's video is missing (moved or deleted?)")
        if options.mix == "background" and options.kind in MIXED_KINDS:
            ModelStore().path("separation", "htdemucs")  # exit 4 with how to get it
        if options.kind == "burn" and len(langs) != 1:
            raise UsageError("export burn: choose exactly one language (--lang xx)")
        if options.kind in VOICED_KINDS and not options.allow_stale:
            for lang in langs:
                report = stale_report(project, lang)
                if report.to_voice:
                    raise BadInputError(f"{project.path}: {describe(report)}: re-voice them before exporting")
        return TaskSpec(self.name, ExportPayload(str(project.path), replace(options, langs=tuple(langs))))

    def begin(self, project: Project) -> None:  # the plan changes nothing
        return None

    def apply(self, project: Project, item: Any) -> None:  # exports change nothing in the project
        return None

    def finish(self, project: Project, summary: dict[str, Any]) -> dict[str, Any]:
        return summary


# -- worker side ---------------------------------------------------------------------------------


def dub_tracks(state: ProjectState, store: ProjectStore, langs: Sequence[str]) -> list[DubTrack]:
    """One DubTrack per language with every voiced clip as placed (fitted audio).

    No audio is read here: each clip is read from the project when the mix reaches it
    (its length comes from the store), so a feature-length dub never sits in memory."""
    import threading

    import numpy as np

    from taura_desktop.dub.cache import placed_key  # lazy: loads scipy (+0.3 s)
    from taura_desktop.export.render import DubTrack, PlacedClip  # lazy: loads scipy (+0.3 s)

    lock = threading.Lock()  # the mixer may read clips from worker threads: one connection

    def loader(key: str) -> Callable[[], np.ndarray]:
        def load() -> np.ndarray:
            with lock:
                got = store.get_clip(key)
            if got is None:
                raise MediaError(f"{store.path}: voice clip {key} is missing from the project")
            return from_int16(got[1])
        return load

    tracks = []
    for lang in langs:
        clips = []
        for seg in state.ordered():
            tr = seg.translation(lang)
            if tr is None or tr.clip is None:
                continue
            key, sr, frames = placed_key(store, tr.clip)
            offset = tr.clip.fit.offset_ms if tr.clip.fit else 0
            clips.append(PlacedClip(seg.start_ms + offset, None, sr, load=loader(key), frames=frames))
        tracks.append(DubTrack(lang, f"{language_name(lang)} (dub)", clips))
    return tracks


def write_subtitle_set(
    state: ProjectState, out_dir: Path, stem: str, langs: Sequence[str], formats: Sequence[str]
) -> list[Path]:
    """Subtitles for the source and every language in ``langs``, in every format."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    source = state.meta.source_lang or "und"
    for lang in [source, *langs]:
        cues = project_cues(state, None if lang == source else lang)
        for fmt in formats:
            written.append(write_subtitles(cues, out_dir / f"{stem}.{lang}.{fmt}", fmt, lang=lang))
    return written


def work(
    payload: ExportPayload, emit: Callable[[WorkerMsg], None], cancelled: Callable[[], bool]
) -> dict[str, Any]:
    store = ProjectStore.open_for_clips(payload.project_path)
    try:
        loaded = store.load()
        state = ProjectState(loaded.meta, loaded.speakers, loaded.segments)
        return export(state, store, payload.options, emit, cancelled)
    finally:
        store.close()


def export(
    state: ProjectState,
    store: ProjectStore,
    o: ExportOptions,
    emit: Callable[[WorkerMsg], None],
    cancelled: Callable[[], bool],
) -> dict[str, Any]:
    from taura_desktop.export.mix import MixSettings  # lazy: loads scipy (+0.3 s)

    out = Path(o.output)
    langs = list(o.langs)

    def progress(fraction: float, what: str) -> None:
        if cancelled():
            raise CancelledError("export cancelled")
        emit(ProgressMsg(int(fraction * 1000), 1000, what))

    settings = MixSettings(mode=o.mix, target_lufs=LOUDNESS.get(o.loudness, -23.0))  # type: ignore[arg-type]
    media = state.meta.media
    outputs: list[str] = []
    problems: list[str] = []
    if o.kind == "subtitles":
        paths = write_subtitle_set(state, out, state.meta.name, langs, o.subtitle_formats)
        return {"outputs": [str(p) for p in paths], "problems": []}
    assert media is not None
    video = Path(media.path)
    background: Path | None = None
    stage_progress = progress
    if o.mix == "background" and o.kind in MIXED_KINDS:
        from taura_desktop.pipeline.separate import background_stem  # lazy: +20 ms on --help

        background = background_stem(
            video,
            f"{media.head_sha1}-{media.size}",
            cache_dir() / "separation",
            None,
            progress=lambda f, what: progress(0.5 * f, what),
            cancel=cancelled,
        )

        def stage_progress(fraction: float, what: str) -> None:
            progress(0.5 + 0.5 * fraction, what)

    if o.kind in ("mp4", "mkv"):
        from taura_desktop.export.master import SubtitleTrack, export_master  # lazy: loads scipy (+0.3 s)

        sub_fmt = "srt" if o.kind == "mp4" else "ass"
        from taura_desktop.export.atomic import scratch_dir  # lazy: loads scipy (+0.3 s)

        with scratch_dir(out) as scratch:
            subs = write_subtitle_set(state, scratch, "subs", langs, [sub_fmt])
            source = state.meta.source_lang or "und"
            tracks = [
                SubtitleTrack(
                    p.name.split(".")[1],
                    _sub_title(p.name.split(".")[1], source),
                    p,
                    is_source=p.name.split(".")[1] == source,
                )
                for p in subs
            ]
            report = export_master(
                video,
                out,
                dub_tracks(state, store, langs),
                tracks,
                settings,
                original_lang=state.meta.source_lang,
                progress=stage_progress,
                cancel=cancelled,
                background=background,
            )
        outputs.append(str(report.path))
        problems.extend(report.problems)
    elif o.kind == "burn":
        from taura_desktop.export.atomic import scratch_dir  # lazy: loads scipy (+0.3 s)
        from taura_desktop.export.burnin import burn_in  # lazy: loads scipy (+0.3 s)

        with scratch_dir(out) as scratch:
            # sources first, then the chosen language: its file is the last one written
            sub = write_subtitle_set(state, scratch, "burn", langs[:1], ["ass"])[-1]
            outputs.append(str(burn_in(video, sub, out, progress=progress, cancel=cancelled)))
    elif o.kind == "stems":
        from taura_desktop.export.stems import export_stems  # lazy: loads scipy (+0.3 s)

        out.mkdir(parents=True, exist_ok=True)
        stems = export_stems(
            out,
            video=video,
            dub_tracks=dub_tracks(state, store, langs),
            settings=settings,
            duration_ms=media.duration_ms,
            progress=stage_progress,
            cancel=cancelled,
            background=background,
        )
        outputs.extend(str(p) for p in stems.values())
    elif o.kind == "otio":
        outputs.extend(str(p) for p in _export_otio(state, store, out, langs, progress, problems))
    for problem in problems:
        emit(WarningMsg(problem))
    return {"outputs": outputs, "problems": problems}


def _sub_title(lang: str, source: str) -> str:
    return f"{language_name(lang)}{' (original)' if lang == source else ''}"


def _export_otio(
    state: ProjectState,
    store: ProjectStore,
    out: Path,
    langs: Sequence[str],
    progress: Callable[[float, str], None],
    problems: list[str],
) -> list[Path]:
    """The timeline plus the WAVs it references, in ``<out stem>_media/`` beside it, and the
    same timeline for editors that read no OTIO: ``<out stem>.fcpxml`` (Final Cut Pro) and a
    CMX 3600 EDL of each language's dub clips, ``<out stem>.<lang>.edl`` (clips that overlap
    another are on a second lane: ``<out stem>.<lang>.2.edl``). A side file that cannot be
    written (its adapter missing) is a problem reported, not a failed export."""
    from taura_desktop.dub.cache import load_fitted  # lazy: loads scipy (+0.3 s)
    from taura_desktop.export.otio_export import (  # lazy: loads scipy (+0.3 s)
        dub_lanes,
        export_edl,
        export_fcpxml,
        export_otio,
        read_timeline,
    )

    media = state.meta.media
    assert media is not None
    media_dir = out.with_name(out.stem + "_media")
    media_dir.mkdir(parents=True, exist_ok=True)
    dub: dict[str, list[tuple[int, int, Path, str]]] = {}
    subs: dict[str, list[tuple[int, int, str]]] = {}
    total = max(1, sum(1 for s in state.ordered() for lang in langs if s.translation(lang)))
    done = 0
    for lang in langs:
        refs = []
        cues = []
        for i, seg in enumerate(state.ordered()):
            tr = seg.translation(lang)
            if tr is None:
                continue
            cues.append((seg.start_ms, seg.end_ms, tr.text))
            if tr.clip is not None:
                sr, samples = load_fitted(store, tr.clip)
                wav = media_dir / f"{lang}_{i:05d}_{seg.id}.wav"
                write_wav(wav, samples, sr)
                refs.append((seg.start_ms, tr.clip.duration_ms, wav, f"{lang} {i + 1}"))
            done += 1
            progress(done / total, f"otio {lang}")
        dub[lang] = refs
        subs[lang] = cues
    fps = media.fps or 25.0
    path = export_otio(out, Path(media.path), media.duration_ms, fps, None, dub, subs)
    written = [path]
    timeline = read_timeline(path)  # once, for every side file
    targets: list[tuple[Path, str | None, int]] = [(out.with_name(f"{out.stem}.fcpxml"), None, 0)]
    for dub_lang in (lang for lang in langs if dub[lang]):
        for lane in range(dub_lanes(timeline, dub_lang)):
            name = f"{out.stem}.{dub_lang}" + (f".{lane + 1}" if lane else "") + ".edl"
            targets.append((out.with_name(name), dub_lang, lane))
    for target, edl_lang, lane in targets:
        try:
            written.append(export_fcpxml(target, timeline) if edl_lang is None
                           else export_edl(target, timeline, edl_lang, lane))
        except TauraError as exc:
            problems.append(str(exc))
    return written
