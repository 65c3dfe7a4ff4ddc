"""``pulumi-resource-aws [--logtostderr] [-v=N] [--tracing X] ENGINE``: serve on 127.0.0.1, print the port.

The engine reads the port from the first line of stdout (``pkg/resource/plugin/plugin.go``), then
dials it; later output is shown only at debug verbosity or when the plugin dies. SIGTERM or SIGINT
stop it, and so does the engine going away (``providers/engine_watchdog.py``), so that a killed
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

from providers.engine_watchdog import watch

from .server import AwsProvider

# As Pulumi's own Python provider hosts allow (pulumi/runtime/_grpc_settings.py).
MAX_MESSAGE = 400 * 1024 * 1024


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
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(AwsProvider(engine=args.engine), server)
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
        threading.Thread(target=watch, args=(args.engine, stop.set, stop), daemon=True).start()
    stop.wait()
    server.stop(grace=1).wait()
    return 0


sys.exit(main())
