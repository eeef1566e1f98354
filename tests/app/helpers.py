"""Running the CLI in this process and reading the memory the way a user would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from taura_desktop.cli.main import main


def taura(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def info_json(capsys: pytest.CaptureFixture[str], project: Path) -> dict[str, Any]:
    code, out, err = taura(capsys, "info", project, "--json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data
