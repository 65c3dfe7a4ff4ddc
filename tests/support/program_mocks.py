"""Run the real ``__main__.py`` through Pulumi's own Python runtime under Pulumi's mocks, with a monitor
that records every registration: the program's unit tests (no engine, no provider)."""

from __future__ import annotations

import asyncio
import json
import runpy
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pulumi import Output
from pulumi.output import Unknown
from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.settings import get_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROJECT = "heroku-peering"
SECRET_KEYS = ("heroku:apiKey",)


@dataclass(frozen=True)
class Program:
    """A Pulumi Python program: a directory with its ``Pulumi.yaml``, ``__main__.py`` and stack files."""

    directory: Path = PROJECT_ROOT

    @property
    def name(self) -> str:
        project = yaml.safe_load((self.directory / "Pulumi.yaml").read_text()) or {}
        return str(project.get("name") or PROJECT)

    @property
    def main(self) -> Path:
        return self.directory / "__main__.py"

    def stack_config(self, stack: str) -> dict[str, Any]:
        """``config:`` of ``Pulumi.<stack>.yaml`` as written (empty when there is no such file)."""
        path = self.directory / f"Pulumi.{stack}.yaml"
        if not path.exists():
            return {}
        return dict((yaml.safe_load(path.read_text()) or {}).get("config") or {})

    @contextmanager
    def importable(self) -> Iterator[None]:
        """The program's directory and this project on ``sys.path``, as `pulumi up` runs it from its directory."""
        added = [str(path) for path in (self.directory, PROJECT_ROOT) if str(path) not in sys.path]
        sys.path[:0] = added
        try:
            yield
        finally:
            for path in added:
                sys.path.remove(path)


@dataclass(frozen=True)
class Registration:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    dependencies: tuple[str, ...]
    inputs: dict[str, Any]
    protect: bool = False
    alias_names: tuple[str, ...] = ()  # the names of the aliases the program gave (alias specs)
    import_id: str = ""


class RecordingMonitor(mocks.MockMonitor):
    """Records every registration (type, name, dependencies, inputs) and the stack's exports."""

    def __init__(self, mock: mocks.Mocks) -> None:
        super().__init__(mock)
        self.registrations: list[Registration] = []
        self.exports: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        if request.type != "pulumi:pulumi:Stack":
            ensure_event_loop()
            self.registrations.append(
                Registration(
                    urn=self.make_urn(request.parent, request.type, request.name),
                    type=request.type,
                    name=request.name,
                    custom=bool(request.custom),
                    parent=request.parent,
                    dependencies=tuple(request.dependencies),
                    inputs=rpc.deserialize_properties(request.object, keep_unknowns=True),
                    protect=bool(request.protect),
                    alias_names=tuple(alias.spec.name for alias in request.aliases if alias.HasField("spec")),
                    import_id=request.importId,
                )
            )
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]

    def by_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]


DEFAULT_PROGRAM = Program()


def ensure_event_loop() -> None:
    """Deserializing resource references needs a loop on the calling (gRPC worker) thread."""
    try:
        asyncio.get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


def config_strings(config: Mapping[str, Any]) -> dict[str, str]:
    """Stack config as the engine passes it: strings, with objects and lists as JSON."""
    return {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}


def run_program(
    monitor: mocks.MockMonitor,
    config: Mapping[str, Any],
    *,
    preview: bool = False,
    stack: str = "dev",
    program: Program = DEFAULT_PROGRAM,
) -> None:
    """Execute the program once; a ``pulumi.RunError`` from it propagates unchanged."""
    mocks.set_mocks(monitor.mocks, project=program.name, stack=stack, preview=preview, monitor=monitor)
    set_all_config(config_strings(config), [key for key in SECRET_KEYS if key in config])
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()

    def execute() -> None:
        runpy.run_path(str(program.main), run_name="__main__")

    with program.importable():
        _sync_await(run_pulumi_func(execute))
    if isinstance(monitor, RecordingMonitor):
        monitor.exports = stack_exports()


def stack_exports() -> dict[str, Any]:
    """The program's ``pulumi.export`` values, resolved (unknown in a preview stays ``Unknown``)."""
    stack = get_root_resource()
    outputs = dict(getattr(stack, "outputs", {}) or {})
    resolved: dict[str, Any] = {}
    for name, value in outputs.items():
        output = Output.from_input(value)
        known = _sync_await(output.is_known())
        resolved[name] = _sync_await(output.future()) if known else Unknown()  # type: ignore[no-untyped-call]
    return resolved
