"""A look-ahead peak limiter for streamed float32 ``(n, channels)`` blocks."""

from __future__ import annotations

import numpy as np


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
        return np.asarray(out)

    def flush(self) -> np.ndarray:
        n = len(self._pending)
        if n == 0:
            return np.zeros((0, self.channels), np.float32)
        tail = self.process(np.zeros((self.la - 1, self.channels), np.float32))
        return tail[:n]
