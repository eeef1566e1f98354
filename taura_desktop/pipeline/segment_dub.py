"""One segment's dub as it is now, for "play this line" in the editor.

The segment's fitted clip over the original audio of its range, ducked, written to a small
WAV. Only this segment is rendered (a few seconds of decoding and mixing, well under the
half-second budget), never the whole programme; the file is named after the clip and the
range, so an unchanged segment is not rendered twice and a re-voiced one always is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from taura_desktop.core.clipkeys import fitted_key
from taura_desktop.core.project import Project
from taura_desktop.errors import BadInputError, TauraError
from taura_desktop.media.audio_io import write_wav
from taura_desktop.media.decode import decode_audio

DUCK_GAIN = 10 ** (-14 / 20)  # the original under the dub, as in the default "duck" mix


@dataclass(frozen=True, slots=True)
class SegmentDub:
    path: Path
    start_ms: int  # where the file's first sample belongs on the programme timeline
    end_ms: int
    clip_key: str


def render_segment_dub(project: Project, seg_id: str, lang: str, out_dir: Path) -> SegmentDub:
    """Write (or reuse) ``seg_id``'s current ``lang`` dub over its ducked original audio."""
    from taura_desktop.dub.cache import load_fitted  # lazy: loads scipy (+0.3 s)

    seg = project.segment(seg_id)
    tr = seg.translation(lang)
    if tr is None or tr.clip is None:
        raise BadInputError(f"segment {seg_id}: no {lang} voice clip yet (re-voice it first)")
    clip = tr.clip
    start = seg.start_ms + (clip.fit.offset_ms if clip.fit else 0)
    end = max(seg.end_ms, start + clip.duration_ms)
    fkey = fitted_key(clip.key, clip.fit) if clip.fit else clip.key
    name = hashlib.sha1(f"{fkey}|{start}|{end}".encode()).hexdigest()[:16]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"seg_{seg_id}_{name}.wav"
    if path.is_file():
        return SegmentDub(path, start, end, clip.key)
    sr, voice = load_fitted(project.store, clip)
    n = max(len(voice), round((end - start) * sr / 1000))
    mix = np.zeros(n, dtype=np.float32)
    media = project.meta.media
    if media is not None and Path(media.path).is_file():
        try:
            bed = decode_audio(media.path, sample_rate=sr, start_ms=start, end_ms=end)
            mix[: min(n, len(bed))] += bed[:n] * DUCK_GAIN
        except (TauraError, OSError):  # no audio stream or an undecodable file: the dub alone
            pass
    mix[: len(voice)] += voice
    np.clip(mix, -1.0, 1.0, out=mix)
    tmp = path.with_suffix(".part.wav")
    write_wav(tmp, mix, sr)
    tmp.replace(path)
    return SegmentDub(path, start, end, clip.key)
