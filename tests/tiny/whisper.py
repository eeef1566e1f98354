"""A tiny random-weight multilingual Whisper model in CTranslate2 format (no torch).

The model goes through faster-whisper's real loading, feature extraction, decoding, word
alignment, language detection and batched pipeline; its output text is random, so tests
assert structure only. See /work/shared/notes/TINY_MODELS.md for the layout it follows.

    build_tiny_whisper(out_dir) -> out_dir  (model.bin, config.json, vocabulary.json,
                                             tokenizer.json, preprocessor_config.json)
"""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import numpy as np

D_MODEL = 64
HEADS = 2
ENC_LAYERS = 2
DEC_LAYERS = 2
N_MELS = 80

# Whisper's language tokens in token-id order (large-v2 layout: 99 languages).
WHISPER_LANGUAGES: tuple[str, ...] = (
    "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv",
    "it", "id", "hi", "fi", "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no",
    "th", "ur", "hr", "bg", "lt", "la", "mi", "ml", "cy", "sk", "te", "fa", "lv", "bn", "sr",
    "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy", "ne", "mn", "bs", "kk", "sq", "sw",
    "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu",
    "am", "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl",
    "mg", "as", "tt", "haw", "ln", "ha", "ba", "jw", "su",
)  # fmt: skip

EOT_ID = 50257
FIRST_LANG_ID = EOT_ID + 2  # after <|startoftranscript|>
N_TIMESTAMPS = 1501


def _byte_alphabet() -> list[str]:
    """GPT-2's byte-level alphabet in GPT-2 id order (space -> id 220 'Ġ')."""
    bs = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def _filler(i: int) -> str:
    """Unique pseudo-words of >= 3 letters; every other one starts a word ('Ġ' = space)."""
    n = i + 26 * 26 + 26  # skip 1- and 2-letter strings
    letters = ""
    while n:
        n, r = divmod(n, 26)
        letters = string.ascii_lowercase[r] + letters
    return ("Ġ" + letters) if i % 2 == 0 else letters


def whisper_vocabulary() -> list[str]:
    alphabet = _byte_alphabet()
    fillers = [_filler(i) for i in range(50256 - len(alphabet))]
    tokens = alphabet + fillers + [""]  # "" at 50256 marks the vocabulary multilingual
    assert len(tokens) == EOT_ID
    tokens += ["<|endoftext|>", "<|startoftranscript|>"]
    tokens += [f"<|{lang}|>" for lang in WHISPER_LANGUAGES]
    tokens += [
        "<|translate|>",
        "<|transcribe|>",
        "<|startoflm|>",
        "<|startofprev|>",
        "<|nocaptions|>",
        "<|notimestamps|>",
    ]
    tokens += ["<|%.2f|>" % (i * 0.02) for i in range(N_TIMESTAMPS)]
    return tokens


def _tokenizer_json(tokens: list[str]) -> dict[str, Any]:
    """A `tokenizers` BPE over the byte alphabet + fillers, ByteLevel pre-tokenizer/decoder."""
    vocab = {tok: i for i, tok in enumerate(tokens[:EOT_ID]) if tok}
    vocab["<|placeholder|>"] = EOT_ID - 1  # "" cannot be a BPE entry; keep ids aligned
    added = [
        {
            "id": i,
            "content": tok,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for i, tok in enumerate(tokens)
        if i >= EOT_ID
    ]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {
            "type": "ByteLevel",
            "add_prefix_space": False,
            "trim_offsets": True,
            "use_regex": True,
        },
        "post_processor": None,
        "decoder": {
            "type": "ByteLevel",
            "add_prefix_space": True,
            "trim_offsets": True,
            "use_regex": True,
        },
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "vocab": vocab,
            "merges": [],
        },
    }


def _build_spec(vocab_size: int, seed: int) -> Any:
    from ctranslate2.specs import whisper_spec

    rng = np.random.default_rng(seed)
    d = D_MODEL

    def w(*shape: int) -> np.ndarray:
        return rng.normal(0.0, 0.02, size=shape).astype(np.float32)

    def zeros(n: int) -> np.ndarray:
        return np.zeros(n, dtype=np.float32)

    def norm(spec: Any) -> None:
        spec.gamma = np.ones(d, dtype=np.float32)
        spec.beta = zeros(d)

    def linear(spec: Any, out: int, inp: int) -> None:
        spec.weight = w(out, inp)
        spec.bias = zeros(out)

    def ffn(spec: Any) -> None:
        norm(spec.layer_norm)
        linear(spec.linear_0, 4 * d, d)
        linear(spec.linear_1, d, 4 * d)

    def self_attention(spec: Any) -> None:
        norm(spec.layer_norm)
        linear(spec.linear[0], 3 * d, d)
        linear(spec.linear[-1], d, d)

    spec = whisper_spec.WhisperSpec(ENC_LAYERS, HEADS, DEC_LAYERS, HEADS)
    enc = spec.encoder
    enc.conv1.weight = w(d, N_MELS, 3)
    enc.conv1.bias = zeros(d)
    enc.conv2.weight = w(d, d, 3)
    enc.conv2.bias = zeros(d)
    enc.position_encodings.encodings = w(1500, d)
    norm(enc.layer_norm)
    for layer in enc.layer:
        self_attention(layer.self_attention)
        ffn(layer.ffn)

    dec = spec.decoder
    emb = w(vocab_size, d)
    dec.embeddings.weight = emb
    dec.position_encodings.encodings = w(448, d)
    norm(dec.layer_norm)
    dec.projection.weight = emb  # tied, as in Whisper
    for layer in dec.layer:
        self_attention(layer.self_attention)
        norm(layer.attention.layer_norm)
        linear(layer.attention.linear[0], d, d)
        linear(layer.attention.linear[1], 2 * d, d)
        linear(layer.attention.linear[-1], d, d)
        ffn(layer.ffn)
    return spec


def build_tiny_whisper(out_dir: Path, seed: int = 0) -> Path:
    """Write a tiny multilingual Whisper model folder and return it (~6.5 MB, < 1 s)."""
    import ctranslate2

    tokens = whisper_vocabulary()
    lang_ids = list(range(FIRST_LANG_ID, FIRST_LANG_ID + len(WHISPER_LANGUAGES)))

    class _TinyWhisperConverter(ctranslate2.converters.Converter):
        def _load(self) -> Any:
            spec = _build_spec(len(tokens), seed)
            spec.register_vocabulary(tokens)
            spec.config.suppress_ids = []
            spec.config.suppress_ids_begin = [220, EOT_ID]
            spec.config.lang_ids = lang_ids
            spec.config.alignment_heads = [
                (layer, head) for layer in range(DEC_LAYERS // 2, DEC_LAYERS) for head in range(HEADS)
            ]
            return spec

    out_dir = Path(out_dir)
    _TinyWhisperConverter().convert(str(out_dir), quantization="int8", force=True)
    (out_dir / "tokenizer.json").write_text(json.dumps(_tokenizer_json(tokens)), encoding="utf-8")
    (out_dir / "preprocessor_config.json").write_text(
        json.dumps(
            {
                "feature_size": N_MELS,
                "sampling_rate": 16000,
                "hop_length": 160,
                "chunk_length": 30,
                "n_fft": 400,
            }
        ),
        encoding="utf-8",
    )
    return out_dir


if __name__ == "__main__":  # python -m tests.tiny.whisper OUT_DIR
    import sys

    print(build_tiny_whisper(Path(sys.argv[1])))
