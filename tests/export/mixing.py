"""The whole final mix of short material as one array (the mixer streams blocks to sinks)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from taura_desktop.export.mix import MixResult, MixSettings, mix_tracks
from taura_desktop.export.render import DubTrack


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
    parts: list[np.ndarray] = []
    res = mix_tracks(original, [track], settings, [parts.append], duration_ms=duration_ms,
                     channels=channels, background=background, exact_loudness=exact_loudness,
                     restart=parts.clear)[0]
    if parts:
        return np.concatenate(parts), res
    return np.zeros((0, channels or 2), np.float32), res
