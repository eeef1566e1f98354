"""Real Silero VAD (bundled with faster-whisper) on espeak-ng speech, silence and a tone."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from taura_desktop.engines.asr.vad import inside_speech, overlaps_speech, speech_ms, speech_regions
from tests.asr.conftest import SR, silence


def test_finds_regions_overlapping_the_speech(speech_clip: np.ndarray) -> None:
    clip_ms = len(speech_clip) * 1000 // SR
    audio = np.concatenate([silence(3.0), speech_clip, silence(5.0), speech_clip, silence(3.0)])
    truth = [(3000, 3000 + clip_ms), (8000 + clip_ms, 8000 + 2 * clip_ms)]
    regions = speech_regions(audio, min_silence_ms=1000)
    assert regions, "speech must be found"
    for start, end in regions:
        assert 0 <= start < end <= len(audio) * 1000 // SR
        assert overlaps_speech(start, end, truth)  # no region in pure silence
    for start, end in truth:  # every utterance is covered
        assert overlaps_speech(start, end, regions)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(regions))
    # the 5 s pause between the utterances is (mostly) not speech
    assert not inside_speech(3000 + clip_ms + 2000, 3000 + clip_ms + 3000, regions)
    assert speech_ms(regions) < len(audio) * 1000 // SR


def test_silence_and_tone_give_no_regions() -> None:
    t = np.arange(5 * SR, dtype=np.float32) / SR
    tone = (0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    assert speech_regions(silence(5.0)) == []
    assert speech_regions(tone) == []
    assert speech_regions(np.zeros(0, dtype=np.float32)) == []


def test_other_sample_rates_are_resampled(speech_clip: np.ndarray) -> None:
    audio = np.concatenate([silence(2.0), speech_clip, silence(2.0)])
    at_8k = audio[::2].copy()
    regions = speech_regions(at_8k, sample_rate=8000)
    assert regions and overlaps_speech(2000, 2000 + len(speech_clip) * 1000 // SR, regions)


def test_regions_never_exceed_max_speech(speech_clip: np.ndarray) -> None:
    long = np.concatenate([speech_clip] * 12)  # ~44 s of continuous speech
    regions = speech_regions(long, max_speech_s=10.0)
    assert len(regions) >= 3
    assert all(end - start <= 10_000 + 2 * 400 for start, end in regions)


def test_stereo_input_is_rejected_with_one_line() -> None:
    with pytest.raises(ValueError, match="mono") as exc:
        speech_regions(np.zeros((2, 16000), dtype=np.float32))
    assert "\n" not in str(exc.value)
