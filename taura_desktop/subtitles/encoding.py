"""Text encoding of subtitle files: BOM, UTF-8, then the legacy code page that reads best.

Subtitles in the wild are mostly UTF-8 or a Windows code page (cp1250 for Central European
languages, cp1251 for Cyrillic, cp1252 for Western ...). Those code pages decode any byte
string without error, so the question is which one gives *text*: a candidate decoding scores
by how much of its non-ASCII content one language's alphabet explains (Czech read as cp1252
gives "Pøíští", which no alphabet has in full). A language hint (``--lang``) picks that
language's code page when it decodes cleanly. Multi-byte encodings (CJK) are left to
charset-normalizer. When the choice is a close call the result says so, and the caller shows
the encoding and how to force another one.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass

from taura_desktop.errors import SubtitleError
from taura_desktop.languages import primary_language

_LATIN = {
    "fr": "àâæçéèêëîïôœùûüÿ", "de": "äöüß", "es": "áéíóúñü", "pt": "áâãàçéêíóôõúü",
    "it": "àèéìíîòóùú", "nl": "éëïóöüèáà", "sv": "åäöé", "fi": "åäöšž", "da": "æøåé", "no": "æøåéèóôò",
    "is": "áðéíóúýþæö", "ca": "àçèéíïòóúü·", "cs": "áčďéěíňóřšťúůýž", "sk": "áäčďéíĺľňóôŕšťúýž",
    "pl": "ąćęłńóśźż", "hu": "áéíóöőúüű", "sl": "čšžéè", "hr": "čćđšž", "bs": "čćđšž",
    "ro": "ăâîșțşţ", "sq": "çë", "et": "äõöüšž", "lv": "āčēģīķļņšūž", "lt": "ąčęėįšųūž",
    "tr": "çğıöşüâîû", "az": "çəğıöşü",
}
_CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґђјљњћџўѓќѕ"
_GREEK = "αβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώϊϋΐΰ"
_ALPHABETS: dict[str, frozenset[str]] = {
    **{lang: frozenset(letters) for lang, letters in _LATIN.items()},
    "cyrillic": frozenset(_CYRILLIC),
    "el": frozenset(_GREEK),
    "he": frozenset(chr(c) for c in range(0x05D0, 0x05EB)) | frozenset(chr(c) for c in range(0x05B0, 0x05C8)),
    "ar": frozenset(chr(c) for c in range(0x0621, 0x065F)) | frozenset("پچژگکی"),
}
# Punctuation the Windows code pages share; anything else outside letters counts against.
_PUNCT = frozenset("“”‘’„‚–—…«»¿¡°€£©®™•·§×\u00a0\u200e\u200f")
# Tried in this order; on equal scores the earlier wins (cp1252 is the most common).
SINGLE_BYTE = ("cp1252", "cp1250", "cp1251", "cp1257", "cp1254", "cp1253", "cp1255", "cp1256", "koi8_r")
# The code page a language's legacy subtitles are usually in.
_LANG_CODEPAGE = {
    **dict.fromkeys(("cs", "sk", "pl", "hu", "sl", "hr", "bs", "ro", "sq"), "cp1250"),
    **dict.fromkeys(("ru", "uk", "be", "bg", "sr", "mk"), "cp1251"),
    **dict.fromkeys(("et", "lv", "lt"), "cp1257"),
    **dict.fromkeys(("tr", "az"), "cp1254"),
    "el": "cp1253", "he": "cp1255", "ar": "cp1256", "fa": "cp1256", "ur": "cp1256", "vi": "cp1258",
    "ja": "cp932", "zh": "gb18030", "ko": "cp949", "th": "cp874",
}
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD_NON_ASCII = re.compile(r"\w*[^\x00-\x7f]\w*")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
CLOSE_CALL = 0.05


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str
    confident: bool = True


def _fit(text: str) -> float:
    """How well one alphabet explains the non-ASCII characters of ``text`` (0..1)."""
    counts = Counter(ch.lower() for ch in _NON_ASCII.findall(text))
    total = sum(counts.values())
    if not total:
        return 1.0
    punct = sum(n for ch, n in counts.items() if ch in _PUNCT)
    letters = {ch: n for ch, n in counts.items() if ch not in _PUNCT}
    if not letters:
        return punct / total
    best = max(sum(n for ch, n in letters.items() if ch in alphabet) for alphabet in _ALPHABETS.values())
    # Latin letters and another script in one word ("Cafй" is French read as cp1251): wrong
    mixed = 0
    for word in _WORD_NON_ASCII.findall(text):
        if _ASCII_LETTER.search(word) and any(ord(ch) >= 0x370 for ch in word):
            mixed += sum(1 for ch in word if ord(ch) > 0x7F)
    return max(0, best + punct - 2 * mixed) / total


def _codec(name: str) -> str:
    return codecs.lookup(name).name


def decode_text(data: bytes, name: str, encoding: str | None = None, lang: str | None = None) -> Decoded:
    """Decode a subtitle file's bytes; ``encoding`` forces a codec, ``lang`` is a hint."""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise SubtitleError(f"{name}: unknown text encoding {encoding!r}") from None
        try:
            return Decoded(data.decode(encoding), encoding)
        except (UnicodeDecodeError, ValueError):
            raise SubtitleError(f"{name}: cannot be decoded as {encoding}") from None
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return Decoded(data.decode(enc), enc)
            except UnicodeDecodeError:
                raise SubtitleError(
                    f"{name}: invalid {enc} text (bad bytes after the byte order mark)"
                ) from None
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    base = primary_language(lang or "")
    hinted = _LANG_CODEPAGE.get(base, "cp1252" if base in _LATIN else None)
    if hinted:
        try:
            text = data.decode(hinted)
        except UnicodeDecodeError:
            pass
        else:
            if _fit(text) >= 1.0 - CLOSE_CALL or hinted not in SINGLE_BYTE:
                return Decoded(text, hinted)
    multi = _multibyte_guess(data)
    if multi is not None:
        return multi
    scored: list[tuple[float, int, str, str]] = []
    for order, enc in enumerate(SINGLE_BYTE):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        scored.append((_fit(text), -order, enc, text))
    if not scored:
        raise SubtitleError(f"{name}: not a text file (cannot detect its encoding)")
    scored.sort(reverse=True)
    fit, _, enc, text = scored[0]
    rivals = [s for s in scored[1:] if s[3] != text]
    confident = fit >= 1.0 - CLOSE_CALL and not (rivals and rivals[0][0] >= fit - CLOSE_CALL)
    return Decoded(text, enc, confident)


def _multibyte_guess(data: bytes) -> Decoded | None:
    """charset-normalizer's guess when it is a multi-byte encoding (CJK and the like)."""
    from charset_normalizer import from_bytes

    try:
        best = from_bytes(data).best()
    except Exception:  # heuristic library: never let it crash an import
        return None
    if best is None or best.encoding is None:
        return None
    try:
        info = codecs.lookup(best.encoding)
    except LookupError:
        return None
    if info.name in {_codec(e) for e in SINGLE_BYTE} or _is_single_byte(info.name):
        return None
    try:
        return Decoded(data.decode(info.name), info.name, best.chaos < 0.1)
    except (UnicodeDecodeError, ValueError):
        return None


def _is_single_byte(codec: str) -> bool:
    try:
        return len(bytes(range(256)).decode(codec, errors="replace")) == 256
    except (LookupError, ValueError):
        return False
