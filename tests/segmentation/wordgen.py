"""Hand-made word timings for cutter tests."""

from __future__ import annotations

from taura_desktop.core.model import Word


def words_from(text: str, start: int = 1000, ms_per_char: int = 60, gap: int = 40,
               pauses: dict[int, int] | None = None) -> list[Word]:
    """Words of ``text`` spoken at ``ms_per_char`` with ``gap`` between words; ``pauses``
    maps a word index to the silence after it (ms)."""
    out: list[Word] = []
    t = start
    for k, tok in enumerate(text.split()):
        dur = max(80, ms_per_char * len(tok))
        out.append(Word(t, t + dur, tok))
        t += dur + (pauses or {}).get(k, gap)
    return out
