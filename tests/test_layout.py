"""The sandbox's two halves stay apart: the world never imports the runner; nothing shipped imports the tests."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module a file imports (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
    return found


def files(folder: str) -> list[Path]:
    found = sorted((ROOT / folder).rglob("*.py"))
    assert found, folder
    return found


def test_the_world_never_imports_the_runner() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.startswith("sandbox.runner"))
        for path in files("sandbox/world")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_shipped_code_never_imports_the_tests() -> None:
    for folder in ("sandbox", "benchmarks", "providers", "peering"):
        for path in files(folder):
            assert not any(m == "tests" or m.startswith("tests.") for m in imported_modules(path)), path


def test_the_resolver_sees_relative_imports() -> None:
    """Guards the two tests above: a relative import of the runner would be caught."""
    assert "sandbox.runner.engine" in imported_modules(ROOT / "sandbox/runner/commands.py")
    assert "sandbox.world.aws_accounts" in imported_modules(ROOT / "sandbox/runner/engine.py")
