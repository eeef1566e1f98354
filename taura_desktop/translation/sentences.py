"""Translate sentences, not cue fragments.

Subtitle cues often cut a sentence in two or three. Translating each fragment alone gives
broken grammar, so consecutive cues are joined until a sentence end (``group_sentences``),
the whole sentence is translated, and the translation is split back over the cues at word
boundaries in proportion to their durations (``distribute``), preferring punctuation near
the proportional point. A split that leaves a cue empty or far from its share is reported
with a low quality, which callers turn into the ``poor_split`` flag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

POOR_SPLIT = "poor_split"
POOR_SPLIT_BELOW = 0.6  # quality under this -> flag POOR_SPLIT

_END = re.compile(r"""[.!?…。！？؟]+["'”’»)\]]*$""")
_ELLIPSIS_END = re.compile(r"(\.\.\.|…)$")
_ELLIPSIS_START = re.compile(r"^(\.\.\.|…)\s*")
_STRONG = re.compile(r"""[.!?…;:。！？]["'”’»)\]]*$""")
_WEAK = re.compile(r"""[,،、—–-]["'”’»)\]]*$""")


@dataclass(frozen=True, slots=True)
class SentenceGroup:
    ids: tuple[str, ...]
    text: str


def _ends_sentence(text: str, next_text: str | None) -> bool:
    if not _END.search(text):
        return False
    if _ELLIPSIS_END.search(text) and next_text is not None:
        nxt = next_text.lstrip()
        # "I was going to..." / "...the store": the ellipsis only marks the cut
        if _ELLIPSIS_START.match(nxt) or (nxt[:1].isalpha() and nxt[:1].islower()):
            return False
    return True


def group_sentences(
    cues: Sequence[tuple[str, str]],
    lang: str = "",
    *,
    max_cues: int = 4,
    max_chars: int = 400,
) -> list[SentenceGroup]:
    """Join consecutive cues (id, text) until a sentence end; one group per sentence.

    Empty cues form their own group. A group is also closed after ``max_cues`` cues or
    ``max_chars`` characters so unpunctuated speech (raw ASR) cannot run on forever.
    ``lang`` is accepted for language-specific rules; the punctuation set covers Latin,
    CJK and Arabic sentence ends.
    """
    del lang  # same rules for every language for now
    groups: list[SentenceGroup] = []
    ids: list[str] = []
    parts: list[str] = []

    def close() -> None:
        if ids:
            groups.append(SentenceGroup(tuple(ids), _join(parts)))
            ids.clear()
            parts.clear()

    clean = [(cid, " ".join(text.split())) for cid, text in cues]
    for i, (cid, text) in enumerate(clean):
        if not text:
            close()
            groups.append(SentenceGroup((cid,), ""))
            continue
        ids.append(cid)
        parts.append(text)
        nxt = clean[i + 1][1] if i + 1 < len(clean) else None
        if (
            _ends_sentence(text, nxt)
            or len(ids) >= max_cues
            or sum(len(p) for p in parts) >= max_chars
        ):
            close()
    close()
    return groups


def _join(parts: Sequence[str]) -> str:
    out = ""
    for part in parts:
        if not out:
            out = part
            continue
        if _ELLIPSIS_END.search(out) and _ELLIPSIS_START.match(part):
            out = _ELLIPSIS_END.sub("", out).rstrip()
            part = _ELLIPSIS_START.sub("", part)
        out = f"{out} {part}"
    return out


def distribute(
    translation: str,
    group_ids: Sequence[str],
    durations_ms: Sequence[int],
) -> tuple[dict[str, str], float]:
    """Split a translated sentence over the cues it came from.

    Returns ({cue id: text}, quality). Every word is kept, in order; when there are at least
    as many words as cues no cue is left empty. Quality is 1.0 for a split that matches the
    duration shares exactly, lower the further the pieces are off, 0.0 when a cue got no
    text. Below ``POOR_SPLIT_BELOW`` callers should flag the cues ``poor_split``.
    """
    ids = list(group_ids)
    n = len(ids)
    if n == 0:
        return {}, 1.0
    if len(durations_ms) != n:
        raise ValueError(f"distribute: {n} cue ids but {len(durations_ms)} durations")
    words = translation.split()
    if n == 1:
        return {ids[0]: " ".join(words)}, 1.0
    if not words:
        return dict.fromkeys(ids, ""), 0.0
    shares = _shares(durations_ms)
    if len(words) < n:
        # not enough words: one word per cue from the start, the rest stay empty
        pieces = [words[i] if i < len(words) else "" for i in range(n)]
        return dict(zip(ids, pieces, strict=True)), 0.0
    cuts = _best_cuts(words, shares)
    bounds = [0, *cuts, len(words)]
    pieces = [" ".join(words[bounds[i] : bounds[i + 1]]) for i in range(n)]
    return dict(zip(ids, pieces, strict=True)), _quality(pieces, shares)


def _shares(durations_ms: Sequence[int]) -> list[float]:
    durs = [max(0, int(d)) for d in durations_ms]
    total = sum(durs)
    if total <= 0:
        return [1.0 / len(durs)] * len(durs)
    return [d / total for d in durs]


def _best_cuts(words: list[str], shares: list[float]) -> list[int]:
    """Choose n-1 word boundaries minimizing distance to the proportional points.

    Boundary k sits after words[k-1]; cost is its character distance from the target
    point (as a fraction of the text), minus a bonus when words[k-1] ends a clause.
    Dynamic programming keeps boundaries strictly increasing (no empty piece).
    """
    n = len(shares)
    w = len(words)
    # character offset of each boundary 0..w (spaces counted once between words)
    offsets = [0] * (w + 1)
    for k in range(1, w + 1):
        offsets[k] = offsets[k - 1] + len(words[k - 1]) + (1 if k > 1 else 0)
    total = max(1, offsets[w])
    targets = []
    acc = 0.0
    for share in shares[:-1]:
        acc += share
        targets.append(acc * total)

    def cost(j: int, k: int) -> float:
        c = abs(offsets[k] - targets[j]) / total
        prev = words[k - 1]
        if _STRONG.search(prev):
            c -= 0.12
        elif _WEAK.search(prev):
            c -= 0.06
        return c

    inf = float("inf")
    # best[j][k]: minimal cost placing cut j at boundary k (1 <= k <= w-1)
    best = [[inf] * (w + 1) for _ in range(n - 1)]
    back = [[0] * (w + 1) for _ in range(n - 1)]
    for k in range(1, w - (n - 2)):
        best[0][k] = cost(0, k)
    for j in range(1, n - 1):
        running, arg = inf, 0
        for k in range(j + 1, w - (n - 2 - j)):
            if best[j - 1][k - 1] < running:
                running, arg = best[j - 1][k - 1], k - 1
            if running < inf:
                best[j][k] = running + cost(j, k)
                back[j][k] = arg
    last = min(range(1, w), key=lambda k: best[n - 2][k])
    cuts = [last]
    for j in range(n - 2, 0, -1):
        last = back[j][last]
        cuts.append(last)
    return sorted(cuts)


def _quality(pieces: Sequence[str], shares: Sequence[float]) -> float:
    if any(not p for p in pieces):
        return 0.0
    lengths = [len(p) for p in pieces]
    total = sum(lengths)
    off = sum(abs(length / total - share) for length, share in zip(lengths, shares, strict=True))
    return max(0.0, min(1.0, 1.0 - off))


def split_flags(quality: float) -> tuple[str, ...]:
    return (POOR_SPLIT,) if quality < POOR_SPLIT_BELOW else ()


@dataclass(frozen=True, slots=True)
class CueTranslation:
    text: str
    flags: tuple[str, ...] = ()


TranslateFn = Callable[[list[str]], list[str]]


def translate_cues(
    translate: TranslateFn,
    cues: Sequence[tuple[str, str]],
    durations_ms: Mapping[str, int],
    lang: str = "",
) -> dict[str, CueTranslation]:
    """Group cues into sentences, translate all sentences in ONE call, split them back.

    ``translate`` gets the list of sentence texts and returns as many translations
    (e.g. ``lambda xs: engine.translate_batch(xs, src, tgt)``, possibly wrapped with
    glossary protection). Cues of a badly split sentence carry the ``poor_split`` flag.
    """
    groups = group_sentences(cues, lang)
    outputs = translate([g.text for g in groups])
    if len(outputs) != len(groups):
        raise ValueError(f"translate_cues: {len(groups)} sentences but {len(outputs)} results")
    result: dict[str, CueTranslation] = {}
    for group, out in zip(groups, outputs, strict=True):
        if not group.text:
            result.update({cid: CueTranslation("") for cid in group.ids})
            continue
        pieces, quality = distribute(out, group.ids, [durations_ms.get(c, 0) for c in group.ids])
        flags = split_flags(quality) if len(group.ids) > 1 else ()
        result.update({cid: CueTranslation(text, flags) for cid, text in pieces.items()})
    return result
