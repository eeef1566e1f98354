"""Approval and the user-wide translation memory it feeds.

Approving a segment marks its translation approved and remembers the person's final wording
(with where it came from: project, segment, date). The CLI writes the memory at once; the
editor passes ``remember`` to write it off its GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from taura_desktop.core import edits
from taura_desktop.core.model import Status
from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError
from taura_desktop.paths import memory_path
from taura_desktop.translation.memory import TmEntry, TmMatch, TranslationMemory

#: Memory matches at least this similar are offered in the editor (never applied unasked).
FUZZY_THRESHOLD = 0.85
FUZZY_LIMIT = 5


def memory_entries(project: Project, seg_ids: Sequence[str], lang: str) -> list[TmEntry]:
    """What approving ``seg_ids`` in ``lang`` teaches the memory (segments with both texts)."""
    src = project.meta.source_lang or ""
    origin = str(project.path)
    rows = []
    for sid in seg_ids:
        seg = project.state.segments.get(sid)
        tr = seg.translation(lang) if seg is not None else None
        if seg is not None and tr is not None and tr.text.strip() and seg.source_text.strip():
            rows.append(TmEntry(src, lang, seg.source_text, tr.text, project=origin, segment=sid))
    return rows


def write_memory(rows: Sequence[TmEntry], db: Path | None = None) -> int:
    """Add ``rows`` to the memory at ``db`` (default: the user's); returns how many were kept."""
    if not rows:
        return 0
    with TranslationMemory(db or memory_path()) as tm:
        return tm.add_many(rows)


def remember_in_background(
    rows: Sequence[TmEntry], db: Path | None = None, on_error: Callable[[str], None] | None = None
) -> threading.Thread | None:
    """:func:`write_memory` on a worker thread; ``on_error`` gets a one-line reason."""
    if not rows:
        return None
    path = db or memory_path()
    batch = list(rows)

    def work() -> None:
        try:
            write_memory(batch, path)
        except (TauraError, OSError) as exc:
            if on_error is not None:
                on_error(str(exc))

    t = threading.Thread(target=work, name="tm-remember", daemon=True)
    t.start()
    return t


def approve(
    project: Project,
    seg_ids: Sequence[str],
    lang: str,
    *,
    remember: Callable[[list[TmEntry]], object] | None = None,
    db: Path | None = None,
) -> int:
    """Approve the ``lang`` translations of ``seg_ids`` (one undoable edit) and remember them.

    ``remember`` receives the memory rows (the editor writes them on a thread); without it
    they are written to ``db`` (default: the user's memory) before returning. Returns the
    number of segments whose status changed. EditError when a segment has no translation.
    """
    edit = edits.set_status(project.state, seg_ids, lang, Status.APPROVED)
    project.apply(edit)
    rows = memory_entries(project, seg_ids, lang)
    if remember is not None:
        remember(rows)
    else:
        write_memory(rows, db)
    return len(edit.segments)


def fuzzy_matches(db: Path, src_lang: str, tgt_lang: str, text: str) -> list[TmMatch]:
    """Memory matches of ``text`` at least :data:`FUZZY_THRESHOLD` similar, best first ([] when
    there is no memory yet)."""
    if not db.is_file() or not text.strip():
        return []
    with TranslationMemory(db) as tm:
        return tm.fuzzy(src_lang, tgt_lang, text, FUZZY_THRESHOLD, FUZZY_LIMIT)
