"""Finding and talking to the ffmpeg binaries: their paths, ffmpeg's error text, pipe sizing."""

from __future__ import annotations

import contextlib
import shutil
from typing import IO

from taura_desktop.errors import EngineUnavailableError


def _program(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise EngineUnavailableError(f"{name}: not found on PATH; install ffmpeg (apt-get install ffmpeg)")
    return exe


def ffmpeg_bin() -> str:
    return _program("ffmpeg")


def ffprobe_bin() -> str:
    return _program("ffprobe")


def last_line(fh: IO[bytes]) -> str:
    """The last non-empty line ffmpeg wrote to ``fh`` (its stderr file), on one line."""
    with contextlib.suppress(OSError):
        fh.seek(0)
        lines = [ln.strip() for ln in fh.read().decode("utf-8", "replace").splitlines()]
        lines = [ln for ln in lines if ln]
        if lines:
            return " ".join(lines[-1].split())[:300]
    return "unknown error"


def grow_pipe(fd: int, size: int = 1 << 20) -> None:
    """Enlarge a pipe's kernel buffer (Linux; elsewhere a no-op) so producer and consumer
    run decoupled instead of in 64 KiB lock-step."""
    with contextlib.suppress(OSError, AttributeError, ValueError):
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), size)
