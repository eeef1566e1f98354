"""Source separation (voice vs. music/effects) behind the small ``Separator`` protocol.

``open_separator`` loads a model folder from the store (``<root>/separation/<name>/``);
``separate_file`` streams a whole media file through a separator into WAV stems.
onnxruntime is imported only when a model is loaded.
"""

from __future__ import annotations

from pathlib import Path

from taura_desktop.engines.separation.base import (
    SeparationResult,
    Separator,
    overlap_add,
    separate_file,
)
from taura_desktop.engines.separation.onnx_demucs import OnnxSeparator

__all__ = ["SeparationResult", "Separator", "open_separator", "overlap_add", "separate_file"]


def open_separator(model_dir: Path, *, device: str = "auto") -> Separator:
    """Load the separation model in ``model_dir`` (an ONNX waveform model + separation.json).
    EngineUnavailableError (exit 4) when it is missing, BadInputError for a bad config."""
    return OnnxSeparator(Path(model_dir), device=device)
