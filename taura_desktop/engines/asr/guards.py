"""Hallucination guards over a stream of recognized segments (pure functions, no model).

Applied in this order by :func:`apply_guards`:

1. drop "no speech" segments (no_speech_prob above threshold AND avg_logprob below threshold);
2. drop words / segments that fall outside the VAD speech regions (never text over silence);
3. normalize times: clamp into the audio, keep segments ordered and non-overlapping, words
   ordered and inside their segment; drop empty or backwards segments;
4. collapse a word n-gram repeated many times in a row inside a segment (flag "repetition");
5. flag low confidence (avg_logprob below threshold) and high compression ratio;
6. collapse the same text repeated many times in a row across segments: keep the first one,
   flagged "repetition".
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from taura_desktop.core.model import Word
from taura_desktop.engines.asr.base import (
    FLAG_HIGH_COMPRESSION,
    FLAG_LOW_CONFIDENCE,
    FLAG_REPETITION,
    AsrOptions,
    AsrSegment,
)
from taura_desktop.engines.asr.vad import Region, inside_speech, overlaps_speech

MAX_NGRAM = 4


def _add_flag(seg: AsrSegment, flag: str) -> AsrSegment:
    if flag in seg.flags:
        return seg
    return dataclasses.replace(seg, flags=(*seg.flags, flag))


def _text_of(words: Sequence[Word]) -> str:
    return "".join(w.text for w in words).strip()


def text_key(text: str) -> str:
    """Comparison key: case-folded, punctuation and spaces removed."""
    return "".join(ch for ch in text.casefold() if not unicodedata.category(ch).startswith(("P", "Z", "S")))


def is_no_speech(seg: AsrSegment, options: AsrOptions) -> bool:
    return seg.no_speech_prob > options.no_speech_threshold and seg.avg_logprob < options.log_prob_threshold


def _region_of(word: Word, regions: Sequence[Region], tolerance_ms: int) -> Region | None:
    for r_start, r_end in regions:
        if inside_speech(word.start_ms, word.end_ms, [(r_start, r_end)], tolerance_ms):
            return r_start - tolerance_ms, r_end + tolerance_ms
    return None


def restrict_to_speech(seg: AsrSegment, regions: Sequence[Region], tolerance_ms: int) -> AsrSegment | None:
    """Keep only speech: words whose middle is outside every region (widened by
    ``tolerance_ms``) are dropped, kept words are clamped into their region. None when
    nothing of the segment is speech."""
    if not seg.words:
        if overlaps_speech(seg.start_ms, seg.end_ms, regions, tolerance_ms):
            return seg
        return None
    kept: list[Word] = []
    for w in seg.words:
        region = _region_of(w, regions, tolerance_ms)
        if region is None:
            continue
        start, end = max(w.start_ms, region[0]), min(w.end_ms, region[1])
        if (start, end) != (w.start_ms, w.end_ms):
            w = dataclasses.replace(w, start_ms=start, end_ms=max(start, end))
        kept.append(w)
    if not kept or not _text_of(kept):
        return None
    if kept == list(seg.words):
        return seg
    return dataclasses.replace(
        seg,
        words=tuple(kept),
        text=_text_of(kept),
        start_ms=kept[0].start_ms,
        end_ms=kept[-1].end_ms,
    )


def normalize_times(seg: AsrSegment, duration_ms: int, previous_end_ms: int) -> AsrSegment | None:
    """Clamp into [previous_end, duration], words inside the segment and ordered.

    None for a segment that ends up empty, zero-length or entirely before the previous one.
    """
    text = seg.text.strip()
    if not text:
        return None
    start = min(max(seg.start_ms, previous_end_ms, 0), duration_ms)
    end = min(max(seg.end_ms, 0), duration_ms)
    if end <= start:
        return None
    words: list[Word] = []
    cursor = start
    for w in seg.words:
        w_start = min(max(w.start_ms, cursor), end)
        w_end = min(max(w.end_ms, w_start), end)
        if (w_start, w_end) != (w.start_ms, w.end_ms):
            w = dataclasses.replace(w, start_ms=w_start, end_ms=w_end)
        words.append(w)
        cursor = w_end
    if (start, end, text) == (seg.start_ms, seg.end_ms, seg.text) and all(
        a is b for a, b in zip(words, seg.words, strict=True)
    ):
        return seg
    return dataclasses.replace(seg, start_ms=start, end_ms=end, text=text, words=tuple(words))


def collapse_runs(keys: Sequence[str], threshold: int, max_ngram: int = MAX_NGRAM) -> list[int]:
    """Indices to keep so that no 1..max_ngram-gram repeats more than ``threshold`` times in a row.

    A run that is too long keeps its first occurrence only: "a b a b a b a b" with threshold 3
    keeps "a b".
    """
    keep: list[int] = []
    i, n_keys = 0, len(keys)
    while i < n_keys:
        collapsed = False
        for n in range(1, max_ngram + 1):
            gram = list(keys[i : i + n])
            if len(gram) < n or not all(gram):  # punctuation-only keys never form runs
                break
            reps = 1
            while list(keys[i + reps * n : i + (reps + 1) * n]) == gram:
                reps += 1
            if reps > threshold:
                keep.extend(range(i, i + n))
                i += reps * n
                collapsed = True
                break
        if not collapsed:
            keep.append(i)
            i += 1
    return keep


def collapse_repeated_words(seg: AsrSegment, threshold: int) -> AsrSegment:
    """Collapse an n-gram of words repeated more than ``threshold`` times in a row."""
    if seg.words:
        keys = [text_key(w.text) for w in seg.words]
        keep = collapse_runs(keys, threshold)
        if len(keep) == len(keys):
            return seg
        words = tuple(seg.words[i] for i in keep)
        # the kept words may carry collapsed (zero-length) timings: never end at or before the start
        end_ms = words[-1].end_ms if words[-1].end_ms > seg.start_ms else seg.end_ms
        return _add_flag(
            dataclasses.replace(seg, words=words, text=_text_of(words), end_ms=end_ms),
            FLAG_REPETITION,
        )
    tokens = seg.text.split()
    keep = collapse_runs([text_key(t) for t in tokens], threshold)
    if len(keep) == len(tokens):
        return seg
    return _add_flag(dataclasses.replace(seg, text=" ".join(tokens[i] for i in keep)), FLAG_REPETITION)


def flag_quality(seg: AsrSegment, options: AsrOptions) -> AsrSegment:
    if seg.avg_logprob < options.log_prob_threshold:
        seg = _add_flag(seg, FLAG_LOW_CONFIDENCE)
    if seg.compression_ratio > options.compression_ratio_threshold:
        seg = _add_flag(seg, FLAG_HIGH_COMPRESSION)
    return seg


def collapse_repeated_segments(segments: Iterable[AsrSegment], threshold: int) -> Iterator[AsrSegment]:
    """Lazily collapse runs of more than ``threshold`` segments with the same text."""
    run: list[AsrSegment] = []

    def flush() -> Iterator[AsrSegment]:
        if len(run) > threshold:
            yield _add_flag(run[0], FLAG_REPETITION)
        else:
            yield from run
        run.clear()

    for seg in segments:
        if run and text_key(seg.text) != text_key(run[0].text):
            yield from flush()
        run.append(seg)
        if len(run) == 1 and not text_key(seg.text):
            yield from flush()  # punctuation-only segments never form runs
    yield from flush()


def apply_guards(
    segments: Iterable[AsrSegment],
    options: AsrOptions,
    regions: Sequence[Region] | None,
    duration_ms: int,
) -> Iterator[AsrSegment]:
    """Lazily apply every guard (see the module docstring). ``regions`` None = no VAD check."""

    def per_segment() -> Iterator[AsrSegment]:
        previous_end = 0
        for raw in segments:
            if is_no_speech(raw, options):
                continue
            seg: AsrSegment | None = raw
            if regions is not None:
                seg = restrict_to_speech(raw, regions, options.vad_word_tolerance_ms)
            if seg is not None:
                seg = normalize_times(seg, duration_ms, previous_end)
            if seg is None:
                continue
            seg = collapse_repeated_words(seg, options.repetition_threshold)
            previous_end = seg.end_ms
            yield flag_quality(seg, options)

    return collapse_repeated_segments(per_segment(), options.repetition_threshold)
