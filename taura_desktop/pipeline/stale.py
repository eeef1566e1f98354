"""Stale voice clips: a clip is stale when its text, voice, speed cap or slot changed since it
was made. One definition for the editor (Fit column, timeline, QC), ``info --json`` and export
(which re-voices stale and missing clips first, or refuses with ``--no-revoice``).

- text: the translation's text differs from the one the clip was voiced from;
- voice: the segment's speaker has a voice for the language that differs from the clip's;
- speed cap: the project's time-compression caps differ from the ones the clip was fitted with;
- slot: the room the clip may use (segment start/end, next segment's start) changed.

Clips made before bases were recorded (``VoiceClip.basis == ""``) are checked on their slot only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from taura_desktop.core.model import Segment, VoiceClip, text_hash, voice_hash
from taura_desktop.core.project import Project
from taura_desktop.dub.fit import DEFAULT_MIN_GAP_MS, available_ms

DEFAULT_MAX_SPEED = 1.25
DEFAULT_HARD_MAX_SPEED = 1.5


class ClipState(StrEnum):
    NONE = "none"  # no translation text: nothing to voice
    MISSING = "missing"  # text but no clip
    STALE = "stale"
    CURRENT = "current"


@dataclass(frozen=True, slots=True)
class StaleReport:
    lang: str
    stale: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)  # segment id -> why it is stale

    @property
    def to_voice(self) -> tuple[str, ...]:
        return self.stale + self.missing


def speed_caps(project: Project) -> tuple[float, float]:
    """The project's (max_speed, hard_max_speed) for fitting clips (settings, else defaults)."""
    s = project.meta.settings
    try:
        soft = float(s.get("max_speed", DEFAULT_MAX_SPEED))  # type: ignore[arg-type]
        hard = float(s.get("hard_max_speed", DEFAULT_HARD_MAX_SPEED))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_MAX_SPEED, DEFAULT_HARD_MAX_SPEED
    return soft, max(soft, hard)


def caps_text(caps: tuple[float, float]) -> str:
    return f"{caps[0]:g}/{caps[1]:g}"


def _slot_room(project: Project, seg: Segment, clip: VoiceClip) -> int | None:
    if clip.fit is None:
        return None
    _prev, nxt = project.state.neighbours(seg.id)
    next_start = None if nxt is None else nxt.start_ms
    return available_ms(seg.start_ms, seg.end_ms, next_start, DEFAULT_MIN_GAP_MS, clip.fit.natural_ms)


def stale_reason(
    project: Project, seg: Segment, lang: str, caps: tuple[float, float] | None = None
) -> str | None:
    """Why ``seg``'s ``lang`` clip is stale ("text", "voice", "speed cap", "slot"), or None when it
    is current (or there is no clip)."""
    tr = seg.translation(lang)
    clip = tr.clip if tr is not None else None
    if tr is None or clip is None:
        return None
    if clip.basis:
        parts = clip.basis.split(":")
        if len(parts) == 3:
            text_h, voice_h, clip_caps = parts
            if text_h != text_hash(tr.text):
                return "text"
            speaker = project.state.speakers.get(seg.speaker_id or "")
            spec = speaker.voices.get(lang) if speaker is not None else None
            if spec is not None and voice_hash(spec) != voice_h:
                return "voice"
            if clip_caps != caps_text(caps or speed_caps(project)):
                return "speed cap"
    room = _slot_room(project, seg, clip)
    if room is not None and clip.fit is not None and room != clip.fit.available_ms:
        return "slot"
    return None


def clip_state(
    project: Project, seg: Segment, lang: str, caps: tuple[float, float] | None = None
) -> ClipState:
    tr = seg.translation(lang)
    if tr is None or not tr.text.strip():
        return ClipState.NONE
    if tr.clip is None:
        return ClipState.MISSING
    return ClipState.STALE if stale_reason(project, seg, lang, caps) else ClipState.CURRENT


def stale_report(project: Project, lang: str, seg_ids: Iterable[str] | None = None) -> StaleReport:
    """Stale and missing clips of ``lang`` (in time order), with the reason for each stale one."""
    caps = speed_caps(project)
    stale: list[str] = []
    missing: list[str] = []
    reasons: dict[str, str] = {}
    segs = (
        project.state.ordered()
        if seg_ids is None
        else [project.state.segments[s] for s in seg_ids if s in project.state.segments]
    )
    for seg in segs:
        tr = seg.translation(lang)
        if tr is None or not tr.text.strip():
            continue
        if tr.clip is None:
            missing.append(seg.id)
            continue
        why = stale_reason(project, seg, lang, caps)
        if why:
            stale.append(seg.id)
            reasons[seg.id] = why
    return StaleReport(lang, tuple(stale), tuple(missing), reasons)


def describe(report: StaleReport) -> str:
    """'3 stale and 2 missing voice clips (es)'."""
    parts = []
    if report.stale:
        parts.append(f"{len(report.stale)} stale")
    if report.missing:
        parts.append(f"{len(report.missing)} missing")
    return f"{' and '.join(parts) or 'no stale or missing'} voice clips ({report.lang})"
