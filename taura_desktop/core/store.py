"""One ``.taura`` file per project: an SQLite database in WAL mode.

Layout (schema version in ``PRAGMA user_version``, file identified by ``application_id``):

- ``meta(key, value)``: JSON values; ``project`` holds :class:`ProjectMeta`.
- ``speakers(id, data)`` and ``segments(id, start_ms, end_ms, data)``: one JSON row each.
- ``clips(key, sample_rate, data, codec, frames)``: synthesized voice clips (FLAC, 16-bit
  mono; natural takes kept only for re-fitting as Vorbis; see ``clipcodec``) live INSIDE the
  project file, keyed by their cache key, so a project is one self-contained file and
  "Save As" copies everything.
- ``cache(key, data)``: derived data worth keeping (waveform peaks).

Every write is its own transaction, committed before the call returns; with WAL and
``synchronous=NORMAL`` a killed process loses nothing that was committed and the file always
opens (power loss may cost the last transactions, never consistency).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np

from taura_desktop.core import clipcodec, serde
from taura_desktop.core.lock import ProjectLock, holder_of
from taura_desktop.core.model import ProjectMeta, Segment, Speaker
from taura_desktop.errors import ProjectError, ReadOnlyProjectError

APPLICATION_ID = 0x54415552  # "TAUR"
SCHEMA_VERSION = 3
SUFFIX = ".taura"


def _migrate_0_to_1(db: sqlite3.Connection) -> None:
    # one execute per statement: executescript would commit, and a migration runs inside the
    # caller's transaction (all of it or nothing)
    for statement in (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE speakers (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
        "CREATE TABLE segments (id TEXT PRIMARY KEY, start_ms INTEGER NOT NULL,"
        " end_ms INTEGER NOT NULL, data TEXT NOT NULL)",
        "CREATE INDEX segments_start ON segments (start_ms)",
        "CREATE TABLE clips (key TEXT PRIMARY KEY, sample_rate INTEGER NOT NULL, data BLOB NOT NULL)",
        "CREATE TABLE cache (key TEXT PRIMARY KEY, data BLOB NOT NULL)",
    ):
        db.execute(statement)


# MIGRATIONS[n] upgrades a database at schema n to n + 1.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _migrate_0_to_1,
    1: clipcodec.migrate_1_to_2,
    2: clipcodec.migrate_2_to_3,
}


def _check_header(path: Path) -> int:
    """Refuse anything that is not a Taura project before SQLite opens it; the schema version."""
    if not path.exists():
        raise ProjectError(f"{path}: no such project file")
    if path.is_dir():
        raise ProjectError(f"{path}: is a folder, not a project file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except PermissionError:
        raise ProjectError(f"{path}: permission denied") from None
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be read ({exc.strerror})") from None
    if not head:
        raise ProjectError(f"{path}: empty file, not a Taura project")
    if not head.startswith(b"SQLite format 3\x00"):
        raise ProjectError(f"{path}: not a Taura project file")
    if len(head) < 100:
        raise ProjectError(f"{path}: damaged project file (truncated header)")
    app_id = int.from_bytes(head[68:72], "big")
    if app_id != APPLICATION_ID:
        if app_id == 0 and int.from_bytes(head[28:32], "big") == 0:
            raise ProjectError(f"{path}: damaged project file (empty database)")
        raise ProjectError(f"{path}: not a Taura project file")
    return int.from_bytes(head[60:64], "big", signed=True)


def _newer_check(path: Path, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise ProjectError(
            f"{path}: written by a newer Taura (project schema {version}, this version "
            f"reads up to {SCHEMA_VERSION}); update Taura to open it"
        )


def _no_space(path: Path) -> bool:
    """SQLite reports some writes that failed for want of space as I/O errors."""
    try:
        st = os.statvfs(path.parent)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 1024 * 1024


def _on_read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _remove_db_files(path: Path, *, keep_main: bool = False) -> None:
    names = [f"{path}-wal", f"{path}-shm", f"{path}-journal"]
    if not keep_main:
        names.append(str(path))
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _raise_write_error(path: Path, exc: BaseException) -> NoReturn:
    """One line naming the file: a full disk, a read-only file, or the database's complaint."""
    code = getattr(exc, "sqlite_errorcode", None)
    text = str(exc)
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            raise ProjectError(f"{path}: disk full, nothing was saved") from None
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise ReadOnlyProjectError(f"{path}: read-only ({exc.strerror}); nothing was saved") from None
        raise ProjectError(f"{path}: cannot save ({exc.strerror or exc})") from None
    if code == sqlite3.SQLITE_FULL or "disk is full" in text or ("I/O error" in text and _no_space(path)):
        raise ProjectError(f"{path}: disk full, nothing was saved") from None
    if code == sqlite3.SQLITE_READONLY or "readonly" in text:
        raise ReadOnlyProjectError(f"{path}: read-only ({text}); nothing was saved") from None
    raise ProjectError(f"{path}: cannot save ({text})") from None


@contextlib.contextmanager
def _saving(path: Path) -> Iterator[None]:
    try:
        yield
    except (sqlite3.OperationalError, OSError) as exc:
        _raise_write_error(path, exc)
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: damaged project file ({exc})") from None


@dataclass(frozen=True, slots=True)
class LoadedProject:
    meta: ProjectMeta
    speakers: list[Speaker]
    segments: list[Segment]
    unclean_shutdown: bool
    last_write: float | None


class ProjectStore:
    """Low-level storage. :class:`taura_desktop.core.project.Project` is the API to use.

    A store opened for writing holds the project's :class:`ProjectLock` (one writer at a
    time); a read-only store takes no lock, never writes and refuses changes.
    """

    def __init__(
        self, path: Path, db: sqlite3.Connection, *, lock: ProjectLock | None = None, read_only: bool = False
    ) -> None:
        self.path = path
        self._db = db
        self._lock = lock
        self.read_only = read_only
        self._checkpoint_on_close = not read_only

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    def create(cls, path: Path, meta: ProjectMeta, *, overwrite: bool = False) -> ProjectStore:
        """Make a new project file. It is built under a temporary name and renamed into place,
        so a failure (a full disk) leaves nothing half-made and an overwritten project intact."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise ProjectError(f"{path}: already exists (choose another name or overwrite)")
        if not path.parent.is_dir():
            raise ProjectError(f"{path}: folder {path.parent} does not exist")
        lock = ProjectLock.acquire(path)
        tmp = path.with_name(f".{path.name}.new")
        try:
            _remove_db_files(tmp)
            db = sqlite3.connect(tmp, isolation_level=None)
            try:
                with _saving(path):
                    db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # space of removed clips goes back
                    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    MIGRATIONS[0](db)
                    for version in range(1, SCHEMA_VERSION):
                        MIGRATIONS[version](db)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                    db.execute(
                        "INSERT INTO meta (key, value) VALUES ('project', ?)",
                        (serde.dumps(serde.meta_to(meta)),),
                    )
            finally:
                db.close()
            with _saving(path):
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                _remove_db_files(path, keep_main=True)
                os.replace(tmp, path)
        except BaseException:
            _remove_db_files(tmp)
            lock.release()
            raise
        try:
            db = cls._connect(path)
        except BaseException:
            lock.release()
            raise
        return cls(path, db, lock=lock)

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False, wait_s: float = 0.0) -> ProjectStore:
        """Open for writing (taking the project lock) or ``read_only`` (no lock, no writes).

        The file is identified from its header before SQLite touches it, so a foreign
        database is refused unmodified; a quick integrity check catches damage mid-file."""
        path = Path(path)
        _newer_check(path, _check_header(path))
        lock: ProjectLock | None = None
        if not read_only:
            if not os.access(path, os.W_OK):
                raise ReadOnlyProjectError(
                    f"{path}: read-only file; it can be read and exported but not changed"
                )
            lock = ProjectLock.acquire(path, wait_s=wait_s)
        try:
            db = cls._connect_ro(path) if read_only else cls._connect(path)
            store = cls(path, db, lock=lock, read_only=read_only)
        except BaseException:
            if lock is not None:
                lock.release()
            raise
        try:
            store._quick_check()
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            _newer_check(path, version)
            if version < SCHEMA_VERSION and not read_only:  # a reader reads it as it is
                try:
                    store._upgrade(version)
                except sqlite3.DatabaseError as exc:
                    raise ProjectError(f"{path}: cannot upgrade project ({exc})") from None
        except BaseException:
            store._checkpoint_on_close = False
            store.close()
            raise
        return store

    @classmethod
    def open_for_clips(cls, path: Path | str) -> ProjectStore:
        """A second connection used by a worker to store voice clips while the editor (or
        CLI) that started it keeps the project open, and its lock; WAL lets both work at once."""
        path = Path(path)
        _check_header(path)
        store = cls(path, cls._connect(path))
        store._checkpoint_on_close = False
        return store

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.OperationalError as exc:
            _raise_write_error(path, exc)
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{path}: damaged project file ({exc})") from None
        return db

    @staticmethod
    def _connect_ro(path: Path) -> sqlite3.Connection:
        """Read-only: never writes; on a read-only file system (where SQLite cannot make the
        WAL index) the file is read as immutable."""
        quoted = urllib.parse.quote(str(path.resolve()))
        shm = Path(f"{path}-shm")
        immutable = _on_read_only_fs(path) or (not os.access(path.parent, os.W_OK) and not shm.exists())
        uri = f"file:{quoted}?mode=ro" + ("&immutable=1" if immutable else "")
        try:
            db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA busy_timeout=10000")
            db.execute("PRAGMA query_only=ON")
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{path}: damaged project file ({exc})") from None
        return db

    def _quick_check(self) -> None:
        try:
            rows = self._db.execute("PRAGMA quick_check(5)").fetchall()
        except sqlite3.DatabaseError as exc:
            raise ProjectError(f"{self.path}: damaged project file ({exc})") from None
        problems = [str(r[0]) for r in rows if r and r[0] != "ok"]
        if problems:
            first = " ".join(problems[0].split())[:160]
            raise ProjectError(
                f"{self.path}: damaged project file (integrity check failed: {first}); "
                "restore it from a backup or a copy saved with Save As"
            )

    def _upgrade(self, version: int) -> None:
        shrink = 1 <= version < 2  # clips re-encoded: give the freed pages back to the disk
        while version < SCHEMA_VERSION:
            with self._db:
                self._db.execute("BEGIN IMMEDIATE")
                MIGRATIONS[version](self._db)
                version += 1
                self._db.execute(f"PRAGMA user_version = {version}")
        if shrink:
            self._db.execute("PRAGMA auto_vacuum = INCREMENTAL")
            self._db.execute("VACUUM")

    def _writable(self) -> None:
        if self.read_only:
            raise ReadOnlyProjectError(f"{self.path}: opened read-only; it cannot be changed here")

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

    def revision(self) -> int:
        """Increases with every committed change of segments, speakers or meta."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()
        return 0 if row is None else int(row[0])

    def load_head(self) -> tuple[ProjectMeta, list[Speaker]]:
        """Meta and speakers only (cheap for any project size)."""
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = 'project'").fetchone()
            meta = serde.meta_from(json.loads(row[0]))
            speakers = [
                serde.speaker_from(sid, json.loads(data))
                for sid, data in self._db.execute("SELECT id, data FROM speakers ORDER BY rowid")
            ]
        except (sqlite3.DatabaseError, KeyError, ValueError, TypeError, AttributeError) as exc:
            raise ProjectError(f"{self.path}: damaged project data ({type(exc).__name__}: {exc})") from None
        return meta, speakers

    # -- sessions (crash detection) ------------------------------------------------------------
    def begin_session(self) -> None:
        self._writable()
        with _saving(self.path), self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('session', ?)",
                (serde.dumps({"pid": os.getpid(), "opened": time.time()}),),
            )

    def end_session(self) -> None:
        if self.read_only:
            return
        with _saving(self.path), self._db:
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
        self._writable()
        db = self._db
        with _saving(self.path):
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
            db.execute(  # the content revision: summaries computed at another one are stale
                "INSERT INTO meta (key, value) VALUES ('revision', '1') "
                "ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
            )
            db.execute("COMMIT")
        except BaseException as exc:
            # SQLite may already have rolled back (a full disk does): never let a failing
            # ROLLBACK hide the cause
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError | OSError):
                _raise_write_error(self.path, exc)
            if isinstance(exc, sqlite3.DatabaseError):
                raise ProjectError(f"{self.path}: damaged project file ({exc})") from None
            raise

    # -- voice clips ---------------------------------------------------------------------------
    def put_clip(self, key: str, sample_rate: int, samples: np.ndarray) -> None:
        """Store a mono clip (FLAC); float input is rounded to 16-bit PCM."""
        pcm = clipcodec.to_pcm16(samples)
        self._put(key, sample_rate, clipcodec.FLAC, clipcodec.encode(pcm, sample_rate), len(pcm))

    def put_take(self, key: str, sample_rate: int, samples: np.ndarray) -> None:
        """Store a natural take kept only for re-fitting (Vorbis, see ``clipcodec``)."""
        pcm = clipcodec.to_pcm16(samples)
        self._put(key, sample_rate, clipcodec.VORBIS, clipcodec.encode_take(pcm, sample_rate), len(pcm))

    def _put(self, key: str, sample_rate: int, codec: str, blob: bytes, frames: int) -> None:
        self._writable()
        with _saving(self.path), self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO clips (key, sample_rate, data, codec, frames) VALUES (?, ?, ?, ?, ?)",
                (key, int(sample_rate), blob, codec, frames),
            )

    def has_clip(self, key: str) -> bool:
        row = self._db.execute("SELECT 1 FROM clips WHERE key = ?", (key,)).fetchone()
        return row is not None

    def get_clip(self, key: str) -> tuple[int, np.ndarray] | None:
        """(sample_rate, int16 samples), or None when absent."""
        row = self._db.execute(
            "SELECT sample_rate, data, codec, frames FROM clips WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            return None
        return int(row[0]), clipcodec.decode(row[2], row[1], f"{self.path}: clip {key}", row[3])

    def clip_is_lossless(self, key: str) -> bool:
        """Whether clip ``key`` is stored and decodes bit for bit (not a Vorbis take)."""
        row = self._db.execute("SELECT codec FROM clips WHERE key = ?", (key,)).fetchone()
        return row is not None and row[0] in clipcodec.LOSSLESS

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
        self._writable()
        with _saving(self.path), self._db:
            self._db.executemany("DELETE FROM clips WHERE key = ?", ((k,) for k in keys))

    def reclaim_space(self) -> None:
        """Give the pages of deleted rows back to the file system (the file shrinks at the next
        checkpoint). A project made before incremental vacuuming is converted once."""
        self._writable()
        with _saving(self.path):
            if self._db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
                self._db.execute("PRAGMA auto_vacuum = INCREMENTAL")
                self._db.execute("VACUUM")
            else:
                # executescript steps it to the end (execute would free one page per call)
                self._db.executescript("PRAGMA incremental_vacuum;")

    # -- derived-data cache ----------------------------------------------------------------------
    def put_cache(self, key: str, data: bytes) -> None:
        if self.read_only:
            return  # derived data: computed again next time
        with _saving(self.path), self._db:
            self._db.execute("INSERT OR REPLACE INTO cache (key, data) VALUES (?, ?)", (key, data))

    def keep_cache(self, key: str, data: bytes) -> None:
        """Store derived data even from a read-only open, when nobody is writing the project
        and the file is writable (else skip it: it is computed again next time)."""
        if not self.read_only:
            self.put_cache(key, data)
            return
        busy = holder_of(self.path) is not None
        if busy or _on_read_only_fs(self.path) or not os.access(self.path, os.W_OK):
            return
        with contextlib.suppress(sqlite3.Error, OSError):
            db = sqlite3.connect(self.path, isolation_level=None, timeout=1.0)
            try:
                db.execute("INSERT OR REPLACE INTO cache (key, data) VALUES (?, ?)", (key, data))
            finally:
                db.close()

    def get_cache(self, key: str) -> bytes | None:
        row = self._db.execute("SELECT data FROM cache WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])

    # -- copies --------------------------------------------------------------------------------
    def backup_to(self, path: Path) -> None:
        """A full, consistent copy (SQLite online backup) — used by Save As."""
        path = Path(path)
        tmp = path.with_name(path.name + ".part")
        tmp.unlink(missing_ok=True)
        try:
            with _saving(path):
                dst = sqlite3.connect(tmp)
                try:
                    self._db.backup(dst)
                    dst.execute("DELETE FROM meta WHERE key = 'session'")
                    dst.commit()
                finally:
                    dst.close()
                os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def discard(self) -> None:
        """Remove the (closed) file of a project whose creation failed half-way."""
        _remove_db_files(self.path)

    @property
    def lock(self) -> ProjectLock | None:
        return self._lock

    def close(self) -> None:
        try:
            if self._checkpoint_on_close:
                with contextlib.suppress(sqlite3.DatabaseError):
                    self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()
        finally:
            if self._lock is not None:
                self._lock.release()
