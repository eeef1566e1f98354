"""Subtitle files as the world sends them: legacy code pages, YouTube auto-captions, ASS
drawings, MicroDVD frame-rate headers and negative frames (gaupol's sample), and imports that
hold nothing usable (refused; the project keeps its segments)."""

from __future__ import annotations

from pathlib import Path

import pytest

from taura_desktop.app import projects
from taura_desktop.cli import main
from taura_desktop.core import edits
from taura_desktop.core.model import Segment
from taura_desktop.core.project import Project
from taura_desktop.errors import ExitCode, SubtitleError
from taura_desktop.subtitles.io import read_subtitles

CZECH = [
    "Dobrý den, jak se máte?",
    "Děkuji, mám se dobře. A vy?",
    "Včera jsme byli v kině a viděli jsme nový český film.",
    "Příští týden pojedeme na hory, jestli bude hezké počasí.",
    "Řekl jsem mu, že to nejde, ale on mě neposlouchal.",
    "Žádný problém, všechno bude v pořádku.",
    "Šťastnou cestu a brzy na shledanou.",
]
POLISH = [
    "Dzień dobry, jak się masz?",
    "Wczoraj byliśmy w kinie i widzieliśmy nowy polski film.",
    "Gdzie jest dworzec? Muszę zdążyć na pociąg do Krakowa.",
    "Żaden problem, wszystko będzie dobrze.",
]
HUNGARIAN = [
    "Jó napot kívánok, hogy van?",
    "Köszönöm, jól vagyok. És ön?",
    "Jövő héten a hegyekbe megyünk, ha szép idő lesz.",
    "Hol van a pályaudvar? El kell érnem a vonatot Győrbe.",
]
FRENCH = [
    "Où est la gare ? Je dois prendre le train pour Lyon.",
    "C'était une très belle journée, n'est-ce pas ?",
    "Il faut que tu viennes avec nous à la plage, garçon.",
]


def _srt(lines: list[str]) -> str:
    return "\r\n".join(
        f"{k + 1}\r\n00:00:{2 * k:02d},000 --> 00:00:{2 * k + 1:02d},500\r\n{line}\r\n"
        for k, line in enumerate(lines)
    )


def _project(path: Path, n: int = 4) -> Path:
    with Project.create(path, media=None, source_lang="en", target_langs=("es",)) as p:
        p.apply(
            edits.add_segments(
                p.state, [Segment(f"s{i}", i * 2000, i * 2000 + 1500, f"line {i}") for i in range(n)]
            )
        )
    return path


# ----------------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(("lines", "codec"), [(CZECH, "cp1250"), (POLISH, "cp1250"), (HUNGARIAN, "cp1250"),
                                               (FRENCH, "cp1252")])
def test_legacy_code_page_read_right_without_a_hint(tmp_path: Path, lines: list[str], codec: str) -> None:
    path = tmp_path / "legacy.srt"
    path.write_bytes(_srt(lines).encode(codec))
    imp = read_subtitles(path)
    assert [c.text for c in imp.cues] == lines
    assert imp.encoding == codec and imp.encoding_confident


def test_language_hint_and_forced_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cs.srt"
    path.write_bytes(_srt(CZECH[:2]).encode("cp1250"))
    assert [c.text for c in read_subtitles(path, lang="cs").cues] == CZECH[:2]
    proj = _project(tmp_path / "p.taura")
    code = main(["import-subs", str(proj), str(path), "--lang", "cs"])
    out = capsys.readouterr().out
    assert code == 0 and "(srt, cp1250)" in out
    with Project.open(proj, read_only=True) as p:
        assert [s.source_text for s in p.segments()] == CZECH[:2]
    # the override wins, and the message shows the encoding used
    code = main(["import-subs", str(proj), str(path), "--encoding", "cp1252"])
    out = capsys.readouterr().out
    assert code == 0 and "(srt, cp1252)" in out
    with Project.open(proj, read_only=True) as p:
        assert p.segments()[1].source_text == "Dìkuji, mám se dobøe. A vy?"


def test_close_call_is_flagged_in_the_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mixed.srt"
    # French, German and Spanish in one file: no single alphabet explains it all
    path.write_bytes(_srt(["Café déjà vu, señor", "Über alles – naïve"]).encode("cp1252"))
    imp = read_subtitles(path)
    assert imp.encoding == "cp1252" and not imp.encoding_confident
    proj = _project(tmp_path / "p.taura")
    assert main(["import-subs", str(proj), str(path)]) == 0
    assert "cp1252, guessed: --encoding to choose another" in capsys.readouterr().out


# ---------------------------------------------------------------------------------- WebVTT

YOUTUBE_VTT = "\n".join(
    [
        "WEBVTT",
        "Kind: captions",
        "Language: en",
        "",
        "00:00:00.000 --> 00:00:02.330 align:start position:0%",
        " ",
        "hello<00:00:00.480><c> everyone</c><00:00:00.900><c> and</c><00:00:01.140><c> welcome</c>",
        "",
        "00:00:02.330 --> 00:00:02.340 align:start position:0%",
        "hello everyone and welcome",
        " ",
        "",
        "00:00:02.340 --> 00:00:05.000 align:start position:0%",
        "hello everyone and welcome",
        "to<00:00:02.800><c> the</c><00:00:03.200><c> show</c>",
        "",
    ]
)


def test_youtube_inline_timestamps_keep_every_line(tmp_path: Path) -> None:
    path = tmp_path / "yt.vtt"
    path.write_text(YOUTUBE_VTT, encoding="utf-8")
    imp = read_subtitles(path)
    assert [(c.start_ms, c.end_ms, c.text) for c in imp.cues] == [
        (0, 2330, "hello everyone and welcome"),
        (2330, 2340, "hello everyone and welcome"),
        (2340, 5000, "hello everyone and welcome\nto the show"),
    ]


def test_single_cue_with_two_inline_timestamps_is_imported(tmp_path: Path) -> None:
    path = tmp_path / "one.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nWe<00:00:01.500> can<00:00:02.000> go\n",
                    encoding="utf-8")
    proj = _project(tmp_path / "p.taura")
    with Project.open(proj) as p:
        s = projects.import_subtitles(p, path, lang="en")
        assert s.segments_changed == 1
        assert [x.source_text for x in p.segments()] == ["We can go"]


# ------------------------------------------------------------------------------------- ASS

STYLE_FORMAT = (
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
    "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
    "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding"
)
ASS = r"""[Script Info]
ScriptType: v4.00+
PlayResX: 1280
PlayResY: 720

[V4+ Styles]
{STYLE_FORMAT}
Style: Default,Arial,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,1,2,20,20,20,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.00,0:00:05.00,Default,,0,0,0,,{\an7\pos(0,0)\p1}m 0 0 l 1280 0 1280 80 0 80{\p0}
Dialogue: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,,Hello {\i1}there{\i0}
Dialogue: 1,0:00:02.00,0:00:04.00,Default,,0,0,0,,{\p2\pos(100,100)}m 0 0 b 10 0 20 10 20 20
Dialogue: 0,0:00:04.00,0:00:06.00,Default,,0,0,0,,{\p1}m 0 0 l 5 5{\p0}A sign reads "Exit"
""".replace("{STYLE_FORMAT}", STYLE_FORMAT)


def test_ass_drawings_are_dropped_and_counted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "signs.ass"
    path.write_text(ASS, encoding="utf-8")
    imp = read_subtitles(path)
    assert [c.text for c in imp.cues] == ["Hello there", 'A sign reads "Exit"']
    assert imp.dropped_drawings == 2 and imp.dropped_empty == 0
    proj = _project(tmp_path / "p.taura")
    assert main(["import-subs", str(proj), str(path)]) == 0
    assert "2 drawing cues dropped" in capsys.readouterr().out


# -------------------------------------------------------------------------------- MicroDVD

# gaupol's data/samples/microdvd.sub (first lines): the first frames are negative
GAUPOL_MICRODVD = """{-164}{-68}I always wanted to leave my country|and go somewhere else.
{-35}{23}I always wanted to come to France.
{23}{81}So, one day when I was 17, I left.
{111}{159}There I was in Paris.
{455}{556}{Y:i}I couldn't tell cruelty from kindness.
{561}{663}{y:i}For me, people were|{y:i}the way they were.
"""


def test_microdvd_negative_frames_accepted(tmp_path: Path) -> None:
    path = tmp_path / "gaupol.sub"
    path.write_text(GAUPOL_MICRODVD, encoding="utf-8")
    imp = read_subtitles(path, fps=25)
    assert imp.format == "microdvd"
    assert [(c.start_ms, c.end_ms) for c in imp.cues[:3]] == [(0, 920), (920, 3240), (4440, 6360)]
    assert imp.cues[0].text == "I always wanted to come to France."
    assert imp.cues[-1].text == "For me, people were\nthe way they were." and imp.cues[-1].italic
    assert "1 cues before 0:00 dropped" in imp.notes


def test_microdvd_fps_header_is_honoured_not_a_cue(tmp_path: Path) -> None:
    path = tmp_path / "film.sub"
    path.write_text("{1}{1}23.976\n{24}{48}Hello there\n{72}{96}Second line\n", encoding="utf-8")
    for given in (None, 25.0):  # the project's own frame rate does not override the file's
        imp = read_subtitles(path, fps=given)
        assert [c.text for c in imp.cues] == ["Hello there", "Second line"]
        assert [(c.start_ms, c.end_ms) for c in imp.cues] == [(1001, 2002), (3003, 4004)]
        assert imp.notes == ()


# ------------------------------------------------------------------ nothing usable: refused


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("blank.srt", "1\n00:00:01,000 --> 00:00:02,000\n<i> </i>\n\n2\n00:00:03,000 --> 00:00:04,000\n"
         "{\\an8}\n", "2 empty"),
        ("zero.srt", "1\n00:00:01,000 --> 00:00:01,000\nflash\n", "1 without duration"),
        ("drawings.ass", ASS.split("Dialogue:")[0] + "Dialogue:" + ASS.split("Dialogue:")[1], "1 drawings"),
    ],
)
def test_import_with_no_usable_cue_is_refused_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str, needle: str
) -> None:
    proj = _project(tmp_path / "p.taura")
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    for extra in ([], ["--lang", "es", "--as-translation"]):
        code = main(["import-subs", str(proj), str(path), *extra])
        err = capsys.readouterr().err.strip()
        assert code == ExitCode.BAD_INPUT
        assert "\n" not in err and str(path) in err and "no usable cue" in err and needle in err
    with Project.open(proj, read_only=True) as p:
        assert [s.source_text for s in p.segments()] == [f"line {i}" for i in range(4)]
        assert all(not s.translations for s in p.segments())


def test_translation_overlapping_nothing_is_refused(tmp_path: Path) -> None:
    proj = _project(tmp_path / "p.taura")
    path = tmp_path / "late.srt"
    path.write_text("1\n01:00:00,000 --> 01:00:02,000\nHola\n", encoding="utf-8")
    with Project.open(proj) as p, pytest.raises(SubtitleError, match="none of its 1 cues overlaps"):
        projects.import_subtitles(p, path, lang="fr", as_translation=True)
    with Project.open(proj, read_only=True) as p:
        assert p.meta.target_langs == ("es",)


def test_vtt_identifiers_and_digit_lines_stay_where_they_belong(tmp_path: Path) -> None:
    path = tmp_path / "ids.vtt"
    path.write_text(
        "WEBVTT\n\nintro\n00:00:00.000 --> 00:00:01.000\nIt was\n1984\n\n"
        "scene-2\n00:00:01.000 --> 00:00:02.000\n0\n0\n\n00:00:02.000 --> 00:00:03.000\nlast\n",
        encoding="utf-8",
    )
    assert [c.text for c in read_subtitles(path).cues] == ["It was\n1984", "0\n0", "last"]
