"""Time ruler steps for the editor; formatting and parsing live in :mod:`taura_desktop.core.timecode`."""

from __future__ import annotations

from taura_desktop.core.timecode import format_ms, parse_ms

__all__ = ["format_ms", "parse_ms", "ruler_step"]


def ruler_step(ms_per_px: float, min_px: int = 80) -> int:
    """A round tick interval (ms) so that labels are at least ``min_px`` apart."""
    for step in (
        10,
        20,
        50,
        100,
        200,
        500,
        1000,
        2000,
        5000,
        10_000,
        15_000,
        30_000,
        60_000,
        120_000,
        300_000,
        600_000,
        900_000,
        1_800_000,
        3_600_000,
    ):
        if step / ms_per_px >= min_px:
            return step
    return 7_200_000
