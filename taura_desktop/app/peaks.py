"""The media's waveform peaks, cached inside the project file.

Decoding is slow for long media: the editor computes the peaks
(:func:`taura_desktop.media.peaks.compute_peaks`) on a thread and stores them here."""

from __future__ import annotations

from taura_desktop.core.project import Project
from taura_desktop.errors import UsageError
from taura_desktop.media.peaks import Peaks

PEAKS_BUCKET_MS = 10


def _peaks_key(project: Project, bucket_ms: int) -> str:
    media = project.meta.media
    if media is None:
        raise UsageError(f"{project.path}: the project has no media")
    return f"peaks:{media.head_sha1}:{media.size}:{bucket_ms}"


def cached_peaks(project: Project, bucket_ms: int = PEAKS_BUCKET_MS) -> Peaks | None:
    """The waveform peaks cached inside the project file, or None (absent or damaged)."""
    data = project.store.get_cache(_peaks_key(project, bucket_ms))
    if data is None:
        return None
    try:
        return Peaks.from_bytes(data)
    except ValueError:
        return None  # damaged cache entry: compute again


def store_peaks(project: Project, peaks: Peaks) -> None:
    project.store.put_cache(_peaks_key(project, peaks.bucket_ms), peaks.to_bytes())
