"""Drive a resource provider plugin over gRPC, as the engine does: Pulumi's own dynamic-provider host
(``python -u -m pulumi.dynamic``) or the sandbox's pulumi-aws (``python -m sandbox.aws_plugin``).

Scenario kit for the tests and the benchmarks: one plugin process per host, closed with the host.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from google.protobuf.json_format import MessageToDict
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from ..errors import SandboxError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DYNAMIC_HOST = (sys.executable, "-u", "-m", "pulumi.dynamic", "127.0.0.1:0")
AWS_PLUGIN = (sys.executable, "-m", "sandbox.aws_plugin")


class ProviderError(SandboxError):
    """A provider method raised: ``message`` is the host's detail (the provider's traceback)."""

    def __init__(self, method: str, message: str) -> None:
        super().__init__(f"{method}: {message}")
        self.method = method
        self.message = message

    @property
    def reason(self) -> str:
        """The exception line at the end of the traceback, which is what the user needs to read."""
        lines = [line for line in self.message.strip().splitlines() if line.strip()]
        return lines[-1] if lines else self.message


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(dict(values))
    return struct


def _plain(struct: struct_pb2.Struct) -> dict[str, Any]:
    return dict(MessageToDict(struct, preserving_proto_field_name=True))


class ProviderHost:
    """One plugin process per provider configuration, as the engine caches providers per process."""

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        project: str = "heroku-peering",
        on_stderr: Callable[[str], None] | None = None,
        cwd: Path = PROJECT_ROOT,
        command: tuple[str, ...] = DYNAMIC_HOST,
    ) -> None:
        self._on_stderr = on_stderr
        # As `pulumi up` starts it: in the program's directory; this project importable for its providers.
        path = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p)
        full_env = {**os.environ, **(env or {}), "PULUMI_PROJECT": project, "PYTHONPATH": path}
        self._process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        port = self._process.stdout.readline().strip()
        if not port.isdigit():
            self._process.kill()
            raise RuntimeError(f"the provider plugin did not start: {self._process.stderr.read()}")
        self.stderr_lines: list[str] = []
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self._channel)

    def _read_stderr(self) -> None:
        assert self._process.stderr is not None
        for line in self._process.stderr:
            self.stderr_lines.append(line.rstrip("\n"))
            if self._on_stderr is not None:
                self._on_stderr(line.rstrip("\n"))

    def close(self) -> None:
        self._channel.close()
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()

    def __enter__(self) -> ProviderHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request)
        except grpc.RpcError as error:
            raise ProviderError(method, error.details() or str(error)) from None

    # -- the engine's calls ----------------------------------------------------------------

    def plugin_info(self) -> str:
        return str(self._call("GetPluginInfo", empty_pb2.Empty()).version)

    def configure(self, config: Mapping[str, Any]) -> None:
        self._call("Configure", provider_pb2.ConfigureRequest(args=_struct(config), acceptSecrets=False))

    def check(
        self, urn: str, olds: Mapping[str, Any], news: Mapping[str, Any], seed: bytes = b""
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        request = provider_pb2.CheckRequest(urn=urn, olds=_struct(olds), news=_struct(news), randomSeed=seed)
        response = self._call("Check", request)
        return _plain(response.inputs), [(f.property, f.reason) for f in response.failures]

    def diff(
        self,
        urn: str,
        id_: str,
        olds: Mapping[str, Any],
        news: Mapping[str, Any],
        ignore_changes: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        response = self._call(
            "Diff",
            provider_pb2.DiffRequest(
                id=id_,
                urn=urn,
                olds=_struct(olds),
                news=_struct(news),
                old_inputs=_struct(olds),
                ignoreChanges=list(ignore_changes),
            ),
        )
        names = {
            provider_pb2.DiffResponse.DIFF_NONE: "none",
            provider_pb2.DiffResponse.DIFF_SOME: "some",
            provider_pb2.DiffResponse.DIFF_UNKNOWN: "unknown",
        }
        return {
            "changes": names[response.changes],
            "replaces": list(response.replaces),
            "diffs": list(response.diffs),
            "delete_before_replace": response.deleteBeforeReplace,
            "stables": sorted(response.stables),
            "detailed_diff": (
                {key: int(value.kind) for key, value in response.detailedDiff.items()}
                if response.hasDetailedDiff
                else None
            ),
        }

    def create(
        self, urn: str, props: Mapping[str, Any], timeout: float = 3600, preview: bool = False
    ) -> tuple[str, dict[str, Any]]:
        request = provider_pb2.CreateRequest(urn=urn, properties=_struct(props), timeout=timeout, preview=preview)
        response = self._call("Create", request)
        return str(response.id), _plain(response.properties)

    def read(self, urn: str, id_: str, props: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        response = self._call("Read", provider_pb2.ReadRequest(id=id_, urn=urn, properties=_struct(props)))
        return str(response.id), _plain(response.properties)

    def read_with_inputs(
        self, urn: str, id_: str, props: Mapping[str, Any], inputs: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, Any]]:
        """Refresh (old outputs and inputs given) or import (neither given): the id, outputs and inputs."""
        request = provider_pb2.ReadRequest(id=id_, urn=urn, properties=_struct(props), inputs=_struct(inputs))
        response = self._call("Read", request)
        return str(response.id), _plain(response.properties), _plain(response.inputs)

    def invoke(self, token: str, args: Mapping[str, Any]) -> dict[str, Any]:
        response = self._call("Invoke", provider_pb2.InvokeRequest(tok=token, args=_struct(args)))
        return _plain(getattr(response, "return"))

    def update(self, urn: str, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> dict[str, Any]:
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=id_, urn=urn, olds=_struct(olds), news=_struct(news), old_inputs=_struct(olds)
            ),
        )
        return _plain(response.properties)

    def delete(self, urn: str, id_: str, props: Mapping[str, Any]) -> None:
        self._call("Delete", provider_pb2.DeleteRequest(id=id_, urn=urn, properties=_struct(props)))


DynamicProviderHost = ProviderHost  # the dynamic-provider host: the default command
