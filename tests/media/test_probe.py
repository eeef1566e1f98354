from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from taura_desktop.errors import ExitCode, MediaError
from taura_desktop.media import fingerprint, probe, require_audio
from taura_desktop.media.decode import decode_audio
from taura_desktop.media.peaks import compute_peaks


def assert_one_line(err: pytest.ExceptionInfo[MediaError], path: Path, *words: str) -> None:
    msg = str(err.value)
    assert "\n" not in msg
    assert str(path) in msg
    for w in words:
        assert w in msg.lower(), msg
    assert "Traceback" not in msg
    assert err.value.exit_code == ExitCode.BAD_INPUT


# --- good media -----------------------------------------------------------------------------


def test_probe_video_with_speech(speech_video: Path) -> None:
    info = probe(speech_video)
    assert info.path == speech_video
    assert info.size == speech_video.stat().st_size
    assert abs(info.duration_ms - 4000) <= 50
    assert info.has_video and info.has_audio
    assert info.width == 320 and info.height == 240
    assert info.fps == pytest.approx(25.0)
    v = info.video
    assert v is not None and v.kind == "video" and v.codec == "h264"
    (a,) = info.audio_streams
    assert a.kind == "audio" and a.codec == "aac" and a.language == "eng"
    assert a.channels == 1 and a.sample_rate == 22050
    assert require_audio(info) == a


def test_probe_multi_stream_languages_and_titles(multi_mkv: Path) -> None:
    info = probe(multi_mkv)
    kinds = [s.kind for s in info.streams]
    assert kinds == ["video", "audio", "audio", "subtitle"]
    eng, spa = info.audio_streams
    assert (eng.language, eng.title, eng.sample_rate) == ("eng", None, 48000)
    assert (spa.language, spa.title, spa.channels) == ("spa", "Doblaje", 2)
    (sub,) = [s for s in info.streams if s.kind == "subtitle"]
    assert sub.language == "fre" and sub.codec in ("subrip", "srt")
    assert info.fps == pytest.approx(24.0)
    assert [s.index for s in info.streams] == [0, 1, 2, 3]


def test_probe_audio_only(click_files: dict[str, Path]) -> None:
    for p in click_files.values():
        info = probe(p)
        assert not info.has_video and info.video is None
        assert info.fps is None and info.width is None and info.height is None
        assert info.has_audio
        assert abs(info.duration_ms - 3000) <= 30
        assert info.audio_streams[0].language is None  # "und" or absent


def test_fingerprint(speech_video: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(speech_video.parent)
    ref = fingerprint(Path(speech_video.name))
    assert ref.path == str(speech_video.resolve()) and os.path.isabs(ref.path)
    assert ref.size == speech_video.stat().st_size
    with speech_video.open("rb") as fh:
        assert ref.head_sha1 == hashlib.sha1(fh.read(1 << 20)).hexdigest()
    assert ref.has_video and ref.fps == pytest.approx(25.0)
    assert (ref.width, ref.height) == (320, 240)
    assert abs(ref.duration_ms - 4000) <= 50
    assert fingerprint(speech_video, probe(speech_video)) == ref


# --- bad media: each gives one line naming the file ---------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    p = tmp_path / "nope.mp4"
    with pytest.raises(MediaError) as err:
        probe(p)
    assert_one_line(err, p, "not found")
    with pytest.raises(MediaError) as err:
        decode_audio(p)
    assert_one_line(err, p, "not found")


def test_zero_bytes(tmp_path: Path) -> None:
    p = tmp_path / "empty.mp4"
    p.touch()
    with pytest.raises(MediaError) as err:
        probe(p)
    assert_one_line(err, p, "empty")


def test_directory(tmp_path: Path) -> None:
    p = tmp_path / "folder.mp4"
    p.mkdir()
    with pytest.raises(MediaError) as err:
        probe(p)
    assert_one_line(err, p, "folder")


def test_text_file_is_not_media(tmp_path: Path) -> None:
    p = tmp_path / "notes.mp4"
    p.write_text("These are my notes, not a video.\n" * 20)
    with pytest.raises(MediaError) as err:
        probe(p)
    assert_one_line(err, p, "not a media file")


def test_truncated_mp4(tmp_path: Path, speech_video: Path) -> None:
    # Without +faststart the index (moov) is at the end: cutting the file loses it.
    full = tmp_path / "full.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(speech_video),
         "-c", "copy", str(full)],
        check=True,
    )  # fmt: skip
    p = tmp_path / "cut.mp4"
    p.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(MediaError) as err:
        probe(p)
    assert_one_line(err, p, "truncated or corrupt")


def test_garbage_after_media_magic(tmp_path: Path) -> None:
    p = tmp_path / "broken.mkv"
    p.write_bytes(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 40)
    with pytest.raises(MediaError) as err:
        probe(p)
    assert_one_line(err, p, "truncated or corrupt")


def test_no_audio_stream(silent_video: Path) -> None:
    info = probe(silent_video)
    assert info.has_video and not info.has_audio
    with pytest.raises(MediaError) as err:
        require_audio(info)
    assert_one_line(err, silent_video, "no audio stream")
    with pytest.raises(MediaError) as err:
        decode_audio(silent_video)
    assert_one_line(err, silent_video, "no audio stream")
    with pytest.raises(MediaError) as err:
        compute_peaks(silent_video)
    assert_one_line(err, silent_video, "no audio stream")


def test_permission_denied(tmp_path: Path, speech_video: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "locked.mp4"
    p.write_bytes(speech_video.read_bytes())
    p.chmod(0)
    if os.access(p, os.R_OK):
        # Running as root: chmod does not stop us, so make opening this file fail the way
        # it does for an ordinary user (the real open() raises PermissionError).
        real_open = Path.open

        def deny(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self == p:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", deny)
    with pytest.raises(MediaError) as err:
        probe(p)
    assert_one_line(err, p, "permission denied")
    with pytest.raises(MediaError) as err:
        fingerprint(p)
    assert_one_line(err, p, "permission denied")


def test_permission_denied_inside_ffmpeg(
    tmp_path: Path, speech_video: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EACCES raised by PyAV itself (e.g. a file that becomes unreadable) is translated too."""
    import av

    def deny(*args: Any, **kwargs: Any) -> Any:
        raise av.error.PermissionError(13, "Permission denied", str(speech_video))

    monkeypatch.setattr(av, "open", deny)
    with pytest.raises(MediaError) as err:
        probe(speech_video)
    assert_one_line(err, speech_video, "permission denied")
