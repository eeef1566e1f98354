"""Mixing dubbed clips with the original audio, streamed in blocks at the output rate.

Nothing here holds a whole programme in memory: the original (and a background stem) are
decoded block by block (``media.decode.iter_audio_blocks``), each dub clip is read and
resampled only while it plays (``render``), and every stage (ducking envelope ``duck``,
loudness meter ``audio.loudness``, limiter ``audio.limiter``) keeps just the state it needs
between blocks.

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
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from taura_desktop.audio.limiter import Limiter
from taura_desktop.audio.loudness import LoudnessMeter, OutputMeter, gated_loudness, hop_energies
from taura_desktop.errors import CancelledError, EngineUnavailableError, MediaError, UsageError
from taura_desktop.export.duck import DuckEnvelope
from taura_desktop.export.profile import source_hop_energies
from taura_desktop.export.render import DubRenderer, DubTrack, PlacedClip, clip_at
from taura_desktop.media.decode import DEFAULT_BLOCK, fixed_blocks, iter_audio_blocks
from taura_desktop.media.probe import probe_cached

MixMode = Literal["replace", "duck", "background"]
MODES: tuple[str, ...] = ("replace", "duck", "background")


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

RESAMPLE_BUDGET = 96 << 20  # bytes of resampled clips kept from the estimate for the render


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
            bed: Iterator[np.ndarray] = fixed_blocks(
                iter_audio_blocks(bed_path, sr, ch, block=self.block), self.total, self.block, ch
            )
        else:
            bed = fixed_blocks((), self.total, self.block, ch)
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
                data = clip_at(c, sr)
                done.append((idx, data))
                off = ivs[idx][0] - h0 * hop
                lo, hi = max(0, -off), min(len(data), len(buf) - off)
                if hi > lo:
                    buf[off + lo : off + hi] += data[lo:hi]
            return hop_energies(buf, sr), done

        e = np.zeros(n_hops)
        workers = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2)
        # resampling and FFTs release the GIL: the encoder is idle meanwhile, use every CPU
        window = 8 * max(1, workers)  # groups in flight: memory stays bounded on any length
        with ThreadPoolExecutor(max(1, workers)) as pool:
            for w0 in range(0, len(groups), window):
                part = groups[w0 : w0 + window]
                for g, (energies, done) in zip(part, pool.map(render_group, part), strict=True):
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
    out_meters: list[LoudnessMeter | OutputMeter]
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
    out_meters: list[LoudnessMeter | OutputMeter] = (
        [OutputMeter(sr, m, float(g)) for m, g in zip(in_meters, lin, strict=True)]
        if in_meters is not None else [LoudnessMeter(sr) for _ in range(n)])
    res = _Rendered(in_meters, out_meters, [0] * n)

    def deliver(i: int, y: np.ndarray) -> None:
        if len(y):
            om = res.out_meters[i]
            if isinstance(om, OutputMeter):
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
        info = probe_cached(original)  # one probe for all three
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
