"""Subtitle timing/layout profiles (Netflix Timed Text Style Guide by default) and text width.

A :class:`Profile` is plain, immutable data. Per-language reading speeds are a tuple of
``(lang, cps)`` pairs so that profiles stay hashable.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from taura_desktop.errors import UsageError
from taura_desktop.languages import language_tag, primary_language

if TYPE_CHECKING:
    from taura_desktop.core.model import ProjectMeta

#: Languages whose text is counted with full-width characters (Netflix: 16 per line, half-width
#: characters count 0.5) and whose words are written without spaces between them.
CJK_LANGS = frozenset({"ja", "zh", "yue", "ko", "zh-hans", "zh-hant", "zh-cn", "zh-tw", "zh-hk"})
#: Languages written without spaces between words (words are joined with "").
NO_SPACE_LANGS = frozenset({"ja", "zh", "yue", "th", "lo", "my", "km", "zh-hans", "zh-hant",
                            "zh-cn", "zh-tw", "zh-hk"})


@lru_cache(maxsize=256)
def base_lang(lang: str) -> str:
    """``"en-US"`` -> ``"en"``, ``"zh-Hant"`` -> ``"zh-hant"`` (kept: it matters for CJK)."""
    low = language_tag(lang or "")
    if low in CJK_LANGS or low in NO_SPACE_LANGS:
        return low
    return primary_language(low)


@lru_cache(maxsize=256)
def is_cjk(lang: str) -> bool:
    low = base_lang(lang)
    return low in CJK_LANGS or primary_language(low) in CJK_LANGS


@lru_cache(maxsize=256)
def word_separator(lang: str) -> str:
    """The string placed between two words of ``lang`` ("" for ja/zh/th..., else " ")."""
    low = base_lang(lang)
    return "" if (low in NO_SPACE_LANGS or primary_language(low) in NO_SPACE_LANGS) else " "


def display_width(text: str, lang: str = "en") -> float:
    """Width of ``text`` in characters as the style guides count it.

    Latin and other scripts: one per character (spaces and punctuation count; combining marks
    do not). CJK languages: full-width/wide characters count 1, everything else (ASCII,
    half-width katakana, spaces) 0.5. Line breaks are not counted.
    """
    if is_cjk(lang):
        w = 0.0
        for ch in text:
            if ch == "\n" or unicodedata.combining(ch):
                continue
            w += 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.5
        return w
    if text.isascii():
        return float(len(text) - text.count("\n"))
    return float(sum(1 for ch in text if ch != "\n" and not unicodedata.combining(ch)))


def reading_chars(text: str, lang: str = "en") -> float:
    """Characters counted for reading speed: a line break counts as the space it replaced
    (nothing for languages written without spaces), so CPS does not depend on line breaking."""
    return display_width(text.replace("\n", word_separator(lang)), lang)


@dataclass(frozen=True, slots=True)
class Profile:
    """Rules a subtitle cue is cut and checked against. Times in ms, gaps in frames."""

    name: str = "netflix"
    max_lines: int = 2
    max_chars_per_line: float = 42
    max_chars_per_line_cjk: float = 16
    max_cps: float = 17.0
    #: per-language reading speeds overriding ``max_cps``: ``(("ja", 4.0), ...)``
    cps_by_lang: tuple[tuple[str, float], ...] = (("ja", 4.0), ("ko", 12.0), ("zh", 9.0),
                                                 ("zh-hans", 9.0), ("zh-hant", 9.0))
    min_duration_ms: int = 833
    max_duration_ms: int = 7000
    min_gap_frames: int = 2
    chain_gap_frames: int = 12
    max_out_after_speech_ms: int = 500
    fps: float = 25.0
    #: a pause in speech at least this long always ends a cue (no cue spans a long silence)
    split_pause_ms: int = 1500

    # --- derived values -------------------------------------------------------------
    @property
    def frame_ms(self) -> float:
        return 1000.0 / self.fps

    @property
    def min_gap_ms(self) -> int:
        """Minimum gap in whole ms, rounded up so it is never less than the frames asked."""
        return math.ceil(self.min_gap_frames * 1000.0 / self.fps - 1e-9)

    @property
    def chain_gap_ms(self) -> int:
        return math.floor(self.chain_gap_frames * 1000.0 / self.fps + 1e-9)

    def cps_for(self, lang: str) -> float:
        low = base_lang(lang)
        for key, value in self.cps_by_lang:
            if key == low:
                return value
        short = primary_language(low)
        for key, value in self.cps_by_lang:
            if key == short:
                return value
        return self.max_cps

    def line_limit(self, lang: str) -> float:
        return self.max_chars_per_line_cjk if is_cjk(lang) else self.max_chars_per_line

    # --- variants ---------------------------------------------------------------------
    def for_fps(self, fps: float) -> Profile:
        """This profile at another frame rate; Netflix chains 15 frames at 30 fps and up."""
        if fps <= 0 or not math.isfinite(fps):
            raise UsageError(f"profile {self.name}: invalid frame rate {fps!r}")
        chain = self.chain_gap_frames
        if self.name == "netflix" and chain == 12 and fps >= 29.0:
            chain = 15
        return replace(self, fps=float(fps), chain_gap_frames=chain)


NETFLIX = Profile()
#: BBC subtitle guidelines: 160-180 wpm (~15 cps incl. spaces), 37 chars per line at most in
#: the teletext tradition (42 is not used), up to 1.5 s around speech.
BBC = Profile(
    name="bbc",
    max_chars_per_line=37,
    max_cps=15.0,
    min_duration_ms=1000,
    max_duration_ms=8000,
    max_out_after_speech_ms=1500,
    chain_gap_frames=0,
)
#: Looser web profile: longer lines, faster reading, no chaining.
YOUTUBE = Profile(
    name="youtube",
    max_chars_per_line=50,
    max_chars_per_line_cjk=24,
    max_cps=21.0,
    cps_by_lang=(("ja", 8.0), ("ko", 15.0), ("zh", 12.0)),
    min_duration_ms=700,
    max_duration_ms=10000,
    min_gap_frames=1,
    chain_gap_frames=0,
    max_out_after_speech_ms=800,
    split_pause_ms=2000,
)

PROFILES: dict[str, Profile] = {"netflix": NETFLIX, "bbc": BBC, "youtube": YOUTUBE}


def get_profile(name: str, fps: float | None = None) -> Profile:
    """Profile by name (``netflix``, ``bbc``, ``youtube``; case-insensitive), optionally at a
    frame rate. Unknown names raise :class:`UsageError` listing the known ones."""
    prof = PROFILES.get((name or "").strip().lower())
    if prof is None:
        raise UsageError(f"subtitle profile {name!r}: unknown (known: {', '.join(PROFILES)})")
    return prof if fps is None else prof.for_fps(fps)


#: Project setting naming the subtitle profile (``netflix`` when unset).
PROFILE_SETTING = "subtitle_profile"


def project_profile(meta: ProjectMeta) -> Profile:
    """The profile a project's settings name, at its media's frame rate (UsageError when the
    name is unknown)."""
    fps = meta.media.fps if meta.media else None
    return get_profile(str(meta.settings.get(PROFILE_SETTING) or "netflix"), fps)
