"""Heroku requests and activation-notice delay: PeeringAcceptance (measured) beside terraform-provider-heroku.

Ours is measured for real: the provider runs in Pulumi's provider host against the emulator, which
logs every request and knows when it turned the peering active. Terraform's figures are computed
from its published schedule on the same timeline (it cannot run here): accept retried with waits
doubling from 0.5 s to a 10 s cap until Heroku sees the request, status polled from 0.2 s doubling
to a 10 s cap, then one read at the end of create; refresh is one GET, destroy one DELETE.

    python -m benchmarks.acceptance_schedule [--visibility 60 --provisioning 60]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import dataclass

from pulumi.dynamic.dynamic import serialize_provider

from providers.peering_acceptance import PeeringAcceptanceProvider
from sandbox.scenarios.peering_requests import request_peering
from sandbox.scenarios.provider_host import DynamicProviderHost
from sandbox.world.heroku_world import Timings
from sandbox.world.local_sandbox import LocalSandbox, SandboxOptions

URN = "urn:pulumi:bench::heroku-peering::pulumi-python:dynamic/heroku:PeeringAcceptance::bench"


@dataclass(frozen=True)
class Figures:
    requests: int
    notice_delay: float | None  # seconds between Heroku turning active and create returning


def _doubling(first: float, cap: float) -> Iterator[float]:
    delay = first
    while True:
        yield delay
        delay = min(cap, delay * 2)


def terraform_create(visible_at: float, provisioning: float) -> Figures:
    """Times are seconds after create starts."""
    now, requests, waits = 0.0, 0, _doubling(0.5, 10.0)
    while True:  # accept, retried while Heroku does not see the request
        requests += 1
        if now >= visible_at:
            break
        now += next(waits)
    active_at = now + provisioning
    polls = _doubling(0.2, 10.0)
    while True:
        now += next(polls)
        requests += 1
        if now >= active_at:
            break
    return Figures(requests + 1, now - active_at)  # + the read that ends create


def measure(visibility: float, provisioning: float) -> tuple[Figures, Figures, Figures, float]:
    """Create, refresh and destroy once with our provider; also return when the request became visible."""
    sandbox = LocalSandbox(SandboxOptions(timings=Timings(visibility_delay=visibility, provisioning=provisioning)))
    info = sandbox.start()
    assert sandbox.emulator is not None and sandbox.world is not None
    try:
        pcx_id = request_peering(info)
        sandbox.world.sync()
        sandbox.emulator.clear_requests()
        props = {
            "__provider": serialize_provider(PeeringAcceptanceProvider()),
            "space": info.space,
            "pcx_id": pcx_id,
            "api_url": info.heroku_url,
            "visibility_timeout": 600,
            "activation_timeout": 1200,
        }
        with DynamicProviderHost() as host:
            host.configure({"heroku:apiKey": info.heroku_api_key})
            started = time.time()
            _, outs = host.create(URN, props)
            returned = time.time()
            overlay = sandbox.world._overlays[pcx_id]
            assert overlay.accepted_at is not None
            active_at = overlay.accepted_at + provisioning
            created = Figures(len(sandbox.emulator.requests()), returned - active_at)
            visible_after = overlay.first_seen + visibility - started
            sandbox.emulator.clear_requests()
            host.read(URN, pcx_id, outs)
            refreshed = Figures(len(sandbox.emulator.requests()), None)
            sandbox.emulator.clear_requests()
            host.delete(URN, pcx_id, outs)
            destroyed = Figures(len(sandbox.emulator.requests()), None)
        return created, refreshed, destroyed, visible_after
    finally:
        sandbox.stop()


def _cell(figures: Figures) -> str:
    delay = "" if figures.notice_delay is None else f"{figures.notice_delay:6.2f} s"
    return f"{figures.requests:4d} req {delay:>9}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visibility", type=float, default=60.0)
    parser.add_argument("--provisioning", type=float, default=60.0)
    args = parser.parse_args()
    print(f"{'scenario':44} {'ours (measured)':>20}   {'terraform schedule':>20}   ok")
    for label, visibility, provisioning in (
        ("create, immediate activation", 0.0, 0.0),
        (
            f"create, {args.visibility:.0f} s visibility + {args.provisioning:.0f} s provisioning",
            args.visibility,
            args.provisioning,
        ),
    ):
        created, refreshed, destroyed, visible_after = measure(visibility, provisioning)
        theirs = terraform_create(max(0.0, visible_after), provisioning)
        assert created.notice_delay is not None and theirs.notice_delay is not None
        ok = created.requests <= theirs.requests and created.notice_delay <= theirs.notice_delay + 0.05
        print(f"{label:44} {_cell(created):>20}   {_cell(theirs):>20}   {'yes' if ok else 'NO'}")
    print(
        f"{'refresh (read)':44} {_cell(refreshed):>20}   {_cell(Figures(1, None)):>20}   "
        f"{'yes' if refreshed.requests <= 1 else 'NO'}"
    )
    print(
        f"{'destroy':44} {_cell(destroyed):>20}   {_cell(Figures(1, None)):>20}   "
        f"{'yes' if destroyed.requests <= 1 else 'NO'}"
    )


if __name__ == "__main__":
    main()
