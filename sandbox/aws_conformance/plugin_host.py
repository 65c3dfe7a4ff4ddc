"""One provider plugin process driven over gRPC as the engine drives it, with a stub engine for its logs.

The engine starts a plugin with its own address as the last argument and reads the port from the
plugin's first line of stdout (pkg/resource/plugin/plugin.go); plugins log through ``Engine.Log`` and
Go plugins watch the engine's health service. The stub answers both and keeps the log lines.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Mapping, Sequence
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from google.protobuf.json_format import MessageToDict
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from ..errors import SandboxError

SEVERITIES = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}
HEALTH_SERVING = b"\x08\x01"  # grpc.health.v1.HealthCheckResponse{status: SERVING}
DIFFS = {
    provider_pb2.DiffResponse.DIFF_NONE: "none",
    provider_pb2.DiffResponse.DIFF_SOME: "some",
    provider_pb2.DiffResponse.DIFF_UNKNOWN: "unknown",
}
PROPERTY_DIFFS = {value: name.lower() for name, value in provider_pb2.PropertyDiff.Kind.items()}


class _Engine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logs: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def Log(self, request: Any, context: grpc.ServicerContext) -> empty_pb2.Empty:
        if request.severity in (engine_pb2.WARNING, engine_pb2.ERROR):
            with self._lock:
                self.logs.append((SEVERITIES[request.severity], str(request.message)))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        return engine_pb2.GetRootResourceResponse()

    def SetRootResource(self, request: Any, context: grpc.ServicerContext) -> Any:
        return engine_pb2.SetRootResourceResponse()

    def take(self) -> list[tuple[str, str]]:
        with self._lock:
            found, self.logs = self.logs, []
        return found


@dataclass(frozen=True)
class Answer:
    """One call's answer: its value, or the error text the engine would show."""

    value: Any = None
    error: str | None = None


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return struct


def _plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(MessageToDict(struct, preserving_proto_field_name=True))


class PluginHost:
    def __init__(self, command: Sequence[str], env: Mapping[str, str] | None = None) -> None:
        self._engine = _Engine()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        engine_pb2_grpc.add_EngineServicer_to_server(self._engine, self._server)
        health = grpc.method_handlers_generic_handler(
            "grpc.health.v1.Health",
            {
                "Check": grpc.unary_unary_rpc_method_handler(
                    lambda request, context: HEALTH_SERVING,
                    request_deserializer=lambda data: data,
                    response_serializer=lambda data: data,
                )
            },
        )
        self._server.add_generic_rpc_handlers((health,))
        engine_port = self._server.add_insecure_port("127.0.0.1:0")
        self._server.start()
        self._process = subprocess.Popen(
            [*command, f"127.0.0.1:{engine_port}"],
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        port = self._process.stdout.readline().strip()
        if not port.isdigit():
            self._process.kill()
            self._server.stop(0)
            raise SandboxError(f"the plugin {command[0]} did not start: {self._process.stderr.read()[-2000:]}")
        self.stderr: list[str] = []
        threading.Thread(target=lambda: self.stderr.extend(self._process.stderr or []), daemon=True).start()
        self._channel = grpc.insecure_channel(
            f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", 64 * 1024 * 1024)]
        )
        self.stub = provider_pb2_grpc.ResourceProviderStub(self._channel)

    def close(self) -> None:
        self._channel.close()
        self._process.terminate()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._server.stop(0)

    def __enter__(self) -> PluginHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def logs(self) -> list[tuple[str, str]]:
        """The warnings and errors logged since the last call."""
        return self._engine.take()

    def _call(self, method: str, request: Any) -> tuple[Any, str | None]:
        try:
            return getattr(self.stub, method)(request, timeout=600), None
        except grpc.RpcError as error:
            return None, str(error.details() or error)

    # -- the engine's calls -------------------------------------------------------------------------------

    def plugin_info(self) -> Answer:
        response, error = self._call("GetPluginInfo", empty_pb2.Empty())
        return Answer(error=error) if error else Answer({"version": response.version})

    def check_config(self, news: Mapping[str, Any]) -> Answer:
        urn = "urn:pulumi:conformance::conformance::pulumi:providers:aws::default"
        request = provider_pb2.CheckRequest(urn=urn, olds=_struct({}), news=_struct(news))
        response, error = self._call("CheckConfig", request)
        if error:
            return Answer(error=error)
        return Answer({"inputs": _plain(response.inputs), "failures": sorted(f.reason for f in response.failures)})

    def configure(self, args: Mapping[str, Any]) -> Answer:
        request = provider_pb2.ConfigureRequest(args=_struct(args), acceptSecrets=True, acceptResources=True)
        response, error = self._call("Configure", request)
        if error:
            return Answer(error=error)
        return Answer(
            {
                "acceptSecrets": response.acceptSecrets,
                "supportsPreview": response.supportsPreview,
                "acceptResources": response.acceptResources,
                "supportsAutonamingConfiguration": response.supports_autonaming_configuration,
            }
        )

    def check(self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any], seed: bytes = b"") -> Answer:
        request = provider_pb2.CheckRequest(
            urn=urn,
            olds=_struct(olds),
            news=_struct(news),
            randomSeed=seed,
            name=urn.rsplit("::", maxsplit=1)[-1],
            type=urn.split("::")[-2],
        )
        response, error = self._call("Check", request)
        if error:
            return Answer(error=error)
        return Answer({"inputs": _plain(response.inputs), "failures": sorted(f.reason for f in response.failures)})

    def diff(
        self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any], old_inputs: Mapping[str, Any]
    ) -> Answer:
        request = provider_pb2.DiffRequest(
            id=id_, urn=urn, olds=_struct(olds), news=_struct(news), old_inputs=_struct(old_inputs)
        )
        response, error = self._call("Diff", request)
        if error:
            return Answer(error=error)
        return Answer(
            {
                "changes": DIFFS[response.changes],
                "replaces": sorted(response.replaces),
                "diffs": sorted(response.diffs),
                "detailedDiff": {
                    key: PROPERTY_DIFFS.get(value.kind, str(value.kind)) for key, value in response.detailedDiff.items()
                },
                "deleteBeforeReplace": response.deleteBeforeReplace,
                "hasDetailedDiff": response.hasDetailedDiff,
                "stables": sorted(response.stables),
            }
        )

    def create(self, urn: str, properties: Mapping[str, Any], timeout: float = 0, preview: bool = False) -> Answer:
        request = provider_pb2.CreateRequest(urn=urn, properties=_struct(properties), timeout=timeout, preview=preview)
        response, error = self._call("Create", request)
        if error:
            return Answer(error=error)
        return Answer({"id": response.id, "properties": _plain(response.properties)})

    def read(self, urn: str, id_: str, properties: Mapping[str, Any], inputs: Mapping[str, Any]) -> Answer:
        request = provider_pb2.ReadRequest(id=id_, urn=urn, properties=_struct(properties), inputs=_struct(inputs))
        response, error = self._call("Read", request)
        if error:
            return Answer(error=error)
        return Answer({"id": response.id, "properties": _plain(response.properties), "inputs": _plain(response.inputs)})

    def update(
        self,
        urn: str,
        id_: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        old_inputs: Mapping[str, Any],
        timeout: float = 0,
    ) -> Answer:
        request = provider_pb2.UpdateRequest(
            id=id_, urn=urn, olds=_struct(olds), news=_struct(news), old_inputs=_struct(old_inputs), timeout=timeout
        )
        response, error = self._call("Update", request)
        if error:
            return Answer(error=error)
        return Answer({"properties": _plain(response.properties)})

    def delete(self, urn: str, id_: str, properties: Mapping[str, Any], timeout: float = 0) -> Answer:
        request = provider_pb2.DeleteRequest(id=id_, urn=urn, properties=_struct(properties), timeout=timeout)
        _, error = self._call("Delete", request)
        return Answer(error=error) if error else Answer("deleted")

    def invoke(self, token: str, args: Mapping[str, Any]) -> Answer:
        response, error = self._call("Invoke", provider_pb2.InvokeRequest(tok=token, args=_struct(args)))
        if error:
            return Answer(error=error)
        return Answer(
            {"return": _plain(getattr(response, "return")), "failures": sorted(f.reason for f in response.failures)}
        )
