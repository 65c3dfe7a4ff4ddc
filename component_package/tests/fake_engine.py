"""The engine's log service, as a provider plugin reaches it (``Engine.Log``), recording what it is told."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2_grpc


@dataclass(frozen=True)
class Logged:
    severity: int
    urn: str
    message: str


class FakeEngine(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self.logged: list[Logged] = []
        self._lock = threading.Lock()
        self.address = ""

    def Log(self, request: Any, context: Any) -> empty_pb2.Empty:  # noqa: N802 (the service's name)
        with self._lock:
            self.logged.append(Logged(request.severity, request.urn, request.message))
        return empty_pb2.Empty()

    def messages(self, urn: str | None = None) -> list[str]:
        with self._lock:
            return [entry.message for entry in self.logged if urn is None or entry.urn == urn]


@contextmanager
def fake_engine() -> Iterator[FakeEngine]:
    engine = FakeEngine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    engine.address = f"127.0.0.1:{port}"
    try:
        yield engine
    finally:
        server.stop(0)
