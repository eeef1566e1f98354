from __future__ import annotations

import sys
from pathlib import Path

import pytest

from taura_desktop.modelstore import store as store_mod
from taura_desktop.modelstore.store import MARKER, ModelStore, resolve_root


@pytest.fixture
def fake_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A portable install: <app>/python/python(.exe) and a repo root at <app>/src."""
    app = tmp_path / "app"
    (app / "python").mkdir(parents=True)
    monkeypatch.setattr(sys, "executable", str(app / "python" / "python"))
    monkeypatch.setattr(store_mod, "_package_repo_root", lambda: app / "src")
    return app


def test_explicit_root_wins_over_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAURA_MODELS_DIR", str(tmp_path / "env"))
    assert ModelStore(tmp_path / "explicit").root == tmp_path / "explicit"


def test_env_wins_over_portable(tmp_path: Path, fake_install: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (fake_install / "models").mkdir()
    (fake_install / "models" / MARKER).write_text("")
    monkeypatch.setenv("TAURA_MODELS_DIR", str(tmp_path / "env"))
    assert resolve_root() == tmp_path / "env"


@pytest.mark.parametrize("where", ["python/models", "models", "src/models"])
def test_portable_models_folder_needs_marker(
    fake_install: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.delenv("TAURA_MODELS_DIR")
    folder = fake_install / where
    folder.mkdir(parents=True)
    assert resolve_root() != folder  # no marker: not a store
    (folder / MARKER).write_text("")
    assert resolve_root() == folder


def test_user_data_dir_is_last(fake_install: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    monkeypatch.delenv("TAURA_MODELS_DIR")
    root = resolve_root()
    assert root == Path(platformdirs.user_data_path("taura-desktop")) / "models"
    assert ModelStore().root == root


def test_conftest_env_points_at_tmp(hermetic_home: Path) -> None:
    assert ModelStore().root == hermetic_home / "models"
