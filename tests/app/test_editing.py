"""The editing operations the segment table, the segment pane and the find bar share (no Qt)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taura_desktop.app import editing
from taura_desktop.app.editing import find_next, replace_all
from taura_desktop.core import edits
from taura_desktop.core.model import Origin
from taura_desktop.core.project import Project
from tests.ui.helpers import make_project


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = make_project(tmp_path / "p.taura", 12, langs=("es", "fr"))
    yield p
    p.close()


def _es(project: Project, sid: str) -> str:
    tr = project.segment(sid).translation("es")
    assert tr is not None
    return tr.text


def test_find_and_replace_all_is_one_undo_step(project: Project) -> None:
    ids = project.state.ids()
    first = find_next(project, ids, "es ", lang="es", field="translation")
    assert first == ids[0]
    nxt = find_next(project, ids, "es ", lang="es", field="translation", after=first)
    assert nxt == ids[1]
    assert find_next(project, ids, "no-such-text", lang="es") is None
    before = project.dump()
    edit = replace_all(project, "es ", "ES: ", lang="es", field="translation")
    assert len(edit.segments) == 12
    project.apply(edit)
    assert all(s.translations["es"].text.startswith("ES: ") for s in project.segments())
    project.undo()
    assert project.dump() == before


def test_find_wraps_and_goes_backwards(project: Project) -> None:
    ids = project.state.ids()
    assert find_next(project, ids, "fr ", lang="fr", field="translation", after=ids[-1]) == ids[0]
    assert find_next(project, ids, "fr ", lang="fr", field="translation", backwards=True) == ids[-1]
    assert find_next(project, ids, "fr ", lang="es", field="translation") is None
    assert find_next(project, ids, "", lang="es") is None


def test_replace_with_case_whole_word_regex_and_count(project: Project) -> None:
    ids = project.state.ids()[:3]
    for sid, text in zip(ids, ["Cat cat concat.", "the cat sat", "CAT 12 and 34"], strict=True):
        project.apply(edits.set_translation_text(project.state, sid, "es", text))
    edit = replace_all(project, "cat", "dog", lang="es", seg_ids=ids, case_sensitive=True, whole_word=True)
    project.apply(edit)
    assert [_es(project, s) for s in ids] == ["Cat dog concat.", "the dog sat", "CAT 12 and 34"]
    project.apply(replace_all(project, "cat", "x", lang="es", seg_ids=ids[:1], count=1))
    assert _es(project, ids[0]) == "x dog concat."
    project.apply(replace_all(project, r"(\d+) and (\d+)", r"\2 y \1", lang="es", regex=True))
    assert _es(project, ids[2]) == "CAT 34 y 12"
    assert replace_all(project, "no-such-text", "y", lang="es").segments == ()


def test_replace_refuses_what_it_cannot_do(project: Project) -> None:
    with pytest.raises(edits.EditError, match="regular expression"):
        replace_all(project, "(", "x", lang="es", regex=True)
    with pytest.raises(edits.EditError, match="replacement"):
        replace_all(project, "es", r"\9", lang="es", regex=True)
    with pytest.raises(edits.EditError, match="source or translation"):
        replace_all(project, "a", "b", lang="es", field="both")
    with pytest.raises(edits.EditError, match="no target language"):
        replace_all(project, "a", "b", lang=None)


def test_replace_in_the_source(project: Project) -> None:
    sid = project.state.ids()[0]
    word = project.segment(sid).source_text.split()[0]
    project.apply(replace_all(project, word, "ZULU", lang=None, field="source", seg_ids=[sid]))
    assert project.segment(sid).source_text.split()[0] == "ZULU"


def test_typed_text_is_one_edit_or_none(project: Project) -> None:
    sid = project.state.ids()[0]
    seg = project.segment(sid)
    assert editing.source_text(project, sid, seg.source_text) is None
    assert editing.translation_text(project, sid, "es", _es(project, sid)) is None
    edit = editing.translation_text(project, sid, "es", "hola")
    assert edit is not None
    project.apply(edit)
    tr = project.segment(sid).translation("es")
    assert tr is not None and tr.text == "hola" and tr.origin is Origin.PERSON
