from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from taura_desktop.audio.loudness import integrated_loudness
from taura_desktop.core.clipkeys import fitted_key
from taura_desktop.core.model import FitStatus, VoiceSpec
from taura_desktop.dub.cache import (
    ClipSink,
    VoiceJob,
    clip_key,
    load_fitted,
    voice_segment,
    voice_segments,
)
from taura_desktop.dub.fit import FitCaps
from taura_desktop.engines.tts.base import SynthRequest, SynthResult, VoiceInfo
from taura_desktop.engines.tts.espeak import EspeakEngine
from taura_desktop.errors import BadInputError


class MemorySink:
    def __init__(self) -> None:
        self.clips: dict[str, tuple[int, np.ndarray]] = {}

    def put_clip(self, key: str, sample_rate: int, samples: np.ndarray) -> None:
        assert samples.dtype == np.int16
        self.clips[key] = (sample_rate, samples.copy())

    def get_clip(self, key: str) -> tuple[int, np.ndarray] | None:
        return self.clips.get(key)

    def has_clip(self, key: str) -> bool:
        return key in self.clips


class CountingEngine:
    """Wraps espeak and counts synthesis calls."""

    name = "espeak"

    def __init__(self) -> None:
        self.inner = EspeakEngine()
        self.version = self.inner.version
        self.calls = 0

    def voices(self, lang: str | None = None) -> list[VoiceInfo]:
        return self.inner.voices(lang)

    def synthesize(self, req: SynthRequest) -> SynthResult:
        self.calls += 1
        return self.inner.synthesize(req)

    def synthesize_batch(self, reqs: Sequence[SynthRequest]) -> list[SynthResult]:
        self.calls += len(reqs)
        return self.inner.synthesize_batch(reqs)


ES = VoiceSpec(engine="espeak", voice="es")


def test_key_is_stable_and_sensitive() -> None:
    k = clip_key("Hola", ES, "espeak-ng 1.51", 1.0, "es")
    assert len(k) == 32 and all(c in "0123456789abcdef" for c in k)
    assert k == clip_key("Hola", VoiceSpec(engine="espeak", voice="es"), "espeak-ng 1.51", 1.0, "es")
    others = {
        clip_key("Hola!", ES, "espeak-ng 1.51", 1.0, "es"),
        clip_key("Hola", VoiceSpec(engine="espeak", voice="es+f2"), "espeak-ng 1.51", 1.0, "es"),
        clip_key("Hola", VoiceSpec(engine="espeak", voice="es", rate=1.1), "espeak-ng 1.51", 1.0, "es"),
        clip_key("Hola", ES, "espeak-ng 1.52", 1.0, "es"),
        clip_key("Hola", ES, "espeak-ng 1.51", 1.1, "es"),
        clip_key("Hola", ES, "espeak-ng 1.51", 1.0, "es-419"),
    }
    assert k not in others and len(others) == 6


def test_miss_then_hit() -> None:
    assert isinstance(MemorySink(), ClipSink)
    engine, sink = CountingEngine(), MemorySink()
    clip, cached = voice_segment(engine, sink, "Hola, ¿qué tal?", "es", ES, (1000, 4000, 5000))
    assert not cached and engine.calls == 1
    assert clip.engine == "espeak" and clip.sample_rate == 22050
    assert clip.fit is not None and clip.fit.offset_ms == 0
    assert clip.fit.status == FitStatus.OK and clip.duration_ms == clip.fit.natural_ms
    sr, pcm = sink.clips[clip.key]
    assert integrated_loudness(pcm.astype(np.float32) / 32768, sr) == pytest.approx(-23.0, abs=0.5)

    again, cached2 = voice_segment(engine, sink, "Hola, ¿qué tal?", "es", ES, (1000, 4000, 5000))
    assert cached2 and engine.calls == 1 and again == clip


def test_changed_text_or_rate_is_a_miss() -> None:
    engine, sink = CountingEngine(), MemorySink()
    voice_segment(engine, sink, "Hola", "es", ES, (0, 2000, None))
    _, c1 = voice_segment(engine, sink, "Hola amigo", "es", ES, (0, 2000, None))
    _, c2 = voice_segment(engine, sink, "Hola", "es", VoiceSpec(engine="espeak", voice="es", rate=1.2),
                          (0, 2000, None))
    assert (c1, c2) == (False, False) and engine.calls == 3


def test_hit_is_refitted_to_a_new_slot() -> None:
    engine, sink = CountingEngine(), MemorySink()
    text = "Esta frase es bastante larga para un hueco tan corto."
    roomy, _ = voice_segment(engine, sink, text, "es", ES, (0, 10000, None))
    assert roomy.fit is not None and roomy.fit.status == FitStatus.OK
    natural = roomy.fit.natural_ms
    slot_end = int(natural / 1.15)
    tight, cached = voice_segment(engine, sink, text, "es", ES, (0, slot_end, slot_end), FitCaps())
    assert cached and engine.calls == 1
    assert tight.fit is not None and tight.fit.status == FitStatus.STRETCHED
    assert tight.key == roomy.key
    fkey = fitted_key(tight.key, tight.fit)
    assert fkey != tight.key and sink.has_clip(fkey)
    sr, fitted = load_fitted(sink, tight)
    assert len(fitted) == round(tight.fit.placed_ms * sr / 1000)
    _sr, nat = load_fitted(sink, roomy)
    assert len(nat) == len(sink.clips[roomy.key][1])


def test_overflow_clip_is_trimmed() -> None:
    engine, sink = CountingEngine(), MemorySink()
    text = "Una frase muy larga que de ninguna manera cabe en medio segundo de hueco."
    clip, _ = voice_segment(engine, sink, text, "es", ES, (0, 500, 500))
    assert clip.fit is not None and clip.fit.status == FitStatus.OVERFLOW
    assert clip.fit.char_budget is not None and 0 < clip.fit.char_budget < len(text)
    sr, fitted = load_fitted(sink, clip)
    assert len(fitted) == round(500 * sr / 1000)


def test_batch_with_duplicates_and_hits() -> None:
    engine, sink = CountingEngine(), MemorySink()
    voice_segment(engine, sink, "Uno", "es", ES, (0, 1000, None))
    jobs = [VoiceJob(t, "es", ES, (i * 3000, i * 3000 + 2000, (i + 1) * 3000))
            for i, t in enumerate(["Uno", "Dos", "Tres", "Dos"])]
    out = voice_segments(engine, sink, jobs, workers=2)
    assert [c for _, c in out] == [True, False, False, False]
    assert engine.calls == 1 + 2  # "Dos" synthesized once
    assert out[1][0].key == out[3][0].key


def test_empty_text_and_missing_audio() -> None:
    engine, sink = CountingEngine(), MemorySink()
    with pytest.raises(BadInputError, match="segment text is empty"):
        voice_segment(engine, sink, "  ", "es", ES, (0, 1000, None))
    clip, _ = voice_segment(engine, sink, "Hola", "es", ES, (0, 1000, None))
    sink.clips.clear()
    with pytest.raises(BadInputError, match=f"voice clip {clip.key}: audio missing"):
        load_fitted(sink, clip)
