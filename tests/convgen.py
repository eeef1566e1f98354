"""Conversations between real TTS voices, with the truth of who speaks when (diarization tests
and bench/bench_diarize.py).

    from tests.convgen import make_conversation, speech_accuracy
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from taura_desktop.media.audio_io import resample, write_wav
from taura_desktop.sample import espeak, trim_silence

SR = 16000
# Distinct espeak-ng voices: a male US voice, a female variant, a Klatt-synthesised voice.
VOICES = ("en-us", "en-us+f3", "en+klatt2")
LINES = (
    "I went to the market this morning and the prices were higher than last week.",
    "Really? I thought they said everything would be cheaper after the harvest.",
    "That is what they told us, but the farmers had a difficult season.",
    "Well, we can still cook something simple tonight with what we have.",
    "Do you remember where we put the big pan after the party?",
    "It should be in the cupboard next to the window, behind the plates.",
    "The train was late again, so I missed the beginning of the meeting.",
    "Nobody noticed, they spent the first half hour talking about the budget.",
    "We need to finish the report before Friday or the client will complain.",
    "I can write the introduction if you prepare the tables and the charts.",
    "My sister is visiting next month and she wants to see the old castle.",
    "The castle is closed in winter, but the museum in town is open every day.",
    "Have you tried the new bakery on the corner of the main street?",
    "Their bread is excellent, although the coffee is a little too strong for me.",
    "Tomorrow the weather should be sunny, perfect for a walk by the river.",
    "Let us leave early then, before the paths get crowded with tourists.",
)
SHORT = ("Yes.", "Right, okay.", "No way!", "Sure.", "Hmm, maybe.", "Exactly.")


@dataclass(frozen=True)
class Conversation:
    samples: np.ndarray  # float32 mono, SR
    sample_rate: int
    truth: list[tuple[int, int, int]]  # (start_ms, end_ms, speaker index) per turn
    texts: list[str]

    @property
    def duration_ms(self) -> int:
        return round(len(self.samples) * 1000 / self.sample_rate)

    @property
    def speakers(self) -> int:
        return len({s for _, _, s in self.truth})

    def write(self, path: Path) -> Path:
        return write_wav(path, self.samples, self.sample_rate)


def say(text: str, voice: str) -> np.ndarray:
    samples, sr = espeak(text, voice=voice)
    return resample(trim_silence(samples), sr, SR).astype(np.float32)


def make_conversation(
    voices: Sequence[str] = VOICES[:2],
    turns: int = 12,
    *,
    seed: int = 0,
    overlap_every: int = 4,
    overlap_ms: int = 400,
    short_every: int = 3,
    gap_ms: tuple[int, int] = (150, 700),
    lead_ms: int = 500,
    order: Sequence[int] | None = None,
    synth: Callable[[str, str], np.ndarray] | None = None,
) -> Conversation:
    """``turns`` turns cycling through ``voices`` (in a shuffled order with repeats), some
    short ("Yes."), every ``overlap_every``-th starting ``overlap_ms`` before the previous
    one ends. ``order`` fixes who speaks each turn instead. ``synth(text, voice)`` returns
    16 kHz samples (default: espeak-ng, see :func:`say`)."""
    speak = synth or say
    rng = random.Random(seed)
    clips: list[tuple[np.ndarray, int, str]] = []
    speaker = 0
    for i in range(turns):
        if order is not None:
            speaker = order[i % len(order)]
        elif i and rng.random() < 0.8:
            speaker = (speaker + rng.randrange(1, len(voices))) % len(voices) if len(voices) > 1 else 0
        text = SHORT[i % len(SHORT)] if short_every and i % short_every == short_every - 1 else LINES[
            rng.randrange(len(LINES))
        ]
        clips.append((speak(text, voices[speaker]), speaker, text))
    total = lead_ms * SR // 1000 * 2 + sum(len(c) for c, _, _ in clips) + gap_ms[1] * SR // 1000 * turns
    out = np.zeros(total, np.float32)
    t = lead_ms * SR // 1000
    truth: list[tuple[int, int, int]] = []
    for i, (clip, spk, _) in enumerate(clips):
        if i and overlap_every and i % overlap_every == 0 and truth and truth[-1][2] != spk:
            t = max(truth[-1][0] * SR // 1000, t - overlap_ms * SR // 1000)
        out[t : t + len(clip)] += clip
        truth.append((t * 1000 // SR, (t + len(clip)) * 1000 // SR, spk))
        t += len(clip) + rng.randint(*gap_ms) * SR // 1000
    end = t + lead_ms * SR // 1000
    out = out[:end]
    peak = float(np.abs(out).max()) or 1.0
    return Conversation((out / peak * 0.8).astype(np.float32), SR, truth, [c[2] for c in clips])


def speech_accuracy(
    truth: Sequence[tuple[int, int, int]], hyp: Sequence[tuple[int, int, int]], step_ms: int = 10
) -> float:
    """Share of the true speech time given to the right speaker, under the best one-to-one
    mapping of hypothesis speakers to true ones. Overlapped speech counts as right when either
    true speaker is given; speech with no hypothesis counts as wrong."""
    from scipy.optimize import linear_sum_assignment

    if not truth:
        return 1.0
    end = max(e for _, e, _ in truth)
    n = end // step_ms + 1
    n_true = max(s for _, _, s in truth) + 1
    n_hyp = max((s for _, _, s in hyp), default=-1) + 1
    t_mask = np.zeros((n_true, n), bool)
    for a, b, s in truth:
        t_mask[s, a // step_ms : b // step_ms] = True
    h_lab = np.full(n, -1, np.int64)
    for a, b, s in hyp:
        h_lab[a // step_ms : min(n, b // step_ms)] = s
    speech = t_mask.any(axis=0)
    if n_hyp == 0:
        return 0.0
    overlap = np.array([[np.sum(t_mask[t] & (h_lab == h)) for t in range(n_true)] for h in range(n_hyp)])
    rows, cols = linear_sum_assignment(-overlap)
    mapping = dict(zip(rows.tolist(), cols.tolist(), strict=True))
    right = np.zeros(n, bool)
    for h, t in mapping.items():
        right |= (h_lab == h) & t_mask[t]
    return float(right[speech].sum() / max(1, speech.sum()))
