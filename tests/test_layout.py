"""The layers stay apart: providers never import peering or sandbox, peering never imports sandbox, the
sandbox's world never imports its commands or its plugin, no stand-in for the engine remains outside tests/
(no mocks of the resource monitor), nothing shipped imports the tests; each layer's errors share one root."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from peering.errors import PeeringError
from providers.heroku_errors import HerokuError
from sandbox.errors import SandboxError

pytestmark = pytest.mark.program

ROOT = Path(__file__).resolve().parents[1]
# Each shipped layer, the layers it must not import, and the root of its errors.
LAYERS = {
    "providers": (("peering", "sandbox"), HerokuError),
    "peering": (("sandbox",), PeeringError),
    "sandbox": ((), SandboxError),
}


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


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_a_layer_never_imports_the_layers_above_it(layer: str) -> None:
    above, _ = LAYERS[layer]
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.split(".")[0] in above)
        for path in files(layer)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_every_error_of_a_layer_derives_from_its_root(layer: str) -> None:
    _, root = LAYERS[layer]
    errors = {
        f"{name}.{cls.__name__}": cls
        for name in (module_name(path) for path in files(layer) if path.name != "__main__.py")
        for cls in vars(importlib.import_module(name)).values()
        if inspect.isclass(cls) and issubclass(cls, BaseException) and cls.__module__ == name
    }
    assert errors, layer
    assert sorted(name for name, cls in errors.items() if not issubclass(cls, root)) == []


def test_the_world_never_imports_the_commands_or_the_plugin() -> None:
    above = ("sandbox.stack_commands", "sandbox.cli", "sandbox.aws_plugin", "sandbox.pulumi_cli")
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m.startswith(above))
        for path in files("sandbox/world")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_stand_in_engine_outside_the_tests() -> None:
    """Only the real engine runs programs: shipped code never uses Pulumi's mocks of the resource monitor."""
    for folder in (*LAYERS, "benchmarks"):
        for path in files(folder):
            text = path.read_text()
            assert "pulumi.runtime.mocks" not in imported_modules(path) and "import mocks" not in text, path
            assert "set_mocks" not in text and "MockMonitor" not in text, path


def test_shipped_code_never_imports_the_tests() -> None:
    for folder in LAYERS:
        for path in files(folder):
            assert not any(m == "tests" or m.startswith("tests.") for m in imported_modules(path)), path


def test_the_resolver_sees_relative_imports() -> None:
    """Guards the tests above: a relative import of the world, or of another layer, would be caught."""
    assert "sandbox.world.heroku_world" in imported_modules(ROOT / "sandbox/world/local_sandbox.py")
    assert "sandbox.aws_plugin.server" in imported_modules(ROOT / "sandbox/aws_plugin/__main__.py")
    assert "providers.peering_acceptance" in imported_modules(ROOT / "peering/program/component.py")
    assert "pulumi.runtime" in imported_modules(ROOT / "tests/program_mocks.py")  # `from pulumi.runtime import mocks`
