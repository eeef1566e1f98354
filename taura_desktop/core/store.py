"""One ``.taura`` file per project: an SQLite database in WAL mode.

Layout (schema version in ``PRAGMA user_version``, file identified by ``application_id``):

- ``meta(key, value)``: JSON values; ``project`` holds :class:`ProjectMeta`.
- ``speakers(id, data)`` and ``segments(id, start_ms, end_ms, data)``: one JSON row each.
- ``clips(key, sample_rate, data, codec, frames)``: synthesized voice clips (FLAC, 16-bit
  mono; see ``clipcodec``) live INSIDE the project file, keyed by their cache key, so a project
  is one self-contained file and "Save As" copies everything.
- ``cache(key, data)``: derived data worth keeping (waveform peaks).

Every write is its own transaction, committed before the call returns; with WAL and
``synchronous=NORMAL`` a killed process loses nothing that was committed and the file always
opens (power loss may cost the last transactions, never consistency).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from taura_desktop.core import clipcodec, serde
from taura_desktop.core.model import ProjectMeta, Segment, Speaker
from taura_desktop.errors import ProjectError

APPLICATION_ID = 0x54415552  # "TAUR"
SCHEMA_VERSION = 2
SUFFIX = ".taura"


def _migrate_0_to_1(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE speakers (id TEXT PRIMARY KEY, data TEXT NOT NULL);
        CREATE TABLE segments (
            id TEXT PRIMARY KEY,
            start_ms INTEGER NOT NULL,
            end_ms INTEGER NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX segments_start ON segments (start_ms);
        CREATE TABLE clips (key TEXT PRIMARY KEY, sample_rate INTEGER NOT NULL, data BLOB NOT NULL);
        CREATE TABLE cache (key TEXT PRIMARY KEY, data BLOB NOT NULL);
        """
    )


# MIGRATIONS[n] upgrades a database at schema n to n + 1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _migrate_0_to_1,
    1: clipcodec.migrate_1_to_2,
}


@dataclass(frozen=True, slots=True)
class LoadedProject:
    meta: ProjectMeta
    speakers: list[Speaker]
    segments: list[Segment]
    unclean_shutdown: bool
    last_write: float | None


class ProjectStore:
    """Low-level storage. :class:`taura_desktop.core.project.Project` is the API to use."""

    def __init__(self, path: Path, db: sqlite3.Connection) -> None:
        self.path = path
        self._db = db
        self._checkpoint_on_close = True

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, meta: ProjectMeta, *, overwrite: bool = False) -> ProjectStore:
        path = Path(path)
        if path.exists():
            if not overwrite:
                raise ProjectError(f"{path}: already exists (choose another name or overwrite)")
            path.unlink()
            for side in (Path(f"{path}-wal"), Path(f"{path}-shm")):
                side.unlink(missing_ok=True)
        if not path.parent.is_dir():
            raise ProjectError(f"{path}: folder {path.parent} does not exist")
        db = cls._connect(path)
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        store = cls(path, db)
        store._upgrade(0)
        with db:
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('project', ?)",
                (serde.dumps(serde.meta_to(meta)),),
            )
        return store

    @classmethod
    def open(cls, path: Path) -> ProjectStore:
        path = Path(path)
        if not path.exists():
            raise ProjectError(f"{path}: no such project file")
        if path.is_dir():
            raise ProjectError(f"{path}: is a folder, not a project file")
        if not os.access(path, os.R_OK):
            raise ProjectError(f"{path}: permission denied")
        if path.stat().st_size == 0:
            raise ProjectError(f"{path}: empty file, not a Taura project")
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise ProjectError(f"{path}: not a Taura project file")
        try:
            db = cls._connect(path)
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{path}: damaged project file ({exc})") from None
        if app_id != APPLICATION_ID:
            db.close()
            raise ProjectError(f"{path}: not a Taura project file")
        if version > SCHEMA_VERSION:
            db.close()
            raise ProjectError(
                f"{path}: written by a newer Taura (project schema {version}, this version "
                f"reads up to {SCHEMA_VERSION}); update Taura to open it"
            )
        store = cls(path, db)
        try:
            store._upgrade(version)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise ProjectError(f"{path}: cannot upgrade project ({exc})") from None
        return store

    @classmethod
    def open_for_clips(cls, path: Path | str) -> ProjectStore:
        """A second connection used by a worker to store voice clips while the editor (or
        CLI) keeps the project open; WAL lets both work at once."""
        store = cls.open(Path(path))
        store._checkpoint_on_close = False
        return store

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{path}: damaged project file ({exc})") from None
        return db

    def _upgrade(self, version: int) -> None:
        shrink = 1 <= version < 2  # clips re-encoded: give the freed pages back to the disk
        while version < SCHEMA_VERSION:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                MIGRATIONS[version](self._db)
                version += 1
                self._db.execute(f"PRAGMA user_version = {version}")
        if shrink:
            self._db.execute("VACUUM")

    # -- whole-project load ------------------------------------------------------------------
    def load(self) -> LoadedProject:
        try:
            rows = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            meta = serde.meta_from(json.loads(rows["project"]))
            speakers = [
                serde.speaker_from(sid, json.loads(data))
                for sid, data in self._db.execute("SELECT id, data FROM speakers ORDER BY rowid")
            ]
            segments = [
                serde.segment_from(sid, start, end, json.loads(data))
                for sid, start, end, data in self._db.execute(
                    "SELECT id, start_ms, end_ms, data FROM segments ORDER BY start_ms, id"
                )
            ]
        except (sqlite3.DatabaseError, KeyError, ValueError, TypeError, AttributeError) as exc:
            raise ProjectError(f"{self.path}: damaged project data ({type(exc).__name__}: {exc})") from None
        session = rows.get("session")
        last = rows.get("last_write")
        return LoadedProject(
            meta=meta,
            speakers=speakers,
            segments=segments,
            unclean_shutdown=session is not None,
            last_write=None if last is None else float(json.loads(last)),
        )

    # -- sessions (crash detection) ------------------------------------------------------------
    def begin_session(self) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('session', ?)",
                (serde.dumps({"pid": os.getpid(), "opened": time.time()}),),
            )

    def end_session(self) -> None:
        with self._db:
            self._db.execute("DELETE FROM meta WHERE key = 'session'")

    # -- writes --------------------------------------------------------------------------------
    def write(
        self,
        *,
        upsert_segments: Iterable[Segment] = (),
        delete_segments: Iterable[str] = (),
        upsert_speakers: Iterable[Speaker] = (),
        delete_speakers: Iterable[str] = (),
        meta: ProjectMeta | None = None,
    ) -> None:
        """Apply one logical change in a single committed transaction."""
        db = self._db
        db.execute("BEGIN")
        try:
            db.executemany("DELETE FROM segments WHERE id = ?", ((i,) for i in delete_segments))
            db.executemany(
                "INSERT OR REPLACE INTO segments (id, start_ms, end_ms, data) VALUES (?, ?, ?, ?)",
                ((s.id, s.start_ms, s.end_ms, serde.dumps(serde.segment_to(s))) for s in upsert_segments),
            )
            db.executemany("DELETE FROM speakers WHERE id = ?", ((i,) for i in delete_speakers))
            db.executemany(
                "INSERT OR REPLACE INTO speakers (id, data) VALUES (?, ?)",
                ((s.id, serde.dumps(serde.speaker_to(s))) for s in upsert_speakers),
            )
            if meta is not None:
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('project', ?)",
                    (serde.dumps(serde.meta_to(meta)),),
                )
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_write', ?)",
                (repr(time.time()),),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # -- voice clips ---------------------------------------------------------------------------
    def put_clip(self, key: str, sample_rate: int, samples: np.ndarray) -> None:
        """Store a mono clip (FLAC); float input is rounded to 16-bit PCM."""
        pcm = clipcodec.to_pcm16(samples)
        blob = clipcodec.encode(pcm, sample_rate)
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO clips (key, sample_rate, data, codec, frames) VALUES (?, ?, ?, ?, ?)",
                (key, int(sample_rate), blob, clipcodec.FLAC, len(pcm)),
            )

    def has_clip(self, key: str) -> bool:
        row = self._db.execute("SELECT 1 FROM clips WHERE key = ?", (key,)).fetchone()
        return row is not None

    def get_clip(self, key: str) -> tuple[int, np.ndarray] | None:
        """(sample_rate, int16 samples), or None when absent."""
        row = self._db.execute(
            "SELECT sample_rate, data, codec FROM clips WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        return int(row[0]), clipcodec.decode(row[2], row[1], f"{self.path}: clip {key}")

    def clip_frames(self, key: str) -> tuple[int, int] | None:
        """(sample_rate, length in samples) of a stored clip without decoding it; None when
        absent."""
        row = self._db.execute("SELECT sample_rate, frames FROM clips WHERE key = ?", (key,)).fetchone()
        if row is None or row[1] is None:
            return None
        return int(row[0]), int(row[1])

    def clip_keys(self) -> set[str]:
        return {k for (k,) in self._db.execute("SELECT key FROM clips")}

    def delete_clips(self, keys: Sequence[str]) -> None:
        with self._db:
            self._db.executemany("DELETE FROM clips WHERE key = ?", ((k,) for k in keys))

    # -- derived-data cache ----------------------------------------------------------------------
    def put_cache(self, key: str, data: bytes) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO cache (key, data) VALUES (?, ?)", (key, data))

    def get_cache(self, key: str) -> bytes | None:
        row = self._db.execute("SELECT data FROM cache WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    # -- copies --------------------------------------------------------------------------------
    def backup_to(self, path: Path) -> None:
        """A full, consistent copy (SQLite online backup) — used by Save As."""
        path = Path(path)
        tmp = path.with_name(path.name + ".part")
        tmp.unlink(missing_ok=True)
        dst = sqlite3.connect(tmp)
        try:
            self._db.backup(dst)
            dst.execute("DELETE FROM meta WHERE key = 'session'")
            dst.commit()
        finally:
            dst.close()
        os.replace(tmp, path)

    def close(self) -> None:
        if self._checkpoint_on_close:
            with contextlib.suppress(sqlite3.DatabaseError):
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()
