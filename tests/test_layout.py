"""The layers stay apart: providers never import peering or sandbox, peering never imports sandbox, the
sandbox's world imports none of its other rooms (commands, plugin, scenario kit, proofs), no stand-in for the
engine remains outside tests/ (no mocks of the resource monitor), nothing shipped nor the benchmarks imports the
tests, no test module imports another (what tests share is in tests/support/); each layer's errors share one root.

Inside peering/ the rooms import one way: model <- rules <- {program, doctor}; model and rules do no I/O and
load no Pulumi, the program and the doctor never import each other, and what the doctor loads has no Pulumi."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from peering.errors import PeeringError
from providers.heroku_errors import HerokuError
from sandbox.errors import SandboxError
from tests.support.imports import imported_modules
from tests.support.schedule import LONGEST

pytestmark = pytest.mark.program

ROOT = Path(__file__).resolve().parents[1]
# Each shipped layer, the layers it must not import, and the root of its errors.
LAYERS = {
    "providers": (("peering", "sandbox"), HerokuError),
    "peering": (("sandbox",), PeeringError),
    "sandbox": ((), SandboxError),
}


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


# The sandbox's rooms, and what each must not import: the emulated world stands alone; the scenario kit acts on it
# for tests, benchmarks and proofs; the IAM proofs use both. Only the commands (cli.py) reach the proofs.
COMMANDS = ("sandbox.stack_commands", "sandbox.cli", "sandbox.aws_plugin", "sandbox.pulumi_cli")
SANDBOX_ROOMS = {
    "sandbox/world": (*COMMANDS, "sandbox.scenarios", "sandbox.proofs"),
    "sandbox/scenarios": (*COMMANDS, "sandbox.proofs"),
    "sandbox/proofs": ("sandbox.cli",),
}


@pytest.mark.parametrize("room", sorted(SANDBOX_ROOMS))
def test_a_sandbox_room_never_imports_the_rooms_above_it(room: str) -> None:
    above = SANDBOX_ROOMS[room]
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if any(m == a or m.startswith(f"{a}.") for a in above)
        )
        for path in files(room)
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
    """The benchmarks included: what they share with the tests is scenario kit in sandbox/, so that no cycle
    runs tests -> benchmarks -> tests."""
    for folder in (*LAYERS, "benchmarks"):
        for path in files(folder):
            assert not any(m == "tests" or m.startswith("tests.") for m in imported_modules(path)), path


TEST_FOLDERS = ("tests", "component_package/tests")


def test_no_test_module_imports_another() -> None:
    """What tests share lives in tests/support/ (or a package's own helpers): never in a test file or a conftest."""
    test_modules = {
        module_name(path)
        for folder in TEST_FOLDERS
        for path in files(folder)
        if path.name.startswith("test_") or path.name == "conftest.py"
    }
    assert {"tests.test_program", "tests.conftest", "component_package.tests.conftest"} <= test_modules
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) if m in test_modules)
        for folder in TEST_FOLDERS
        for path in files(folder)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_package_tests_take_from_tests_only_its_support() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if m.split(".")[0] == "tests" and not m.startswith("tests.support.")
        )
        for path in files("component_package/tests")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_resolver_sees_relative_imports() -> None:
    """Guards the tests above: a relative import of the world, or of another layer, would be caught."""
    assert "sandbox.world.heroku_world" in imported_modules(ROOT / "sandbox/world/local_sandbox.py")
    assert "sandbox.scenarios.served_sandbox" in imported_modules(ROOT / "sandbox/proofs/stack_life.py")
    assert "sandbox.world.sandbox_info" in imported_modules(ROOT / "sandbox/scenarios/network_faults.py")
    assert "sandbox.aws_plugin.server" in imported_modules(ROOT / "sandbox/aws_plugin/__main__.py")
    assert "providers.peering_acceptance" in imported_modules(ROOT / "peering/program/component.py")
    # `from pulumi.runtime import mocks`
    assert "pulumi.runtime" in imported_modules(ROOT / "tests/support/program_mocks.py")


# What each room of peering/ may import of peering (besides itself), and what it may never load.
ROOMS = {
    "model": ("peering.errors",),
    "rules": ("peering.errors", "peering.model"),
    "program": ("peering.errors", "peering.model", "peering.rules"),
    "doctor": ("peering.errors", "peering.model", "peering.rules"),
}
# No I/O and no Pulumi runtime in the model and the rules: they are data and pure functions over it.
NO_IO = ("pulumi", "pulumi_aws", "boto3", "botocore", "requests", "subprocess", "socket", "providers.heroku_api")


def ours(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize("room", sorted(ROOMS))
def test_a_room_of_peering_imports_only_the_rooms_below_it(room: str) -> None:
    allowed = (f"peering.{room}", *ROOMS[room])
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path) if ours(m, "peering") and not any(ours(m, a) for a in allowed)
        )
        for path in files(f"peering/{room}")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("room", ["model", "rules"])
def test_the_model_and_the_rules_do_no_io(room: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in imported_modules(path, at_run_time=True) if any(ours(m, io) for io in NO_IO)
        )
        for path in files(f"peering/{room}")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_peerings_shared_files_import_no_front_end() -> None:
    """errors.py is imported by every room; the package itself loads the component only when asked for it."""
    assert {m for m in imported_modules(ROOT / "peering/errors.py") if ours(m, "peering")} == set()
    assert {m for m in imported_modules(ROOT / "peering/__init__.py", at_run_time=True) if ours(m, "peering")} == {
        "peering.model.args"
    }
    assert {m for m in imported_modules(ROOT / "peering/__main__.py") if ours(m, "peering")} == {"peering.doctor.cli"}


def source_of(module: str) -> Path | None:
    for path in (ROOT / Path(*module.split(".")).with_suffix(".py"), ROOT / Path(*module.split(".")) / "__init__.py"):
        if path.exists():
            return path
    return None


def loaded_by(module: str) -> set[str]:
    """Every module importing ``module`` loads (its packages' ``__init__`` included), following our own files;
    imports under ``if TYPE_CHECKING:`` are not loaded."""
    found: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            prefix = ".".join(parts[:depth])
            if prefix in found:
                continue
            found.add(prefix)
            path = source_of(prefix)
            if path is not None:
                todo.extend(imported_modules(path, at_run_time=True) - found)
    return found


def test_the_doctor_loads_no_pulumi() -> None:
    """`python -m peering doctor` is a boto3 tool: neither pulumi nor pulumi_aws is in what it imports
    (tests/test_doctor_cli.py checks the same in a process of its own)."""
    loaded = {m.split(".")[0] for m in loaded_by("peering.__main__")}
    assert "boto3" in loaded and "providers" in loaded  # the walk follows the doctor into providers/
    assert sorted(loaded & {"pulumi", "pulumi_aws"}) == []


def test_the_walk_sees_pulumi_where_it_is_loaded() -> None:
    """Guards the test above: the program's component does load both, through our own files."""
    loaded = {m.split(".")[0] for m in loaded_by("peering.program.component")}
    assert {"pulumi", "pulumi_aws"} <= loaded
    assert "pulumi" in {m.split(".")[0] for m in loaded_by("peering.program.config")}


STATUS_WORDS = {
    "initiating-request",
    "pending-acceptance",
    "pending",
    "provisioning",
    "active",
    "failed",
    "expired",
    "rejected",
    "deleted",
    "deleting",
}


def test_the_product_spells_its_sets_of_statuses_once() -> None:
    """A tuple, list or set of two or more peering statuses is a vocabulary: it lives in providers/statuses.py
    (the tables that map each status to what it means are keyed by them, and are not sets)."""
    spelled = {}
    for folder in ("peering", "providers"):
        for path in files(folder):
            if path.name == "statuses.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Tuple | ast.List | ast.Set):
                    words = [e.value for e in node.elts if isinstance(e, ast.Constant) and e.value in STATUS_WORDS]
                    if len(words) >= 2:
                        spelled[f"{path.relative_to(ROOT)}:{node.lineno}"] = words
    assert spelled == {}
    assert "LIVE" in vars(importlib.import_module("providers.statuses"))


def test_the_files_the_schedule_starts_first_exist() -> None:
    """A file renamed or removed would silently start late: the schedule names only files that are there."""
    assert [name for name in LONGEST if not (ROOT / name).is_file()] == []
