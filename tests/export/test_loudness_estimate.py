"""The one-pass loudness path: estimate from cached hop energies, checked by the output meter."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from taura_desktop.audio.limiter import Limiter
from taura_desktop.audio.loudness import LoudnessMeter, OutputMeter, gated_loudness, hop_energies
from taura_desktop.errors import MediaError
from taura_desktop.export import DubTrack, MixSettings, PlacedClip, export_master
from taura_desktop.export.duck import DuckEnvelope
from taura_desktop.export.master import SubtitleTrack
from taura_desktop.export.profile import prime_loudness_cache, source_hop_energies
from taura_desktop.export.stems import export_stems
from tests.export.mixing import mix_to_array

from .conftest import DUB_SR, burst, ebur128_lufs, ffmpeg

SR = 48000


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("TAURA_CACHE_DIR", str(d))
    return d


def profiles(cache: Path) -> list[Path]:
    return sorted((cache / "loudness").glob("*.npy"))


def spoil_profiles(cache: Path, factor: float) -> None:
    """Make every cached profile wrong (as a stale or colliding cache entry would be)."""
    for p in profiles(cache):
        np.save(p, np.load(p) * factor)


def test_estimate_matches_measurement_and_is_cached(cache: Path, source_mp4: Path,
                                                    dub_es: DubTrack) -> None:
    y, res = mix_to_array(source_mp4, dub_es, MixSettings(mode="duck"))
    assert res.estimated_lufs is not None and res.renders == 1
    assert abs(res.estimated_lufs - res.input_lufs) < 0.2
    assert abs(res.output_lufs + 23.0) < 0.3
    assert len(profiles(cache)) == 1
    # the cached profile is the original's own loudness
    e = np.load(profiles(cache)[0])
    whole = LoudnessMeter(SR)
    from taura_desktop.media.decode import fixed_blocks, iter_audio_blocks

    for b in fixed_blocks(iter_audio_blocks(source_mp4, SR, 2), len(y), 1 << 16, 2):
        whole.push(b)
    assert np.allclose(e, whole.hop_energies())
    # exact path: same gain within the tolerance, no estimate reported
    _y2, exact = mix_to_array(source_mp4, dub_es, MixSettings(mode="duck"), exact_loudness=True)
    assert exact.estimated_lufs is None
    assert abs(exact.gain_db - res.gain_db) <= MixSettings().loudness_tolerance_lu


def test_wrong_estimate_is_rendered_again(cache: Path, source_mp4: Path, dub_es: DubTrack) -> None:
    mix_to_array(source_mp4, dub_es, MixSettings(mode="duck"))
    spoil_profiles(cache, 100.0)  # +20 dB: the estimate now misses by several LU
    y, res = mix_to_array(source_mp4, dub_es, MixSettings(mode="duck"))
    assert res.renders == 2
    assert res.estimated_lufs is not None and res.estimated_lufs - res.input_lufs > 3.0
    assert abs(res.output_lufs + 23.0) < 0.3
    assert len(y) == 20 * SR  # the sink got the second rendering only


def test_master_recovers_from_a_wrong_estimate(cache: Path, tmp_path: Path, source_mp4: Path,
                                               dub_es: DubTrack, dub_fr: DubTrack) -> None:
    assert prime_loudness_cache(source_mp4)
    spoil_profiles(cache, 0.01)
    out = tmp_path / "m.mp4"
    rep = export_master(source_mp4, out, [dub_es, dub_fr], [], MixSettings(mode="duck"),
                        original_lang="en")
    assert rep.problems == ()
    assert [t.renders for t in rep.tracks] == [2, 2]
    for i in (1, 2):
        assert abs(ebur128_lufs(out, f"0:a:{i}") + 23.0) <= 1.0
    assert [p.name for p in tmp_path.iterdir() if p.name != "cache"] == ["m.mp4"]


def test_stems_recover_from_a_wrong_estimate(cache: Path, tmp_path: Path, source_mp4: Path,
                                             dub_es: DubTrack) -> None:
    assert prime_loudness_cache(source_mp4)
    spoil_profiles(cache, 100.0)
    out = tmp_path / "stems"
    out.mkdir()
    got = export_stems(out, video=source_mp4, dub_tracks=[dub_es], settings=MixSettings(),
                       include_original=False)
    mix = got["mix_spa"]
    with wave.open(str(mix)) as w:
        assert w.getnframes() == 20 * SR
    assert abs(ebur128_lufs(mix, "0:a:0") + 23.0) <= 1.0


def test_replace_and_silence_estimates(cache: Path, source_mp4: Path, dub_es: DubTrack) -> None:
    _y, res = mix_to_array(source_mp4, dub_es, MixSettings(mode="replace"))
    assert res.renders == 1 and res.estimated_lufs is not None
    assert abs(res.estimated_lufs - res.input_lufs) < 0.05  # no original: no cross term
    assert profiles(cache) == []  # replace mode never decodes the original
    y, silent = mix_to_array(None, DubTrack("es", "es", []), MixSettings(mode="replace"),
                             duration_ms=3000, channels=2)
    assert silent.input_lufs == float("-inf") and silent.gain_db == 0.0 and silent.renders == 1
    assert y.shape == (3 * SR, 2) and not y.any()


def test_prime_without_audio(tmp_path: Path, cache: Path) -> None:
    v = tmp_path / "silent.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=10:duration=1", "-c:v", "libx264",
           "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(v))
    assert prime_loudness_cache(v) is False
    with pytest.raises(MediaError, match=r"nope\.mp4"):
        prime_loudness_cache(tmp_path / "nope.mp4")


def test_source_hop_energies_without_cache(cache: Path, source_mp4: Path) -> None:
    e = source_hop_energies(source_mp4, SR, 2, 20 * SR, use_cache=False)
    assert e.shape == (200,) and profiles(cache) == []
    # a steady sine: the first half reads as loud as the whole
    assert abs(gated_loudness(e) - gated_loudness(e[:100])) < 0.1


def test_hop_energies_agree_with_meter() -> None:
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((SR * 2, 2)) * 0.1).astype(np.float32)
    m = LoudnessMeter(SR)
    m.push(x)
    assert np.allclose(hop_energies(x, SR), m.hop_energies())
    assert m.integrated(scale_db=6.0) == pytest.approx(gated_loudness(m.hop_energies() * 10 ** 0.6))


def test_output_meter_is_exact_where_the_limiter_acts() -> None:
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((SR * 5, 2)) * 0.2).astype(np.float32)
    x[SR * 2 : SR * 2 + 500] *= 8  # the limiter has to act here only
    for bs in (65536, 3001):
        gain = np.float32(1.5)
        ref, real = LoudnessMeter(SR, peak=False), LoudnessMeter(SR)
        om = OutputMeter(SR, ref, float(gain))
        lim = Limiter(SR, 2, -1.0)
        for i in range(0, len(x), bs):
            b = x[i : i + bs]
            ref.push(b)
            y = lim.process(b * gain)
            om.push(y, lim.changed)
            real.push(y)
        y = lim.flush()
        om.push(y, lim.changed)
        real.push(y)
        assert lim.reduced > 0
        assert om.integrated() == pytest.approx(real.integrated(), abs=1e-6)
        assert om.peak == real.peak


def test_duck_envelope_matches_its_definition() -> None:
    env = DuckEnvelope([(10_000, 30_000), (31_000, 40_000), (200_000, 250_000)], SR, -12.0, 80, 300)
    t = np.arange(0, 300_000, dtype=np.float64)
    depth = np.interp(t, env.xp.astype(np.float64), env.fp, left=0.0, right=0.0)
    want = np.power(10.0, depth * (-12.0 / 20.0)).astype(np.float32)
    got = np.concatenate([env.gain(p, min(4096, 300_000 - p)) for p in range(0, 300_000, 4096)])
    assert np.allclose(got, want, rtol=1e-6, atol=0)
    hp = env.hop_power(300_000 // 4800, 4800)
    ref = (want[: len(hp) * 4800].astype(np.float64) ** 2).reshape(-1, 4800).mean(axis=1)
    assert np.allclose(hp, ref, atol=0.02)


def test_broken_subtitle_fails_in_one_line(tmp_path: Path, source_mp4: Path, cache: Path) -> None:
    bad = tmp_path / "bad.srt"
    bad.write_bytes(b"\x00\x01garbage\xff" * 50)
    out = tmp_path / "o.mp4"
    track = DubTrack("es", "es", [PlacedClip(1000, burst(), DUB_SR)])
    with pytest.raises(MediaError, match=r"o\.mp4 \(mixing and encoding\): ffmpeg failed") as ei:
        export_master(source_mp4, out, [track], [SubtitleTrack("es", "es", bad)], MixSettings(),
                      original_lang="en")
    assert "\n" not in str(ei.value)
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["bad.srt", "cache"]


def test_duck_hop_power_is_computed_in_pieces_without_seams() -> None:
    hop, n_hops, points = 480, 40_000, 32  # more hops than one piece (16,384)
    edges = [16_384 * hop - 3_000, 32_768 * hop + 100]  # clips straddling both piece seams
    env = DuckEnvelope([(s, s + 9_000) for s in edges], 48000, -12.0, 80, 300)
    hp = env.hop_power(n_hops, hop, points)
    t = (np.arange(n_hops * points, dtype=np.float64) + 0.5) * (hop / points)
    depth = np.interp(t, env.xp.astype(np.float64), env.fp, left=0.0, right=0.0)
    whole = np.power(10.0, depth * (-12.0 / 10.0)).reshape(n_hops, points).mean(axis=1)
    assert np.array_equal(hp, whole)
    assert hp.min() < 0.1 and hp[0] == 1.0  # ducked under the clips, untouched elsewhere
