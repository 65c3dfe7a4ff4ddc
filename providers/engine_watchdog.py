"""Leave no provider process behind a killed `pulumi up`.

The engine starts each provider plugin in a process group of its own and, when it is killed, cannot
stop them. Pulumi's Go plugins watch the engine (``rpcutil.Healthcheck`` polls its gRPC health
service) and exit when it is gone; Pulumi's Python dynamic-provider host (``python -m
pulumi.dynamic``) does not, so without this a killed run leaves it running forever. The watchdog is
started from the provider's ``configure``, inside the host, never at import.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

import grpc

HEALTH_CHECK = "/grpc.health.v1.Health/Check"
EVERY = 1.0  # seconds between checks
_started: list[str] = []
_lock = threading.Lock()


def engine_alive(channel: grpc.Channel) -> bool:
    """The engine answers its health service (an empty HealthCheckRequest); Unimplemented counts as alive."""
    check = channel.unary_unary(HEALTH_CHECK, request_serializer=lambda _: b"", response_deserializer=bytes)
    try:
        check(None, timeout=5)
    except grpc.RpcError as error:
        return bool(error.code() == grpc.StatusCode.UNIMPLEMENTED)
    return True


def watch(address: str, on_gone: Callable[[], None], stop: threading.Event | None = None) -> None:
    """Poll ``address`` until it stops answering (then ``on_gone``) or ``stop`` is set."""
    stopped = stop or threading.Event()
    with grpc.insecure_channel(address) as channel:
        while not stopped.wait(EVERY):
            if not engine_alive(channel):
                on_gone()
                return


def engine_address(argv: list[str]) -> str | None:
    """The engine's address: the last argument the engine starts a plugin with (``host:port``)."""
    last = argv[-1] if len(argv) > 1 else ""
    host, _, port = last.rpartition(":")
    return last if host and port.isdigit() and port != "0" else None  # port 0: no engine (a test's host)


def start_in_host(argv: list[str] | None = None) -> None:
    """Once per process: exit this provider host when the engine that started it is gone."""
    address = engine_address(sys.argv if argv is None else argv)
    with _lock:
        if address is None or _started:
            return
        _started.append(address)

    def gone() -> None:
        os._exit(1)  # the engine is gone: nothing will ever call this host again

    threading.Thread(target=watch, args=(address, gone), name="engine-watchdog", daemon=True).start()
