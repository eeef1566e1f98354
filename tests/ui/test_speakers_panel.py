"""Speakers panel: merge and rename speakers, reassign a run of selected segments, re-run
speaker detection on the selection; the timeline paints each speaker's segments in its colour."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from taura_desktop.core import edits
from taura_desktop.core.project import Project
from taura_desktop.pipeline.diarize import DiarizeOptions
from taura_desktop.ui.jobs_panel import StageRequest
from taura_desktop.ui.speakers_panel import SPEAKER_ID_ROLE, SpeakersPanel, speaker_palette
from taura_desktop.ui.timeline import HEADER_W, Timeline, TrackKind


def _panel(qtbot: QtBot, project: Project, selection: list[str]) -> SpeakersPanel:
    panel = SpeakersPanel(lambda: list(selection))
    qtbot.addWidget(panel)
    panel.set_project(project)
    return panel


def _select(panel: SpeakersPanel, current: str, *others: str) -> None:
    for i in range(panel.list.count()):
        item = panel.list.item(i)
        sid = item.data(SPEAKER_ID_ROLE)
        if sid == current:
            panel.list.setCurrentItem(item)
    for i in range(panel.list.count()):
        item = panel.list.item(i)
        item.setSelected(item.data(SPEAKER_ID_ROLE) in (current, *others))


def test_reassign_a_run_then_merge_speakers_in_one_undo_step(qtbot: QtBot, project: Project) -> None:
    ids = project.state.ids()
    project.apply(edits.add_speaker(project.state, "Bob", "spk_b"))
    project.apply(edits.set_speaker(project.state, ids[:6], "spk_a"))
    selection = ids[2:5]  # a run of segments in the middle
    panel = _panel(qtbot, project, selection)
    _select(panel, "spk_b")
    panel.assign_button.click()
    assert [project.segment(i).speaker_id for i in ids[:6]] == ["spk_a", "spk_a", "spk_b", "spk_b", "spk_b",
                                                                 "spk_a"]
    before = project.dump()
    _select(panel, "spk_a", "spk_b")
    panel.merge_button.click()
    assert set(project.state.speakers) == {"spk_a"}
    assert all(project.segment(i).speaker_id == "spk_a" for i in ids[:6])
    assert panel.list.count() == 1
    assert project.undo_text == "Merge speakers"
    project.undo()
    assert project.dump() == before
    assert panel.list.count() == 2


def test_merge_needs_two_speakers_and_rename_is_an_edit(qtbot: QtBot, project: Project) -> None:
    panel = _panel(qtbot, project, [])
    _select(panel, "spk_a")
    with qtbot.waitSignal(panel.message) as blocker:
        panel.merge_button.click()
    assert "Select two or more speakers" in str(blocker.args[0])
    item = panel.list.item(0)
    item.setText("Alicia")
    assert project.state.speakers["spk_a"].name == "Alicia"
    assert project.undo_text == "Rename speaker"


def test_find_speakers_in_selection_queues_diarize_over_its_range(qtbot: QtBot, project: Project) -> None:
    ids = project.state.ids()
    queued: list[StageRequest] = []
    panel = _panel(qtbot, project, [ids[3], ids[1]])
    with qtbot.waitSignal(panel.message):
        assert not panel.rediarize_selection()  # no jobs queue: nothing queued, no crash
    panel.enqueue = queued.append
    assert panel.rediarize_selection()
    (req,) = queued
    assert req.stage == "diarize"
    assert isinstance(req.options, DiarizeOptions)
    assert req.options.range_ms == (project.segment(ids[1]).start_ms, project.segment(ids[3]).end_ms)
    empty = _panel(qtbot, project, [])
    empty.enqueue = queued.append
    with qtbot.waitSignal(empty.message) as blocker:
        assert not empty.rediarize_selection()
    assert "Select segments" in str(blocker.args[0]) and len(queued) == 1


def test_timeline_paints_segments_in_their_speakers_colour(qtbot: QtBot, project: Project) -> None:
    ids = project.state.ids()
    project.apply(edits.add_speaker(project.state, "Bob", "spk_b"))
    project.apply(edits.set_speaker(project.state, [ids[0]], "spk_a"))
    project.apply(edits.set_speaker(project.state, [ids[1]], "spk_b"))
    colors = speaker_palette(project)
    assert colors["spk_a"] != colors["spk_b"]
    tl = Timeline()
    qtbot.addWidget(tl)
    tl.resize(1000 + HEADER_W, 260)
    tl.set_project(project)
    tl.show()
    qtbot.waitExposed(tl)
    tl.set_view(0, 10.0)
    image = tl.grab().toImage()
    track = tl.track(TrackKind.SOURCE, None)
    y = track.y + 5
    for sid, seg_id in (("spk_a", ids[0]), ("spk_b", ids[1])):
        seg = project.segment(seg_id)
        x = round(tl.x_for_ms(seg.start_ms + 30))  # left of the label text
        px = image.pixelColor(x * image.width() // tl.width(), y * image.height() // tl.height())
        assert px.rgb() == colors[sid].rgb(), sid
    # a segment without a speaker keeps the plain source colour
    other = project.segment(ids[2])
    x = round(tl.x_for_ms(other.start_ms + 30))
    px = image.pixelColor(x * image.width() // tl.width(), y * image.height() // tl.height())
    assert px.rgb() not in {c.rgb() for c in colors.values()}
