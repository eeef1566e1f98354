from __future__ import annotations

from pathlib import Path

import pytest

from taura_desktop.core import edits, timing
from taura_desktop.core.edits import EditError
from taura_desktop.core.model import Segment, Word
from taura_desktop.core.project import Project


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = Project.create(tmp_path / "t.taura", media=None, source_lang="en")
    segs = [
        Segment("a", 1000, 2000, "one two", words=(Word(1000, 1400, "one"), Word(1500, 1950, "two"))),
        Segment("b", 3000, 4000, "three four", words=(Word(3050, 3400, "three"), Word(3500, 3900, "four"))),
        Segment("c", 5000, 6000, "five"),
    ]
    p.apply(edits.add_segments(p.state, segs))
    return p


def test_end_clamps_before_next_with_gap(project: Project) -> None:
    assert timing.retime(project.state, "a", "end", 9999, min_gap_ms=84) == (1000, 3000 - 84)


def test_start_clamps_after_previous_with_gap(project: Project) -> None:
    assert timing.retime(project.state, "b", "start", 0, min_gap_ms=100) == (2100, 4000)


def test_first_segment_never_goes_below_zero(project: Project) -> None:
    assert timing.retime(project.state, "a", "start", -500) == (0, 2000)


def test_min_duration_kept(project: Project) -> None:
    assert timing.retime(project.state, "b", "end", 3010, min_duration_ms=250) == (3000, 3250)
    assert timing.retime(project.state, "b", "start", 3990, min_duration_ms=250) == (3750, 4000)


def test_snaps_to_word_boundary_within_tolerance(project: Project) -> None:
    # 3420 is 20 ms from the end of "three" (3400)
    assert timing.retime(project.state, "b", "end", 3420, snap_ms=30, min_duration_ms=100) == (3000, 3400)
    # outside the tolerance: no snap
    assert timing.retime(project.state, "b", "end", 3450, snap_ms=30, min_duration_ms=100) == (3000, 3450)
    # words=False ignores word boundaries
    assert timing.retime(project.state, "b", "end", 3420, snap_ms=30, words=False, min_duration_ms=100) == (
        3000,
        3420,
    )


def test_snaps_to_neighbour_edge(project: Project) -> None:
    # dragging b's start near a's end snaps to the first allowed position (a.end + gap)
    assert timing.retime(project.state, "b", "start", 2110, snap_ms=50, min_gap_ms=84) == (2084, 4000)


def test_snaps_to_extra_points(project: Project) -> None:
    assert timing.retime(project.state, "c", "end", 6490, snap_ms=20, extra_snaps=[6500]) == (5000, 6500)


def test_move_keeps_duration_and_clamps(project: Project) -> None:
    assert timing.retime(project.state, "b", "move", 3200) == (3200, 4200)
    assert timing.retime(project.state, "b", "move", 9000, min_gap_ms=84) == (5000 - 84 - 1000, 5000 - 84)
    assert timing.retime(project.state, "b", "move", 0, min_gap_ms=84) == (2084, 3084)


def test_move_without_room_stays(project: Project) -> None:
    p = project
    p.apply(edits.set_times(p.state, "b", 2084, 4916))  # fills the room between a and c
    assert timing.retime(p.state, "b", "move", 2500, min_gap_ms=84) == (2084, 4916)


def test_media_end_limits_last_segment(project: Project) -> None:
    assert timing.retime(project.state, "c", "end", 9000, media_end_ms=7000) == (5000, 7000)
    assert timing.retime(project.state, "c", "move", 9000, media_end_ms=7000) == (6000, 7000)


def test_overlapping_input_is_not_made_worse(project: Project) -> None:
    p = project
    p.apply(edits.set_times(p.state, "b", 1900, 4000))  # overlaps a (ends 2000)
    start, end = timing.retime(p.state, "b", "start", 1000)
    assert (start, end) == (1900, 4000)


def test_retime_edit_is_undoable_and_move_shifts_words(project: Project) -> None:
    p = project
    before = p.dump()
    edit = timing.retime_edit(p.state, "b", "move", 3100)
    assert edit is not None
    p.apply(edit)
    seg = p.segment("b")
    assert (seg.start_ms, seg.end_ms) == (3100, 4100)
    assert seg.words[0].start_ms == 3150
    p.undo()
    assert p.dump() == before


def test_retime_edit_none_when_unchanged(project: Project) -> None:
    assert timing.retime_edit(project.state, "a", "start", 1000) is None


def test_bad_inputs_have_one_line_errors(project: Project) -> None:
    with pytest.raises(EditError, match="no segment with id 'zz'"):
        timing.retime(project.state, "zz", "start", 0)
    with pytest.raises(EditError, match="unknown edge 'middle'"):
        timing.retime(project.state, "a", "middle", 0)  # type: ignore[arg-type]
