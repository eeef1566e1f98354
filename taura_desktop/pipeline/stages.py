"""The stage registry the job layer reads.

``STAGES`` maps a stage name to its caller-side class (a fresh instance per run);
``WORK`` maps it to the function the worker process runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from taura_desktop.pipeline import deliver, diarize, transcribe, translate, voice

STAGES: dict[str, Callable[[], Any]] = {
    "transcribe": transcribe.TranscribeStage,
    "diarize": diarize.DiarizeStage,
    "translate": translate.TranslateStage,
    "voice": voice.VoiceStage,
    "export": deliver.ExportStage,
}

WORK: dict[str, Callable[..., dict[str, Any]]] = {
    "transcribe": transcribe.work,
    "diarize": diarize.work,
    "translate": translate.work,
    "voice": voice.work,
    "export": deliver.work,
}
