"""Where a subtitle may break: word classes per language, break scores and line splitting.

A *boundary* ``k`` is the place after token ``k``. Its score says how good a break there is:
sentence end 1.0, ellipsis 0.8, clause punctuation 0.6, before a conjunction/preposition 0.3,
after an article/determiner -2 (never split an article from its noun), after a
preposition -0.5. Pauses in speech are added by the cutter, which knows word timings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from taura_desktop.languages import primary_language
from taura_desktop.segmentation.profiles import (
    Profile,
    display_width,
    word_separator,
)

SENTENCE_END = 1.0
ELLIPSIS = 0.8
CLAUSE = 0.6
BEFORE_CONJ = 0.3
AFTER_ARTICLE = -2.0
AFTER_PREP = -0.5


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_CLOSERS = "\"'»”’)]}」』】）"
_SENT_CHARS = frozenset(".?!。？！‼⁉؟")
_CLAUSE_CHARS = frozenset(",;:–—、，；：")
_OPENERS = frozenset("-–—([¿¡«“\"")

_ARTICLES: dict[str, frozenset[str]] = {
    "en": _set("a an the my your his its our their this these those every each"),
    "es": _set(
        "el la los las un una unos unas lo al del mi mis tu tus su sus nuestro nuestra "
        "nuestros nuestras este esta estos estas ese esa esos esas cada"
    ),
    "fr": _set(
        "le la les l' un une des du au aux mon ma mes ton ta tes son sa ses notre nos "
        "votre vos leur leurs ce cet cette ces"
    ),
    "de": _set(
        "der die das den dem des ein eine einen einem einer eines mein meine meinen dein "
        "deine sein seine ihr ihre unser unsere dieser diese dieses diesen"
    ),
    "it": _set(
        "il lo la i gli le un uno una del della dei degli delle al alla ai mio mia suo "
        "sua questo questa"
    ),
    "pt": _set("o a os as um uma uns umas do da dos das no na nos nas meu minha seu sua"),
}
_CONJ: dict[str, frozenset[str]] = {
    "en": _set(
        "and but or nor so yet because although though while if when where which who whom "
        "whose that than unless until since after before to of in on at for with from by "
        "about into over under between through without during against"
    ),
    "es": _set(
        "y e o u ni pero sino porque aunque que si cuando donde mientras como de en a con "
        "por para sin sobre entre hasta desde hacia contra"
    ),
    "fr": _set(
        "et ou mais donc car ni que qui si quand parce lorsque comme de à en dans pour "
        "par avec sans sur sous chez entre vers contre"
    ),
    "de": _set(
        "und oder aber denn sondern weil dass wenn als ob obwohl während mit von zu bei "
        "nach aus für über unter durch ohne gegen"
    ),
    "it": _set("e o ma perché che se quando mentre come di a da in con su per tra fra senza"),
    "pt": _set("e ou mas porque que se quando como de em com por para sem sobre entre até"),
}
# prepositions only (breaking right after one strands it at a line end)
_PREP: dict[str, frozenset[str]] = {
    "en": _set("to of in on at for with from by about into over under between through"),
    "es": _set("de en con por para sin sobre entre hasta desde hacia"),
    "fr": _set("de à dans pour par avec sans sur sous chez entre vers"),
    "de": _set("mit von zu bei nach aus für über unter durch ohne gegen"),
    "it": _set("di da con su per tra fra senza"),
    "pt": _set("de em com por para sem sobre entre até"),
}
_ABBREV = _set("mr. mrs. ms. dr. st. jr. sr. sra. srta. vs. etc. prof. mt. no. nº. p.ej. e.g. i.e.")
_EMPTY: frozenset[str] = frozenset()
_STRIP = "\"'«»“”‘’()[]{}¿¡!?.,;:…-–—"
_WS = re.compile(r"\s+")


def word_lists(lang: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(articles/determiners, conjunctions+prepositions, prepositions) for ``lang``."""
    short = primary_language(lang)
    return (_ARTICLES.get(short, _EMPTY), _CONJ.get(short, _EMPTY), _PREP.get(short, _EMPTY))


def _token_class(tok_raw: str) -> tuple[str, float]:
    """(lower-case key without punctuation, punctuation score after the token)."""
    key = tok_raw.strip(_STRIP).lower()
    tok = tok_raw.rstrip(_CLOSERS)
    last = tok[-1:] if tok else ""
    score = 0.0
    if last in _SENT_CHARS:
        if tok.endswith("...") or tok.endswith("…"):
            score = ELLIPSIS
        elif tok_raw.lower() in _ABBREV or (len(key) == 1 and key.isalpha() and last == "."):
            score = 0.0  # "Mr." / initials: not a sentence end
        else:
            score = SENTENCE_END
    elif last == "…":
        score = ELLIPSIS
    elif last in _CLAUSE_CHARS:
        score = CLAUSE
    return key, score


def boundary_scores(tokens: Sequence[str], lang: str = "en") -> list[float]:
    """Score of a break after each token (the last entry is the end of the text: 1.0)."""
    articles, conj, prep = word_lists(lang)
    n = len(tokens)
    cache: dict[str, tuple[str, float]] = {}
    keys = [""] * n
    punct = [0.0] * n
    for k, t in enumerate(tokens):
        hit = cache.get(t)
        if hit is None:
            hit = cache[t] = _token_class(t)
        keys[k], punct[k] = hit
    out = [0.0] * n
    for k in range(n - 1):
        score = punct[k]
        if score < CLAUSE and tokens[k + 1][:1] in _OPENERS:
            score = CLAUSE
        if score == 0.0:
            key = keys[k]
            if key in articles:
                score = AFTER_ARTICLE
            elif key in prep:
                score = AFTER_PREP
            elif keys[k + 1] in conj:
                score = BEFORE_CONJ
        out[k] = score
    if n:
        out[n - 1] = SENTENCE_END
    return out


def split_lines(
    widths: Sequence[float],
    scores: Sequence[float],
    sep_w: float,
    limit: float,
    max_lines: int,
) -> list[int]:
    """Choose line starts (token indices, without 0) for tokens of the given widths.

    Uses as few lines as greedy packing allows (one line when it fits); within that, prefers
    breaks with high ``scores`` (the score of the boundary after a token), balanced lines and
    a bottom-heavy shape. If the text cannot fit ``max_lines`` lines it still uses the fewest
    lines possible (the caller's QC flags it).
    """
    n = len(widths)
    if n <= 1:
        return []
    pre = [0.0] * (n + 1)
    for i, w in enumerate(widths):
        pre[i + 1] = pre[i] + w
    total = pre[n] + sep_w * (n - 1)
    if total <= limit + 1e-9:
        return []
    # minimal number of lines by greedy packing
    lines = 1
    cur = widths[0]
    for i in range(1, n):
        if cur + sep_w + widths[i] <= limit + 1e-9:
            cur += sep_w + widths[i]
        else:
            lines += 1
            cur = widths[i]
    if lines == 2:
        best_k = -1
        best_cost = 1e18
        for k in range(1, n):
            w1 = pre[k] + sep_w * (k - 1)
            w2 = total - w1 - sep_w
            if w1 > limit + 1e-9 or w2 > limit + 1e-9:
                continue
            cost = -scores[k - 1] + abs(w1 - w2) / limit
            if w1 > w2:
                cost += 0.1 + 0.5 * (w1 - w2) / limit
            if cost < best_cost:
                best_cost, best_k = cost, k
        if best_k > 0:
            return [best_k]
    return _split_dp(widths, scores, sep_w, limit, lines, pre, total)


def _split_dp(
    widths: Sequence[float],
    scores: Sequence[float],
    sep_w: float,
    limit: float,
    m: int,
    pre: Sequence[float],
    total: float,
) -> list[int]:
    n = len(widths)
    target = total / m
    inf = float("inf")
    # best[t][k]: cost of tokens[:k] in t lines
    best = [[inf] * (n + 1) for _ in range(m + 1)]
    back = [[0] * (n + 1) for _ in range(m + 1)]
    best[0][0] = 0.0
    for t in range(1, m + 1):
        for k in range(1, n + 1):
            for a in range(k - 1, -1, -1):
                w = pre[k] - pre[a] + sep_w * (k - a - 1)
                if w > limit + 1e-9 and k - a > 1:
                    break
                if best[t - 1][a] == inf:
                    continue
                cost = ((w - target) / limit) ** 2
                if k < n:
                    cost -= scores[k - 1]
                    if w > target:
                        cost += 0.5 * (w - target) / limit
                c = best[t - 1][a] + cost
                if c < best[t][k]:
                    best[t][k] = c
                    back[t][k] = a
    if best[m][n] == inf:  # cannot happen (greedy found m lines), keep a safe fallback
        return list(range(1, n))
    starts: list[int] = []
    k = n
    for t in range(m, 0, -1):
        a = back[t][k]
        if a > 0:
            starts.append(a)
        k = a
    return sorted(starts)


def tokenize(text: str, lang: str = "en") -> list[str]:
    """Words of ``text`` (whitespace-separated; characters for unspaced scripts like ja/zh)."""
    parts = [p for p in _WS.split(text.strip()) if p]
    if word_separator(lang) == "" and len(parts) <= 1:
        joined = "".join(parts)
        toks: list[str] = []
        for ch in joined:
            if toks and (ch in _CLOSERS or ch in _SENT_CHARS or ch in _CLAUSE_CHARS or ch == "…"):
                toks[-1] += ch
            else:
                toks.append(ch)
        return toks
    return parts


def join_lines(tokens: Sequence[str], starts: Sequence[int], sep: str) -> str:
    out: list[str] = []
    prev = 0
    for s in (*starts, len(tokens)):
        out.append(sep.join(tokens[prev:s]))
        prev = s
    return "\n".join(out)


def break_lines(text: str, profile: Profile, lang: str = "en") -> str:
    """Re-break ``text`` (existing line breaks are ignored) into the fewest lines that fit the
    profile's line length, at the best grammatical point, balanced and bottom-heavy."""
    sep = word_separator(lang)
    has_spaces = bool(_WS.search(text.strip()))
    tokens = tokenize(text, lang)
    if not tokens:
        return ""
    if sep == "" and has_spaces:
        sep = " "  # unspaced script with explicit spaces (mixed text): keep them
    widths = [display_width(t, lang) for t in tokens]
    sep_w = display_width(sep, lang) if sep else 0.0
    starts = split_lines(widths, boundary_scores(tokens, lang), sep_w, profile.line_limit(lang),
                         profile.max_lines)
    return join_lines(tokens, starts, sep)
