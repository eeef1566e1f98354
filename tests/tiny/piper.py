"""A tiny fake piper voice built at test time (no weights): runs piper's real phonemization,
id mapping, ONNX session and audio handling.

The graph maps phoneme ids to a tone per id, ``hop`` x ``length_scale`` samples per id, so
output length follows the phoneme count and the length scale like a real VITS voice.
"""

from __future__ import annotations

import json
from pathlib import Path

HOP = 256


def build_tiny_piper_voice(out_dir: Path, *, name: str = "tiny", sample_rate: int = 22050,
                           espeak_voice: str = "es") -> Path:
    import onnx
    from onnx import TensorProto, helper
    from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

    out_dir.mkdir(parents=True, exist_ok=True)
    num_symbols = max(i for ids in DEFAULT_PHONEME_ID_MAP.values() for i in ids) + 1

    def const(name: str, vals: list[float] | list[int], dtype: int) -> onnx.NodeProto:
        return helper.make_node(
            "Constant", [], [name],
            value=helper.make_tensor(name + "_v", dtype, [len(vals)], vals),
        )

    nodes = [
        const("one_i", [1], TensorProto.INT64),
        const("idx1", [1], TensorProto.INT64),
        const("hop", [float(HOP)], TensorProto.FLOAT),
        const("step", [0.004], TensorProto.FLOAT),
        const("base", [0.05], TensorProto.FLOAT),
        const("shape3", [1, 1, -1], TensorProto.INT64),
        # repeats per phoneme id = hop * length_scale
        helper.make_node("Gather", ["scales", "idx1"], ["ls"], axis=0),
        helper.make_node("Mul", ["ls", "hop"], ["rep_f"]),
        helper.make_node("Cast", ["rep_f"], ["rep"], to=TensorProto.INT64),
        helper.make_node("Concat", ["one_i", "rep"], ["repeats"], axis=0),
        helper.make_node("Cast", ["input"], ["ids_f"], to=TensorProto.FLOAT),
        helper.make_node("Tile", ["ids_f", "repeats"], ["tiled"]),
        # per-sample phase increment depends on the id: a tone per phoneme
        helper.make_node("Mul", ["tiled", "step"], ["inc0"]),
        helper.make_node("Add", ["inc0", "base"], ["inc"]),
        helper.make_node("CumSum", ["inc", "one_i_s"], ["phase"]),
        helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("Reshape", ["wave", "shape3"], ["output"]),
    ]
    axis = helper.make_tensor("one_i_s", TensorProto.INT64, [], [1])
    graph = helper.make_graph(
        nodes,
        "tiny_piper",
        [
            helper.make_tensor_value_info("input", TensorProto.INT64, [1, None]),
            helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, None])],
        initializer=[axis],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx_path = out_dir / f"{name}.onnx"
    onnx.save(model, str(onnx_path))
    config = {
        "audio": {"sample_rate": sample_rate, "quality": "x_low"},
        "espeak": {"voice": espeak_voice},
        "language": {"code": espeak_voice},
        "phoneme_type": "espeak",
        "num_symbols": num_symbols,
        "num_speakers": 1,
        "speaker_id_map": {},
        "phoneme_id_map": DEFAULT_PHONEME_ID_MAP,
        "inference": {"noise_scale": 0.667, "length_scale": 1.0, "noise_w": 0.8},
        "piper_version": "1.0.0",
    }
    (out_dir / f"{name}.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    return onnx_path
