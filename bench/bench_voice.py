"""Voicing benchmark: espeak-ng end to end through voice_segments / voice_segment.

python bench/bench_voice.py [N_SEGMENTS]
Prints: voicing throughput (x realtime of voiced audio), cache-hit re-fit time, time to
re-voice one edited segment, rubberband fitting throughput (audio seconds per second).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from taura_desktop.core.model import VoiceSpec
from taura_desktop.dub.cache import VoiceJob, voice_segment, voice_segments
from taura_desktop.dub.fit import FitCaps
from taura_desktop.dub.stretch import time_stretch
from taura_desktop.engines.tts.espeak import EspeakEngine

WORDS = [
    "el", "gato", "come", "pescado", "en", "la", "cocina", "mientras", "la", "lluvia",
    "cae", "sobre", "la", "ciudad", "y", "nadie", "sabe", "qué", "hora", "es", "cuando",
    "llegamos", "tarde", "otra", "vez", "al", "mercado", "del", "pueblo",
]


class MemorySink:
    def __init__(self) -> None:
        self.clips: dict[str, tuple[int, np.ndarray]] = {}

    def put_clip(self, key: str, sample_rate: int, samples: np.ndarray) -> None:
        self.clips[key] = (sample_rate, samples)

    def get_clip(self, key: str) -> tuple[int, np.ndarray] | None:
        return self.clips.get(key)

    def has_clip(self, key: str) -> bool:
        return key in self.clips


def make_jobs(n: int, voices: list[VoiceSpec]) -> list[VoiceJob]:
    rng = np.random.default_rng(7)
    jobs: list[VoiceJob] = []
    t = 0
    for i in range(n):
        k = int(rng.integers(3, 16))
        text = " ".join(str(w) for w in rng.choice(WORDS, k)).capitalize() + f", número {i}."
        dur = int(len(text) * rng.uniform(50, 85))  # slots from ~12 to ~20 chars/s
        gap = int(rng.integers(40, 800))
        jobs.append(VoiceJob(text, "es", voices[i % len(voices)], (t, t + dur, t + dur + gap)))
        t += dur + gap
    last = jobs[-1]
    jobs[-1] = VoiceJob(last.text, last.lang, last.voice, (last.slot[0], last.slot[1], None))
    return jobs


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    cores = os.cpu_count() or 1
    engine = EspeakEngine()
    voices = [VoiceSpec("espeak", v) for v in ("es", "es+f2", "es+m3")]
    jobs = make_jobs(n, voices)
    sink = MemorySink()
    print(f"{engine.version}, {cores} cores, {n} segments")

    t0 = time.perf_counter()
    out = voice_segments(engine, sink, jobs, FitCaps(), workers=cores)
    wall = time.perf_counter() - t0
    voiced_s = sum(c.fit.natural_ms for c, _ in out if c.fit) / 1000
    statuses = Counter(c.fit.status.value for c, _ in out if c.fit)
    print(f"voice {n} segments (synth + normalize + fit + store): {wall:.2f} s for {voiced_s:.0f} s "
          f"of speech = {voiced_s / wall:.0f}x realtime (target > 50x)")
    print(f"  fit outcome: {dict(statuses)}")

    t0 = time.perf_counter()
    again = voice_segments(engine, sink, jobs, FitCaps(), workers=cores)
    wall_hit = time.perf_counter() - t0
    assert all(c for _, c in again)
    print(f"re-run, all cache hits (re-fit only): {wall_hit:.2f} s = "
          f"{wall_hit / n * 1000:.1f} ms per segment")

    times = []
    for i in range(7):
        j = jobs[n // 2]
        t0 = time.perf_counter()
        voice_segment(engine, sink, j.text + f" Editado {i}.", j.lang, j.voice, j.slot)
        times.append(time.perf_counter() - t0)
    tight = jobs[n // 3]
    tslot = (tight.slot[0], tight.slot[0] + 600, tight.slot[0] + 600)
    t_tight = []
    for i in range(5):
        t0 = time.perf_counter()
        voice_segment(engine, sink, tight.text + f" Otra versión {i}.", "es", tight.voice, tslot)
        t_tight.append(time.perf_counter() - t0)
    print(f"re-voice one edited segment: median {statistics.median(times) * 1000:.0f} ms at natural "
          f"speed, {statistics.median(t_tight) * 1000:.0f} ms when it must be compressed "
          f"(target < 300 ms)")

    # rubberband: one long clip and many short ones
    long_text = " ".join(j.text for j in jobs[:40])
    from taura_desktop.engines.tts.base import SynthRequest

    speech = engine.synthesize(SynthRequest(long_text, "es", voices[0]))
    sr = speech.sample_rate
    t0 = time.perf_counter()
    time_stretch(speech.samples, sr, 1.25)
    w = time.perf_counter() - t0
    secs = len(speech.samples) / sr
    print(f"rubberband 1.25x on one {secs:.0f} s clip: {w:.2f} s = {secs / w:.0f} s of audio per s")
    clips = [sink.clips[c.key] for c, _ in out[:100]]
    t0 = time.perf_counter()
    for csr, pcm in clips:
        time_stretch(pcm.astype(np.float32) / 32768, csr, 1.2)
    w = time.perf_counter() - t0
    secs = sum(len(p) / s for s, p in clips)
    print(f"rubberband 1.2x on 100 short clips (one rubberband process each, serial): {w:.2f} s = "
          f"{secs / w:.0f} s of audio per s, {w * 10:.0f} ms per clip")


if __name__ == "__main__":
    main()
