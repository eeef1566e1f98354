"""A waveform source-separation model (Demucs / HT-Demucs exported to ONNX) run with onnxruntime.

The model folder (``<store>/separation/<name>/``) holds one ``*.onnx`` graph and a
``separation.json``::

    {
      "sample_rate": 44100,            # the model's rate (input is resampled to it)
      "channels": 2,                   # C
      "segment": 343980,               # frames per model call (0: any length in one call)
      "overlap": 0.25,                 # fraction of a segment shared by neighbouring calls
      "sources": ["drums", "bass", "other", "vocals"],   # output order
      "vocals": "vocals",              # optional: the voice source (default "vocals")
      "io": "waveform",                # input [1, C, T] float32 -> output [1, S, C, T]
      "input_name": "mix",             # optional (default: the graph's first input)
      "output_name": "sources",        # optional (default: the graph's first output)
      "normalize": false,              # optional: standardise input like demucs' apply_model
      "model": "htdemucs.onnx"         # optional when the folder has exactly one .onnx
    }

background = the sum of every source that is not the voice. Long input is cut into
``segment``-frame calls (the last one zero-padded) combined with triangular weights, the
same scheme as demucs' own ``apply_model``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from taura_desktop.engines.separation.base import SeparationResult
from taura_desktop.errors import BadInputError, EngineUnavailableError, UsageError, first_line
from taura_desktop.media.audio_io import resample

log = logging.getLogger(__name__)

CONFIG_NAME = "separation.json"
DEVICES = ("auto", "cpu", "cuda")


def _how_to_get(name: str) -> str:
    return f"import an exported model with `taura models import PATH --engine separation --name {name}`"


@dataclass(frozen=True, slots=True)
class SeparationConfig:
    sample_rate: int
    channels: int
    segment: int
    overlap: float
    sources: tuple[str, ...]
    vocals: str
    io: str = "waveform"
    input_name: str | None = None
    output_name: str | None = None
    normalize: bool = False
    model: str | None = None

    @property
    def vocals_index(self) -> int:
        return self.sources.index(self.vocals)


def _bad(cfg: Path, problem: str) -> BadInputError:
    return BadInputError(f"{cfg}: bad separation config: {problem}")


def _int(data: dict[str, Any], key: str, cfg: Path, *, minimum: int, default: int | None = None) -> int:
    v = data.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise _bad(cfg, f"{key} must be an integer >= {minimum} (got {v!r})")
    return v


def _opt_str(data: dict[str, Any], key: str, cfg: Path) -> str | None:
    v = data.get(key)
    if v is not None and (not isinstance(v, str) or not v):
        raise _bad(cfg, f"{key} must be a non-empty string (got {v!r})")
    return v


def parse_config(cfg: Path, text: str) -> SeparationConfig:
    """Validate ``separation.json``; BadInputError (one line) naming the first problem."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad(cfg, f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise _bad(cfg, "expected a JSON object")
    sr = _int(data, "sample_rate", cfg, minimum=1000)
    channels = _int(data, "channels", cfg, minimum=1)
    if channels > 8:
        raise _bad(cfg, f"channels must be 1..8 (got {channels})")
    seg_raw = data.get("segment", 0)
    segment = _int({"segment": 0 if seg_raw is None else seg_raw}, "segment", cfg, minimum=0)
    ov = data.get("overlap", 0.25)
    if isinstance(ov, bool) or not isinstance(ov, int | float) or not 0 <= ov < 1:
        raise _bad(cfg, f"overlap must be a number in [0, 1) (got {ov!r})")
    sources = data.get("sources")
    if (not isinstance(sources, list) or len(sources) < 2
            or not all(isinstance(s, str) and s for s in sources) or len(set(sources)) != len(sources)):
        raise _bad(cfg, "sources must be a list of two or more distinct names")
    vocals = data.get("vocals", "vocals")
    if not isinstance(vocals, str) or vocals not in sources:
        raise _bad(cfg, f"voice source {vocals!r} is not one of the sources {sources}")
    io = data.get("io", "waveform")
    if io != "waveform":
        raise _bad(cfg, f"io {io!r} is not supported (only 'waveform': [1, C, T] -> [1, S, C, T])")
    normalize = data.get("normalize", False)
    if not isinstance(normalize, bool):
        raise _bad(cfg, f"normalize must be true or false (got {normalize!r})")
    return SeparationConfig(
        sample_rate=sr, channels=channels, segment=segment, overlap=float(ov),
        sources=tuple(sources), vocals=vocals, io=io,
        input_name=_opt_str(data, "input_name", cfg), output_name=_opt_str(data, "output_name", cfg),
        normalize=normalize, model=_opt_str(data, "model", cfg),
    )


def _model_file(model_dir: Path, cfg: SeparationConfig) -> Path:
    name = model_dir.name
    if cfg.model is not None:
        p = model_dir / cfg.model
        if p.parent != model_dir or not p.is_file():
            raise EngineUnavailableError(
                f"separation model '{name}': {p} is missing; {_how_to_get(name)}"
            )
        return p
    onnx = sorted(model_dir.glob("*.onnx"))
    if not onnx:
        raise EngineUnavailableError(
            f"separation model '{name}': no .onnx file in {model_dir}; {_how_to_get(name)}"
        )
    if len(onnx) > 1:
        raise BadInputError(
            f"{model_dir / CONFIG_NAME}: bad separation config: several .onnx files, "
            "name one with \"model\""
        )
    return onnx[0]


def load_config(model_dir: Path) -> tuple[SeparationConfig, Path, bytes]:
    """(config, onnx path, raw config bytes) of a model folder. EngineUnavailableError (exit 4)
    when the folder or a file is missing, BadInputError for a malformed config."""
    model_dir = Path(model_dir)
    name = model_dir.name
    if not model_dir.is_dir():
        raise EngineUnavailableError(
            f"separation model '{name}' is not installed ({model_dir} not found); {_how_to_get(name)}"
        )
    cfg_path = model_dir / CONFIG_NAME
    try:
        raw = cfg_path.read_bytes()
    except FileNotFoundError:
        raise EngineUnavailableError(
            f"separation model '{name}': {CONFIG_NAME} is missing in {model_dir}; {_how_to_get(name)}"
        ) from None
    except OSError as exc:
        raise BadInputError(f"{cfg_path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad(cfg_path, "not UTF-8 text") from None
    cfg = parse_config(cfg_path, text)
    return cfg, _model_file(model_dir, cfg), raw


def model_version(model_dir: Path) -> str:
    """A short id of the model's weights + config, cheap to compute (no session is created):
    the sha256 recorded in the store's ``.complete`` manifest when there is one, else the
    file's size and modification time."""
    _cfg, onnx, raw = load_config(model_dir)
    h = hashlib.sha256(raw)
    digest = ""
    manifest = Path(model_dir) / ".complete"
    if manifest.is_file():
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            for f in data.get("files", []):
                if isinstance(f, dict) and f.get("path") == onnx.name:
                    digest = str(f.get("sha256", ""))
        except (OSError, ValueError, AttributeError):
            digest = ""
    if not digest:
        st = onnx.stat()
        digest = f"{st.st_size}:{st.st_mtime_ns}"
    h.update(onnx.name.encode() + b"\0" + digest.encode())
    return h.hexdigest()[:16]


def _providers(device: str) -> list[str]:
    import onnxruntime

    available = set(onnxruntime.get_available_providers())
    if device not in DEVICES:
        raise UsageError(f"separation: unknown device {device!r} (use auto, cpu or cuda)")
    cuda = "CUDAExecutionProvider" in available
    if device == "cuda" and not cuda:
        raise EngineUnavailableError(
            "separation: device cuda requested but onnxruntime has no CUDA provider "
            "(install onnxruntime-gpu or use --device cpu)"
        )
    if device in ("auto", "cuda") and cuda:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def _weights(n: int) -> np.ndarray:
    """Triangular weights (demucs' apply_model with transition_power 1), all > 0."""
    half = np.arange(1, n // 2 + 1, dtype=np.float32)
    w = np.concatenate([half, np.arange(n - n // 2, 0, -1, dtype=np.float32)])
    return np.asarray(w / w.max())


class OnnxSeparator:
    """A waveform separation ONNX model (see the module docstring for the folder layout)."""

    def __init__(self, model_dir: Path, device: str = "auto") -> None:
        self.model_dir = Path(model_dir)
        self.config, self.model_path, _raw = load_config(self.model_dir)
        self.name = self.model_dir.name
        self.version = model_version(self.model_dir)
        self.sample_rate = self.config.sample_rate
        self.channels = self.config.channels
        providers = _providers(device)
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        opts.log_severity_level = 3
        try:
            self._session = onnxruntime.InferenceSession(
                str(self.model_path), sess_options=opts, providers=providers
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            first = first_line(exc)
            raise BadInputError(f"{self.model_path}: cannot load ONNX model ({first[:200]})") from None
        self.providers = list(self._session.get_providers())
        inputs = self._session.get_inputs()
        outputs = self._session.get_outputs()
        self._input = self.config.input_name or inputs[0].name
        self._output = self.config.output_name or outputs[0].name
        if self._input not in {i.name for i in inputs}:
            raise _bad(self.model_dir / CONFIG_NAME,
                       f"input_name {self._input!r} is not an input of {self.model_path.name}")
        if self._output not in {o.name for o in outputs}:
            raise _bad(self.model_dir / CONFIG_NAME,
                       f"output_name {self._output!r} is not an output of {self.model_path.name}")
        log.debug("separation %s on %s", self.name, self.providers)

    def __repr__(self) -> str:
        return f"OnnxSeparator({str(self.model_dir)!r}, providers={self.providers})"

    # -- one model call
    def _call(self, x: np.ndarray) -> np.ndarray:
        """x: (C, T) -> (S, C, T)."""
        c, t = x.shape
        try:
            (y,) = self._session.run([self._output], {self._input: x[None].astype(np.float32)})
        except Exception as exc:
            first = first_line(exc)
            raise BadInputError(f"{self.model_path}: model run failed ({first[:200]})") from None
        y = np.asarray(y, dtype=np.float32)
        s = len(self.config.sources)
        if y.shape != (1, s, c, t):
            raise BadInputError(
                f"{self.model_path}: output shape {list(y.shape)} does not match the config "
                f"(expected [1, {s}, {c}, {t}])"
            )
        return np.asarray(y[0])

    def _split(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x: (C, n) -> (vocals (C, n), background (C, n)), segment by segment."""
        c, n = x.shape
        vi = self.config.vocals_index
        seg = self.config.segment

        def both(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            v = y[vi]
            return v, y.sum(axis=0) - v

        if seg <= 0:
            return both(self._call(x))
        if n <= seg:
            pad = np.zeros((c, seg), np.float32)
            pad[:, :n] = x
            v, b = both(self._call(pad))
            return v[:, :n], b[:, :n]
        stride = max(1, seg - round(seg * self.config.overlap))
        w = _weights(seg)
        vocals = np.zeros((c, n), np.float32)
        backgr = np.zeros((c, n), np.float32)
        total_w = np.zeros(n, np.float32)
        offset = 0
        while True:
            part = x[:, offset : offset + seg]
            m = part.shape[1]
            if m < seg:
                part = np.pad(part, ((0, 0), (0, seg - m)))
            v, b = both(self._call(part))
            vocals[:, offset : offset + m] += w[:m] * v[:, :m]
            backgr[:, offset : offset + m] += w[:m] * b[:, :m]
            total_w[offset : offset + m] += w[:m]
            if offset + seg >= n:
                break
            offset += stride
        return vocals / total_w, backgr / total_w

    def separate(self, samples: np.ndarray, sr: int) -> SeparationResult:
        x = np.asarray(samples, dtype=np.float32)
        if x.ndim not in (1, 2):
            raise UsageError(f"separation: samples must be (n,) or (n, channels), got {x.shape}")
        mono = x.ndim == 1
        if sr != self.sample_rate:
            x = resample(x, sr, self.sample_rate)
        frames = x.reshape(-1, 1) if mono else x
        c_in, c = frames.shape[1], self.channels
        if c_in == c:
            model_in = frames
        elif c == 1:
            model_in = frames.mean(axis=1, keepdims=True)
        elif c_in == 1:
            model_in = np.repeat(frames, c, axis=1)
        else:
            model_in = frames[:, :c] if c_in > c else np.pad(frames, ((0, 0), (0, c - c_in)), mode="edge")
        n = model_in.shape[0]
        if n == 0:
            empty = np.zeros((0,) if mono else (0, c), np.float32)
            return SeparationResult(empty, empty.copy(), self.sample_rate)
        planar = np.ascontiguousarray(model_in.T, dtype=np.float32)
        mean, std = 0.0, 1.0
        if self.config.normalize:
            ref = planar.mean(axis=0)
            mean, std = float(ref.mean()), float(ref.std())
            std = std if std > 1e-8 else 1.0
            planar = (planar - mean) / std
        v, b = self._split(planar)
        if self.config.normalize:
            v = v * std
            b = b * std + mean
        vocals, backgr = np.ascontiguousarray(v.T), np.ascontiguousarray(b.T)
        if mono:
            vocals, backgr = vocals.mean(axis=1), backgr.mean(axis=1)
        return SeparationResult(vocals.astype(np.float32), backgr.astype(np.float32), self.sample_rate)


__all__ = ["CONFIG_NAME", "OnnxSeparator", "SeparationConfig", "load_config", "model_version",
           "parse_config"]
