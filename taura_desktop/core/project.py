"""The project: the document the editor and the CLI work on.

``Project`` holds the current state in memory, applies :class:`Edit` commands (the only way to
change it), keeps undo/redo, persists every applied edit to the ``.taura`` file before
returning, and announces a :class:`Change` to listeners. Data flows one way: callers ask for an
edit, the project changes, listeners hear what changed.
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from taura_desktop.core import serde
from taura_desktop.core.clipkeys import clip_audio_keys
from taura_desktop.core.edits import Change, Edit, EditError, describe_change
from taura_desktop.core.model import MediaRef, ProjectMeta, Segment, Speaker, Status
from taura_desktop.core.store import ProjectStore
from taura_desktop.errors import TauraError

log = logging.getLogger(__name__)

Listener = Callable[[Change], None]


@dataclass(frozen=True, slots=True)
class RecoveryInfo:
    """Set when a project is opened after its last session did not close cleanly."""

    segments: int
    last_write: float | None

    def message(self) -> str:
        when = (
            time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.last_write))
            if self.last_write
            else "unknown time"
        )
        return (
            f"Recovered after an unexpected exit: {self.segments} segments, every edit up to {when} is kept."
        )


class ProjectState:
    """In-memory document: meta, speakers and segments kept in time order."""

    def __init__(self, meta: ProjectMeta, speakers: list[Speaker], segments: list[Segment]) -> None:
        self.meta = meta
        self.speakers: dict[str, Speaker] = {s.id: s for s in speakers}
        self.segments: dict[str, Segment] = {s.id: s for s in segments}
        self._keys: list[tuple[int, str]] = sorted((s.start_ms, s.id) for s in segments)

    def ordered(self) -> list[Segment]:
        return [self.segments[sid] for _, sid in self._keys]

    def ids(self) -> list[str]:
        return [sid for _, sid in self._keys]

    def __len__(self) -> int:
        return len(self._keys)

    def at(self, index: int) -> Segment:
        return self.segments[self._keys[index][1]]

    def index_of(self, seg_id: str) -> int:
        seg = self.segments[seg_id]
        i = bisect.bisect_left(self._keys, (seg.start_ms, seg_id))
        return i

    def neighbours(self, seg_id: str) -> tuple[Segment | None, Segment | None]:
        i = self.index_of(seg_id)
        prev = self.at(i - 1) if i > 0 else None
        nxt = self.at(i + 1) if i + 1 < len(self._keys) else None
        return prev, nxt

    def index_at_time(self, ms: int) -> int:
        """Index of the last segment starting at or before ``ms`` (or 0)."""
        return max(0, bisect.bisect_right(self._keys, (ms, "\uffff")) - 1)

    def _put(self, seg: Segment) -> None:
        self.segments[seg.id] = seg
        bisect.insort(self._keys, (seg.start_ms, seg.id))

    def _drop(self, seg: Segment) -> None:
        del self.segments[seg.id]
        i = bisect.bisect_left(self._keys, (seg.start_ms, seg.id))
        del self._keys[i]

    def install(self, edit: Edit) -> None:
        """Replace each ``old`` by ``new``; raises EditError if the state has moved on."""
        for old, _new in edit.segments:
            if old is not None:
                cur = self.segments.get(old.id)
                if cur is not old and cur != old:
                    raise EditError(f"segment {old.id} changed since this edit was made")
        for old, new in edit.segments:
            if old is not None:
                self._drop(old)
            if new is not None:
                self._put(new)
        for old_sp, new_sp in edit.speakers:
            if old_sp is not None:
                del self.speakers[old_sp.id]
            if new_sp is not None:
                self.speakers[new_sp.id] = new_sp
        if edit.meta is not None:
            self.meta = edit.meta[1]


class Project:
    """An open project file. Use :meth:`create` or :meth:`open`; close when done."""

    _close_hooks: ClassVar[list[Callable[[Project], None]]] = []

    def __init__(self, store: ProjectStore, state: ProjectState, recovered: RecoveryInfo | None) -> None:
        self.store = store
        self.state = state
        self.recovered = recovered
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []
        self._listeners: list[Listener] = []
        self._revision = 0
        if not store.read_only:
            store.begin_session()

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: Path,
        *,
        media: MediaRef | None,
        source_lang: str | None,
        target_langs: tuple[str, ...] = (),
        name: str | None = None,
        overwrite: bool = False,
    ) -> Project:
        path = Path(path)
        meta = ProjectMeta(
            name=name or path.stem,
            media=media,
            source_lang=source_lang,
            target_langs=target_langs,
        )
        store = ProjectStore.create(path, meta, overwrite=overwrite)
        try:
            return cls(store, ProjectState(meta, [], []), None)
        except BaseException:
            store.close()
            store.discard()
            raise

    @classmethod
    def open(cls, path: Path, *, read_only: bool = False, wait_s: float = 0.0) -> Project:
        """Open for editing (one writer at a time: raises ProjectBusyError naming the process
        that holds the project, after waiting up to ``wait_s`` seconds) or ``read_only``
        (no lock; works while another process writes, and on read-only media)."""
        store = ProjectStore.open(Path(path), read_only=read_only, wait_s=wait_s)
        try:
            loaded = store.load()
            state = ProjectState(loaded.meta, loaded.speakers, loaded.segments)
            recovered = (
                RecoveryInfo(segments=len(state), last_write=loaded.last_write)
                if loaded.unclean_shutdown and not read_only
                else None
            )
            return cls(store, state, recovered)
        except BaseException:
            store.close()
            raise

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    @classmethod
    def add_close_hook(cls, hook: Callable[[Project], None]) -> None:
        """Run ``hook(project)`` when a project opened for writing closes (upper layers keep
        derived summaries current this way); a failing hook is logged, never raised."""
        if hook not in cls._close_hooks:
            cls._close_hooks.append(hook)

    def close(self) -> None:
        try:
            if not self.read_only:
                for hook in list(self._close_hooks):
                    try:
                        hook(self)
                    except Exception:
                        log.exception("close hook failed")
                try:
                    self.collect_clips(keep_history=False)  # undo ends with the session
                except TauraError as exc:  # housekeeping: never lose the close over it
                    log.warning("unused voice clips not removed: %s", exc)
            self.store.end_session()
        finally:
            self.store.close()

    def collect_clips(self, *, keep_history: bool = True) -> int:
        """Remove stored voice clips nothing can play any more: not a current segment, nor
        (``keep_history``) one that undo or redo can bring back in this session. Returns how
        many went."""
        if self.read_only:
            return 0
        used: set[str] = set()
        segments: list[Segment] = list(self.state.segments.values())
        for edit in (*self._undo, *self._redo) if keep_history else ():
            for old, new in edit.segments:
                segments.extend(s for s in (old, new) if s is not None)
        for seg in segments:
            for tr in seg.translations.values():
                if tr.clip is not None:
                    used.update(clip_audio_keys(tr.clip))
        unused = sorted(self.store.clip_keys() - used)
        if unused:
            self.store.delete_clips(unused)
            self.store.reclaim_space()
        return len(unused)

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save_as(self, path: Path) -> None:
        """Write a full copy (clips and caches included) to ``path``; this project stays open."""
        self.store.backup_to(Path(path))

    @property
    def path(self) -> Path:
        return self.store.path

    @property
    def meta(self) -> ProjectMeta:
        return self.state.meta

    @property
    def revision(self) -> int:
        """Increases with every applied, undone or redone edit."""
        return self._revision

    # -- reading -----------------------------------------------------------------------------
    def segments(self) -> list[Segment]:
        return self.state.ordered()

    def segment(self, seg_id: str) -> Segment:
        return self.state.segments[seg_id]

    def __len__(self) -> int:
        return len(self.state)

    # -- listeners ---------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _announce(self, change: Change) -> None:
        for listener in list(self._listeners):
            try:
                listener(change)
            except Exception:  # a broken view must not break editing
                log.exception("project listener failed")

    # -- editing -----------------------------------------------------------------------------
    def apply(self, edit: Edit, *, undoable: bool = True) -> Change:
        """Apply, persist, record for undo and announce. Empty edits are no-ops."""
        if edit.is_empty:
            return Change(edit.description, describe_change(edit).kinds)
        self._commit(edit)
        if undoable:
            if self._undo and self._undo[-1].can_merge(edit):
                self._undo[-1] = self._undo[-1].merged(edit)
            else:
                self._undo.append(edit)
            self._redo.clear()
        change = describe_change(edit)
        self._announce(change)
        return change

    def _commit(self, edit: Edit) -> None:
        self.state.install(edit)
        try:
            self.store.write(
                upsert_segments=[n for _, n in edit.segments if n is not None],
                delete_segments=[o.id for o, n in edit.segments if n is None and o is not None],
                upsert_speakers=[n for _, n in edit.speakers if n is not None],
                delete_speakers=[o.id for o, n in edit.speakers if n is None and o is not None],
                meta=None if edit.meta is None else edit.meta[1],
            )
        except BaseException:
            self.state.install(edit.inverse())  # keep memory and file in agreement
            raise
        self._revision += 1

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_text(self) -> str | None:
        return self._undo[-1].description if self._undo else None

    @property
    def redo_text(self) -> str | None:
        return self._redo[-1].description if self._redo else None

    def undo(self) -> Change | None:
        if not self._undo:
            return None
        edit = self._undo.pop()
        inverse = edit.inverse()
        self._commit(inverse)
        self._redo.append(edit)
        change = describe_change(inverse)
        self._announce(change)
        return change

    def redo(self) -> Change | None:
        if not self._redo:
            return None
        edit = self._redo.pop()
        self._commit(edit)
        self._undo.append(replace(edit, merge_key=None))
        change = describe_change(edit)
        self._announce(change)
        return change

    # -- summaries ---------------------------------------------------------------------------
    def stage_counts(self) -> dict[str, dict[str, int]]:
        """Per target language: translated / voiced / approved / person-edited counts."""
        counts: dict[str, dict[str, int]] = {}
        for lang in self.meta.target_langs:
            c = {"translated": 0, "voiced": 0, "approved": 0, "needs_review": 0, "overflow": 0}
            for seg in self.state.segments.values():
                tr = seg.translation(lang)
                if tr is None or not tr.text.strip():
                    continue
                c["translated"] += 1
                if tr.clip is not None:
                    c["voiced"] += 1
                    if tr.clip.fit is not None and tr.clip.fit.status.value == "overflow":
                        c["overflow"] += 1
                if tr.status is Status.APPROVED:
                    c["approved"] += 1
                elif tr.status is Status.NEEDS_REVIEW:
                    c["needs_review"] += 1
            counts[lang] = c
        return counts

    def dump(self) -> dict[str, Any]:
        """Full, deterministic dump of the document (tests compare these)."""
        return {
            "meta": serde.meta_to(self.meta),
            "speakers": {sid: serde.speaker_to(s) for sid, s in sorted(self.state.speakers.items())},
            "segments": [
                {"id": s.id, "start": s.start_ms, "end": s.end_ms, **serde.segment_to(s)}
                for s in self.segments()
            ],
        }
