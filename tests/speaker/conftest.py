from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from taura_desktop.engines.speaker import SpeakerEncoder


@pytest.fixture(scope="session")
def ge2e_dir() -> Path:
    from tests.realmodels import require_model

    return require_model("speaker-ge2e")


@pytest.fixture(scope="session")
def encoder(ge2e_dir: Path) -> SpeakerEncoder:
    from taura_desktop.engines.speaker import open_encoder

    return open_encoder(str(ge2e_dir))
