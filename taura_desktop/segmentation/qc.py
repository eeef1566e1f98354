"""Quality checks of subtitle cues against a :class:`Profile`.

Rules (names are stable; the UI and the CLI's JSON report use them):

``empty``         text is blank                            value 0, limit 1 (chars)
``cps``           reading speed above the profile's CPS    value cps, limit max cps for the lang
``line_length``   widest line over the line limit          value width, limit chars per line
``line_count``    more lines than allowed                  value lines, limit max lines
``min_duration``  shorter than the minimum                 value ms, limit ms
``max_duration``  longer than the maximum                  value ms, limit ms
``gap``           gap to the next cue below the minimum    value ms, limit min gap ms
                  (with ``chaining=True`` also: a gap that should have been chained, i.e.
                  more than 3 frames but at most the chaining threshold; then limit is the
                  chaining threshold in ms and value <= limit)
``overlap``       overlaps another cue (both cues)         value overlap ms, limit 0

Reading speed counts every character including spaces and punctuation; a line break counts
as the space it replaced (see :func:`reading_chars`); CJK half-width characters count 0.5.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from taura_desktop.segmentation.profiles import (
    Profile,
    display_width,
    is_cjk,
    reading_chars,
    word_separator,
)

RULES = ("cps", "line_length", "line_count", "min_duration", "max_duration", "gap", "overlap",
         "empty")
_EPS = 1e-9


@dataclass(frozen=True, slots=True)
class QcInput:
    id: str
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True, slots=True)
class QcIssue:
    rule: str
    value: float
    limit: float


@dataclass(frozen=True, slots=True)
class QcReport:
    id: str
    start_ms: int
    end_ms: int
    issues: tuple[QcIssue, ...]

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple([i.rule for i in self.issues])


def cps_of(text: str, duration_ms: int, lang: str = "en") -> float:
    """Characters per second of ``text`` shown for ``duration_ms`` (>= 1 ms assumed)."""
    return reading_chars(text, lang) * 1000.0 / max(1, duration_ms)


def cue_issues(start_ms: int, end_ms: int, text: str, profile: Profile,
               lang: str = "en") -> list[QcIssue]:
    """Issues of one cue on its own (everything but ``gap`` and ``overlap``)."""
    return _Checker(profile, lang).issues(start_ms, end_ms, text)


class _Checker:
    __slots__ = ("cjk", "lang", "limit", "max_cps", "max_dur", "max_lines", "min_dur", "sep")

    def __init__(self, profile: Profile, lang: str) -> None:
        self.lang = lang
        self.cjk = is_cjk(lang)
        self.sep = word_separator(lang)
        self.limit = float(profile.line_limit(lang))
        self.max_lines = profile.max_lines
        self.max_cps = float(profile.cps_for(lang))
        self.min_dur = profile.min_duration_ms
        self.max_dur = profile.max_duration_ms

    def width(self, text: str) -> float:
        if not self.cjk and text.isascii():
            return float(len(text))
        return display_width(text, self.lang)

    def issues(self, start_ms: int, end_ms: int, text: str) -> list[QcIssue]:
        issues: list[QcIssue] = []
        dur = end_ms - start_ms
        if not text.strip():
            issues.append(QcIssue("empty", 0.0, 1.0))
        else:
            lines = text.split("\n")
            widest = max(self.width(line) for line in lines)
            if widest > self.limit + _EPS:
                issues.append(QcIssue("line_length", widest, self.limit))
            if len(lines) > self.max_lines:
                issues.append(QcIssue("line_count", float(len(lines)), float(self.max_lines)))
            chars = self.width(text.replace("\n", self.sep) if self.sep else text)
            cps = chars * 1000.0 / max(1, dur)
            if cps > self.max_cps + _EPS:
                issues.append(QcIssue("cps", round(cps, 3), self.max_cps))
        if dur < self.min_dur:
            issues.append(QcIssue("min_duration", float(dur), float(self.min_dur)))
        if dur > self.max_dur:
            issues.append(QcIssue("max_duration", float(dur), float(self.max_dur)))
        return issues


def check_cues(
    items: Sequence[QcInput],
    profile: Profile,
    lang: str = "en",
    *,
    chaining: bool = True,
) -> list[QcReport]:
    """One report per input item, in the input's order (``gap``/``overlap`` are judged on the
    cues sorted by start time)."""
    n = len(items)
    checker = _Checker(profile, lang)
    per: list[list[QcIssue]] = [checker.issues(it.start_ms, it.end_ms, it.text) for it in items]
    order = sorted(range(n), key=lambda i: (items[i].start_ms, items[i].end_ms))
    min_gap = profile.min_gap_ms
    chain = profile.chain_gap_ms
    chained_ok = min_gap + profile.frame_ms  # tolerate one frame of rounding
    overlapped: dict[int, int] = {}
    # overlaps: compare each cue with the cue reaching furthest among the earlier ones
    reach = -1
    reach_end = -(10**18)
    for idx in order:
        it = items[idx]
        if reach >= 0 and it.start_ms < reach_end:
            amount = min(reach_end, it.end_ms) - it.start_ms
            overlapped[idx] = max(overlapped.get(idx, 0), amount)
            overlapped[reach] = max(overlapped.get(reach, 0), amount)
        if it.end_ms > reach_end:
            reach, reach_end = idx, it.end_ms
    for a, b in itertools.pairwise(order):
        gap = items[b].start_ms - items[a].end_ms
        if gap < 0:
            continue  # an overlap, reported as such
        if gap < min_gap:
            per[a].append(QcIssue("gap", float(gap), float(min_gap)))
        elif chaining and chained_ok < gap <= chain:
            per[a].append(QcIssue("gap", float(gap), float(chain)))
    for idx, amount in overlapped.items():
        per[idx].append(QcIssue("overlap", float(max(amount, 0)), 0.0))
    return [QcReport(it.id, it.start_ms, it.end_ms, tuple(per[i])) for i, it in enumerate(items)]


def to_json(reports: Sequence[QcReport], *, include_ok: bool = False) -> list[dict[str, object]]:
    """Plain JSON-ready dicts. By default only cues with issues are listed (a clean file gives
    ``[]``); ``include_ok=True`` lists every cue (``"issues": []`` for clean ones)."""
    out: list[dict[str, object]] = []
    for r in reports:
        if not r.issues and not include_ok:
            continue
        out.append({
            "id": r.id,
            "start_ms": r.start_ms,
            "end_ms": r.end_ms,
            "issues": [{"rule": i.rule, "value": i.value, "limit": i.limit} for i in r.issues],
        })
    return out
