from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest

from taura_desktop.errors import SubtitleError, UsageError
from taura_desktop.export import (
    BurnStyle,
    DubTrack,
    MixSettings,
    burn_in,
    dub_lanes,
    export_edl,
    export_fcpxml,
    export_otio,
    export_stems,
)
from taura_desktop.export.burnin import force_style
from taura_desktop.media.probe import probe_streams


def frame(path: Path, t: float) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-ss", str(t), "-i", str(path), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(240, 320).astype(np.float32)


def test_burn_in_draws_subtitles_at_the_bottom(tmp_path: Path, source_mp4: Path, srt_file: Path) -> None:
    out = tmp_path / "burnt.mp4"
    seen: list[float] = []
    burn_in(source_mp4, srt_file, out, BurnStyle(size=28, primary_colour="#FFFF00", margin_v=20),
            progress=lambda f, _m: seen.append(f))
    a, b = frame(source_mp4, 2.0), frame(out, 2.0)
    bottom = np.abs(a[170:, :] - b[170:, :]).mean()
    top = np.abs(a[:100, :] - b[:100, :]).mean()
    assert bottom > 5.0 > top
    c, d = frame(source_mp4, 10.0), frame(out, 10.0)  # no subtitle at 10 s
    assert np.abs(c[170:, :] - d[170:, :]).mean() < 5.0
    streams = probe_streams(out)[1]
    assert [s.kind for s in streams] == ["video", "audio"]
    assert streams[1].language == "eng"  # audio copied with its tag
    assert seen and seen[-1] == 1.0


def test_burn_in_ass_keeps_its_style(tmp_path: Path, source_mp4: Path, ass_file: Path) -> None:
    out = tmp_path / "burnt.mkv"
    burn_in(source_mp4, ass_file, out)
    a, b = frame(source_mp4, 2.0), frame(out, 2.0)
    assert np.abs(a[170:, :] - b[170:, :]).mean() > 3.0


def test_burn_in_bad_inputs(tmp_path: Path, source_mp4: Path, srt_file: Path) -> None:
    with pytest.raises(UsageError, match="colour"):
        force_style(BurnStyle(primary_colour="yellow"))
    with pytest.raises(UsageError, match="font name"):
        force_style(BurnStyle(font="Evil',x"))
    with pytest.raises(SubtitleError, match="missing or empty"):
        burn_in(source_mp4, tmp_path / "none.srt", tmp_path / "o.mp4")
    bad = tmp_path / "x.txt"
    bad.write_text("hi")
    with pytest.raises(SubtitleError, match="unsupported subtitle format"):
        burn_in(source_mp4, bad, tmp_path / "o.mp4")
    with pytest.raises(UsageError, match=r"must be \.mp4 or \.mkv"):
        burn_in(source_mp4, srt_file, tmp_path / "o.avi")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


def test_otio_round_trip(tmp_path: Path, source_mp4: Path) -> None:
    wav = tmp_path / "c.wav"
    wav.write_bytes(b"RIFF")
    dubs = {"es": [(1000, 500, wav, "es 1"), (1200, 600, wav, "es 2 overlaps"), (4000, 800, wav, "es 3")],
            "fr": [(2000, 400, wav, "fr 1")]}
    subs = {"es": [(1000, 3000, "Hola"), (5000, 7000, "Adiós")]}
    out = export_otio(tmp_path / "t.otio", source_mp4, 20000, 25.0, None, dubs, subs)
    tl = otio.adapters.read_from_file(str(out))
    counts = {t.name: len(list(t.find_clips())) for t in tl.tracks}
    assert counts == {"Video": 1, "Original audio": 1, "Dub es": 2, "Dub es 2": 1, "Dub fr": 1,
                      "Subtitles es": 2}
    kinds = {t.name: t.kind for t in tl.tracks}
    assert kinds["Dub es"] == otio.schema.TrackKind.Audio and kinds["Video"] == otio.schema.TrackKind.Video
    es = next(t for t in tl.tracks if t.name == "Dub es")
    clip3 = list(es.find_clips())[1]
    assert clip3.range_in_parent().start_time.to_seconds() == pytest.approx(4.0)
    assert clip3.media_reference.target_url == wav.resolve().as_uri()
    assert clip3.metadata["taura"]["lang"] == "es"
    st = next(t for t in tl.tracks if t.name == "Subtitles es")
    assert [m.metadata["taura"]["text"] for m in st.markers] == ["Hola", "Adiós"]
    assert tl.metadata["taura"]["schema"] == 1
    edl = export_edl(tmp_path / "es.edl", out, "es")
    text = edl.read_text()
    assert "00:00:04:00 00:00:04:20" in text  # es 3 at 4 s for 20 frames
    assert dub_lanes(out, "es") == 2 and dub_lanes(out, "fr") == 1 and dub_lanes(out, "de") == 0
    lane2 = export_edl(tmp_path / "es.2.edl", out, "es", lane=1).read_text()
    assert "00:00:01:05 00:00:01:20" in lane2  # the overlapping "es 2" at 1.2 s for 15 frames
    assert "00:00:04:00" not in lane2
    assert export_fcpxml(tmp_path / "t.fcpxml", tl).read_text().startswith("<?xml")
    with pytest.raises(UsageError, match="no dub track"):
        export_edl(tmp_path / "de.edl", out, "de")
    with pytest.raises(UsageError, match=r"must end in \.otio"):
        export_otio(tmp_path / "t.json", source_mp4, 20000, 25.0, None, dubs, subs)


def test_stems(tmp_path: Path, source_mp4: Path, dub_es: DubTrack, dub_fr: DubTrack) -> None:
    stem = tmp_path / "bg.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "anoisesrc=d=20:a=0.05", str(stem)],
                   check=True)
    out = tmp_path / "stems"
    out.mkdir()
    got = export_stems(out, video=source_mp4, dub_tracks=[dub_es, dub_fr],
                       settings=MixSettings(mode="background"), background=stem)
    assert set(got) == {"dub_spa", "dub_fre", "original", "background", "mix_spa", "mix_fre"}
    for name, path in got.items():
        with wave.open(str(path)) as w:
            assert w.getframerate() == 48000
            assert w.getnframes() == 20 * 48000, name
            assert w.getnchannels() == (1 if name.startswith("dub_") else 2)
            assert w.getsampwidth() == 3
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.wav" for n in got)
