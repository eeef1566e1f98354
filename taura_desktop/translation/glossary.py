"""Glossary and do-not-translate terms, enforced around any MT engine.

``protect`` replaces each do-not-translate term and each glossary source term that has a
target for the language with a placeholder token (``ZXQ0``, ``ZXQ1``...). Such a token is an
unknown word to apertium (passed through unchanged, its ``*`` mark removed by the engine)
and a plain Latin-letter sequence SentencePiece keeps and NMT models copy. ``restore`` puts
the wanted term back; it tolerates the case changes and inner spaces engines may introduce.
``check`` lists terms whose target is missing from a translation (-> flag ``glossary``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from taura_desktop.atomic import write_text_atomic
from taura_desktop.core.model import GlossaryEntry
from taura_desktop.errors import BadInputError

GLOSSARY_FLAG = "glossary"
PLACEHOLDER_PREFIX = "ZXQ"
_PLACEHOLDER_RE = re.compile(r"Z\s?X\s?Q\s?(\d+)", re.IGNORECASE)
FILE_VERSION = 1


def _term_re(term: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(w) for w in term.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


class Glossary:
    def __init__(self, entries: Sequence[GlossaryEntry] = ()) -> None:
        # later entries win for the same source term (project after user-wide)
        by_key: dict[str, GlossaryEntry] = {}
        for e in entries:
            if e.source.strip():
                by_key[e.source.strip().casefold()] = e
        self.entries: tuple[GlossaryEntry, ...] = tuple(by_key.values())
        # longest terms first, so "Taura Desktop" wins over "Taura"
        self._ordered = sorted(self.entries, key=lambda e: len(e.source), reverse=True)
        self._patterns = {e.source: _term_re(e.source.strip()) for e in self.entries}

    def __len__(self) -> int:
        return len(self.entries)

    @classmethod
    def merged(cls, *glossaries: Glossary) -> Glossary:
        """Later glossaries override earlier ones term by term (user-wide, then project)."""
        return cls([e for g in glossaries for e in g.entries])

    def _replacement(self, entry: GlossaryEntry, matched: str, tgt: str) -> str | None:
        target = (entry.targets or {}).get(tgt)
        if target:
            return target
        if entry.dnt:
            return matched  # keep the source spelling as written
        return None

    def protect(self, text: str, src: str, tgt: str) -> tuple[str, dict[str, str]]:
        """Replace protected terms with placeholders; returns (text, {placeholder: term})."""
        del src
        placeholders: dict[str, str] = {}
        spans: list[tuple[int, int, str]] = []
        for entry in self._ordered:
            for m in self._patterns[entry.source].finditer(text):
                if any(m.start() < e and s < m.end() for s, e, _ in spans):
                    continue  # inside a longer term already protected
                repl = self._replacement(entry, m.group(0), tgt)
                if repl is not None:
                    spans.append((m.start(), m.end(), repl))
        out = text
        # number placeholders left to right, replace right to left
        ordered = sorted(spans, key=lambda sp: sp[0])
        for idx in range(len(ordered) - 1, -1, -1):
            s, e, repl = ordered[idx]
            token = f"{PLACEHOLDER_PREFIX}{idx}"
            placeholders[token] = repl
            out = out[:s] + token + out[e:]
        return out, placeholders

    @staticmethod
    def restore(translated: str, placeholders: dict[str, str]) -> str:
        """Put each placeholder's term back (a lost placeholder is left for ``check``)."""
        if not placeholders:
            return translated

        def sub(m: re.Match[str]) -> str:
            return placeholders.get(f"{PLACEHOLDER_PREFIX}{int(m.group(1))}", m.group(0))

        return _PLACEHOLDER_RE.sub(sub, translated)

    def check(self, source: str, translation: str, src: str, tgt: str) -> list[str]:
        """Source terms present in ``source`` whose expected rendering is missing, in order."""
        del src
        lost: list[tuple[int, str]] = []
        for entry in self._ordered:
            m = self._patterns[entry.source].search(source)
            if m is None:
                continue
            expected = self._replacement(entry, m.group(0), tgt)
            if expected is None:
                continue
            if not _term_re(expected).search(translation):
                lost.append((m.start(), entry.source))
        return [term for _, term in sorted(lost)]

    def protect_batch(
        self, texts: Sequence[str], src: str, tgt: str
    ) -> tuple[list[str], list[dict[str, str]]]:
        pairs = [self.protect(t, src, tgt) for t in texts]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    # -- file -------------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path) -> Glossary:
        """Read a glossary JSON file; a missing file is an empty glossary."""
        path = Path(path)
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise BadInputError(f"{path}: not a readable glossary file ({exc})") from exc
        raw = data.get("entries") if isinstance(data, dict) else data
        if not isinstance(raw, list):
            raise BadInputError(f"{path}: glossary file has no entries list")
        return cls(list(_entries_from_json(raw, path)))

    def save(self, path: Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "version": FILE_VERSION,
            "entries": [
                {"source": e.source, "targets": dict(e.targets), "dnt": e.dnt}
                for e in self.entries
            ],
        }
        write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=1))


def _entries_from_json(raw: Iterable[object], path: Path) -> Iterable[GlossaryEntry]:
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("source"), str):
            raise BadInputError(f"{path}: glossary entry {i} has no source term")
        targets = item.get("targets") or {}
        if not isinstance(targets, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in targets.items()
        ):
            raise BadInputError(f"{path}: glossary entry {i} has invalid targets")
        yield GlossaryEntry(source=item["source"], targets=dict(targets),
                            dnt=bool(item.get("dnt", False)))
