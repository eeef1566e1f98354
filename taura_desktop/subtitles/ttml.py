"""TTML / IMSC1 text profile writer (the Netflix timed-text deliverable) and a validator.

The document uses ``ttp:timeBase="media"`` with clock times ``HH:MM:SS.mmm``, declares
``xml:lang`` on the root, one bottom region and a default style (plus an italic style), and
writes line breaks as ``<br/>``. Text is XML-escaped and characters XML 1.0 forbids are
removed. :func:`validate_ttml` is a structural check of a TTML file (ours or another tool's).
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from taura_desktop.core.timecode import clock
from taura_desktop.errors import SubtitleError

if TYPE_CHECKING:
    from taura_desktop.subtitles.io import Cue

NS_TT = "http://www.w3.org/ns/ttml"
NS_TTP = "http://www.w3.org/ns/ttml#parameter"
NS_TTS = "http://www.w3.org/ns/ttml#styling"
NS_TTM = "http://www.w3.org/ns/ttml#metadata"
NS_XML = "http://www.w3.org/XML/1998/namespace"
IMSC1_TEXT_PROFILE = "http://www.w3.org/ns/ttml/profile/imsc1/text"

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def render_ttml(cues: Sequence[Cue], lang: str = "und", title: str = "") -> str:
    """TTML document text for ``cues`` (already sorted; blank cues are skipped)."""
    lang = lang if _LANG.match(lang or "") else "und"
    head = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<tt xmlns="{NS_TT}" xmlns:ttp="{NS_TTP}" xmlns:tts="{NS_TTS}" xmlns:ttm="{NS_TTM}"'
        f' ttp:timeBase="media" ttp:profile="{IMSC1_TEXT_PROFILE}" xml:lang="{lang}">',
        "  <head>",
        *(
            ["    <metadata>", f"      <ttm:title>{escape(_XML_BAD.sub('', title))}</ttm:title>",
             "    </metadata>"]
            if title
            else []
        ),
        "    <styling>",
        '      <style xml:id="s_default" tts:fontFamily="proportionalSansSerif"'
        ' tts:fontSize="100%" tts:lineHeight="125%" tts:color="white"'
        ' tts:textAlign="center" tts:textOutline="black 5%"/>',
        '      <style xml:id="s_italic" style="s_default" tts:fontStyle="italic"/>',
        "    </styling>",
        "    <layout>",
        '      <region xml:id="r_bottom" tts:origin="10% 10%" tts:extent="80% 80%"'
        ' tts:displayAlign="after" tts:textAlign="center"/>',
        "    </layout>",
        "  </head>",
        '  <body style="s_default" region="r_bottom">',
        "    <div>",
    ]
    body: list[str] = []
    k = 0
    for cue in cues:
        lines = [ln.strip() for ln in _XML_BAD.sub("", cue.text).replace("\r", "\n").split("\n")]
        lines = [ln for ln in lines if ln]
        if not lines:
            continue
        k += 1
        start = max(0, int(cue.start_ms))
        end = max(start, int(cue.end_ms))
        style = ' style="s_italic"' if cue.italic else ""
        content = "<br/>".join(escape(ln) for ln in lines)
        body.append(f'      <p xml:id="c{k}" begin="{clock(start)}" end="{clock(end)}"'
                    f"{style}>{content}</p>")
    tail = ["    </div>", "  </body>", "</tt>", ""]
    return "\n".join(head + body + tail)


_CLOCK = re.compile(r"^(\d{2,}):(\d{2}):(\d{2})(?:\.(\d+)|:(\d{2,})(?:\.\d+)?)?$")
_OFFSET = re.compile(r"^(\d+(?:\.\d+)?)(h|m|s|ms|f|t)$")


def parse_time(expr: str, frame_rate: float = 30.0, tick_rate: float = 1.0) -> float:
    """A TTML time expression -> milliseconds (clock time or offset time)."""
    expr = expr.strip()
    m = _CLOCK.match(expr)
    if m:
        h, mi, s, frac, frames = m.groups()
        if int(mi) > 59 or int(s) > 60:
            raise ValueError(expr)
        ms = (int(h) * 3600 + int(mi) * 60 + int(s)) * 1000.0
        if frac:
            ms += float("0." + frac) * 1000.0
        if frames:
            ms += int(frames) * 1000.0 / frame_rate
        return ms
    m = _OFFSET.match(expr)
    if m:
        val, unit = float(m.group(1)), m.group(2)
        return {
            "h": val * 3_600_000.0,
            "m": val * 60_000.0,
            "s": val * 1000.0,
            "ms": val,
            "f": val * 1000.0 / frame_rate,
            "t": val * 1000.0 / tick_rate,
        }[unit]
    raise ValueError(expr)


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def validate_ttml(path: str | os.PathLike[str]) -> int:
    """Check the structure of a TTML file; returns the number of ``<p>`` cues.

    Checked: well-formed XML; root ``tt`` in the TTML namespace with a non-empty, well-formed
    ``xml:lang``; ``ttp:timeBase`` absent or ``media``; ``head`` before ``body``; unique
    ``xml:id``s; every ``style``/``region`` reference defined; ``body > div > p`` nesting; each
    ``p`` has ``begin`` and ``end`` that parse, with ``begin < end``; begins non-decreasing;
    ``p`` holds only text, ``span`` and ``br``; no text outside ``p``. Raises
    :class:`SubtitleError` (one line) on the first problem.
    """
    name = str(path)
    try:
        root = ET.parse(name).getroot()
    except FileNotFoundError:
        raise SubtitleError(f"{name}: TTML file not found") from None
    except ET.ParseError as exc:
        raise SubtitleError(f"{name}: not well-formed XML ({exc})") from None
    except OSError as exc:
        raise SubtitleError(f"{name}: cannot be read ({exc.strerror or exc})") from None

    def fail(msg: str) -> SubtitleError:
        return SubtitleError(f"{name}: invalid TTML, {msg}")

    if root.tag != _q(NS_TT, "tt"):
        raise fail(f"root element is {root.tag!r}, expected tt in namespace {NS_TT}")
    lang = root.get(_q(NS_XML, "lang"))
    if lang is None:
        raise fail("tt has no xml:lang")
    if not _LANG.match(lang):
        raise fail(f"tt xml:lang {lang!r} is not a language tag")
    time_base = root.get(_q(NS_TTP, "timeBase"), "media")
    if time_base != "media":
        raise fail(f"ttp:timeBase is {time_base!r}, expected media")
    frame_rate = float(root.get(_q(NS_TTP, "frameRate"), "30") or 30)
    tick_rate = float(root.get(_q(NS_TTP, "tickRate"), "1") or 1)
    for attr in root.attrib:
        if attr.startswith("{") and attr.split("}")[0][1:] not in (NS_TTP, NS_TTS, NS_TTM,
                                                                     NS_XML, NS_TT):
            continue  # foreign namespaces are allowed
    children = list(root)
    tags = [c.tag for c in children]
    if tags.count(_q(NS_TT, "body")) > 1 or tags.count(_q(NS_TT, "head")) > 1:
        raise fail("tt has more than one head or body")
    if _q(NS_TT, "body") in tags and _q(NS_TT, "head") in tags and tags.index(
        _q(NS_TT, "head")
    ) > tags.index(_q(NS_TT, "body")):
        raise fail("head comes after body")
    ids: dict[str, str] = {}
    for el in root.iter():
        xid = el.get(_q(NS_XML, "id"))
        if xid is not None:
            if xid in ids:
                raise fail(f"duplicate xml:id {xid!r}")
            ids[xid] = el.tag
    styles = {i for i, t in ids.items() if t == _q(NS_TT, "style")}
    regions = {i for i, t in ids.items() if t == _q(NS_TT, "region")}
    for el in root.iter():
        for ref in (el.get("style") or "").split():
            if ref not in styles:
                raise fail(f"style {ref!r} is not defined")
        reg = el.get("region")
        if reg is not None and reg not in regions:
            raise fail(f"region {reg!r} is not defined")
    body = root.find(_q(NS_TT, "body"))
    if body is None:
        return 0
    count = 0
    last_begin = -1.0
    allowed_in_p = {_q(NS_TT, "span"), _q(NS_TT, "br"), _q(NS_TT, "set"),
                    _q(NS_TT, "metadata")}
    if (body.text or "").strip():
        raise fail("text directly inside body")
    for div in body:
        if div.tag != _q(NS_TT, "div"):
            if div.tag.startswith(f"{{{NS_TT}}}") and div.tag not in (_q(NS_TT, "metadata"),
                                                                         _q(NS_TT, "set")):
                raise fail(f"unexpected element {div.tag.split('}')[1]} in body")
            continue
        if (div.text or "").strip() or (div.tail or "").strip():
            raise fail("text outside a p element")
        for p in div:
            if (p.tail or "").strip():
                raise fail("text outside a p element")
            if p.tag == _q(NS_TT, "div"):
                raise fail("nested div is not supported by this check")
            if p.tag != _q(NS_TT, "p"):
                if p.tag.startswith(f"{{{NS_TT}}}") and p.tag != _q(NS_TT, "metadata"):
                    raise fail(f"unexpected element {p.tag.split('}')[1]} in div")
                continue
            count += 1
            b, e = p.get("begin"), p.get("end")
            label = p.get(_q(NS_XML, "id")) or f"#{count}"
            if b is None or e is None:
                raise fail(f"p {label} lacks begin or end")
            try:
                bm = parse_time(b, frame_rate, tick_rate)
                em = parse_time(e, frame_rate, tick_rate)
            except ValueError as exc:
                raise fail(f"p {label} has a bad time expression {exc}") from None
            if not bm < em:
                raise fail(f"p {label} begin {b} is not before end {e}")
            if bm < last_begin:
                raise fail(f"p {label} begins before the previous p")
            last_begin = bm
            for child in p.iter():
                if child is p:
                    continue
                if child.tag.startswith(f"{{{NS_TT}}}") and child.tag not in allowed_in_p:
                    raise fail(f"p {label} contains {child.tag.split('}')[1]}")
    return count


def parse_ttml(text: str) -> list[tuple[int, int, str, bool]]:
    """``(start_ms, end_ms, plain text, italic)`` for each ``p`` of a TTML document.

    Supports clock and offset times (frames and ticks too), ``dur``, times relative to timed
    ``body``/``div`` parents (par containers), ``<br/>``, styles referenced by id (with
    chained styles) and inline ``tts:fontStyle``. Raises ``ValueError`` on malformed input.
    """
    root = ET.fromstring(text.encode("utf-8") if text.startswith("<?xml") else text)
    if root.tag != _q(NS_TT, "tt"):
        raise ValueError(f"root element is {root.tag!r}, not tt")
    frame_rate = float(root.get(_q(NS_TTP, "frameRate"), "30") or 30)
    mult = (root.get(_q(NS_TTP, "frameRateMultiplier")) or "").split()
    if len(mult) == 2 and float(mult[1]) > 0:
        frame_rate = frame_rate * float(mult[0]) / float(mult[1])
    tick_rate = float(root.get(_q(NS_TTP, "tickRate"), "1") or 1)
    if frame_rate <= 0 or tick_rate <= 0:
        raise ValueError("bad frame or tick rate")
    style_el: dict[str, ET.Element] = {}
    for el in root.iter(_q(NS_TT, "style")):
        xid = el.get(_q(NS_XML, "id"))
        if xid:
            style_el[xid] = el

    def style_italic(ref: str, depth: int = 0) -> bool | None:
        el = style_el.get(ref)
        if el is None or depth > 16:
            return None
        own = el.get(_q(NS_TTS, "fontStyle"))
        if own is not None:
            return own in ("italic", "oblique")
        result: bool | None = None
        for parent in (el.get("style") or "").split():
            got = style_italic(parent, depth + 1)
            if got is not None:
                result = got
        return result

    def italic_of(el: ET.Element, inherited: bool) -> bool:
        val = inherited
        for ref in (el.get("style") or "").split():
            got = style_italic(ref)
            if got is not None:
                val = got
        own = el.get(_q(NS_TTS, "fontStyle"))
        if own is not None:
            val = own in ("italic", "oblique")
        return val

    def t(expr: str | None) -> float | None:
        return None if expr is None else parse_time(expr, frame_rate, tick_rate)

    out: list[tuple[int, int, str, bool]] = []

    def text_runs(el: ET.Element, italic: bool, runs: list[tuple[str, bool]]) -> None:
        if el.text:
            runs.append((el.text, italic))
        for child in el:
            if child.tag == _q(NS_TT, "br"):
                runs.append(("\n", italic))
            elif child.tag == _q(NS_TT, "span"):
                text_runs(child, italic_of(child, italic), runs)
            if child.tail:
                runs.append((child.tail, italic))

    def walk(el: ET.Element, offset: float, italic: bool) -> None:
        for child in el:
            tag = child.tag
            if tag not in (_q(NS_TT, "div"), _q(NS_TT, "p")):
                continue
            b = t(child.get("begin"))
            begin = offset + (b or 0.0)
            it = italic_of(child, italic)
            if tag == _q(NS_TT, "div"):
                walk(child, begin, it)
                continue
            e = t(child.get("end"))
            d = t(child.get("dur"))
            if e is not None:
                end = offset + e
            elif d is not None:
                end = begin + d
            else:
                continue
            runs: list[tuple[str, bool]] = []
            text_runs(child, it, runs)
            raw = "".join(r for r, _ in runs)
            lines = [" ".join(ln.split()) for ln in raw.split("\n")]
            plain = "\n".join(ln for ln in lines if ln)
            visible = sum(len("".join(r.split())) for r, _ in runs)
            ital = sum(len("".join(r.split())) for r, i in runs if i)
            out.append((round(begin), round(end), plain, visible > 0 and ital == visible))

    body = root.find(_q(NS_TT, "body"))
    if body is not None:
        b0 = t(body.get("begin")) or 0.0
        walk(body, b0, italic_of(body, False))
    return out
