"""Learning from people's work: approve, the translation memory as TMX, datasets."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from taura_desktop.app import review
from taura_desktop.app.dataset import export_dataset
from taura_desktop.core.project import Project
from taura_desktop.errors import UsageError
from taura_desktop.paths import memory_path
from taura_desktop.translation.memory import TranslationMemory
from taura_desktop.translation.tmx import read_tmx, write_tmx


def _ids(value: str) -> list[str]:
    ids = [x.strip() for x in value.split(",") if x.strip()]
    if not ids:
        raise UsageError("--ids: give one or more segment ids, e.g. --ids a1b2,c3d4")
    return ids


def add_parsers(sub: argparse._SubParsersAction[Any], lang_list: Callable[[str], list[str]]) -> None:
    p = sub.add_parser("approve", help="approve translations (and remember them in the translation memory)")
    p.add_argument("project", type=Path)
    p.add_argument("--lang", required=True, help="target language, e.g. es")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every segment translated in that language")
    which.add_argument("--ids", type=_ids, help="comma-separated segment ids")
    p.set_defaults(func=cmd_approve)

    p = sub.add_parser("tm", help="the translation memory: export or import TMX 1.4")
    tm = p.add_subparsers(dest="tm_command", metavar="ACTION", required=True, parser_class=type(p))
    q = tm.add_parser("export", help="write the memory as a TMX 1.4 file")
    q.add_argument("output", type=Path)
    q.add_argument("--from", dest="src", default=None, help="only this source language")
    q.add_argument("--to", dest="tgt", default=None, help="only this target language")
    q.set_defaults(func=cmd_tm_export)
    q = tm.add_parser("import", help="add the translation units of a TMX file to the memory")
    q.add_argument("tmx", type=Path)
    q.set_defaults(func=cmd_tm_import)

    p = sub.add_parser("dataset", help="training data from a project")
    ds = p.add_subparsers(dest="dataset_command", metavar="ACTION", required=True, parser_class=type(p))
    q = ds.add_parser("export", help="a Hugging Face audiofolder dataset: one 16 kHz WAV per segment")
    q.add_argument("project", type=Path)
    q.add_argument("--lang", required=True, help="target language of the translations")
    q.add_argument("-o", "--output", type=Path, required=True, help="dataset folder (created or appended to)")
    q.add_argument("--approved-only", action="store_true", help="only segments a person approved")
    q.set_defaults(func=cmd_dataset_export)


def cmd_approve(args: argparse.Namespace) -> int:
    with Project.open(args.project) as p:
        if args.lang not in p.meta.target_langs:
            raise UsageError(f"{p.path}: has no target language {args.lang!r}")
        if args.all:
            ids = [s.id for s in p.segments() if (tr := s.translation(args.lang)) and tr.text.strip()]
        else:
            unknown = [sid for sid in args.ids if sid not in p.state.segments]
            if unknown:
                raise UsageError(f"{p.path}: no segment with id {', '.join(unknown)}")
            ids = list(args.ids)
        changed = review.approve(p, ids, args.lang)
    print(f"approved {changed} segments ({len(ids) - changed} were already); remembered in {memory_path()}")
    return 0


def cmd_tm_export(args: argparse.Namespace) -> int:
    path = memory_path()
    with TranslationMemory(path) as tm:
        n = write_tmx(tm.entries(args.src, args.tgt), args.output)
    print(f"wrote {n} translation units to {args.output}")
    return 0


def cmd_tm_import(args: argparse.Namespace) -> int:
    entries = list(read_tmx(args.tmx))
    with TranslationMemory(memory_path()) as tm:
        n = tm.add_many(entries)
    print(f"imported {n} translation pairs from {args.tmx}")
    return 0


def cmd_dataset_export(args: argparse.Namespace) -> int:
    with Project.open(args.project) as p:
        s = export_dataset(p, args.lang, args.output, approved_only=args.approved_only)
    print(f"wrote {s.clips} clips to {s.folder} ({s.skipped} segments left out; {s.rows} rows in all)")
    return 0
