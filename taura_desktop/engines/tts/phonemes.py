"""Text -> Kokoro phoneme strings, with espeak-ng's IPA for the target language.

Recipe (Kokoro-82M v1.0's vocabulary): ``espeak-ng -q -v VOICE --ipa --tie=^`` per clause; the
tied pairs become Kokoro's single symbols (a^ɪ->I, a^ʊ->W, e^ɪ->A, o^ʊ->O, ə^ʊ->Q, t^ʃ->ʧ,
d^ʒ->ʤ, t^s->ʦ, d^z->ʣ, ɔ^ɪ->Y), any other tie is dropped; in English ɚ->əɹ and x->k; the
clause punctuation is kept (espeak-ng drops it, so the text is split at punctuation first and
the marks are put back). Ids come from the model's ``vocab.json``; symbols it lacks are dropped.

All clauses of a batch go to ONE espeak-ng call (one per line); when espeak-ng splits a line
into several clauses the batch falls back to one call per clause, so the result never depends
on how espeak-ng groups its output.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from taura_desktop.engines.tts.espeak import find_binary
from taura_desktop.errors import EngineUnavailableError
from taura_desktop.languages import ESPEAK_VOICES, language_tag

TIES: tuple[tuple[str, str], ...] = (
    ("a^ɪ", "I"),
    ("a^ʊ", "W"),
    ("e^ɪ", "A"),
    ("o^ʊ", "O"),
    ("ə^ʊ", "Q"),
    ("t^ʃ", "ʧ"),
    ("d^ʒ", "ʤ"),
    ("t^s", "ʦ"),
    ("d^z", "ʣ"),
    ("ɔ^ɪ", "Y"),
)

#: The languages Kokoro v1.0 was trained on, minus Japanese and Chinese (they need their own
#: g2p); their phonemes come from the espeak-ng voice the espeak engine speaks them with.
KOKORO_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "hi", "it", "pt")
KOKORO_VOICES: dict[str, str] = {
    tag: voice for tag, voice in ESPEAK_VOICES.items() if tag.split("-")[0] in KOKORO_LANGUAGES
}

# A clause ends at a run of these marks followed by a space (or the end): "5.50", "3:30" and
# "e.g.x" stay whole, so espeak-ng still reads numbers and abbreviations as words.
_BREAK = re.compile(r"([,.;:!?…]+|\s[—–-]+)[\"'”’»)\]]*(?=\s|$)|—")
_KEEP_MARKS = frozenset(",.;:!?…—")


@dataclass(frozen=True, slots=True)
class Clause:
    text: str  # what espeak-ng reads ("" for punctuation alone)
    marks: str  # punctuation kept after the clause's phonemes


def espeak_voice_for(lang: str) -> str:
    """The espeak-ng voice whose phonemes Kokoro gets for ``lang``; EngineUnavailableError when
    Kokoro cannot speak it."""
    code = language_tag(lang)
    for key in (code, code.split("-")[0]):
        if key in KOKORO_VOICES:
            return KOKORO_VOICES[key]
    raise EngineUnavailableError(
        f"kokoro: no phonemes for language '{lang}' (supported: {', '.join(sorted(KOKORO_VOICES))})"
    )


def split_clauses(text: str) -> list[Clause]:
    """The text as clauses with their trailing punctuation (only marks Kokoro knows)."""
    text = " ".join(text.split())
    out: list[Clause] = []
    pos = 0
    for m in _BREAK.finditer(text):
        body = text[pos : m.start()].strip()
        mark = m.group(0).strip()
        marks = "—" if mark[:1] in "—–-" else "".join(ch for ch in mark if ch in _KEEP_MARKS)
        out.append(Clause(body if _speakable(body) else "", marks))
        pos = m.end()
    tail = text[pos:].strip()
    if _speakable(tail):
        out.append(Clause(tail, ""))
    return [c for c in out if c.text or c.marks]


def _speakable(s: str) -> bool:
    return any(ch.isalnum() for ch in s)


def ipa_to_kokoro(ipa: str, lang: str) -> str:
    """espeak-ng IPA (with ``^`` ties) -> Kokoro symbols."""
    s = " ".join(ipa.split())
    for tied, sym in TIES:
        s = s.replace(tied, sym)
    s = s.replace("^", "")
    if lang.lower().startswith("en"):
        s = s.replace("ɚ", "əɹ").replace("x", "k")
    return s


def _espeak(binary: str, voice: str, lines: Sequence[str]) -> list[str]:
    data = "\n".join(lines).encode("utf-8") + b"\n"
    try:
        res = subprocess.run(
            [binary, "-q", "-v", voice, "--ipa", "--tie=^"], input=data, capture_output=True, check=False
        )
    except OSError as exc:
        raise EngineUnavailableError(f"espeak-ng: cannot run ({exc})") from None
    if res.returncode != 0:
        err = res.stderr.decode("utf-8", "replace").strip().splitlines()
        why = err[0] if err else f"exit status {res.returncode}"
        raise EngineUnavailableError(f"espeak-ng: phonemes for voice '{voice}' failed: {why}")
    return [ln.strip() for ln in res.stdout.decode("utf-8", "replace").splitlines() if ln.strip()]


def espeak_ipa(lines: Sequence[str], voice: str, *, binary: str | None = None) -> list[str]:
    """IPA (tied) of each line: one espeak-ng call for all, one per line when espeak-ng does not
    give back exactly one clause per line."""
    if not lines:
        return []
    exe = binary or find_binary()
    got = _espeak(exe, voice, lines)
    if len(got) == len(lines):
        return got
    return [" ".join(_espeak(exe, voice, [line])) for line in lines]


def phonemize(texts: Sequence[str], lang: str, *, binary: str | None = None) -> list[str]:
    """Kokoro phoneme strings for ``texts`` in ``lang`` (one espeak-ng call for the batch)."""
    voice = espeak_voice_for(lang)
    clauses = [split_clauses(t) for t in texts]
    spoken = [c.text for cs in clauses for c in cs if c.text]
    ipa = iter(espeak_ipa(spoken, voice, binary=binary))
    out: list[str] = []
    for cs in clauses:
        parts: list[str] = []
        for c in cs:
            ph = ipa_to_kokoro(next(ipa), lang) if c.text else ""
            if ph:
                parts.append(ph + c.marks)
            elif c.marks and parts:
                parts[-1] += c.marks
        out.append(" ".join(parts))
    return out


def to_ids(phonemes: str, vocab: Mapping[str, int]) -> list[int]:
    """Token ids of the symbols ``vocab`` knows (unknown symbols are dropped)."""
    return [vocab[ch] for ch in phonemes if ch in vocab]


def split_ids(phonemes: str, vocab: Mapping[str, int], max_tokens: int) -> list[list[int]]:
    """Ids in pieces of at most ``max_tokens``, cut after punctuation, else at a space."""
    ids = to_ids(phonemes, vocab)
    if len(ids) <= max_tokens:
        return [ids] if ids else []
    breaks = {vocab[m] for m in _KEEP_MARKS if m in vocab}
    space = vocab.get(" ")
    pieces: list[list[int]] = []
    while len(ids) > max_tokens:
        window = ids[: max_tokens + 1]
        cut = max((i + 1 for i, t in enumerate(window[:max_tokens]) if t in breaks), default=0)
        if cut < max_tokens // 3 and space is not None:
            cut = max((i for i, t in enumerate(window) if t == space), default=0)
        if cut <= 0:
            cut = max_tokens
        pieces.append(_strip(ids[:cut], space))
        ids = _strip(ids[cut:], space)
    if ids:
        pieces.append(ids)
    return [p for p in pieces if p]


def _strip(ids: list[int], space: int | None) -> list[int]:
    a, b = 0, len(ids)
    while a < b and ids[a] == space:
        a += 1
    while b > a and ids[b - 1] == space:
        b -= 1
    return ids[a:b]
