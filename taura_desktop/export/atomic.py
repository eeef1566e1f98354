"""Output files of an export: written under a temporary name beside them and renamed only when
complete (:func:`taura_desktop.atomic.atomic_path`), so a cancelled or failed export never
leaves a finished-looking file; plus a scratch folder for the intermediate files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from taura_desktop.atomic import atomic_path
from taura_desktop.errors import MediaError


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed to ``path``.

    The folder must exist and be writable, and the writer must leave a non-empty file
    (:class:`~taura_desktop.errors.MediaError` otherwise). On any exception (including
    :class:`~taura_desktop.errors.CancelledError`) the temporary file is deleted and the
    exception propagates; an existing ``path`` is left untouched.
    """
    final = Path(path)
    parent = final.parent
    if not parent.is_dir():
        raise MediaError(f"{final}: output folder does not exist")
    if not os.access(parent, os.W_OK):
        raise MediaError(f"{final}: output folder is not writable")
    with atomic_path(final) as tmp:
        yield tmp
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise MediaError(f"{final}: nothing was written")


@contextlib.contextmanager
def scratch_dir(beside: str | os.PathLike[str]) -> Iterator[Path]:
    """A hidden scratch folder next to ``beside`` (removed on exit, success or not)."""
    parent = Path(beside).parent
    d = Path(tempfile.mkdtemp(prefix=".taura-export-", dir=parent if parent.is_dir() else None))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)
