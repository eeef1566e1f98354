from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taura_desktop.core.project import Project
from taura_desktop.jobs.worker import Worker
from taura_desktop.sample import SampleMedia, make_sample


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleMedia:
    """A 40 s version of the demo video (espeak narration, English subtitles)."""
    return make_sample(tmp_path_factory.mktemp("sample"), seconds=40)


@pytest.fixture
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.stop()


@pytest.fixture
def subs_project(tmp_path: Path, sample: SampleMedia) -> Iterator[Project]:
    from taura_desktop.app import projects

    p = projects.new_project(sample.video, tmp_path / "p.taura", source_lang="en", targets=("es",))
    projects.import_subtitles(p, sample.subtitles, lang="en")
    yield p
    p.close()
