"""How voice clips are kept inside a project file: FLAC, lossless 16-bit mono.

Synthesized speech compresses about 2:1 losslessly (measured on espeak-ng lines: 1.95-2.1x),
and a clip decodes back bit for bit, so re-fitting and re-mixing never add a generation of
lossy coding before the master's own encode. The ``clips`` table stores, per clip, its codec
(``flac``; ``pcm16`` for rows of schema 1, converted on open), sample rate and length in
samples (``frames``: the export places every clip without decoding it first).
"""

from __future__ import annotations

import io
import sqlite3

import numpy as np
import soundfile

from taura_desktop.errors import ProjectError

FLAC = "flac"
PCM16 = "pcm16"


def float_to_int16(samples: np.ndarray) -> np.ndarray:
    """float (-1..1) -> int16, clipped and rounded (never truncated); the shape is kept.
    The one float->PCM conversion of the code base."""
    x = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    return np.round(x * 32767.0).astype(np.int16)


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    """Mono 16-bit PCM: int16 as given, float (-1..1) rounded."""
    data = np.asarray(samples)
    if data.dtype == np.int16:
        return data.reshape(-1)
    return float_to_int16(data.reshape(-1))


def encode(pcm: np.ndarray, sample_rate: int) -> bytes:
    """FLAC bytes of mono int16 ``pcm``."""
    buf = io.BytesIO()
    soundfile.write(buf, pcm, int(sample_rate), format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def decode(codec: str, data: bytes, what: str) -> np.ndarray:
    """Mono int16 samples of a stored clip; ProjectError naming ``what`` when unreadable."""
    if codec == PCM16:
        return np.frombuffer(data, dtype="<i2").astype(np.int16)
    if codec != FLAC:
        raise ProjectError(f"{what}: voice clip stored with unknown codec {codec!r}")
    try:
        pcm, _sr = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=False)
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as exc:
        raise ProjectError(f"{what}: damaged voice clip ({exc})") from None
    return np.asarray(pcm, dtype=np.int16).reshape(-1)


def migrate_1_to_2(db: sqlite3.Connection) -> None:
    """Schema 2: clips gain ``codec`` and ``frames``; 16-bit PCM rows are re-encoded as FLAC."""
    db.execute(f"ALTER TABLE clips ADD COLUMN codec TEXT NOT NULL DEFAULT '{PCM16}'")
    db.execute("ALTER TABLE clips ADD COLUMN frames INTEGER")
    keys = [k for (k,) in db.execute("SELECT key FROM clips")]
    for key in keys:  # one clip in memory at a time
        sr, data = db.execute("SELECT sample_rate, data FROM clips WHERE key = ?", (key,)).fetchone()
        pcm = np.frombuffer(data, dtype="<i2")
        db.execute(
            "UPDATE clips SET codec = ?, frames = ?, data = ? WHERE key = ?",
            (FLAC, len(pcm), encode(pcm.astype(np.int16), sr), key),
        )
