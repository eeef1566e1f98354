"""The professional cue cutter: timed words -> subtitle cues that follow a :class:`Profile`.

Greedy with lookahead, linear time. From the first word not yet placed, the cutter scans
forward while the words still fit (lines x chars per line, max duration, no forced break in
between) and scores every possible end:

* the break quality after the word (sentence end > ellipsis > clause punctuation > pause in
  speech > before a conjunction/preposition; after an article/determiner or a preposition is
  penalised so an article never ends a cue while anything else can),
* how full the cue is (fuller is better, so cues are not needlessly short),
* lookahead penalties: a cue that cannot reach the minimum duration or the reading speed
  before the next word starts, and a break that leaves an orphan of a few characters before
  the next sentence end.

The best end wins (the later one on ties). Then each cue is broken into balanced lines
(:mod:`linebreak`) and timed:

* in-time = the first word's start (never moved);
* out-time = last word's end, extended toward the reading speed / minimum duration, at most
  ``max_out_after_speech_ms`` after the last word (the minimum duration may go further), never
  past ``max_duration_ms`` when speech allows, and never later than the next cue's in-time
  minus the minimum gap (so a cue may end slightly before its last word when words touch);
* a gap to the next cue of at most ``chain_gap_frames`` is closed to ``min_gap_frames``
  (chaining), unless that would exceed the maximum duration;
* no cue ends after ``end_limit_ms`` (the media end, or the start of what follows these
  words minus the minimum gap): cues never overlap and never pass the media end.

Where the speech is too fast or too long for a rule, the cue keeps its words and is flagged
with the QC rule names (``cps``, ``min_duration``, ``max_duration``, ``line_length``,
``line_count``, ``gap``, ``empty``): flags are computed by :func:`qc.check_cues` on the result,
so every broken rule is flagged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from taura_desktop.core.model import Word
from taura_desktop.segmentation.linebreak import boundary_scores, join_lines, split_lines
from taura_desktop.segmentation.profiles import NETFLIX, Profile, display_width, word_separator
from taura_desktop.segmentation.qc import QcInput, check_cues

_FORCED = 1.0  # score of a forced break (hard break, long pause, end of words)
_STRONG = 0.9  # a break at least this good ends a sentence (or a long pause)
_INNER_SENTENCE = 0.45  # penalty per sentence end inside a cue
_FILL_WEIGHT = 0.6
_SHORT_PENALTY = 0.8
_CPS_PENALTY = 0.4
_ORPHAN_PENALTY = 0.4
_ORPHAN_FRACTION = 0.3


@dataclass(frozen=True, slots=True)
class CutCue:
    start_ms: int
    end_ms: int
    text: str  # lines joined by "\n"
    words: tuple[Word, ...]
    flags: tuple[str, ...] = ()

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def _pause_score(gap: int) -> float:
    if gap >= 700:
        return 0.9
    if gap >= 300:
        return 0.5
    if gap >= 150:
        return 0.2
    return 0.0


def cut_words(
    words: Sequence[Word],
    profile: Profile = NETFLIX,
    lang: str = "en",
    *,
    hard_breaks: Sequence[int] = (),
    end_limit_ms: int | None = None,
) -> list[CutCue]:
    """Cut timed ``words`` into cues. Every word lands in exactly one cue, in order.

    ``end_limit_ms``: no cue ends later (the media's end, or where the next cue starts
    minus the minimum gap); extensions toward the minimum duration stop there.

    ``hard_breaks`` are indices of words that must start a new cue (segment or speaker
    boundaries); one is ignored only where the two cues could not be separated by the minimum
    gap (words less than a gap apart). Word times are read as monotonic: a start earlier than
    the previous word's start is treated as that start, an end before the start as the start.
    """
    n = len(words)
    if n == 0:
        return []
    min_gap = profile.min_gap_ms
    chain_gap = profile.chain_gap_ms
    min_dur = profile.min_duration_ms
    max_dur = profile.max_duration_ms
    out_after = profile.max_out_after_speech_ms
    cps = profile.cps_for(lang)
    limit = profile.line_limit(lang)
    max_lines = profile.max_lines
    cap_chars = limit * max_lines
    sep = word_separator(lang)

    # --- per-word arrays --------------------------------------------------------------
    starts = [0] * n
    ends = [0] * n
    texts = [""] * n
    prev = -(10**15)
    for k, word in enumerate(words):
        s = word.start_ms if word.start_ms > prev else prev
        starts[k] = s
        ends[k] = word.end_ms if word.end_ms > s else s
        texts[k] = word.text.strip()
        prev = s
    if sep:
        widths = [float(len(t)) if t.isascii() else display_width(t, lang) for t in texts]
        sep_w = display_width(sep, lang)
    else:
        widths = [display_width(t, lang) for t in texts]
        sep_w = 0.0
    bscore = boundary_scores(texts, lang)
    forced = [False] * n  # forced[k]: a cue must end after word k
    forced[n - 1] = True
    split_pause = profile.split_pause_ms
    for k in range(n - 1):
        gap = starts[k + 1] - ends[k]
        sc = bscore[k]
        if gap >= split_pause:
            forced[k] = True
        elif sc >= 0.0 and gap >= 150:
            ps = _pause_score(gap)
            if ps > sc:
                bscore[k] = ps
    for h in hard_breaks:
        if 0 < h < n:
            forced[h - 1] = True
    for k in range(n):
        if forced[k]:
            bscore[k] = _FORCED
    # width from word k to the next strong break (inclusive), for the orphan lookahead
    rem = [0.0] * (n + 1)
    for k in range(n - 1, -1, -1):
        rem[k] = widths[k] + (0.0 if bscore[k] >= _STRONG else sep_w + rem[k + 1])
    orphan_below = _ORPHAN_FRACTION * cap_chars

    # --- choose cue ends ------------------------------------------------------------------
    ranges: list[tuple[int, int]] = []
    lim_eps = limit + 1e-9
    fill_k = _FILL_WEIGHT / cap_chars
    far = 10**15
    i = 0
    while i < n:
        s0 = starts[i]
        best_j = -1
        best = -1e18
        width = cur = widths[i]
        lines = 1
        inner = 0.0  # penalty for sentence ends inside the cue (one sentence per cue)
        j = i
        while True:
            if j > i:
                w = widths[j]
                width += sep_w + w
                if cur + sep_w + w <= lim_eps:
                    cur += sep_w + w
                else:
                    lines += 1
                    cur = w
                if lines > max_lines or ends[j] - s0 > max_dur:
                    break
            nxt = starts[j + 1] if j + 1 < n else far
            score = bscore[j] + fill_k * width - inner
            if nxt - s0 > min_gap and (score >= best or best_j < 0 or forced[j]):
                fj = forced[j]
                avail = nxt - min_gap - s0
                end_cap = ends[j] + out_after - s0
                if end_cap < min_dur:
                    end_cap = min_dur
                if end_cap < avail:
                    avail = end_cap
                if avail < min_dur and not fj:
                    score -= _SHORT_PENALTY
                if width * 1000.0 > cps * avail:
                    score -= _CPS_PENALTY
                if not fj and bscore[j] < _STRONG and 0.0 < rem[j + 1] < orphan_below:
                    score -= _ORPHAN_PENALTY
                if score >= best:
                    best, best_j = score, j
                if fj:
                    break
            elif forced[j] and j + 1 >= n:
                break
            if bscore[j] >= _STRONG:
                inner += _INNER_SENTENCE
            j += 1
            if j >= n:
                break
        if best_j < 0:
            # no end within the limits can be separated from the next word by the minimum
            # gap: extend until one can (the cue is flagged by QC)
            j = min(max(j, i), n - 1)
            while j < n - 1 and starts[j + 1] - s0 <= min_gap:
                j += 1
            best_j = j
        ranges.append((i, best_j))
        i = best_j + 1

    # --- lines and timing -----------------------------------------------------------------
    m = len(ranges)
    out_start = [0] * m
    out_end = [0] * m
    out_text = [""] * m
    for c, (a, b) in enumerate(ranges):
        toks = [t for t in texts[a : b + 1] if t]
        if len(toks) == b - a + 1:
            tw = widths[a : b + 1]
            ts = bscore[a : b + 1]
        else:
            idx = [k for k in range(a, b + 1) if texts[k]]
            tw = [widths[k] for k in idx]
            ts = [bscore[k] for k in idx]
        starts_l = split_lines(tw, ts, sep_w, limit, max_lines) if len(toks) > 1 else []
        text = join_lines(toks, starts_l, sep) if starts_l else sep.join(toks)
        out_text[c] = text
        s = starts[a]
        raw_end = max(ends[a : b + 1])
        chars = sum(tw) + sep_w * max(0, len(toks) - 1)
        need = max(min_dur, math.ceil(chars * 1000.0 / cps)) if toks else min_dur
        target = max(raw_end, s + need)
        cap = max(raw_end + out_after, s + min_dur)
        if target > cap:
            target = cap
        dur_cap = max(raw_end, s + max_dur)
        if target > dur_cap:
            target = dur_cap
        out_start[c] = s
        out_end[c] = target
    for c in range(m - 1):
        nxt = out_start[c + 1]
        s = out_start[c]
        end = out_end[c]
        if end > nxt - min_gap:
            end = nxt - min_gap
        gap = nxt - end
        if min_gap < gap <= chain_gap and nxt - min_gap - s <= max_dur:
            end = nxt - min_gap
        out_end[c] = max(end, s + 1)
    if out_end[m - 1] <= out_start[m - 1]:
        out_end[m - 1] = out_start[m - 1] + 1
    if end_limit_ms is not None:
        for c in range(m - 1, -1, -1):
            if out_end[c] <= end_limit_ms:
                break
            # words past the limit (should not happen with real media) keep a 1 ms cue
            out_start[c] = min(out_start[c], max(end_limit_ms - 1, 0))
            if c > 0:
                out_start[c] = max(out_start[c], out_end[c - 1] + 1)
            out_end[c] = max(end_limit_ms, out_start[c] + 1)

    reports = check_cues(
        [QcInput("", out_start[c], out_end[c], out_text[c]) for c in range(m)], profile, lang
    )
    wl = list(words)
    return [
        CutCue(out_start[c], out_end[c], out_text[c], tuple(wl[a : b + 1]), reports[c].rules)
        for c, (a, b) in enumerate(ranges)
    ]
