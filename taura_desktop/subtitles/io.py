"""Reading and writing subtitle files (pysubs2 parses; the model is plain :class:`Cue` data).

Reading detects the encoding (BOM, UTF-8, then charset-normalizer) and the format (from the
content, not the extension), strips formatting tags to plain text (lines joined by "\\n"),
keeps italics as a flag, drops empty cues (counted), flags overlapping cues ("overlap") and
sorts cues by start. Every failure is a one-line :class:`SubtitleError` naming the file.

Writing goes to a temporary file next to the target that is then renamed over it, so a
crash never leaves a half-written subtitle file.
"""

from __future__ import annotations

import bisect
import html
import os
import re
import unicodedata
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taura_desktop.atomic import write_text_atomic
from taura_desktop.errors import SubtitleError
from taura_desktop.subtitles.encoding import decode_text
from taura_desktop.subtitles.ttml import parse_ttml, render_ttml

MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MICRODVD_FPS = 25.0
WRITE_FORMATS = ("srt", "vtt", "ass", "ttml")
_EXT_FORMATS = {
    ".srt": "srt",
    ".vtt": "vtt",
    ".webvtt": "vtt",
    ".ass": "ass",
    ".ssa": "ass",
    ".ttml": "ttml",
    ".dfxp": "ttml",
    ".xml": "ttml",
}


@dataclass(frozen=True, slots=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str  # plain text, lines joined by "\n"
    italic: bool = False
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SubtitleImport:
    cues: list[Cue]
    format: str  # "srt", "vtt", "ass", "ssa", "microdvd", "ttml"
    encoding: str  # codec name as Python spells it, e.g. "utf-8", "utf-8-sig", "cp1252"
    dropped_empty: int = 0
    overlaps: int = 0  # number of cues that overlap another one (each flagged "overlap")
    notes: tuple[str, ...] = field(default=())  # e.g. the frame rate assumed for MicroDVD
    encoding_confident: bool = True  # False: a close call between code pages (show it)
    dropped_drawings: int = 0  # ASS vector drawings ({\p1} m 0 0 l ...), not dialogue


# ---------------------------------------------------------------------------------- reading


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:20000]
    if not sample:
        return False
    bad = sum(
        1
        for ch in sample
        if unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\t\n\r\x0c"
    )
    return bad > max(2, len(sample) // 100)


_SRT_TIME = re.compile(r"^\s*\d{1,3}:\d{1,2}:\d{1,2}[,.:]\d{1,3}\s*-->\s*\d", re.M)
_VTT_TIME = re.compile(r"^\s*(?:\d+:)?\d{1,2}:\d{1,2}\.\d{1,3}\s*-->", re.M)
_MDVD = re.compile(r"^\s*\{-?\d+\}\{-?\d*\}", re.M)
_MDVD_FPS = re.compile(r"^\s*\{[01]\}\{[01]\}\s*(\d{1,3}(?:[.,]\d+)?)\s*$")
_MDVD_FRAMES = re.compile(r"^(\s*)\{(-?\d+)\}\{(-?\d*)\}", re.M)
# WebVTT cue timestamps inside the text (karaoke-style, e.g. YouTube auto-captions): pysubs2
# would take a line holding two of them for a timing line and lose it
_VTT_INLINE_TS = re.compile(r"<(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}>")


def _detect_format(text: str) -> str | None:
    head = text.lstrip()[:4096]
    if head.startswith("WEBVTT"):
        return "vtt"
    if re.search(r"^\s*\[Script Info\]", head, re.M | re.I) or re.search(
        r"^\s*\[V4\+? Styles\]", text, re.M | re.I
    ):
        if re.search(r"^\s*\[V4\+ Styles\]", text, re.M | re.I) or re.search(
            r"^\s*ScriptType:\s*v4\.00\+", head, re.M | re.I
        ):
            return "ass"
        return "ssa"
    if head.startswith("<?xml") or re.match(r"<tt[\s>]", head):
        return "ttml" if "<tt" in text[:65536] else None
    if _MDVD.match(head):
        return "microdvd"
    if _SRT_TIME.search(text):
        return "srt"
    if _VTT_TIME.search(text):
        return "vtt"
    return None


_OVERRIDE = re.compile(r"\{([^}]*)\}")
_ITALIC_TAG = re.compile(r"\\(i|r)(\d*)")
_DRAW_TAG = re.compile(r"\\p(\d+)")
_HTML_TAG = re.compile(
    r"</?(?:i|b|u|s|font|c|v|lang|ruby|rt|span)(?:[\s.][^<>]*)?>|<\d+:\d+[:.\d]*>", re.I
)
_MULTISPACE = re.compile(r"[ \t\u00a0]+")


def _plain(raw: str, style_italic: bool, vtt: bool) -> tuple[str, bool, bool]:
    """ASS-tagged text (as pysubs2 gives it) -> (plain text, whole cue italic, had a drawing).
    Text in drawing mode (``{\\p1}m 0 0 l 10 0 ...{\\p0}``) is vector shapes, not words."""
    pieces: list[tuple[str, bool]] = []
    italic = style_italic
    drawing = drew = False
    pos = 0
    for m in _OVERRIDE.finditer(raw):
        if m.start() > pos:
            if drawing:
                drew = True
            else:
                pieces.append((raw[pos : m.start()], italic))
        for tag, val in _ITALIC_TAG.findall(m.group(1)):
            italic = style_italic if tag == "r" else val != "0" if val else not style_italic
        for val in _DRAW_TAG.findall(m.group(1)):
            drawing = int(val) > 0
        if "\\r" in m.group(1) and not _DRAW_TAG.search(m.group(1)):
            drawing = False
        pos = m.end()
    if pos < len(raw):
        if drawing:
            drew = True
        else:
            pieces.append((raw[pos:], italic))
    visible = 0
    italic_chars = 0
    chunks: list[str] = []
    for chunk, it in pieces:
        chunk = chunk.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
        chunk = _HTML_TAG.sub("", chunk)
        if vtt:
            chunk = html.unescape(chunk)
        chunks.append(chunk)
        n = sum(1 for ch in chunk if not ch.isspace())
        visible += n
        if it:
            italic_chars += n
    text = "".join(chunks)
    lines = [_MULTISPACE.sub(" ", ln).strip() for ln in text.split("\n")]
    text = "\n".join(ln for ln in lines if ln)
    return text, visible > 0 and italic_chars == visible, drew


def read_subtitles(path: str | os.PathLike[str], encoding: str | None = None,
                   fps: float | None = None, *, lang: str | None = None) -> SubtitleImport:
    """Read a subtitle file (SRT, WebVTT, ASS/SSA, MicroDVD, TTML) into plain cues.

    ``encoding`` forces a codec (else detected, ``lang`` being a hint); ``fps`` is the frame
    rate of a MicroDVD file when the file does not state one (``{1}{1}23.976``; else 25 with a
    note in ``notes``).
    """
    import pysubs2

    p = Path(path)
    name = str(p)
    if not p.exists():
        raise SubtitleError(f"{name}: subtitle file not found")
    if p.is_dir():
        raise SubtitleError(f"{name}: is a folder, not a subtitle file")
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise SubtitleError(f"{name}: too large for a subtitle file ({size} bytes)")
        data = p.read_bytes()
    except OSError as exc:
        raise SubtitleError(f"{name}: cannot be read ({exc.strerror or exc})") from None
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise SubtitleError(f"{name}: subtitle file is empty")
    decoded = decode_text(data, name, encoding, lang)
    text, enc = decoded.text, decoded.encoding
    if text.startswith("\ufeff"):
        text = text[1:]
    if _looks_binary(text):
        raise SubtitleError(f"{name}: not a subtitle file (binary data)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SubtitleError(f"{name}: subtitle file is empty")
    fmt = _detect_format(text)
    if fmt is None:
        raise SubtitleError(f"{name}: unknown subtitle format (expected SRT, WebVTT, ASS/SSA, "
                            "MicroDVD or TTML)")
    notes: list[str] = []
    kwargs: dict[str, float] = {}
    shift_frames = 0
    if fmt == "microdvd":
        text, stated, shift_frames = _prepare_microdvd(text)
        if stated is not None:  # the file's own statement wins: its frames count at that rate
            fps = stated
        elif fps is None:
            fps = DEFAULT_MICRODVD_FPS
            notes.append(f"MicroDVD frame rate not stated; assumed {fps:g} fps")
        if not (0 < fps < 1000):
            raise SubtitleError(f"{name}: invalid frame rate {fps!r} for MicroDVD")
        kwargs["fps"] = fps
    elif fmt == "vtt":
        text = _vtt_for_pysubs2(_VTT_INLINE_TS.sub("", text))
    cues: list[Cue] = []
    dropped = 0
    if fmt == "ttml":
        try:
            parsed = parse_ttml(text)
        except Exception as exc:  # ElementTree/ValueError on malformed XML or times
            msg = " ".join(str(exc).split())[:120] or type(exc).__name__
            raise SubtitleError(f"{name}: invalid ttml subtitles ({msg})") from None
        for start, end, plain, italic in parsed:
            if not plain:
                dropped += 1
                continue
            start = max(0, start)
            cues.append(Cue(start, max(start, end), plain, italic))
        events: list[Any] = []
        styles: dict[str, Any] = {}
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                # pysubs2 takes a digit-only last line of an SRT file for the index of a
                # next cue; a trailing dummy index keeps such a line ("1984") as text
                src = text + "\n\n\n1\n" if fmt in ("srt", "vtt") else text
                subs = pysubs2.SSAFile.from_string(src, format_=fmt, **kwargs)
        except SubtitleError:
            raise
        except Exception as exc:  # pysubs2 raises many types on malformed input
            msg = " ".join(str(exc).split())[:120] or type(exc).__name__
            raise SubtitleError(f"{name}: invalid {fmt} subtitles ({msg})") from None
        if shift_frames:
            subs.shift(frames=-shift_frames, fps=kwargs["fps"])
        events = list(subs)
        styles = dict(getattr(subs, "styles", {}) or {})
    vtt = fmt == "vtt"
    drawings = before_start = 0
    for ev in events:
        if getattr(ev, "is_comment", False):
            continue
        style = styles.get(ev.style)
        style_italic = bool(getattr(style, "italic", False)) if style is not None else False
        plain, italic, drew = _plain(getattr(ev, "text", "") or "", style_italic, vtt)
        if not plain:
            if drew:
                drawings += 1
            else:
                dropped += 1
            continue
        if int(getattr(ev, "end", 0)) <= 0 < int(getattr(ev, "end", 0)) - int(getattr(ev, "start", 0)):
            before_start += 1  # shown only before the video starts (negative times)
            continue
        start = max(0, int(getattr(ev, "start", 0)))
        end = max(start, int(getattr(ev, "end", 0)))
        cues.append(Cue(start, end, plain, italic))
    if before_start:
        notes.append(f"{before_start} cues before 0:00 dropped")
    if not cues and dropped == 0 and drawings == 0 and fmt in ("srt", "vtt", "microdvd", "ttml"):
        raise SubtitleError(f"{name}: no subtitle cues found in {fmt} file")
    cues.sort(key=lambda c: (c.start_ms, c.end_ms))
    cues, overlaps = _flag_overlaps(cues)
    return SubtitleImport(cues, fmt, enc, dropped, overlaps, tuple(notes),
                          encoding_confident=decoded.confident, dropped_drawings=drawings)


def _vtt_for_pysubs2(text: str) -> str:
    """pysubs2 keeps a WebVTT cue identifier ("intro") as the previous cue's last line, and takes
    a digit-only last line ("1984") for an identifier: replace each identifier by a digit-only
    placeholder, which it drops, so cue text is kept exactly."""
    out: list[str] = []
    for line in text.split("\n"):
        if _VTT_TIME.match(line):
            if out and out[-1].strip() and (len(out) < 2 or not out[-2].strip()):
                out.pop()  # the cue's identifier
            out.append("0")
        out.append(line)
    return "\n".join(out)


def _prepare_microdvd(text: str) -> tuple[str, float | None, int]:
    """(text without its ``{1}{1}fps`` header, the frame rate it states, frames to shift so no
    frame is negative: pysubs2 reads only non-negative frame numbers)."""
    lines = text.split("\n")
    stated: float | None = None
    for k, line in enumerate(lines):
        if not line.strip():
            continue
        m = _MDVD_FPS.match(line)
        if m:
            stated = float(m.group(1).replace(",", "."))
            del lines[k]
        break
    text = "\n".join(lines)
    frames = [int(m.group(2)) for m in _MDVD_FRAMES.finditer(text)]
    shift = -min(frames) if frames and min(frames) < 0 else 0
    if shift:
        def moved(m: re.Match[str]) -> str:
            end = f"{int(m.group(3)) + shift}" if m.group(3) else ""
            return f"{m.group(1)}{{{int(m.group(2)) + shift}}}{{{end}}}"

        text = _MDVD_FRAMES.sub(moved, text)
    return text, stated, shift


def _flag_overlaps(cues: list[Cue]) -> tuple[list[Cue], int]:
    over = [False] * len(cues)
    reach = -1
    for k, c in enumerate(cues):
        if reach >= 0 and c.start_ms < cues[reach].end_ms:
            over[k] = over[reach] = True
        if reach < 0 or c.end_ms > cues[reach].end_ms:
            reach = k
    out = [
        Cue(c.start_ms, c.end_ms, c.text, c.italic, (*c.flags, "overlap")) if over[k] else c
        for k, c in enumerate(cues)
    ]
    return out, sum(over)


# ---------------------------------------------------------------------------------- writing

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """Normalise a cue's text for writing: no control characters, no blank lines."""
    text = _XML_BAD.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [ln.strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def _times(cue: Cue) -> tuple[int, int]:
    start = max(0, int(cue.start_ms))
    return start, max(start, int(cue.end_ms))


def _clock(ms: int, sep: str) -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, milli = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"


def _srt(cues: Sequence[Cue]) -> str:
    out: list[str] = []
    k = 0
    for cue in cues:
        text = _clean(cue.text).replace("-->", "->")
        if not text:
            continue
        k += 1
        if cue.italic:
            text = "\n".join(f"<i>{ln}</i>" for ln in text.split("\n"))
        s, e = _times(cue)
        out.append(f"{k}\n{_clock(s, ',')} --> {_clock(e, ',')}\n{text}\n")
    return "\n".join(out)


def _vtt(cues: Sequence[Cue]) -> str:
    out: list[str] = ["WEBVTT\n"]
    for cue in cues:
        text = _clean(cue.text)
        if not text:
            continue
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if cue.italic:
            text = "\n".join(f"<i>{ln}</i>" for ln in text.split("\n"))
        s, e = _times(cue)
        out.append(f"{_clock(s, '.')} --> {_clock(e, '.')}\n{text}\n")
    return "\n".join(out)


def _ass(cues: Sequence[Cue]) -> str:
    import pysubs2

    subs = pysubs2.SSAFile()
    subs.info["Title"] = "Taura Desktop"
    subs.info["PlayResX"] = "1920"
    subs.info["PlayResY"] = "1080"
    subs.info["WrapStyle"] = "0"
    subs.info["ScaledBorderAndShadow"] = "yes"
    default = pysubs2.SSAStyle(
        fontname="Arial", fontsize=54, primarycolor=pysubs2.Color(255, 255, 255, 0),
        outlinecolor=pysubs2.Color(0, 0, 0, 0), backcolor=pysubs2.Color(0, 0, 0, 128),
        bold=False, italic=False, borderstyle=1, outline=2.5, shadow=1.0,
        alignment=pysubs2.Alignment.BOTTOM_CENTER, marginl=96, marginr=96, marginv=54,
    )
    subs.styles = {"Default": default, "Italic": default.copy()}
    subs.styles["Italic"].italic = True
    for cue in cues:
        text = _clean(cue.text)
        if not text:
            continue
        # ASS has no escape for braces: show them as full-width ones rather than lose the text
        text = text.replace("{", "｛").replace("}", "｝").replace("\\", "＼")
        s, e = _times(cue)
        subs.append(pysubs2.SSAEvent(start=s, end=e, text=text.replace("\n", "\\N"),
                                     style="Italic" if cue.italic else "Default"))
    out: str = subs.to_string("ass")
    return out


def format_for_path(path: str | os.PathLike[str]) -> str:
    fmt = _EXT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise SubtitleError(f"{path}: unknown subtitle extension (use .srt, .vtt, .ass or .ttml)")
    return fmt


def render_subtitles(cues: Sequence[Cue], fmt: str, lang: str = "und") -> str:
    """The file content for ``cues`` in ``fmt`` (one of :data:`WRITE_FORMATS`)."""
    ordered = sorted(cues, key=lambda c: (c.start_ms, c.end_ms))
    if fmt == "srt":
        return _srt(ordered)
    if fmt == "vtt":
        return _vtt(ordered)
    if fmt == "ass":
        return _ass(ordered)
    if fmt == "ttml":
        return render_ttml(ordered, lang=lang)
    raise SubtitleError(f"subtitle format {fmt!r}: cannot be written (use one of "
                        f"{', '.join(WRITE_FORMATS)})")


def write_subtitles(cues: Sequence[Cue], path: str | os.PathLike[str], fmt: str | None = None,
                    *, lang: str = "und") -> Path:
    """Write ``cues`` (sorted by start) to ``path`` atomically; returns the path.

    ``fmt`` in {"srt", "vtt", "ass", "ttml"}, taken from the extension when None. ``lang`` is
    the language tag written into TTML (``xml:lang``). Cues with blank text are skipped.
    """
    p = Path(path)
    fmt = (fmt or format_for_path(p)).lower()
    content = render_subtitles(cues, fmt, lang)
    if not p.parent.is_dir():
        raise SubtitleError(f"{p}: cannot write, folder {p.parent} does not exist")
    try:
        write_text_atomic(p, content)
    except OSError as exc:
        raise SubtitleError(f"{p}: cannot write ({exc.strerror or exc})") from None
    return p


# ------------------------------------------------------------------------------- matching


def match_by_overlap(targets: Sequence[tuple[str, int, int]], cues: Sequence[Cue]) -> dict[str, str]:
    """Give each cue's text to the target ``(id, start_ms, end_ms)`` it overlaps most.

    Several cues given to one target are joined with a space in time order (a cue's own line
    breaks become spaces). Ties go to the earlier target; cues overlapping no target are
    ignored; targets with no cue are absent from the result.
    """
    order = sorted(range(len(targets)), key=lambda k: (targets[k][1], targets[k][2]))
    starts = [targets[k][1] for k in order]
    max_len = max((max(0, t[2] - t[1]) for t in targets), default=0)
    got: dict[str, list[tuple[int, int, str]]] = {}
    for seq, cue in enumerate(sorted(cues, key=lambda c: (c.start_ms, c.end_ms))):
        lo = bisect.bisect_left(starts, cue.start_ms - max_len)
        hi = bisect.bisect_left(starts, cue.end_ms)
        best_id: str | None = None
        best_ov = 0
        for pos in range(lo, hi):
            tid, ts, te = targets[order[pos]]
            ov = min(te, cue.end_ms) - max(ts, cue.start_ms)
            if ov > best_ov:
                best_ov, best_id = ov, tid
        if best_id is None:
            continue
        text = " ".join(cue.text.split())
        if text:
            got.setdefault(best_id, []).append((cue.start_ms, seq, text))
    return {tid: " ".join(t for _, _, t in sorted(items)) for tid, items in got.items()}
