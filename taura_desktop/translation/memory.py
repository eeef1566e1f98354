"""User-wide translation memory: approved (source, target) texts per language pair.

SQLite in WAL mode (several editor windows and workers may read while one writes). Exact
lookups use a normalized key (Unicode NFKC, case-folded, whitespace collapsed). Fuzzy lookups
take candidates from an FTS5 word index (ranked by bm25, i.e. by shared rare words) and a
length window implied by the threshold, then score them with difflib's ratio, so a lookup
stays fast with 100k entries.
"""

from __future__ import annotations

import difflib
import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from taura_desktop.errors import BadInputError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tm (
    id INTEGER PRIMARY KEY,
    src_lang TEXT NOT NULL,
    tgt_lang TEXT NOT NULL,
    key TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    klen INTEGER NOT NULL,
    updated REAL NOT NULL,
    project TEXT NOT NULL DEFAULT '',
    segment TEXT NOT NULL DEFAULT '',
    approved INTEGER NOT NULL DEFAULT 1,
    UNIQUE (src_lang, tgt_lang, key)
);
CREATE VIRTUAL TABLE IF NOT EXISTS tm_fts USING fts5(
    key, content='tm', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS tm_ai AFTER INSERT ON tm BEGIN
    INSERT INTO tm_fts(rowid, key) VALUES (new.id, new.key);
END;
CREATE TRIGGER IF NOT EXISTS tm_ad AFTER DELETE ON tm BEGIN
    INSERT INTO tm_fts(tm_fts, rowid, key) VALUES ('delete', old.id, old.key);
END;
CREATE TRIGGER IF NOT EXISTS tm_au AFTER UPDATE OF key ON tm BEGIN
    INSERT INTO tm_fts(tm_fts, rowid, key) VALUES ('delete', old.id, old.key);
    INSERT INTO tm_fts(rowid, key) VALUES (new.id, new.key);
END;
"""

_WORD = re.compile(r"\w+", re.UNICODE)
CANDIDATES = 200  # FTS candidates scored per fuzzy lookup
#: Columns added after the first release (older memories get them on open).
_ADDED_COLUMNS = (
    ("project", "TEXT NOT NULL DEFAULT ''"),
    ("segment", "TEXT NOT NULL DEFAULT ''"),
    ("approved", "INTEGER NOT NULL DEFAULT 1"),
)


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True, slots=True)
class TmEntry:
    """One remembered translation and where it came from."""

    src_lang: str
    tgt_lang: str
    source: str
    target: str
    project: str = ""  # the project file it was approved in
    segment: str = ""  # the segment id there
    updated: float = 0.0  # seconds since the epoch (0: now, when adding)
    approved: bool = True  # a person approved it (only these fill segments without review)


@dataclass(frozen=True, slots=True)
class TmMatch:
    source: str
    target: str
    score: float  # 0..1, 1.0 = same normalized text


class TranslationMemory:
    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(str(self.db_path), check_same_thread=False, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            have = {str(r[1]) for r in self._db.execute("PRAGMA table_info(tm)")}
            for name, decl in _ADDED_COLUMNS:
                if name not in have:
                    self._db.execute(f"ALTER TABLE tm ADD COLUMN {name} {decl}")
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise BadInputError(f"{self.db_path}: not a usable translation memory ({exc})") from exc

    # -- lifecycle ----------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> TranslationMemory:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------
    def add(self, src_lang: str, tgt_lang: str, source: str, target: str) -> None:
        """Store an approved translation (replaces the target of an equal source)."""
        self.add_many([TmEntry(src_lang, tgt_lang, source, target)])

    def add_many(self, rows: Iterable[TmEntry | tuple[str, str, str, str]]) -> int:
        """Store entries (the newest wins per normalized source); returns how many were kept."""
        now = time.time()
        data = []
        for row in rows:
            e = row if isinstance(row, TmEntry) else TmEntry(*row)
            key = normalize(e.source)
            if key and e.target.strip():
                data.append((e.src_lang, e.tgt_lang, key, e.source, e.target, len(key),
                             e.updated or now, e.project, e.segment, int(e.approved)))
        with self._lock, self._db:
            self._db.executemany(
                "INSERT INTO tm (src_lang, tgt_lang, key, source, target, klen, updated, project, "
                "segment, approved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (src_lang, tgt_lang, key) DO UPDATE "
                "SET source = excluded.source, target = excluded.target, "
                "updated = excluded.updated, project = excluded.project, "
                "segment = excluded.segment, approved = excluded.approved",
                data,
            )
        return len(data)

    def entries(self, src_lang: str | None = None, tgt_lang: str | None = None) -> Iterator[TmEntry]:
        """Every entry (optionally of one language pair), oldest first."""
        sql = "SELECT src_lang, tgt_lang, source, target, project, segment, updated, approved FROM tm"
        args: list[str] = []
        where = []
        if src_lang:
            where.append("src_lang = ?")
            args.append(src_lang)
        if tgt_lang:
            where.append("tgt_lang = ?")
            args.append(tgt_lang)
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY updated, id", args).fetchall()
        for r in rows:
            yield TmEntry(str(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]),
                          float(r[6]), bool(r[7]))

    def remove(self, src_lang: str, tgt_lang: str, source: str) -> bool:
        with self._lock, self._db:
            cur = self._db.execute(
                "DELETE FROM tm WHERE src_lang = ? AND tgt_lang = ? AND key = ?",
                (src_lang, tgt_lang, normalize(source)),
            )
        return cur.rowcount > 0

    def __len__(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM tm").fetchone()
        return int(row[0])

    # -- lookup -------------------------------------------------------------------------
    def exact(self, src_lang: str, tgt_lang: str, source: str, *, approved_only: bool = False) -> str | None:
        """The stored target of the same normalized source (only a person's approved one
        with ``approved_only``), or None."""
        key = normalize(source)
        if not key:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT target, approved FROM tm WHERE src_lang = ? AND tgt_lang = ? AND key = ?",
                (src_lang, tgt_lang, key),
            ).fetchone()
        if row is None or (approved_only and not row[1]):
            return None
        return str(row[0])

    def fuzzy(
        self,
        src_lang: str,
        tgt_lang: str,
        source: str,
        threshold: float = 0.85,
        limit: int = 5,
    ) -> list[TmMatch]:
        """Stored sources similar to ``source`` (difflib ratio >= threshold), best first."""
        key = normalize(source)
        words = sorted(set(_WORD.findall(key)))
        if not key or not words or limit <= 0:
            return []
        t = max(0.01, min(1.0, threshold))
        # ratio = 2M/(a+b) >= t  implies  a*t/(2-t) <= b <= a*(2-t)/t
        lo, hi = int(len(key) * t / (2 - t)), int(len(key) * (2 - t) / t) + 1
        query = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        with self._lock:
            rows = self._db.execute(
                "SELECT tm.key, tm.source, tm.target FROM tm_fts JOIN tm ON tm.id = tm_fts.rowid "
                "WHERE tm_fts MATCH ? AND tm.src_lang = ? AND tm.tgt_lang = ? "
                "AND tm.klen BETWEEN ? AND ? ORDER BY tm_fts.rank LIMIT ?",
                (query, src_lang, tgt_lang, lo, hi, CANDIDATES),
            ).fetchall()
        matches: list[TmMatch] = []
        sm = difflib.SequenceMatcher(autojunk=False)
        sm.set_seq2(key)
        for cand_key, cand_source, cand_target in rows:
            sm.set_seq1(cand_key)
            if sm.real_quick_ratio() < t or sm.quick_ratio() < t:
                continue
            score = 1.0 if cand_key == key else sm.ratio()
            if score >= t:
                matches.append(TmMatch(cand_source, cand_target, round(score, 4)))
        matches.sort(key=lambda m: m.score, reverse=True)
        return matches[:limit]
