"""Burn subtitles into the picture (libass through ffmpeg's ``subtitles``/``ass`` filter).

The video is re-encoded (libx264 veryfast, CRF 18); every audio track is copied with its
language tag, title and disposition. The output is written atomically.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from taura_desktop.errors import SubtitleError, UsageError
from taura_desktop.export._proc import Cancel, Progress, check_cancel, run_ffmpeg
from taura_desktop.export.atomic import atomic_output, scratch_dir
from taura_desktop.media.probe import probe

_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")
_SAFE_FONT = re.compile(r"^[\w .\-]+$")


@dataclass(frozen=True, slots=True)
class BurnStyle:
    font: str = "DejaVu Sans"
    size: int = 24  # ASS font size (script resolution 384x288 for SRT: scaled to the video)
    primary_colour: str = "#FFFFFF"  # "#RRGGBB"
    outline: float = 2.0
    margin_v: int = 20
    outline_colour: str = "#000000"


def _ass_colour(rgb: str) -> str:
    m = _HEX.match(rgb.strip())
    if m is None:
        raise UsageError(f"burn-in style: colour {rgb!r} is not #RRGGBB")
    h = m.group(1)
    return f"&H00{h[4:6]}{h[2:4]}{h[0:2]}".upper()


def force_style(style: BurnStyle) -> str:
    """The libass ``force_style`` string for ``style`` (UsageError for unsafe values)."""
    if not _SAFE_FONT.match(style.font):
        raise UsageError(f"burn-in style: font name {style.font!r} has unsupported characters")
    if style.size <= 0 or style.outline < 0 or style.margin_v < 0:
        raise UsageError("burn-in style: size must be > 0, outline and margin_v >= 0")
    return ",".join([
        f"FontName={style.font}", f"FontSize={style.size}",
        f"PrimaryColour={_ass_colour(style.primary_colour)}",
        f"OutlineColour={_ass_colour(style.outline_colour)}",
        "BorderStyle=1", f"Outline={style.outline:g}", f"MarginV={style.margin_v}",
    ])


def burn_in(
    video: Path,
    subtitle_path: Path,
    out: Path,
    style: BurnStyle | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    *,
    crf: int = 18,
    preset: str = "veryfast",
    fonts_dir: Path | None = None,
) -> Path:
    """Write ``out`` with ``subtitle_path`` (SRT/VTT/ASS) rendered into the picture.

    ``style`` overrides the subtitle style (for ASS files, None keeps the file's own styles;
    for SRT, None means ``BurnStyle()``). Audio tracks of ``video`` are copied as they are, so
    burning a dubbed master keeps its dub tracks and tags.
    """
    video, subtitle_path, out = Path(video), Path(subtitle_path), Path(out)
    info = probe(video)
    if not info.has_video:
        raise UsageError(f"{video}: has no video stream to burn subtitles into")
    if not subtitle_path.is_file() or subtitle_path.stat().st_size == 0:
        raise SubtitleError(f"{subtitle_path}: subtitle file is missing or empty")
    ext = subtitle_path.suffix.lower()
    if ext not in (".srt", ".ass", ".ssa", ".vtt"):
        raise SubtitleError(f"{subtitle_path}: unsupported subtitle format (use .srt, .ass or .vtt)")
    fmt = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}.get(out.suffix.lower())
    if fmt is None:
        raise UsageError(f"{out}: burn-in output must be .mp4 or .mkv")
    if out.resolve() == video.resolve():
        raise UsageError(f"{out}: output would overwrite the source video")
    if style is None and ext not in (".ass", ".ssa"):
        style = BurnStyle()
    fstyle = force_style(style) if style is not None else None

    with scratch_dir(out) as scratch:
        local = scratch / f"subs{ext}"  # filter arguments need no escaping this way
        shutil.copyfile(subtitle_path, local)
        opts = [f"filename={local.name}"]
        if fonts_dir is not None:
            fonts = scratch / "fonts"
            shutil.copytree(fonts_dir, fonts)
            opts.append("fontsdir=fonts")
        if fstyle is not None:
            opts.append(f"force_style='{fstyle}'")
        vf = "subtitles=" + ":".join(opts)
        with atomic_output(out) as tmp:
            run_ffmpeg(
                ["-i", str(video.resolve()), "-map", "0:v:0", "-map", "0:a?",
                 "-vf", vf, "-c:v", "libx264", "-preset", preset, "-crf", str(crf),
                 "-c:a", "copy", "-map_metadata", "0", "-map_chapters", "0",
                 "-f", fmt, str(tmp.resolve())],
                what=str(out), duration_s=info.duration_ms / 1000,
                on_fraction=(lambda f: progress(f, "burning in subtitles")) if progress else None,
                cancel=cancel, cwd=str(scratch),
            )
            check_cancel(cancel)
    return out
