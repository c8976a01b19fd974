"""The layout's rules that import-linter (.importlinter, run by scripts/test) does not
check: imports sit at the top of modules, except where a module says why."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("domain", "adapters", "projections", "services")
# Commands and `chronicle run` load only what they run (services/cli/__init__.py says why).
LATE_IMPORTS_ALLOWED = ("services/cli/", "services/hosted/run.py")

pytestmark = pytest.mark.unit


def late_project_imports(path: Path) -> list[str]:
    """`module:line imported` for each import of a project module inside a function."""
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    for node in tree.body:  # a module-level `if TYPE_CHECKING:` or `try:` is still the top
        if isinstance(node, ast.If | ast.Try):
            top.update(id(inner) for inner in ast.walk(node))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in top:
            continue
        names = (
            [node.module or "."]
            if isinstance(node, ast.ImportFrom)
            else [alias.name for alias in node.names]
        )
        relative = isinstance(node, ast.ImportFrom) and node.level > 0
        if relative or any(name.split(".")[0] in PRODUCT for name in names):
            shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
            found.append(f"{shown}:{node.lineno} {', '.join(names)}")
    return found


def product_modules() -> list[Path]:
    return sorted(p for package in PRODUCT for p in (ROOT / package).rglob("*.py"))


def test_project_imports_sit_at_the_top_of_modules():
    late = [
        found
        for path in product_modules()
        if not str(path.relative_to(ROOT)).startswith(LATE_IMPORTS_ALLOWED)
        for found in late_project_imports(path)
    ]
    assert late == []


def test_the_check_finds_an_import_inside_a_function(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text("import os\n\n\ndef f():\n    from adapters import bus\n    return bus\n")
    assert late_project_imports(planted) == ["planted.py:5 adapters"]
