"""The package's provider: Pulumi's component server, plus the acceptance as a custom resource of its own.

The Python SDK serves components (``pulumi.provider.server.ProviderServicer``: Construct, GetSchema,
GetPluginInfo) but no custom resource (pulumi/pulumi#8331: Python exposes only what multi-language
components need). This servicer adds CheckConfig, DiffConfig, Configure, Check, Diff, Create, Read,
Update and Delete for ``heroku-peering:index:PeeringAcceptance``, each calling the method of the same name
of ``providers.peering_acceptance.PeeringAcceptanceProvider``, as Pulumi's dynamic-provider host does
(``pulumi/dynamic/__main__.py``), with what a package needs beside:

- the token is the provider config ``apiKey`` (``heroku-peering:apiKey``), else ``HEROKU_API_KEY``, else
  ``~/.netrc``; it never enters the state (the provider's config inputs are stored as the engine stores
  them: a secret stays encrypted);
- ``pulumi.log`` reaches the engine with the resource's URN (a package plugin's stderr is not shown:
  ``sdk/go/common/resource/plugin/plugin.go``, ``newPlugin``), so Heroku's progress is seen in ``pulumi up``;
- an error this project raises on purpose reaches the user as its one line (``host_errors.one_line``), a
  pre-flight refusal in Construct likewise, not grpc's ``Unexpected <class ...>`` or a traceback;
- calls run in a pool of ``WORKERS`` threads, not the dynamic host's 4, so that 16 peerings are accepted at
  once rather than in four waves; components are made side by side too (``_construct_alone``).

Props cross the wire in camelCase (the schema's names) and reach the provider in snake_case (its own), with
secrets unwrapped on the way in and the same keys marked secret on the way out. A state moved from the
program (the dynamic resource, aliased) holds snake_case props and the pickled ``__provider``: its diff
reports a change, so that one update (a read of Heroku, no accept) rewrites it in this provider's form.
"""

from __future__ import annotations

import asyncio
import contextvars
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NoReturn, TypeVar

import grpc
import pulumi
import pulumi_aws as aws
from google.protobuf import empty_pb2, struct_pb2
from pulumi.dynamic import ResourceProvider
from pulumi.errors import InputPropertiesError, InputPropertyError, InputPropertyErrorDetails, RunError
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError, ProviderServicer
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import engine_pb2
from pulumi.runtime.settings import SETTINGS

from providers.host_errors import one_line

from .acceptance import FROM_WIRE, TO_WIRE, TYPE
from .configured import CONFIGURED, TOKEN_KEY

WORKERS = 64  # provider calls at once (each a Heroku wait of up to its timeouts)
LEFT_RUNNING_WAIT = 30.0  # seconds a Construct waits for what its component left running (log messages)
DYNAMIC_PROVIDER_KEY = "__provider"  # the pickled provider a dynamic resource's state holds
MOVED = (
    "heroku: {id} was accepted by the Python program's dynamic provider; this update rewrites its state for the "
    "package's provider (a read of Heroku: no new request, no accept)"
)
T = TypeVar("T")


class UrnLog:
    """The engine, with each log message that names no resource attached to ``urn``."""

    def __init__(self, engine: Any, urn: str) -> None:
        self._engine = engine
        self._urn = urn

    def Log(self, request: engine_pb2.LogRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.urn:
            request.urn = self._urn
        return self._engine.Log(request, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)


class Props:
    """A resource's props as the provider takes them (snake_case, plain), and which keys were secret."""

    def __init__(self, struct: struct_pb2.Struct | None) -> None:
        raw = rpc.deserialize_properties(struct, keep_unknowns=True) if struct is not None else {}
        self.moved = DYNAMIC_PROVIDER_KEY in raw  # a dynamic resource's state, taken over by alias
        self.secret = {FROM_WIRE.get(k, k) for k, v in raw.items() if rpc.is_rpc_secret(v)}
        self.values: dict[str, Any] = {
            FROM_WIRE.get(k, k): rpc.unwrap_rpc_secret(v) for k, v in raw.items() if k != DYNAMIC_PROVIDER_KEY
        }


async def wire(values: dict[str, Any], secret: set[str]) -> struct_pb2.Struct:
    """The provider's props in camelCase, with the keys that came in secret marked secret; unset (None) ones left
    out, as the engine keeps them in the state (a refresh that read them back as nulls would report a change)."""
    shown = {
        TO_WIRE.get(k, k): rpc.wrap_rpc_secret(v) if k in secret else v for k, v in values.items() if v is not None
    }
    return await rpc.serialize_properties(shown, {})


class PackageServicer(ProviderServicer):
    """Construct of the components (the SDK's), and CRUD of the package's custom resources (their providers)."""

    def __init__(
        self,
        provider: ComponentProvider,
        args: list[str],
        engine_address: str,
        resources: dict[str, ResourceProvider] | None = None,
    ) -> None:
        super().__init__(provider, args, engine_address)
        load_lazy_modules()
        self.resources = resources if resources is not None else {TYPE: CONFIGURED.acceptance}
        self.pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="provider-call")
        self.engine = SETTINGS.engine  # the engine stub, set up with the engine's address before serving

    # -- components -----------------------------------------------------------------------------

    async def Construct(self, request: proto.ConstructRequest, context: Any) -> proto.ConstructResponse:
        """As the SDK's, but a refusal of the component (pre-flight's, or a Heroku error) ends it with the user's
        one message; a bug keeps its traceback, and an input of the wrong type the SDK's property error."""
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.pool, self._construct_alone, request, context)
        except InputPropertiesError as error:  # the SDK's answers, before anything is made
            status = self.create_grpc_invalid_properties_status(error.message, error.errors)
        except InputPropertyError as error:
            details: list[InputPropertyErrorDetails] = [{"property_path": error.property_path, "reason": error.reason}]
            status = self.create_grpc_invalid_properties_status("", details)
        except ComponentInitError as error:
            inner = error.inner
            await abort(context, user_message(inner) or "".join(traceback.format_exception(inner)))
        except Exception:
            await abort(context, traceback.format_exc())
        await context.abort_with_status(status)
        raise AssertionError("unreachable: abort_with_status raises")  # pragma: no cover

    def _construct_alone(self, request: proto.ConstructRequest, context: Any) -> proto.ConstructResponse:
        """One Construct on an event loop of its own, in a thread of the pool, so that components are made side by
        side. Made on the server's loop, each would hold it for its whole pre-flight (Heroku's reads block, and the
        SDK's synchronous invokes pump the loop re-entrantly, so the one started last must finish first)."""

        async def construct() -> proto.ConstructResponse:
            response = await self._construct(request, context)
            # Whatever the component left running (its log messages): this loop ends with the call.
            pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            if pending:
                await asyncio.wait(pending, timeout=LEFT_RUNNING_WAIT)
            return response

        return asyncio.run(construct())

    # -- the provider's own config --------------------------------------------------------------

    async def CheckConfig(self, request: proto.CheckRequest, context: Any) -> proto.CheckResponse:
        """The config as given: apiKey is the only key read; other keys of the namespace (a program whose
        project is named heroku-peering keeps its own there) are left alone."""
        return proto.CheckResponse(inputs=request.news)

    async def DiffConfig(self, request: proto.DiffRequest, context: Any) -> proto.DiffResponse:
        """A new token replaces nothing (nor does a move from the dynamic provider, whose config differs)."""
        olds, news = Props(request.olds), Props(request.news)
        changed = olds.values.get(TOKEN_KEY) != news.values.get(TOKEN_KEY)
        return proto.DiffResponse(changes=proto.DiffResponse.DIFF_SOME if changed else proto.DiffResponse.DIFF_NONE)

    async def Configure(self, request: proto.ConfigureRequest, context: Any) -> proto.ConfigureResponse:
        args = Props(request.args).values if request.HasField("args") else {}
        token = args.get(TOKEN_KEY) or dict(request.variables).get(f"{PACKAGE_CONFIG}{TOKEN_KEY}")
        CONFIGURED.use(token)
        # Secrets, resources and output values, as Construct needs them (the engine refuses a component
        # provider without secrets); no preview of Create or Update.
        return proto.ConfigureResponse(acceptSecrets=True, acceptResources=True, acceptOutputs=True)

    # -- the custom resources -------------------------------------------------------------------

    def _provider(self, urn: str) -> ResourceProvider:
        kind = urn.split("::")[2].rsplit("$", 1)[-1] if urn.count("::") >= 3 else ""
        return self.resources[kind]

    async def _serve(self, context: Any, urn: str, call: Callable[..., T], *args: Any) -> T:
        """``call`` in the pool, its log messages attached to ``urn``; an error ends the RPC with its one line."""
        SETTINGS.engine = UrnLog(self.engine, urn)
        context_copy = contextvars.copy_context()
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, context_copy.run, call, *args)
        except Exception as error:
            await abort(context, user_message(error) or traceback.format_exc())

    async def Check(self, request: proto.CheckRequest, context: Any) -> proto.CheckResponse:
        olds, news = Props(request.olds), Props(request.news)
        result = await self._serve(context, request.urn, self._provider(request.urn).check, olds.values, news.values)
        failures = [
            proto.CheckFailure(property=TO_WIRE.get(f.property, f.property), reason=f.reason)
            for f in result.failures or []
        ]
        return proto.CheckResponse(inputs=await wire(result.inputs, news.secret), failures=failures)

    async def Diff(self, request: proto.DiffRequest, context: Any) -> proto.DiffResponse:
        olds, news = Props(request.olds), Props(request.news)
        provider = self._provider(request.urn)
        result = await self._serve(context, request.urn, provider.diff, request.id, olds.values, news.values)
        replaces = [TO_WIRE.get(key, key) for key in result.replaces or []]
        if olds.moved and not replaces:  # rewrite the dynamic resource's state in this provider's form
            await self._serve(context, request.urn, pulumi.log.info, MOVED.format(id=request.id))
            return proto.DiffResponse(changes=proto.DiffResponse.DIFF_SOME, diffs=[DYNAMIC_PROVIDER_KEY])
        if result.changes is None:
            changes = proto.DiffResponse.DIFF_UNKNOWN
        else:
            changes = proto.DiffResponse.DIFF_SOME if result.changes else proto.DiffResponse.DIFF_NONE
        return proto.DiffResponse(
            changes=changes,
            replaces=replaces,
            stables=[TO_WIRE.get(key, key) for key in result.stables or []],
            deleteBeforeReplace=bool(result.delete_before_replace),
        )

    async def Create(self, request: proto.CreateRequest, context: Any) -> proto.CreateResponse:
        props = Props(request.properties)
        result = await self._serve(context, request.urn, self._provider(request.urn).create, props.values)
        return proto.CreateResponse(id=result.id, properties=await wire(result.outs or {}, props.secret))

    async def Read(self, request: proto.ReadRequest, context: Any) -> proto.ReadResponse:
        props = Props(request.properties)
        if not props.values:  # a `get` of an existing resource: only its inputs are given
            props = Props(request.inputs)
        result = await self._serve(context, request.urn, self._provider(request.urn).read, request.id, props.values)
        if not result.id:  # gone: the engine drops it from the state
            return proto.ReadResponse(id="")
        response = proto.ReadResponse(id=result.id, properties=await wire(result.outs or {}, props.secret))
        if result.inputs is not None:
            response.inputs.CopyFrom(await wire(result.inputs, props.secret))
        return response

    async def Update(self, request: proto.UpdateRequest, context: Any) -> proto.UpdateResponse:
        olds, news = Props(request.olds), Props(request.news)
        provider = self._provider(request.urn)
        result = await self._serve(context, request.urn, provider.update, request.id, olds.values, news.values)
        return proto.UpdateResponse(properties=await wire(result.outs or {}, news.secret))

    async def Delete(self, request: proto.DeleteRequest, context: Any) -> empty_pb2.Empty:
        props = Props(request.properties)
        await self._serve(context, request.urn, self._provider(request.urn).delete, request.id, props.values)
        return empty_pb2.Empty()


def load_lazy_modules() -> None:
    """Load the pulumi-aws modules the component uses, before Constructs run side by side: the SDK loads them on
    first use through importlib's LazyLoader (pulumi/_utils.py ``lazy_import``), which is not thread-safe before
    Python 3.12.3 (python/cpython gh-114763): a second thread sees the half-loaded module (``module 'pulumi_aws.ec2'
    has no attribute 'get_vpc'``)."""
    for module in (aws.ec2, aws.vpc):
        vars(module)  # any attribute access runs the module's code once
    assert aws.ec2.get_vpc is not None and aws.vpc.get_security_group_rule is not None


PACKAGE_CONFIG = "heroku-peering:config:"  # how older engines name provider config in ``variables``


def user_message(error: BaseException) -> str | None:
    """The one line a user reads for an error raised on purpose: the provider's (Heroku), or a pulumi.RunError
    (pre-flight's refusals); None for anything else."""
    if isinstance(error, RunError):
        return str(error)
    return one_line(error)


async def abort(context: Any, message: str) -> NoReturn:
    await context.abort(grpc.StatusCode.UNKNOWN, message)
    raise AssertionError("unreachable: abort raises")  # pragma: no cover
