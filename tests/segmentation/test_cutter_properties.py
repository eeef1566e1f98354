"""Hypothesis invariants of the cutter, checked against qc.check_cues."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from taura_desktop.core.model import Word
from taura_desktop.segmentation import (
    BBC,
    NETFLIX,
    YOUTUBE,
    CutCue,
    Profile,
    QcInput,
    check_cues,
    cut_words,
)

VOCAB = ["the", "a", "cat", "sat", "on", "mat,", "and", "then", "ran.", "Why?", "because",
         "extraordinarily-long-compound-word-that-never-fits-anywhere", "I", "el", "perro",
         "porque", "dijo:", "Mr.", "wow!", "...", "", "日本語", "x" * 30]


@st.composite
def timed_words(draw: st.DrawFn) -> list[Word]:
    n = draw(st.integers(1, 60))
    t = draw(st.integers(0, 5000))
    out = []
    for _ in range(n):
        dur = draw(st.integers(0, 2500))
        out.append(Word(t, t + dur, draw(st.sampled_from(VOCAB))))
        t += dur + draw(st.sampled_from([0, 0, 10, 40, 100, 300, 800, 2000]))
        if draw(st.integers(0, 9)) == 0:
            t -= min(dur, 50)  # occasionally overlapping word times (still monotone starts)
    return out


PROFILES = st.sampled_from([NETFLIX, BBC, YOUTUBE, NETFLIX.for_fps(29.97),
                            Profile(name="tight", max_lines=1, max_chars_per_line=20)])


def _check(words: list[Word], cues: Sequence[CutCue], profile: Profile, lang: str) -> None:
    # every word exactly once, in order
    assert [w for c in cues for w in c.words] == words
    gap = profile.min_gap_ms
    for k, c in enumerate(cues):
        assert c.words
        assert c.start_ms == c.words[0].start_ms  # in-time on the first word
        assert c.start_ms < c.end_ms
        last_end = max(w.end_ms for w in c.words)
        if k + 1 < len(cues):
            nxt = cues[k + 1]
            assert nxt.start_ms - c.end_ms >= gap  # ordered, never overlapping, min gap
            chained = c.end_ms == nxt.start_ms - gap
        else:
            chained = False
        limit = max(last_end + profile.max_out_after_speech_ms,
                    c.start_ms + profile.min_duration_ms)
        assert chained or c.end_ms <= limit or c.end_ms == c.start_ms + 1
    reports = check_cues([QcInput(str(k), c.start_ms, c.end_ms, c.text)
                          for k, c in enumerate(cues)], profile, lang)
    for c, r in zip(cues, reports, strict=True):
        assert set(r.rules) <= set(c.flags)  # every broken rule is flagged
        assert "overlap" not in r.rules


@settings(max_examples=200, deadline=None)
@given(words=timed_words(), profile=PROFILES, lang=st.sampled_from(["en", "es", "ja", "de"]),
       data=st.data())
def test_cut_invariants(words: list[Word], profile: Profile, lang: str,
                        data: st.DataObject) -> None:
    breaks = data.draw(st.lists(st.integers(0, len(words)), max_size=5))
    cues = cut_words(words, profile, lang, hard_breaks=breaks)
    _check(words, cues, profile, lang)
