"""Builders shared by the editor tests and bench/bench_ui.py (plain functions, no fixtures)."""

from __future__ import annotations

import random
from pathlib import Path

from taura_desktop.core import edits
from taura_desktop.core.model import (
    FitResult,
    FitStatus,
    MediaRef,
    Origin,
    Segment,
    Status,
    Translation,
    VoiceClip,
    Word,
)
from taura_desktop.core.project import Project
from taura_desktop.dub.fit import DEFAULT_MIN_GAP_MS, available_ms

WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
]


def make_segments(
    n: int,
    *,
    langs: tuple[str, ...] = ("es",),
    seg_ms: int = 2000,
    gap_ms: int = 500,
    start_ms: int = 0,
    seed: int = 1,
    voiced: bool = True,
) -> list[Segment]:
    """``n`` segments in time order with words, translations and (optionally) voice clips."""
    rnd = random.Random(seed)
    out: list[Segment] = []
    t = start_ms
    statuses = (Status.DRAFT, Status.NEEDS_REVIEW, Status.APPROVED)
    fits = (FitStatus.OK, FitStatus.EXTENDED, FitStatus.STRETCHED, FitStatus.OVERFLOW)
    for i in range(n):
        k = rnd.randint(2, 6)
        texts = [rnd.choice(WORDS) for _ in range(k)]
        step = seg_ms // k
        words = tuple(Word(t + j * step, t + (j + 1) * step - 40, w) for j, w in enumerate(texts))
        trs = {}
        for lang in langs:
            clip = None
            if voiced:
                status = fits[i % len(fits)]
                natural = int(seg_ms * (0.8 + 0.15 * (i % 4)))
                speed = 1.0 if status in (FitStatus.OK, FitStatus.EXTENDED) else 1.2
                over = 300 if status is FitStatus.OVERFLOW else 0
                # the room the voice stage computes for this slot (so the clip is current)
                room = available_ms(t, t + seg_ms, t + seg_ms + gap_ms if i < n - 1 else None,
                                    DEFAULT_MIN_GAP_MS, natural)
                fit = FitResult(natural, speed, 0, int(natural / speed), room, over, status)
                clip = VoiceClip(f"k{i}{lang}", 24000, int(natural / speed), "espeak", fit)
            trs[lang] = Translation(
                text=f"{lang} {' '.join(texts)}",
                origin=Origin.ENGINE,
                status=statuses[i % 3],
                clip=clip,
            )
        out.append(
            Segment(
                id=f"s{i:05d}",
                start_ms=t,
                end_ms=t + seg_ms,
                source_text=" ".join(texts),
                words=words,
                translations=trs,
            )
        )
        t += seg_ms + gap_ms
    return out


def make_project(
    path: Path,
    n: int = 10,
    *,
    langs: tuple[str, ...] = ("es",),
    media: MediaRef | None = None,
    voiced: bool = True,
) -> Project:
    project = Project.create(path, media=media, source_lang="en", target_langs=langs)
    if n:
        segments = make_segments(n, langs=langs, voiced=voiced)
        project.apply(edits.add_segments(project.state, segments), undoable=False)
    sp = edits.add_speaker(project.state, "Alice", "spk_a")
    project.apply(sp, undoable=False)
    return project


def make_test_video(path: Path, seconds: float = 6.0, size: str = "320x180") -> Path:
    """A short H.264/AAC video: testsrc (moving pattern, never black) + a sine tone."""
    from tests.mediagen import make_video

    return make_video(path, seconds, audio="tone", size=size, fps=24)
