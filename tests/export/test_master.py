from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.errors import CancelledError
from taura_desktop.export import (
    DubTrack,
    MasterReport,
    MixSettings,
    SubtitleTrack,
    export_master,
)
from taura_desktop.media.probe import probe_streams

from .conftest import CLIP_MS, CLIP_STARTS_MS, decode_track, ebur128_lufs


def video_md5(path: Path) -> str:
    r = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v:0", "-c", "copy",
                        "-f", "md5", "-"], capture_output=True, text=True, check=True)
    return r.stdout.strip()


@pytest.fixture(scope="module")
def mp4_master(tmp_path_factory: pytest.TempPathFactory, source_mp4: Path, srt_file: Path,
               dub_es: DubTrack, dub_fr: DubTrack) -> tuple[Path, MasterReport]:
    out = tmp_path_factory.mktemp("mp4") / "master.mp4"
    seen: list[float] = []
    rep = export_master(source_mp4, out, [dub_es, dub_fr],
                        [SubtitleTrack("es", "Español", srt_file, False)],
                        MixSettings(mode="duck"), original_lang="en",
                        progress=lambda f, _m: seen.append(f))
    assert seen and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)
    return out, rep


def test_mp4_master_streams_and_tags(mp4_master: tuple[Path, MasterReport]) -> None:
    out, rep = mp4_master
    assert rep.problems == ()
    _dur, streams = probe_streams(out)
    kinds = [s.kind for s in streams]
    assert kinds == ["video", "audio", "audio", "audio", "subtitle"]
    audio = [s for s in streams if s.kind == "audio"]
    assert [s.language for s in audio] == ["eng", "spa", "fre"]
    assert [s.title for s in audio] == ["Original", "Español (doblaje)", "Français"]
    assert [s.default for s in audio] == [False, True, False]
    sub = streams[-1]
    assert sub.codec == "mov_text" and sub.language == "spa"


def test_mp4_master_video_is_copied_and_duration_matches(
    mp4_master: tuple[Path, MasterReport], source_mp4: Path
) -> None:
    out, rep = mp4_master
    assert video_md5(out) == video_md5(source_mp4)  # identical packets: no re-encode
    src_dur, src_streams = probe_streams(source_mp4)
    dur, streams = probe_streams(out)
    assert streams[0].packets == src_streams[0].packets
    assert src_dur is not None and dur is not None and abs(dur - src_dur) <= 40
    assert rep.duration_ms == dur and rep.source_duration_ms == src_dur


def test_mp4_master_loudness_on_target(mp4_master: tuple[Path, MasterReport]) -> None:
    out, rep = mp4_master
    for i in (1, 2):  # the two dub tracks, measured by ffmpeg's own EBU R128 meter
        assert abs(ebur128_lufs(out, f"0:a:{i}") - (-23.0)) <= 1.0
    assert all(abs(t.output_lufs + 23.0) <= 0.5 for t in rep.tracks)
    assert all(t.peak_dbfs <= -1.0 for t in rep.tracks)


def onsets(x: np.ndarray, sr: int, thresh: float) -> list[float]:
    """Times (ms) where the 1 ms envelope first rises above ``thresh`` after >= 200 ms below."""
    win = sr // 1000
    env = np.abs(x[: len(x) // win * win]).reshape(-1, win).max(axis=1)
    above = np.flatnonzero(env > thresh)
    out: list[float] = []
    last = -1000
    for i in above:
        if i - last > 200:
            j = i * win + int(np.argmax(np.abs(x[i * win : (i + 1) * win]) > thresh))
            out.append(1000.0 * j / sr)
        last = int(i)
    return out


@pytest.mark.parametrize("ext", ["mkv", "mp4"])
def test_dub_clips_in_sync(tmp_path: Path, source_mp4: Path, srt_file: Path, ass_file: Path,
                           dub_es: DubTrack, ext: str) -> None:
    out = tmp_path / f"m.{ext}"
    subs = [SubtitleTrack("es", "Español", srt_file), SubtitleTrack("en", "English", ass_file, True)]
    rep = export_master(source_mp4, out, [dub_es], subs, MixSettings(mode="replace"),
                        original_lang="eng")
    assert rep.problems == ()
    _d, streams = probe_streams(out)
    subs_out = [s for s in streams if s.kind == "subtitle"]
    assert [s.language for s in subs_out] == ["spa", "eng"]
    if ext == "mkv":
        assert [s.codec for s in subs_out] == ["subrip", "ass"]
    x = decode_track(out, "0:a:1")
    peak = float(np.abs(x).max())
    # sync is relative to the picture: MKV starts the video at the AAC priming delay
    v0 = streams[0].start_ms or 0
    a0 = next(s for s in streams if s.kind == "audio").start_ms or 0
    found = [t + a0 - v0 for t in onsets(x, 48000, 0.3 * peak)]
    assert len(found) == len(CLIP_STARTS_MS)
    for want, got in zip(CLIP_STARTS_MS, found, strict=True):
        assert abs(got - want) <= 10.0, (want, got)
    # nothing between clips (replace mode: dub only)
    gap = x[int(2.0 * 48000) : int(3.5 * 48000)]
    assert float(np.abs(gap).max()) < 0.01 * peak
    assert CLIP_MS  # clips are 600 ms long


def test_opus_in_mkv(tmp_path: Path, source_mp4: Path, dub_es: DubTrack) -> None:
    out = tmp_path / "o.mkv"
    rep = export_master(source_mp4, out, [dub_es], [], MixSettings(mode="duck", target_lufs=-16.0),
                        original_lang=None, audio_codec="opus")
    assert rep.problems == ()
    _d, streams = probe_streams(out)
    audio = [s for s in streams if s.kind == "audio"]
    assert [s.codec for s in audio] == ["aac", "opus"]
    assert audio[0].language is None and audio[1].language == "spa"
    assert abs(ebur128_lufs(out, "0:a:1") + 16.0) <= 1.0


def test_without_original(tmp_path: Path, source_mp4: Path, dub_es: DubTrack) -> None:
    out = tmp_path / "n.mp4"
    rep = export_master(source_mp4, out, [dub_es], [], MixSettings(), original_lang="en",
                        keep_original=False)
    assert rep.problems == ()
    audio = [s for s in probe_streams(out)[1] if s.kind == "audio"]
    assert len(audio) == 1 and audio[0].language == "spa" and audio[0].default


@pytest.mark.parametrize("phase", ["mixing", "muxing"])
def test_cancel_leaves_no_file(tmp_path: Path, source_mp4: Path, srt_file: Path,
                               dub_es: DubTrack, phase: str) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "master.mp4"
    flag = [False]

    def progress(frac: float, msg: str) -> None:
        if msg.startswith(phase) and (phase == "muxing" or frac > 0.2):
            flag[0] = True

    with pytest.raises(CancelledError):
        export_master(source_mp4, out, [dub_es], [SubtitleTrack("es", "es", srt_file)],
                      MixSettings(), original_lang="en", progress=progress,
                      cancel=lambda: flag[0])
    assert list(out_dir.iterdir()) == []  # no master, no partial file, no scratch folder


def test_cancel_raised_from_progress(tmp_path: Path, source_mp4: Path, dub_es: DubTrack) -> None:
    out = tmp_path / "master.mkv"

    def progress(frac: float, msg: str) -> None:
        if frac > 0.5:
            raise CancelledError("stop")

    with pytest.raises(CancelledError):
        export_master(source_mp4, out, [dub_es], [], MixSettings(), original_lang="en",
                      progress=progress)
    assert list(tmp_path.iterdir()) == []
