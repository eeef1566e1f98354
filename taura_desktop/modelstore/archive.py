"""Safe extraction of model archives (.argosmodel, .zip, .tar, .tar.gz/.tgz, .tar.xz, .tar.bz2).

Every member is checked before anything is written: absolute paths, drive letters, ``..``
components, symlinks, hardlinks, device files and FIFOs are refused with a one-line
BadInputError naming the archive and the member. Members are then written one by one by
this module (not ``extractall``: tarfile's extraction filters and ``FilterError`` exist only
from Python 3.11.4, and Debian 12 ships 3.11.2), as plain files with default permissions.

Size: an archive that would unpack to more than ``max_bytes`` (default 64 GB, or
$TAURA_MAX_MODEL_BYTES), or to more than 100 MB at a compression ratio above 50:1 (real
model weights barely compress; a zip bomb does) is refused before anything is written, and
the bytes actually written are counted too, so a member that lies about its size stops there.
When extraction fails, whatever was written under a ``dest`` that did not exist before is
removed again.
"""

from __future__ import annotations

import lzma
import os
import shutil
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import Any

from taura_desktop.errors import BadInputError, first_line

ENV_MAX_BYTES = "TAURA_MAX_MODEL_BYTES"
DEFAULT_MAX_BYTES = 64 * 1024**3
RATIO_FLOOR_BYTES = 100 * 1024**2  # below this, any compression ratio is fine
MAX_RATIO = 50.0


def max_unpacked_bytes() -> int:
    raw = os.environ.get(ENV_MAX_BYTES, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_BYTES


def _check_size(archive: Path, declared: int, max_bytes: int) -> None:
    packed = max(archive.stat().st_size, 1)
    if declared > max_bytes:
        raise BadInputError(
            f"{archive}: archive unpacks to {declared:,} bytes, over the {max_bytes:,} byte limit "
            f"for a model (${ENV_MAX_BYTES} raises it)"
        )
    if declared > RATIO_FLOOR_BYTES and declared / packed > MAX_RATIO:
        raise BadInputError(
            f"{archive}: refusing archive that unpacks {packed:,} bytes into {declared:,} "
            f"(ratio {declared / packed:.0f}:1; a zip bomb, not model weights)"
        )


def _copy_limited(src: Any, out: Any, archive: Path, budget: list[int]) -> None:
    while block := src.read(1024 * 1024):
        budget[0] -= len(block)
        if budget[0] < 0:
            raise BadInputError(f"{archive}: archive unpacks to more than it declares; refusing it")
        out.write(block)

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
    detail = first_line(exc)
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


def _extract_zip(archive: Path, dest: Path, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            _check_zip(archive, zf, dest)
            declared = sum(i.file_size for i in zf.infolist())
            _check_size(archive, declared, max_bytes)
            budget = [declared]
            for info in zf.infolist():
                rel = _check_name(archive, info.filename, dest)
                target = dest / rel
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:  # CRC checked at the end
                    _copy_limited(src, out, archive, budget)
    except BadInputError:
        raise
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, NotImplementedError) as exc:
        raise _corrupt(archive, exc) from exc


def _extract_tar(archive: Path, dest: Path, max_bytes: int) -> None:
    try:
        with tarfile.open(archive, mode="r:*") as tf:
            members = tf.getmembers()
            _check_tar(archive, members, dest)
            _check_size(archive, sum(m.size for m in members if m.isfile()), max_bytes)
            for m in members:  # files only (links and devices were refused): copy by hand
                rel = _check_name(archive, m.name, dest)
                target = dest / rel
                if m.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                src = tf.extractfile(m)
                if src is None:
                    raise BadInputError(f"{archive}: cannot read archive member {m.name!r}")
                with src, open(target, "wb") as out:
                    _copy_limited(src, out, archive, [m.size])
    except BadInputError:
        raise
    except (tarfile.TarError, zlib.error, lzma.LZMAError, EOFError) as exc:
        raise _corrupt(archive, exc) from exc


def safe_extract(archive: Path, dest: Path, max_bytes: int | None = None) -> None:
    """Extract ``archive`` into ``dest`` after checking every member (see module docstring).

    The archive type is detected from its content, not its name. Raises BadInputError
    (one line, naming the archive and, for unsafe members, the member).
    """
    archive = Path(archive)
    dest = Path(dest)
    limit = max_unpacked_bytes() if max_bytes is None else max_bytes
    if not archive.is_file():
        raise BadInputError(f"{archive}: archive not found")
    created = not dest.exists()
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if zipfile.is_zipfile(archive):
            _extract_zip(archive, dest, limit)
        else:
            try:
                is_tar = tarfile.is_tarfile(archive)
            except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
                raise _corrupt(archive, exc) from exc
            if not is_tar:
                raise BadInputError(
                    f"{archive}: not a readable zip or tar archive (corrupt, or an unsupported format)"
                )
            _extract_tar(archive, dest, limit)
    except BaseException:
        if created:
            shutil.rmtree(dest, ignore_errors=True)
        raise
