"""Safe extraction of model archives (.argosmodel, .zip, .tar, .tar.gz/.tgz, .tar.xz, .tar.bz2).

Every member is checked before anything is written: absolute paths, drive letters, ``..``
components, symlinks, hardlinks, device files and FIFOs are refused with a one-line
BadInputError naming the archive and the member. Tar archives are additionally extracted
through tarfile's ``data`` filter. When extraction fails, whatever was written under a
``dest`` that did not exist before is removed again.
"""

from __future__ import annotations

import lzma
import shutil
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from taura_desktop.errors import BadInputError

ARCHIVE_SUFFIXES: tuple[str, ...] = (
    ".argosmodel",
    ".zip",
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.xz",
    ".txz",
    ".tar.bz2",
    ".tbz2",
)


def is_archive_name(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in ARCHIVE_SUFFIXES)


def strip_archive_suffix(name: str) -> str:
    low = name.lower()
    for s in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if low.endswith(s):
            return name[: -len(s)]
    return name


def _check_name(archive: Path, member: str, dest: Path) -> PurePosixPath:
    """The member's relative path, or BadInputError if it could land outside ``dest``."""
    raw = member.replace("\\", "/")
    if raw.startswith("/") or (len(raw) >= 2 and raw[1] == ":"):
        raise BadInputError(f"{archive}: refusing archive member with an absolute path: {member!r}")
    rel = PurePosixPath(raw)
    if any(part == ".." for part in rel.parts):
        raise BadInputError(f"{archive}: refusing archive member outside the target folder: {member!r}")
    if "\x00" in raw:
        raise BadInputError(f"{archive}: refusing archive member with a NUL byte in its name: {member!r}")
    target = (dest / rel).resolve()
    root = dest.resolve()
    if target != root and root not in target.parents:
        raise BadInputError(f"{archive}: refusing archive member outside the target folder: {member!r}")
    return rel


def _corrupt(archive: Path, exc: BaseException) -> BadInputError:
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return BadInputError(f"{archive}: archive is corrupt or truncated ({detail})")


def _check_zip(archive: Path, zf: zipfile.ZipFile, dest: Path) -> None:
    for info in zf.infolist():
        _check_name(archive, info.filename, dest)
        mode = (info.external_attr >> 16) & 0xFFFF
        if mode:
            if stat.S_ISLNK(mode):
                raise BadInputError(f"{archive}: refusing symlink in archive: {info.filename!r}")
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
                raise BadInputError(f"{archive}: refusing special file in archive: {info.filename!r}")


def _check_tar(archive: Path, members: list[tarfile.TarInfo], dest: Path) -> None:
    for m in members:
        _check_name(archive, m.name, dest)
        if m.issym():
            raise BadInputError(f"{archive}: refusing symlink in archive: {m.name!r}")
        if m.islnk():
            raise BadInputError(f"{archive}: refusing hardlink in archive: {m.name!r}")
        if m.ischr() or m.isblk():
            raise BadInputError(f"{archive}: refusing device file in archive: {m.name!r}")
        if m.isfifo():
            raise BadInputError(f"{archive}: refusing FIFO in archive: {m.name!r}")
        if not (m.isfile() or m.isdir()):
            raise BadInputError(f"{archive}: refusing special member in archive: {m.name!r}")


def _extract_zip(archive: Path, dest: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            _check_zip(archive, zf, dest)
            bad = zf.testzip()
            if bad is not None:
                raise BadInputError(f"{archive}: archive is corrupt (bad CRC in member {bad!r})")
            for info in zf.infolist():
                rel = _check_name(archive, info.filename, dest)
                target = dest / rel
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out, 1024 * 1024)
    except BadInputError:
        raise
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError) as exc:
        raise _corrupt(archive, exc) from exc


def _extract_tar(archive: Path, dest: Path) -> None:
    try:
        with tarfile.open(archive, mode="r:*") as tf:
            members = tf.getmembers()
            _check_tar(archive, members, dest)
            if hasattr(tarfile, "data_filter"):
                tf.extractall(dest, members=members, filter="data")
            else:  # pragma: no cover - Python without extraction filters
                tf.extractall(dest, members=members)
    except BadInputError:
        raise
    except tarfile.FilterError as exc:
        raise BadInputError(f"{archive}: refusing unsafe archive member ({exc})") from exc
    except (tarfile.TarError, zlib.error, lzma.LZMAError, EOFError) as exc:
        raise _corrupt(archive, exc) from exc


def safe_extract(archive: Path, dest: Path) -> None:
    """Extract ``archive`` into ``dest`` after checking every member (see module docstring).

    The archive type is detected from its content, not its name. Raises BadInputError
    (one line, naming the archive and, for unsafe members, the member).
    """
    archive = Path(archive)
    dest = Path(dest)
    if not archive.is_file():
        raise BadInputError(f"{archive}: archive not found")
    created = not dest.exists()
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if zipfile.is_zipfile(archive):
            _extract_zip(archive, dest)
        else:
            try:
                is_tar = tarfile.is_tarfile(archive)
            except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
                raise _corrupt(archive, exc) from exc
            if not is_tar:
                raise BadInputError(
                    f"{archive}: not a readable zip or tar archive (corrupt, or an unsupported format)"
                )
            _extract_tar(archive, dest)
    except BaseException:
        if created:
            shutil.rmtree(dest, ignore_errors=True)
        raise
