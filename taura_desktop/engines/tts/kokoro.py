"""Kokoro-82M v1.0 (int8 ONNX): a multilingual neural voice fed espeak-ng phonemes.

A model folder holds the ONNX graph (``*.onnx``), the model's ``vocab.json`` ({"vocab": {symbol:
id}}) and the voice style tables (``voices*.npz``: one ``(510, 1, 256)`` array per voice). The
graph takes ``tokens`` int64 [1, T] (ids padded with 0 at both ends, at most 510 ids between),
``style`` float32 [1, 256] (the voice's row for the number of ids) and ``speed`` float32 [1];
it returns 24 kHz float32 audio. Phonemes: see ``phonemes``.

``onnxruntime`` is imported when the model is loaded (once per worker process), with the CUDA
execution provider when onnxruntime offers it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from taura_desktop.device import onnx_cuda_available
from taura_desktop.engines.tts.base import SynthRequest, SynthResult, VoiceInfo, effective_speed
from taura_desktop.engines.tts.espeak import espeak_version
from taura_desktop.engines.tts.phonemes import KOKORO_LANGUAGES, phonemize, split_ids
from taura_desktop.engines.versions import dist_version
from taura_desktop.errors import BadInputError, EngineUnavailableError, first_line
from taura_desktop.languages import language_tag

SAMPLE_RATE = 24000
MAX_TOKENS = 510  # ids between the two pads (the model's context is 512)
STYLE_ROWS = 510
# Voice order for speakers: alternate female/male so neighbouring speakers differ.
PREFERRED_ORDER: tuple[str, ...] = ("jf_alpha", "jm_kumo", "jf_gongitsune", "jf_nezumi", "jf_tebukuro")


def model_files(folder: Path) -> tuple[Path, Path, Path]:
    """(onnx, vocab.json, voices npz) of a Kokoro model folder; EngineUnavailableError naming
    what is missing."""
    folder = Path(folder)
    if not folder.is_dir():
        raise EngineUnavailableError(f"kokoro model {folder}: folder not found; install kokoro-82m first")
    onnx = sorted(folder.glob("*.onnx"))
    npz = sorted(folder.glob("voices*.npz")) or sorted(folder.glob("*.npz"))
    vocab = folder / "vocab.json"
    found = (("*.onnx", bool(onnx)), ("vocab.json", vocab.is_file()), ("voices*.npz", bool(npz)))
    missing = [n for n, ok in found if not ok]
    if missing:
        raise EngineUnavailableError(f"kokoro model {folder}: missing {', '.join(missing)}")
    return onnx[0], vocab, npz[0]


def model_version(folder: Path) -> str:
    """Identity of the model for clip cache keys, known without loading anything."""
    onnx, _vocab, npz = model_files(folder)
    ort = dist_version("onnxruntime") or "unknown"
    return (f"kokoro {onnx.stem}:{onnx.stat().st_size}:{npz.stat().st_size}"
            f"|{espeak_version()}|onnxruntime {ort}")


def voice_names(folder: Path) -> list[str]:
    """The model's voices in the order speakers get them, read without loading the model."""
    _onnx, _vocab, npz = model_files(folder)
    try:
        with np.load(npz) as data:
            names = [str(n) for n in data.files]
    except (OSError, ValueError) as exc:
        raise BadInputError(f"kokoro voices {npz}: unreadable ({exc})") from None
    return _ordered(names)


def _ordered(names: Sequence[str]) -> list[str]:
    known = [v for v in PREFERRED_ORDER if v in names]
    return known + sorted(v for v in names if v not in known)


def read_vocab(path: Path) -> dict[str, int]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"kokoro vocab {path}: invalid JSON ({exc})") from None
    vocab = data.get("vocab") if isinstance(data, dict) else None
    if not isinstance(vocab, dict) or not vocab or not all(
        isinstance(k, str) and isinstance(v, int) for k, v in vocab.items()
    ):
        raise BadInputError(f"kokoro vocab {path}: expected {{\"vocab\": {{symbol: id}}}}")
    return vocab


def read_voices(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path) as npz:
            voices = {k: np.asarray(npz[k], dtype=np.float32) for k in npz.files}
    except (OSError, ValueError) as exc:
        raise BadInputError(f"kokoro voices {path}: unreadable ({exc})") from None
    bad = [k for k, v in voices.items() if v.ndim < 2 or v.shape[-1] != 256]
    if not voices or bad:
        raise BadInputError(f"kokoro voices {path}: expected arrays of shape (rows, 1, 256)")
    return {k: v.reshape(v.shape[0], 256) for k, v in voices.items()}


class KokoroEngine:
    """One loaded Kokoro model with all its voices (per worker process)."""

    name = "kokoro"

    def __init__(self, folder: Path, use_cuda: bool | Literal["auto"] = "auto") -> None:
        self.folder = Path(folder)
        onnx, vocab_path, voices_path = model_files(self.folder)
        self.version = model_version(self.folder)
        self.vocab = read_vocab(vocab_path)
        self.styles = read_voices(voices_path)
        try:
            import onnxruntime as ort
        except ImportError:
            raise EngineUnavailableError(
                "kokoro: the onnxruntime package is not installed (pip install onnxruntime)"
            ) from None
        self.use_cuda = onnx_cuda_available() if use_cuda == "auto" else bool(use_cuda)
        providers = ["CPUExecutionProvider"]
        if self.use_cuda:
            providers.insert(0, "CUDAExecutionProvider")
        opts = ort.SessionOptions()
        # no busy-waiting between operators: on a shared or busy CPU spinning threads burn the
        # cores other work needs (measured: ~30 % more CPU per second of speech)
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session: Any = ort.InferenceSession(str(onnx), sess_options=opts, providers=providers)
        except Exception as exc:  # onnxruntime raises its own exception types
            first = first_line(exc)
            raise BadInputError(f"kokoro model {onnx}: cannot load ({first})") from None
        names = {i.name for i in self._session.get_inputs()}
        if not {"tokens", "style", "speed"} <= names:
            raise BadInputError(f"kokoro model {onnx}: inputs {sorted(names)}, expected tokens/style/speed")
        self.sample_rate = SAMPLE_RATE

    # -- voices -------------------------------------------------------------------------
    def voice_ids(self) -> list[str]:
        """Voice names, in the order speakers get them by default."""
        return _ordered(list(self.styles))

    def voices(self, lang: str | None = None) -> list[VoiceInfo]:
        if lang is not None and language_tag(lang).split("-")[0] not in KOKORO_LANGUAGES:
            return []
        return [
            VoiceInfo(id=v, name=v, languages=KOKORO_LANGUAGES,
                      gender={"f": "female", "m": "male"}.get(v.split("_")[0][-1:]))
            for v in self.voice_ids()
        ]

    def _style(self, voice: str) -> np.ndarray:
        name = voice or self.voice_ids()[0]
        style = self.styles.get(name)
        if style is None:
            raise EngineUnavailableError(
                f"kokoro: unknown voice '{name}' (voices: {', '.join(self.voice_ids())})"
            )
        return style

    # -- synthesis ----------------------------------------------------------------------
    def _run(self, ids: list[int], style: np.ndarray, speed: float) -> np.ndarray:
        row = style[min(len(ids), len(style) - 1, STYLE_ROWS - 1)]
        out = self._session.run(None, {
            "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
            "style": np.asarray(row, dtype=np.float32).reshape(1, 256),
            "speed": np.array([speed], dtype=np.float32),
        })[0]
        return np.asarray(out, dtype=np.float32).reshape(-1)

    def synthesize(self, req: SynthRequest) -> SynthResult:
        return self.synthesize_batch([req])[0]

    def synthesize_batch(self, reqs: Sequence[SynthRequest]) -> list[SynthResult]:
        """Phonemes for each language in one espeak-ng call, then one model run per line (per
        510-id piece of a very long line)."""
        for r in reqs:
            if not r.text.strip():
                raise BadInputError("kokoro: empty text: nothing to synthesize")
        styles = [self._style(r.voice.voice) for r in reqs]
        phonemes: list[str] = [""] * len(reqs)
        by_lang: dict[str, list[int]] = {}
        for i, r in enumerate(reqs):
            by_lang.setdefault(r.lang, []).append(i)
        for lang, idx in by_lang.items():
            for i, ph in zip(idx, phonemize([reqs[i].text for i in idx], lang), strict=True):
                phonemes[i] = ph
        out: list[SynthResult] = []
        for r, ph, style in zip(reqs, phonemes, styles, strict=True):
            pieces = split_ids(ph, self.vocab, MAX_TOKENS)
            if not pieces:
                raise BadInputError(f"kokoro: nothing speakable in {r.text[:40]!r}")
            speed = effective_speed(r)
            audio = [self._run(p, style, speed) for p in pieces]
            out.append(SynthResult(samples=np.concatenate(audio), sample_rate=SAMPLE_RATE))
        return out
