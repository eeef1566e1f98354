"""Mixing dubbed clips with the original audio, streamed in blocks at the output rate.

Nothing here holds a whole programme in memory: the original (and a background stem) are
decoded block by block with PyAV, each dub clip is resampled only while it plays, and every
stage (ducking envelope, loudness meter, limiter) keeps just the state it needs between blocks.

Loudness normalization needs the mix's integrated loudness (ITU-R BS.1770-4 gating) before the
first sample goes out. By default it is *estimated* without rendering the mix: the original's
K-weighted energy per 100 ms hop is measured once and cached (keyed by the media fingerprint),
and per hop the mix energy is ``g^2 * E_original + channels * E_dub`` (``g``: the duck gain;
the cross term of two uncorrelated signals averages out). The single rendering pass then meters
the real mix; when it misses the target by more than ``loudness_tolerance_lu`` the sinks are
restarted and the mix rendered again with the measured gain (exact by linearity). With
``exact_loudness=True`` (or sinks that cannot restart) pass 1 renders and measures the whole
mix first. The rendering pass applies the gain, runs a look-ahead limiter (the output never
exceeds the ceiling) and hands the blocks to sinks (ffmpeg encoders, WAV writers).

Clip placement is exact: a clip starting at ``start_ms`` begins at sample
``round(start_ms * sr / 1000)`` of the output, for every clip, whatever the length of the video.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from taura_desktop.dub.loudness import k_weighting_coeffs
from taura_desktop.errors import CancelledError, EngineUnavailableError, MediaError, UsageError

if TYPE_CHECKING:
    from taura_desktop.media.probe import MediaInfo

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
    loudness_tolerance_lu: float = 0.2  # estimate vs. measured mix: re-render beyond this

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
        if not 0.05 <= self.loudness_tolerance_lu <= 3.0:
            raise UsageError(
                f"mix settings: loudness tolerance {self.loudness_tolerance_lu} LU is out of range 0.05-3"
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
    estimated_lufs: float | None = None  # the analytic estimate of input_lufs (None: measured)
    renders: int = 1  # rendering passes delivered to the sinks (2: the estimate missed)


# --------------------------------------------------------------------------------------------
# decoding


@functools.lru_cache(maxsize=16)
def _probe_cached(path: str, size: int, mtime_ns: int) -> MediaInfo:
    from taura_desktop.media.probe import probe

    return probe(path)


def probe_media(path: str | os.PathLike[str]) -> MediaInfo:
    """``media.probe.probe``, remembered while the file is unchanged (one ffprobe per export)."""
    from taura_desktop.media.probe import check_readable

    p = check_readable(path)
    st = p.stat()
    return _probe_cached(str(p), st.st_size, st.st_mtime_ns)


def source_duration_ms(path: str | os.PathLike[str]) -> int:
    """Programme duration of a media file (container duration), in ms."""
    return probe_media(path).duration_ms


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

    from taura_desktop.export._proc import _last_line, ffmpeg_bin, grow_pipe
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
        grow_pipe(proc.stdout.fileno())
        try:
            want = block * frame_bytes
            while True:
                arr = np.empty((block, channels), np.float32)
                view = arr.data.cast("B")
                got = 0
                while got < want:
                    k = proc.stdout.readinto(view[got:])  # type: ignore[attr-defined]
                    if not k:
                        break
                    got += k
                n = got // frame_bytes
                if n:
                    yield arr[:n] if n < block else arr
                if got < want:
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
    streams = probe_media(path).audio_streams
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
    passed, so memory is bounded by the clips that overlap one block. ``resampled`` may hold
    clips already resampled (keyed by their index in ``self.clips``); they are taken from it.
    """

    def __init__(self, clips: Sequence[PlacedClip], sr: int, total: int | None = None,
                 resampled: dict[int, np.ndarray] | None = None) -> None:
        for c in clips:
            if c.sample_rate <= 0:
                raise UsageError(f"dub clip at {c.start_ms} ms: invalid sample rate {c.sample_rate}")
            if np.asarray(c.samples).ndim != 1:
                raise UsageError(f"dub clip at {c.start_ms} ms: samples must be mono (1-D)")
        self.sr = sr
        self.total = total
        self.clips = sorted(clips, key=lambda c: c.start_ms)
        self.resampled = resampled if resampled is not None else {}
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

    def clip_at_rate(self, i: int) -> np.ndarray:
        """Clip ``i`` (of ``self.clips``) at the output rate."""
        c = self.clips[i]
        data = self.resampled.pop(i, None)
        return data if data is not None else _resample(c.samples, c.sample_rate, self.sr)

    def block(self, start: int, n: int) -> np.ndarray:
        end = start + n
        while self._next < len(self.clips):
            c = self.clips[self._next]
            s = clip_start_sample(c.start_ms, self.sr)
            if s >= end:
                break
            self._active.append((s, self.clip_at_rate(self._next)))
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
        xp: list[int] = []
        for s, e in merged:
            xp += [s - a, s, e, e + r]
        self.xp = np.asarray(xp, dtype=np.int64)
        self.fp = np.tile(np.asarray([0.0, 1.0, 1.0, 0.0]), len(merged))
        self.duck_db = duck_db
        self.floor = np.float32(10.0 ** (duck_db / 20.0))

    def _ramp(self, j: int, a: int, b: int) -> np.ndarray:
        """Gain over samples [a, b) inside the ramp between breakpoints j and j+1."""
        t = np.arange(a, b, dtype=np.float64)
        depth = np.interp(t, self.xp[j : j + 2].astype(np.float64), self.fp[j : j + 2])
        return np.power(10.0, depth * (self.duck_db / 20.0)).astype(np.float32)

    def gain(self, start: int, n: int) -> np.ndarray:
        if len(self.xp) == 0 or self.duck_db == 0:
            return np.ones(n, np.float32)
        end = start + n
        lo = int(np.searchsorted(self.xp, start, side="right"))
        hi = int(np.searchsorted(self.xp, end, side="left"))
        if lo == hi and lo % 4 == 0:  # entirely outside every ducked zone
            return np.ones(n, np.float32)
        out = np.empty(n, np.float32)
        # segment j spans [xp[j], xp[j+1]); j % 4: 0 attack, 1 ducked, 2 release, 3 (or -1) free
        pos = start
        j = lo - 1
        while pos < end:
            seg_end = int(self.xp[j + 1]) if j + 1 < len(self.xp) else end
            b = min(end, seg_end)
            if b > pos:
                phase = j % 4 if j >= 0 else 3
                if phase == 1:
                    out[pos - start : b - start] = self.floor
                elif phase == 3:
                    out[pos - start : b - start] = 1.0
                else:
                    out[pos - start : b - start] = self._ramp(j, pos, b)
            pos = max(pos, b)
            j += 1
        return out

    def hop_power(self, n_hops: int, hop: int, points: int = 32) -> np.ndarray:
        """Mean of gain^2 over each hop (``points`` samples of the envelope per hop)."""
        if len(self.xp) == 0 or self.duck_db == 0 or n_hops == 0:
            return np.ones(n_hops)
        t = (np.arange(n_hops * points, dtype=np.float64) + 0.5) * (hop / points)
        depth = np.interp(t, self.xp.astype(np.float64), self.fp, left=0.0, right=0.0)
        g2 = np.power(10.0, depth * (self.duck_db / 10.0))
        return np.asarray(g2.reshape(n_hops, points).mean(axis=1))


# --------------------------------------------------------------------------------------------
# loudness (BS.1770-4), streamed


@functools.lru_cache(maxsize=8)
def _k_power_weights(sr: int) -> tuple[int, np.ndarray]:
    """(hop, weights): a 100 ms hop's mean square after K-weighting is ``|rfft(hop)|^2 @ w``."""
    hop = round(0.1 * sr)
    freqs = np.fft.rfftfreq(hop, 1.0 / sr)
    z1 = np.exp(-2j * np.pi * freqs / sr)
    z2 = z1 * z1
    h = np.ones_like(z1)
    for (b0, b1, b2), (a0, a1, a2) in k_weighting_coeffs(sr):
        h *= (b0 + b1 * z1 + b2 * z2) / (a0 + a1 * z1 + a2 * z2)
    w = np.abs(h) ** 2
    c = np.full(len(w), 2.0)
    c[0] = 1.0
    if hop % 2 == 0:
        c[-1] = 1.0
    weights = (w * c / (hop * hop)).astype(np.float32)
    weights.setflags(write=False)
    return hop, weights


def hop_energies(x: np.ndarray, sr: int) -> np.ndarray:
    """K-weighted mean square of each whole 100 ms hop of ``x`` (``(n,)`` or ``(n, channels)``),
    summed over channels (weights 1.0); float64, one value per hop."""
    hop, w = _k_power_weights(sr)
    x2 = x.reshape(-1, 1) if x.ndim == 1 else x
    k = len(x2) // hop
    if k == 0:
        return np.zeros(0)
    hops = x2[: k * hop].reshape(k, hop, x2.shape[1])
    spec = np.fft.rfft(hops, axis=1)
    power = np.abs(spec)
    power *= power
    return np.asarray(np.tensordot(power, w, axes=([1], [0])).sum(axis=1), dtype=np.float64)


def gated_loudness(hops: np.ndarray) -> float:
    """Integrated loudness (LUFS) from per-100 ms-hop K-weighted energies (BS.1770-4 gating:
    400 ms blocks of four hops, absolute gate -70 LUFS, relative gate -10 LU); ``-inf`` for
    silence or less than 400 ms."""
    e = np.asarray(hops, dtype=np.float64)
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


class LoudnessMeter:
    """Integrated loudness of a stream of ``(n, channels)`` blocks (channel weights 1.0).

    The mean square of each 100 ms hop is taken after K-weighting in the frequency domain
    (Parseval over the hop's spectrum); gating blocks are 400 ms (four hops, 75 % overlap),
    absolute gate -70 LUFS, relative gate -10 LU. Agrees with ffmpeg's ebur128 to ~0.1 LU.
    """

    def __init__(self, sr: int, *, peak: bool = True) -> None:
        self.sr = sr
        self.hop, self.weights = _k_power_weights(sr)
        self._carry: np.ndarray | None = None
        self._hops: list[np.ndarray] = []
        self.track_peak = peak
        self.peak = 0.0

    def push(self, block: np.ndarray) -> None:
        x = block if block.ndim == 2 else block.reshape(-1, 1)
        if len(x) and self.track_peak:
            self.peak = max(self.peak, float(x.max()), -float(x.min()))
        if self._carry is not None and len(self._carry):
            x = np.concatenate([self._carry, x])
        k = len(x) // self.hop
        self._carry = x[k * self.hop :].copy()
        if k:
            self._hops.append(hop_energies(x[: k * self.hop], self.sr))

    def hop_energies(self) -> np.ndarray:
        """Energies of the whole hops pushed so far (a partial last hop is not counted)."""
        return np.concatenate(self._hops) if self._hops else np.zeros(0)

    def integrated(self, scale_db: float = 0.0) -> float:
        """Gated integrated loudness in LUFS; ``-inf`` for silence or less than 400 ms.
        ``scale_db``: the loudness the stream would have with that gain applied (exact)."""
        e = self.hop_energies()
        if scale_db:
            e = e * 10.0 ** (scale_db / 10.0)
        return gated_loudness(e)


class _OutputMeter:
    """Meters a delivered stream that mostly equals ``gain * x`` of a stream ``x`` already
    metered by ``ref``: only hops touched by a changed block (the limiter acted) are measured;
    the others are ``ref``'s energies times ``gain^2``, which is exact for unchanged samples."""

    def __init__(self, sr: int, ref: LoudnessMeter, gain: float) -> None:
        self.sr = sr
        self.hop = round(0.1 * sr)
        self.ref = ref
        self.g2 = gain * gain
        self.peak = 0.0
        self._carry = np.zeros(0, np.float32)
        self._carry_dirty = False
        self._own: dict[int, float] = {}  # hop index -> measured energy
        self._done = 0  # whole hops seen

    def push(self, block: np.ndarray, changed: bool) -> None:
        if not len(block):
            return
        self.peak = max(self.peak, float(block.max()), -float(block.min()))
        if not changed and not self._carry_dirty:  # nothing to measure: count hops only
            n = len(self._carry) + len(block)
            k = n // self.hop
            if k:
                tail = n - k * self.hop
                self._carry = block[len(block) - tail :].copy() if tail else block[:0]
            else:
                self._carry = np.concatenate([self._carry.reshape(-1, block.shape[1]), block])
            self._done += k
            return
        x = np.concatenate([self._carry.reshape(-1, block.shape[1]), block])
        k = len(x) // self.hop
        if k:
            first_hop_dirty = self._carry_dirty and len(self._carry) > 0
            dirty = [j for j in range(k) if (j == 0 and first_hop_dirty)
                     or (changed and (j + 1) * self.hop > len(self._carry))]
            if dirty:
                hops = x[: k * self.hop].reshape(k, self.hop, x.shape[1])[dirty]
                e = hop_energies(hops.reshape(-1, x.shape[1]), self.sr)
                for j, v in zip(dirty, e, strict=True):
                    self._own[self._done + j] = float(v)
            self._carry_dirty = changed
        else:
            self._carry_dirty = self._carry_dirty or changed
        self._done += k
        self._carry = x[k * self.hop :].copy()
        if not len(self._carry):
            self._carry_dirty = False

    def integrated(self) -> float:
        e = self.ref.hop_energies()[: self._done] * self.g2
        for j, v in self._own.items():
            if j < len(e):
                e[j] = v
        return gated_loudness(e)


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
        self.changed = False  # whether the block ``process`` returned last differs from its input

    def process(self, block: np.ndarray) -> np.ndarray:
        self.changed = False
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
        self.changed = True
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


PROFILE_VERSION = 1
RESAMPLE_BUDGET = 128 << 20  # bytes of resampled clips kept from the estimate for the render


def _db(x: float) -> float:
    return 20.0 * math.log10(x) if x > 0 else float("-inf")


def _gain_db(measured: float, target: float) -> float:
    if not math.isfinite(measured):
        return 0.0  # silence: do not amplify noise
    return max(-60.0, min(40.0, target - measured))


def _profile_path(path: Path, sr: int, channels: int, total: int) -> Path | None:
    from taura_desktop.media.probe import head_sha1
    from taura_desktop.paths import cache_dir

    try:
        key = f"{head_sha1(path)}-{path.stat().st_size}"
        folder = cache_dir() / "loudness"
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder / f"{key}-{sr}-{channels}-{total}-v{PROFILE_VERSION}.npy"


def source_hop_energies(
    path: str | os.PathLike[str],
    sr: int,
    channels: int,
    total: int,
    *,
    block: int = DEFAULT_BLOCK,
    use_cache: bool = True,
    on_fraction: Callable[[float], None] | None = None,
) -> np.ndarray:
    """K-weighted energy of each whole 100 ms hop of the first audio stream of ``path``, decoded
    at ``sr`` with ``channels`` and cut or padded to ``total`` frames (see ``hop_energies``).

    Cached in ``cache_dir()/loudness`` under the media fingerprint (sha1 of the first MiB and
    the size) with the rate, channels and length: measured once per source, not per export.
    """
    p = Path(path)
    hop = round(0.1 * sr)
    cp = _profile_path(p, sr, channels, total) if use_cache else None
    if cp is not None and cp.is_file():
        with contextlib.suppress(OSError, ValueError):
            e = np.load(cp, allow_pickle=False)
            if e.shape == (total // hop,) and e.dtype == np.float64 and bool(np.all(np.isfinite(e))):
                return np.asarray(e)
    e = _measure(p, sr, channels, total, block, on_fraction)
    if cp is not None:
        tmp = cp.with_name(f".{cp.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as fh:
                np.save(fh, e)
            os.replace(tmp, cp)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
    return e


def _measure(
    p: Path, sr: int, channels: int, total: int, block: int,
    on_fraction: Callable[[float], None] | None,
) -> np.ndarray:
    """Hop energies of ``p`` (one decode; decoding 2 or 4 time slices in parallel measured no
    faster on 2 cores: the pipe copies and FFTs are CPU-bound too)."""
    meter = LoudnessMeter(sr, peak=False)
    pos = 0
    for b in _fixed_blocks(iter_audio_blocks(p, sr, channels, block=block), total, block, channels):
        meter.push(b)
        pos += len(b)
        if on_fraction is not None:
            on_fraction(pos / max(1, total))
    return meter.hop_energies()


def prime_loudness_cache(
    path: str | os.PathLike[str], *, out_rate: int = 48000,
    on_fraction: Callable[[float], None] | None = None,
) -> bool:
    """Measure and cache what the loudness estimate needs from ``path`` (call it in the
    background after import: the first export then needs no measuring pass). False when the
    media has no audio."""
    ch = audio_channels(path)
    if ch is None:
        return False
    total = round(source_duration_ms(path) * out_rate / 1000)
    source_hop_energies(path, out_rate, max(1, min(2, ch)), total, on_fraction=on_fraction)
    return True


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
        self._resampled: list[dict[int, np.ndarray]] = [{} for _ in tracks]
        if settings.mode == "background" and background is None:
            raise EngineUnavailableError(
                "background mix: no background stem (the source-separation model is missing); "
                "install a separation model or use mix mode duck or replace"
            )
        if background is not None and not Path(background).is_file():
            raise MediaError(f"{background}: background stem file does not exist")

    def bed_path(self) -> Path | None:
        if self.s.mode == "duck":
            return self.original
        if self.s.mode == "background":
            return self.background
        return None

    def blocks(self) -> Iterator[tuple[int, list[np.ndarray]]]:
        s, sr, ch = self.s, self.s.out_rate, self.channels
        renderers = [DubRenderer(t, sr, self.total, self._resampled[i]) for i, t in enumerate(self.tracks)]
        envs = [
            DuckEnvelope(r.intervals(), sr, s.duck_db, s.attack_ms, s.release_ms) for r in renderers
        ]
        bed_path = self.bed_path()
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

    def _dub_hop_energies(self, ti: int, r: DubRenderer, n_hops: int, budget: list[int]) -> np.ndarray:
        """K-weighted hop energies of the dub-only signal (mono), rendered only where clips play.
        Resampled clips are kept for the render while ``budget[0]`` bytes allow."""
        sr = self.s.out_rate
        hop = round(0.1 * sr)
        limit = n_hops * hop
        ivs = r.intervals()
        groups: list[list[int]] = []  # [first hop, end hop, clip indices...]
        for idx, (a, b) in enumerate(ivs):
            a, b = max(0, a), min(limit, b)
            if b <= a:
                continue
            h0, h1 = a // hop, -(-b // hop)
            if groups and h0 < groups[-1][1]:
                groups[-1][1] = max(groups[-1][1], h1)
                groups[-1].append(idx)
            else:
                groups.append([h0, h1, idx])
        def render_group(g: list[int]) -> tuple[np.ndarray, list[tuple[int, np.ndarray]]]:
            h0, h1 = g[0], g[1]
            buf = np.zeros((h1 - h0) * hop, np.float32)
            done = []
            for idx in g[2:]:
                c = r.clips[idx]
                data = _resample(c.samples, c.sample_rate, sr)
                done.append((idx, data))
                off = ivs[idx][0] - h0 * hop
                lo, hi = max(0, -off), min(len(data), len(buf) - off)
                if hi > lo:
                    buf[off + lo : off + hi] += data[lo:hi]
            return hop_energies(buf, sr), done

        e = np.zeros(n_hops)
        workers = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2)
        # resampling and FFTs release the GIL: the encoder is idle meanwhile, use every CPU
        with ThreadPoolExecutor(max(1, workers)) as pool:
            for g, (energies, done) in zip(groups, pool.map(render_group, groups), strict=True):
                e[g[0] : g[1]] = energies
                for idx, data in done:
                    if data.nbytes <= budget[0]:
                        self._resampled[ti][idx] = data
                        budget[0] -= data.nbytes
        return e

    def estimate(self, on_fraction: Callable[[float], None] | None) -> list[float]:
        """Integrated loudness of each track's pre-gain mix, computed from hop energies
        (the original's cached, the dub's rendered where clips play) without mixing."""
        s, sr, ch = self.s, self.s.out_rate, self.channels
        hop = round(0.1 * sr)
        n_hops = self.total // hop
        bed_path = self.bed_path()
        bed_e = None
        if bed_path is not None:
            bed_e = source_hop_energies(bed_path, sr, ch, self.total, block=self.block,
                                        on_fraction=on_fraction)
        budget = [RESAMPLE_BUDGET]
        out = []
        for ti, t in enumerate(self.tracks):
            r = DubRenderer(t, sr, self.total)
            e = ch * self._dub_hop_energies(ti, r, n_hops, budget)
            if bed_e is not None:
                if s.mode == "duck":
                    env = DuckEnvelope(r.intervals(), sr, s.duck_db, s.attack_ms, s.release_ms)
                    e += env.hop_power(n_hops, hop) * bed_e
                else:
                    e += bed_e
            out.append(gated_loudness(e))
        return out

    def outside_counts(self) -> list[int]:
        return [DubRenderer(t, self.s.out_rate, self.total).outside for t in self.tracks]


@dataclass
class _Rendered:
    in_meters: list[LoudnessMeter] | None
    out_meters: list[LoudnessMeter | _OutputMeter]
    written: list[int]


def _render(
    src: _MixSource,
    gains: Sequence[float],
    sinks: Sequence[Callable[[np.ndarray], None]],
    tick: Callable[[float], None],
    *,
    lo: float,
    meter_input: bool,
) -> _Rendered:
    """One rendering pass: gain, limiter, sinks; meters the delivered (and the pre-gain) mix."""
    sr, ch, total, n = src.s.out_rate, src.channels, src.total, len(sinks)
    lin = [np.float32(10.0 ** (g / 20.0)) for g in gains]
    limiters = [Limiter(sr, ch, src.s.limiter_ceiling_db) for _ in range(n)]
    in_meters = [LoudnessMeter(sr, peak=False) for _ in range(n)] if meter_input else None
    out_meters: list[LoudnessMeter | _OutputMeter] = (
        [_OutputMeter(sr, m, float(g)) for m, g in zip(in_meters, lin, strict=True)]
        if in_meters is not None else [LoudnessMeter(sr) for _ in range(n)])
    res = _Rendered(in_meters, out_meters, [0] * n)

    def deliver(i: int, y: np.ndarray) -> None:
        if len(y):
            om = res.out_meters[i]
            if isinstance(om, _OutputMeter):
                om.push(y, limiters[i].changed)
            else:
                om.push(y)
            sinks[i](y)
            res.written[i] += len(y)

    for pos, mixes in src.blocks():
        for i, m in enumerate(mixes):
            if res.in_meters is not None:
                res.in_meters[i].push(m)
            m *= lin[i]
            deliver(i, limiters[i].process(m))
        tick(lo + (1.0 - lo) * (pos + src.block) / max(1, total))
    for i in range(n):
        deliver(i, limiters[i].flush())
    return res


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
    exact_loudness: bool = False,
    restart: Callable[[], None] | None = None,
) -> list[MixResult]:
    """Render each dub track's final mix and feed it to ``sinks[i]`` block by block.

    ``original`` is the source media (decoded in duck mode; its duration and channel count
    are used in every mode). ``sinks[i]`` receives float32 ``(n, channels)`` blocks at
    ``settings.out_rate`` totalling the programme duration. ``on_fraction`` gets 0..1.

    Loudness: estimated (one rendering pass) when ``restart`` is given; ``restart()`` must make
    every sink start over empty and is called (rarely) when the rendered mix shows the estimate
    missed by more than ``settings.loudness_tolerance_lu`` -- the mix is then rendered again
    with the measured gain. ``exact_loudness=True`` or no ``restart``: an extra pass measures
    the mix before anything is delivered.
    """
    if len(sinks) != len(tracks):
        raise UsageError("mix: one sink is needed per dub track")
    if duration_ms is None and original is None:
        raise UsageError("mix: give the original media or duration_ms")
    src_channels: int | None = None
    if original is not None and (duration_ms is None or channels is None or settings.mode == "duck"):
        info = probe_media(original)  # one probe for all three
        if duration_ms is None:
            duration_ms = info.duration_ms
        src_channels = info.audio_streams[0].channels if info.audio_streams else None
    assert duration_ms is not None
    if channels is None:
        channels = 2 if src_channels is None else max(1, min(2, src_channels))
    orig: Path | None = original
    if original is not None and settings.mode == "duck" and src_channels is None:
        orig = None  # no original audio: ducking nothing
    sr = settings.out_rate
    total = round(duration_ms * sr / 1000)
    src = _MixSource(orig, [t.clips for t in tracks], settings, total=total, channels=channels,
                     background=background, block=block)

    def tick(frac: float) -> None:
        if cancel is not None and cancel():
            raise CancelledError("export cancelled")
        if on_fraction is not None:
            on_fraction(min(1.0, frac))

    exact = exact_loudness or restart is None
    estimates: list[float | None] = [None] * len(tracks)
    if exact:  # pass 1: render and measure
        meters = [LoudnessMeter(sr, peak=False) for _ in tracks]
        for pos, mixes in src.blocks():
            for m, meter in zip(mixes, meters, strict=True):
                meter.push(m)
            tick(0.35 * (pos + block) / max(1, total))
        input_lufs = [m.integrated() for m in meters]
        lo = 0.35
    else:
        input_lufs = src.estimate(lambda f: tick(0.15 * f))
        estimates = list(input_lufs)
        lo = 0.15
    gains = [_gain_db(x, settings.target_lufs) for x in input_lufs]

    renders = 0
    while True:
        renders += 1
        r = _render(src, gains, sinks, tick, lo=lo, meter_input=not exact)
        if r.in_meters is None:
            break
        input_lufs = [m.integrated() for m in r.in_meters]
        want = [_gain_db(x, settings.target_lufs) for x in input_lufs]
        missed = any(abs(w - g) > settings.loudness_tolerance_lu for w, g in zip(want, gains, strict=True))
        if not missed or renders >= 2 or restart is None:
            break
        restart()  # the estimate missed: start over with the measured gain (exact by linearity)
        gains = want
    outside = src.outside_counts()
    return [
        MixResult(
            lang=t.lang,
            samples=r.written[i],
            input_lufs=input_lufs[i],
            gain_db=gains[i],
            output_lufs=r.out_meters[i].integrated(),
            peak_dbfs=_db(r.out_meters[i].peak),
            clips_outside=outside[i],
            estimated_lufs=estimates[i],
            renders=renders,
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
    exact_loudness: bool = False,
) -> tuple[np.ndarray, MixResult]:
    """Convenience for short material and tests: the whole final mix as one array."""
    parts: list[np.ndarray] = []
    res = mix_tracks(original, [track], settings, [parts.append], duration_ms=duration_ms,
                     channels=channels, background=background, exact_loudness=exact_loudness,
                     restart=parts.clear)[0]
    ch = channels or (parts[0].shape[1] if parts else 2)
    with contextlib.suppress(ValueError):
        return np.concatenate(parts), res
    return np.zeros((0, ch), np.float32), res
