"""Finding and talking to the ffmpeg binary: its path, its error text, pipe sizing."""

from __future__ import annotations

import contextlib
import shutil
from typing import IO

from taura_desktop.errors import EngineUnavailableError


def ffmpeg_bin() -> str:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise EngineUnavailableError("ffmpeg: not found on PATH; install ffmpeg (apt-get install ffmpeg)")
    return exe


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
