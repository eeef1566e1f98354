"""Running ffmpeg for the export: progress from ``-progress``, cancel by killing the child."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from typing import IO

import numpy as np

from taura_desktop.errors import CancelledError, EngineUnavailableError, MediaError

Progress = Callable[[float, str], None]
"""``progress(fraction 0..1, message)``; it may raise CancelledError to stop the export."""
Cancel = Callable[[], bool]
"""Polled often; return True to cancel (e.g. ``threading.Event().is_set``)."""


def ffmpeg_bin() -> str:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise EngineUnavailableError("ffmpeg: not found on PATH; install ffmpeg (apt-get install ffmpeg)")
    return exe


def check_cancel(cancel: Cancel | None) -> None:
    if cancel is not None and cancel():
        raise CancelledError("export cancelled")


def _last_line(fh: IO[bytes]) -> str:
    with contextlib.suppress(OSError):
        fh.seek(0)
        lines = [ln.strip() for ln in fh.read().decode("utf-8", "replace").splitlines()]
        lines = [ln for ln in lines if ln]
        if lines:
            return " ".join(lines[-1].split())[:300]
    return "unknown error"


def run_ffmpeg(
    args: Sequence[str],
    *,
    what: str,
    duration_s: float | None = None,
    on_fraction: Callable[[float], None] | None = None,
    cancel: Cancel | None = None,
    cwd: str | None = None,
) -> None:
    """Run ``ffmpeg <args>``; report 0..1 through ``on_fraction``; kill it on cancel.

    Raises MediaError naming ``what`` with ffmpeg's last error line when it fails,
    CancelledError when cancelled (the child is killed and reaped first).
    """
    cmd = [ffmpeg_bin(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error",
           "-nostats", "-progress", "pipe:1", *args]
    out_us = [0]

    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=cwd)

        def reader() -> None:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.decode("ascii", "replace").strip()
                if line.startswith("out_time_us="):
                    with contextlib.suppress(ValueError):
                        out_us[0] = int(line.split("=", 1)[1])

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        try:
            while True:
                try:
                    proc.wait(timeout=0.1)
                    break
                except subprocess.TimeoutExpired:
                    pass
                check_cancel(cancel)
                if on_fraction is not None and duration_s:
                    on_fraction(min(1.0, max(0.0, out_us[0] / 1e6 / duration_s)))
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            t.join(timeout=5)
        if proc.returncode != 0:
            raise MediaError(f"{what}: ffmpeg failed ({_last_line(err)})")
    if on_fraction is not None:
        on_fraction(1.0)


class PipeEncoder:
    """An ffmpeg child that encodes raw float32 interleaved PCM written to its stdin."""

    def __init__(self, out_args: Sequence[str], *, rate: int, channels: int, what: str) -> None:
        self.what = what
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close()/kill())
        cmd = [ffmpeg_bin(), "-hide_banner", "-y", "-loglevel", "error", "-nostats",
               "-f", "f32le", "-ar", str(rate), "-ac", str(channels), "-i", "pipe:0", *out_args]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=self._err)

    def write(self, block: np.ndarray) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(np.ascontiguousarray(block, dtype="<f4").tobytes())
        except (BrokenPipeError, OSError):
            self.proc.wait()
            raise MediaError(f"{self.what}: ffmpeg encoder failed ({_last_line(self._err)})") from None

    def close(self) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(BrokenPipeError, OSError):
            self.proc.stdin.close()
        rc = self.proc.wait()
        try:
            if rc != 0:
                raise MediaError(f"{self.what}: ffmpeg encoder failed ({_last_line(self._err)})")
        finally:
            self._err.close()

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(BrokenPipeError, OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        self.proc.wait()
        self._err.close()
