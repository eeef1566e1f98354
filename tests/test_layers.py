"""Imports flow one way, function-level imports included; printing only in the CLI.

errors/paths/languages/device <- core <- media, subtitles, segmentation, translation,
modelstore, audio <- engines <- dub, export <- jobs <- pipeline <- app <- cli, ui <- demo, sample
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import taura_desktop

PACKAGE = Path(taura_desktop.__file__).parent

LAYERS: tuple[tuple[str, ...], ...] = (
    ("__init__", "__main__", "errors", "paths", "languages", "device", "resources", "atomic"),
    ("core",),
    ("media", "subtitles", "segmentation", "translation", "modelstore", "audio"),
    ("engines",),
    ("dub", "export"),
    ("jobs",),
    ("pipeline",),
    ("app",),
    ("cli", "ui"),
    ("demo", "sample"),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
#: Same-layer neighbours that must not know each other.
APART = ({"cli", "ui"},)
#: Where ``print`` may be called.
PRINTERS = ("cli", "demo", "sample")


def _top(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) of every import of our own package, at any depth (functions too)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "taura_desktop":
                for alias in node.names:
                    yield node.lineno, f"taura_desktop.{alias.name}"
            else:
                yield node.lineno, node.module
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield node.lineno, arg.value


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def upward_imports() -> list[str]:
    bad = []
    for path in _sources():
        src = _top(path)
        assert src in RANK, f"{path}: top-level module {src!r} has no layer (add it to LAYERS)"
        for line, module in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            parts = module.split(".")
            if parts[0] != "taura_desktop" or len(parts) < 2:
                continue
            dst = parts[1]
            assert dst in RANK, f"{path}:{line}: {module}: no layer for {dst!r}"
            if RANK[dst] > RANK[src] or {src, dst} in APART:
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {src} imports {module}")
    return bad


def test_imports_flow_one_way() -> None:
    assert upward_imports() == []


def test_the_checker_sees_function_level_and_dynamic_imports(tmp_path: Path) -> None:
    code = (
        "def f():\n"
        "    from taura_desktop.cli import main\n"
        "    import taura_desktop.ui.app\n"
        "    importlib.import_module('taura_desktop.pipeline.stages')\n"
    )
    found = [m for _line, m in _imports(ast.parse(code))]
    assert found == ["taura_desktop.cli", "taura_desktop.ui.app", "taura_desktop.pipeline.stages"]


def test_printing_only_in_the_cli() -> None:
    bad = []
    for path in _sources():
        if _top(path) in PRINTERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert bad == []


def test_no_module_over_700_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE.parent)): n
        for p in _sources()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 700
    }
    assert long == {}
