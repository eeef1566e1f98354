from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt
from pytestqt.qtbot import QtBot

from taura_desktop.core import edits
from taura_desktop.core.model import Segment, Status
from taura_desktop.core.project import Project
from taura_desktop.ui.segment_model import (
    SEG_ID_ROLE,
    Col,
    FilterSpec,
    SegmentFilterProxy,
    SegmentTableModel,
)
from tests.ui.helpers import make_project


def _model(project: Project) -> SegmentTableModel:
    return SegmentTableModel(project)


def test_rows_follow_project_order_and_columns(qapp: object, project: Project) -> None:
    m = _model(project)
    assert m.rowCount() == len(project.state) == 12
    assert m.columnCount() == len(Col)
    first = project.state.at(0)
    assert m.data(m.index(0, Col.INDEX)) == 1
    assert m.data(m.index(0, Col.START)) == "0:00:00.000"
    assert m.data(m.index(0, Col.SOURCE)) == first.source_text
    assert m.data(m.index(0, Col.TRANSLATION)) == first.translations["es"].text
    assert m.data(m.index(0, SEG_ID_ROLE - SEG_ID_ROLE), SEG_ID_ROLE) == first.id
    assert "es" in m.headerData(Col.TRANSLATION, Qt.Orientation.Horizontal)
    assert float(m.data(m.index(0, Col.CPS))) > 0
    # fits cycle ok / extended / stretched / overflow in the helper
    assert m.data(m.index(0, Col.FIT)) == "ok"
    assert m.data(m.index(2, Col.FIT)).endswith("×")
    assert m.data(m.index(3, Col.FIT)).startswith("overflow")
    assert m.data(m.index(2, Col.STATUS)) == "approved"


def test_edit_text_goes_through_project_and_undo_restores(qtbot: QtBot, project: Project) -> None:
    m = _model(project)
    sid = m.id_at(3)
    before = project.dump()
    with qtbot.waitSignal(m.dataChanged) as blocker:
        assert m.setData(m.index(3, Col.TRANSLATION), "hola mundo")
    top, bottom = blocker.args[0], blocker.args[1]
    assert top.row() <= 3 <= bottom.row() and bottom.row() - top.row() <= 2  # only that row (+ neighbours)
    assert project.segment(sid).translations["es"].text == "hola mundo"
    assert m.data(m.index(3, Col.TRANSLATION)) == "hola mundo"
    assert m.setData(m.index(3, Col.SOURCE), "new source")
    assert project.segment(sid).source_text == "new source"
    project.undo()
    project.undo()
    assert project.dump() == before
    assert m.data(m.index(3, Col.TRANSLATION)) == project.segment(sid).translations["es"].text


def test_edit_times_validates_and_reports_one_line(qtbot: QtBot, project: Project) -> None:
    m = _model(project)
    sid = m.id_at(1)
    assert m.setData(m.index(1, Col.END), "0:00:04.400")
    assert project.segment(sid).end_ms == 4400
    with qtbot.waitSignal(m.editFailed) as blocker:
        assert not m.setData(m.index(1, Col.END), "0:00:09.000")
    assert "overlaps the next segment" in blocker.args[0] and "\n" not in blocker.args[0]
    with qtbot.waitSignal(m.editFailed) as blocker:
        assert not m.setData(m.index(1, Col.START), "abc")
    assert blocker.args[0] == "invalid time 'abc' (expected H:MM:SS.mmm)"


def test_add_and_remove_rows_are_incremental(qtbot: QtBot, project: Project) -> None:
    m = _model(project)
    n = m.rowCount()
    last = project.state.at(n - 1)
    new = Segment("zz-new", last.end_ms + 1000, last.end_ms + 2000, "tail")
    with qtbot.waitSignal(m.rowsInserted) as ins:
        project.apply(edits.add_segments(project.state, [new]))
    assert ins.args[1] == ins.args[2] == n
    assert m.rowCount() == n + 1 and m.id_at(n) == "zz-new"
    victim = m.id_at(4)
    with qtbot.waitSignal(m.rowsRemoved) as rem:
        project.apply(edits.remove_segments(project.state, [victim]))
    assert rem.args[1] == rem.args[2] == 4
    assert victim not in m.ids()
    project.undo()
    assert m.id_at(4) == victim
    assert list(m.ids()) == project.state.ids()


def test_split_merge_and_reorder_keep_rows_in_sync(qapp: object, project: Project) -> None:
    m = _model(project)
    sid = m.id_at(0)
    seg = project.segment(sid)
    project.apply(edits.split_segment(project.state, sid, (seg.start_ms + seg.end_ms) // 2))
    assert list(m.ids()) == project.state.ids() and m.rowCount() == 13
    project.apply(edits.merge_segments(project.state, m.id_at(0), m.id_at(1)))
    assert list(m.ids()) == project.state.ids() and m.rowCount() == 12
    # move segment 5 after segment 6: the model reorders without losing track
    s5, s6 = project.state.at(5), project.state.at(6)
    project.apply(edits.set_times(project.state, s5.id, s6.end_ms + 50, s6.end_ms + 100))
    assert list(m.ids()) == project.state.ids()
    project.undo()
    assert list(m.ids()) == project.state.ids()


def test_bulk_add_resets(qapp: object, tmp_path: Path) -> None:
    p = make_project(tmp_path / "b.taura", 0)
    m = _model(p)
    from tests.ui.helpers import make_segments

    p.apply(edits.add_segments(p.state, make_segments(500)))
    assert m.rowCount() == 500 and list(m.ids()) == p.state.ids()
    p.close()


def test_filters(qapp: object, project: Project) -> None:
    m = _model(project)
    proxy = SegmentFilterProxy()
    proxy.setSourceModel(m)
    assert proxy.rowCount() == 12
    proxy.set_spec(FilterSpec(needs_review=True))
    assert proxy.rowCount() == 4  # statuses cycle draft / needs review / approved
    assert all(
        project.segment(proxy.id_at(r)).translations["es"].status is Status.NEEDS_REVIEW
        for r in range(proxy.rowCount())
    )
    proxy.set_spec(FilterSpec(overflow=True))
    assert proxy.rowCount() == 3
    proxy.set_spec(FilterSpec(speaker_id="spk_a"))
    assert proxy.rowCount() == 0
    project.apply(edits.set_speaker(project.state, [m.id_at(0), m.id_at(5)], "spk_a"))
    assert proxy.rowCount() == 2  # dynamic filter picks up the change
    assert m.data(m.index(0, Col.SPEAKER)) == "Alice"
    proxy.set_spec(FilterSpec(text="ALPHA", field="source"))
    expect = sum("alpha" in s.source_text for s in project.segments())
    assert proxy.rowCount() == expect
    proxy.set_spec(FilterSpec(qc_issues=True))
    # every 2 s segment with >= 2 words is fine; durations are 2000 ms (no min/max) -> check consistency
    assert proxy.rowCount() == sum(1 for r in range(m.rowCount()) if m.qc_rules(r))
    proxy.set_spec(FilterSpec())
    assert proxy.rowCount() == 12


def test_qc_column_flags_short_fast_segments(qapp: object, project: Project) -> None:
    m = _model(project)
    sid = m.id_at(2)
    seg = project.segment(sid)
    project.apply(edits.set_times(project.state, sid, seg.start_ms, seg.start_ms + 300))
    row = m.row_of(sid)
    rules = m.qc_rules(row)
    assert "min_duration" in rules
    assert "min_duration" in m.data(m.index(row, Col.QC))


def test_lang_switch_changes_translation_column(qapp: object, project: Project) -> None:
    m = _model(project)
    m.set_lang("fr")
    assert m.data(m.index(0, Col.TRANSLATION)).startswith("fr ")
    assert m.flags(m.index(0, Col.CPS)) & Qt.ItemFlag.ItemIsEditable == Qt.ItemFlag(0)
    assert not m.index(0, 0).parent().isValid() and m.rowCount(QModelIndex()) == 12
