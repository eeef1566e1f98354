"""Glossary suggestions learnt from a person's corrections.

When a person replaced the same words of the engine's translation the same way in several
approved segments (``"coche"`` -> ``"carro"`` twice or more), the change is proposed as a
glossary entry: the source term is the most specific word run (1-3 words) that all those
segments' sources share, the target is the person's wording. Applying one is an undoable edit.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from taura_desktop.core import edits
from taura_desktop.core.edits import Edit
from taura_desktop.core.model import GlossaryEntry, Status
from taura_desktop.core.project import Project

_WORD = re.compile(r"\w+(?:['’-]\w+)*", re.UNICODE)
MIN_SEGMENTS = 2
MAX_TERM_WORDS = 3


@dataclass(frozen=True, slots=True)
class GlossarySuggestion:
    source: str  # the source term
    target: str  # what the person wrote for it
    replaced: str  # what the engine had written
    segment_ids: tuple[str, ...]  # the approved segments showing the change


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _changes(draft: str, final: str) -> list[tuple[str, str]]:
    """(engine words, person words) of each replaced run, compared case-insensitively."""
    a, b = _words(draft), _words(final)
    sm = difflib.SequenceMatcher(a=[w.casefold() for w in a], b=[w.casefold() for w in b], autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "replace" and i2 - i1 <= MAX_TERM_WORDS and j2 - j1 <= MAX_TERM_WORDS:
            out.append((" ".join(a[i1:i2]), " ".join(b[j1:j2])))
    return out


def _ngrams(words: Sequence[str]) -> set[str]:
    low = [w.casefold() for w in words]
    return {" ".join(low[i : i + n]) for n in range(1, MAX_TERM_WORDS + 1) for i in range(len(low) - n + 1)}


def glossary_suggestions(
    project: Project, lang: str, *, min_segments: int = MIN_SEGMENTS
) -> list[GlossarySuggestion]:
    """Changes a person made the same way in at least ``min_segments`` approved segments and
    that the glossary does not already say, most frequent first."""
    by_change: dict[tuple[str, str], list[str]] = defaultdict(list)
    spelled: dict[tuple[str, str], tuple[str, str]] = {}
    for seg in project.segments():
        tr = seg.translation(lang)
        if tr is None or tr.status is not Status.APPROVED or not tr.draft or tr.draft == tr.text:
            continue
        for was, now in dict.fromkeys(_changes(tr.draft, tr.text)):
            key = (was.casefold(), now.casefold())
            by_change[key].append(seg.id)
            spelled.setdefault(key, (was, now))
    known = {e.source.casefold(): (e.targets or {}).get(lang, "").casefold() for e in project.meta.glossary}
    doc_freq: dict[str, int] = defaultdict(int)
    grams_of: dict[str, set[str]] = {}
    for seg in project.segments():
        grams_of[seg.id] = _ngrams(_words(seg.source_text))
        for g in grams_of[seg.id]:
            doc_freq[g] += 1
    out = []
    for key, ids in by_change.items():
        ids = list(dict.fromkeys(ids))
        if len(ids) < min_segments:
            continue
        shared = set.intersection(*(grams_of[sid] for sid in ids))
        if not shared:
            continue
        # the most specific run: rarest in the project, then the longest
        term = min(shared, key=lambda g: (doc_freq[g], -len(g.split()), g))
        was, now = spelled[key]
        if known.get(term) == now.casefold():
            continue
        out.append(GlossarySuggestion(term, now, was, tuple(ids)))
    out.sort(key=lambda s: (-len(s.segment_ids), s.source))
    return out


def accept_suggestion(project: Project, lang: str, suggestion: GlossarySuggestion) -> Edit:
    """The edit adding ``suggestion`` to the project's glossary (merged into an existing term)."""
    entries = list(project.meta.glossary)
    for i, e in enumerate(entries):
        if e.source.casefold() == suggestion.source.casefold():
            entries[i] = GlossaryEntry(e.source, {**(e.targets or {}), lang: suggestion.target}, e.dnt)
            break
    else:
        entries.append(GlossaryEntry(suggestion.source, {lang: suggestion.target}))
    return edits.set_glossary(project.state, entries)
