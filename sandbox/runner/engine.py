"""A small stand-in for the Pulumi engine: runs the real program and carries out every step.

Registrations arrive through Pulumi's own Python runtime (``set_mocks`` with our monitor).
pulumi-aws resources and lookups become EC2 calls against moto as the customer; dynamic
resources go to Pulumi's own provider host over gRPC. ``preview`` only checks and diffs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from botocore.exceptions import ClientError
from pulumi.output import Unknown
from pulumi.runtime import mocks, rpc
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await

from ..world.aws_accounts import CUSTOMER_ACCOUNT_ID, ec2_client
from .aws_resources import aws_type, invoke
from .dynamic_host import DynamicProviderHost
from .program_runtime import config_strings, ensure_event_loop, run_program
from .stack_state import StackState, StateEntry

DYNAMIC_PREFIX = "pulumi-python:dynamic"
Printer = Callable[[str], None]


@dataclass(frozen=True)
class Step:
    op: str  # create, update, replace, same, delete, read, gone
    urn: str
    seconds: float = 0.0


def _is_unknown(value: Any) -> bool:
    if isinstance(value, Unknown) or value == rpc.UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_is_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_is_unknown(v) for v in value)
    return False


def _plain(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Secrets unwrapped (the engine sends plain values to providers), unknowns as the wire sentinel."""
    out: dict[str, Any] = {}
    for key, wrapped in inputs.items():
        value = rpc.unwrap_rpc_secret(wrapped)
        out[key] = rpc.UNKNOWN if isinstance(value, Unknown) else value
    return {k: v for k, v in out.items() if v is not None}


def short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


class Deployment:
    """One operation (preview, up, refresh, destroy) on one stack's state."""

    def __init__(
        self,
        config: Mapping[str, Any],
        state_path: Path | None,
        aws_endpoint: str,
        region: str,
        printer: Printer = print,
        preview: bool = False,
    ) -> None:
        self.config = dict(config)
        self.state = StackState(state_path)
        self.aws_endpoint = aws_endpoint
        self.region = region
        self.print = printer
        self.preview = preview
        self.steps: list[Step] = []
        self.registered: set[str] = set()
        self.replaced: list[StateEntry] = []
        self._host: DynamicProviderHost | None = None
        self._lock = threading.Lock()
        self._local = threading.local()

    # -- plumbing --------------------------------------------------------------------------

    def ec2(self) -> Any:
        client = getattr(self._local, "ec2", None)
        if client is None:
            client = ec2_client(self.aws_endpoint, self.region, CUSTOMER_ACCOUNT_ID)
            self._local.ec2 = client
        return client

    def host(self) -> DynamicProviderHost:
        with self._lock:
            if self._host is None:
                self._host = DynamicProviderHost(on_stderr=lambda line: self.print(f"      {line}"))
                self._host.configure(config_strings(self.config))
            return self._host

    def close(self) -> None:
        if self._host is not None:
            self._host.close()

    def _step(self, op: str, urn: str, started: float) -> None:
        step = Step(op, urn, time.monotonic() - started)
        self.steps.append(step)
        marks = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "same": " ", "read": " ", "gone": "-"}
        verb = {"same": "unchanged", "read": "refreshed", "gone": "gone (dropped from state)"}.get(op, op + "d")
        if self.preview and op != "same":
            verb = f"will be {op}d"
        self.print(f"  {marks[op]:2} {short(urn):60} {verb} ({step.seconds:.1f}s)")

    # -- registrations (called from Pulumi's runtime) --------------------------------------

    def register(
        self, urn: str, type_: str, custom: bool, parent: str, deps: list[str], inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        self.registered.add(urn)
        if not custom or type_.startswith("pulumi:providers:"):
            if not self.preview:
                self.state.put(StateEntry(urn, type_, "", custom, parent, deps, {}, {}))
            return "", {}
        return self._resource(urn, type_, parent, deps, inputs, time.monotonic())

    def _handler(self, type_: str) -> ResourceHandler:
        if type_.startswith(DYNAMIC_PREFIX):
            return DynamicHandler(self.host())
        return AwsHandler(self.ec2(), type_)

    def _resource(
        self, urn: str, type_: str, parent: str, deps: list[str], inputs: dict[str, Any], started: float
    ) -> tuple[str, dict[str, Any]]:
        """Create, update, replace or keep one resource, as the engine's step generator would."""
        handler = self._handler(type_)
        old = self.state.get(urn)
        news = handler.check(urn, old, _plain(inputs))
        op = "create"
        if old is not None:
            changed, replace = handler.diff(urn, old, news)
            if not changed:
                self._step("same", urn, started)
                return old.id, old.outputs
            if not replace:
                outputs = {**old.outputs, **news} if self.preview else handler.update(urn, old, news)
                if not self.preview:
                    self.state.put(StateEntry(urn, type_, old.id, True, parent, deps, news, outputs))
                self._step("update", urn, started)
                return old.id, outputs
            self.replaced.append(old)
            op = "replace"
        if self.preview or _is_unknown(news):
            self._step(op, urn, started)
            return "", {k: v for k, v in news.items() if not _is_unknown(v)}
        id_, outputs = handler.create(urn, news)
        self.state.put(StateEntry(urn, type_, id_, True, parent, deps, news, outputs))
        self._step(op, urn, started)
        return id_, outputs

    def lookup(self, token: str, args: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        try:
            return invoke(self.ec2(), self.region, token, args), []
        except ClientError as error:  # the engine reports a provider failure as a semantic error
            details = error.response.get("Error", {})
            return {}, [("", f"{details.get('Code')}: {details.get('Message')}")]

    # -- whole operations ------------------------------------------------------------------

    def delete_leftovers(self) -> None:
        """Resources the program no longer declares, and the old halves of replacements."""
        gone = {urn for urn in self.state.entries if urn not in self.registered}
        for entry in self.replaced:
            self._delete(entry, keep_state=True)
        for entry in self.state.deletion_order(gone):
            self._delete(entry)

    def _delete(self, entry: StateEntry, keep_state: bool = False) -> None:
        started = time.monotonic()
        if self.preview:
            self._step("delete", entry.urn, started)
            return
        if entry.custom and entry.id and not entry.type.startswith("pulumi:providers:"):
            self._handler(entry.type).delete(entry)
        if not keep_state:
            self.state.remove(entry.urn)
        if entry.custom:
            self._step("delete", entry.urn, started)

    def refresh(self) -> None:
        for entry in self.state.ordered():
            if not entry.custom or not entry.id:
                continue
            started = time.monotonic()
            live = self._handler(entry.type).read(entry)
            if live is None:
                self.state.remove(entry.urn)
                self._step("gone", entry.urn, started)
            else:
                entry.outputs = live
                self.state.put(entry)
                self._step("read", entry.urn, started)

    def destroy(self) -> None:
        for entry in self.state.deletion_order():
            self._delete(entry)


class RunnerError(Exception):
    """A step failed; the message is what the user needs to read."""


class ResourceHandler(Protocol):
    """One kind of resource provider, as the engine sees it."""

    def check(self, urn: str, old: StateEntry | None, inputs: dict[str, Any]) -> dict[str, Any]: ...
    def diff(self, urn: str, old: StateEntry, news: dict[str, Any]) -> tuple[bool, bool]: ...
    def create(self, urn: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]: ...
    def update(self, urn: str, old: StateEntry, news: dict[str, Any]) -> dict[str, Any]: ...
    def read(self, entry: StateEntry) -> dict[str, Any] | None: ...
    def delete(self, entry: StateEntry) -> None: ...


class DynamicHandler:
    """Dynamic resources: Pulumi's provider host over gRPC; Diff and Update get the old outputs."""

    def __init__(self, host: DynamicProviderHost) -> None:
        self.host = host

    def check(self, urn: str, old: StateEntry | None, inputs: dict[str, Any]) -> dict[str, Any]:
        news, failures = self.host.check(urn, old.inputs if old else {}, inputs)
        if failures:
            raise RunnerError(f"{short(urn)}: " + "; ".join(f"{prop}: {reason}" for prop, reason in failures))
        return news

    def diff(self, urn: str, old: StateEntry, news: dict[str, Any]) -> tuple[bool, bool]:
        diff = self.host.diff(urn, old.id, old.outputs, news)
        return diff["changes"] != "none", bool(diff["replaces"])

    def create(self, urn: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return self.host.create(urn, news)

    def update(self, urn: str, old: StateEntry, news: dict[str, Any]) -> dict[str, Any]:
        return self.host.update(urn, old.id, old.outputs, news)

    def read(self, entry: StateEntry) -> dict[str, Any] | None:
        id_, outputs = self.host.read(entry.urn, entry.id, entry.outputs)
        return outputs if id_ else None

    def delete(self, entry: StateEntry) -> None:
        self.host.delete(entry.urn, entry.id, entry.outputs)


class AwsHandler:
    """pulumi-aws resources: the explicit per-type EC2 mapping, diffing inputs as the bridge does."""

    def __init__(self, ec2: Any, type_: str) -> None:
        self.ec2 = ec2
        self.type = type_

    def check(self, urn: str, old: StateEntry | None, inputs: dict[str, Any]) -> dict[str, Any]:
        aws_type(self.type, inputs)
        return inputs

    def diff(self, urn: str, old: StateEntry, news: dict[str, Any]) -> tuple[bool, bool]:
        kind = aws_type(self.type, news)
        return bool(kind.changes(old.inputs, news)), bool(kind.replaces(old.inputs, news))

    def create(self, urn: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return aws_type(self.type, news).create(self.ec2, news)

    def update(self, urn: str, old: StateEntry, news: dict[str, Any]) -> dict[str, Any]:
        return aws_type(self.type, news).update(self.ec2, old.id, old.inputs, news)

    def read(self, entry: StateEntry) -> dict[str, Any] | None:
        return aws_type(entry.type, entry.inputs).read(self.ec2, entry.id, entry.inputs)

    def delete(self, entry: StateEntry) -> None:
        aws_type(entry.type, entry.inputs).delete(self.ec2, entry.id, entry.inputs)


class EngineMonitor(mocks.MockMonitor):
    """Pulumi's mock monitor with every registration and lookup carried out by a Deployment."""

    def __init__(self, deployment: Deployment) -> None:
        class Lookups(mocks.Mocks):
            def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
                return deployment.lookup(args.token, dict(args.args))

            def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
                raise RunnerError(f"unexpected read of {args.typ} {args.name}")

        super().__init__(Lookups())
        self.deployment = deployment

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        ensure_event_loop()
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        id_, outputs = self.deployment.register(
            urn, request.type, bool(request.custom), request.parent, list(request.dependencies), inputs
        )
        state = _sync_await(rpc.serialize_properties(outputs, {}))
        self.resources[urn] = mocks.MockMonitor.ResourceRegistration(urn, id_, outputs)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=state)


def run_up(deployment: Deployment, stack: str) -> None:
    """Preview or up: run the program, then delete what it no longer declares."""
    run_program(EngineMonitor(deployment), deployment.config, preview=deployment.preview, stack=stack)
    deployment.delete_leftovers()
