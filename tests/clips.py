"""A voiced segment's clip in one language, typed (the test fails here when it has none)."""

from __future__ import annotations

from taura_desktop.core.model import Segment, VoiceClip


def voice_clip(seg: Segment, lang: str) -> VoiceClip:
    clip = seg.translations[lang].clip
    assert clip is not None, f"segment {seg.id} has no {lang} clip"
    return clip
