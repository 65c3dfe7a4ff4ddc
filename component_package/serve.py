"""Serve the package's provider: what ``pulumi`` starts (``python component_package <engine address>``).

As the SDK's ``pulumi.provider.main``: a gRPC server on a free loopback port, the port on the first line
of stdout. Before serving: ``pulumi.log`` is pointed at the engine (a package plugin's stderr is hidden),
and the process leaves when the engine does (a killed ``pulumi up``), as Pulumi's own plugins do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

import grpc
from pulumi.runtime import Settings, configure
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import provider_pb2_grpc

from providers.engine_watchdog import start_in_host

from .schema import PackageProvider
from .servicer import PackageServicer


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description="The heroku-peering provider plugin (gRPC server)")
    parser.add_argument("engine", help="the engine's address (host:port)")
    known, _ = parser.parse_known_args(args)
    engine: str = known.engine
    configure(Settings(project=None, stack=None, engine=engine))
    start_in_host(["", engine])
    servicer = PackageServicer(PackageProvider(), args, engine)

    async def serve() -> None:
        server = grpc.aio.server(options=_GRPC_CHANNEL_OPTIONS)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port(address="127.0.0.1:0")
        await server.start()
        sys.stdout.buffer.write(f"{port}\n".encode())
        sys.stdout.buffer.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
