"""Golden files: writing the reference cues gives byte-identical files, reading them back
gives the same cues (ASS stores centiseconds, so times come back rounded to 10 ms)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from taura_desktop.subtitles import read_subtitles, validate_ttml, write_subtitles
from tests.subtitles.cases import CUES, GOLDEN


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass", "ttml"])
def test_write_matches_golden(fmt: str, tmp_path: Path) -> None:
    out = write_subtitles(CUES, tmp_path / f"out.{fmt}", lang="en")
    assert out.read_bytes() == (GOLDEN / f"cues.{fmt}").read_bytes()


@pytest.mark.parametrize("fmt", ["srt", "vtt", "ass", "ttml"])
def test_golden_reads_back_equal(fmt: str) -> None:
    imp = read_subtitles(GOLDEN / f"cues.{fmt}")
    expected = CUES
    if fmt == "ass":
        expected = [replace(c, start_ms=c.start_ms // 10 * 10, end_ms=c.end_ms // 10 * 10)
                    for c in CUES]
    assert imp.cues == expected
    assert imp.format == fmt
    assert imp.encoding == "utf-8"
    assert imp.dropped_empty == 0 and imp.overlaps == 0


def test_golden_ttml_is_valid() -> None:
    assert validate_ttml(GOLDEN / "cues.ttml") == len(CUES)


def test_explicit_format_overrides_extension(tmp_path: Path) -> None:
    out = write_subtitles(CUES, tmp_path / "subs.txt", fmt="srt")
    assert out.read_bytes() == (GOLDEN / "cues.srt").read_bytes()
