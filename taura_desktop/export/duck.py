"""Ducking: the gain of the original under the dub, with look-ahead attack and release."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


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
        return np.asarray(np.power(10.0, depth * (self.duck_db / 20.0)), dtype=np.float32)

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
        out = np.empty(n_hops)
        xp = self.xp.astype(np.float64)
        step = 1 << 14  # hops per piece: the temporaries stay ~4 MB on any programme length
        for h0 in range(0, n_hops, step):
            k = min(step, n_hops - h0)
            t = (np.arange(h0 * points, (h0 + k) * points, dtype=np.float64) + 0.5) * (hop / points)
            depth = np.interp(t, xp, self.fp, left=0.0, right=0.0)
            g2 = np.power(10.0, depth * (self.duck_db / 10.0))
            out[h0 : h0 + k] = g2.reshape(k, points).mean(axis=1)
        return out
