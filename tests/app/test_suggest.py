"""Glossary suggestions from the same correction in several approved segments."""

from __future__ import annotations

from pathlib import Path

from taura_desktop.app.suggest import accept_suggestion, glossary_suggestions
from taura_desktop.core import edits
from taura_desktop.core.model import Segment, Status, new_id
from taura_desktop.core.project import Project
from taura_desktop.translation.glossary import Glossary

LINES = [
    ("The car is red.", "El coche es rojo.", "El carro es rojo."),
    ("I like this car a lot.", "Me gusta mucho este coche.", "Me gusta mucho este carro."),
    ("Park the car here.", "Aparca el coche aquí.", "Aparca el coche aquí."),  # not changed
    ("The house is big.", "La casa es grande.", "La vivienda es grande."),  # changed only once
    ("My car is new.", "Mi coche es nuevo.", "Mi carro es nuevo."),  # changed, but not approved
]


def _project(tmp_path: Path) -> Project:
    p = Project.create(tmp_path / "g.taura", media=None, source_lang="en", target_langs=("es",))
    segs = [Segment(new_id(), i * 3000, i * 3000 + 2000, src) for i, (src, _e, _p) in enumerate(LINES)]
    p.apply(edits.add_segments(p.state, segs))
    ids = p.state.ids()
    p.apply(edits.apply_engine_translations(p.state, "es", {sid: LINES[i][1] for i, sid in enumerate(ids)},
                                            engine="apertium"))
    for i, sid in enumerate(ids):
        if LINES[i][2] != LINES[i][1]:
            p.apply(edits.set_translation_text(p.state, sid, "es", LINES[i][2]))
    p.apply(edits.set_status(p.state, ids[:4], "es", Status.APPROVED))
    return p


def test_same_change_in_several_approved_segments_is_suggested(tmp_path: Path) -> None:
    with _project(tmp_path) as p:
        found = glossary_suggestions(p, "es")
        assert [(s.source, s.target, s.replaced) for s in found] == [("car", "carro", "coche")]
        ids = p.state.ids()
        assert set(found[0].segment_ids) == {ids[0], ids[1]}
        p.apply(accept_suggestion(p, "es", found[0]))
        assert Glossary(p.meta.glossary).protect("The car.", "en", "es")[0] != "The car."
        assert [e.targets for e in p.meta.glossary] == [{"es": "carro"}]
        assert glossary_suggestions(p, "es") == []  # the glossary says it now
        p.undo()
        assert p.meta.glossary == ()
