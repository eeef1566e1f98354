"""Delivering dubbed masters: streamed mixing, muxing (video copied), burn-in, stems, OTIO.

Plain data in (clips as numpy arrays, file paths), files out; no project access.
"""

from __future__ import annotations

from taura_desktop.export.atomic import atomic_output
from taura_desktop.export.burnin import BurnStyle, burn_in
from taura_desktop.export.master import MasterReport, SubtitleTrack, export_master, iso639_2
from taura_desktop.export.mix import MixResult, MixSettings, mix_tracks
from taura_desktop.export.otio_export import (
    build_timeline,
    dub_lanes,
    export_edl,
    export_fcpxml,
    export_otio,
    read_timeline,
)
from taura_desktop.export.profile import prime_loudness_cache
from taura_desktop.export.render import DubTrack, PlacedClip, render_dub
from taura_desktop.export.stems import export_stems

__all__ = [
    "BurnStyle",
    "DubTrack",
    "MasterReport",
    "MixResult",
    "MixSettings",
    "PlacedClip",
    "SubtitleTrack",
    "atomic_output",
    "build_timeline",
    "burn_in",
    "dub_lanes",
    "export_edl",
    "export_fcpxml",
    "export_master",
    "export_otio",
    "export_stems",
    "iso639_2",
    "mix_tracks",
    "prime_loudness_cache",
    "read_timeline",
    "render_dub",
]
