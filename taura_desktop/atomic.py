"""Writing a file so that readers never see half of it: the one atomic-write helper.

The data goes to a hidden ``.<name>.<random>.part`` beside the target (same filesystem, so the
final rename is atomic), is flushed to disk, gets the mode a plainly created file gets, and
only then replaces the target. On any exception the partial file is removed and an existing
target is left untouched. Callers turn ``OSError`` into their own one-line error naming the
file, and check what is theirs to check (the folder exists, something was written).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from taura_desktop.paths import share_mode

PART_SUFFIX = ".part"


def partial_name(path: Path) -> Path:
    """A hidden temporary name in the same folder as ``path``."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}{PART_SUFFIX}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is synced and renamed to ``path``.

    The file may be written by anything (another process too); one written through a private
    temporary name of its own (0600) still ends up 0666 minus the umask.
    """
    final = Path(path)
    tmp = partial_name(final)
    try:
        yield tmp
        if tmp.is_file():
            if fsync:
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
            share_mode(tmp)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *, fsync: bool = True) -> Path:
    with atomic_path(path, fsync=fsync) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """UTF-8 ``text`` with ``\\n`` line ends."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return Path(path)
