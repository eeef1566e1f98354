"""Golden cases of the cutter, one per rule, on hand-made word timings."""

from __future__ import annotations

import itertools

from taura_desktop.core.model import Word
from taura_desktop.segmentation import (
    NETFLIX,
    CutCue,
    break_lines,
    cut_words,
    get_profile,
)
from taura_desktop.segmentation.profiles import display_width
from tests.segmentation.wordgen import words_from


def texts(cues: list[CutCue]) -> list[str]:
    return [c.text for c in cues]


def test_empty() -> None:
    assert cut_words([], NETFLIX) == []


def test_sentence_end_preferred_over_filling() -> None:
    words = words_from("I am going home now. You should come with me tonight.", ms_per_char=75)
    cues = cut_words(words, NETFLIX)
    assert texts(cues) == ["I am going home now.", "You should come with me tonight."]
    assert all(c.flags == () for c in cues)


def test_clause_punctuation_break() -> None:
    text = ("When the rain finally stopped over the valley, we walked down to the river "
            "and watched the boats drift slowly past the old mill")
    cues = cut_words(words_from(text, ms_per_char=55), NETFLIX)
    assert cues[0].text.replace("\n", " ").endswith("valley,")
    assert " ".join(t.replace("\n", " ") for t in texts(cues)) == text


def test_pause_break() -> None:
    text = ("we kept walking along the narrow road for hours the sun went down behind "
            "the hills and nobody said a word")
    words = words_from(text, ms_per_char=55, pauses={8: 800})  # after "hours"
    cues = cut_words(words, NETFLIX)
    assert cues[0].text.replace("\n", " ") == "we kept walking along the narrow road for hours"


def test_break_before_conjunction_never_after_article() -> None:
    text = ("my brother told everyone at the party about the strange car he bought yesterday "
            "because he wanted them to be jealous")
    cues = cut_words(words_from(text, ms_per_char=50), NETFLIX)
    assert cues[1].text.replace("\n", " ").startswith("because")
    articles = {"the", "a", "an", "my"}
    for c in cues:
        for line in c.text.split("\n"):
            assert line.split()[-1] not in articles


def test_never_split_article_from_noun_when_full() -> None:
    # 84 characters of words ending right after "the": the cue must not end with "the"
    text = "aaaa " * 15 + "bbb the ccccccccccc dddd eeee."
    cues = cut_words(words_from(text, ms_per_char=20), NETFLIX)
    assert all(not c.text.endswith("the") for c in cues)


def test_long_pause_always_splits() -> None:
    cues = cut_words(words_from("Hello there friend", pauses={0: 2000}), NETFLIX)
    assert texts(cues) == ["Hello", "there friend"]


def test_hard_breaks() -> None:
    words = words_from("one two three four five six")
    cues = cut_words(words, NETFLIX, hard_breaks=[2, 4])
    assert texts(cues) == ["one two", "three four", "five six"]


def test_in_time_and_out_time_limits() -> None:
    words = words_from("This sentence is spoken at a calm pace.", pauses={})
    (cue,) = cut_words(words, NETFLIX)
    assert cue.start_ms == words[0].start_ms
    assert cue.end_ms <= words[-1].end_ms + NETFLIX.max_out_after_speech_ms


def test_min_duration_extension() -> None:
    words = [Word(1000, 1200, "Yes.")]
    (cue,) = cut_words(words, NETFLIX)
    assert (cue.start_ms, cue.end_ms, cue.flags) == (1000, 1833, ())


def test_reading_speed_extension_capped_at_half_second() -> None:
    # 39 chars need 2295 ms at 17 cps; speech lasts 1500 ms -> out-time +500 and flagged
    words = [Word(0, 1500, "Thirty-nine characters of quick speech.")]
    (cue,) = cut_words(words, NETFLIX)
    assert cue.end_ms == 2000 and "cps" in cue.flags


def test_chaining_closes_small_gaps() -> None:
    words = [Word(0, 1500, "First."), Word(1500 + 300, 3500, "Second.")]
    a, b = cut_words(words, NETFLIX)
    assert b.start_ms - a.end_ms == NETFLIX.min_gap_ms  # 2 frames at 25 fps = 80 ms
    far = [Word(0, 1500, "First."), Word(4000, 5000, "Second.")]
    a, b = cut_words(far, NETFLIX)
    assert a.end_ms == 1500  # readable in time: not extended, not chained (gap of 2.5 s)


def test_min_gap_when_words_touch() -> None:
    words = [Word(0, 1000, "One."), Word(1000, 1900, "Two."), Word(1900, 3000, "Three.")]
    cues = cut_words(words, get_profile("netflix"), hard_breaks=[1, 2])
    assert [c.start_ms for c in cues] == [0, 1000, 1900]
    assert [c.end_ms for c in cues] == [920, 1820, 3000]


def test_too_fast_is_flagged_not_broken() -> None:
    words = [Word(0, 100, "Hi."), Word(150, 300, "Go!")]
    cues = cut_words(words, NETFLIX, hard_breaks=[1])
    assert texts(cues) == ["Hi.", "Go!"]
    assert "min_duration" in cues[0].flags


def test_max_duration_and_line_length_flags() -> None:
    (cue,) = cut_words([Word(0, 9000, "x" * 50)], NETFLIX)
    assert set(cue.flags) >= {"max_duration", "line_length"}


def test_max_duration_splits_slow_speech() -> None:
    words = words_from("slow words are spoken here with long gaps between them all", gap=600,
                       ms_per_char=100)
    cues = cut_words(words, NETFLIX)
    assert len(cues) > 1
    assert all(c.end_ms - c.start_ms <= NETFLIX.max_duration_ms for c in cues)


def test_lines_balanced_bottom_heavy() -> None:
    text = "I think that we should go to the market before the rain starts"
    (cue,) = cut_words(words_from(text, ms_per_char=70), NETFLIX)
    top, bottom = cue.text.split("\n")
    assert top == "I think that we should go" and bottom == "to the market before the rain starts"
    assert len(top) <= len(bottom)


def test_spanish_lists() -> None:
    text = ("Mi hermano le contó a todo el mundo en la fiesta lo del coche extraño que compró "
            "ayer porque quería que tuvieran envidia")
    cues = cut_words(words_from(text, ms_per_char=50), NETFLIX, "es")
    assert cues[1].text.split()[0] in ("que", "porque")
    assert all(not line.endswith((" el", " la")) for c in cues for line in c.text.split("\n"))


def test_japanese_width() -> None:
    toks = ["今日は", "とても", "いい", "天気", "ですね。", "散歩に", "行きましょう", "か。",
            "公園の", "桜が", "きれいに", "咲いて", "います。"]
    words, t = [], 0
    for tok in toks:
        words.append(Word(t, t + 400 * len(tok), tok))
        t += 400 * len(tok) + 50
    cues = cut_words(words, NETFLIX, "ja")
    assert "".join(c.text.replace("\n", "") for c in cues) == "".join(toks)
    for c in cues:
        assert all(display_width(line, "ja") <= 16 for line in c.text.split("\n"))


def test_break_lines_reusable() -> None:
    assert break_lines("Short.", NETFLIX) == "Short."
    out = break_lines("I think that we\nshould go to the market before the rain starts", NETFLIX)
    assert out == "I think that we should go\nto the market before the rain starts"
    long = break_lines(" ".join(["word"] * 40), NETFLIX)
    assert len(long.split("\n")) == 5  # does not fit two lines: fewest lines, QC flags it


def test_end_limit_stops_the_minimum_duration_extension() -> None:
    words = [Word(100, 300, "Hi.")]
    free = cut_words(words)
    assert free[0].end_ms > 600  # extended toward the minimum duration
    limited = cut_words(words, end_limit_ms=500)
    assert [(c.start_ms, c.end_ms) for c in limited] == [(100, 500)]
    many = [Word(i * 400, i * 400 + 300, f"word{i}.") for i in range(6)]
    cues = cut_words(many, end_limit_ms=2150)
    assert all(c.end_ms <= 2150 for c in cues)
    assert all(a.end_ms <= b.start_ms for a, b in itertools.pairwise(cues))
