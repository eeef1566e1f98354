"""Tiny random-weight argostranslate packages, built at test time (see TINY_MODELS.md).

``build_tiny_argos_package`` writes a real ``.argosmodel`` zip (one top-level folder holding
metadata.json, sentencepiece.model, a CTranslate2 Transformer in model/ and a tiny rule-based
MiniSBD ONNX in minisbd/ so argostranslate's own path runs offline).
``install_tiny_argos`` unpacks the same package into the model store layout
``<packages_root>/<name>/`` and writes the ``.complete`` marker.

Output text of these models is random: assert structure, never content.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Protocol

import numpy as np

D_MODEL = 32
FFN = 64
HEADS = 2
LAYERS = 2

_WORD_TEXT = (
    "the a house is red blue green we you they go come see hello world good morning night "
    "cat dog car tree water fire city film movie scene actor editor voice sound light time "
    "day week year one two three four five and or but not very small big new old fast slow"
)
_WORDS = _WORD_TEXT.split(" ")


def _sentences(seed: int, n: int = 400) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(3, 12))]
        s = " ".join(words).capitalize() + rng.choice([".", "!", "?", ",", ""])
        out.append(s)
    return out


def _train_sentencepiece(out_dir: Path, seed: int) -> list[str]:
    import sentencepiece as spm

    prefix = out_dir / "sentencepiece"
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_sentences(seed)),
        model_prefix=str(prefix),
        vocab_size=100,
        hard_vocab_limit=False,
        model_type="unigram",
        character_coverage=1.0,
        minloglevel=2,
    )
    (out_dir / "sentencepiece.vocab").unlink(missing_ok=True)
    sp = spm.SentencePieceProcessor(model_file=str(prefix) + ".model")
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


class _LayerNormSpec(Protocol):
    """ctranslate2's LayerNormSpec, as far as the tiny model fills it."""

    gamma: np.ndarray
    beta: np.ndarray


class _LinearSpec(Protocol):
    """ctranslate2's LinearSpec, as far as the tiny model fills it."""

    weight: np.ndarray
    bias: np.ndarray


def _fill_layer_norm(ln: _LayerNormSpec, d: int) -> None:
    ln.gamma = np.ones(d, dtype=np.float32)
    ln.beta = np.zeros(d, dtype=np.float32)


def _lin(rng: np.random.Generator, spec: _LinearSpec, out_f: int, in_f: int) -> None:
    spec.weight = rng.normal(0, 0.02, (out_f, in_f)).astype(np.float32)
    spec.bias = np.zeros(out_f, dtype=np.float32)


def _build_ct2_model(model_dir: Path, vocab: list[str], seed: int) -> None:
    import ctranslate2
    from ctranslate2.specs import TransformerSpec

    rng = np.random.default_rng(seed)
    d, v = D_MODEL, len(vocab)
    spec = TransformerSpec.from_config(LAYERS, HEADS)
    enc, dec = spec.encoder, spec.decoder
    enc.embeddings[0].weight = rng.normal(0, 0.02, (v, d)).astype(np.float32)
    _fill_layer_norm(enc.layer_norm, d)
    for layer in enc.layer:
        _fill_layer_norm(layer.self_attention.layer_norm, d)
        _lin(rng, layer.self_attention.linear[0], 3 * d, d)
        _lin(rng, layer.self_attention.linear[1], d, d)
        _fill_layer_norm(layer.ffn.layer_norm, d)
        _lin(rng, layer.ffn.linear_0, FFN, d)
        _lin(rng, layer.ffn.linear_1, d, FFN)
    dec.embeddings.weight = rng.normal(0, 0.02, (v, d)).astype(np.float32)
    _fill_layer_norm(dec.layer_norm, d)
    _lin(rng, dec.projection, v, d)
    for layer in dec.layer:
        _fill_layer_norm(layer.self_attention.layer_norm, d)
        _lin(rng, layer.self_attention.linear[0], 3 * d, d)
        _lin(rng, layer.self_attention.linear[1], d, d)
        _fill_layer_norm(layer.attention.layer_norm, d)
        _lin(rng, layer.attention.linear[0], d, d)
        _lin(rng, layer.attention.linear[1], 2 * d, d)
        _lin(rng, layer.attention.linear[2], d, d)
        _fill_layer_norm(layer.ffn.layer_norm, d)
        _lin(rng, layer.ffn.linear_0, FFN, d)
        _lin(rng, layer.ffn.linear_1, d, FFN)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)

    class _Tiny(ctranslate2.converters.Converter):
        def _load(self) -> TransformerSpec:
            return spec

    _Tiny().convert(str(model_dir), quantization="int8", force=True)


def _build_minisbd(onnx_path: Path) -> None:
    """A rule-based MiniSBD model: '.', '!' and '?' end a sentence, nothing else splits."""
    import onnx
    from onnx import TensorProto, helper

    chars = [chr(c) for c in range(32, 127)]
    id2unit = ["<PAD>", "<UNK>", *chars]
    unit2id = {u: i for i, u in enumerate(id2unit)}
    table = np.full((len(id2unit), 5), -5.0, dtype=np.float32)
    table[:, 0] = 5.0
    for p in ".!?":
        table[unit2id[p]] = [-5.0, -5.0, 5.0, -5.0, -5.0]
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "units"], ["logits"], axis=0),
            helper.make_node("Identity", ["features"], ["features_out"]),
        ],
        "tiny_minisbd",
        [
            helper.make_tensor_value_info("units", TensorProto.INT64, ["B", "T"]),
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["B", "T", "F"]),
        ],
        [
            helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["B", "T", 5]),
            helper.make_tensor_value_info("features_out", TensorProto.FLOAT, ["B", "T", "F"]),
        ],
        [helper.make_tensor("table", TensorProto.FLOAT, list(table.shape), table.flatten())],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    vocab_state = {"lang": "", "idx": 0, "cutoff": 0, "lower": False,
                   "_unit2id": unit2id, "_id2unit": id2unit}
    config = {"skip_newline": False, "max_seqlen": 1000, "no_ssplit": False, "batch_size": 32,
              "feat_funcs": ["space_before"], "use_dictionary": False, "num_dict_feat": 0}
    for key, value in (("lang_code", "tiny"), ("config", json.dumps(config)),
                       ("vocab", json.dumps(vocab_state)), ("lexicon", "null")):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(onnx_path))


def package_name(from_code: str, to_code: str) -> str:
    return f"translate-{from_code}_{to_code}-1_0"


def _write_package_folder(folder: Path, from_code: str, to_code: str, seed: int,
                          target_prefix: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    metadata: dict[str, object] = {
        "package_version": "1.0",
        "argos_version": "1.0",
        "from_code": from_code,
        "from_name": from_code,
        "to_code": to_code,
        "to_name": to_code,
        "links": [],
    }
    if target_prefix:
        metadata["target_prefix"] = target_prefix
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=1), encoding="utf-8")
    vocab = _train_sentencepiece(folder, seed)
    if target_prefix and target_prefix not in vocab:
        vocab.append(target_prefix)
    _build_ct2_model(folder / "model", vocab, seed)
    (folder / "minisbd").mkdir(exist_ok=True)
    _build_minisbd(folder / "minisbd" / f"{from_code}.onnx")


def _seed(from_code: str, to_code: str) -> int:
    return sum(ord(c) for c in from_code + to_code)


def build_tiny_argos_package(out_dir: Path, from_code: str = "en", to_code: str = "es",
                             target_prefix: str = "") -> Path:
    """Write ``translate-<from>_<to>-1_0.argosmodel`` (a zip with one top folder) into out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    name = package_name(from_code, to_code)
    zip_path = out_dir / f"{name}.argosmodel"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / name
        _write_package_folder(folder, from_code, to_code, _seed(from_code, to_code), target_prefix)
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(folder.rglob("*")):
                if f.is_file():
                    zf.write(f, f.relative_to(folder.parent).as_posix())
    return zip_path


def install_tiny_argos(packages_root: Path, from_code: str = "en", to_code: str = "es",
                       target_prefix: str = "") -> Path:
    """Install an unpacked tiny package at ``<packages_root>/<name>/`` with its .complete marker."""
    packages_root = Path(packages_root)
    name = package_name(from_code, to_code)
    folder = packages_root / name
    if folder.exists():
        shutil.rmtree(folder)
    _write_package_folder(folder, from_code, to_code, _seed(from_code, to_code), target_prefix)
    (folder / ".complete").write_text(
        json.dumps({"name": name, "kind": "argos", "from_code": from_code, "to_code": to_code}),
        encoding="utf-8",
    )
    return folder
