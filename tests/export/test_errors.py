from __future__ import annotations

from pathlib import Path

import pytest

from taura_desktop.errors import MediaError, SubtitleError, UsageError
from taura_desktop.export import DubTrack, MixSettings, SubtitleTrack, atomic_output, export_master, iso639_2


def test_iso639() -> None:
    got = [iso639_2(x) for x in ("es", "es-MX", "spa", "EN", "pt_BR", "zh")]
    assert got == ["spa", "spa", "spa", "eng", "por", "chi"]
    with pytest.raises(UsageError, match="not an ISO 639"):
        iso639_2("spanish")


def test_master_bad_inputs(tmp_path: Path, source_mp4: Path, srt_file: Path, dub_es: DubTrack) -> None:
    s = MixSettings()
    with pytest.raises(MediaError, match=r"missing\.mp4"):
        export_master(tmp_path / "missing.mp4", tmp_path / "o.mp4", [dub_es], [], s, original_lang="en")
    with pytest.raises(UsageError, match=r"must be \.mp4 or \.mkv"):
        export_master(source_mp4, tmp_path / "o.avi", [dub_es], [], s, original_lang="en")
    with pytest.raises(UsageError, match=r"needs an \.mkv master"):
        export_master(source_mp4, tmp_path / "o.mp4", [dub_es], [], s, original_lang="en", audio_codec="opus")
    with pytest.raises(UsageError, match="audio codec 'mp3'"):
        export_master(source_mp4, tmp_path / "o.mkv", [dub_es], [], s, original_lang="en", audio_codec="mp3")
    with pytest.raises(SubtitleError, match=r"nope\.srt: subtitle file is missing"):
        export_master(source_mp4, tmp_path / "o.mp4", [dub_es],
                      [SubtitleTrack("es", "es", tmp_path / "nope.srt")], s, original_lang="en")
    with pytest.raises(UsageError, match="language 'xx-yy-zz!'"):
        export_master(source_mp4, tmp_path / "o.mp4", [DubTrack("xx-yy-zz!", "t", [])], [], s,
                      original_lang="en")
    with pytest.raises(UsageError, match="overwrite the source"):
        export_master(source_mp4, source_mp4, [dub_es], [], s, original_lang="en")
    with pytest.raises(UsageError, match="nothing to export"):
        export_master(source_mp4, tmp_path / "o.mp4", [], [], s, original_lang="en", keep_original=False)
    with pytest.raises(MediaError, match="output folder does not exist"):
        export_master(source_mp4, tmp_path / "no" / "o.mp4", [dub_es], [], s, original_lang="en")
    assert not list(tmp_path.glob("o.*"))


def test_atomic_output(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with atomic_output(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".a.bin.")
        tmp.write_bytes(b"whole")
    assert target.read_bytes() == b"whole"
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]
