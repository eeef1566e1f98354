from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taura_desktop.modelstore import offline
from taura_desktop.modelstore.store import ModelStore


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "store")


@pytest.fixture(autouse=True)
def _online_by_default(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("TAURA_OFFLINE", raising=False)
    offline.set_offline(None)
    yield
    offline.set_offline(None)


@pytest.fixture(scope="session")
def tiny_argos_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real tiny .argosmodel (tests/tiny/argos.py), built once per session."""
    from tests.tiny.argos import build_tiny_argos_package

    return build_tiny_argos_package(tmp_path_factory.mktemp("tiny-argos"), "en", "es")
