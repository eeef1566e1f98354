"""TTML writer output and the structural validator."""

from __future__ import annotations

from pathlib import Path

import pytest

from taura_desktop.errors import SubtitleError
from taura_desktop.subtitles import Cue, read_subtitles, validate_ttml, write_subtitles
from taura_desktop.subtitles.ttml import parse_time

NS = ('xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" '
      'xmlns:tts="http://www.w3.org/ns/ttml#styling"')


def test_escaping_and_control_chars(tmp_path: Path) -> None:
    cues = [Cue(0, 1000, 'a < b & "c" > d\x01\x0b\nline <br/>'), Cue(1000, 2000, "  \n ")]
    out = write_subtitles(cues, tmp_path / "a.ttml", lang="es-419")
    text = out.read_text()
    assert "a &lt; b &amp; \"c\" &gt; d<br/>line &lt;br/&gt;" in text
    assert 'xml:lang="es-419"' in text and 'ttp:timeBase="media"' in text
    assert validate_ttml(out) == 1  # the blank cue is not written
    assert read_subtitles(out).cues == [Cue(0, 1000, 'a < b & "c" > d\nline <br/>')]


def test_bad_lang_falls_back_to_und(tmp_path: Path) -> None:
    out = write_subtitles([Cue(0, 1000, "x")], tmp_path / "a.ttml", lang='"><evil')
    assert 'xml:lang="und"' in out.read_text()
    validate_ttml(out)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("<tt", "not well-formed"),
        ('<tt xmlns="urn:other" xml:lang="en"/>', "root element"),
        (f"<tt {NS}/>", "no xml:lang"),
        (f'<tt {NS} xml:lang="e n"/>', "not a language tag"),
        (f'<tt {NS} xml:lang="en" ttp:timeBase="smpte"/>', "timeBase"),
        (f'<tt {NS} xml:lang="en"><body><div><p begin="2s" end="1s">x</p></div></body></tt>',
         "is not before end"),
        (f'<tt {NS} xml:lang="en"><body><div><p begin="1s">x</p></div></body></tt>',
         "lacks begin or end"),
        (f'<tt {NS} xml:lang="en"><body><div><p begin="1q" end="2s">x</p></div></body></tt>',
         "bad time expression"),
        (f'<tt {NS} xml:lang="en"><body><div><p begin="3s" end="4s">x</p>'
         '<p begin="1s" end="2s">y</p></div></body></tt>', "before the previous"),
        (f'<tt {NS} xml:lang="en"><body><div><p begin="1s" end="2s" style="nope">x</p>'
         "</div></body></tt>", "style 'nope' is not defined"),
        (f'<tt {NS} xml:lang="en"><body region="r1"/></tt>', "region 'r1'"),
        (f'<tt {NS} xml:lang="en"><body><div>loose<p begin="1s" end="2s">x</p></div></body>'
         "</tt>", "text outside"),
        (f'<tt {NS} xml:lang="en"><body><div><p xml:id="a" begin="1s" end="2s">x</p>'
         '<p xml:id="a" begin="2s" end="3s">y</p></div></body></tt>', "duplicate xml:id"),
        (f'<tt {NS} xml:lang="en"><body><div><p begin="1s" end="2s"><div/></p></div></body>'
         "</tt>", "contains div"),
        (f'<tt {NS} xml:lang="en"><body/><head/></tt>', "head comes after body"),
    ],
)
def test_validator_rejects(tmp_path: Path, doc: str, message: str) -> None:
    p = tmp_path / "bad.ttml"
    p.write_text(doc)
    with pytest.raises(SubtitleError) as err:
        validate_ttml(p)
    assert message in str(err.value) and str(p) in str(err.value)
    assert "\n" not in str(err.value)


def test_validator_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SubtitleError, match="not found"):
        validate_ttml(tmp_path / "none.ttml")


def test_validator_accepts_frames_ticks_offsets(tmp_path: Path) -> None:
    p = tmp_path / "ok.ttml"
    p.write_text(
        f'<tt {NS} xml:lang="fr" ttp:frameRate="25" ttp:tickRate="10"><body><div>'
        '<p begin="00:00:01:05" end="00:00:02.5">a</p><p begin="30t" end="4s">b<br/>'
        '<span tts:fontStyle="italic">c</span></p><p begin="100f" end="1.5m">d</p>'
        "</div></body></tt>"
    )
    assert validate_ttml(p) == 3


def test_parse_time() -> None:
    assert parse_time("01:02:03.5") == 3_723_500
    assert parse_time("00:00:01:12", frame_rate=24) == 1500
    assert parse_time("250ms") == 250 and parse_time("2h") == 7_200_000
    with pytest.raises(ValueError):
        parse_time("00:61:00.000")
