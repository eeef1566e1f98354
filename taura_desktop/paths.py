"""User-wide files (platformdirs): translation memory, user glossary, recent projects."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "taura-desktop"


def user_data_dir() -> Path:
    override = os.environ.get("TAURA_DATA_DIR")
    path = Path(override) if override else platformdirs.user_data_path(APP)
    path.mkdir(parents=True, exist_ok=True)
    return path


def memory_path() -> Path:
    """The user-wide translation memory (SQLite)."""
    return user_data_dir() / "memory.sqlite"


def user_glossary_path() -> Path:
    return user_data_dir() / "glossary.json"


def cache_dir() -> Path:
    """Derived data worth keeping across projects (separated background stems)."""
    override = os.environ.get("TAURA_CACHE_DIR")
    path = Path(override) if override else platformdirs.user_cache_path(APP)
    path.mkdir(parents=True, exist_ok=True)
    return path
