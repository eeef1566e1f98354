"""Real model weights for tests, from a model store the test runs share.

``require_model(name)`` returns the installed folder of catalog model ``name`` from
``$TAURA_TEST_MODELS`` (default ``~/.cache/taura/test-models`` of the real home, captured
before the hermetic fixtures redirect HOME), or skips the test with the command that
installs it. ``./setup.sh test`` installs tiny.en, base, kokoro-82m, en_US-joe-medium and
speaker-ge2e there before running pytest.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

import pytest

from taura_desktop.modelstore import catalog
from taura_desktop.modelstore.store import MANIFEST

ENV_TEST_MODELS = "TAURA_TEST_MODELS"
TEST_MODELS = ("tiny.en", "base", "kokoro-82m", "en_US-joe-medium", "speaker-ge2e")


def _real_home() -> Path:
    try:
        return Path(pwd.getpwuid(os.getuid()).pw_dir)
    except (KeyError, OSError):
        return Path.home()


def test_models_root() -> Path:
    """The shared test model store (evaluated at import time by tests/conftest.py too)."""
    env = os.environ.get(ENV_TEST_MODELS, "").strip()
    return Path(env).expanduser() if env else _real_home() / ".cache" / "taura" / "test-models"


test_models_root.__test__ = False  # type: ignore[attr-defined]  # not a test for pytest

_ROOT = test_models_root()


def require_model(name: str) -> Path:
    """The installed folder of ``name`` in the shared test store; skips the test when absent."""
    entry = catalog.get(name)
    folder = _ROOT / entry.engine / name
    if (folder / MANIFEST).is_file():
        return folder
    why = ""
    failed = _ROOT / ".download-failures" / name
    if failed.is_file():
        why = f" (the last download failed: {failed.read_text(encoding='utf-8').strip()[:200]})"
    pytest.skip(
        f"real model '{name}' is not installed in {_ROOT}{why}; install it with "
        f"`taura models --models-dir {_ROOT} download {name}` (./setup.sh test does this)"
    )
