"""One writer at a time: an advisory lock file beside the project (``NAME.taura.lock``).

Every process that may change a project (the editor, every CLI command that writes) holds an
exclusive ``flock`` on the lock file for as long as the project is open. The kernel drops the
lock when the holder exits, however it exits (kill -9 included), so a stale lock file left by a
killed process is simply taken over. The file names its holder (pid and command), so a refused
process can say who is writing. Read-only opens (``info``, ``qc``, subtitle export) take no lock:
SQLite's WAL lets them read a consistent snapshot while a writer works.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import sys
import time
from pathlib import Path

from taura_desktop.errors import ProjectBusyError, ProjectError, ReadOnlyProjectError

_holder_label: str | None = None


def set_holder_label(label: str) -> None:
    """What this process is called in another process's refusal, e.g. ``taura voice``."""
    global _holder_label
    _holder_label = label


def _label() -> str:
    if _holder_label:
        return _holder_label
    argv = sys.argv or ["python"]
    words = [Path(argv[0]).name, *argv[1:3]]
    return " ".join(w for w in words if w)[:120] or "python"


def lock_path_for(project: Path) -> Path:
    return project.with_name(project.name + ".lock")


def _describe(data: bytes) -> str:
    try:
        info = json.loads(data.decode("utf-8"))
        return f"pid {int(info['pid'])}: {info['command']}"
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return "another process"


class ProjectLock:
    """An exclusive lock on one project; :meth:`release` (or process exit) gives it up."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, project: Path, *, wait_s: float = 0.0) -> ProjectLock:
        """Take the lock or raise :class:`ProjectBusyError` naming the holder (after waiting
        up to ``wait_s`` seconds) or :class:`ReadOnlyProjectError` when no lock file can be
        made (read-only file system or folder)."""
        lock_path = lock_path_for(project)
        deadline = time.monotonic() + max(0.0, wait_s)
        while True:
            try:
                fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                    raise ReadOnlyProjectError(
                        f"{project}: read-only ({exc.strerror}: {lock_path}); it can be read and "
                        "exported but not changed"
                    ) from None
                raise ProjectError(
                    f"{project}: cannot create lock file {lock_path} ({exc.strerror})"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _describe(os.pread(fd, 4096, 0))
                os.close(fd)
                if time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                raise ProjectBusyError(
                    f"{project}: in use by another process ({holder}); only one program may change "
                    "a project at a time, try again when it is done"
                ) from None
            # The previous holder may have removed the file between our open and our lock:
            # a lock on an unlinked file guards nothing, so start over.
            try:
                same = os.stat(lock_path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            record = json.dumps({"pid": os.getpid(), "command": _label(), "since": time.time()})
            # naming the holder is a courtesy (a full disk may refuse it); the flock is the lock
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, record.encode("utf-8") + b"\n", 0)
            return cls(lock_path, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # while still locked: a waiter on the old file starts over
        os.close(fd)


def holder_of(project: Path) -> str | None:
    """Who holds the lock of ``project`` now, or None when nobody does."""
    lock_path = lock_path_for(project)
    try:
        fd = os.open(lock_path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _describe(os.pread(fd, 4096, 0))
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
