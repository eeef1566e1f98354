"""Time formatting and parsing for the editor (milliseconds <-> ``H:MM:SS.mmm``)."""

from __future__ import annotations

import re

from taura_desktop.errors import UsageError

_TIME_RE = re.compile(r"^\s*(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:[.,]\d{1,3})?)\s*$")


def format_ms(ms: int, *, hours: bool = True) -> str:
    sign = "-" if ms < 0 else ""
    ms = abs(int(ms))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    if hours or h:
        return f"{sign}{h}:{m:02d}:{s:02d}.{milli:03d}"
    return f"{sign}{m:02d}:{s:02d}.{milli:03d}"


def parse_ms(text: str) -> int:
    """Parse ``[[H:]MM:]SS[.mmm]`` into milliseconds; UsageError names the bad text."""
    m = _TIME_RE.match(text)
    if m is None:
        raise UsageError(f"invalid time {text.strip()!r} (expected H:MM:SS.mmm)")
    h, mi, sec = m.group(1), m.group(2), m.group(3).replace(",", ".")
    if mi is not None and int(mi) >= 60 and h is not None:
        raise UsageError(f"invalid time {text.strip()!r} (minutes must be below 60)")
    whole, _, frac = sec.partition(".")
    if (mi is not None) and int(whole) >= 60:
        raise UsageError(f"invalid time {text.strip()!r} (seconds must be below 60)")
    total = int(whole) * 1000 + (int(frac.ljust(3, "0")) if frac else 0)
    total += int(mi or 0) * 60_000 + int(h or 0) * 3_600_000
    return total


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
