"""A natural take synthesized for a line that plays it compressed is stored as Vorbis (it is
only re-fitted); the audio that is played stays lossless, a retime re-fits from the take
without synthesis, and a line that would play a lossy take as it is gets it synthesized
afresh."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from taura_desktop.core import clipcodec, edits
from taura_desktop.core.clipkeys import fitted_key
from taura_desktop.core.model import FitStatus, Segment, VoiceClip
from taura_desktop.core.project import Project
from taura_desktop.dub.cache import VoiceJob, load_fitted, voice_segment, voice_segments
from taura_desktop.dub.fit import FitCaps
from taura_desktop.engines.tts.base import SynthRequest
from tests.dub.test_cache import ES, CountingEngine, MemorySink

TEXT = "Esta frase es bastante larga para un hueco tan corto."
OTHER = "Sí."


def _codecs(path: Path) -> dict[str, str]:
    db = sqlite3.connect(path)
    try:
        return dict(db.execute("SELECT key, codec FROM clips").fetchall())
    finally:
        db.close()


def _voiced_project(tmp_path: Path, engine: CountingEngine) -> tuple[Path, VoiceClip, VoiceClip, int]:
    """Two lines voiced into a project: a long one squeezed into a tight slot (fitted audio
    differs from its natural take) and a short one that plays as it is."""
    path = tmp_path / "p.taura"
    with Project.create(path, media=None, source_lang="en", target_langs=("es",)) as p:
        p.apply(edits.add_segments(p.state, [Segment("a", 0, 10000, "a"), Segment("b", 20000, 22000, "b")]))
        p.apply(edits.apply_engine_translations(p.state, "es", {"a": TEXT, "b": OTHER}, engine="t"))
        probe, _ = voice_segment(CountingEngine(), MemorySink(), TEXT, "es", ES, (0, 10000, None))
        assert probe.fit is not None
        tight_end = int(probe.fit.natural_ms / 1.15)
        tight, cached = voice_segment(engine, p.store, TEXT, "es", ES, (0, tight_end, tight_end), FitCaps())
        assert not cached and tight.fit is not None and tight.fit.status == FitStatus.STRETCHED
        short, _ = voice_segment(engine, p.store, OTHER, "es", ES, (20000, 22000, None))
        p.apply(edits.set_clips(p.state, "es", {"a": tight}))
        p.apply(edits.set_clips(p.state, "es", {"b": short}))
    return path, tight, short, tight_end


def test_take_of_a_compressed_line_is_vorbis_and_played_audio_stays_exact(tmp_path: Path) -> None:
    engine = CountingEngine()
    path, tight, short, _ = _voiced_project(tmp_path, engine)
    assert tight.fit is not None
    fkey = fitted_key(tight.key, tight.fit)
    codecs = _codecs(path)
    assert codecs[tight.key] == clipcodec.VORBIS  # the take: only a re-fit source
    assert codecs[fkey] == codecs[short.key] == clipcodec.FLAC  # what is played
    with Project.open(path) as p:
        assert not p.store.clip_is_lossless(tight.key) and p.store.clip_is_lossless(fkey)
        frames = p.store.clip_frames(tight.key)
        take = p.store.get_clip(tight.key)
        assert frames is not None and take is not None and len(take[1]) == frames[1]
        sr, played = load_fitted(p.store, tight)
        assert len(played) == round(tight.fit.placed_ms * sr / 1000)


def test_vorbis_take_is_close_to_the_natural_and_smaller(tmp_path: Path) -> None:
    engine = CountingEngine()
    natural = engine.inner.synthesize(SynthRequest(TEXT, "es", ES))
    pcm = clipcodec.to_pcm16(natural.samples)
    flac = clipcodec.encode(pcm, natural.sample_rate)
    take = clipcodec.encode_take(pcm, natural.sample_rate)
    assert len(take) < 0.6 * len(flac)
    back = clipcodec.decode(clipcodec.VORBIS, take, "t", len(pcm)).astype(np.float64)
    ref = pcm.astype(np.float64)
    snr = 10 * np.log10(np.sum(ref**2) / max(np.sum((ref - back) ** 2), 1.0))
    assert len(back) == len(pcm) and snr > 15.0


def test_retime_refits_from_the_take_without_synthesis(tmp_path: Path) -> None:
    engine = CountingEngine()
    path, tight, _short, tight_end = _voiced_project(tmp_path, engine)
    calls = engine.calls
    tighter_end = int(tight_end / 1.1)
    with Project.open(path) as p:
        slot = (0, tighter_end, tighter_end)
        clip, cached = voice_segment(engine, p.store, TEXT, "es", ES, slot, FitCaps())
        assert cached and engine.calls == calls
        assert clip.key == tight.key and clip.fit is not None and clip.fit != tight.fit
        assert p.store.clip_is_lossless(fitted_key(clip.key, clip.fit))


def test_line_that_would_play_a_lossy_take_is_synthesized_again(tmp_path: Path) -> None:
    engine = CountingEngine()
    path, tight, _short, _ = _voiced_project(tmp_path, engine)
    calls = engine.calls
    with Project.open(path) as p:
        clip, cached = voice_segment(engine, p.store, TEXT, "es", ES, (0, 10000, None))  # room again
        assert not cached and engine.calls == calls + 1
        assert clip.key == tight.key and clip.fit is not None and clip.fit.status == FitStatus.OK
        assert p.store.clip_is_lossless(clip.key)
        p.apply(edits.set_clips(p.state, "es", {"a": clip}))
    assert _codecs(path)[tight.key] == clipcodec.FLAC  # played as it is now: kept lossless


def test_a_take_the_batch_also_plays_as_it_is_stays_lossless(tmp_path: Path) -> None:
    probe, _ = voice_segment(CountingEngine(), MemorySink(), TEXT, "es", ES, (0, 10000, None))
    assert probe.fit is not None
    tight_end = int(probe.fit.natural_ms / 1.15)
    jobs = [VoiceJob(TEXT, "es", ES, (0, tight_end, tight_end)),
            VoiceJob(TEXT, "es", ES, (20000, 30000, None))]
    with Project.create(tmp_path / "p.taura", media=None, source_lang="en", target_langs=("es",)) as p:
        (tight, _), (roomy, _) = voice_segments(CountingEngine(), p.store, jobs)
        assert tight.key == roomy.key and tight.fit is not None and tight.fit.status == FitStatus.STRETCHED
        assert p.store.clip_is_lossless(roomy.key)
