"""Project commands: new, import-subs, info, export, qc."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from taura_desktop.app import projects
from taura_desktop.app.qc import qc_reports
from taura_desktop.cli.main import print_json
from taura_desktop.cli.progress import StageProgress
from taura_desktop.core.project import Project
from taura_desktop.core.timecode import clock
from taura_desktop.errors import BadInputError, UsageError
from taura_desktop.pipeline.deliver import MASTER_KINDS, VOICED_KINDS, ExportOptions
from taura_desktop.pipeline.segments_json import write_segments_json
from taura_desktop.pipeline.stages import run_stage
from taura_desktop.pipeline.stale import describe, stale_report
from taura_desktop.pipeline.voice import VoiceOptions
from taura_desktop.segmentation.qc import to_json
from taura_desktop.subtitles.io import WRITE_FORMATS

OTHER_FORMATS = ("stems", "otio", "burn", "json")


def add_parsers(sub: argparse._SubParsersAction[Any], lang_list: Callable[[str], list[str]]) -> None:
    p = sub.add_parser("new", help="create a project for a video")
    p.add_argument("video", type=Path)
    p.add_argument("-o", "--output", type=Path, required=True, help="project file (.taura)")
    p.add_argument("--source-lang", default=None, help="language spoken in the video (e.g. en)")
    p.add_argument("--to", type=lang_list, default=[], help="target languages, e.g. es,fr")
    p.add_argument("--force", action="store_true", help="overwrite an existing project file")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("import-subs", help="import subtitles as source segments or as a translation")
    p.add_argument("project", type=Path)
    p.add_argument("subs", type=Path)
    p.add_argument("--lang", default=None, help="language of the subtitles")
    p.add_argument(
        "--as-translation", action="store_true", help="attach to existing segments by time overlap"
    )
    p.add_argument("--encoding", default=None, help="force the text encoding (default: detect)")
    p.set_defaults(func=cmd_import_subs)

    p = sub.add_parser("relink", help="point a project at its media after the file moved")
    p.add_argument("project", type=Path)
    p.add_argument("media", type=Path, help="where the project's video is now")
    p.add_argument("--force", action="store_true", help="use the file even if it is a different one")
    p.set_defaults(func=cmd_relink)

    p = sub.add_parser("info", help="media, languages, segment counts per stage, QC summary")
    p.add_argument("project", type=Path)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("export", help="export subtitles, a dubbed master, stems or a timeline")
    p.add_argument("project", type=Path)
    p.add_argument("--lang", default=None, help="language to export (default: source; masters: all targets)")
    p.add_argument("--format", required=True, choices=WRITE_FORMATS + MASTER_KINDS + OTHER_FORMATS)
    p.add_argument("-o", "--output", type=Path, required=True)
    p.add_argument("--mix", choices=("replace", "duck", "background"), default="duck")
    p.add_argument(
        "--loudness",
        choices=("broadcast", "web"),
        default="broadcast",
        help="-23 LUFS (broadcast) or -16 LUFS (web)",
    )
    p.add_argument(
        "--no-revoice",
        action="store_true",
        help="refuse (exit 3) instead of re-voicing stale or missing voice clips first",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("qc", help="subtitle quality check per cue")
    p.add_argument("project", type=Path)
    p.add_argument("--lang", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_qc)


def cmd_new(args: argparse.Namespace) -> int:
    if args.output.suffix != ".taura":
        raise UsageError(f"{args.output}: project files end in .taura")
    with projects.new_project(
        args.video, args.output, source_lang=args.source_lang, targets=args.to, overwrite=args.force
    ) as p:
        media = p.meta.media
        assert media is not None
        print(f"created {p.path} ({media.duration_ms / 1000:.1f} s of media)")
    return 0


def cmd_import_subs(args: argparse.Namespace) -> int:
    with Project.open(args.project) as p:
        s = projects.import_subtitles(
            p, args.subs, lang=args.lang, as_translation=args.as_translation, encoding=args.encoding
        )
    what = (
        f"{args.lang} translation of {s.segments_changed} segments"
        if args.as_translation
        else (f"{s.segments_changed} source segments")
    )
    notes = []
    if s.dropped_empty:
        notes.append(f"{s.dropped_empty} empty cues dropped")
    if s.dropped_drawings:
        notes.append(f"{s.dropped_drawings} drawing cues dropped")
    if s.overlaps:
        notes.append(f"{s.overlaps} overlapping cues flagged")
    if s.unmatched:
        notes.append(f"{s.unmatched} segments had no overlapping cue")
    notes.extend(s.notes)
    extra = f" ({'; '.join(notes)})" if notes else ""
    enc = s.encoding if s.encoding_confident else f"{s.encoding}, guessed: --encoding to choose another"
    print(f"imported {s.cues} cues ({s.format}, {enc}) as {what}{extra}")
    return 0


def cmd_relink(args: argparse.Namespace) -> int:
    with Project.open(args.project) as p:
        why = projects.relink(p, args.media, force=args.force)
        media = p.meta.media
        assert media is not None
    note = "" if why is None else f" (forced: {why})"
    print(f"relinked {args.project} to {media.path}{note}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    data = projects.quick_info(args.project)  # from the counts kept in the file
    if data is None:
        with Project.open(args.project, read_only=True) as p:
            data = projects.info(p)
    if args.json:
        print_json(data)
        return 0
    print(f"{data['name']}  ({data['path']})")
    if data["media"]:
        m = data["media"]
        size = f", {m['width']}x{m['height']} @ {m['fps']:.3g} fps" if m["has_video"] and m["fps"] else ""
        print(f"  media     {m['path']} ({(data['duration_ms'] or 0) / 1000:.1f} s{size})")
    print(f"  source    {data['source_lang'] or '?'}: {data['segments']} segments")
    for lang, c in data["targets"].items():
        print(
            f"  {lang:9s} translated {c['translated']}, voiced {c['voiced']}, approved {c['approved']}, "
            f"overflow {c['overflow']}, stale {c['stale']}"
        )
    for lang, q in data["qc"].items():
        print(f"  qc {lang:6s} {q['cues_with_issues']} cues with issues")
    if "recovered" in data:
        print(f"  note      {data['recovered']}")
    if "media_problem" in data:
        print(f"  warning   {data['media_problem']}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.format == "json":  # reading is enough
        with Project.open(args.project, read_only=True) as p:
            print(f"wrote {write_segments_json(p, args.lang, args.output)}")
        return 0
    if args.format in WRITE_FORMATS:  # reading is enough: works while another process writes
        with Project.open(args.project, read_only=True) as p:
            out = projects.export_subtitles(p, args.lang, args.output, args.format)
        print(f"wrote {out}")
        return 0
    with Project.open(args.project) as p:
        projects.check_media(p)  # a moved or replaced video: say so before any work
        _revoice_before_export(p, args)
        langs = (args.lang,) if args.lang else ()
        options = ExportOptions(args.format, str(args.output), langs, args.mix, args.loudness)
        with StageProgress() as bar:
            summary = run_stage(p, "export", options, on_event=bar.on_event)
    for problem in summary.get("problems", []):
        print(f"taura: warning: {problem}")
    for path in summary.get("outputs", []):
        print(f"wrote {path}")
    return 0


def _revoice_before_export(p: Project, args: argparse.Namespace) -> None:
    """Stale or missing voice clips never reach a master: re-voice them first and say how many,
    or with ``--no-revoice`` refuse (exit 3) naming the count."""
    if args.format not in VOICED_KINDS:
        return
    langs = [args.lang] if args.lang else list(p.meta.target_langs)
    for lang in langs:
        if lang not in p.meta.target_langs:
            continue  # the export stage names the unknown language
        report = stale_report(p, lang)
        if not report.to_voice:
            continue
        if args.no_revoice:
            raise BadInputError(f"{p.path}: {describe(report)}; export refused (--no-revoice)")
        engine = p.meta.settings.get("tts_engine")
        opts = VoiceOptions(lang=lang, engine=str(engine) if engine else None, segment_ids=report.to_voice)
        with StageProgress() as bar:
            run_stage(p, "voice", opts, on_event=bar.on_event)
        print(f"re-voiced {describe(report)} before exporting")


def cmd_qc(args: argparse.Namespace) -> int:
    with Project.open(args.project, read_only=True) as p:
        reports = qc_reports(p, args.lang)
    if args.json:
        print_json(to_json(reports))
        return 0
    bad = [r for r in reports if r.issues]
    for r in bad:
        issues = ", ".join(f"{i.rule} {i.value:g} (limit {i.limit:g})" for i in r.issues)
        print(f"{clock(r.start_ms)} --> {clock(r.end_ms)}  {issues}")
    print(f"{len(bad)} of {len(reports)} cues have issues", file=sys.stderr if args.json else sys.stdout)
    return 0
