"""A tiny source-separation model built at test time (no weights) with the documented
waveform interface: input ``mix`` float32 [1, C, T] -> output ``sources`` [1, S, C, T].

Source ``vocals`` is ``input * VOCALS_GAIN``; the other sources split the rest equally, so
``vocals + background == input`` exactly and the shapes are checkable. The graph's T is
FIXED to ``segment`` (like a real HT-Demucs export), so a caller that forgets to pad the last
segment fails inside onnxruntime.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict, Unpack

VOCALS_GAIN = 0.25
DEMUCS_SOURCES = ("drums", "bass", "other", "vocals")


class SeparatorShape(TypedDict, total=False):
    """The keyword options of :func:`build_tiny_separator` (any subset)."""

    sample_rate: int
    channels: int
    segment: int | None
    sources: Sequence[str]
    overlap: float
    normalize: bool
    model_name: str


def build_tiny_separator(
    out_dir: Path,
    *,
    sample_rate: int = 16000,
    channels: int = 2,
    segment: int | None = 64000,
    sources: Sequence[str] = DEMUCS_SOURCES,
    overlap: float = 0.25,
    normalize: bool = False,
    model_name: str = "tiny_separation.onnx",
) -> Path:
    """Write ``<out_dir>/<model_name>`` and ``separation.json``; returns ``out_dir``.
    ``segment=None`` builds a graph with a dynamic T (and config segment 0)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    out_dir.mkdir(parents=True, exist_ok=True)
    s = len(sources)
    gains = np.array(
        [VOCALS_GAIN if n == "vocals" else (1.0 - VOCALS_GAIN) / (s - 1) for n in sources],
        dtype=np.float32,
    ).reshape(1, s, 1, 1)
    t_dim: int | str = segment if segment else "T"
    graph = helper.make_graph(
        [
            helper.make_node("Unsqueeze", ["mix", "axis1"], ["mix4"]),
            helper.make_node("Mul", ["mix4", "gains"], ["sources"]),
        ],
        "tiny_separation",
        [helper.make_tensor_value_info("mix", TensorProto.FLOAT, [1, channels, t_dim])],
        [helper.make_tensor_value_info("sources", TensorProto.FLOAT, [1, s, channels, t_dim])],
        initializer=[
            numpy_helper.from_array(gains, "gains"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="taura-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(out_dir / model_name))
    config = {
        "sample_rate": sample_rate,
        "channels": channels,
        "segment": segment or 0,
        "overlap": overlap,
        "sources": list(sources),
        "io": "waveform",
        "input_name": "mix",
        "output_name": "sources",
        "normalize": normalize,
    }
    (out_dir / "separation.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    return out_dir


def install_tiny_separator(
    store_root: Path, name: str = "htdemucs", **shape: Unpack[SeparatorShape]
) -> Path:
    """Build the tiny model and install it as ``separation/<name>`` in the store at
    ``store_root`` through the store's own installer (``.complete`` manifest written last)."""
    from taura_desktop.modelstore.store import ModelStore

    store = ModelStore(store_root)
    ws = store.new_workspace("tiny")
    try:
        build_tiny_separator(ws, **shape)
        return store.install_from_dir(ws, "separation", name, source="test:tiny",
                                      license="MIT").path
    finally:
        shutil.rmtree(ws, ignore_errors=True)  # gone already when installed
