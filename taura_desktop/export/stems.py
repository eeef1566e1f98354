"""Stems for a mixing stage: dub-only per language, original, background, final mix (WAV 48 kHz).

All written streamed (bounded memory), 24-bit PCM, each file atomically.
"""

from __future__ import annotations

import contextlib
import wave
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np

from taura_desktop.errors import MediaError
from taura_desktop.export._proc import Cancel, Progress, check_cancel
from taura_desktop.export.atomic import atomic_output
from taura_desktop.export.master import iso639_2
from taura_desktop.export.mix import MixSettings, mix_tracks
from taura_desktop.export.render import DubTrack, render_dub
from taura_desktop.media.decode import DEFAULT_BLOCK, fixed_blocks, iter_audio_blocks
from taura_desktop.media.probe import audio_channels, probe_cached


class WavWriter:
    """Streamed 24-bit PCM WAV writer for float32 blocks ``(n,)`` or ``(n, channels)``."""

    def __init__(self, path: Path, rate: int, channels: int) -> None:
        self.path = path
        self.rate = rate
        self.channels = channels
        self.frames = 0
        self._w = self._open()

    def _open(self) -> wave.Wave_write:
        w = wave.open(str(self.path), "wb")  # noqa: SIM115 (closed in close())
        w.setnchannels(self.channels)
        w.setsampwidth(3)
        w.setframerate(self.rate)
        return w

    def restart(self) -> None:
        """Start the file over, empty."""
        self._w.close()
        self.frames = 0
        self._w = self._open()

    def write(self, block: np.ndarray) -> None:
        x = np.asarray(block, dtype=np.float32).reshape(-1, self.channels)
        q = np.clip(np.rint(x * 8388608.0), -8388608, 8388607).astype("<i4")
        self._w.writeframesraw(q.view(np.uint8).reshape(-1, 4)[:, :3].tobytes())
        self.frames += len(x)

    def close(self) -> None:
        self._w.close()


@contextlib.contextmanager
def _wav(path: Path, rate: int, channels: int) -> Iterator[WavWriter]:
    with atomic_output(path) as tmp:
        w = WavWriter(tmp, rate, channels)
        try:
            yield w
        finally:
            w.close()


def export_stems(
    out_dir: Path,
    *,
    video: Path | None,
    dub_tracks: Sequence[DubTrack],
    settings: MixSettings,
    background: Path | None = None,
    duration_ms: int | None = None,
    include_original: bool = True,
    include_mix: bool = True,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> dict[str, Path]:
    """Write ``dub_<lang>.wav`` (mono, dub only, unprocessed), ``original.wav``,
    ``background.wav`` (when a separated stem is given) and ``mix_<lang>.wav`` (the final,
    loudness-normalized and limited mix exactly as in the master) into ``out_dir``.

    Returns {stem name: path}, names ``dub_spa``, ``original``, ``background``, ``mix_spa``.
    All at ``settings.out_rate`` with the programme's duration.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise MediaError(f"{out_dir}: stems folder does not exist")
    if duration_ms is None:
        if video is None:
            raise MediaError("stems: give the source video or duration_ms")
        duration_ms = probe_cached(video).duration_ms
    sr = settings.out_rate
    total = round(duration_ms * sr / 1000)
    ch_src = audio_channels(video) if video is not None else None
    channels = 2 if ch_src is None else max(1, min(2, ch_src))
    written: dict[str, Path] = {}
    jobs = len(dub_tracks) + int(include_original and ch_src is not None) + int(background is not None)
    jobs += int(include_mix and bool(dub_tracks)) * 3
    done = [0]

    def step(msg: str) -> Callable[[float], None]:
        def f(frac: float) -> None:
            check_cancel(cancel)
            if progress is not None:
                progress(min(1.0, (done[0] + frac) / max(1, jobs)), msg)
        return f

    for t in dub_tracks:
        name = f"dub_{iso639_2(t.lang)}"
        path = out_dir / f"{name}.wav"
        tick = step(f"stem {name}")
        with _wav(path, sr, 1) as w:
            for i, b in enumerate(render_dub(t.clips, duration_ms, sr)):
                w.write(b)
                tick(min(1.0, (i + 1) * DEFAULT_BLOCK / max(1, total)))
        written[name] = path
        done[0] += 1
    for name, src in (("original", video if include_original and ch_src is not None else None),
                      ("background", background)):
        if src is None:
            continue
        path = out_dir / f"{name}.wav"
        tick = step(f"stem {name}")
        with _wav(path, sr, channels) as w:
            blocks = fixed_blocks(iter_audio_blocks(src, sr, channels), total, DEFAULT_BLOCK, channels)
            for i, b in enumerate(blocks):
                w.write(b)
                tick(min(1.0, (i + 1) * DEFAULT_BLOCK / max(1, total)))
        written[name] = path
        done[0] += 1
    if include_mix and dub_tracks:
        names = [f"mix_{iso639_2(t.lang)}" for t in dub_tracks]
        paths = [out_dir / f"{n}.wav" for n in names]
        with contextlib.ExitStack() as stack:
            writers = [stack.enter_context(_wav(p, sr, channels)) for p in paths]
            tick = step("final mix")

            def restart() -> None:
                for w in writers:
                    w.restart()

            mix_tracks(video, dub_tracks, settings, [w.write for w in writers],
                       duration_ms=duration_ms, channels=channels, background=background,
                       on_fraction=lambda f: tick(3 * f), cancel=cancel,
                       restart=restart)
        written.update(zip(names, paths, strict=True))
    if progress is not None:
        progress(1.0, "stems done")
    return written
