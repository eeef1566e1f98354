"""Stages marked ``pure_plan`` are planned off the editor's GUI thread, so their ``plan`` must
only read the project: every change it decides is made by ``begin`` on the owning thread."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from taura_desktop.app import projects
from taura_desktop.pipeline.diarize import DiarizeStage
from taura_desktop.pipeline.transcribe import TranscribeStage
from taura_desktop.pipeline.translate import TranslateOptions, TranslateStage
from taura_desktop.sample import SampleMedia


def test_stages_planned_off_the_gui_thread_say_so() -> None:
    for stage in (TranscribeStage, TranslateStage, DiarizeStage):
        assert getattr(stage, "pure_plan", False) is True, stage.__name__


@pytest.mark.skipif(shutil.which("apertium") is None, reason="apertium not installed")
def test_translate_plan_changes_nothing_and_begin_adds_the_language(
    tmp_path: Path, sample: SampleMedia, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no user translation memory or glossary
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    p = projects.new_project(sample.video, tmp_path / "p.taura", source_lang="en", targets=())
    try:
        projects.import_subtitles(p, sample.subtitles, lang="en")
        before = (p.revision, p.meta.target_langs)
        stage = TranslateStage()
        task = stage.plan(p, TranslateOptions(langs=("es",), engine="apertium"))
        assert task is not None
        assert (p.revision, p.meta.target_langs) == before  # planning wrote nothing
        stage.begin(p)
        assert "es" in p.meta.target_langs
    finally:
        p.close()
