"""The background stem for mix mode "background": the media's music and effects with the
original voice removed, computed once per (media, model version) and cached as a WAV.

Free of project/database code: the caller passes the media path, a fingerprint of the media
(e.g. ``f"{media.head_sha1}-{media.size}"``) and the cache folder.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from taura_desktop.engines.separation.base import Cancel, Progress, separate_file
from taura_desktop.engines.separation.onnx_demucs import OnnxSeparator, model_version
from taura_desktop.modelstore.store import ModelStore

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _key_part(text: str) -> str:
    """A filename-safe form of ``text`` (long or odd keys are hashed)."""
    safe = _SAFE.sub("_", text).strip("._")
    if not safe or len(safe) > 64 or safe != text:
        return (safe[:40] + "-" if safe else "") + hashlib.sha1(text.encode()).hexdigest()[:16]
    return safe


def background_path(cache_dir: Path, media_fingerprint_key: str, name: str, version: str) -> Path:
    """Where the background stem of this media for this model version is cached."""
    return Path(cache_dir) / f"background-{_key_part(media_fingerprint_key)}-{_key_part(name)}-{version}.wav"


def background_stem(
    project_media_path: str | Path,
    media_fingerprint_key: str,
    cache_dir: Path,
    models_root: str | None,
    name: str = "htdemucs",
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    device: str = "auto",
) -> Path:
    """The cached background WAV of ``project_media_path``; separated now when not cached.

    EngineUnavailableError (exit 4) when the separation model ``name`` is not installed
    (the message says how to import it), MediaError (exit 3) for unusable media,
    CancelledError on cancel (nothing is left in the cache).
    """
    model_dir = ModelStore(models_root).path("separation", name)  # exit 4 when missing
    out = background_path(cache_dir, media_fingerprint_key, name, model_version(model_dir))
    if out.is_file() and out.stat().st_size > 44:
        if progress is not None:
            progress(1.0, "background stem (cached)")
        return out
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    separator = OnnxSeparator(model_dir, device=device)
    return separate_file(separator, project_media_path, out, progress=progress, cancel=cancel)


__all__ = ["background_path", "background_stem"]
