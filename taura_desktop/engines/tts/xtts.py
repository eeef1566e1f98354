"""Coqui XTTS-v2 voice cloning (optional ``xtts`` extra: ``pip install taura-desktop[xtts]``).

The model is loaded from a LOCAL folder (config.json, model.pth, vocab.json, optionally
speakers_xtts.pth) with ``XttsConfig`` + ``Xtts.init_from_config`` + ``load_checkpoint``.
Speaker conditioning latents are computed once per reference (a speaker's clean source
segments, resolved to samples by the caller) and cached in the engine.

XTTS-v2 weights are under the Coqui Public Model License (non-commercial use only): the
editor shows ``LICENSE_NOTICE`` before first use and passes ``license_accepted=True``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from taura_desktop.core.model import VoiceSpec
from taura_desktop.engines.tts.base import (
    SynthRequest,
    SynthResult,
    VoiceInfo,
    as_mono_float32,
    effective_speed,
)
from taura_desktop.engines.versions import dist_version
from taura_desktop.errors import BadInputError, EngineUnavailableError, first_line

LICENSE_NOTICE = (
    "XTTS-v2 model weights are licensed under the Coqui Public Model License 1.0.0 "
    "(https://coqui.ai/cpml): non-commercial use only. Output made with them may not be used "
    "commercially. Accept to continue."
)
REQUIRED_FILES = ("config.json", "model.pth", "vocab.json")
LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "pl", "tr", "ru", "nl", "cs", "ar", "zh-cn",
             "ja", "hu", "ko", "hi")
OUTPUT_SAMPLE_RATE = 24000
_INSTALL_HINT = "install the xtts extra (pip install 'taura-desktop[xtts]')"


def require_license_accepted(accepted: bool) -> None:
    if not accepted:
        raise EngineUnavailableError(
            "xtts: the Coqui Public Model License (non-commercial) has not been accepted; "
            "accept it in Settings > Voices before using XTTS-v2"
        )


def model_version(model_dir: Path) -> str:
    """Identity of the model for clip cache keys, known without loading it."""
    pkg = dist_version("coqui-tts") or "unknown"
    return f"coqui-tts {pkg}:xtts-v2:{(model_dir / 'model.pth').stat().st_size}"


def check_model_dir(model_dir: Path) -> None:
    """Raise EngineUnavailableError (exit 4) naming the first missing file."""
    if not model_dir.is_dir():
        raise EngineUnavailableError(
            f"xtts model folder {model_dir}: not found; install XTTS-v2 into the model store"
        )
    for name in REQUIRED_FILES:
        if not (model_dir / name).is_file():
            raise EngineUnavailableError(f"xtts model folder {model_dir}: {name} missing; reinstall XTTS-v2")


def xtts_language(lang: str) -> str:
    code = lang.strip().lower().replace("_", "-")
    if code in ("zh", "zh-cn", "zh-hans", "cmn"):
        return "zh-cn"
    base = code.split("-")[0]
    if base not in LANGUAGES:
        raise EngineUnavailableError(f"xtts: language '{lang}' is not supported by XTTS-v2")
    return base


def reference_key(voice: VoiceSpec) -> str:
    """Which cached speaker latents a request uses: the voice name, else its reference ids."""
    if voice.voice:
        return voice.voice
    if voice.reference_segment_ids:
        return "ref:" + hashlib.sha1("\n".join(voice.reference_segment_ids).encode()).hexdigest()[:16]
    return ""


def _import_tts() -> tuple[Any, Any, Any]:
    try:
        import torch
        from TTS.tts.configs.xtts_config import XttsConfig
        from TTS.tts.models.xtts import Xtts
    except ImportError as exc:
        raise EngineUnavailableError(
            f"xtts: coqui-tts is not installed ({exc.name}); {_INSTALL_HINT}"
        ) from None
    return torch, XttsConfig, Xtts


class XttsEngine:
    name = "xtts"

    def __init__(self, model_dir: Path, device: str = "auto", *, license_accepted: bool = False,
                 temperature: float = 0.75) -> None:
        require_license_accepted(license_accepted)
        model_dir = Path(model_dir)
        check_model_dir(model_dir)
        torch, xtts_config_cls, xtts_cls = _import_tts()
        self._torch = torch
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = device
        self.model_dir = model_dir
        self.temperature = temperature
        try:
            config = xtts_config_cls()
            config.load_json(str(model_dir / "config.json"))
            model = xtts_cls.init_from_config(config)
            model.load_checkpoint(config, checkpoint_dir=str(model_dir), eval=True)
            model.to(device)
        except Exception as exc:
            first = first_line(exc)
            raise EngineUnavailableError(f"xtts model folder {model_dir}: cannot load ({first})") from None
        self._config = config
        self._model = model
        args = getattr(config, "model_args", None)
        self.sample_rate = int(getattr(args, "output_sample_rate", OUTPUT_SAMPLE_RATE) or OUTPUT_SAMPLE_RATE)
        self._latents: dict[str, tuple[Any, Any]] = {}
        self._ref_digest: dict[str, str] = {}
        self.version = model_version(model_dir)

    # -- voices / references ---------------------------------------------------------------
    def builtin_speakers(self) -> list[str]:
        mgr = getattr(self._model, "speaker_manager", None)
        speakers = getattr(mgr, "speakers", None) or {}
        return [str(s) for s in speakers]

    def voices(self, lang: str | None = None) -> list[VoiceInfo]:
        if lang is not None:
            try:
                xtts_language(lang)
            except EngineUnavailableError:
                return []
        return [VoiceInfo(id=s, name=s, languages=LANGUAGES) for s in self.builtin_speakers()]

    def set_reference(self, speaker_key: str, samples: np.ndarray, sr: int) -> None:
        """Compute (once per distinct audio) the conditioning latents for ``speaker_key``."""
        x = as_mono_float32(samples)
        if len(x) < sr // 2:
            raise BadInputError(f"xtts reference for '{speaker_key}': under 0.5 s of audio")
        digest = hashlib.sha1(x.tobytes() + str(sr).encode()).hexdigest()
        if self._ref_digest.get(speaker_key) == digest:
            return
        torch = self._torch
        audio = torch.from_numpy(x).unsqueeze(0)
        model = self._model
        cfg = self._config
        with torch.inference_mode():
            audio = audio.to(self.device)
            gpt = model.get_gpt_cond_latents(
                audio, sr,
                length=int(getattr(cfg, "gpt_cond_len", 30)),
                chunk_length=int(getattr(cfg, "gpt_cond_chunk_len", 4)),
            )
            spk = model.get_speaker_embedding(audio, sr)
        self._latents[speaker_key] = (gpt, spk)
        self._ref_digest[speaker_key] = digest

    def _conditioning(self, voice: VoiceSpec) -> tuple[Any, Any]:
        key = reference_key(voice)
        if key in self._latents:
            return self._latents[key]
        mgr = getattr(self._model, "speaker_manager", None)
        speakers = getattr(mgr, "speakers", None) or {}
        if voice.voice and voice.voice in speakers:
            gpt, spk = speakers[voice.voice].values()
            return gpt, spk
        raise BadInputError(f"xtts voice '{key or '(unnamed)'}': no reference audio set for this speaker")

    # -- synthesis -----------------------------------------------------------------------
    def synthesize(self, req: SynthRequest, reference: tuple[np.ndarray, int] | None = None) -> SynthResult:
        if not req.text.strip():
            raise BadInputError("xtts: empty text: nothing to synthesize")
        if reference is not None:
            self.set_reference(reference_key(req.voice), reference[0], reference[1])
        gpt, spk = self._conditioning(req.voice)
        out = self._model.inference(
            req.text, xtts_language(req.lang), gpt, spk,
            temperature=self.temperature, speed=effective_speed(req), enable_text_splitting=True,
        )
        wav = out["wav"] if isinstance(out, dict) else out
        if hasattr(wav, "detach"):
            wav = wav.detach().cpu().numpy()
        return SynthResult(samples=as_mono_float32(np.asarray(wav)), sample_rate=self.sample_rate)

    def synthesize_batch(self, reqs: Sequence[SynthRequest]) -> list[SynthResult]:
        return [self.synthesize(r) for r in reqs]


def pick_reference(
    segments: Sequence[tuple[str, int, int, bool]],
    speech_regions: Sequence[tuple[int, int]] | None,
    min_total_ms: int = 6000,
    max_total_ms: int = 15000,
    *,
    min_segment_ms: int = 1000,
    min_coverage: float = 0.6,
) -> list[str]:
    """Choose one speaker's clean segments as the XTTS cloning reference.

    ``segments``: (id, start_ms, end_ms, overlap_flag) of that speaker. ``speech_regions``:
    VAD speech intervals (ms) of the media, or None when unknown (every segment counts as
    fully voiced). Overlapped segments, segments under ``min_segment_ms`` and segments whose
    VAD coverage is under ``min_coverage`` are skipped; the best-covered ones are taken until
    ``min_total_ms`` is reached, never exceeding ``max_total_ms``. Ids come back in time order;
    fewer than ``min_total_ms`` when the speaker has too little clean speech ([] when none).
    """
    regions = sorted(speech_regions) if speech_regions is not None else None

    def coverage(start: int, end: int) -> float:
        if regions is None:
            return 1.0
        covered = 0
        for rs, re_ in regions:
            if re_ <= start:
                continue
            if rs >= end:
                break
            covered += min(end, re_) - max(start, rs)
        return covered / (end - start)

    cands: list[tuple[float, int, str, int]] = []
    for seg_id, start, end, overlap in segments:
        dur = end - start
        if overlap or dur < min_segment_ms:
            continue
        cov = coverage(start, end)
        if cov < min_coverage:
            continue
        cands.append((cov, dur, seg_id, start))
    # best coverage first; among equals, longer segments (fewer joins)
    cands.sort(key=lambda c: (-round(c[0], 2), -c[1], c[3]))
    chosen: list[tuple[int, str]] = []
    total = 0
    for _cov, dur, seg_id, start in cands:
        if total >= min_total_ms:
            break
        if total + dur > max_total_ms:
            continue
        chosen.append((start, seg_id))
        total += dur
    return [seg_id for _start, seg_id in sorted(chosen)]
