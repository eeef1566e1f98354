from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.audio.limiter import Limiter
from taura_desktop.audio.loudness import LoudnessMeter
from taura_desktop.errors import EngineUnavailableError, ExitCode, UsageError
from taura_desktop.export import DubTrack, MixSettings, PlacedClip, render_dub
from taura_desktop.export.render import DubRenderer
from tests.export.mixing import mix_to_array

from .conftest import DUB_SR, ORIG_FREQ, burst, ffmpeg

SR = 48000


def test_render_dub_places_clips_exactly() -> None:
    click = np.zeros(100, np.float32)
    click[0] = 1.0
    starts = [0, 1, 1367, 12345, 59_999]  # ms; several straddle block edges
    clips = [PlacedClip(s, click, SR) for s in starts]
    x = np.concatenate(list(render_dub(clips, 60_000, SR, block=4096)))
    assert len(x) == 60_000 * 48
    assert list(np.flatnonzero(x > 0.5)) == [round(s * SR / 1000) for s in starts]


def test_no_drift_three_hours_in() -> None:
    click = np.zeros(10, np.float32)
    click[0] = 1.0
    start_ms = 3 * 3600 * 1000 - 1234  # near the end of a 3-hour programme
    r = DubRenderer([PlacedClip(start_ms, click, SR)], SR)
    pos = round(start_ms * SR / 1000) - 100
    block = r.block(pos, 1000)
    assert int(np.argmax(block)) == 100


def test_render_dub_resamples_other_rates() -> None:
    x = np.concatenate(list(render_dub([PlacedClip(500, burst(), DUB_SR)], 2000, SR)))
    on = np.flatnonzero(np.abs(x) > 0.1)
    assert abs(on[0] - 24000) <= 48  # within 1 ms
    assert abs((on[-1] - on[0]) / SR - 0.6) < 0.005


def test_meter_agrees_with_ffmpeg(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((SR * 8, 2)) * 0.05).astype(np.float32)
    x[: SR * 3] *= 0.1  # a quiet part (relative gate)
    raw = tmp_path / "x.f32"
    raw.write_bytes(x.tobytes())
    r = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-f", "f32le", "-ar", "48000", "-ac", "2",
                        "-i", str(raw), "-af", "ebur128", "-f", "null", "-"],
                       capture_output=True, text=True, check=True)
    ref = float([ln for ln in r.stderr.splitlines() if ln.strip().startswith("I:")][-1].split()[1])
    m = LoudnessMeter(SR)
    for i in range(0, len(x), 5000):
        m.push(x[i : i + 5000])
    assert abs(m.integrated() - ref) <= 0.15
    assert LoudnessMeter(SR).integrated() == float("-inf")


def test_limiter_never_exceeds_ceiling_and_keeps_alignment() -> None:
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((SR * 3, 2)) * 0.3).astype(np.float32)
    x[SR : SR + 10] = 4.0  # a spike far above the ceiling
    lim = Limiter(SR, 2, ceiling_db=-1.0)
    out = np.concatenate([lim.process(x[i : i + 3001]) for i in range(0, len(x), 3001)] + [lim.flush()])
    assert out.shape == x.shape
    assert float(np.abs(out).max()) <= 10 ** (-1 / 20) + 1e-7
    quiet = Limiter(SR, 2, ceiling_db=-1.0)
    y = x * 0.1
    y[SR : SR + 10] = 0.1
    back = np.concatenate([quiet.process(y[i : i + 777]) for i in range(0, len(y), 777)] + [quiet.flush()])
    assert np.array_equal(back, y)  # below the ceiling: untouched, not delayed


def test_limiter_holds_ceiling_in_a_hot_mix(source_mp4: Path) -> None:
    loud = np.sign(burst(amp=1.0)).astype(np.float32)  # square wave at full scale
    track = DubTrack("es", "es", [PlacedClip(s, loud, DUB_SR) for s in (1000, 5000)])
    settings = MixSettings(mode="duck", target_lufs=-6.0, limiter_ceiling_db=-1.0)
    y, res = mix_to_array(source_mp4, track, settings)
    assert float(np.abs(y).max()) <= 10 ** (-1 / 20) + 1e-7
    assert res.peak_dbfs <= -1.0


def _tone_level(x: np.ndarray, freq: float) -> float:
    t = np.arange(len(x)) / SR
    w = 2 * np.pi * freq * t
    return float(np.hypot(np.mean(x * np.sin(w)), np.mean(x * np.cos(w))))


def test_duck_lowers_original_under_clips(source_mp4: Path) -> None:
    track = DubTrack("es", "es", [PlacedClip(5000, burst(ms=3000, freq=3000.0), DUB_SR)])
    y, res = mix_to_array(source_mp4, track, MixSettings(mode="duck", duck_db=-12.0))
    mono = y.mean(axis=1)
    under = _tone_level(mono[int(5.5 * SR) : int(7.5 * SR)], ORIG_FREQ)
    free = _tone_level(mono[int(1.0 * SR) : int(3.0 * SR)], ORIG_FREQ)
    after = _tone_level(mono[int(9.0 * SR) : int(11.0 * SR)], ORIG_FREQ)
    assert abs(20 * np.log10(under / free) + 12.0) < 1.0
    assert abs(20 * np.log10(after / free)) < 0.5  # released
    ramp = _tone_level(mono[int(4.93 * SR) : int(4.97 * SR)], ORIG_FREQ)  # mid-attack
    assert under < ramp < free
    assert abs(res.output_lufs + 23.0) < 0.5


def test_replace_mode_has_no_original(source_mp4: Path) -> None:
    track = DubTrack("es", "es", [PlacedClip(5000, burst(ms=1000, freq=3000.0), DUB_SR)])
    y, _ = mix_to_array(source_mp4, track, MixSettings(mode="replace"))
    assert float(np.abs(y[: 4 * SR]).max()) == 0.0
    assert len(y) == 20 * SR


def test_background_mode_uses_stem(tmp_path: Path, source_mp4: Path) -> None:
    stem = tmp_path / "bg.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=150:sample_rate=44100:duration=20", str(stem))
    track = DubTrack("es", "es", [PlacedClip(5000, burst(ms=1000, freq=3000.0), DUB_SR)])
    y, _ = mix_to_array(source_mp4, track, MixSettings(mode="background"), background=stem)
    mono = y.mean(axis=1)
    seg = mono[SR : 3 * SR]
    assert _tone_level(seg, 150.0) > 10 * _tone_level(seg, ORIG_FREQ)


def test_background_without_stem_is_engine_unavailable(source_mp4: Path) -> None:
    track = DubTrack("es", "es", [PlacedClip(0, burst(), DUB_SR)])
    with pytest.raises(EngineUnavailableError, match="separation model is missing") as ei:
        mix_to_array(source_mp4, track, MixSettings(mode="background"))
    assert ei.value.exit_code == ExitCode.ENGINE_UNAVAILABLE and int(ei.value.exit_code) == 4


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mode": "karaoke"}, "unknown mode"),
        ({"out_rate": 1000}, "output rate"),
        ({"duck_db": 3.0}, "duck_db"),
        ({"target_lufs": 5.0}, "target loudness"),
        ({"limiter_ceiling_db": 1.0}, "limiter ceiling"),
        ({"attack_ms": -1}, "attack_ms"),
        ({"loudness_tolerance_lu": 0.0}, "loudness tolerance"),
    ],
)
def test_bad_settings(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        MixSettings(**kwargs)  # type: ignore[arg-type]


def test_stereo_clip_rejected() -> None:
    with pytest.raises(UsageError, match="mono"):
        DubRenderer([PlacedClip(0, np.zeros((10, 2), np.float32), SR)], SR)
