"""GPU detection helpers (no torch)."""

from __future__ import annotations

import sys

import pytest

from taura_desktop import device


def test_onnx_providers_list_the_cpu_provider() -> None:
    providers = device.onnx_providers()
    assert "CPUExecutionProvider" in providers and all(isinstance(p, str) for p in providers)


def test_device_module_does_not_import_torch() -> None:
    import subprocess

    code = ("import sys, taura_desktop.device as d; d.cuda_device_count(); d.onnx_providers(); "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cuda_probe_matches_ctranslate2(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctranslate2

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 2)
    assert device.cuda_available() and device.cuda_device_count() == 2


def test_broken_cuda_runtime_reads_as_no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import ctranslate2

    def broken() -> int:
        raise RuntimeError("CUDA driver version is insufficient for CUDA runtime version")

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", broken)
    assert device.cuda_available() is False


def test_onnx_cuda_follows_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    import onnxruntime

    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: ["CPUExecutionProvider"])
    assert device.onnx_cuda_available() is False
    monkeypatch.setattr(
        onnxruntime, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"]
    )
    assert device.onnx_cuda_available() is True
