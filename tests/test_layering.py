"""The data flows one way: numerics never imports theorems (except the validation leaf)
or checks; theorems never imports numerics or checks; nothing imports checks."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    mods: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            mods.add(node.module)
            mods.update(f"{node.module}.{a.name}" for a in node.names)
    return mods


@pytest.mark.parametrize("path", sorted((ROOT / "numerics").glob("*.py")), ids=lambda p: p.name)
def test_numerics_imports_only_the_validation_leaf_of_theorems(path):
    bad = {m for m in _imports(path)
           if (m.startswith("theorems") and not m.startswith("theorems.validate")) or m.startswith("checks")}
    assert not bad, f"{path.name} imports {sorted(bad)}"


@pytest.mark.parametrize("path", sorted((ROOT / "theorems").glob("*.py")), ids=lambda p: p.name)
def test_theorems_never_import_numerics(path):
    bad = {m for m in _imports(path) if m.startswith(("numerics", "checks", "theorycheck"))}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_validation_leaf_imports_numpy_only():
    mods = _imports(ROOT / "theorems" / "validate.py")
    assert mods <= {"__future__", "__future__.annotations", "numbers", "typing", "typing.Any", "numpy"}
