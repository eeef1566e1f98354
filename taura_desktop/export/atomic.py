"""Write an output file under a temporary name beside it and rename it only when complete.

A cancelled or failed export therefore never leaves a finished-looking file: the partial file
is a hidden ``.<name>.<random>.part`` that is removed on any exception.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from taura_desktop.errors import MediaError
from taura_desktop.paths import share_mode

PART_SUFFIX = ".part"


def partial_name(path: Path) -> Path:
    """A hidden temporary name in the same folder as ``path`` (same filesystem: atomic rename)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}{PART_SUFFIX}")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed to ``path``.

    On any exception (including :class:`~taura_desktop.errors.CancelledError`) the temporary
    file is deleted and the exception propagates; an existing ``path`` is left untouched.
    """
    final = Path(path)
    parent = final.parent
    if not parent.is_dir():
        raise MediaError(f"{final}: output folder does not exist")
    if not os.access(parent, os.W_OK):
        raise MediaError(f"{final}: output folder is not writable")
    tmp = partial_name(final)
    try:
        yield tmp
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise MediaError(f"{final}: nothing was written")
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        share_mode(tmp)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def scratch_dir(beside: str | os.PathLike[str]) -> Iterator[Path]:
    """A hidden scratch folder next to ``beside`` (removed on exit, success or not)."""
    parent = Path(beside).parent
    d = Path(tempfile.mkdtemp(prefix=".taura-export-", dir=parent if parent.is_dir() else None))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)
