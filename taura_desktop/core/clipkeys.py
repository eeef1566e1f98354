"""Which stored audio a voice clip uses: its natural clip and, when fitting changed it, the
fitted audio (keyed by the natural key and the fit). Pure functions of core data, shared by
the dubbing code that stores clips and the project that removes the ones nothing uses."""

from __future__ import annotations

import hashlib

from taura_desktop.core.model import FitResult, FitStatus, VoiceClip


def needs_fitted_audio(fit: FitResult) -> bool:
    return fit.speed != 1.0 or fit.status == FitStatus.OVERFLOW or fit.placed_ms != fit.natural_ms


def fitted_key(key: str, fit: FitResult) -> str:
    """Key of the fitted audio of clip ``key``; equals ``key`` when no processing is needed."""
    if not needs_fitted_audio(fit):
        return key
    blob = f"{key}|{fit.speed:.6f}|{fit.placed_ms}|{fit.status.value}"
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


def clip_audio_keys(clip: VoiceClip) -> tuple[str, ...]:
    """Every stored clip ``clip`` plays from (natural, and fitted when different)."""
    if clip.fit is None:
        return (clip.key,)
    fitted = fitted_key(clip.key, clip.fit)
    return (clip.key,) if fitted == clip.key else (clip.key, fitted)
