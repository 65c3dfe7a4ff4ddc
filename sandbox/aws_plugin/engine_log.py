"""Messages the provider sends the engine's log (``Engine.Log``), which the CLI shows under the resource.

pulumi-aws's bridge logs through the engine: a warning when a resource ignores ``customTimeouts``
(pkg/tfshim/sdk-v2/provider2.go ``warnIgnoredCustomTimeouts``), a framework resource's warning
diagnostics (a refreshed resource found gone, ``fwdiag.NewResourceNotFoundWarningDiagnostic``).
Without an engine (a test's host) the messages are dropped.
"""

from __future__ import annotations

import contextlib
import threading

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from providers.engine_watchdog import engine_address


class EngineLog:
    def __init__(self, address: str | None) -> None:
        self._address = engine_address(["", address]) if address else None
        self._stub: engine_pb2_grpc.EngineStub | None = None
        self._lock = threading.Lock()

    def _engine(self) -> engine_pb2_grpc.EngineStub | None:
        with self._lock:
            if self._stub is None and self._address:
                self._stub = engine_pb2_grpc.EngineStub(grpc.insecure_channel(self._address))
            return self._stub

    def warning(self, message: str, urn: str = "") -> None:
        self._log(engine_pb2.WARNING, message, urn)

    def error(self, message: str, urn: str = "") -> None:
        self._log(engine_pb2.ERROR, message, urn)

    def _log(self, severity: int, message: str, urn: str) -> None:
        engine = self._engine()
        if engine is None:
            return
        with contextlib.suppress(grpc.RpcError):  # the engine going away; the operation's own result still reaches it
            engine.Log(engine_pb2.LogRequest(severity=severity, message=message, urn=urn), timeout=10)  # type: ignore[arg-type]
