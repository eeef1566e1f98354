"""Reading: encodings, formats, tag stripping, italics, overlaps, empty cues, bad input."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from taura_desktop.errors import SubtitleError
from taura_desktop.subtitles import Cue, match_by_overlap, read_subtitles, write_subtitles

SRT = (
    "1\n00:00:01,000 --> 00:00:02,500\nCafé déjà vu, señor\nsecond line\n\n"
    "2\n00:00:03,000 --> 00:00:04,000\n<i>Über alles</i>\n\n"
)
EXPECTED = [
    Cue(1000, 2500, "Café déjà vu, señor\nsecond line"),
    Cue(3000, 4000, "Über alles", italic=True),
]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (SRT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SRT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + SRT.encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + SRT.encode("utf-16-be"), "utf-16"),
        (SRT.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16le", "utf16be", "crlf"],
)
def test_unicode_encodings(tmp_path: Path, encoded: bytes, encoding: str) -> None:
    imp = read_subtitles(_write(tmp_path, "a.srt", encoded))
    assert imp.cues == EXPECTED
    assert imp.encoding == encoding
    assert imp.format == "srt"


def test_cp1252_detected(tmp_path: Path) -> None:
    text = SRT.replace("Über alles", "Über alles – “smart” quotes, naïve")
    imp = read_subtitles(_write(tmp_path, "a.srt", text.replace("\n", "\r\n").encode("cp1252")))
    assert imp.cues[0].text == "Café déjà vu, señor\nsecond line"
    assert imp.cues[1].text == "Über alles – “smart” quotes, naïve"
    assert imp.encoding not in ("utf-8", "utf-8-sig")


def test_latin1_forced(tmp_path: Path) -> None:
    imp = read_subtitles(_write(tmp_path, "a.srt", SRT.encode("latin-1")), encoding="latin-1")
    assert imp.cues == EXPECTED
    assert imp.encoding == "latin-1"


def test_cyrillic_cp1251_detected(tmp_path: Path) -> None:
    text = ("1\n00:00:01,000 --> 00:00:02,000\nПривет, как дела? Всё хорошо, спасибо.\n\n"
            "2\n00:00:03,000 --> 00:00:04,000\nЭто длинный русский текст для проверки.\n")
    imp = read_subtitles(_write(tmp_path, "ru.srt", text.encode("cp1251")))
    assert imp.cues[0].text == "Привет, как дела? Всё хорошо, спасибо."


def test_srt_tags_stripped(tmp_path: Path) -> None:
    text = ('1\n00:00:01,000 --> 00:00:02,000\n<b>Bold</b> <font color="#ff0000">red</font>'
            " <u>under</u> a &lt; b\n\n")
    imp = read_subtitles(_write(tmp_path, "a.srt", text.encode()))
    assert imp.cues == [Cue(1000, 2000, "Bold red under a &lt; b")]  # SRT has no entities


def test_partial_italic_is_not_italic(tmp_path: Path) -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\n<i>Half</i> plain\n\n"
    assert read_subtitles(_write(tmp_path, "a.srt", text.encode())).cues[0].italic is False


def test_vtt_tags_entities_settings(tmp_path: Path) -> None:
    text = (
        "WEBVTT - title\n\nNOTE a comment\n\nSTYLE\n::cue { color: yellow }\n\n"
        "intro\n00:01.000 --> 00:02.500 align:start position:10%\n"
        "<v Bob>Hi &amp; <c.yellow>welcome</c> <00:01.500>back &lt;3</v>\n\n"
        "00:00:03.000 --> 00:00:04.000\n<i>all italic</i>\n"
    )
    imp = read_subtitles(_write(tmp_path, "a.vtt", text.encode()))
    assert imp.format == "vtt"
    assert imp.cues == [Cue(1000, 2500, "Hi & welcome back <3"), Cue(3000, 4000, "all italic", True)]


def test_ass_overrides_and_styles(tmp_path: Path) -> None:
    text = (
        "[Script Info]\nScriptType: v4.00+\n\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        "Style: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,"
        "0,0,1,2,2,2,10,10,10,1\n"
        "Style: Thought,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,-1,0,0,100,100,"
        "0,0,1,2,2,2,10,10,10,1\n\n[Events]\n"
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:05.00,0:00:06.00,Default,,0,0,0,,{\\an8\\pos(10,10)}Top\\Nline two\n"
        "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\i1}Whole italic{\\i0}\n"
        "Dialogue: 0,0:00:03.00,0:00:04.00,Thought,,0,0,0,,Styled italic\n"
        "Comment: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,not shown\n"
        "Dialogue: 0,0:00:07.00,0:00:08.00,Default,,0,0,0,,{\\b1}{\\fad(1,1)}\n"
    )
    imp = read_subtitles(_write(tmp_path, "a.ass", text.encode()))
    assert imp.format == "ass"
    assert imp.cues == [
        Cue(1000, 2000, "Whole italic", True),
        Cue(3000, 4000, "Styled italic", True),
        Cue(5000, 6000, "Top\nline two"),
    ]
    assert imp.dropped_empty == 1


def test_microdvd_default_fps_note(tmp_path: Path) -> None:
    imp = read_subtitles(_write(tmp_path, "a.sub", b"{25}{50}Hello|world\n{75}{100}{y:i}Ital\n"))
    assert imp.format == "microdvd"
    assert imp.cues[0] == Cue(1000, 2000, "Hello\nworld")
    assert imp.cues[1].italic is True
    assert imp.notes and "25" in imp.notes[0]


def test_microdvd_given_and_stated_fps(tmp_path: Path) -> None:
    p = _write(tmp_path, "a.sub", b"{50}{100}Hello\n")
    assert read_subtitles(p, fps=50).cues == [Cue(1000, 2000, "Hello")]
    stated = read_subtitles(_write(tmp_path, "b.sub", b"{1}{1}50\n{50}{100}Hello\n"))
    assert stated.cues == [Cue(1000, 2000, "Hello")] and stated.notes == ()


def test_overlaps_flagged_empty_dropped_sorted(tmp_path: Path) -> None:
    text = (
        "1\n00:00:05,000 --> 00:00:06,000\nlast\n\n"
        "2\n00:00:01,000 --> 00:00:03,000\nfirst\n\n"
        "3\n00:00:02,000 --> 00:00:04,000\nsecond\n\n"
        "4\n00:00:04,500 --> 00:00:04,800\n<i> </i>\n\n"
    )
    imp = read_subtitles(_write(tmp_path, "a.srt", text.encode()))
    assert [c.text for c in imp.cues] == ["first", "second", "last"]
    assert [c.flags for c in imp.cues] == [("overlap",), ("overlap",), ()]
    assert imp.overlaps == 2 and imp.dropped_empty == 1


def test_ttml_reader_times_and_styles(tmp_path: Path) -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:tts="http://www.w3.org/ns/ttml#styling" '
        'xmlns:ttp="http://www.w3.org/ns/ttml#parameter" ttp:frameRate="25" '
        'ttp:tickRate="10000000" xml:lang="es"><head><styling>'
        '<style xml:id="it" tts:fontStyle="italic"/><style xml:id="it2" style="it"/>'
        '</styling></head><body><div begin="1s">'
        '<p begin="00:00:01:05" end="00:00:02.000">Hola<br/>mundo</p>'
        '<p begin="30000000t" dur="500ms" style="it2">cursiva</p>'
        '<p begin="5s" end="6s"><span tts:fontStyle="italic">a</span> b</p>'
        "</div></body></tt>"
    )
    imp = read_subtitles(_write(tmp_path, "a.xml", text.encode()))
    assert imp.format == "ttml"
    assert imp.cues == [
        Cue(2200, 3000, "Hola\nmundo"),
        Cue(4000, 4500, "cursiva", True),
        Cue(6000, 7000, "a b"),
    ]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.srt", b"", "is empty"),
        ("blank.srt", b"\r\n  \n", "is empty"),
        ("binary.srt", bytes(range(256)) * 8, "not a"),
        ("zip.srt", b"PK\x03\x04" + b"\x00\x01\x02\xff" * 300, "not a"),
        ("plain.srt", b"just some words\nwithout any timing\n", "unknown subtitle format"),
        ("bad.vtt", b"WEBVTT\n\n00:01.000 --> garbage\nHi\n", "no subtitle cues"),
        ("bad.ttml", b'<?xml version="1.0"?><tt xmlns="http://www.w3.org/ns/ttml"><body>',
         "invalid ttml"),
    ],
)
def test_bad_input_one_line_error(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    p = _write(tmp_path, name, data)
    with pytest.raises(SubtitleError) as err:
        read_subtitles(p)
    text = str(err.value)
    assert "\n" not in text and str(p) in text and message in text


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SubtitleError, match=r"nope\.srt: subtitle file not found"):
        read_subtitles(tmp_path / "nope.srt")


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(SubtitleError, match="is a folder"):
        read_subtitles(tmp_path)


def test_undecodable_with_forced_encoding(tmp_path: Path) -> None:
    p = _write(tmp_path, "a.srt", SRT.encode("cp1252"))
    with pytest.raises(SubtitleError, match=r"a\.srt: cannot be decoded as utf-8"):
        read_subtitles(p, encoding="utf-8")
    with pytest.raises(SubtitleError, match="unknown text encoding"):
        read_subtitles(p, encoding="no-such-codec")


def test_bad_utf16_after_bom(tmp_path: Path) -> None:
    p = _write(tmp_path, "a.srt", codecs.BOM_UTF16_LE + b"\x00\xd8\x00\xd8A")
    with pytest.raises(SubtitleError, match="invalid utf-16"):
        read_subtitles(p)


def test_write_errors(tmp_path: Path) -> None:
    cues = [Cue(0, 1000, "x")]
    with pytest.raises(SubtitleError, match="unknown subtitle extension"):
        write_subtitles(cues, tmp_path / "a.doc")
    with pytest.raises(SubtitleError, match="cannot be written"):
        write_subtitles(cues, tmp_path / "a.srt", fmt="sami")
    with pytest.raises(SubtitleError, match="does not exist"):
        write_subtitles(cues, tmp_path / "missing" / "a.srt")


def test_write_is_atomic_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a.srt"
    target.write_text("old content")
    write_subtitles([Cue(0, 1000, "new")], target)
    assert "new" in target.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.srt"]


def test_vtt_escapes_and_srt_arrow(tmp_path: Path) -> None:
    cues = [Cue(0, 1000, "a --> b < c & d")]
    vtt = write_subtitles(cues, tmp_path / "a.vtt").read_text()
    assert "a --&gt; b &lt; c &amp; d" in vtt
    assert read_subtitles(tmp_path / "a.vtt").cues == cues
    srt = write_subtitles(cues, tmp_path / "a.srt").read_text()
    assert srt.count("-->") == 1


def test_match_by_overlap() -> None:
    targets = [("a", 0, 2000), ("b", 2000, 5000), ("c", 9000, 9500)]
    cues = [
        Cue(2500, 3000, "two"),
        Cue(100, 1900, "one\nline"),
        Cue(1500, 3500, "mostly b"),  # 500 ms in a, 1500 in b
        Cue(6000, 7000, "nowhere"),
        Cue(1000, 3000, "tie"),  # 1000 / 1000 -> earlier target
    ]
    assert match_by_overlap(targets, cues) == {"a": "one line tie", "b": "mostly b two"}
    assert match_by_overlap([], cues) == {}
