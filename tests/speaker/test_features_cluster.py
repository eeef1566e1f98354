"""GE2E features and speaker clustering without model weights (fast)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from taura_desktop.engines.speaker.base import Window
from taura_desktop.engines.speaker.cluster import centroids, cluster, timeline
from taura_desktop.engines.speaker.ge2e import (
    HOP,
    PARTIAL_FRAMES,
    mel_filters,
    mel_spectrogram,
    normalize_volume,
    partial_starts,
)
from taura_desktop.pipeline.diarize import speech_windows


def test_mel_filters_match_librosa_slaney_filters_shipped_with_faster_whisper() -> None:
    from faster_whisper.feature_extractor import FeatureExtractor

    reference = FeatureExtractor.get_mel_filters(16000, 400, n_mels=40)
    np.testing.assert_allclose(mel_filters(16000, 400, 40), reference, rtol=1e-4, atol=1e-7)


def test_mel_spectrogram_frames_and_energy_follow_a_tone() -> None:
    t = np.arange(16000) / 16000
    tone = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    mel = mel_spectrogram(tone)
    assert mel.shape == (1 + 16000 // HOP, 40)
    band = int(np.argmax(mel[50]))
    filt = mel_filters()
    peak_bin = round(440 * 400 / 16000)
    assert band == int(np.argmax(filt[:, peak_bin]))  # the band holding 440 Hz is the loudest
    assert mel_spectrogram(np.zeros(1600, np.float32)).max() == 0.0


def test_volume_is_raised_but_never_lowered() -> None:
    quiet = np.full(1600, 0.001, np.float32)
    loud = np.full(1600, 0.5, np.float32)
    raised = normalize_volume(quiet)
    rms_db = 20 * np.log10(np.sqrt(np.mean((raised * 32767.0) ** 2)) / 32767.0)
    assert rms_db == pytest.approx(-30.0, abs=0.01)
    assert np.array_equal(normalize_volume(loud), loud)
    assert np.array_equal(normalize_volume(np.zeros(10, np.float32)), np.zeros(10, np.float32))


def test_partials_follow_resemblyzer_rule() -> None:
    assert partial_starts(25600) == [0]  # exactly 1.6 s: one partial
    assert partial_starts(8000) == [0]  # short: one padded partial
    starts = partial_starts(16000 * 5)
    assert starts[0] == 0 and all(b - a == 77 for a, b in itertools.pairwise(starts))
    assert starts[-1] * HOP + PARTIAL_FRAMES * HOP * 0.75 <= 16000 * 5 + 1


def _voices(
    rng: np.random.Generator, n_speakers: int, per: list[int], noise: float
) -> tuple[np.ndarray, list[int]]:
    base = rng.normal(size=(n_speakers, 256))
    emb, truth = [], []
    for spk in per:
        v = base[spk] + noise * rng.normal(size=256) * np.linalg.norm(base[spk]) / 16
        emb.append(v / np.linalg.norm(v))
        truth.append(spk)
    return np.asarray(emb, np.float32), truth


@pytest.mark.parametrize("n_speakers", [1, 2, 3])
def test_cluster_estimates_the_count_of_separable_voices(n_speakers: int) -> None:
    rng = np.random.default_rng(n_speakers)
    per: list[int] = []  # turns of 3-8 windows, as in speech (the affinity is blurred in time)
    spk = 0
    while len(per) < 60:
        per += [spk % n_speakers] * int(rng.integers(3, 9))
        spk += 1 if len(per) < 6 * n_speakers else int(rng.integers(1, 3))
    emb, truth = _voices(rng, n_speakers, per, noise=1.0)
    labels = cluster(emb)
    assert labels.max() + 1 == n_speakers
    # the same partition as the truth (labels are numbered by first appearance, like truth)
    assert labels.tolist() == truth


def test_cluster_with_a_given_count_and_small_inputs() -> None:
    rng = np.random.default_rng(7)
    emb, truth = _voices(rng, 2, ([0] * 5 + [1] * 5) * 4, noise=1.0)
    assert cluster(emb, 2).tolist() == truth
    assert cluster(emb, 1).tolist() == [0] * 40
    assert cluster(emb[:0]).shape == (0,)
    assert cluster(emb[:1]).tolist() == [0]
    close, _ = _voices(rng, 2, [0, 0, 1, 1], noise=0.3)  # same voice ~0.9 similar
    assert cluster(close).tolist() == [0, 0, 1, 1]  # few windows: agglomerative
    assert cluster(np.repeat(emb[:1], 3, axis=0)).tolist() == [0, 0, 0]


def test_timeline_gives_each_speech_stretch_to_the_nearest_centroid() -> None:
    rng = np.random.default_rng(3)
    emb, _ = _voices(rng, 2, [0, 0, 0, 1, 1, 1], noise=0.5)
    wins = [Window(i * 800, i * 800 + 1600) for i in range(6)]
    labels = cluster(emb, 2)
    cent = centroids(emb, labels)
    turns = timeline(wins, emb, cent, [(0, 5600), (6000, 6400)])
    assert turns[0].start_ms == 0 and turns[0].speaker == 0
    assert [t.speaker for t in turns] == [0, 1, 1]  # one change; the second region is speaker 1
    change = turns[1].start_ms
    assert 2400 <= change <= 3600  # between the last window of 0 and the first of 1
    assert sum(t.end_ms - t.start_ms for t in turns) == 5600 + 400  # the regions, no more
    assert timeline([], emb[:0], cent, [(0, 1000)]) == []


def test_speech_windows_cover_regions() -> None:
    assert speech_windows([(0, 300)]) == []  # too short
    assert speech_windows([(100, 1200)]) == [(100, 1200)]
    wins = speech_windows([(0, 4000)])
    assert wins[0] == (0, 1600) and wins[-1] == (2400, 4000)
    assert all(b - a == 1600 for a, b in wins)
