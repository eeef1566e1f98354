"""TMX 1.4 (the exchange format of translation-memory and CAT tools) to and from our memory.

Export writes one ``<tu>`` per entry with the source and target ``<tuv>``, the entry's date as
``changedate`` and its origin (project, segment) as ``x-taura-*`` properties. Import reads TMX
from other tools too: ``xml:lang`` or the TMX 1.1 ``lang`` attribute, any number of variants per
unit (each paired with the header's ``srclang``, or with the first variant when it is
``*all*``), and inline markup in ``<seg>`` (codes such as ``<bpt>``/``<ph>`` are dropped, the
text of ``<hi>``/``<sub>`` kept).
"""

from __future__ import annotations

import calendar
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from taura_desktop.errors import BadInputError
from taura_desktop.languages import language_tag, primary_language
from taura_desktop.translation.memory import TmEntry

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CODES = frozenset({"bpt", "ept", "ph", "it", "ut"})  # native codes: not translatable text
PROP_PROJECT = "x-taura-project"
PROP_SEGMENT = "x-taura-segment"
PROP_APPROVED = "x-taura-approved"


def _tmx_date(ts: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(ts))


def _parse_date(text: str | None) -> float:
    if not text:
        return 0.0
    try:
        return float(calendar.timegm(time.strptime(text.strip(), "%Y%m%dT%H%M%SZ")))
    except ValueError:
        return 0.0


def tmx_lang(code: str) -> str:
    """A TMX language attribute as our code: ``EN-US`` -> ``en``, ``zh-Hant`` -> ``zh-hant``."""
    low = language_tag(code)
    base = primary_language(low)
    return low if base == "zh" else base


def write_tmx(entries: Iterable[TmEntry], out: Path, *, tool_version: str = "1") -> int:
    """Write ``entries`` as TMX 1.4 to ``out``; returns the number of units."""
    rows = list(entries)
    src = rows[0].src_lang if rows and len({e.src_lang for e in rows}) == 1 else "*all*"
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<tmx version="1.4">',
        f'  <header creationtool="Taura" creationtoolversion={quoteattr(tool_version)} '
        f'segtype="sentence" o-tmf="taura-sqlite" adminlang="en" srclang={quoteattr(src)} '
        'datatype="plaintext"/>',
        "  <body>",
    ]
    for e in rows:
        date = _tmx_date(e.updated or time.time())
        lines.append(f'    <tu srclang={quoteattr(e.src_lang)} creationdate="{date}" changedate="{date}">')
        if e.project:
            lines.append(f'      <prop type="{PROP_PROJECT}">{escape(e.project)}</prop>')
        if e.segment:
            lines.append(f'      <prop type="{PROP_SEGMENT}">{escape(e.segment)}</prop>')
        if not e.approved:
            lines.append(f'      <prop type="{PROP_APPROVED}">no</prop>')
        for lang, text in ((e.src_lang, e.source), (e.tgt_lang, e.target)):
            lines.append(f"      <tuv xml:lang={quoteattr(lang)}><seg>{escape(text)}</seg></tuv>")
        lines.append("    </tu>")
    lines += ["  </body>", "</tmx>", ""]
    out.write_text("\n".join(lines), encoding="utf-8")
    return len(rows)


def _seg_text(seg: ET.Element) -> str:
    parts = [seg.text or ""]
    for child in seg:
        tag = child.tag.rsplit("}", 1)[-1]
        if tag not in CODES:
            parts.append(_seg_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def read_tmx(path: Path) -> Iterator[TmEntry]:
    """The translation pairs in a TMX file (BadInputError naming the file when it is not TMX)."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise BadInputError(f"{path}: not a readable TMX file ({exc})") from None
    if root.tag != "tmx":
        raise BadInputError(f"{path}: not a TMX file (root element <{root.tag}>)")
    header = root.find("header")
    body = root.find("body")
    if body is None:
        raise BadInputError(f"{path}: TMX without a <body>")
    header_src = header.get("srclang", "*all*") if header is not None else "*all*"
    for tu in body.iter("tu"):
        variants: list[tuple[str, str]] = []
        for tuv in tu.findall("tuv"):
            lang = tuv.get(XML_LANG) or tuv.get("lang")
            seg = tuv.find("seg")
            if lang and seg is not None:
                variants.append((tmx_lang(lang), _seg_text(seg).strip()))
        if len(variants) < 2:
            continue
        props = {p.get("type", ""): (p.text or "") for p in tu.findall("prop")}
        src_attr = tu.get("srclang") or header_src
        src_lang = tmx_lang(src_attr) if src_attr != "*all*" else variants[0][0]
        sources = [text for lang, text in variants if lang == src_lang]
        if not sources or not sources[0]:
            continue
        date = _parse_date(tu.get("changedate") or tu.get("creationdate"))
        for lang, text in variants:
            if lang != src_lang and text:
                yield TmEntry(
                    src_lang,
                    lang,
                    sources[0],
                    text,
                    project=props.get(PROP_PROJECT, ""),
                    segment=props.get(PROP_SEGMENT, ""),
                    updated=date,
                    approved=props.get(PROP_APPROVED, "yes") != "no",
                )
