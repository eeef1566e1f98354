"""Media layer: probe, streaming decode, waveform peaks and small WAV helpers (PyAV based).

PyAV is imported lazily (inside functions), so importing this package is cheap.
"""

from __future__ import annotations

from taura_desktop.media.audio_io import from_int16, read_wav, resample, to_int16, write_wav
from taura_desktop.media.decode import decode_audio, iter_audio
from taura_desktop.media.peaks import Peaks, compute_peaks
from taura_desktop.media.probe import (
    MediaInfo,
    ProbedStream,
    StreamInfo,
    check_readable,
    fingerprint,
    head_sha1,
    probe,
    probe_streams,
    require_audio,
)

__all__ = [
    "MediaInfo",
    "Peaks",
    "ProbedStream",
    "StreamInfo",
    "check_readable",
    "compute_peaks",
    "decode_audio",
    "fingerprint",
    "from_int16",
    "head_sha1",
    "iter_audio",
    "probe",
    "probe_streams",
    "read_wav",
    "require_audio",
    "resample",
    "to_int16",
    "write_wav",
]
