"""Every edit command: do, undo, redo twice, comparing full dumps (and the file on disk)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from taura_desktop.core import edits
from taura_desktop.core.edits import Change, ChangeKind, Edit, EditError
from taura_desktop.core.model import (
    GlossaryEntry,
    Origin,
    Segment,
    Status,
    Translation,
    VoiceClip,
    VoiceSpec,
    Word,
)
from taura_desktop.core.project import Project, ProjectState


def _words(start: int, texts: list[str]) -> tuple[Word, ...]:
    return tuple(Word(start + i * 400, start + i * 400 + 350, t, 0.9) for i, t in enumerate(texts))


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = Project.create(tmp_path / "p.taura", media=None, source_lang="en", target_langs=("es",))
    p.apply(edits.add_speaker(p.state, "Ann", "spk-a"), undoable=False)
    p.apply(edits.add_speaker(p.state, "Bob", "spk-b"), undoable=False)
    segs = [
        Segment("s1", 0, 1500, "Hello there friend", "spk-a", words=_words(0, ["Hello", "there", "friend"])),
        Segment(
            "s2",
            2000,
            3500,
            "How are you",
            "spk-b",
            translations={"es": Translation("Cómo estás", Origin.ENGINE, Status.DRAFT)},
        ),
        Segment("s3", 4000, 6000, "Fine thanks a lot"),
    ]
    p.apply(edits.add_segments(p.state, segs), undoable=False)
    return p


def reversion_check(project: Project, make: Callable[[ProjectState], Edit]) -> None:
    before = project.dump()
    project.apply(make(project.state))
    after = project.dump()
    assert after != before, "the edit changed nothing"
    for _ in range(2):
        project.undo()
        assert project.dump() == before
        project.redo()
        assert project.dump() == after
    # what is on disk is what is in memory
    path = project.path
    project.close()
    reopened = Project.open(path)
    assert reopened.dump() == after
    reopened.close()


COMMANDS: dict[str, Callable[[ProjectState], Edit]] = {
    "set_times": lambda s: edits.set_times(s, "s2", 2100, 3400),
    "shift_segments": lambda s: edits.shift_segments(s, ["s1", "s2"], 250),
    "set_source_text": lambda s: edits.set_source_text(s, "s3", "Fine, thanks."),
    "set_translation_text": lambda s: edits.set_translation_text(s, "s1", "es", "Hola amigo"),
    "apply_engine_translations": lambda s: edits.apply_engine_translations(
        s, "es", {"s1": "Hola", "s3": "Bien"}, engine="apertium"
    ),
    "set_status": lambda s: edits.set_status(s, ["s2"], "es", Status.APPROVED),
    "set_clips": lambda s: edits.set_clips(s, "es", {"s2": VoiceClip("k2", 22050, 900, "espeak")}),
    "set_speaker": lambda s: edits.set_speaker(s, ["s1", "s3"], "spk-b"),
    "add_segments": lambda s: edits.add_segments(s, [Segment("s4", 7000, 8000, "More")]),
    "remove_segments": lambda s: edits.remove_segments(s, ["s1", "s3"]),
    "replace_segments": lambda s: edits.replace_segments(
        s, [Segment("s3", 4000, 5800, "Fine thanks", flags=("cps",))], "Re-cut"
    ),
    "replace_all_segments": lambda s: edits.replace_all_segments(
        s, [Segment("n1", 0, 900, "New")], "Transcribe"
    ),
    "split_segment_words": lambda s: edits.split_segment(s, "s1", 700),
    "split_segment_text": lambda s: edits.split_segment(s, "s2", 2700),
    "merge_segments": lambda s: edits.merge_segments(s, "s2", "s3"),
    "add_speaker": lambda s: edits.add_speaker(s, "Cleo", "spk-c"),
    "rename_speaker": lambda s: edits.rename_speaker(s, "spk-a", "Anna"),
    "set_voice": lambda s: edits.set_voice(s, "spk-a", "es", VoiceSpec("espeak", "es+f2", 1.1, 60)),
    "remove_speaker": lambda s: edits.remove_speaker(s, "spk-a"),
    "add_target_langs": lambda s: edits.add_target_langs(s, ["fr", "de"]),
    "set_glossary": lambda s: edits.set_glossary(s, [GlossaryEntry("Taura", {}, dnt=True)]),
    "set_setting": lambda s: edits.set_setting(s, "profile", "bbc"),
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_do_undo_redo_twice(project: Project, name: str) -> None:
    reversion_check(project, COMMANDS[name])


def test_change_kinds_describe_what_changed(project: Project) -> None:
    seen: list[Change] = []
    project.subscribe(seen.append)
    project.apply(edits.set_times(project.state, "s1", 10, 1400))
    project.apply(edits.set_translation_text(project.state, "s1", "es", "Hola"))
    project.apply(edits.set_clips(project.state, "es", {"s1": VoiceClip("k", 22050, 900, "espeak")}))
    project.apply(edits.remove_segments(project.state, ["s3"]))
    assert seen[0].kinds == ChangeKind.TIMES and seen[0].segment_ids == {"s1"}
    assert seen[1].kinds == ChangeKind.TRANSLATION and seen[1].langs == {"es"}
    assert seen[2].kinds == ChangeKind.VOICE
    assert seen[3].kinds == ChangeKind.REMOVED and seen[3].removed == {"s3"}
    project.undo()
    assert seen[-1].kinds == ChangeKind.ADDED and seen[-1].added == {"s3"}


def test_typing_merges_into_one_undo_step(project: Project) -> None:
    before = project.dump()
    for text in ["H", "Ho", "Hol", "Hola"]:
        project.apply(edits.set_translation_text(project.state, "s1", "es", text))
    assert project.segment("s1").translations["es"].text == "Hola"
    project.undo()
    assert project.dump() == before
    assert not project.can_undo


def test_engine_never_overwrites_a_person_edit(project: Project) -> None:
    project.apply(edits.set_translation_text(project.state, "s2", "es", "¿Qué tal?"))
    project.apply(edits.apply_engine_translations(project.state, "es", {"s2": "Cómo estás"}, engine="x"))
    assert project.segment("s2").translations["es"].text == "¿Qué tal?"
    project.apply(
        edits.apply_engine_translations(project.state, "es", {"s2": "Cómo estás"}, engine="x", force=True)
    )
    assert project.segment("s2").translations["es"].text == "Cómo estás"


def test_order_follows_times(project: Project) -> None:
    project.apply(edits.set_times(project.state, "s1", 6500, 6900))
    assert [s.id for s in project.segments()] == ["s2", "s3", "s1"]
    assert project.state.index_of("s1") == 2
    assert project.state.neighbours("s3") == (project.segment("s2"), project.segment("s1"))


def test_split_keeps_every_word(project: Project) -> None:
    project.apply(edits.split_segment(project.state, "s1", 700))
    left, right = project.segments()[:2]
    assert [w.text for w in left.words + right.words] == ["Hello", "there", "friend"]
    assert left.end_ms == right.start_ms == 700
    assert left.source_text == "Hello there" and right.source_text == "friend"


@pytest.mark.parametrize(
    "bad",
    [
        lambda s: edits.set_times(s, "s1", 500, 400),
        lambda s: edits.set_times(s, "s1", -5, 400),
        lambda s: edits.set_times(s, "nope", 0, 400),
        lambda s: edits.split_segment(s, "s1", 5000),
        lambda s: edits.set_status(s, ["s1"], "es", Status.APPROVED),
        lambda s: edits.set_speaker(s, ["s1"], "ghost"),
        lambda s: edits.add_segments(s, [Segment("s1", 0, 10, "dup")]),
    ],
)
def test_invalid_edits_are_refused_and_change_nothing(
    project: Project, bad: Callable[[ProjectState], Edit]
) -> None:
    before = project.dump()
    with pytest.raises(EditError):
        project.apply(bad(project.state))
    assert project.dump() == before


def test_stale_edit_is_refused(project: Project) -> None:
    stale = edits.set_times(project.state, "s1", 0, 1000)
    project.apply(edits.set_times(project.state, "s1", 0, 1200))
    with pytest.raises(EditError):
        project.apply(stale)
