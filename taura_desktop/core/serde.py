"""JSON (de)serialization of the core model, used by the project store.

The format is compact and explicit (no pickle): words are ``[start, end, text, prob]`` lists,
optional fields are omitted when they hold their default. ``from_*`` functions raise
``ValueError``/``KeyError``/``TypeError`` on malformed data; the store turns those into a
``ProjectError`` naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from taura_desktop.core.model import (
    FitResult,
    FitStatus,
    GlossaryEntry,
    MediaRef,
    Origin,
    ProjectMeta,
    Segment,
    Speaker,
    Status,
    Translation,
    VoiceClip,
    VoiceSpec,
    Word,
)

Json = dict[str, Any]


def dumps(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _fit_to(f: FitResult) -> Json:
    return {
        "natural_ms": f.natural_ms,
        "speed": f.speed,
        "offset_ms": f.offset_ms,
        "placed_ms": f.placed_ms,
        "available_ms": f.available_ms,
        "overrun_ms": f.overrun_ms,
        "status": f.status.value,
        "char_budget": f.char_budget,
    }


def _fit_from(d: Json) -> FitResult:
    return FitResult(
        natural_ms=int(d["natural_ms"]),
        speed=float(d["speed"]),
        offset_ms=int(d["offset_ms"]),
        placed_ms=int(d["placed_ms"]),
        available_ms=int(d["available_ms"]),
        overrun_ms=int(d["overrun_ms"]),
        status=FitStatus(d["status"]),
        char_budget=None if d.get("char_budget") is None else int(d["char_budget"]),
    )


def _clip_to(c: VoiceClip) -> Json:
    d: Json = {"key": c.key, "sr": c.sample_rate, "ms": c.duration_ms, "engine": c.engine}
    if c.fit is not None:
        d["fit"] = _fit_to(c.fit)
    if c.basis:
        d["basis"] = c.basis
    return d


def _clip_from(d: Json) -> VoiceClip:
    fit = d.get("fit")
    return VoiceClip(
        key=str(d["key"]),
        sample_rate=int(d["sr"]),
        duration_ms=int(d["ms"]),
        engine=str(d["engine"]),
        fit=None if fit is None else _fit_from(fit),
        basis=str(d.get("basis", "")),
    )


def translation_to(t: Translation) -> Json:
    d: Json = {"text": t.text, "origin": t.origin.value, "status": t.status.value}
    if t.source_hash:
        d["src"] = t.source_hash
    if t.engine:
        d["engine"] = t.engine
    if t.clip is not None:
        d["clip"] = _clip_to(t.clip)
    if t.flags:
        d["flags"] = list(t.flags)
    if t.draft:
        d["draft"] = t.draft
    return d


def translation_from(d: Json) -> Translation:
    clip = d.get("clip")
    return Translation(
        text=str(d["text"]),
        origin=Origin(d["origin"]),
        status=Status(d["status"]),
        source_hash=str(d.get("src", "")),
        engine=str(d.get("engine", "")),
        clip=None if clip is None else _clip_from(clip),
        flags=tuple(str(f) for f in d.get("flags", ())),
        draft=str(d.get("draft", "")),
    )


def segment_to(s: Segment) -> Json:
    """Everything but id/start/end, which the store keeps in their own columns."""
    d: Json = {"text": s.source_text, "origin": s.source_origin.value}
    if s.speaker_id is not None:
        d["speaker"] = s.speaker_id
    if s.words:
        d["words"] = [[w.start_ms, w.end_ms, w.text, round(w.probability, 4)] for w in s.words]
    if s.translations:
        d["tr"] = {lang: translation_to(t) for lang, t in s.translations.items()}
    if s.flags:
        d["flags"] = list(s.flags)
    return d


def segment_from(seg_id: str, start_ms: int, end_ms: int, d: Json) -> Segment:
    if not isinstance(d, Mapping):
        raise TypeError("segment data is not an object")
    speaker = d.get("speaker")
    return Segment(
        id=seg_id,
        start_ms=int(start_ms),
        end_ms=int(end_ms),
        source_text=str(d["text"]),
        speaker_id=None if speaker is None else str(speaker),
        source_origin=Origin(d["origin"]),
        words=tuple(Word(int(w[0]), int(w[1]), str(w[2]), float(w[3])) for w in d.get("words", ())),
        translations={str(k): translation_from(v) for k, v in d.get("tr", {}).items()},
        flags=tuple(str(f) for f in d.get("flags", ())),
    )


def voice_to(v: VoiceSpec) -> Json:
    return {
        "engine": v.engine,
        "voice": v.voice,
        "rate": v.rate,
        "pitch": v.pitch,
        "ref": list(v.reference_segment_ids),
    }


def voice_from(d: Json) -> VoiceSpec:
    pitch = d.get("pitch")
    return VoiceSpec(
        engine=str(d["engine"]),
        voice=str(d.get("voice", "")),
        rate=float(d.get("rate", 1.0)),
        pitch=None if pitch is None else int(pitch),
        reference_segment_ids=tuple(str(x) for x in d.get("ref", ())),
    )


def speaker_to(s: Speaker) -> Json:
    return {"name": s.name, "voices": {k: voice_to(v) for k, v in s.voices.items()}}


def speaker_from(sp_id: str, d: Json) -> Speaker:
    return Speaker(
        id=sp_id,
        name=str(d["name"]),
        voices={str(k): voice_from(v) for k, v in d.get("voices", {}).items()},
    )


def media_to(m: MediaRef) -> Json:
    return {
        "path": m.path,
        "size": m.size,
        "duration_ms": m.duration_ms,
        "head_sha1": m.head_sha1,
        "has_video": m.has_video,
        "fps": m.fps,
        "width": m.width,
        "height": m.height,
    }


def media_from(d: Json) -> MediaRef:
    return MediaRef(
        path=str(d["path"]),
        size=int(d["size"]),
        duration_ms=int(d["duration_ms"]),
        head_sha1=str(d["head_sha1"]),
        has_video=bool(d.get("has_video", True)),
        fps=None if d.get("fps") is None else float(d["fps"]),
        width=None if d.get("width") is None else int(d["width"]),
        height=None if d.get("height") is None else int(d["height"]),
    )


def meta_to(m: ProjectMeta) -> Json:
    return {
        "name": m.name,
        "media": None if m.media is None else media_to(m.media),
        "source_lang": m.source_lang,
        "target_langs": list(m.target_langs),
        "settings": dict(m.settings),
        "glossary": [{"source": g.source, "targets": dict(g.targets), "dnt": g.dnt} for g in m.glossary],
    }


def meta_from(d: Json) -> ProjectMeta:
    media = d.get("media")
    return ProjectMeta(
        name=str(d["name"]),
        media=None if media is None else media_from(media),
        source_lang=None if d.get("source_lang") is None else str(d["source_lang"]),
        target_langs=tuple(str(x) for x in d.get("target_langs", ())),
        settings=dict(d.get("settings", {})),
        glossary=tuple(
            GlossaryEntry(
                source=str(g["source"]),
                targets={str(k): str(v) for k, v in g.get("targets", {}).items()},
                dnt=bool(g.get("dnt", False)),
            )
            for g in d.get("glossary", ())
        ),
    )
