"""Loudness (ITU-R BS.1770-4 / EBU R128), numpy only: the one meter of the code base.

K-weighting (high shelf + high pass, coefficients derived for any sample rate so that 48 kHz
reproduces the standard's published values) is applied in the frequency domain; then
400 ms blocks with 75 % overlap, an absolute gate at -70 LUFS and a relative gate 10 LU
below. A 1 kHz sine of peak amplitude 1.0 reads -3.01 LUFS.

- ``integrated_loudness`` / ``normalize``: a whole (short) signal, e.g. one dubbed line;
  clips shorter than one block are measured as a single block.
- ``hop_energies`` / ``gated_loudness`` / ``LoudnessMeter``: a stream of any length, kept as
  one K-weighted energy per 100 ms hop (the programme loudness of an export); 400 ms gating
  blocks are four hops. ``OutputMeter`` meters a gained copy of a metered stream cheaply.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import scipy.fft

from taura_desktop.errors import BadInputError

ABS_GATE_LUFS = -70.0
REL_GATE_LU = -10.0
BLOCK_S = 0.4
STEP_S = 0.1
DEFAULT_TARGET_LUFS = -23.0
DEFAULT_PEAK_DBFS = -1.0


def k_weighting_coeffs(sr: int) -> list[tuple[tuple[float, float, float], tuple[float, float, float]]]:
    """The two BS.1770 K-weighting biquads (b, a) for any sample rate (libebur128's derivation)."""
    # Stage 1: high shelf (head acoustics)
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sr)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = (
        ((vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0),
        (1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0),
    )
    # Stage 2: RLB high pass
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sr)
    a0 = 1.0 + k / q + k * k
    hp = ((1.0, -2.0, 1.0), (1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0))
    return [shelf, hp]


def _fast_len(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n (fast FFT size)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            m = p35
            while m < n:
                m *= 2
            best = min(best, m)
            p35 *= 3
        p5 *= 5
    return best


def k_response(n: int, sr: int) -> np.ndarray:
    """Complex response of the K-weighting filters at the ``rfft`` bins of an ``n``-point FFT."""
    z1 = np.exp(-2j * np.pi * np.fft.rfftfreq(n, 1.0 / sr) / sr)  # z^-1 on the unit circle
    z2 = z1 * z1
    h = np.ones_like(z1)
    for (b0, b1, b2), (a0, a1, a2) in k_weighting_coeffs(sr):
        h *= (b0 + b1 * z1 + b2 * z2) / (a0 + a1 * z1 + a2 * z2)
    return np.asarray(h)


def k_weight(samples: np.ndarray, sr: int) -> np.ndarray:
    """The K-weighted signal (frequency-domain application of the two biquads)."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    pad = int(0.5 * sr)  # room for the filters' impulse-response tail (no circular wrap)
    n = _fast_len(len(x) + pad)
    y = np.fft.irfft(np.fft.rfft(x, n) * k_response(n, sr), n)
    return y[: len(x)]


def integrated_loudness(samples: np.ndarray, sr: int) -> float:
    """Gated integrated loudness in LUFS (``-inf`` for silence or empty input), mono."""
    if sr <= 0:
        raise BadInputError(f"loudness: invalid sample rate {sr}")
    x = np.asarray(samples).reshape(-1)
    if len(x) == 0:
        return float("-inf")
    y = k_weight(x, sr)
    block = round(BLOCK_S * sr)
    step = round(STEP_S * sr)
    if len(y) <= block:
        z = np.array([float(np.mean(y * y))])
    else:
        csum = np.concatenate([[0.0], np.cumsum(y * y)])
        starts = np.arange(0, len(y) - block + 1, step)
        z = (csum[starts + block] - csum[starts]) / block
    return _gate(z)


def _gate(z: np.ndarray) -> float:
    """BS.1770-4 gating of 400 ms block energies: absolute gate -70 LUFS, then relative gate
    -10 LU; the loudness of what passes (``-inf`` when nothing does)."""
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10.0 * np.log10(z)
    z = z[lk > ABS_GATE_LUFS]
    if len(z) == 0:
        return float("-inf")
    rel_gate = -0.691 + 10.0 * math.log10(float(np.mean(z))) + REL_GATE_LU
    with np.errstate(divide="ignore"):
        z = z[-0.691 + 10.0 * np.log10(z) > rel_gate]
    return -0.691 + 10.0 * math.log10(float(np.mean(z)))


def normalize(
    samples: np.ndarray,
    sr: int,
    target_lufs: float = DEFAULT_TARGET_LUFS,
    *,
    peak_dbfs: float = DEFAULT_PEAK_DBFS,
) -> np.ndarray:
    """Gain ``samples`` to ``target_lufs``; the gain is lowered so the sample peak stays at or
    below ``peak_dbfs``. Silence is returned unchanged. float32 out."""
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    measured = integrated_loudness(x, sr)
    if not math.isfinite(measured):
        return x.copy()
    gain = 10.0 ** ((target_lufs - measured) / 20.0)
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    ceiling = 10.0 ** (peak_dbfs / 20.0)
    if peak * gain > ceiling and peak > 0:
        gain = ceiling / peak
    return (x * np.float32(gain)).astype(np.float32)


# ------------------------------------------------------------------------------------------
# streamed: per-hop energies


@functools.lru_cache(maxsize=8)
def _k_power_weights(sr: int) -> tuple[int, np.ndarray]:
    """(hop, weights): a 100 ms hop's mean square after K-weighting is ``|rfft(hop)|^2 @ w``."""
    hop = round(STEP_S * sr)
    w = np.abs(k_response(hop, sr)) ** 2
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
    # scipy's FFT: float32 in, complex64 out, ~8x faster than numpy's on these strided 100 ms
    # hops (measured: 1.9 vs 18.7 ms per 64 Ki-frame stereo block), same energies to 1e-7
    spec = scipy.fft.rfft(hops, axis=1)
    power = spec.real * spec.real
    power += spec.imag * spec.imag
    return np.asarray(np.tensordot(power, w, axes=([1], [0])).sum(axis=1), dtype=np.float64)


def gated_loudness(hops: np.ndarray) -> float:
    """Integrated loudness (LUFS) from per-100 ms-hop K-weighted energies (BS.1770-4 gating:
    400 ms blocks of four hops, absolute gate -70 LUFS, relative gate -10 LU); ``-inf`` for
    silence or less than 400 ms."""
    e = np.asarray(hops, dtype=np.float64)
    if len(e) < 4:
        return float("-inf")
    z = (e[:-3] + e[1:-2] + e[2:-1] + e[3:]) / 4.0
    return _gate(z)


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


class OutputMeter:
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
