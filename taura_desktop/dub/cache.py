"""Voicing one segment with a content-addressed clip cache.

The natural (synthesized, silence-trimmed, loudness-normalized, unfitted) clip is stored under
``clip_key(text, voice, engine_version, speed, lang)``, at the engine's own sample rate: every
engine's clips go through the same trim, loudness, fit and cache steps, and the only sample-rate
conversion is the mixer's, once per clip, to the output rate. Fitting depends on the segment's slot,
so it is recomputed on every call (cheap: it needs only the clip length); the fitted audio,
when it differs from the natural clip (compressed or trimmed), is stored under
``fitted_key(key, fit)`` so the mixer does not re-run rubberband. A natural take kept only for
re-fitting may be stored lossy (``core.clipcodec``): it is re-used to re-fit, but a line that
would play it as it is gets it synthesized afresh.
Re-voicing one edited segment = one synthesis + one fit; an unchanged one = no synthesis.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from taura_desktop.audio.loudness import DEFAULT_TARGET_LUFS, normalize
from taura_desktop.core import clipcodec
from taura_desktop.core.clipkeys import fitted_key, needs_fitted_audio
from taura_desktop.core.model import FitResult, VoiceClip, VoiceSpec
from taura_desktop.dub.fit import FitCaps, apply_fit, fit_with_caps
from taura_desktop.dub.trim import trim_silence
from taura_desktop.engines.tts.base import SynthRequest, TtsEngine
from taura_desktop.errors import BadInputError
from taura_desktop.media.audio_io import from_int16

# Version of what is done to synthesized audio before it is stored (part of every clip key:
# clips made by an older pipeline are stale). "trim1": leading/trailing silence trimmed.
CLIP_PROCESSING = "trim1"

Slot = tuple[int, int, int | None]  # (segment start ms, segment end ms, next segment start ms | None)


@runtime_checkable
class ClipSink(Protocol):
    """Where clip audio lives (the project store implements it)."""

    def put_clip(self, key: str, sample_rate: int, samples: np.ndarray) -> None:
        """Store mono int16 ``samples`` under ``key`` (idempotent)."""
        ...

    def get_clip(self, key: str) -> tuple[int, np.ndarray] | None:
        """(sample_rate, mono int16 samples) or None when absent."""
        ...

    def has_clip(self, key: str) -> bool: ...


def clip_key(text: str, voice: VoiceSpec, engine_version: str, speed: float, lang: str) -> str:
    """sha256 of a canonical JSON of everything that changes the synthesized audio, hex[:32].

    ``reference_segment_ids`` are included (XTTS clones from them)."""
    doc = {
        "text": text,
        "lang": lang,
        "engine": voice.engine,
        "engine_version": engine_version,
        "voice": voice.voice,
        "rate": round(float(voice.rate), 6),
        "pitch": voice.pitch,
        "refs": list(voice.reference_segment_ids),
        "speed": round(float(speed), 6),
        "processing": CLIP_PROCESSING,
    }
    blob = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def to_int16(samples: np.ndarray) -> np.ndarray:
    return clipcodec.to_pcm16(samples)


def _duration_ms(n: int, sr: int) -> int:
    return (n * 1000 + sr // 2) // sr


@runtime_checkable
class ClipStore(ClipSink, Protocol):
    """A clip sink that knows a clip's length without decoding it (the project store)."""

    def clip_frames(self, key: str) -> tuple[int, int] | None:
        """(sample_rate, length in samples) or None when absent."""
        ...

    def clip_is_lossless(self, key: str) -> bool:
        """Whether ``key`` is stored and decodes bit for bit."""
        ...

    def put_take(self, key: str, sample_rate: int, samples: np.ndarray) -> None:
        """Store a natural take that is only re-fitted, never played as it is (compactly)."""
        ...


def _reusable(sink: ClipSink, key: str, job: VoiceJob, caps: FitCaps) -> bool:
    """Whether the stored natural clip ``key`` can voice ``job`` without synthesis: it is
    stored, and it is lossless or this job only re-fits it (plays its fitted audio)."""
    if not sink.has_clip(key):
        return False
    if not isinstance(sink, ClipStore) or sink.clip_is_lossless(key):
        return True
    info = sink.clip_frames(key)
    return info is not None and needs_fitted_audio(_fit(job, _duration_ms(info[1], info[0]), caps))


def _fit(job: VoiceJob, natural_ms: int, caps: FitCaps) -> FitResult:
    start, end, nxt = job.slot
    return fit_with_caps(natural_ms, start, end, nxt, caps, chars=len(job.text.strip()))


def placed_key(store: ClipStore, clip: VoiceClip) -> tuple[str, int, int]:
    """(key, sample rate, length) of ``clip``'s audio as placed, read without decoding it.
    Fitted audio missing from the store is made and stored now (one clip in memory)."""
    key = clip.key if clip.fit is None or not needs_fitted_audio(clip.fit) else fitted_key(clip.key, clip.fit)
    info = store.clip_frames(key)
    if info is None:
        sr, samples = load_fitted(store, clip)
        info = (sr, len(samples))
    return key, info[0], info[1]


def load_fitted(sink: ClipSink, clip: VoiceClip) -> tuple[int, np.ndarray]:
    """(sample_rate, float32 samples) of ``clip`` as placed; fits and stores it if missing."""
    got = sink.get_clip(clip.key)
    if got is None:
        raise BadInputError(f"voice clip {clip.key}: audio missing from the project")
    sr, natural = got
    if clip.fit is None or not needs_fitted_audio(clip.fit):
        return sr, from_int16(natural)
    fkey = fitted_key(clip.key, clip.fit)
    fitted = sink.get_clip(fkey)
    if fitted is not None:
        return fitted[0], from_int16(fitted[1])
    out = apply_fit(from_int16(natural), sr, clip.fit)
    sink.put_clip(fkey, sr, to_int16(out))
    return sr, out


@dataclass(frozen=True, slots=True)
class VoiceJob:
    text: str
    lang: str
    voice: VoiceSpec
    slot: Slot


def _finish(engine_name: str, sink: ClipSink, key: str, sr: int, natural: np.ndarray | None,
            job: VoiceJob, caps: FitCaps) -> VoiceClip:
    """Fit a stored/just-made natural clip into the job's slot; store fitted audio if needed."""
    if natural is None:
        got = sink.get_clip(key)
        if got is None:
            raise BadInputError(f"voice clip {key}: audio missing from the project")
        sr, pcm = got
        n = len(pcm)
    else:
        n = len(natural)
    fit = _fit(job, _duration_ms(n, sr), caps)
    if needs_fitted_audio(fit):
        fkey = fitted_key(key, fit)
        if not sink.has_clip(fkey):
            src = natural if natural is not None else from_int16(pcm)
            sink.put_clip(fkey, sr, to_int16(apply_fit(src, sr, fit)))
    return VoiceClip(key=key, sample_rate=sr, duration_ms=fit.placed_ms, engine=engine_name, fit=fit)


def voice_segments(
    engine: TtsEngine,
    sink: ClipSink,
    jobs: Sequence[VoiceJob],
    caps: FitCaps | None = None,
    *,
    target_lufs: float = DEFAULT_TARGET_LUFS,
    workers: int = 1,
) -> list[tuple[VoiceClip, bool]]:
    """Voice many segments: cache hits are only re-fitted; misses are synthesized in one
    ``synthesize_batch`` call, normalized, fitted and stored. Returns (clip, was_cached)."""
    caps = caps or FitCaps()
    for job in jobs:
        if not job.text.strip():
            raise BadInputError("voice: segment text is empty: nothing to voice")
    keys = [clip_key(j.text, j.voice, engine.version, 1.0, j.lang) for j in jobs]
    hits = [_reusable(sink, k, j, caps) for k, j in zip(keys, jobs, strict=True)]
    miss_idx = [i for i, h in enumerate(hits) if not h]
    # identical lines (same key) are synthesized once
    first_of: dict[str, int] = {}
    jobs_of: dict[str, list[VoiceJob]] = {}  # every job voiced by a key
    for job, key in zip(jobs, keys, strict=True):
        jobs_of.setdefault(key, []).append(job)
    for i in miss_idx:
        first_of.setdefault(keys[i], i)
    reqs = [SynthRequest(jobs[i].text, jobs[i].lang, jobs[i].voice) for i in first_of.values()]
    results = engine.synthesize_batch(reqs) if reqs else []
    made: dict[str, tuple[int, np.ndarray]] = {}

    def prepare(item: tuple[str, int]) -> tuple[str, int, np.ndarray]:
        key, ri = item
        res = results[ri]
        natural = normalize(trim_silence(res.samples, res.sample_rate), res.sample_rate, target_lufs)
        natural_ms = _duration_ms(len(natural), res.sample_rate)
        users = jobs_of[key]
        if isinstance(sink, ClipStore) and all(needs_fitted_audio(_fit(j, natural_ms, caps)) for j in users):
            sink.put_take(key, res.sample_rate, to_int16(natural))  # only ever re-fitted
        else:
            sink.put_clip(key, res.sample_rate, to_int16(natural))
        return key, res.sample_rate, natural

    items = [(k, ri) for ri, k in enumerate(first_of)]

    def finish(i: int) -> VoiceClip:
        key = keys[i]
        if key in made:
            sr, natural = made[key]
            return _finish(engine.name, sink, key, sr, natural, jobs[i], caps)
        return _finish(engine.name, sink, key, 0, None, jobs[i], caps)

    if workers > 1 and len(jobs) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for key, sr, natural in pool.map(prepare, items):
                made[key] = (sr, natural)
            clips = list(pool.map(finish, range(len(jobs))))
    else:
        for item in items:
            key, sr, natural = prepare(item)
            made[key] = (sr, natural)
        clips = [finish(i) for i in range(len(jobs))]
    return [(clip, hits[i]) for i, clip in enumerate(clips)]


def voice_segment(
    engine: TtsEngine,
    sink: ClipSink,
    text: str,
    lang: str,
    voice: VoiceSpec,
    slot: Slot,
    caps: FitCaps | None = None,
    *,
    target_lufs: float = DEFAULT_TARGET_LUFS,
) -> tuple[VoiceClip, bool]:
    """Voice one segment: a cache hit is re-fitted without synthesis; a miss is synthesized,
    loudness-normalized, fitted and stored. Returns (clip, was_cached)."""
    return voice_segments(engine, sink, [VoiceJob(text, lang, voice, slot)], caps,
                          target_lufs=target_lufs)[0]
