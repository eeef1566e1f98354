"""The model store and the engines agree: a model imported with `taura models import` is
found and used by the stages (argos package built here, through the real import path)."""

from __future__ import annotations

from pathlib import Path

import pytest

from taura_desktop.cli import main
from taura_desktop.core.project import Project
from taura_desktop.jobs.worker import Worker
from taura_desktop.pipeline.stages import run_stage
from taura_desktop.pipeline.translate import TranslateOptions
from tests.tiny.argos import build_tiny_argos_package


def test_imported_argos_package_translates_in_the_worker(
    tmp_path: Path, subs_project: Project, worker: Worker, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = build_tiny_argos_package(tmp_path / "pkg", "en", "fr")
    assert main(["models", "import", str(archive)]) == 0
    assert "translate-en_fr" in capsys.readouterr().out
    summary = run_stage(subs_project, "translate", TranslateOptions(("fr",), engine="auto"), worker=worker)
    assert summary["translated"] == {"fr": len(subs_project)}
    for seg in subs_project.segments():
        tr = seg.translation("fr")
        assert tr is not None and tr.engine == "argos"  # auto picked the installed package
    assert main(["models", "remove", "translate-en_fr"]) == 0
