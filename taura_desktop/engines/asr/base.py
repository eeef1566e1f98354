"""Speech recognition: plain data types and the engine protocol.

Times are integer milliseconds. Audio handed to an engine is 16 kHz mono float32 in [-1, 1].
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import numpy as np

from taura_desktop.core.model import Word
from taura_desktop.errors import UsageError

SAMPLE_RATE = 16000

# Word text keeps the model's leading space ("".join(w.text for w in words).strip() rebuilds
# the text; faster-whisper may attach a word that starts in a segment to that segment only).
AsrWord = Word

Device = Literal["auto", "cpu", "cuda"]
Task = Literal["transcribe", "translate"]

ProgressFn = Callable[[int, int], None]  # (done_ms, total_ms), non-decreasing, ends at total
CancelFn = Callable[[], bool]  # True -> stop; checked between segments

# Segment flags set by the hallucination guards (they end up in core Segment.flags).
FLAG_LOW_CONFIDENCE = "low_confidence"
FLAG_REPETITION = "repetition"
FLAG_HIGH_COMPRESSION = "high_compression"


@dataclass(frozen=True, slots=True)
class AsrOptions:
    """What Taura uses of faster-whisper's ~30 transcription parameters.

    Word timestamps are always on (subtitle cutting needs them). ``batched`` None means:
    batched (BatchedInferencePipeline) on a GPU, sequential on CPU.
    """

    language: str | None = None  # None = detect (AsrInfo carries the probability)
    task: Task = "transcribe"  # "translate" = speech to English text
    beam_size: int = 5
    best_of: int = 5
    patience: float = 1.0
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # batched: first only
    condition_on_previous_text: bool = False  # False: far fewer repetition loops
    initial_prompt: str | None = None  # sequential: first window only; batched: every window
    hotwords: str | None = None  # prompt added to EVERY window (best place for a glossary)
    suppress_blank: bool = True
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    hallucination_silence_threshold: float | None = None  # seconds; sequential only
    # voice activity detection (Silero, bundled with faster-whisper)
    vad: bool = True
    vad_threshold: float = 0.5
    vad_min_silence_ms: int = 1000
    vad_speech_pad_ms: int = 400
    vad_min_speech_ms: int = 0
    vad_word_tolerance_ms: int = 200  # words may stick out of a speech region by this much
    # batching / device
    batched: bool | None = None
    batch_size: int = 8
    device: Device = "auto"  # "auto" = keep the engine's device
    compute_type: str | None = None  # None = float16 on CUDA, int8 on CPU
    # hallucination guards
    log_prob_threshold: float = -1.0  # below: flag "low_confidence"
    no_speech_threshold: float = 0.6  # above AND logprob below threshold: drop
    compression_ratio_threshold: float = 2.4  # above: flag "high_compression"
    repetition_threshold: int = 3  # same text more than this many times in a row: collapse
    language_detection_segments: int = 1
    language_detection_threshold: float = 0.5

    def __post_init__(self) -> None:
        if self.task not in ("transcribe", "translate"):
            raise UsageError(f"asr options: task must be 'transcribe' or 'translate', not {self.task!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise UsageError(f"asr options: device must be auto, cpu or cuda, not {self.device!r}")
        if self.beam_size < 1 or self.best_of < 1:
            raise UsageError(
                f"asr options: beam_size and best_of must be >= 1 (got {self.beam_size}, {self.best_of})"
            )
        if self.batch_size < 1:
            raise UsageError(f"asr options: batch_size must be >= 1 (got {self.batch_size})")
        if not self.temperature or any(t < 0 for t in self.temperature):
            raise UsageError(
                f"asr options: temperature must be one or more values >= 0 (got {self.temperature!r})"
            )
        if self.repetition_threshold < 1:
            raise UsageError(
                f"asr options: repetition_threshold must be >= 1 (got {self.repetition_threshold})"
            )
        if not 0.0 < self.vad_threshold < 1.0:
            raise UsageError(f"asr options: vad_threshold must be between 0 and 1 (got {self.vad_threshold})")
        vad_ms = (self.vad_min_silence_ms, self.vad_speech_pad_ms, self.vad_min_speech_ms)
        if min(*vad_ms, self.vad_word_tolerance_ms) < 0:
            raise UsageError("asr options: VAD durations must be >= 0 ms")
        if self.language is not None and not re.fullmatch(r"[a-z]{2,3}", self.language):
            raise UsageError(
                f"asr options: language must be a Whisper code like 'en' or 'haw', not {self.language!r}"
            )


@dataclass(frozen=True, slots=True)
class AsrSegment:
    start_ms: int
    end_ms: int
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0
    flags: tuple[str, ...] = ()

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True, slots=True)
class AsrInfo:
    language: str  # detected or given; "und" when there is no speech to detect from
    language_probability: float  # 1.0 when given
    duration_ms: int
    device: str  # "cpu" | "cuda" actually used
    compute_type: str
    batched: bool
    warnings: tuple[str, ...] = ()  # one line each (GPU fallback, no speech found, ...)
    speech_regions: tuple[tuple[int, int], ...] | None = None  # VAD regions (ms); None = VAD off


@runtime_checkable
class AsrEngine(Protocol):
    def transcribe(
        self,
        audio: np.ndarray,
        options: AsrOptions = ...,
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> tuple[AsrInfo, Iterator[AsrSegment]]:
        """Start transcribing 16 kHz mono float32 ``audio``.

        Returns at once with the info (language detection done) and a LAZY iterator: the work
        happens while iterating. ``progress(done_ms, total_ms)`` is called between segments
        (non-decreasing, last call is ``(total, total)``); ``cancel()`` is checked between
        segments and raises :class:`taura_desktop.errors.CancelledError`.
        """
        ...


def glossary_prompt(terms: Sequence[str], max_chars: int = 600) -> str:
    """A Whisper prompt that primes spelling of glossary terms: ``"Taura, OpenTimelineIO."``.

    Terms are stripped, de-duplicated (case-insensitively, first spelling wins) and cut at
    ``max_chars`` (Whisper keeps at most ~223 prompt tokens). Use it as ``AsrOptions.hotwords``
    (every window) or ``initial_prompt``.
    """
    seen: set[str] = set()
    kept: list[str] = []
    length = 0
    for raw in terms:
        term = " ".join(raw.split())
        key = term.casefold()
        if not term or key in seen:
            continue
        extra = len(term) + (2 if kept else 0)
        if length + extra + 1 > max_chars:
            break
        seen.add(key)
        kept.append(term)
        length += extra
    return (", ".join(kept) + ".") if kept else ""
