"""Hallucination guards and glossary prompt: pure functions on crafted segments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from taura_desktop.core.model import Word
from taura_desktop.engines.asr.base import (
    FLAG_HIGH_COMPRESSION,
    FLAG_LOW_CONFIDENCE,
    FLAG_REPETITION,
    AsrOptions,
    AsrSegment,
    glossary_prompt,
)
from taura_desktop.engines.asr.guards import (
    apply_guards,
    collapse_repeated_segments,
    collapse_repeated_words,
    collapse_runs,
    normalize_times,
    restrict_to_speech,
)

OPTS = AsrOptions()


def seg(
    start: int,
    end: int,
    text: str,
    words: tuple[Word, ...] = (),
    *,
    avg_logprob: float = -0.2,
    no_speech_prob: float = 0.01,
    compression_ratio: float = 1.2,
) -> AsrSegment:
    return AsrSegment(
        start, end, text, words,
        avg_logprob=avg_logprob, no_speech_prob=no_speech_prob, compression_ratio=compression_ratio,
    )


def words_of(text: str, start: int, step: int = 300) -> tuple[Word, ...]:
    return tuple(
        Word(start + i * step, start + (i + 1) * step - 20, " " + tok) for i, tok in enumerate(text.split())
    )


def run(
    segments: list[AsrSegment], regions: list[tuple[int, int]] | None = None, dur: int = 60_000
) -> list[AsrSegment]:
    return list(apply_guards(segments, OPTS, regions, dur))


def test_low_logprob_is_flagged_not_dropped() -> None:
    out = run([seg(0, 1000, "hello there", avg_logprob=-1.5)])
    assert len(out) == 1
    assert FLAG_LOW_CONFIDENCE in out[0].flags


def test_good_segment_passes_unchanged() -> None:
    s = seg(0, 1000, "hello there", words_of("hello there", 0))
    assert run([s]) == [s]


def test_high_compression_is_flagged() -> None:
    out = run([seg(0, 1000, "la la la", compression_ratio=3.1)])
    assert out[0].flags == (FLAG_HIGH_COMPRESSION,)


def test_no_speech_with_low_logprob_is_dropped_but_confident_text_kept() -> None:
    silent = seg(0, 1000, "Thanks for watching!", no_speech_prob=0.9, avg_logprob=-1.2)
    confident = seg(1000, 2000, "Real words", no_speech_prob=0.9, avg_logprob=-0.3)
    assert run([silent, confident]) == [confident]


def test_same_text_repeated_many_times_collapses_to_one_flagged_segment() -> None:
    loop = [seg(i * 1000, i * 1000 + 900, "Thank you.") for i in range(6)]
    out = run([*loop, seg(7000, 8000, "Bye")])
    assert [s.text for s in out] == ["Thank you.", "Bye"]
    assert out[0].flags == (FLAG_REPETITION,)
    assert out[0].start_ms == 0


def test_few_repeats_are_kept() -> None:
    yes = [seg(i * 1000, i * 1000 + 500, "Yes.") for i in range(3)]
    assert run(yes) == yes


def test_repetition_key_ignores_case_and_punctuation() -> None:
    loop = [seg(i * 1000, i * 1000 + 500, t) for i, t in enumerate(["Go!", "go", "GO.", "go?", "Go"])]
    out = list(collapse_repeated_segments(loop, 3))
    assert len(out) == 1 and out[0].flags == (FLAG_REPETITION,)


def test_repeated_words_inside_a_segment_collapse() -> None:
    text = "I said " + " ".join(["no way"] * 6) + " okay"
    s = seg(0, 10_000, text, words_of(text, 0))
    out = collapse_repeated_words(s, 3)
    assert out.text == "I said no way okay"
    assert [w.text for w in out.words] == [" I", " said", " no", " way", " okay"]
    assert FLAG_REPETITION in out.flags
    assert out.end_ms == out.words[-1].end_ms


def test_repeated_zero_length_words_keep_a_positive_duration() -> None:
    # seen with a random-weight model: a run of words all stamped at the segment's start
    words = tuple(Word(9500, 9500, " nky") for _ in range(6))
    out = collapse_repeated_words(seg(9500, 9800, "nky nky nky nky nky nky", words), 3)
    assert out.text == "nky" and FLAG_REPETITION in out.flags
    assert out.start_ms < out.end_ms == 9800


def test_repeated_words_without_word_times_collapse_on_text() -> None:
    out = collapse_repeated_words(seg(0, 1000, "ha ha ha ha ha ha"), 3)
    assert out.text == "ha" and FLAG_REPETITION in out.flags


def test_collapse_runs_keeps_short_runs() -> None:
    assert collapse_runs(["a", "a", "a", "b"], 3) == [0, 1, 2, 3]
    assert collapse_runs(["a", "b"] * 5 + ["c"], 3) == [0, 1, 10]
    assert collapse_runs(["", "", "", "", ""], 3) == [0, 1, 2, 3, 4]


def test_segment_in_vad_rejected_region_is_dropped() -> None:
    regions = [(1000, 3000), (8000, 9000)]
    over_silence = seg(4000, 6000, "ghost text", words_of("ghost text", 4000))
    no_words = seg(5000, 6000, "ghost")
    real = seg(1100, 2000, "real speech", words_of("real speech", 1100))
    assert run([real, over_silence, no_words], regions) == [real]


def test_words_outside_speech_are_removed_and_text_rebuilt() -> None:
    regions = [(0, 1000)]
    ws = (Word(100, 400, " hello"), Word(450, 900, " world"), Word(3000, 3500, " phantom"))
    out = restrict_to_speech(seg(100, 3500, "hello world phantom", ws), regions, 200)
    assert out is not None
    assert out.text == "hello world"
    assert out.end_ms == 900 and len(out.words) == 2


def test_word_sticking_out_of_speech_is_clamped_to_region_plus_tolerance() -> None:
    ws = (Word(800, 2000, " long"),)  # middle 1400 is inside 0..1000 + 500
    out = restrict_to_speech(seg(800, 2000, "long", ws), [(0, 1000)], 500)
    assert out is not None and out.end_ms == 1500 and out.words[0].end_ms == 1500


def test_all_silence_regions_empty_drops_everything() -> None:
    assert run([seg(0, 1000, "hello", words_of("hello", 0))], regions=[]) == []


def test_no_vad_regions_means_no_vad_filtering() -> None:
    s = seg(4000, 6000, "kept")
    assert run([s], regions=None) == [s]


def test_times_are_clamped_ordered_and_words_inside_segments() -> None:
    a = seg(-200, 1500, "first", (Word(-200, 300, " first"),))
    overlapping = seg(1200, 2500, "second", (Word(1100, 2600, " second"),))
    backwards = seg(100, 900, "backwards")
    beyond = seg(59_000, 70_000, "tail", (Word(59_500, 70_000, " tail"),))
    after_end = seg(61_000, 62_000, "gone")
    out = run([a, overlapping, backwards, beyond, after_end], dur=60_000)
    assert [s.text for s in out] == ["first", "second", "tail"]
    previous_end = 0
    for s in out:
        assert 0 <= previous_end <= s.start_ms < s.end_ms <= 60_000
        for w in s.words:
            assert s.start_ms <= w.start_ms <= w.end_ms <= s.end_ms
        previous_end = s.end_ms


def test_normalize_drops_empty_text() -> None:
    assert normalize_times(seg(0, 1000, "   "), 5000, 0) is None


def test_guards_are_lazy() -> None:
    def endless() -> Iterator[AsrSegment]:
        i = 0
        while True:
            yield seg(i * 1000, i * 1000 + 500, f"line {i}")
            i += 1

    it = apply_guards(endless(), OPTS, None, 10**9)
    assert next(it).text == "line 0"


def test_glossary_prompt() -> None:
    assert glossary_prompt([]) == ""
    assert glossary_prompt(["Taura", " OpenTimelineIO ", "taura", "", "Kyiv  Oblast"]) == (
        "Taura, OpenTimelineIO, Kyiv Oblast."
    )
    long = glossary_prompt([f"term{i}" for i in range(500)], max_chars=60)
    assert 0 < len(long) <= 60 and long.endswith(".")


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"task": "summarize"}, "task"),
        ({"device": "tpu"}, "device"),
        ({"beam_size": 0}, "beam_size"),
        ({"batch_size": 0}, "batch_size"),
        ({"temperature": ()}, "temperature"),
        ({"repetition_threshold": 0}, "repetition_threshold"),
        ({"vad_threshold": 1.5}, "vad_threshold"),
        ({"vad_min_silence_ms": -1}, "VAD"),
        ({"language": "English"}, "language"),
    ],
)
def test_bad_options_raise_one_line_usage_error(kwargs: dict[str, object], needle: str) -> None:
    from taura_desktop.errors import ExitCode, UsageError

    with pytest.raises(UsageError) as exc:
        AsrOptions(**kwargs)  # type: ignore[arg-type]
    assert needle in str(exc.value) and "\n" not in str(exc.value)
    assert exc.value.exit_code == ExitCode.USAGE
