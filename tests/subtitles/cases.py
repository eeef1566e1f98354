"""The cue list the golden files in tests/golden/ were written from."""

from __future__ import annotations

from pathlib import Path

from taura_desktop.subtitles import Cue

GOLDEN = Path(__file__).resolve().parent.parent / "golden"

CUES = [
    Cue(1000, 3500, "Hello there, my friend.\nHow are you today?"),
    Cue(3580, 5200, "Fish & chips — \"quoted\" text", italic=False),
    Cue(6000, 7250, "I was thinking\nabout the future.", italic=True),
    Cue(3_600_000 + 61_234, 3_600_000 + 63_000, "Über-long hour: ñandú, 日本語"),
]
