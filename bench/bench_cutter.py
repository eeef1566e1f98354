"""Benchmark of the subtitle cue cutter: 100,000 timed words -> cues.

Run: python bench/bench_cutter.py   (prints figures; no assertions)
"""

from __future__ import annotations

import random
import statistics
import time

from taura_desktop.core.model import Word
from taura_desktop.segmentation import NETFLIX, QcInput, check_cues, cut_words

_WORDS = (
    "the a an of to and in that it is was he for on are as with his they I at be this have "
    "from or one had by word but not what all were we when your can said there use each which "
    "she do how their if will up other about out many then them these so some her would make "
    "like him into time has look two more write go see number no way could people my than "
    "first water been call who oil its now find long down day did get come made may part"
)
VOCAB = _WORDS.split()
# ~1 sentence end per 12 words, a comma per 14, pauses mostly short (realistic speech)
ENDINGS = [""] * 85 + [","] * 7 + ["."] * 6 + ["?", "!"]
PAUSES = [0, 20, 40, 60, 120] * 18 + [300] * 5 + [700] * 3 + [1800] * 2


def make_words(n: int, seed: int = 7) -> list[Word]:
    rng = random.Random(seed)
    out: list[Word] = []
    t = 0
    for _ in range(n):
        tok = rng.choice(VOCAB) + rng.choice(ENDINGS)
        dur = 70 * len(tok) + rng.randint(40, 160)  # ~14 chars/s of speech
        out.append(Word(t, t + dur, tok))
        t += dur + rng.choice(PAUSES)
    return out


def main() -> None:
    n = 100_000
    words = make_words(n)
    times = []
    cues = []
    for _ in range(5):
        t0 = time.perf_counter()
        cues = cut_words(words, NETFLIX, "en")
        times.append(time.perf_counter() - t0)
    best, med = min(times), statistics.median(times)
    flagged = sum(1 for c in cues if c.flags)
    t0 = time.perf_counter()
    check_cues([QcInput(str(k), c.start_ms, c.end_ms, c.text) for k, c in enumerate(cues)],
               NETFLIX, "en")
    qc_s = time.perf_counter() - t0
    print(f"words: {n}  cues: {len(cues)}  words/cue: {n / len(cues):.1f}  flagged: {flagged}")
    print(f"cut_words: best {best:.3f} s  median {med:.3f} s  ({n / best:,.0f} words/s)")
    print(f"target 0.5 s for 100k words: best/target = {best / 0.5:.2f}")
    print(f"check_cues on {len(cues)} cues: {qc_s:.3f} s ({len(cues) / qc_s:,.0f} cues/s)")


if __name__ == "__main__":
    main()
