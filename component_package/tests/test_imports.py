"""The package is a consumer of the project's public API: it imports `peering` (what `peering/__init__.py`
exports, never a module inside it) and `providers`, never the sandbox or the tests; and nothing of the project
imports the package but its own tests and the benchmark."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import peering
from tests.support.imports import imported_modules

pytestmark = pytest.mark.program

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "component_package"
SHIPPED = sorted(PACKAGE.glob("*.py"))


def project_modules(path: Path) -> set[str]:
    return {m for m in imported_modules(path) if m.split(".")[0] in ("peering", "providers", "sandbox", "tests")}


def test_the_package_uses_peerings_public_api_and_providers_only() -> None:
    assert SHIPPED
    found = {str(path.relative_to(ROOT)): sorted(project_modules(path)) for path in SHIPPED}
    wrong = {
        path: [m for m in modules if not (m == "peering" or m.startswith("providers"))]
        for path, modules in found.items()
    }
    assert {path: modules for path, modules in wrong.items() if modules} == {}
    used = {
        node.attr
        for path in SHIPPED
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "peering"
    }
    assert used and used <= set(peering.__all__)


def test_nothing_else_imports_the_package() -> None:
    users = [
        str(path.relative_to(ROOT))
        for folder in ("peering", "providers", "sandbox", "tests")
        for path in (ROOT / folder).rglob("*.py")
        if any(m.startswith("component_package") for m in imported_modules(path))
    ]
    assert users == []
