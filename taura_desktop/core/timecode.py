"""Milliseconds <-> clock text, in one place.

``format_ms`` is the editor's ``H:MM:SS.mmm``; ``clock`` is the zero-padded ``HH:MM:SS.mmm``
(``sep=","`` gives SubRip's ``HH:MM:SS,mmm``) used by subtitle writers and reports.
"""

from __future__ import annotations

import re

from taura_desktop.errors import UsageError

_TIME_RE = re.compile(r"^\s*(?:(?:(\d+):)?(\d{1,2}):)?(\d+(?:[.,]\d{1,3})?)\s*$")


def split_ms(ms: int) -> tuple[int, int, int, int]:
    """(hours, minutes, seconds, milliseconds) of a non-negative duration."""
    h, rem = divmod(int(ms), 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return h, m, s, milli


def clock(ms: int, sep: str = ".") -> str:
    """``HH:MM:SS.mmm`` (negative values clamp to zero)."""
    h, m, s, milli = split_ms(max(0, int(ms)))
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"


def format_ms(ms: int, *, hours: bool = True) -> str:
    """``H:MM:SS.mmm`` (``MM:SS.mmm`` under an hour when ``hours`` is false); keeps the sign."""
    sign = "-" if ms < 0 else ""
    h, m, s, milli = split_ms(abs(int(ms)))
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
