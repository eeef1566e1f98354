"""The segment table: a Qt model that reads the core project directly (no copy of the data).

Rows follow the project's time order. The model keeps only the ordered id list (rebuilt on
structural changes) and small per-segment caches keyed by the segment *object* (segments are
immutable, so a new object means new data). A :class:`Change` refreshes only its rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from taura_desktop.app import editing
from taura_desktop.app.editing import text_matches
from taura_desktop.app.qc import profile_of
from taura_desktop.core.edits import Change, ChangeKind, Edit
from taura_desktop.core.model import FitStatus, Segment, Status
from taura_desktop.core.project import Project
from taura_desktop.errors import TauraError
from taura_desktop.pipeline.stale import stale_reason
from taura_desktop.segmentation.profiles import Profile
from taura_desktop.segmentation.qc import QcInput, check_cues, cps_of
from taura_desktop.ui.timefmt import format_ms, parse_ms

AnyIndex = QModelIndex | QPersistentModelIndex

SEG_ID_ROLE = int(Qt.ItemDataRole.UserRole) + 1
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 2

#: Bulk changes above this many rows reset the model instead of row-by-row signals.
BULK_ROWS = 64


class Col(IntEnum):
    INDEX = 0
    START = 1
    END = 2
    DURATION = 3
    SPEAKER = 4
    SOURCE = 5
    TRANSLATION = 6
    CPS = 7
    FIT = 8
    QC = 9
    STATUS = 10


_HEADERS = {
    Col.INDEX: "#",
    Col.START: "Start",
    Col.END: "End",
    Col.DURATION: "Duration",
    Col.SPEAKER: "Speaker",
    Col.SOURCE: "Source",
    Col.TRANSLATION: "Translation",
    Col.CPS: "CPS",
    Col.FIT: "Fit",
    Col.QC: "QC issues",
    Col.STATUS: "Status",
}

_STATUS_TEXT = {Status.DRAFT: "draft", Status.NEEDS_REVIEW: "needs review", Status.APPROVED: "approved"}
_STATUS_COLOR = {
    Status.DRAFT: QColor(140, 140, 140),
    Status.NEEDS_REVIEW: QColor(215, 140, 0),
    Status.APPROVED: QColor(40, 160, 70),
}
_FIT_COLOR = {
    FitStatus.OK: QColor(40, 160, 70),
    FitStatus.EXTENDED: QColor(30, 140, 160),
    FitStatus.STRETCHED: QColor(215, 140, 0),
    FitStatus.OVERFLOW: QColor(210, 50, 50),
}


STALE_COLOR = QColor(150, 80, 200)
QC_COLOR = QColor(210, 50, 50)
# Brushes made once (data() is called for every visible cell on every repaint).
_STATUS_BRUSH = {k: QBrush(c) for k, c in _STATUS_COLOR.items()}
_FIT_BRUSH = {k: QBrush(c) for k, c in _FIT_COLOR.items()}
_STALE_BRUSH = QBrush(STALE_COLOR)
_QC_BRUSH = QBrush(QC_COLOR)


def fit_text(seg: Segment, lang: str | None, stale: str | None = None) -> str:
    """The Fit column: ``stale (text)`` when the clip no longer matches its segment, else how
    the clip was fitted (ok / extended / 1.18× / overflow +300 ms)."""
    tr = seg.translation(lang) if lang else None
    if tr is None or tr.clip is None or tr.clip.fit is None:
        return ""
    if stale:
        return f"stale ({stale})"
    fit = tr.clip.fit
    if fit.status is FitStatus.OVERFLOW:
        return f"overflow +{fit.overrun_ms} ms"
    if fit.status is FitStatus.STRETCHED:
        return f"{fit.speed:.2f}×"
    if fit.status is FitStatus.EXTENDED:
        return "extended"
    return "ok"


def is_overflow(seg: Segment, lang: str | None) -> bool:
    tr = seg.translation(lang) if lang else None
    return bool(tr and tr.clip and tr.clip.fit and tr.clip.fit.status is FitStatus.OVERFLOW)


class SegmentTableModel(QAbstractTableModel):
    """Rows = segments in time order; edits go through the core and come back as Changes."""

    editFailed = Signal(str)

    def __init__(self, project: Project, lang: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        self._lang = (
            lang
            if lang is not None
            else (project.meta.target_langs[0] if project.meta.target_langs else None)
        )
        self._ids: list[str] = project.state.ids()
        self._rows: dict[str, int] | None = None
        self._qc_cache: dict[str, tuple[object, tuple[str, ...]]] = {}
        self._profile: Profile | None = None
        self._unsubscribe = project.subscribe(self._on_change)

    # -- plumbing ----------------------------------------------------------------------------
    def close(self) -> None:
        self._unsubscribe()

    @property
    def lang(self) -> str | None:
        return self._lang

    def set_lang(self, lang: str | None) -> None:
        self._lang = lang
        self._qc_cache.clear()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, Col.TRANSLATION, Col.STATUS)
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(Col) - 1))

    def row_of(self, seg_id: str) -> int:
        """Row of a segment id, or -1."""
        if self._rows is None:
            self._rows = {sid: i for i, sid in enumerate(self._ids)}
        return self._rows.get(seg_id, -1)

    def id_at(self, row: int) -> str:
        return self._ids[row]

    def segment_at(self, row: int) -> Segment:
        return self.project.state.segments[self._ids[row]]

    def ids(self) -> Sequence[str]:
        return self._ids

    # -- Qt model API ------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Col)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        col = Col(section)
        text = self.tr(_HEADERS[col])
        if col is Col.TRANSLATION and self._lang:
            return f"{text} ({self._lang})"
        return text

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and index.column() in (Col.START, Col.END, Col.SOURCE):
            return base | Qt.ItemFlag.ItemIsEditable
        if index.isValid() and index.column() == Col.TRANSLATION and self._lang:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = index.row()
        seg = self.project.state.segments[self._ids[row]]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(seg, row, col)
        if role == Qt.ItemDataRole.EditRole:
            if col == Col.START:
                return format_ms(seg.start_ms)
            if col == Col.END:
                return format_ms(seg.end_ms)
            if col == Col.SOURCE:
                return seg.source_text
            if col == Col.TRANSLATION:
                tr = seg.translation(self._lang) if self._lang else None
                return tr.text if tr else ""
            return self._display(seg, row, col)
        if role == SEG_ID_ROLE:
            return seg.id
        if role == SORT_ROLE:
            return self._sort_key(seg, row, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == Col.STATUS:
                tr = seg.translation(self._lang) if self._lang else None
                if tr is not None:
                    return _STATUS_BRUSH[tr.status]
            if col == Col.FIT:
                tr = seg.translation(self._lang) if self._lang else None
                if tr and tr.clip and tr.clip.fit:
                    if self.stale_reason(seg):
                        return _STALE_BRUSH
                    return _FIT_BRUSH[tr.clip.fit.status]
            if col == Col.QC and self.qc_rules(row):
                return _QC_BRUSH
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (
            Col.INDEX,
            Col.START,
            Col.END,
            Col.DURATION,
            Col.CPS,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == Col.QC:
                return self.qc_tooltip(row)
            if col in (Col.SOURCE, Col.TRANSLATION, Col.SPEAKER):
                return self._display(seg, row, col)
            if col == Col.FIT:
                why = self.stale_reason(seg)
                if why:
                    return self.tr(
                        "Stale: the {0} changed since this clip was made; re-voice it (Ctrl+R)"
                    ).format(self.tr(why))
                return self._display(seg, row, col)
        return None

    def _text_for_qc(self, seg: Segment) -> tuple[str, str]:
        if self._lang:
            tr = seg.translation(self._lang)
            return (tr.text if tr else ""), self._lang
        return seg.source_text, self.project.meta.source_lang or "en"

    def _display(self, seg: Segment, row: int, col: int) -> Any:
        if col == Col.INDEX:
            return row + 1
        if col == Col.START:
            return format_ms(seg.start_ms)
        if col == Col.END:
            return format_ms(seg.end_ms)
        if col == Col.DURATION:
            return f"{seg.duration_ms / 1000:.2f}"
        if col == Col.SPEAKER:
            sp = self.project.state.speakers.get(seg.speaker_id) if seg.speaker_id else None
            return sp.name if sp else ""
        if col == Col.SOURCE:
            return seg.source_text.replace("\n", " ⏎ ")
        if col == Col.TRANSLATION:
            tr = seg.translation(self._lang) if self._lang else None
            return tr.text.replace("\n", " ⏎ ") if tr else ""
        if col == Col.CPS:
            text, lang = self._text_for_qc(seg)
            if not text.strip():
                return ""
            return f"{self._cps(text, seg.duration_ms, lang):.1f}"
        if col == Col.FIT:
            return fit_text(seg, self._lang, self.stale_reason(seg))
        if col == Col.QC:
            return ", ".join(self.qc_rules(row))
        if col == Col.STATUS:
            tr = seg.translation(self._lang) if self._lang else None
            return self.tr(_STATUS_TEXT[tr.status]) if tr else ""
        return None

    def _sort_key(self, seg: Segment, row: int, col: int) -> Any:
        if col in (Col.INDEX, Col.START):
            return seg.start_ms
        if col == Col.END:
            return seg.end_ms
        if col == Col.DURATION:
            return seg.duration_ms
        if col == Col.CPS:
            text, lang = self._text_for_qc(seg)
            return self._cps(text, seg.duration_ms, lang)
        return self._display(seg, row, col)

    def stale_reason(self, seg: Segment) -> str | None:
        """Why the current language's clip of ``seg`` is stale (text, voice, speed cap, slot)."""
        if self._lang is None:
            return None
        tr = seg.translation(self._lang)
        if tr is None or tr.clip is None:
            return None
        return stale_reason(self.project, seg, self._lang)

    @staticmethod
    def _cps(text: str, duration_ms: int, lang: str) -> float:
        return float(cps_of(text, duration_ms, lang))

    # -- QC ----------------------------------------------------------------------------------
    def _qc_profile(self) -> Profile:
        if self._profile is None:
            try:
                self._profile = profile_of(self.project)
            except TauraError:
                self._profile = Profile()
        return self._profile

    def qc_rules(self, row: int) -> tuple[str, ...]:
        """Names of the QC rules the segment in ``row`` breaks (judged with its neighbours)."""
        seg = self.segment_at(row)
        prev = self.segment_at(row - 1) if row > 0 else None
        nxt = self.segment_at(row + 1) if row + 1 < len(self._ids) else None
        key = (seg, prev, nxt)
        hit = self._qc_cache.get(seg.id)
        if hit is not None and hit[0] == key:
            return hit[1]
        items = []
        for s in (prev, seg, nxt):
            if s is not None:
                text, _lang = self._text_for_qc(s)
                items.append(QcInput(s.id, s.start_ms, s.end_ms, text))
        _text, lang = self._text_for_qc(seg)
        reports = check_cues(items, self._qc_profile(), lang)
        mine = reports[1 if prev is not None else 0]
        rules = tuple(dict.fromkeys(mine.rules))
        self._qc_cache[seg.id] = (key, rules)
        return rules

    def qc_tooltip(self, row: int) -> str:
        rules = self.qc_rules(row)
        return "\n".join(rules) if rules else self.tr("No issues")

    # -- editing -----------------------------------------------------------------------------
    def setData(self, index: AnyIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        seg = self.segment_at(index.row())
        col = index.column()
        try:
            edit: Edit | None = None
            if col == Col.SOURCE:
                edit = editing.source_text(self.project, seg.id, str(value))
            elif col == Col.TRANSLATION and self._lang:
                edit = editing.translation_text(self.project, seg.id, self._lang, str(value))
            elif col in (Col.START, Col.END):
                ms = parse_ms(str(value))
                start, end = (ms, None) if col == Col.START else (None, ms)
                edit = editing.typed_times(self.project, seg.id, start, end)
            if edit is None:
                return False
            self.project.apply(edit)
        except TauraError as exc:
            self.editFailed.emit(str(exc))
            return False
        return True

    # -- change handling ---------------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        kinds = change.kinds
        if kinds & ChangeKind.META:
            self._profile = None
            self._qc_cache.clear()
            langs = self.project.meta.target_langs
            if self._lang is not None and self._lang not in langs:
                self._lang = langs[0] if langs else None
            elif self._lang is None and langs:
                self._lang = langs[0]
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(Col) - 1)
        if kinds & (ChangeKind.ADDED | ChangeKind.REMOVED | ChangeKind.TIMES):
            self._sync_rows(change)
        if kinds & (ChangeKind.SPEAKERS | ChangeKind.META) and self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(Col) - 1))
            return
        self._emit_rows(change.segment_ids - change.removed)

    def _emit_rows(self, seg_ids: Iterable[str]) -> None:
        rows = sorted(r for r in (self.row_of(s) for s in seg_ids) if r >= 0)
        if not rows:
            return
        last = len(Col) - 1
        # neighbours' QC (gap/overlap) may change with times: include one row either side
        lo, hi = max(0, rows[0] - 1), min(len(self._ids) - 1, rows[-1] + 1)
        if len(rows) > BULK_ROWS:
            self.dataChanged.emit(self.index(lo, 0), self.index(hi, last))
            return
        for r in rows:
            a, b = max(0, r - 1), min(len(self._ids) - 1, r + 1)
            self.dataChanged.emit(self.index(a, 0), self.index(b, last))

    def _sync_rows(self, change: Change) -> None:
        new_ids = self.project.state.ids()
        if new_ids == self._ids:
            return
        removed = change.removed
        added = change.added
        if len(removed) + len(added) > BULK_ROWS * 4:
            self.beginResetModel()
            self._set_ids(new_ids)
            self.endResetModel()
            return
        # 1. removals, in contiguous runs from the bottom
        if removed:
            rows = sorted((self.row_of(s) for s in removed), reverse=True)
            rows = [r for r in rows if r >= 0]
            runs = _runs_desc(rows)
            if len(runs) > BULK_ROWS:
                self.beginResetModel()
                self._set_ids(new_ids)
                self.endResetModel()
                return
            for first, last in runs:
                self.beginRemoveRows(QModelIndex(), first, last)
                del self._ids[first : last + 1]
                self._rows = None
                self.endRemoveRows()
        # 2. reorder of the remaining rows (a retime moved a segment past another)
        kept = [s for s in new_ids if s not in added] if added else new_ids
        if kept != self._ids:
            self._relayout(kept)
        # 3. insertions, in contiguous runs from the top
        if added:
            runs_new: list[tuple[int, list[str]]] = []
            for i, sid in enumerate(new_ids):
                if sid in added:
                    if runs_new and runs_new[-1][0] + len(runs_new[-1][1]) == i:
                        runs_new[-1][1].append(sid)
                    else:
                        runs_new.append((i, [sid]))
            if len(runs_new) > BULK_ROWS:
                self.beginResetModel()
                self._set_ids(new_ids)
                self.endResetModel()
                return
            for first, run in runs_new:
                self.beginInsertRows(QModelIndex(), first, first + len(run) - 1)
                self._ids[first:first] = run
                self._rows = None
                self.endInsertRows()
        if self._ids != new_ids:  # defensive: never serve a stale order
            self.beginResetModel()
            self._set_ids(new_ids)
            self.endResetModel()

    def _set_ids(self, ids: list[str]) -> None:
        self._ids = list(ids)
        self._rows = None

    def _relayout(self, ids: list[str]) -> None:
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        old_ids = [self._ids[i.row()] if 0 <= i.row() < len(self._ids) else None for i in old]
        self._set_ids(ids)
        new = []
        for pidx, sid in zip(old, old_ids, strict=True):
            r = self.row_of(sid) if sid is not None else -1
            new.append(self.index(r, pidx.column()) if r >= 0 else QModelIndex())
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()


def _runs_desc(rows: list[int]) -> list[tuple[int, int]]:
    """Contiguous ``(first, last)`` runs of descending row numbers, bottom run first."""
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and runs[-1][0] == r + 1:
            runs[-1] = (r, runs[-1][1])
        else:
            runs.append((r, r))
    return runs


# ---------------------------------------------------------------------------------------------
# Filters (the find/replace operations are in taura_desktop.app.editing)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FilterSpec:
    needs_review: bool = False
    qc_issues: bool = False
    overflow: bool = False
    speaker_id: str | None = None  # "" = segments without a speaker
    text: str = ""
    field: str = "both"  # source | translation | both
    case_sensitive: bool = False


class SegmentFilterProxy(QSortFilterProxyModel):
    """Filters rows of a :class:`SegmentTableModel`; sorting by time by default."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._spec = FilterSpec()
        self.setSortRole(SORT_ROLE)

    @property
    def spec(self) -> FilterSpec:
        return self._spec

    def set_spec(self, spec: FilterSpec) -> None:
        self.beginFilterChange()
        self._spec = spec
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def seg_model(self) -> SegmentTableModel:
        model = self.sourceModel()
        assert isinstance(model, SegmentTableModel)
        return model

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        spec = self._spec
        if spec == FilterSpec():
            return True
        model = self.seg_model()
        seg = model.segment_at(source_row)
        lang = model.lang
        tr = seg.translation(lang) if lang else None
        if spec.needs_review and not (tr is not None and tr.status is Status.NEEDS_REVIEW):
            return False
        if spec.overflow and not is_overflow(seg, lang):
            return False
        if spec.speaker_id is not None and (seg.speaker_id or "") != spec.speaker_id:
            return False
        if spec.text and not text_matches(seg, lang, spec.text, spec.field, spec.case_sensitive):
            return False
        return not (spec.qc_issues and not model.qc_rules(source_row))

    def id_at(self, proxy_row: int) -> str:
        src = self.mapToSource(self.index(proxy_row, 0))
        return self.seg_model().id_at(src.row())

    def proxy_row_of(self, seg_id: str) -> int:
        r = self.seg_model().row_of(seg_id)
        if r < 0:
            return -1
        return self.mapFromSource(self.seg_model().index(r, 0)).row()
