"""Property tests: arbitrary bytes or text never raise anything but SubtitleError, and what
the writers produce reads back to the same cues."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taura_desktop.errors import SubtitleError
from taura_desktop.subtitles import Cue, read_subtitles, validate_ttml, write_subtitles

_SETTINGS = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])

_PREFIXES = st.sampled_from([
    b"", b"WEBVTT\n\n", b"1\n00:00:01,000 --> 00:00:02,000\n", b"{1}{25}", b"[Script Info]\n",
    b"\xef\xbb\xbf", b"\xff\xfe", b'<?xml version="1.0"?><tt xmlns="http://www.w3.org/ns/ttml">',
    b"[Script Info]\nScriptType: v4.00+\n[V4+ Styles]\nFormat: Name\n[Events]\nFormat: Text\n",
])


def _read(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"x{suffix}"
        p.write_bytes(data)
        try:
            imp = read_subtitles(p)
        except SubtitleError as err:
            assert "\n" not in str(err)
            return
        for cue in imp.cues:
            assert 0 <= cue.start_ms <= cue.end_ms and cue.text.strip()


@_SETTINGS
@given(prefix=_PREFIXES, body=st.binary(max_size=400))
def test_arbitrary_bytes_only_raise_subtitle_error(prefix: bytes, body: bytes) -> None:
    _read(prefix + body, ".srt")


@_SETTINGS
@given(prefix=_PREFIXES, body=st.text(max_size=300),
       enc=st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252"]))
def test_arbitrary_text_only_raises_subtitle_error(prefix: bytes, body: str, enc: str) -> None:
    data = prefix + body.encode(enc, errors="replace")
    _read(data, ".sub")


_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
                           blacklist_characters="{}\\<>"),
    min_size=1, max_size=20,
).map(lambda s: " ".join(s.split())).filter(bool)


@st.composite
def _cues(draw: st.DrawFn) -> list[Cue]:
    n = draw(st.integers(0, 6))
    t = 0
    out = []
    for _ in range(n):
        t += draw(st.integers(0, 5000)) // 10 * 10
        dur = draw(st.integers(1, 8000)) // 10 * 10 + 10
        lines = draw(st.lists(_line, min_size=1, max_size=3))
        out.append(Cue(t, t + dur, "\n".join(lines), draw(st.booleans())))
        t += dur
    return out


@_SETTINGS
@given(cues=_cues(), fmt=st.sampled_from(["srt", "vtt", "ass", "ttml"]))
def test_write_read_round_trip(cues: list[Cue], fmt: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = write_subtitles(cues, Path(d) / f"x.{fmt}", lang="en")
        if fmt == "ttml":
            assert validate_ttml(p) == len(cues)
        if not cues:
            return
        assert read_subtitles(p).cues == cues
