"""Sentence grouping and distribution of a translated sentence back over its cues."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taura_desktop.translation.sentences import (
    POOR_SPLIT,
    SentenceGroup,
    distribute,
    group_sentences,
    split_flags,
    translate_cues,
)


def test_group_joins_cues_until_sentence_end() -> None:
    cues = [
        ("a", "When I was young,"),
        ("b", "I lived in Paris."),
        ("c", "Really?"),
        ("d", ""),
        ("e", "I was going to..."),
        ("f", "...the store"),
        ("g", "and back."),
        ("h", "Wait..."),
        ("i", "Who is there?"),
        ("j", "no end here"),
    ]
    assert group_sentences(cues, "en") == [
        SentenceGroup(("a", "b"), "When I was young, I lived in Paris."),
        SentenceGroup(("c",), "Really?"),
        SentenceGroup(("d",), ""),
        SentenceGroup(("e", "f", "g"), "I was going to the store and back."),
        SentenceGroup(("h",), "Wait..."),
        SentenceGroup(("i",), "Who is there?"),
        SentenceGroup(("j",), "no end here"),
    ]


def test_group_caps_unpunctuated_runs() -> None:
    cues = [(str(i), f"word{i}") for i in range(10)]
    groups = group_sentences(cues, "en", max_cues=4)
    assert [len(g.ids) for g in groups] == [4, 4, 2]
    assert group_sentences([("x", "Line one\nline two.")], "en")[0].text == "Line one line two."


def test_distribute_golden_prefers_punctuation() -> None:
    pieces, q = distribute(
        "Cuando era joven, vivía en París con mi familia.", ["a", "b"], [1500, 2500]
    )
    assert pieces == {"a": "Cuando era joven,", "b": "vivía en París con mi familia."}
    assert q > 0.8 and split_flags(q) == ()


def test_distribute_proportional_without_punctuation() -> None:
    pieces, q = distribute("one two three four five six seven eight", ["a", "b"], [1000, 3000])
    assert pieces == {"a": "one two", "b": "three four five six seven eight"}
    assert q > 0.8


def test_distribute_three_cues_and_single() -> None:
    pieces, _ = distribute("uno dos tres. cuatro cinco, seis siete", ["a", "b", "c"], [1, 1, 1])
    assert list(pieces.values()) == ["uno dos tres.", "cuatro cinco,", "seis siete"]
    assert distribute("  hola   mundo ", ["a"], [5]) == ({"a": "hola mundo"}, 1.0)


def test_distribute_poor_splits_flagged() -> None:
    pieces, q = distribute("Sí", ["a", "b"], [1000, 1000])
    assert pieces == {"a": "Sí", "b": ""} and q == 0.0
    assert split_flags(q) == (POOR_SPLIT,)
    # one long word cannot follow a 90/10 duration split
    _, q2 = distribute("Supercalifragilístico y", ["a", "b"], [100, 900])
    assert split_flags(q2) == (POOR_SPLIT,)
    assert distribute("", ["a", "b"], [1, 1]) == ({"a": "", "b": ""}, 0.0)


def test_distribute_bad_arguments() -> None:
    with pytest.raises(ValueError, match="2 cue ids but 1 durations"):
        distribute("x y", ["a", "b"], [1])
    # zero durations -> equal shares
    pieces, _ = distribute("a b c d", ["x", "y"], [0, 0])
    assert pieces == {"x": "a b", "y": "c d"}


words_st = st.lists(
    st.text(alphabet="abcdefghij.,!?é", min_size=1, max_size=8), min_size=1, max_size=40
)


@settings(max_examples=150, deadline=None)
@given(words=words_st, durs=st.lists(st.integers(0, 10_000), min_size=1, max_size=6))
def test_distribute_properties(words: list[str], durs: list[int]) -> None:
    ids = [f"c{i}" for i in range(len(durs))]
    pieces, q = distribute(" ".join(words), ids, durs)
    assert list(pieces) == ids
    assert " ".join(p for p in pieces.values() if p).split() == words  # all words, in order
    assert 0.0 <= q <= 1.0
    if len(words) >= len(ids):
        assert all(pieces.values())  # no empty piece
    else:
        assert q == 0.0


def test_translate_cues_one_call() -> None:
    calls: list[list[str]] = []

    def fake(texts: list[str]) -> list[str]:
        calls.append(texts)
        return [t.upper() for t in texts]

    cues = [("a", "When I was young,"), ("b", "I lived in Paris."), ("c", ""), ("d", "Yes.")]
    out = translate_cues(fake, cues, {"a": 1200, "b": 1800, "c": 500, "d": 400})
    assert len(calls) == 1 and calls[0] == ["When I was young, I lived in Paris.", "", "Yes."]
    assert out["a"].text == "WHEN I WAS YOUNG," and out["b"].text == "I LIVED IN PARIS."
    assert out["c"].text == "" and out["d"].text == "YES." and out["d"].flags == ()
    with pytest.raises(ValueError, match="3 sentences but 1 results"):
        translate_cues(lambda xs: xs[:1], cues, {})
