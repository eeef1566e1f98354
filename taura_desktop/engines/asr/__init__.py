"""Speech recognition engines (faster-whisper + Silero VAD).

Importing this package is cheap: faster_whisper/ctranslate2 load when an engine is created.
"""

from taura_desktop.engines.asr.base import (
    FLAG_HIGH_COMPRESSION,
    FLAG_LOW_CONFIDENCE,
    FLAG_REPETITION,
    SAMPLE_RATE,
    AsrEngine,
    AsrInfo,
    AsrOptions,
    AsrSegment,
    AsrWord,
    glossary_prompt,
)
from taura_desktop.engines.asr.vad import speech_regions
from taura_desktop.engines.asr.whisper import WhisperEngine

__all__ = [
    "FLAG_HIGH_COMPRESSION",
    "FLAG_LOW_CONFIDENCE",
    "FLAG_REPETITION",
    "SAMPLE_RATE",
    "AsrEngine",
    "AsrInfo",
    "AsrOptions",
    "AsrSegment",
    "AsrWord",
    "WhisperEngine",
    "glossary_prompt",
    "speech_regions",
]
