"""``pulumi-resource-aws [--logtostderr] [-v=N] [--tracing X] ENGINE``: serve on 127.0.0.1, print the port.

The engine reads the port from the first line of stdout (``pkg/resource/plugin/plugin.go``), then
dials it; later output is shown only at debug verbosity or when the plugin dies. SIGTERM or SIGINT
stop it, and so does the engine going away: like Pulumi's Go plugins (``rpcutil.Healthcheck``), the
plugin polls the engine's gRPC health service and exits when it stops answering, so that a killed
`pulumi up` leaves no plugin behind.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from concurrent import futures
from types import FrameType

import grpc
from pulumi.runtime.proto import provider_pb2_grpc

from .server import AwsProvider

# As Pulumi's own Python provider hosts allow (pulumi/runtime/_grpc_settings.py).
MAX_MESSAGE = 400 * 1024 * 1024
HEALTH_EVERY = 1.0  # seconds; the Go plugins' check runs every 5 minutes
HEALTH_CHECK = "/grpc.health.v1.Health/Check"


def engine_alive(channel: grpc.Channel) -> bool:
    """The engine answers its health service (an empty HealthCheckRequest); Unimplemented counts as alive."""
    check = channel.unary_unary(HEALTH_CHECK, request_serializer=lambda _: b"", response_deserializer=bytes)
    try:
        check(None, timeout=5)
    except grpc.RpcError as error:
        return error.code() == grpc.StatusCode.UNIMPLEMENTED  # type: ignore[no-any-return]
    return True


def watch_engine(address: str, stop: threading.Event) -> None:
    with grpc.insecure_channel(address) as channel:
        while not stop.wait(HEALTH_EVERY):
            if not engine_alive(channel):
                stop.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pulumi-resource-aws")
    parser.add_argument("engine", nargs="?", help="the engine's gRPC address")
    parser.add_argument("--logtostderr", action="store_true")
    parser.add_argument("--logflow", action="store_true")
    parser.add_argument("--tracing", default="")
    parser.add_argument("-v", dest="verbosity", default="0")
    args, _ = parser.parse_known_args(argv)
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=16),
        options=[("grpc.max_receive_message_length", MAX_MESSAGE), ("grpc.max_send_message_length", MAX_MESSAGE)],
    )
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(AwsProvider(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.engine:
        threading.Thread(target=watch_engine, args=(args.engine, stop), daemon=True).start()
    stop.wait()
    server.stop(grace=1).wait()
    return 0


sys.exit(main())
