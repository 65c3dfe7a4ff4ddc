"""Every test file belongs to one layer, and the fast tier (provider and program, `make test-fast`) starts no
other process and no served sandbox."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.imports import imported_modules
from tests.support.tiers import LAYERS

pytestmark = pytest.mark.program

ROOT = Path(__file__).resolve().parents[1]
TESTS = sorted((ROOT / "tests").glob("test_*.py"))
FAST = ("provider", "program")
# What starts another process or a served sandbox: never reached from a fast file (through test helpers included).
SLOW_MODULES = (
    "subprocess",
    "multiprocessing",
    "sandbox.scenarios.served_sandbox",
    "sandbox.scenarios.provider_host",
    "sandbox.stack_commands",
    "sandbox.pulumi_cli",
    "sandbox.aws_plugin",
    "sandbox.proofs",
    "sandbox.cli",
    "benchmarks",
)


def layer_lines(path: Path) -> list[str]:
    """The module-level ``pytestmark = ...`` assignments of a test file."""
    return [
        ast.unparse(node.value)
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in node.targets)
    ]


def layer_of(path: Path) -> str:
    [line] = layer_lines(path)
    return line.removeprefix("pytest.mark.")


def reached(path: Path) -> set[str]:
    """The modules a test file imports, and those its test helpers (``tests.*``) import, transitively."""
    found: set[str] = set()
    todo = [path]
    while todo:
        for module in imported_modules(todo.pop()):
            if module not in found:
                found.add(module)
                helper = ROOT / Path(*module.split(".")).with_suffix(".py")
                if module.startswith("tests.") and helper.exists():
                    todo.append(helper)
    return found


def slow(path: Path) -> list[str]:
    return sorted(m for m in reached(path) if any(m == s or m.startswith(f"{s}.") for s in SLOW_MODULES))


@pytest.mark.parametrize("path", TESTS, ids=lambda p: p.name)
def test_each_test_file_belongs_to_exactly_one_layer(path: Path) -> None:
    assert layer_lines(path) in [[f"pytest.mark.{layer}"] for layer in LAYERS]


def test_the_layers_are_registered_markers(pytestconfig: pytest.Config) -> None:
    registered = {line.split(":", 1)[0].strip() for line in pytestconfig.getini("markers")}
    assert set(LAYERS) <= registered


@pytest.mark.parametrize("path", [p for p in TESTS if layer_of(p) in FAST], ids=lambda p: p.name)
def test_the_fast_tier_starts_no_process(path: Path) -> None:
    assert slow(path) == []


def test_the_scan_sees_what_starts_processes() -> None:
    """Guards the test above: files that drive the CLI or a served sandbox are found slow, helpers included."""
    assert "subprocess" in slow(ROOT / "tests/test_end_to_end.py")
    assert "sandbox.stack_commands" in slow(ROOT / "tests/test_bad_inputs.py")  # through tests.support.pulumi_runs
    assert {layer_of(p) for p in TESTS} == set(LAYERS)


def test_make_test_fast_runs_the_fast_layers() -> None:
    recipe = (ROOT / "Makefile").read_text().split("\ntest-fast:", 1)[1].split("\n\n", 1)[0]
    assert f'-m "{" or ".join(FAST)}"' in recipe
