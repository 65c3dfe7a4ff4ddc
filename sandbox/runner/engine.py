"""A small stand-in for the Pulumi engine: runs the real program and carries out every step.

Registrations arrive through Pulumi's own Python runtime (``set_mocks`` with our monitor).
pulumi-aws resources and lookups become EC2 calls against moto as the customer, with
terraform-provider-aws's rules for what updates in place (``aws_resources``); dynamic resources
go to Pulumi's own provider host over gRPC. ``preview`` only checks and diffs. Every provider call
is journalled first (``stack_state``), as the engine records pending operations.
"""

from __future__ import annotations

import secrets
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

from ..errors import SandboxError
from ..world.aws_accounts import CUSTOMER_ACCOUNT_ID, PLACEHOLDER, Credentials, ec2_client
from .aws_errors import reported, sdk_error_text
from .aws_lookups import InvokeFailed, invoke
from .aws_resources import aws_type
from .dynamic_host import DynamicProviderHost
from .plan_display import Change, creation_properties, property_changes, render
from .program_runtime import DEFAULT_PROGRAM, Program, config_strings, ensure_event_loop, run_program
from .stack_state import PendingOperation, StackState, StateEntry, dependents_first

DYNAMIC_PREFIX = "pulumi-python:dynamic"
Printer = Callable[[str], None]


@dataclass(frozen=True)
class Step:
    op: str  # create, update, replace, same, delete, import, read, gone
    urn: str
    seconds: float = 0.0
    change: Change | None = None


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


def _ignoring(news: dict[str, Any], olds: Mapping[str, Any], ignored: tuple[str, ...]) -> dict[str, Any]:
    """processIgnoreChanges (step_generator.go): ignored inputs keep their old values."""
    kept = dict(news)
    for key in ignored:
        if key in olds:
            kept[key] = olds[key]
        else:
            kept.pop(key, None)
    return kept


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
        sandbox_id: str = "",
        program: Program = DEFAULT_PROGRAM,
        credentials: Credentials = PLACEHOLDER,
    ) -> None:
        self.config = dict(config)
        self.credentials = credentials
        self.program = program
        self.state = StackState(state_path, sandbox_id)
        self.aws_endpoint = aws_endpoint
        self.region = region
        self.print = printer
        self.preview = preview
        self.steps: list[Step] = []
        self.registered: set[str] = set()
        self.replaced: list[StateEntry] = []
        self.ignored: dict[str, tuple[str, ...]] = {}  # ignoreChanges per URN
        self._host: DynamicProviderHost | None = None
        self._lock = threading.Lock()
        self._local = threading.local()

    # -- plumbing --------------------------------------------------------------------------

    def ec2(self) -> Any:
        client = getattr(self._local, "ec2", None)
        if client is None:
            client = ec2_client(self.aws_endpoint, self.region, CUSTOMER_ACCOUNT_ID, self.credentials)
            self._local.ec2 = client
        return client

    def host(self) -> DynamicProviderHost:
        with self._lock:
            if self._host is None:
                self._host = DynamicProviderHost(
                    project=self.program.name,
                    on_stderr=lambda line: self.print(f"      {line}"),
                    cwd=self.program.directory,
                )
                self._host.configure(config_strings(self.config))
            return self._host

    def close(self) -> None:
        if self._host is not None:
            self._host.close()

    def _step(self, op: str, urn: str, started: float, change: Change | None = None) -> None:
        step = Step(op, urn, time.monotonic() - started, change)
        with self._lock:
            self.steps.append(step)
        if self.preview and change is not None:  # as `pulumi preview --diff`
            if op != "same":
                with self._lock:  # steps run side by side: one block at a time
                    self.print("\n".join(render(change)))
            return
        marks = {"create": "+", "update": "~", "replace": "+-", "delete": "-", "import": "=", "same": " "}
        marks.update(read=" ", gone="-")
        verb = {
            "same": "unchanged",
            "read": "refreshed",
            "import": "imported",
            "gone": "gone (dropped from state)",
        }.get(op, op + "d")
        with self._lock:
            self.print(f"  {marks[op]:2} {short(urn):60} {verb} ({step.seconds:.1f}s)")

    def warn_pending(self) -> None:
        """What the engine prints when the last run was interrupted during a provider call."""
        warning = self.state.pending_warning()
        if warning:
            self.print("warning: " + warning.replace("\n", "\n    "))

    # -- registrations (called from Pulumi's runtime) --------------------------------------

    def register(
        self,
        urn: str,
        type_: str,
        custom: bool,
        parent: str,
        deps: list[str],
        inputs: dict[str, Any],
        import_id: str = "",
        ignore_changes: tuple[str, ...] = (),
    ) -> tuple[str, dict[str, Any]]:
        self.registered.add(urn)
        self.ignored[urn] = ignore_changes
        if not custom or type_.startswith("pulumi:providers:"):
            if not self.preview:
                self.state.put(StateEntry(urn, type_, "", custom, parent, deps, {}, {}))
            return "", {}
        old = self.state.get(urn)
        # step_generator.go: an import happens when nothing is recorded or the recorded (import) id differs.
        if import_id and (old is None or (old.import_id or old.id) != import_id):
            return self._import(urn, type_, parent, deps, inputs, import_id, time.monotonic())
        return self._resource(urn, type_, parent, deps, inputs, time.monotonic())

    def _import(
        self, urn: str, type_: str, parent: str, deps: list[str], inputs: dict[str, Any], import_id: str, started: float
    ) -> tuple[str, dict[str, Any]]:
        """ImportStep.Apply (step.go): read what exists, diff the program's inputs against it, record it unchanged.

        Any difference fails the import ("inputs to import do not match the existing resource"); a preview
        only warns, as the engine does.
        """
        if type_.startswith(DYNAMIC_PREFIX):
            raise RunnerError(f"{short(urn)}: dynamic resources cannot be imported (pulumi/pulumi#16175)")
        kind = aws_type(type_, _plain(inputs))
        with reported(f"{short(urn)}: importing {type_} ({import_id})"):
            read = kind.import_read(self.ec2(), import_id) if kind.import_read else None
        if read is None:
            raise RunnerError(f"{short(urn)}: resource '{import_id}' does not exist")
        id_, live = read
        news = _ignoring(_plain(inputs), live, self.ignored.get(urn, ()))
        differ = [] if _is_unknown(news) else kind.changed(live, live, news)
        change = Change("import", urn, type_, id_, property_changes({k: live.get(k) for k in differ}, news, []))
        if differ:
            details = "; ".join(f"{k}: {live.get(k)!r} exists, {news.get(k)!r} asked" for k in differ)
            message = f"{short(urn)}: inputs to import do not match the existing resource: {differ} ({details})"
            if not self.preview:
                raise RunnerError(message)
            with self._lock:
                self.print(f"warning: {message}; importing this resource will fail")
        if not self.preview:
            self.state.put(StateEntry(urn, type_, id_, True, parent, deps, news, live, import_id))
        self._step("import", urn, started, change)
        return id_, {**news, **live}

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
        if old is not None:
            news = _ignoring(news, old.inputs, self.ignored.get(urn, ()))
        if old is None:
            change = Change("create", urn, type_, "", creation_properties(news))
        else:
            changed, replaces = handler.diff(urn, old, news)
            last = {k: old.outputs.get(k, old.inputs.get(k)) for k in changed}
            props = property_changes(last, {k: news.get(k) for k in changed}, replaces)
            if not changed:
                self._step("same", urn, started, Change("same", urn, type_, old.id))
                return old.id, old.outputs
            change = Change("replace" if replaces else "update", urn, type_, old.id, props)
            if not replaces:
                if self.preview:
                    self._step("update", urn, started, change)
                    return old.id, {**old.outputs, **news}
                outputs = self._journalled(
                    PendingOperation("updating", urn, type_, news, old.id),
                    lambda: ("", handler.update(urn, old, news)),
                    lambda _id, outs: StateEntry(urn, type_, old.id, True, parent, deps, news, outs, old.import_id),
                )[1]
                self._step("update", urn, started, change)
                return old.id, outputs
            self.replaced.append(old)
        if self.preview or _is_unknown(news):
            self._step(change.op, urn, started, change)
            return "", {k: v for k, v in news.items() if not _is_unknown(v)}
        id_, outputs = self._journalled(
            PendingOperation("creating", urn, type_, news),
            lambda: handler.create(urn, news),
            lambda new_id, outs: StateEntry(urn, type_, new_id, True, parent, deps, news, outs),
        )
        self._step(change.op, urn, started, change)
        return id_, outputs

    def _journalled(
        self,
        operation: PendingOperation,
        call: Callable[[], tuple[str, dict[str, Any]]],
        entry: Callable[[str, dict[str, Any]], StateEntry],
    ) -> tuple[str, dict[str, Any]]:
        """The pending operation is on disk before the provider is called; a failure clears it, a kill does not."""
        self.state.begin(operation)
        try:
            id_, outputs = call()
        except Exception:
            self.state.end(operation)
            raise
        self.state.end(operation, entry(id_, outputs))
        return id_, outputs

    def lookup(self, token: str, args: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        try:
            return invoke(self.ec2(), self.region, token, args), []
        except ClientError as error:  # the engine reports a provider failure as a semantic error
            return {}, [("", sdk_error_text(error))]
        except InvokeFailed as error:
            return {}, [("", str(error))]

    # -- whole operations ------------------------------------------------------------------

    def delete_leftovers(self) -> None:
        """Resources the program no longer declares, then the old halves of replacements.

        As the engine schedules them: the originals of create-before-delete replacements go last, so
        that what still pointed at them (routes to an old pcx) is gone first.
        """
        gone = {urn for urn in self.state.entries if urn not in self.registered}
        for entry in self.state.deletion_order(gone):
            self._delete(entry)
        for entry in dependents_first(self.replaced):
            self._delete(entry, keep_state=True)

    def _delete(self, entry: StateEntry, keep_state: bool = False) -> None:
        """``keep_state``: the old half of a replacement, whose URN the new half already holds."""
        started = time.monotonic()
        change = Change("delete", entry.urn, entry.type, entry.id)
        if self.preview:
            if entry.custom and not keep_state:  # a replacement's old half is part of its "+-" step
                self._step("delete", entry.urn, started, change)
            return
        if entry.custom and entry.id and not entry.type.startswith("pulumi:providers:"):
            operation = PendingOperation("deleting", entry.urn, entry.type, entry.inputs, entry.id)
            self.state.begin(operation)
            try:
                self._handler(entry.type).delete(entry)
            except Exception:
                self.state.end(operation)
                raise
            self.state.end(operation, remove=not keep_state)
        elif not keep_state:
            self.state.remove(entry.urn)
        if keep_state:
            with self._lock:
                self.print(f"  -  {short(entry.urn):60} deleted original {entry.id} (replaced)")
        elif entry.custom:
            self._step("delete", entry.urn, started, change)

    def refresh(self) -> None:
        self.resolve_pending()
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

    def resolve_pending(self) -> None:
        """Interrupted creates: find what the provider made and record it, or clear the operation.

        The engine can only ask (an interactive refresh offers to import or clear a pending create);
        here each type knows how to find what it would have made (the pcx by its VPCs and tags, the
        route by its table, destination and target, the rule by its group, protocol, ports and CIDR).
        A find whose URN is already taken (a later run created it again) is recorded under its own key,
        so the next `up` or `destroy` deletes it: no orphan survives.
        """
        for operation in list(self.state.pending):
            found: tuple[str, dict[str, Any]] | None = None
            if operation.kind == "creating":
                found = self._handler(operation.type).find(operation)
            if found is None:
                self.state.end(operation)
                what = "nothing it created was found" if operation.kind == "creating" else "the next read settles it"
                self.print(f"  pending {operation.kind} of {short(operation.urn)} cleared: {what}")
                continue
            id_, outputs = found
            taken = self.state.get(operation.urn)
            key = operation.urn if taken is None or taken.id == id_ else f"{operation.urn}#orphan-{id_}"
            entry = StateEntry(key, operation.type, id_, True, "", [], operation.inputs, outputs)
            self.state.end(operation, entry)
            if key == operation.urn:
                self.print(f"  = {short(operation.urn)}: {id_}, made by the interrupted run, recorded in the stack")
            else:
                self.print(
                    f"  - {short(operation.urn)}: {id_}, made by the interrupted run, is an orphan (the stack has "
                    f"{taken.id if taken else '?'}): the next `up` or `destroy` deletes it"
                )

    def destroy(self) -> None:
        for entry in self.state.deletion_order():
            self._delete(entry)


class RunnerError(SandboxError):
    """A step failed; the message is what the user needs to read."""


class ResourceHandler(Protocol):
    """One kind of resource provider, as the engine sees it."""

    def check(self, urn: str, old: StateEntry | None, inputs: dict[str, Any]) -> dict[str, Any]: ...
    def diff(self, urn: str, old: StateEntry, news: dict[str, Any]) -> tuple[list[str], list[str]]:
        """The changed inputs, and those of them that force a replacement."""

    def create(self, urn: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]: ...
    def update(self, urn: str, old: StateEntry, news: dict[str, Any]) -> dict[str, Any]: ...
    def read(self, entry: StateEntry) -> dict[str, Any] | None: ...
    def delete(self, entry: StateEntry) -> None: ...
    def find(self, operation: PendingOperation) -> tuple[str, dict[str, Any]] | None:
        """What an interrupted create made, if it made anything."""


class DynamicHandler:
    """Dynamic resources: Pulumi's provider host over gRPC; Diff and Update get the old outputs."""

    def __init__(self, host: DynamicProviderHost) -> None:
        self.host = host

    def check(self, urn: str, old: StateEntry | None, inputs: dict[str, Any]) -> dict[str, Any]:
        news, failures = self.host.check(urn, old.inputs if old else {}, inputs)
        if failures:
            raise RunnerError(f"{short(urn)}: " + "; ".join(f"{prop}: {reason}" for prop, reason in failures))
        return news

    def diff(self, urn: str, old: StateEntry, news: dict[str, Any]) -> tuple[list[str], list[str]]:
        diff = self.host.diff(urn, old.id, old.outputs, news)
        if diff["changes"] == "none":
            return [], []
        changed = sorted(k for k in set(old.inputs) | set(news) if old.inputs.get(k) != news.get(k))
        replaces = list(diff["replaces"])
        return sorted(set(changed) | set(replaces)) or ["__provider"], replaces

    def create(self, urn: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return self.host.create(urn, news)

    def update(self, urn: str, old: StateEntry, news: dict[str, Any]) -> dict[str, Any]:
        return self.host.update(urn, old.id, old.outputs, news)

    def read(self, entry: StateEntry) -> dict[str, Any] | None:
        id_, outputs = self.host.read(entry.urn, entry.id, entry.outputs)
        return outputs if id_ else None

    def delete(self, entry: StateEntry) -> None:
        self.host.delete(entry.urn, entry.id, entry.outputs)

    def find(self, operation: PendingOperation) -> tuple[str, dict[str, Any]] | None:
        """The acceptance's id is its pcx id: a Read tells whether Heroku still has it."""
        pcx_id = operation.inputs.get("pcx_id")
        if not isinstance(pcx_id, str):
            return None
        id_, outputs = self.host.read(operation.urn, pcx_id, operation.inputs)
        return (id_, outputs) if id_ else None


class AwsHandler:
    """pulumi-aws resources: the explicit per-type EC2 mapping, diffing inputs as the bridge does.

    A refused EC2 call fails the step with the provider's wording (operation, status, request id, code).
    """

    def __init__(self, ec2: Any, type_: str) -> None:
        self.ec2 = ec2
        self.type = type_

    def check(self, urn: str, old: StateEntry | None, inputs: dict[str, Any]) -> dict[str, Any]:
        """As the bridge's Check: autonaming keeps the old name, or makes one with a random suffix."""
        kind = aws_type(self.type, inputs)
        if kind.autoname and inputs.get(kind.autoname) is None:
            previous = old.inputs.get(kind.autoname) if old else None
            return {**inputs, kind.autoname: previous or f"{short(urn)}-{secrets.token_hex(4)[:7]}"}
        return inputs

    def diff(self, urn: str, old: StateEntry, news: dict[str, Any]) -> tuple[list[str], list[str]]:
        kind = aws_type(self.type, news)
        changed = kind.changed(old.inputs, old.outputs, news)
        return changed, kind.replaces(changed)

    def create(self, urn: str, news: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        with reported(f"{short(urn)}: creating {self.type}"):
            return aws_type(self.type, news).create(self.ec2, news)

    def update(self, urn: str, old: StateEntry, news: dict[str, Any]) -> dict[str, Any]:
        with reported(f"{short(urn)}: updating {self.type} ({old.id})"):
            return aws_type(self.type, news).update(self.ec2, old.id, old.inputs, news)

    def read(self, entry: StateEntry) -> dict[str, Any] | None:
        with reported(f"{short(entry.urn)}: reading {entry.type} ({entry.id})"):
            return aws_type(entry.type, entry.inputs).read(self.ec2, entry.id, entry.inputs)

    def delete(self, entry: StateEntry) -> None:
        with reported(f"{short(entry.urn)}: deleting {entry.type} ({entry.id})"):
            aws_type(entry.type, entry.inputs).delete(self.ec2, entry.id, entry.inputs)

    def find(self, operation: PendingOperation) -> tuple[str, dict[str, Any]] | None:
        kind = aws_type(operation.type, operation.inputs)
        with reported(f"{short(operation.urn)}: reading {operation.type}"):
            found = kind.find(self.ec2, operation.inputs)
            if found is None:
                return None
            outputs = kind.read(self.ec2, found, operation.inputs)
        return (found, outputs) if outputs is not None else None


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
            urn,
            request.type,
            bool(request.custom),
            request.parent,
            list(request.dependencies),
            inputs,
            request.importId,
            tuple(request.ignoreChanges),
        )
        state = _sync_await(rpc.serialize_properties(outputs, {}))
        self.resources[urn] = mocks.MockMonitor.ResourceRegistration(urn, id_, outputs)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=state)


def run_up(deployment: Deployment, stack: str) -> None:
    """Preview or up: run the program, then delete what it no longer declares."""
    run_program(
        EngineMonitor(deployment),
        deployment.config,
        preview=deployment.preview,
        stack=stack,
        program=deployment.program,
    )
    deployment.delete_leftovers()


def carry_out(deployment: Deployment, command: str, stack: str) -> None:
    """One operation (preview, up, refresh or destroy) on the deployment; its provider host is closed after."""
    try:
        if command in ("preview", "up"):
            run_up(deployment, stack)
        elif command == "refresh":
            deployment.refresh()
        elif command == "destroy":
            deployment.destroy()
        else:
            raise RunnerError(f"unknown operation {command!r}")
    finally:
        deployment.close()
