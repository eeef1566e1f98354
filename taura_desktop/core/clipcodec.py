"""How voice clips are kept inside a project file.

Audio that is *played* (mixed into a dub, previewed) is FLAC, lossless 16-bit mono:
synthesized speech compresses about 2:1 (measured on espeak-ng lines: 1.95-2.1x) and decodes
back bit for bit, so mixing never adds a generation of lossy coding before the master's own
encode.

A time-compressed line has two takes: the fitted audio that is played, and the natural
(unfitted) take kept only so that a retime can re-fit the line without synthesizing it again.
A natural take synthesized for lines that all play it compressed is stored as Ogg Vorbis
(``vorbis``, quality 0.5: about 70 kbit/s at 22.05 kHz, 2.7x smaller than FLAC, decoded in
5-9 ms per line; encoding costs about 14 ms per second of speech, in the voice worker):
re-fitting from it adds one transparent lossy generation to that line only. If such a take is
to be played as it is (a retime that gives the line room, the same text elsewhere), the voice
stage synthesizes it afresh rather than play the lossy copy (``dub.cache``).

The ``clips`` table stores, per clip, its codec (``flac``, ``vorbis``; ``pcm16`` for rows of
schema 1, converted on open), sample rate and length in samples (``frames``: the export
places every clip without decoding it first; a decoded Vorbis take is cut or padded to it).
"""

from __future__ import annotations

import io
import sqlite3

import numpy as np
import soundfile

from taura_desktop.errors import ProjectError

FLAC = "flac"
PCM16 = "pcm16"
VORBIS = "vorbis"
LOSSLESS = (FLAC, PCM16)
#: libsndfile's compression level for Vorbis takes (0 = best quality; 0.5 ~ Vorbis q5).
VORBIS_LEVEL = 0.5


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
    """FLAC bytes of mono int16 ``pcm``, at FLAC's strongest level (-8): 3-5 % smaller than
    libsndfile's default on dubbed lines for about 5 ms more encoding per line (in the voice
    worker); decoding costs the same."""
    buf = io.BytesIO()
    soundfile.write(buf, pcm, int(sample_rate), format="FLAC", subtype="PCM_16", compression_level=1.0)
    return buf.getvalue()


def encode_take(pcm: np.ndarray, sample_rate: int) -> bytes:
    """Ogg Vorbis bytes of mono int16 ``pcm`` (a natural take kept only for re-fitting)."""
    buf = io.BytesIO()
    soundfile.write(buf, pcm, int(sample_rate), format="OGG", subtype="VORBIS",
                    compression_level=VORBIS_LEVEL)
    return buf.getvalue()


def decode(codec: str, data: bytes, what: str, frames: int | None = None) -> np.ndarray:
    """Mono int16 samples of a stored clip (a lossy one cut or padded to ``frames``);
    ProjectError naming ``what`` when unreadable."""
    if codec == PCM16:
        return np.frombuffer(data, dtype="<i2").astype(np.int16)
    if codec not in (FLAC, VORBIS):
        raise ProjectError(f"{what}: voice clip stored with unknown codec {codec!r}")
    try:
        pcm, _sr = soundfile.read(io.BytesIO(data), dtype="int16", always_2d=False)
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as exc:
        raise ProjectError(f"{what}: damaged voice clip ({exc})") from None
    out = np.asarray(pcm, dtype=np.int16).reshape(-1)
    if codec == VORBIS and frames is not None and len(out) != frames:
        out = np.concatenate([out, np.zeros(max(0, frames - len(out)), np.int16)])[:frames]
    return out


def migrate_2_to_3(db: sqlite3.Connection) -> None:
    """Schema 3: rows may hold Vorbis takes (``codec = 'vorbis'``). Nothing to convert; the
    version tells older builds, which cannot decode them, to refuse the file."""


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
