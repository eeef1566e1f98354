"""Mixing dubbed clips with the original audio, streamed in blocks at the output rate.

Nothing here holds a whole programme in memory: the original (and a background stem) are
decoded block by block with PyAV, each dub clip is resampled only while it plays, and every
stage (ducking envelope, loudness meter, limiter) keeps just the state it needs between blocks.

Two passes make the loudness exact: pass 1 renders the mix and measures its integrated loudness
(ITU-R BS.1770-4 gating); pass 2 renders it again with the gain to the target, runs a
look-ahead limiter (the output never exceeds the ceiling) and hands the blocks to sinks
(ffmpeg encoders, WAV writers).

Clip placement is exact: a clip starting at ``start_ms`` begins at sample
``round(start_ms * sr / 1000)`` of the output, for every clip, whatever the length of the video.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from taura_desktop.dub.loudness import k_weighting_coeffs
from taura_desktop.errors import CancelledError, EngineUnavailableError, MediaError, UsageError

MixMode = Literal["replace", "duck", "background"]
MODES: tuple[str, ...] = ("replace", "duck", "background")
DEFAULT_BLOCK = 1 << 16  # samples per block (1.37 s at 48 kHz)


@dataclass(frozen=True, slots=True)
class PlacedClip:
    """A dubbed clip (float32 mono, -1..1) placed at ``start_ms`` on the video timeline."""

    start_ms: int
    samples: np.ndarray
    sample_rate: int


@dataclass(frozen=True, slots=True)
class DubTrack:
    """All clips of one target language. ``lang`` is ISO 639-1 or 639-2 ("es" or "spa")."""

    lang: str
    title: str
    clips: Sequence[PlacedClip]


@dataclass(frozen=True, slots=True)
class MixSettings:
    mode: MixMode = "duck"
    duck_db: float = -12.0  # original level under a clip (duck mode)
    attack_ms: int = 80  # ramp down, finished when the clip starts
    release_ms: int = 300  # ramp back up after the clip ends
    target_lufs: float = -23.0  # EBU R128 broadcast; -16 for web
    out_rate: int = 48000
    limiter_ceiling_db: float = -1.0  # sample peak ceiling, dBFS

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"mix settings: unknown mode {self.mode!r} (use replace, duck or background)")
        if not 8000 <= self.out_rate <= 192000:
            raise UsageError(f"mix settings: output rate {self.out_rate} Hz is out of range 8000-192000")
        if self.duck_db > 0:
            raise UsageError(f"mix settings: duck_db must be <= 0 dB, got {self.duck_db}")
        if self.attack_ms < 0 or self.release_ms < 0:
            raise UsageError("mix settings: attack_ms and release_ms must be >= 0")
        if not -70.0 <= self.target_lufs <= 0.0:
            raise UsageError(f"mix settings: target loudness {self.target_lufs} LUFS is out of range -70..0")
        if not -20.0 <= self.limiter_ceiling_db <= 0.0:
            raise UsageError(
                f"mix settings: limiter ceiling {self.limiter_ceiling_db} dBFS is out of range -20..0"
            )


@dataclass(frozen=True, slots=True)
class MixResult:
    """What one rendered track measured."""

    lang: str
    samples: int  # length of the rendered track at the output rate
    input_lufs: float  # loudness of the mix before the gain (-inf for silence)
    gain_db: float
    output_lufs: float  # loudness of what was delivered (after gain and limiter)
    peak_dbfs: float  # sample peak of what was delivered
    clips_outside: int  # clips (partly) outside the programme, cut at its edges


# --------------------------------------------------------------------------------------------
# decoding


def source_duration_ms(path: str | os.PathLike[str]) -> int:
    """Programme duration of a media file (container duration), in ms."""
    from taura_desktop.media.probe import probe

    return probe(path).duration_ms


def iter_audio_blocks(
    path: str | os.PathLike[str], sr: int, channels: int, *, block: int = DEFAULT_BLOCK
) -> Iterator[np.ndarray]:
    """Decode the first audio stream of ``path`` as float32 ``(n, channels)`` blocks at ``sr``.

    Decoding runs in an ffmpeg child (in parallel with the mixing; faster than PyAV here).
    Sample 0 is the media's time zero (a leading gap is filled with silence). Every block has
    ``block`` frames except the last. Closing the generator kills the child.
    """
    import subprocess
    import tempfile

    from taura_desktop.export._proc import _last_line, ffmpeg_bin
    from taura_desktop.media.probe import check_readable

    p = check_readable(path)
    frame_bytes = 4 * channels
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [ffmpeg_bin(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(p),
             "-map", "0:a:0", "-vn", "-sn", "-dn", "-af", "aresample=async=1:first_pts=0",
             "-ac", str(channels), "-ar", str(sr), "-f", "f32le", "pipe:1"],
            stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL, bufsize=0,
        )
        assert proc.stdout is not None
        try:
            want = block * frame_bytes
            while True:
                buf = bytearray()
                while len(buf) < want:
                    chunk = proc.stdout.read(want - len(buf))
                    if not chunk:
                        break
                    buf += chunk
                n = len(buf) // frame_bytes
                if n:
                    yield np.frombuffer(bytes(buf[: n * frame_bytes]), "<f4").reshape(n, channels)
                if len(buf) < want:
                    break
            if proc.wait() != 0:
                raise MediaError(f"{p}: audio decoding failed ({_last_line(err)})")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()


def audio_channels(path: str | os.PathLike[str]) -> int | None:
    """Channel count of the first audio stream, None when there is none."""
    from taura_desktop.media.probe import probe

    streams = probe(path).audio_streams
    return streams[0].channels if streams else None


class _Rechunker:
    def __init__(self, block: int, channels: int) -> None:
        self.block = block
        self.channels = channels
        self.parts: list[np.ndarray] = []
        self.n = 0

    def push(self, data: np.ndarray) -> Iterator[np.ndarray]:
        if len(data) == 0:
            return
        self.parts.append(data)
        self.n += len(data)
        if self.n < self.block:
            return
        flat = np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
        k = len(flat) // self.block
        for i in range(k):
            yield flat[i * self.block : (i + 1) * self.block]
        rest = flat[k * self.block :]
        self.parts = [rest] if len(rest) else []
        self.n = len(rest)

    def flush(self) -> Iterator[np.ndarray]:
        if self.n:
            yield np.concatenate(self.parts) if len(self.parts) > 1 else self.parts[0]
        self.parts, self.n = [], 0


def _fixed_blocks(
    blocks: Iterable[np.ndarray], total: int, block: int, channels: int
) -> Iterator[np.ndarray]:
    """Re-cut ``blocks`` to exactly ``total`` frames in ``block``-sized pieces (pad / cut)."""
    pos = 0
    rc = _Rechunker(block, channels)
    for b in blocks:
        if pos >= total:
            break
        b = b[: total - pos]
        pos += len(b)
        yield from rc.push(b)
    if pos < total:
        pad = total - pos
        while pad > 0:
            z = min(pad, block)
            yield from rc.push(np.zeros((z, channels), np.float32))
            pad -= z
    yield from rc.flush()


# --------------------------------------------------------------------------------------------
# dub rendering


def _resample(samples: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    from taura_desktop.media.audio_io import resample

    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if sr_from == sr_to:
        return x
    return np.asarray(resample(x, sr_from, sr_to), dtype=np.float32).reshape(-1)


def clip_start_sample(start_ms: int, sr: int) -> int:
    """Where a clip starts in output samples: ``round(start_ms * sr / 1000)`` (no drift)."""
    return round(start_ms * sr / 1000)


class DubRenderer:
    """Renders the dub-only signal of one language block by block (monotonic block starts).

    Each clip is resampled to the output rate when its start is reached and dropped once
    passed, so memory is bounded by the clips that overlap one block.
    """

    def __init__(self, clips: Sequence[PlacedClip], sr: int, total: int | None = None) -> None:
        for c in clips:
            if c.sample_rate <= 0:
                raise UsageError(f"dub clip at {c.start_ms} ms: invalid sample rate {c.sample_rate}")
            if np.asarray(c.samples).ndim != 1:
                raise UsageError(f"dub clip at {c.start_ms} ms: samples must be mono (1-D)")
        self.sr = sr
        self.total = total
        self.clips = sorted(clips, key=lambda c: c.start_ms)
        self._next = 0
        self._active: list[tuple[int, np.ndarray]] = []
        self.outside = 0
        if total is not None:
            for c in self.clips:
                s = clip_start_sample(c.start_ms, sr)
                n = round(len(c.samples) * sr / c.sample_rate)
                if s < 0 or s + n > total:
                    self.outside += 1

    def intervals(self) -> list[tuple[int, int]]:
        """(start, end) sample spans of the clips at the output rate (without resampling)."""
        out = []
        for c in self.clips:
            s = clip_start_sample(c.start_ms, self.sr)
            out.append((s, s + round(len(c.samples) * self.sr / c.sample_rate)))
        return out

    def block(self, start: int, n: int) -> np.ndarray:
        end = start + n
        while self._next < len(self.clips):
            c = self.clips[self._next]
            s = clip_start_sample(c.start_ms, self.sr)
            if s >= end:
                break
            self._active.append((s, _resample(c.samples, c.sample_rate, self.sr)))
            self._next += 1
        out = np.zeros(n, np.float32)
        keep: list[tuple[int, np.ndarray]] = []
        for s, data in self._active:
            e = s + len(data)
            a, b = max(s, start), min(e, end)
            if b > a:
                out[a - start : b - start] += data[a - s : b - s]
            if e > end:
                keep.append((s, data))
        self._active = keep
        return out


def render_dub(
    clips: Sequence[PlacedClip], duration_ms: int, sr: int, *, block: int = DEFAULT_BLOCK
) -> Iterator[np.ndarray]:
    """The dub-only signal (float32 mono blocks, ``round(duration_ms*sr/1000)`` samples in all).

    Overlapping clips are summed; parts outside ``[0, duration_ms)`` are cut.
    """
    total = round(duration_ms * sr / 1000)
    r = DubRenderer(clips, sr, total)
    for pos in range(0, total, block):
        yield r.block(pos, min(block, total - pos))


class DuckEnvelope:
    """Gain for the original under the dub: ``duck_db`` while a clip plays, ramping down over
    ``attack_ms`` *before* the clip starts (the future is known: look-ahead) and back up over
    ``release_ms`` after it ends. Clips closer than attack+release are merged (no pumping).
    The ramp is linear in dB."""

    def __init__(
        self, intervals: Sequence[tuple[int, int]], sr: int, duck_db: float, attack_ms: int, release_ms: int
    ) -> None:
        a = max(1, round(attack_ms * sr / 1000))
        r = max(1, round(release_ms * sr / 1000))
        merged: list[list[int]] = []
        for s, e in sorted(intervals):
            if e <= s:
                continue
            if merged and s - merged[-1][1] <= a + r:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        xp: list[float] = []
        fp: list[float] = []
        for s, e in merged:
            xp += [s - a, s, e, e + r]
            fp += [0.0, 1.0, 1.0, 0.0]
        self.xp = np.asarray(xp, dtype=np.float64)
        self.fp = np.asarray(fp, dtype=np.float64)
        self.duck_db = duck_db

    def gain(self, start: int, n: int) -> np.ndarray:
        if len(self.xp) == 0 or self.duck_db == 0:
            return np.ones(n, np.float32)
        lo = np.searchsorted(self.xp, start, side="right")
        hi = np.searchsorted(self.xp, start + n, side="left")
        if lo == hi and lo % 4 == 0:  # entirely outside every ducked zone
            return np.ones(n, np.float32)
        t = np.arange(start, start + n, dtype=np.float64)
        depth = np.interp(t, self.xp, self.fp, left=0.0, right=0.0)
        return np.power(10.0, depth * (self.duck_db / 20.0)).astype(np.float32)


# --------------------------------------------------------------------------------------------
# loudness (BS.1770-4), streamed


class LoudnessMeter:
    """Integrated loudness of a stream of ``(n, channels)`` blocks (channel weights 1.0).

    The mean square of each 100 ms hop is taken after K-weighting in the frequency domain
    (Parseval over the hop's spectrum); gating blocks are 400 ms (four hops, 75 % overlap),
    absolute gate -70 LUFS, relative gate -10 LU. Agrees with ffmpeg's ebur128 to ~0.1 LU.
    """

    def __init__(self, sr: int) -> None:
        self.sr = sr
        self.hop = round(0.1 * sr)
        freqs = np.fft.rfftfreq(self.hop, 1.0 / sr)
        z1 = np.exp(-2j * np.pi * freqs / sr)
        z2 = z1 * z1
        h = np.ones_like(z1)
        for (b0, b1, b2), (a0, a1, a2) in k_weighting_coeffs(sr):
            h *= (b0 + b1 * z1 + b2 * z2) / (a0 + a1 * z1 + a2 * z2)
        w = np.abs(h) ** 2
        c = np.full(len(w), 2.0)
        c[0] = 1.0
        if self.hop % 2 == 0:
            c[-1] = 1.0
        self.weights = w * c / (self.hop * self.hop)
        self._carry: np.ndarray | None = None
        self._hops: list[np.ndarray] = []
        self.peak = 0.0

    def push(self, block: np.ndarray) -> None:
        x = block if block.ndim == 2 else block.reshape(-1, 1)
        if len(x):
            self.peak = max(self.peak, float(np.max(np.abs(x))))
        if self._carry is not None and len(self._carry):
            x = np.concatenate([self._carry, x])
        k = len(x) // self.hop
        self._carry = x[k * self.hop :].copy()
        if k == 0:
            return
        hops = np.ascontiguousarray(x[: k * self.hop].reshape(k, self.hop, x.shape[1]).transpose(0, 2, 1))
        spec = np.fft.rfft(hops, axis=2)
        power = spec.real**2 + spec.imag**2
        self._hops.append((power.astype(np.float64) @ self.weights).sum(axis=1))

    def integrated(self) -> float:
        """Gated integrated loudness in LUFS; ``-inf`` for silence or less than 400 ms."""
        if not self._hops:
            return float("-inf")
        e = np.concatenate(self._hops)
        if len(e) < 4:
            return float("-inf")
        z = (e[:-3] + e[1:-2] + e[2:-1] + e[3:]) / 4.0
        with np.errstate(divide="ignore"):
            lk = -0.691 + 10.0 * np.log10(z)
        z = z[lk > -70.0]
        if len(z) == 0:
            return float("-inf")
        gate = -0.691 + 10.0 * math.log10(float(np.mean(z))) - 10.0
        with np.errstate(divide="ignore"):
            z = z[-0.691 + 10.0 * np.log10(z) > gate]
        return -0.691 + 10.0 * math.log10(float(np.mean(z)))


# --------------------------------------------------------------------------------------------
# limiter


def _sliding_min(a: np.ndarray, w: int) -> np.ndarray:
    """min(a[t:t+w]) for t in 0..len(a)-w (van Herk / Gil-Werman, O(n))."""
    n = len(a)
    m = -(-n // w) * w
    p = np.concatenate([a, np.full(m - n, np.inf, a.dtype)]).reshape(-1, w)
    pre = np.minimum.accumulate(p, axis=1).reshape(-1)
    suf = np.minimum.accumulate(p[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    k = n - w + 1
    return np.minimum(suf[:k], pre[w - 1 : w - 1 + k])


class Limiter:
    """Look-ahead peak limiter: the output sample peak never exceeds ``ceiling_db``.

    Gain is the sliding minimum of the gain each sample needs (over the look-ahead, plus a
    hold for release) smoothed by an ``attack_ms`` moving average, which provably stays at or
    below what every sample needs. Output is aligned with input (the look-ahead is absorbed:
    ``process`` returns up to ``lookahead`` fewer samples, ``flush`` returns the rest).
    """

    def __init__(self, sr: int, channels: int, ceiling_db: float = -1.0,
                 attack_ms: float = 5.0, hold_ms: float = 40.0) -> None:
        self.ceiling = float(10.0 ** (ceiling_db / 20.0))
        self.la = max(1, round(attack_ms * sr / 1000))  # L
        self.hold = max(0, round(hold_ms * sr / 1000))  # R
        self.hist_len = 2 * (self.la - 1) + self.hold
        self.channels = channels
        self._hist = np.ones(self.hist_len, np.float32)
        self._pending = np.zeros((0, channels), np.float32)
        self._hist_clear = True  # history holds no gain reduction
        self.reduced = 0  # samples whose gain was < 1

    def process(self, block: np.ndarray) -> np.ndarray:
        xs = np.concatenate([self._pending, block]) if len(self._pending) else block
        out_n = len(xs) - (self.la - 1)
        if out_n <= 0:
            self._pending = xs
            return np.zeros((0, self.channels), np.float32)
        if self._hist_clear and max(float(xs.max()), -float(xs.min())) <= self.ceiling:
            self._pending = xs[out_n:].copy()
            return xs[:out_n]
        peak = np.max(np.abs(xs), axis=1)
        need = np.minimum(1.0, self.ceiling / np.maximum(peak, 1e-12)).astype(np.float32)
        rs = np.concatenate([self._hist, need])
        self._hist = rs[-self.hist_len :].copy() if self.hist_len else self._hist
        self._pending = xs[out_n:].copy()
        self._hist_clear = bool(self._hist.min() >= 1.0)
        y = xs[:out_n]
        if float(rs.min()) >= 1.0:
            return y.copy()
        m = _sliding_min(rs, self.hist_len + 1)  # out_n + L - 1 values
        c = np.concatenate([[0.0], np.cumsum(m, dtype=np.float64)])
        g = ((c[self.la :] - c[: -self.la]) / self.la).astype(np.float32)[:out_n]
        self.reduced += int(np.count_nonzero(g < 1.0))
        out = y * g[:, None]
        np.clip(out, -self.ceiling, self.ceiling, out=out)
        return out

    def flush(self) -> np.ndarray:
        n = len(self._pending)
        if n == 0:
            return np.zeros((0, self.channels), np.float32)
        tail = self.process(np.zeros((self.la - 1, self.channels), np.float32))
        return tail[:n]


# --------------------------------------------------------------------------------------------
# mixing


def _db(x: float) -> float:
    return 20.0 * math.log10(x) if x > 0 else float("-inf")


def _gain_db(measured: float, target: float) -> float:
    if not math.isfinite(measured):
        return 0.0  # silence: do not amplify noise
    return max(-60.0, min(40.0, target - measured))


class _MixSource:
    """Produces, block by block, the pre-gain mix of every dub track."""

    def __init__(
        self,
        original: Path | None,
        tracks: Sequence[Sequence[PlacedClip]],
        settings: MixSettings,
        *,
        total: int,
        channels: int,
        background: Path | None,
        block: int,
    ) -> None:
        self.original = original
        self.tracks = tracks
        self.s = settings
        self.total = total
        self.channels = channels
        self.background = background
        self.block = block
        if settings.mode == "background" and background is None:
            raise EngineUnavailableError(
                "background mix: no background stem (the source-separation model is missing); "
                "install a separation model or use mix mode duck or replace"
            )
        if background is not None and not Path(background).is_file():
            raise MediaError(f"{background}: background stem file does not exist")

    def blocks(self) -> Iterator[tuple[int, list[np.ndarray]]]:
        s, sr, ch = self.s, self.s.out_rate, self.channels
        renderers = [DubRenderer(t, sr, self.total) for t in self.tracks]
        envs = [
            DuckEnvelope(r.intervals(), sr, s.duck_db, s.attack_ms, s.release_ms) for r in renderers
        ]
        bed_path: Path | None = None
        if s.mode == "duck":
            bed_path = self.original
        elif s.mode == "background":
            bed_path = self.background
        if bed_path is not None:
            bed: Iterator[np.ndarray] = _fixed_blocks(
                iter_audio_blocks(bed_path, sr, ch, block=self.block), self.total, self.block, ch
            )
        else:
            bed = _fixed_blocks((), self.total, self.block, ch)
        pos = 0
        for b in bed:
            n = len(b)
            mixes = []
            for r, env in zip(renderers, envs, strict=True):
                dub = r.block(pos, n)
                if s.mode == "duck":
                    m = b * env.gain(pos, n)[:, None]
                    m += dub[:, None]
                elif s.mode == "background":
                    m = b + dub[:, None]
                else:
                    m = np.repeat(dub[:, None], ch, axis=1)
                mixes.append(m)
            yield pos, mixes
            pos += n

    def outside_counts(self) -> list[int]:
        return [DubRenderer(t, self.s.out_rate, self.total).outside for t in self.tracks]


def mix_tracks(
    original: Path | None,
    tracks: Sequence[DubTrack],
    settings: MixSettings,
    sinks: Sequence[Callable[[np.ndarray], None]],
    *,
    duration_ms: int | None = None,
    channels: int | None = None,
    background: Path | None = None,
    block: int = DEFAULT_BLOCK,
    on_fraction: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[MixResult]:
    """Render each dub track's final mix (two passes) and feed it to ``sinks[i]`` block by block.

    ``original`` is the source media (decoded in duck mode; its duration and channel count
    are used in every mode). ``sinks[i]`` receives float32 ``(n, channels)`` blocks at
    ``settings.out_rate`` totalling the programme duration. ``on_fraction`` gets 0..1.
    """
    if len(sinks) != len(tracks):
        raise UsageError("mix: one sink is needed per dub track")
    if duration_ms is None:
        if original is None:
            raise UsageError("mix: give the original media or duration_ms")
        duration_ms = source_duration_ms(original)
    if channels is None:
        ch = audio_channels(original) if original is not None else None
        channels = 2 if ch is None else max(1, min(2, ch))
    orig: Path | None = original
    if original is not None and settings.mode == "duck" and audio_channels(original) is None:
        orig = None  # no original audio: ducking nothing
    sr = settings.out_rate
    total = round(duration_ms * sr / 1000)
    src = _MixSource(orig, [t.clips for t in tracks], settings, total=total, channels=channels,
                     background=background, block=block)

    def tick(frac: float) -> None:
        if cancel is not None and cancel():
            raise CancelledError("export cancelled")
        if on_fraction is not None:
            on_fraction(frac)

    # pass 1: measure
    meters = [LoudnessMeter(sr) for _ in tracks]
    for pos, mixes in src.blocks():
        for m, meter in zip(mixes, meters, strict=True):
            meter.push(m)
        tick(0.35 * (pos + block) / max(1, total))
    input_lufs = [m.integrated() for m in meters]
    gains = [_gain_db(x, settings.target_lufs) for x in input_lufs]
    lin = [np.float32(10.0 ** (g / 20.0)) for g in gains]

    # pass 2: gain, limit, deliver
    limiters = [Limiter(sr, channels, settings.limiter_ceiling_db) for _ in tracks]
    out_meters = [LoudnessMeter(sr) for _ in tracks]
    written = [0] * len(tracks)

    def deliver(i: int, y: np.ndarray) -> None:
        if len(y):
            out_meters[i].push(y)
            sinks[i](y)
            written[i] += len(y)

    for pos, mixes in src.blocks():
        for i, m in enumerate(mixes):
            m *= lin[i]
            deliver(i, limiters[i].process(m))
        tick(0.35 + 0.65 * (pos + block) / max(1, total))
    for i in range(len(tracks)):
        deliver(i, limiters[i].flush())
    outside = src.outside_counts()
    return [
        MixResult(
            lang=t.lang,
            samples=written[i],
            input_lufs=input_lufs[i],
            gain_db=gains[i],
            output_lufs=out_meters[i].integrated(),
            peak_dbfs=_db(out_meters[i].peak),
            clips_outside=outside[i],
        )
        for i, t in enumerate(tracks)
    ]


def mix_to_array(
    original: Path | None,
    track: DubTrack,
    settings: MixSettings,
    *,
    duration_ms: int | None = None,
    channels: int | None = None,
    background: Path | None = None,
) -> tuple[np.ndarray, MixResult]:
    """Convenience for short material and tests: the whole final mix as one array."""
    parts: list[np.ndarray] = []
    res = mix_tracks(original, [track], settings, [parts.append], duration_ms=duration_ms,
                     channels=channels, background=background)[0]
    ch = channels or (parts[0].shape[1] if parts else 2)
    with contextlib.suppress(ValueError):
        return np.concatenate(parts), res
    return np.zeros((0, ch), np.float32), res
