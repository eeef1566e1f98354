"""Running ffmpeg for the export: progress from ``-progress``, cancel by killing the child."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

from taura_desktop.errors import CancelledError, MediaError
from taura_desktop.media.ffmpeg import ffmpeg_bin, grow_pipe, last_line

Progress = Callable[[float, str], None]
"""``progress(fraction 0..1, message)``; it may raise CancelledError to stop the export."""
Cancel = Callable[[], bool]
"""Polled often; return True to cancel (e.g. ``threading.Event().is_set``)."""


def check_cancel(cancel: Cancel | None) -> None:
    if cancel is not None and cancel():
        raise CancelledError("export cancelled")


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
            raise MediaError(f"{what}: ffmpeg failed ({last_line(err)})")
    if on_fraction is not None:
        on_fraction(1.0)


def pin_encoder(pid: int) -> None:
    """Keep the encoder child on one CPU (Linux, two CPUs or more; ``TAURA_EXPORT_PIN=0``
    turns it off). Measured on 2 cores: unpinned, the scheduler keeps pulling the mixer and
    the decoder onto the encoder's CPU (they wake each other through the pipes) and the
    export takes ~15 % longer; pinned, the others settle on the remaining CPUs."""
    if os.environ.get("TAURA_EXPORT_PIN", "1") == "0" or not hasattr(os, "sched_setaffinity"):
        return
    with contextlib.suppress(OSError):
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) >= 2:
            with _PIN_LOCK:  # successive (or concurrent) encoders of this process alternate CPUs
                _PINNED[0] += 1
                os.sched_setaffinity(pid, {cpus[-(_PINNED[0] % len(cpus)) - 1]})


_PIN_LOCK = threading.Lock()
_PINNED = [-1]


class PcmMux:
    """One ffmpeg child that reads N raw float32 PCM streams from pipes (``pipe:<fd>``),
    encodes them and writes the final file together with its other inputs, in one run.

    ``build(specs)`` gets, per stream, the input options (``-f f32le ... -i pipe:<fd>``) and
    returns ffmpeg's arguments. The pipes are non-blocking and pumped from the calling thread
    (no GIL hand-offs): ``write`` returns once no stream has more than ``pending_limit`` bytes
    waiting, so ffmpeg may read the streams in any order without a deadlock.
    """

    def __init__(self, build: Callable[[list[list[str]]], list[str]], n: int, *, rate: int,
                 channels: int, what: str, pending_limit: int = 4 << 20) -> None:
        self.what = what
        self.limit = pending_limit
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close()/kill())
        self._wfds: list[int] = []
        rfds: list[int] = []
        specs: list[list[str]] = []
        try:
            for _ in range(n):
                r, w = os.pipe()
                rfds.append(r)
                self._wfds.append(w)
                grow_pipe(w)
                os.set_blocking(w, False)
                specs.append(["-f", "f32le", "-ar", str(rate), "-ac", str(channels),
                              "-probesize", "32", "-analyzeduration", "0", "-i", f"pipe:{r}"])
            cmd = [ffmpeg_bin(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats",
                   *build(specs)]
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=self._err, pass_fds=tuple(rfds))
            if n == 1:  # one encoder; several may run on threads in newer ffmpeg: leave those free
                pin_encoder(self.proc.pid)
        except BaseException:
            self._close_fds()
            self._err.close()
            raise
        finally:
            for fd in rfds:
                os.close(fd)
        self._pending: list[list[memoryview]] = [[] for _ in range(n)]
        self._bytes = [0] * n

    def _close_fds(self) -> None:
        for fd in self._wfds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._wfds = []

    def _fail(self) -> MediaError:
        self.proc.wait()
        return MediaError(f"{self.what}: ffmpeg failed ({last_line(self._err)})")

    def _pump(self, limit: int) -> None:
        """Write until every stream has at most ``limit`` bytes pending.

        A full pipe is retried after a short sleep rather than waited on with select/poll:
        being woken by the encoder each time it reads a page would pull this process onto
        the encoder's CPU (wake-affine) and slow both; a 1 MiB pipe holds ~20 ms of work.
        """
        idle = 0
        while True:
            busy = [i for i, b in enumerate(self._bytes) if b > limit]
            if not busy:
                return
            wrote = False
            for i, q in enumerate(self._pending):
                while q:
                    try:
                        k = os.write(self._wfds[i], q[0])
                    except BlockingIOError:
                        break
                    except OSError:
                        raise self._fail() from None
                    wrote = True
                    self._bytes[i] -= k
                    q[0] = q[0][k:]
                    if not len(q[0]):
                        q.pop(0)
            if wrote:
                idle = 0
                continue
            idle += 1
            if idle % 64 == 0 and self.proc.poll() is not None:
                raise self._fail()
            time.sleep(0.003)

    def write(self, i: int, block: np.ndarray) -> None:
        data = np.ascontiguousarray(block, dtype="<f4")
        if not data.size:
            return
        self._pending[i].append(data.data.cast("B"))
        self._bytes[i] += data.nbytes
        self._pump(self.limit)

    def close(self, *, cancel: Cancel | None = None, on_wait: Callable[[], None] | None = None) -> None:
        """End the streams and wait for ffmpeg to finish the file (``on_wait`` polled)."""
        try:
            self._pump(0)
            self._close_fds()
            while True:
                try:
                    self.proc.wait(timeout=0.05)
                    break
                except subprocess.TimeoutExpired:
                    pass
                check_cancel(cancel)
                if on_wait is not None:
                    on_wait()
            if self.proc.returncode != 0:
                raise self._fail()
        except BaseException:
            self.kill()
            raise
        self._err.close()

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        self._close_fds()
        self.proc.wait()
        with contextlib.suppress(OSError, ValueError):
            self._err.close()
