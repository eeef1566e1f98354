"""GPU detection helpers shared by the engines (no torch import).

Every probe is guarded: a missing or broken CUDA runtime reads as "no GPU", never as an error.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def cuda_device_count() -> int:
    """Number of CUDA devices CTranslate2 can see (0 when CUDA is absent or broken)."""
    try:
        import ctranslate2

        return int(ctranslate2.get_cuda_device_count())
    except Exception as err:  # a broken driver/runtime must not break CPU use
        log.debug("CUDA probe failed: %s", err)
        return 0


def cuda_available() -> bool:
    """True when CTranslate2 (faster-whisper, argos) can run on a CUDA GPU."""
    return cuda_device_count() > 0


def onnx_providers() -> list[str]:
    """onnxruntime execution providers available here ([] when onnxruntime is missing)."""
    try:
        import onnxruntime

        return [str(p) for p in onnxruntime.get_available_providers()]
    except Exception as err:
        log.debug("onnxruntime probe failed: %s", err)
        return []


def onnx_cuda_available() -> bool:
    """True when onnxruntime (piper, Silero VAD) offers the CUDA execution provider."""
    return "CUDAExecutionProvider" in onnx_providers()
