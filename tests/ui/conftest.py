from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings

from taura_desktop.core.project import Project
from taura_desktop.ui.settings import Settings
from tests.ui.helpers import make_project


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = make_project(tmp_path / "p.taura", 12, langs=("es", "fr"))
    yield p
    with contextlib.suppress(Exception):  # a test may have closed it already
        p.close()


@pytest.fixture
def settings(qapp: object) -> Settings:
    """QSettings under a random organization/app name (never the user's real settings)."""
    name = f"taura-test-{uuid.uuid4().hex[:8]}"
    QCoreApplication.setOrganizationName(name)
    QCoreApplication.setApplicationName(name)
    return Settings(QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, name, name))
