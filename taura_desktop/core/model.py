"""The project document as plain, immutable data.

Everything here is a frozen dataclass: an edit never mutates a value, it replaces it with a
new one (``dataclasses.replace``). That makes undo trivial (keep the old object), makes change
detection a field comparison, and lets views, workers and storage share objects safely.

Times are integer milliseconds everywhere in the core.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum


def new_id() -> str:
    """A stable, unique segment/speaker id (never derived from position or times)."""
    return uuid.uuid4().hex[:16]


def text_hash(text: str) -> str:
    """Short content hash used to tell whether derived data (a translation) is current."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


class Status(StrEnum):
    DRAFT = "draft"
    NEEDS_REVIEW = "needs_review"
    APPROVED = "approved"


class Origin(StrEnum):
    """Who last wrote a text. Engines never overwrite PERSON text unless forced."""

    ENGINE = "engine"
    PERSON = "person"
    IMPORT = "import"


class FitStatus(StrEnum):
    OK = "ok"  # natural speed, fits in the slot
    EXTENDED = "extended"  # natural speed, uses silence after the slot
    STRETCHED = "stretched"  # time-compressed within the cap
    OVERFLOW = "overflow"  # does not fit even at the cap


@dataclass(frozen=True, slots=True)
class Word:
    start_ms: int
    end_ms: int
    text: str
    probability: float = 1.0


@dataclass(frozen=True, slots=True)
class FitResult:
    """How a synthesized clip was placed in its segment's slot."""

    natural_ms: int  # clip length as synthesized
    speed: float  # applied time-compression factor (1.0 = natural)
    offset_ms: int  # clip start relative to segment start (always 0: no drift)
    placed_ms: int  # clip length after fitting
    available_ms: int  # slot length including usable silence after the segment
    overrun_ms: int  # milliseconds still missing at the cap (0 unless OVERFLOW)
    status: FitStatus
    char_budget: int | None = None  # suggested max characters for a shorter translation


@dataclass(frozen=True, slots=True)
class VoiceClip:
    """A synthesized clip stored inside the project (see ``ProjectStore.put_clip``)."""

    key: str  # cache key: hash of (text, voice, engine+version, speed)
    sample_rate: int
    duration_ms: int  # placed (fitted) duration
    engine: str
    fit: FitResult | None = None
    basis: str = ""  # clip_basis() of what it was made from ("" = made before bases were kept)


def voice_hash(voice: VoiceSpec) -> str:
    """Short hash of everything in a voice that changes the synthesized audio."""
    refs = ",".join(voice.reference_segment_ids)
    return text_hash(f"{voice.engine}|{voice.voice}|{voice.rate:.6f}|{voice.pitch}|{refs}")


def clip_basis(text: str, voice: VoiceSpec, max_speed: float, hard_max_speed: float) -> str:
    """What a clip was made from: ``text-hash:voice-hash:caps``. A clip whose basis differs from
    the one its segment would get now is stale (see ``pipeline.stale``); the slot is checked
    separately against the clip's fit."""
    return f"{text_hash(text)}:{voice_hash(voice)}:{max_speed:g}/{hard_max_speed:g}"


@dataclass(frozen=True, slots=True)
class Translation:
    text: str = ""
    origin: Origin = Origin.ENGINE
    status: Status = Status.DRAFT
    source_hash: str = ""  # text_hash() of the source text this was made from
    engine: str = ""
    clip: VoiceClip | None = None
    flags: tuple[str, ...] = ()
    draft: str = ""  # the engine's (or memory's) text a person then changed ("" = unchanged)


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    start_ms: int
    end_ms: int
    source_text: str = ""
    speaker_id: str | None = None
    source_origin: Origin = Origin.ENGINE
    words: tuple[Word, ...] = ()
    translations: Mapping[str, Translation] = field(default_factory=dict)
    flags: tuple[str, ...] = ()  # e.g. "overlap", "low_confidence", "cps"

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def translation(self, lang: str) -> Translation | None:
        return self.translations.get(lang)

    def with_translation(self, lang: str, tr: Translation | None) -> Segment:
        trs = dict(self.translations)
        if tr is None:
            trs.pop(lang, None)
        else:
            trs[lang] = tr
        return replace(self, translations=trs)


@dataclass(frozen=True, slots=True)
class VoiceSpec:
    """One speaker's voice in one target language."""

    engine: str = "espeak"
    voice: str = ""  # engine voice id, or a piper/xtts model name
    rate: float = 1.0
    pitch: int | None = None  # engine-specific (espeak 0..99)
    reference_segment_ids: tuple[str, ...] = ()  # XTTS cloning reference (source segments)


@dataclass(frozen=True, slots=True)
class Speaker:
    id: str
    name: str
    voices: Mapping[str, VoiceSpec] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class MediaRef:
    path: str
    size: int
    duration_ms: int
    head_sha1: str  # sha1 of the first MiB
    has_video: bool = True
    fps: float | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class ProjectMeta:
    name: str
    media: MediaRef | None
    source_lang: str | None
    target_langs: tuple[str, ...] = ()
    settings: Mapping[str, object] = field(default_factory=dict)
    glossary: tuple[GlossaryEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """source term -> target term; ``target`` None/empty with dnt=True means keep as-is."""

    source: str
    targets: Mapping[str, str] = field(default_factory=dict)
    dnt: bool = False  # do not translate
