"""The model store: resolves model names to local folders for every engine.

Layout (a contract the engines rely on)::

    <root>/
      .taura-store                  optional marker (required for a portable ``models/`` folder)
      <engine>/<name>/              engine in whisper, argos, piper, xtts, separation
        .complete                   JSON manifest; the model is usable only when it exists
        ...model files...
      .partial/                     downloads/imports in progress; never listed, never used
        <engine>-<name>/            a download (resumable)
        import-<random>/            an import being unpacked/copied

A model folder appears under ``<engine>/`` only by an atomic rename of a fully written and
verified staging folder whose ``.complete`` manifest was written last, so an interrupted
download or a corrupt archive never leaves an installed model behind.

The ``.complete`` manifest::

    {"schema": 1, "name": "small", "engine": "whisper",
     "source": "hf:Systran/faster-whisper-small", "license": "MIT",
     "installed_at": "2025-01-01T12:00:00+00:00",
     "files": [{"path": "model.bin", "size": 483546902, "sha256": "..."}, ...]}
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from taura_desktop.atomic import write_text_atomic
from taura_desktop.errors import BadInputError, EngineUnavailableError, UsageError
from taura_desktop.modelstore import catalog
from taura_desktop.modelstore.archive import is_archive_name, safe_extract, strip_archive_suffix
from taura_desktop.modelstore.catalog import ENGINES, REQUIRED_FILES
from taura_desktop.modelstore.offline import is_offline

MANIFEST = ".complete"
MARKER = ".taura-store"
PARTIAL = ".partial"
MANIFEST_SCHEMA = 1
ENV_ROOT = "TAURA_MODELS_DIR"
_IGNORED_NAMES = {MANIFEST, ".cache", ".DS_Store", "Thumbs.db"}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")


# --------------------------------------------------------------------------- root resolution


def _package_repo_root() -> Path:
    """The folder holding the ``taura_desktop`` package (a source checkout / app launcher)."""
    return Path(__file__).resolve().parents[2]


def portable_candidates() -> list[Path]:
    """``models/`` folders beside a portable install, in the order they are tried."""
    exe_dir = Path(sys.executable).absolute().parent
    out: list[Path] = []
    for base in (exe_dir, exe_dir.parent, _package_repo_root()):
        cand = base / "models"
        if cand not in out:
            out.append(cand)
    return out


def default_root() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_path("taura-desktop")) / "models"


def resolve_root(explicit: Path | str | None = None) -> Path:
    """Model root: explicit > $TAURA_MODELS_DIR > portable ``models/`` with a ``.taura-store``
    marker (beside sys.executable, its parent, or the package's checkout) > the user data dir."""
    if explicit is not None and str(explicit) != "":
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_ROOT, "").strip()
    if env:
        return Path(env).expanduser()
    for cand in portable_candidates():
        if (cand / MARKER).is_file():
            return cand
    return default_root()


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class ManifestFile:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class InstalledModel:
    name: str
    engine: str
    path: Path
    size_bytes: int
    source: str
    license: str
    installed_at: str
    files: tuple[ManifestFile, ...] = ()

    @property
    def qualified_name(self) -> str:
        return f"{self.engine}/{self.name}"


@dataclass(frozen=True)
class PartialDownload:
    """A download that stopped before installing; kept so that the next attempt resumes."""

    engine: str
    name: str
    path: Path
    size_bytes: int

    @property
    def qualified_name(self) -> str:
        return f"{self.engine}/{self.name}"


def _tree_bytes(folder: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:  # gone meanwhile
                continue
    return total


@dataclass(frozen=True)
class VerifyResult:
    name: str
    engine: str
    path: Path
    ok: bool
    problems: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """One line: ``whisper/small: ok`` or ``whisper/small: model.bin sha256 mismatch; ...``."""
        if self.ok:
            return f"{self.engine}/{self.name}: ok"
        return f"{self.engine}/{self.name}: " + "; ".join(self.problems)


def sha256_file(path: Path, chunk: int = 1024 * 1024) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def check_name(name: str, what: str = "model name") -> str:
    if not _NAME_RE.match(name) or ".." in name:
        raise UsageError(
            f"invalid {what} {name!r}: use letters, digits, '.', '_', '+', '-' (no slashes)"
        )
    return name


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    return engine


def _iter_files(folder: Path) -> Iterable[tuple[str, Path]]:
    """(posix relative path, path) of every regular file, skipping the manifest and caches."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED_NAMES)
        for fn in sorted(filenames):
            if fn in _IGNORED_NAMES:
                continue
            p = Path(dirpath) / fn
            yield p.relative_to(folder).as_posix(), p


def _missing_required(folder: Path, engine: str) -> list[str]:
    missing: list[str] = []
    for req in REQUIRED_FILES.get(engine, ()):
        if any(ch in req for ch in "*?["):
            parent = folder / Path(req).parent
            pat = Path(req).name
            if not parent.is_dir() or not any(
                fnmatch.fnmatch(c.name, pat) and c.is_file() for c in parent.iterdir()
            ):
                missing.append(req)
        elif not (folder / req).is_file():
            missing.append(req)
    return missing


def read_manifest(folder: Path) -> dict[str, Any]:
    """The parsed ``.complete`` of a model folder; BadInputError if unreadable."""
    mf = folder / MANIFEST
    try:
        data = json.loads(mf.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"{mf}: unreadable model manifest ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("files", []), list):
        raise BadInputError(f"{mf}: not a Taura model manifest")
    return data


def _manifest_files(data: dict[str, Any]) -> tuple[ManifestFile, ...]:
    out: list[ManifestFile] = []
    for f in data.get("files", []):
        if isinstance(f, dict) and isinstance(f.get("path"), str):
            out.append(ManifestFile(str(f["path"]), int(f.get("size", -1)), str(f.get("sha256", ""))))
    return tuple(out)


def check_files(folder: Path, files: Iterable[ManifestFile]) -> list[str]:
    """Problems found comparing ``folder`` with manifest entries (missing/size/sha256)."""
    problems: list[str] = []
    root = folder.resolve()
    for f in files:
        p = (folder / f.path).resolve()
        if root not in p.parents:
            problems.append(f"{f.path}: outside the model folder")
            continue
        if not p.is_file():
            problems.append(f"{f.path}: missing")
            continue
        size = p.stat().st_size
        if f.size >= 0 and size != f.size:
            problems.append(f"{f.path}: size {size} != {f.size}")
            continue
        if f.sha256 and sha256_file(p) != f.sha256:
            problems.append(f"{f.path}: sha256 mismatch")
    return problems


def _infer_engine(folder: Path) -> str | None:
    names = {p.name for p in folder.iterdir()}
    if MANIFEST in names:
        try:
            eng = read_manifest(folder).get("engine")
        except BadInputError:
            eng = None
        if isinstance(eng, str) and eng in ENGINES:
            return eng
    if "metadata.json" in names and (folder / "model").is_dir():
        return "argos"
    if "model.bin" in names and ("tokenizer.json" in names or "preprocessor_config.json" in names):
        return "whisper"
    if "model.pth" in names and "vocab.json" in names:
        return "xtts"
    onnx = [n for n in names if n.endswith(".onnx")]
    if onnx and any(f"{n}.json" in names for n in onnx):
        return "piper"
    if onnx:
        return "separation"
    return None


def _infer_name(folder: Path, engine: str, original: Path) -> str:
    if engine == "argos":
        try:
            meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
            return f"translate-{meta['from_code']}_{meta['to_code']}"
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BadInputError(
                f"{original}: argos package metadata.json is unreadable or lacks from_code/to_code"
            ) from exc
    if engine == "piper":
        onnx = sorted(p.name for p in folder.glob("*.onnx"))
        if onnx:
            return onnx[0][: -len(".onnx")]
    # a Hugging Face cache snapshot: .../models--Org--Repo/snapshots/<hash>
    if original.parent.name == "snapshots" and original.parent.parent.name.startswith("models--"):
        stem = original.parent.parent.name.split("--")[-1]
    else:
        stem = strip_archive_suffix(original.name)
    for prefix, repl in (("faster-distil-whisper-", "distil-"), ("faster-whisper-", "")):
        if engine == "whisper" and stem.startswith(prefix):
            stem = repl + stem[len(prefix):]
    return stem


def _content_root(folder: Path) -> Path:
    """Descend through single-folder wrappers (e.g. an argos package's top-level folder)."""
    cur = folder
    for _ in range(8):
        children = [c for c in cur.iterdir() if c.name not in {".DS_Store", "__MACOSX"}]
        if len(children) == 1 and children[0].is_dir() and not children[0].is_symlink():
            cur = children[0]
        else:
            break
    return cur


# --------------------------------------------------------------------------- the store


class ModelStore:
    """Local model folders for all engines (see the module docstring for the layout)."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root: Path = resolve_root(root)

    def __repr__(self) -> str:
        return f"ModelStore({str(self.root)!r})"

    # -- paths
    @property
    def partial_root(self) -> Path:
        return self.root / PARTIAL

    def model_dir(self, engine: str, name: str) -> Path:
        """Where ``engine/name`` lives once installed (whether or not it is)."""
        return self.root / check_engine(engine) / check_name(name)

    def partial_dir(self, engine: str, name: str) -> Path:
        """The staging folder of a download of ``engine/name`` (kept between attempts)."""
        return self.partial_root / f"{check_engine(engine)}-{check_name(name)}"

    def is_installed(self, engine: str, name: str) -> bool:
        return (self.model_dir(engine, name) / MANIFEST).is_file()

    def path(self, engine: str, name: str) -> Path:
        """The folder of an installed model; EngineUnavailableError saying how to get it."""
        folder = self.model_dir(engine, name)
        if (folder / MANIFEST).is_file():
            return folder
        entry = catalog.find(name)
        if entry is not None and entry.engine == engine and entry.downloadable and not is_offline():
            how = f"run `taura models download {name}` or `taura models import PATH`"
        else:
            how = f"copy it here with `taura models import PATH --engine {engine} --name {name}`"
        raise EngineUnavailableError(
            f"{engine} model '{name}' is not installed in {self.root}; {how}"
        )

    # -- listing
    def _installed_dirs(self, engine: str | None = None) -> list[tuple[str, Path]]:
        out: list[tuple[str, Path]] = []
        for eng in ENGINES if engine is None else (check_engine(engine),):
            base = self.root / eng
            if not base.is_dir():
                continue
            for d in sorted(base.iterdir()):
                if d.is_dir() and not d.name.startswith(".") and (d / MANIFEST).is_file():
                    out.append((eng, d))
        return out

    def _installed(self, engine: str, folder: Path) -> InstalledModel:
        try:
            data = read_manifest(folder)
        except BadInputError:
            data = {}
        files = _manifest_files(data)
        return InstalledModel(
            name=folder.name,
            engine=engine,
            path=folder,
            size_bytes=sum(max(f.size, 0) for f in files),
            source=str(data.get("source", "")),
            license=str(data.get("license", "unknown")),
            installed_at=str(data.get("installed_at", "")),
            files=files,
        )

    def list_installed(self, engine: str | None = None) -> list[InstalledModel]:
        """Installed (complete) models, sorted by engine then name; partial ones never appear."""
        return [self._installed(eng, d) for eng, d in self._installed_dirs(engine)]

    def find_installed(self, name: str) -> InstalledModel:
        """An installed model by ``name`` or ``engine/name``; errors when absent or ambiguous."""
        engine: str | None = None
        if "/" in name:
            engine, name = name.split("/", 1)
            check_engine(engine)
        check_name(name)
        found = [m for m in self.list_installed(engine) if m.name == name]
        if not found:
            raise EngineUnavailableError(f"model '{name}' is not installed in {self.root}")
        if len(found) > 1:
            both = ", ".join(m.qualified_name for m in found)
            raise UsageError(f"model name '{name}' is ambiguous ({both}); use ENGINE/NAME")
        return found[0]

    # -- unfinished downloads
    def partial_downloads(self) -> list[PartialDownload]:
        """Downloads that stopped before installing (cancelled, failed, a full disk), sorted;
        their files stay so that downloading again resumes, until ``discard_partial``."""
        root = self.partial_root
        if not root.is_dir():
            return []
        found: list[PartialDownload] = []
        for folder in sorted(root.iterdir()):
            if not folder.is_dir() or folder.name.startswith("."):
                continue
            engine = next((e for e in ENGINES if folder.name.startswith(e + "-")), None)
            if engine is None:
                continue
            found.append(PartialDownload(engine, folder.name[len(engine) + 1:], folder, _tree_bytes(folder)))
        return found

    def discard_partial(self, name: str) -> list[PartialDownload]:
        """Delete the unfinished downloads of ``name`` or ``engine/name``; returns what went
        (nothing when there was none)."""
        engine: str | None = None
        if "/" in name:
            engine, name = name.split("/", 1)
            check_engine(engine)
        check_name(name)
        gone = [d for d in self.partial_downloads()
                if d.name == name and (engine is None or d.engine == engine)]
        for d in gone:
            self._delete(d.path, f"{d.engine}-{d.name}")
        return gone

    # -- removal and verification
    def _delete(self, folder: Path, label: str) -> None:
        """Move ``folder`` aside in one rename, then delete it: an interrupted delete leaves a
        ``.trash-*`` folder (swept by the next one), never a half-deleted model."""
        self.partial_root.mkdir(parents=True, exist_ok=True)
        for leftover in self.partial_root.glob(".trash-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        trash = self.partial_root / f".trash-{label}-{uuid.uuid4().hex[:8]}"
        try:
            os.replace(folder, trash)
        except OSError as exc:
            raise BadInputError(f"{folder}: cannot remove ({exc.strerror})") from exc
        shutil.rmtree(trash, ignore_errors=True)

    def remove(self, name: str) -> Path:
        """Remove an installed model (``name`` or ``engine/name``); returns its former folder."""
        model = self.find_installed(name)
        self._delete(model.path, f"{model.engine}-{model.name}")
        return model.path

    def verify(self, name: str | None = None) -> list[VerifyResult]:
        """Recompute sizes and sha256 of installed models against their manifests."""
        if name is not None:
            m = self.find_installed(name)
            targets = [(m.engine, m.path)]
        else:
            targets = self._installed_dirs()
        results: list[VerifyResult] = []
        for eng, folder in targets:
            try:
                data = read_manifest(folder)
            except BadInputError as exc:
                results.append(VerifyResult(folder.name, eng, folder, False, (str(exc),)))
                continue
            problems = check_files(folder, _manifest_files(data))
            problems += [f"{req}: required file missing" for req in _missing_required(folder, eng)]
            results.append(VerifyResult(folder.name, eng, folder, not problems, tuple(problems)))
        return results

    # -- installation
    def new_workspace(self, prefix: str = "import") -> Path:
        ws = self.partial_root / f"{prefix}-{uuid.uuid4().hex[:12]}"
        ws.mkdir(parents=True)
        return ws

    def install_from_dir(
        self,
        staging: Path,
        engine: str,
        name: str,
        *,
        source: str,
        license: str,
        extra: dict[str, Any] | None = None,
    ) -> InstalledModel:
        """Install a fully written folder (on the store's filesystem, normally under
        ``.partial/``): check required files, hash every file, write ``.complete`` last, then
        rename it into ``<root>/<engine>/<name>`` (replacing an older copy). ``staging`` is
        consumed."""
        check_engine(engine)
        check_name(name)
        staging = Path(staging)
        shutil.rmtree(staging / ".cache", ignore_errors=True)  # huggingface_hub local_dir state
        (staging / MANIFEST).unlink(missing_ok=True)
        for dirpath, dirnames, filenames in os.walk(staging):
            for n in dirnames + filenames:
                p = Path(dirpath) / n
                if p.is_symlink():
                    raise BadInputError(f"{p}: refusing symlink inside model '{name}'")
        missing = _missing_required(staging, engine)
        if missing:
            raise BadInputError(
                f"{engine} model '{name}' is incomplete: missing {', '.join(missing)}"
            )
        files = [
            {"path": rel, "size": p.stat().st_size, "sha256": sha256_file(p)}
            for rel, p in _iter_files(staging)
        ]
        manifest: dict[str, Any] = {
            "schema": MANIFEST_SCHEMA,
            "name": name,
            "engine": engine,
            "source": source,
            "license": license,
            "installed_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "files": files,
        }
        if extra:
            manifest.update({k: v for k, v in extra.items() if k not in manifest})
        write_text_atomic(staging / MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))

        final = self.model_dir(engine, name)
        final.parent.mkdir(parents=True, exist_ok=True)
        trash: Path | None = None
        try:
            if final.exists():
                self.partial_root.mkdir(parents=True, exist_ok=True)
                trash = self.partial_root / f".trash-{engine}-{name}-{uuid.uuid4().hex[:8]}"
                os.replace(final, trash)
            os.replace(staging, final)
        except OSError as exc:
            if trash is not None and trash.exists() and not final.exists():
                os.replace(trash, final)
                trash = None
            raise BadInputError(f"{final}: cannot install model ({exc.strerror})") from exc
        if trash is not None:
            shutil.rmtree(trash, ignore_errors=True)
        return self._installed(engine, final)

    def import_path(
        self, path: Path | str, engine: str | None = None, name: str | None = None
    ) -> InstalledModel:
        """Import a model folder, a model archive (.argosmodel/.zip/.tar[.gz|.xz|.bz2]) or a
        piper ``.onnx`` file (with its ``.onnx.json``) into the store. Engine and name are
        inferred when not given (argos: from metadata.json; piper: the .onnx name; a folder
        copied from another store: from its manifest, which is checked first)."""
        src = Path(path).expanduser()
        if not src.exists():
            raise BadInputError(f"{src}: not found")
        if engine is not None:
            check_engine(engine)
        if name is not None:
            check_name(name)
        ws = self.new_workspace()
        try:
            unpacked = ws / "content"
            if src.is_dir():
                self._copy_tree(src, unpacked)
            elif src.name.endswith(".onnx"):
                cfg = src.with_name(src.name + ".json")
                if not cfg.is_file():
                    raise BadInputError(f"{src}: piper voice needs its config {cfg.name} beside it")
                unpacked.mkdir()
                shutil.copy2(src, unpacked / src.name)
                shutil.copy2(cfg, unpacked / cfg.name)
                engine = engine or "piper"
            elif src.is_file():
                if not is_archive_name(src):
                    raise BadInputError(
                        f"{src}: not a model folder or a supported archive "
                        "(.argosmodel, .zip, .tar, .tar.gz, .tar.xz, .tar.bz2)"
                    )
                safe_extract(src, unpacked)
            else:
                raise BadInputError(f"{src}: not a regular file or folder")

            root = _content_root(unpacked)
            source = f"import:{src.absolute()}"
            license = "unknown"
            if (root / MANIFEST).is_file():
                data = read_manifest(root)
                problems = check_files(root, _manifest_files(data))
                if problems:
                    raise BadInputError(f"{src}: copied model is damaged: {problems[0]}")
                engine = engine or (str(data["engine"]) if data.get("engine") in ENGINES else None)
                if name is None and isinstance(data.get("name"), str):
                    name = check_name(data["name"])
                source = str(data.get("source") or source)
                license = str(data.get("license") or license)
            eng = engine or _infer_engine(root)
            if eng is None:
                raise BadInputError(
                    f"{src}: cannot tell which engine this model is for; pass --engine "
                    f"({', '.join(ENGINES)})"
                )
            nm = name or _infer_name(root, eng, src)
            try:
                check_name(nm)
            except UsageError as exc:
                raise BadInputError(f"{src}: cannot derive a model name; pass --name") from exc
            entry = catalog.find(nm)
            if entry is not None and entry.engine == eng and license == "unknown":
                license = entry.license
            return self.install_from_dir(root, eng, nm, source=source, license=license)
        except OSError as exc:  # disk full, permissions, unreadable source file
            reason = exc.strerror or type(exc).__name__
            raise BadInputError(f"{src}: cannot import model ({reason})") from exc
        finally:
            shutil.rmtree(ws, ignore_errors=True)

    @staticmethod
    def _copy_tree(src: Path, dest: Path) -> None:
        """Copy a model folder. A symlink inside it is followed only when it points to a
        regular file inside the folder itself (or, for a Hugging Face cache snapshot
        ``models--ORG--REPO/snapshots/REV``, inside ``models--ORG--REPO``, where the blobs
        are); any other link is refused (it could pull /etc/passwd into the store)."""
        src = src.resolve()
        allowed = src
        if src.parent.name == "snapshots" and src.parent.parent.name.startswith("models--"):
            allowed = src.parent.parent
        for dirpath, dirnames, filenames in os.walk(src):
            for n in (*dirnames, *filenames):
                p = Path(dirpath) / n
                if p.is_symlink():
                    target = p.resolve()
                    if allowed not in target.parents or not target.is_file():
                        raise BadInputError(
                            f"{p}: refusing symlink in model folder (points to {os.readlink(p)}, "
                            "outside the model); copy the real file there instead"
                        )
                elif not (p.is_dir() or p.is_file()):
                    raise BadInputError(f"{p}: refusing special file in model folder")
        try:
            shutil.copytree(
                src, dest, symlinks=False, ignore=shutil.ignore_patterns(".cache", ".DS_Store")
            )
        except shutil.Error as exc:
            first = exc.args[0][0] if exc.args and exc.args[0] else exc
            raise BadInputError(f"{src}: cannot copy model folder ({first})") from exc
        except OSError as exc:
            raise BadInputError(f"{src}: cannot copy model folder ({exc.strerror})") from exc


__all__ = [
    "ENV_ROOT",
    "MANIFEST",
    "MARKER",
    "PARTIAL",
    "InstalledModel",
    "ManifestFile",
    "ModelStore",
    "VerifyResult",
    "check_files",
    "read_manifest",
    "resolve_root",
    "sha256_file",
]
