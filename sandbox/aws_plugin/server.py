"""The gRPC ResourceProvider the engine talks to, as pulumi-aws answers it.

The engine's side of each call is ``pkg/resource/plugin/provider_plugin.go`` (pulumi/pulumi). What
pulumi-aws answers comes from the Pulumi terraform bridge (``pkg/tfbridge/provider.go``), with the
per-type knowledge in ``resource_types.py``; invokes are in ``data_sources.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from typing import Any, NoReturn

import grpc
from google.protobuf import any_pb2, empty_pb2

# google.rpc.Status as Pulumi's SDK defines it: googleapis' copy (google.rpc.status_pb2) registers the same
# symbol from another file, and a process that imports both (the SDK's provider server, a test session) fails
# with "duplicate symbol 'google.rpc.Status'".
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc, status_pb2

from .aws_errors import AwsCallFailed, ProviderRefusal, reported
from .data_sources import DATA_SOURCES, FRAMEWORK, InvokeFailed
from .ec2_session import Ec2Session
from .engine_log import EngineLog
from .provider_config import CONFIG_KEYS, ENGINE_KEYS, ProviderConfig, check_config, checked_config
from .resource_type import DEFAULTS, REGION, CheckRequest, ResourceType, split_import_id
from .resource_types import RESOURCE_TYPES, PartialCreate
from .waiters import go_duration
from .wire import Properties, from_struct, is_unknown, to_struct

AUTONAMING_MODES = {
    provider_pb2.CheckRequest.AutonamingOptions.PROPOSE: "propose",
    provider_pb2.CheckRequest.AutonamingOptions.ENFORCE: "enforce",
    provider_pb2.CheckRequest.AutonamingOptions.DISABLE: "disable",
}
KINDS = {
    ("add", False): provider_pb2.PropertyDiff.ADD,
    ("add", True): provider_pb2.PropertyDiff.ADD_REPLACE,
    ("update", False): provider_pb2.PropertyDiff.UPDATE,
    ("update", True): provider_pb2.PropertyDiff.UPDATE_REPLACE,
    ("delete", False): provider_pb2.PropertyDiff.DELETE,
    ("delete", True): provider_pb2.PropertyDiff.DELETE_REPLACE,
}


def plugin_version() -> str:
    """The installed pulumi-aws package's version, so that the engine finds the plugin it expects."""
    try:
        return metadata.version("pulumi_aws")
    except metadata.PackageNotFoundError:
        return "7.0.0"


@dataclass(frozen=True)
class _Status(grpc.Status):  # type: ignore[misc]
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, bytes], ...] = ()


def _abort(context: grpc.ServicerContext, message: str, detail: Any = None) -> NoReturn:
    """Fail the call with ``message``; ``detail`` (a protobuf message) rides along as the engine expects."""
    metadata_: tuple[tuple[str, bytes], ...] = ()
    if detail is not None:
        packed = any_pb2.Any()
        packed.Pack(detail)
        status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message=message, details=[packed])
        metadata_ = (("grpc-status-details-bin", status.SerializeToString()),)
    context.abort_with_status(_Status(grpc.StatusCode.UNKNOWN, message, metadata_))
    raise AssertionError("unreachable")  # abort_with_status raises


def _type_token(request: Any) -> str:
    return str(getattr(request, "type", "") or request.urn.split("::")[-2].split("$")[-1])


class AwsProvider(provider_pb2_grpc.ResourceProviderServicer):
    def __init__(self, types: Mapping[str, ResourceType] = RESOURCE_TYPES, engine: str | None = None) -> None:
        self._types = types
        self._session: Ec2Session | None = None
        self._configured_region = ""  # aws:region as configured (what pulumi-aws's region callback reads)
        self._lock = threading.Lock()
        self._log = EngineLog(engine)

    # -- the provider itself ------------------------------------------------------------------

    def GetPluginInfo(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=plugin_version())

    def CheckConfig(self, request: Any, context: grpc.ServicerContext) -> provider_pb2.CheckResponse:
        """The bridge's CheckConfig: unknown keys and pulumi-aws's credentials check as failures."""
        news = from_struct(request.news)
        if is_unknown(news):
            return provider_pb2.CheckResponse(inputs=request.news)
        failures = [provider_pb2.CheckFailure(reason=f) for f in check_config(news)]
        if failures and all(key in CONFIG_KEYS or key in ENGINE_KEYS for key in news):
            # pulumi-aws's credentials check fails from its PreConfigureCallback: failures only
            # (makeCheckResponseFromCheckErr).
            return provider_pb2.CheckResponse(failures=failures)
        return provider_pb2.CheckResponse(inputs=to_struct(checked_config(news)), failures=failures)

    def Configure(self, request: Any, context: grpc.ServicerContext) -> provider_pb2.ConfigureResponse:
        args = from_struct(request.args)
        if not is_unknown(args):  # a preview may configure with values not known yet
            try:
                config = ProviderConfig.read(args)
                with reported("Retrieving AWS account details"):
                    account = config.account_id()
            except (ProviderRefusal, AwsCallFailed) as refusal:
                _abort(context, str(refusal))
            with self._lock:
                self._session = Ec2Session.connect(config, account)
                self._configured_region = str(args.get("region") or "")
        # Secrets stripped by the engine and re-marked on outputs; previews answered by Create/Update.
        # pulumi-aws's muxed answer (the SDKv2 and framework servers ANDed): no secrets or resources accepted.
        return provider_pb2.ConfigureResponse(
            acceptSecrets=False, supportsPreview=True, acceptResources=False, supports_autonaming_configuration=True
        )

    def Cancel(self, request: empty_pb2.Empty, context: grpc.ServicerContext) -> empty_pb2.Empty:
        return empty_pb2.Empty()

    def _ec2(self, context: grpc.ServicerContext) -> Ec2Session:
        with self._lock:
            session = self._session
        if session is None:
            _abort(context, "the provider was used before it was configured with known values")
        return session

    def _type(self, request: Any, context: grpc.ServicerContext) -> ResourceType:
        token = _type_token(request)
        found = self._types.get(token)
        if found is None:
            _abort(
                context,
                f"the sandbox's pulumi-aws does not serve the resource type {token}; it serves "
                f"{', '.join(sorted(self._types))}. Use a real AWS account with pulumi-aws for other types.",
            )
        return found

    def _call_session(
        self, context: grpc.ServicerContext, kind: ResourceType, region: Any, operation: str, request: Any
    ) -> Ec2Session:
        """The session for one call: the resource's region, the call's custom timeout if the type has one for
        this operation. An SDKv2 type without one warns on create and update (the bridge's
        ``warnIgnoredCustomTimeouts`` at plan time); a delete's goes into the destroy diff, silently; framework
        resources ignore them."""
        timeout = float(getattr(request, "timeout", 0) or 0)
        if timeout and operation not in kind.timeouts:
            if not kind.framework and operation != "delete":
                self._log.warning(
                    f"Resource does not support customTimeouts, ignoring: {operation}={go_duration(timeout)}",
                    request.urn,
                )
            timeout = 0
        return self._ec2(context).for_call(str(region) if region else None, timeout)

    def _log_sdk_error(self, text: str, urn: str = "") -> None:
        """An SDKv2 error diagnostic as the bridge also logs it (pkg/tfshim/sdk-v2 handleDiagnostics, logDiag)."""
        self._log.error(f"  sdk-v2/provider2.go:572: sdk.helper_schema: {text}: provider=aws@{plugin_version()}", urn)

    def _log_framework(self, severity: str, text: str, urn: str = "") -> None:
        """A Plugin Framework diagnostic as the bridge logs it (pkg/pf/tfbridge provider_diagnostics.go
        ``formatDiagnosticMessage``: "[SEVERITY] <detail>: <summary>"); ``text`` is "<summary>: <detail>"."""
        summary, _, detail = text.partition(": ")
        message = f"[{severity.upper()}] {detail}: {summary}" if detail else f"[{severity.upper()}] {summary}"
        (self._log.error if severity == "error" else self._log.warning)(message, urn)

    @contextmanager
    def _reported(
        self,
        context: grpc.ServicerContext,
        kind: ResourceType | None = None,
        doing: str = "",
        urn: str = "",
    ) -> Iterator[None]:
        """A failure of the provider's code, worded as the bridge returns it: terraform's diagnostics
        (an SDKv2 resource's in go-multierror's form), behind what it was doing to which URN. Both bridges
        also log a resource's error diagnostics to the engine."""
        try:
            yield
        except (AwsCallFailed, ProviderRefusal) as error:
            sdkv2 = kind is not None and not kind.framework
            if sdkv2:
                self._log_sdk_error(str(error), urn)
            elif kind is not None:
                self._log_framework("error", str(error), urn)
            text = f"1 error occurred:\n\t* {error}\n\n" if sdkv2 else str(error)
            _abort(context, f"{doing}: {text}" if doing else text)

    # -- planning ---------------------------------------------------------------------------

    def Check(self, request: Any, context: grpc.ServicerContext) -> provider_pb2.CheckResponse:
        kind = self._type(request, context)
        naming = request.autonaming if request.HasField("autonaming") else None
        check = CheckRequest(
            name=str(request.name or request.urn.split("::")[-1]),
            olds=from_struct(request.olds),
            news=from_struct(request.news),
            seed=bytes(request.randomSeed),
            proposed_name=naming.proposed_name if naming is not None else "",
            mode=AUTONAMING_MODES.get(naming.mode, "propose") if naming is not None else "propose",
        )
        with self._reported(context, kind if kind.framework else None):
            inputs, failures = kind.check(check, self._default_tags(), self._configured_region)
        # As the bridge's NewCheckFailure: the property is left empty, the reason names the value's path.
        return provider_pb2.CheckResponse(
            inputs=to_struct(inputs), failures=[provider_pb2.CheckFailure(property="", reason=f) for f in failures]
        )

    def _default_tags(self) -> dict[str, str]:
        """pulumi-aws's tagsAll in Check: the default tags less ``ignoreTags`` (provider/tags.go mergeTags)."""
        with self._lock:
            session = self._session
        if session is None:
            return {}
        return {k: v for k, v in session.default_tags.items() if not session.ignore_tags.ignored(k)}

    def _provider_region(self) -> str:
        with self._lock:
            return self._session.provider_region if self._session is not None else self._configured_region

    def Diff(self, request: Any, context: grpc.ServicerContext) -> provider_pb2.DiffResponse:
        """The SDKv2 bridge's diff (pkg/tfbridge/provider.go Diff, detailed diff on): a replacement that
        CustomizeDiff forces (``region``, a VPC's tenancy) is keyed ``__meta``, a map property's change is
        detailed key by key. The framework bridge's (pkg/pf/tfbridge/provider_diff.go): changed and replacing
        keys only, no detailed diff."""
        kind = self._type(request, context)
        olds, news = from_struct(request.olds), from_struct(request.news)
        plan = kind.plan(olds, news, frozenset(request.ignoreChanges), self._provider_region())
        # Every ForceNew attribute that is not replaced is stable (the SDKv2 bridge; the framework's lists none).
        replaced = {change.key for change in plan.changes if change.replaces and not change.forced}
        stables = sorted((kind.force_new | kind.unserved_force_new) - replaced)
        if not plan.changes:
            if kind.framework:
                return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)
            return provider_pb2.DiffResponse(
                changes=provider_pb2.DiffResponse.DIFF_NONE, stables=stables, hasDetailedDiff=True
            )
        replaces = sorted({("__meta" if change.forced else change.key) for change in plan.changes if change.replaces})
        diffs = sorted({change.key for change in plan.changes} | ({"__meta"} if "__meta" in replaces else set()))
        if kind.framework:
            return provider_pb2.DiffResponse(
                changes=provider_pb2.DiffResponse.DIFF_SOME, replaces=replaces, diffs=diffs, hasDetailedDiff=False
            )
        detailed: dict[str, Any] = {}
        for change in plan.changes:
            by_schema = change.replaces and not change.forced
            if isinstance(change.new, dict) and isinstance(change.old, dict):
                for key in sorted(set(change.old) | set(change.new)):
                    old, new = change.old.get(key), change.new.get(key)
                    if old != new:
                        what = "add" if old is None else "delete" if new is None else "update"
                        detailed[f"{change.key}.{key}"] = provider_pb2.PropertyDiff(
                            kind=KINDS[(what, by_schema)], inputDiff=True
                        )
            else:
                detailed[change.key] = provider_pb2.PropertyDiff(kind=KINDS[(change.kind, by_schema)], inputDiff=True)
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME,
            replaces=replaces,
            stables=stables,
            diffs=diffs,
            detailedDiff=detailed,
            hasDetailedDiff=True,
            # SDKv2 Diff: an explicitly named resource (no autoname) cannot exist twice.
            deleteBeforeReplace=bool(plan.replaces) and kind.explicitly_named(news),
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def Create(self, request: Any, context: grpc.ServicerContext) -> provider_pb2.CreateResponse:
        kind = self._type(request, context)
        inputs = _without_defaults(from_struct(request.properties))
        if request.preview:
            return provider_pb2.CreateResponse(properties=to_struct(kind.preview_outputs(inputs)))
        session = self._call_session(context, kind, inputs.get(REGION), "create", request)
        try:
            with self._reported(context, kind, urn=request.urn):
                id_, outputs = kind.create(session, inputs)
                outputs = {**outputs, REGION: session.region}
        except PartialCreate as partial:
            # Made, then failed (a waiter): the bridge's initializationError, recorded with init errors.
            self._log_sdk_error(partial.message, request.urn)
            reason = f"creating {request.urn}: 1 error occurred:\n\t* {partial.message}\n\n"
            _abort(
                context,
                reason,
                provider_pb2.ErrorResourceInitFailed(
                    id=partial.id_,
                    properties=to_struct(with_id(partial.id_, {**partial.outputs, REGION: session.region})),
                    reasons=[reason],
                    inputs=request.properties,
                ),
            )
        return provider_pb2.CreateResponse(id=id_, properties=to_struct(with_id(id_, outputs)))

    def Read(self, request: Any, context: grpc.ServicerContext) -> provider_pb2.ReadResponse:
        kind = self._type(request, context)
        olds, old_inputs = from_struct(request.properties), from_struct(request.inputs)
        importing = not olds and not old_inputs
        import_id, region = split_import_id(request.id) if importing else (request.id, olds.get(REGION))
        session = self._ec2(context).for_call(str(region) if region else None)
        with self._reported(context, kind, f"refreshing {request.urn}", request.urn):
            if importing:
                if kind.import_read is None:
                    _abort(context, f"resource {kind.token} does not support importing")
                imported = kind.import_read(session, import_id)
                id_, outputs = imported if imported is not None else (import_id, None)
            else:
                id_, outputs = request.id, kind.read(session, request.id, olds)
        if outputs is None:
            if kind.framework and not importing:
                # fwdiag.NewResourceNotFoundWarningDiagnostic, before the resource is removed
                self._log_framework(
                    "warning",
                    "AWS resource not found during refresh: Automatically removing from Terraform State instead of "
                    "returning the error, which may trigger resource recreation. Original error: couldn't find "
                    "resource",
                    request.urn,
                )
            return provider_pb2.ReadResponse()  # gone
        outputs = {**outputs, REGION: session.region}
        if kind.tagged and not kind.framework and outputs.get("tags") is None:
            outputs["tags"] = {}  # Read without config: ResolveDuplicates answers an empty map, not null
        inputs = _inputs_from_outputs(kind, outputs, None if importing else old_inputs)
        return provider_pb2.ReadResponse(id=id_, properties=to_struct(with_id(id_, outputs)), inputs=to_struct(inputs))

    def Update(self, request: Any, context: grpc.ServicerContext) -> provider_pb2.UpdateResponse:
        kind = self._type(request, context)
        olds, news = from_struct(request.olds), _without_defaults(from_struct(request.news))
        if request.preview:
            return provider_pb2.UpdateResponse(properties=to_struct(kind.preview_outputs(news, olds)))
        if not kind.plan(olds, news, frozenset(request.ignoreChanges), self._provider_region()).changes:
            # The bridge: no terraform diff, the old state stands (the engine's retry of a resource with init
            # errors lands here).
            return provider_pb2.UpdateResponse(properties=to_struct(olds))
        session = self._call_session(context, kind, news.get(REGION) or olds.get(REGION), "update", request)
        with self._reported(context, kind, f"updating {request.urn}", request.urn):
            outputs = kind.update(session, request.id, olds, news)
        outputs = {**outputs, REGION: session.region}
        return provider_pb2.UpdateResponse(properties=to_struct(with_id(request.id, outputs)))

    def Delete(self, request: Any, context: grpc.ServicerContext) -> empty_pb2.Empty:
        kind = self._type(request, context)
        olds = from_struct(request.properties)
        session = self._call_session(context, kind, olds.get(REGION), "delete", request)
        with self._reported(context, kind, f"deleting {request.urn}", request.urn):
            kind.delete(session, request.id, olds)
        return empty_pb2.Empty()

    # -- data sources ---------------------------------------------------------------------------

    def Invoke(self, request: Any, context: grpc.ServicerContext) -> provider_pb2.InvokeResponse:
        lookup: Callable[[Ec2Session, Properties], Properties] | None = DATA_SOURCES.get(request.tok)
        if lookup is None:
            _abort(
                context,
                f"the sandbox's pulumi-aws does not serve the function {request.tok}; it serves "
                f"{', '.join(sorted(DATA_SOURCES))}. Use a real AWS account with pulumi-aws for other functions.",
            )
        args = from_struct(request.args)
        session = self._ec2(context).for_call(str(args[REGION]) if args.get(REGION) else None)
        try:
            result = lookup(session, args)
        except (InvokeFailed, AwsCallFailed, ProviderRefusal) as failure:
            if request.tok in FRAMEWORK:
                # The framework bridge returns (and logs) the diagnostic itself (pkg/pf/tfbridge provider_invoke.go).
                self._log_framework("error", str(failure))
                _abort(context, str(failure))
            # The SDKv2 bridge: errors.Wrapf(err, "invoking %s", tok) around terraform's diagnostics (returned, not
            # logged: ReadDataApply, pkg/tfshim/sdk-v2/provider.go).
            _abort(context, f"invoking {request.tok}: 1 error occurred:\n\t* {failure}\n\n")
        return provider_pb2.InvokeResponse(**{"return": to_struct(result)})


def with_id(id_: str, outputs: Properties) -> Properties:
    """The bridge's outputs carry the resource's ``id`` attribute: SDKv2 adds it to every schema, and the state
    object (pkg/tfshim/sdk-v2/provider2.go ``Object``) holds it; framework resources declare it. An update that
    gives the resource a new id (ReplaceRouteTableAssociation) says so in its outputs."""
    return {"id": id_, **outputs}


def _without_defaults(properties: Properties) -> Properties:
    return {key: value for key, value in properties.items() if key != DEFAULTS}


def _inputs_from_outputs(kind: ResourceType, outputs: Properties, old_inputs: Properties | None) -> Properties:
    """The bridge's ExtractInputsFromOutputs (pkg/tfbridge/schema.go). After a refresh, the old inputs (less
    ``__defaults``, which the engine's inputs no longer carry) with the values the outputs now have; a key the
    outputs lack is dropped, and a map keeps only its old keys. After an import, every input the outputs hold
    but those at their zero or terraform-default value, maps and nested blocks with an empty ``__defaults``
    of their own (the SDKv2 bridge's; the framework bridge adds none), and ``tagsAll``."""
    if old_inputs is not None:
        refreshed: Properties = {}
        for key, old in old_inputs.items():
            if key == DEFAULTS or key not in outputs:
                continue
            new = outputs[key]
            if isinstance(old, dict) and isinstance(new, dict):
                new = {k: new[k] for k in old if k in new and k != DEFAULTS}
            refreshed[key] = new
        return refreshed
    keys = kind.inputs | ({"tagsAll"} if kind.tagged and not kind.framework else set())
    found: Properties = {}
    for key in sorted(keys):
        value = outputs.get(key)
        if isinstance(value, dict) and key in kind.blocks:
            value = {k: v for k, v in value.items() if v not in (None, False, 0, "") and kind.blocks[key].get(k) != v}
            if not value:
                continue
        if key not in kind.required and _default_or_zero(kind, key, value):
            continue
        if isinstance(value, dict) and not kind.framework:
            value = {**value, DEFAULTS: []}
        found[key] = value
    return found if kind.framework else {**found, DEFAULTS: []}


def _default_or_zero(kind: ResourceType, key: str, value: Any) -> bool:
    """``isDefaultOrZeroValue``: terraform's default (not pulumi-aws's own, not a named enum's), else zero."""
    if key in kind.defaults and key not in kind.pulumi_defaults:
        return bool(value == kind.defaults[key])
    return value in (None, False, 0, "", [], {})
