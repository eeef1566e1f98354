"""QC golden cases, one per rule, plus profiles and widths."""

from __future__ import annotations

from dataclasses import replace

import pytest

from taura_desktop.errors import UsageError
from taura_desktop.segmentation import (
    BBC,
    NETFLIX,
    QcInput,
    QcIssue,
    check_cues,
    display_width,
    get_profile,
    to_json,
)


def issues(items: list[QcInput], lang: str = "en") -> dict[str, tuple[QcIssue, ...]]:
    return {r.id: r.issues for r in check_cues(items, NETFLIX, lang)}


def test_clean_cues_have_no_issues() -> None:
    items = [QcInput("a", 0, 2000, "Hello there."), QcInput("b", 2080, 4000, "Fine.")]
    assert issues(items) == {"a": (), "b": ()}
    assert to_json(check_cues(items, NETFLIX)) == []


def test_cps() -> None:
    got = issues([QcInput("a", 0, 1000, "x" * 20)])  # 20 cps
    assert got["a"] == (QcIssue("cps", 20.0, 17.0),)


def test_cps_counts_line_break_as_space() -> None:
    # 17 characters (the break counts as a space): exactly at the limit -> clean
    assert issues([QcInput("a", 0, 1000, "abcdefgh\nijklmnop")])["a"] == ()
    assert issues([QcInput("a", 0, 1000, "abcdefghi\nijklmnop")])["a"][0].rule == "cps"


def test_line_length_and_count() -> None:
    got = issues([QcInput("a", 0, 6000, "y" * 43 + "\nb\nc")])["a"]
    assert got == (QcIssue("line_length", 43.0, 42.0), QcIssue("line_count", 3.0, 2.0))


def test_min_and_max_duration() -> None:
    got = issues([QcInput("a", 0, 500, "Hi."), QcInput("b", 10000, 17500, "Long.")])
    assert got["a"] == (QcIssue("min_duration", 500.0, 833.0),)
    assert got["b"] == (QcIssue("max_duration", 7500.0, 7000.0),)


def test_gap_too_small_and_unchained() -> None:
    got = issues([
        QcInput("a", 0, 1000, "One."), QcInput("b", 1040, 2500, "Two."),
        QcInput("c", 2800, 4000, "Three."), QcInput("d", 6000, 7000, "Four."),
        QcInput("e", 7080, 8000, "Five."),
    ])
    assert got["a"] == (QcIssue("gap", 40.0, 80.0),)
    assert got["b"] == (QcIssue("gap", 300.0, 480.0),)  # should have been chained
    assert got["c"] == () and got["d"] == () and got["e"] == ()
    no_chain = check_cues([QcInput("b", 1040, 2500, "x"), QcInput("c", 2800, 4000, "y")],
                          NETFLIX, chaining=False)
    assert all(r.ok for r in no_chain)


def test_overlap_flags_both() -> None:
    got = issues([QcInput("b", 2000, 5000, "Two."), QcInput("a", 0, 9000, "One."),
                  QcInput("c", 6000, 8000, "Three.")])
    assert got["a"] == (QcIssue("max_duration", 9000.0, 7000.0), QcIssue("overlap", 3000.0, 0.0))
    assert got["b"] == (QcIssue("overlap", 3000.0, 0.0),)
    assert got["c"] == (QcIssue("overlap", 2000.0, 0.0),)


def test_empty() -> None:
    assert issues([QcInput("a", 0, 1000, " \n ")])["a"] == (QcIssue("empty", 0.0, 1.0),)


def test_cjk_width_and_cps() -> None:
    assert display_width("日本語abc", "ja") == 4.5
    assert display_width("ｶﾀｶﾅ", "ja") == 2.0  # half-width katakana
    assert display_width("日本語abc", "en") == 6.0
    assert display_width("e\u0301", "fr") == 1.0  # combining accent not counted
    got = issues([QcInput("a", 0, 2000, "あ" * 17)], "ja")["a"]
    assert [i.rule for i in got] == ["line_length", "cps"]
    assert got[1].limit == 4.0


def test_to_json_shapes() -> None:
    reports = check_cues([QcInput("a", 0, 500, "Hi."), QcInput("b", 1000, 3000, "ok")], NETFLIX)
    assert to_json(reports) == [{"id": "a", "start_ms": 0, "end_ms": 500, "issues": [
        {"rule": "min_duration", "value": 500.0, "limit": 833.0}]}]
    assert [d["id"] for d in to_json(reports, include_ok=True)] == ["a", "b"]


def test_profiles() -> None:
    assert get_profile("Netflix") is NETFLIX and get_profile("bbc") is BBC
    assert NETFLIX.min_gap_ms == 80 and NETFLIX.chain_gap_ms == 480
    p24 = get_profile("netflix", fps=23.976)
    assert p24.min_gap_ms == 84 and p24.chain_gap_frames == 12
    assert get_profile("netflix", fps=29.97).chain_gap_frames == 15
    assert replace(NETFLIX, cps_by_lang=(("en", 20.0),)).cps_for("en-US") == 20.0
    assert NETFLIX.cps_for("pt-BR") == 17.0 and NETFLIX.cps_for("zh-Hant") == 9.0
    assert get_profile("youtube").max_chars_per_line > NETFLIX.max_chars_per_line
    with pytest.raises(UsageError, match="unknown"):
        get_profile("dvd")
    with pytest.raises(UsageError, match="invalid frame rate"):
        NETFLIX.for_fps(0)
