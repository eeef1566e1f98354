"""GPU detection helpers shared by the engines (no torch import).

Every probe is guarded: a missing or broken CUDA runtime reads as "no GPU", never as an error.
"""

from __future__ import annotations

import logging
from typing import Any

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


def describe_devices() -> dict[str, Any]:
    """A plain dict for `taura doctor`/the About dialog: what can run where."""
    info: dict[str, Any] = {
        "cuda_devices": cuda_device_count(),
        "ctranslate2_version": None,
        "ctranslate2_compute_types": {},
        "onnxruntime_version": None,
        "onnxruntime_providers": onnx_providers(),
    }
    try:
        import ctranslate2

        info["ctranslate2_version"] = ctranslate2.__version__
        types: dict[str, list[str]] = {"cpu": sorted(ctranslate2.get_supported_compute_types("cpu"))}
        if info["cuda_devices"]:
            types["cuda"] = sorted(ctranslate2.get_supported_compute_types("cuda"))
        info["ctranslate2_compute_types"] = types
    except Exception as err:
        log.debug("ctranslate2 description failed: %s", err)
    try:
        import onnxruntime

        info["onnxruntime_version"] = onnxruntime.__version__
    except Exception as err:
        log.debug("onnxruntime description failed: %s", err)
    info["cuda"] = bool(info["cuda_devices"])
    info["onnx_cuda"] = "CUDAExecutionProvider" in info["onnxruntime_providers"]
    return info
