"""The GE2E speaker encoder (Wan et al. 2018) with the weights Resemblyzer ships.

The network: a 3-layer LSTM (40 mel channels in, 256 hidden) whose last hidden state goes
through Linear(256, 256) + ReLU and is L2-normalised. Inputs are 1.6 s partial windows
(160 frames of a 40-channel mel power spectrogram, 25 ms Hann window, 10 ms hop, 16 kHz);
an utterance's embedding is the normalised mean of its partials' embeddings.

The features are computed here with numpy and reproduce ``librosa.feature.melspectrogram``
(centred STFT with zero padding, power 2, Slaney mel filters) and Resemblyzer's volume
normalisation, so embeddings match ``resemblyzer.VoiceEncoder.embed_utterance`` without
librosa or webrtcvad. Only the weights file comes from the model store.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from taura_desktop.engines.speaker.base import EMBEDDING_SIZE, SAMPLE_RATE
from taura_desktop.errors import EngineUnavailableError

WEIGHTS_FILE = "pretrained.pt"
WEIGHTS_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
N_FFT = 400  # 25 ms
HOP = 160  # 10 ms
N_MELS = 40
PARTIAL_FRAMES = 160  # 1.6 s
HIDDEN = 256
LAYERS = 3
NORM_TARGET_DBFS = -30.0
INT16_MAX = 2**15 - 1
MIN_SAMPLES = HOP * 20  # 0.2 s: shorter clips carry no usable voice information
_BATCH = 64


# -- features ---------------------------------------------------------------------------------
def _hz_to_mel(f: np.ndarray) -> np.ndarray:
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)


def _mel_to_hz(m: np.ndarray) -> np.ndarray:
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_filters(sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """Slaney-style mel filterbank (librosa's default), shape ``(n_mels, 1 + n_fft // 2)``."""
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_pts = np.linspace(_hz_to_mel(np.array(0.0)), _hz_to_mel(np.array(sr / 2.0)), n_mels + 2)
    mel_f = _mel_to_hz(mel_pts)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels])
    out: np.ndarray = (weights * enorm[:, None]).astype(np.float32)
    return out


_FILTERS = mel_filters()
_WINDOW = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)  # periodic Hann


def mel_spectrogram(wav: np.ndarray) -> np.ndarray:
    """Mel power spectrogram, shape ``(frames, 40)``, frames = 1 + len // 160 (centred)."""
    wav = np.asarray(wav, dtype=np.float32)
    padded = np.pad(wav, N_FFT // 2)
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(
        padded, shape=(n_frames, N_FFT), strides=(padded.strides[0] * HOP, padded.strides[0])
    )
    spec = np.abs(np.fft.rfft(frames * _WINDOW, axis=1)) ** 2
    out: np.ndarray = (spec.astype(np.float32) @ _FILTERS.T).astype(np.float32)
    return out


def normalize_volume(wav: np.ndarray, target_dbfs: float = NORM_TARGET_DBFS) -> np.ndarray:
    """Raise quiet audio to ``target_dbfs`` RMS (never lowers it), as Resemblyzer does."""
    rms = float(np.sqrt(np.mean((wav.astype(np.float64) * INT16_MAX) ** 2))) if wav.size else 0.0
    if rms <= 0.0:
        return wav
    change = target_dbfs - 20 * np.log10(rms / INT16_MAX)
    if change < 0:
        return wav
    out: np.ndarray = (wav * (10 ** (change / 20))).astype(np.float32)
    return out


def partial_starts(n_samples: int, rate: float = 1.3, min_coverage: float = 0.75) -> list[int]:
    """Mel-frame starts of the 1.6 s partials covering ``n_samples`` (Resemblyzer's rule)."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    step = round((SAMPLE_RATE / rate) / HOP)
    starts = list(range(0, max(1, n_frames - PARTIAL_FRAMES + step + 1), step))
    last = starts[-1] * HOP
    coverage = (n_samples - last) / (PARTIAL_FRAMES * HOP)
    if coverage < min_coverage and len(starts) > 1:
        starts.pop()
    return starts


class Ge2eEncoder:
    """GE2E embeddings on CPU (or CUDA); one instance per worker process."""

    def __init__(self, model_dir: Path, *, device: str = "cpu", check_hash: bool = False) -> None:
        path = Path(model_dir)
        weights = path / WEIGHTS_FILE if path.is_dir() else path
        if not weights.is_file():
            raise EngineUnavailableError(
                f"{weights}: speaker model weights not found (taura models download speaker-ge2e)"
            )
        if check_hash:
            digest = hashlib.sha256(weights.read_bytes()).hexdigest()
            if digest != WEIGHTS_SHA256:
                raise EngineUnavailableError(f"{weights}: not the GE2E weights (sha256 {digest[:12]}...)")
        try:
            import torch
        except ImportError as exc:  # pragma: no cover - torch is a dependency
            raise EngineUnavailableError(f"speaker encoder needs torch: {exc}") from exc
        try:
            checkpoint = torch.load(weights, map_location="cpu", weights_only=True)
            state = checkpoint["model_state"]
        except Exception as exc:
            raise EngineUnavailableError(f"{weights}: cannot read speaker model ({exc})") from exc
        self._torch: Any = torch
        dev = "cuda" if device in ("auto", "cuda") and torch.cuda.is_available() else "cpu"
        self._device = torch.device(dev)
        self._lstm = torch.nn.LSTM(N_MELS, HIDDEN, LAYERS, batch_first=True)
        self._linear = torch.nn.Linear(HIDDEN, EMBEDDING_SIZE)
        try:
            self._lstm.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("lstm.")})
            self._linear.load_state_dict({k[7:]: v for k, v in state.items() if k.startswith("linear.")})
        except (RuntimeError, KeyError) as exc:
            raise EngineUnavailableError(f"{weights}: not a GE2E speaker model ({exc})") from exc
        self._lstm.to(self._device).eval()
        self._linear.to(self._device).eval()
        self._name = "ge2e-" + hashlib.sha256(
            b"".join(state[k].numpy().tobytes() for k in sorted(state) if k.startswith("linear."))
        ).hexdigest()[:12]

    @property
    def name(self) -> str:
        return self._name

    @property
    def device(self) -> str:
        return str(self._device)

    def _forward(self, mels: np.ndarray) -> np.ndarray:
        torch = self._torch
        out = []
        with torch.inference_mode():
            for i in range(0, len(mels), _BATCH):
                x = torch.from_numpy(mels[i : i + _BATCH]).to(self._device)
                _, (hidden, _) = self._lstm(x)
                raw = torch.relu(self._linear(hidden[-1]))
                norm = torch.linalg.vector_norm(raw, dim=1, keepdim=True).clamp_min(1e-8)
                out.append((raw / norm).cpu().numpy())
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, EMBEDDING_SIZE), np.float32)

    def embed(self, clips: list[np.ndarray]) -> np.ndarray:
        mels: list[np.ndarray] = []
        owner: list[int] = []
        for idx, clip in enumerate(clips):
            wav = normalize_volume(np.nan_to_num(np.asarray(clip, dtype=np.float32).reshape(-1)))
            if wav.size < MIN_SAMPLES:
                wav = np.pad(wav, (0, MIN_SAMPLES - wav.size))
            starts = partial_starts(wav.size)
            need = (starts[-1] + PARTIAL_FRAMES) * HOP
            if need > wav.size:
                wav = np.pad(wav, (0, need - wav.size))
            mel = mel_spectrogram(wav)
            for s in starts:
                mels.append(mel[s : s + PARTIAL_FRAMES])
                owner.append(idx)
        if not mels:
            return np.zeros((0, EMBEDDING_SIZE), np.float32)
        partial = self._forward(np.stack(mels))
        result = np.zeros((len(clips), EMBEDDING_SIZE), np.float32)
        np.add.at(result, np.asarray(owner), partial)
        norms = np.linalg.norm(result, axis=1, keepdims=True)
        out: np.ndarray = (result / np.maximum(norms, 1e-8)).astype(np.float32)
        return out
