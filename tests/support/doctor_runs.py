"""Running `python -m peering doctor` on a served sandbox, and proving it read-only: both sides as the
describe calls and Heroku's list show them are compared before and after, and the emulator's log holds
GETs only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from providers.heroku_api import HerokuClient
from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.scenarios.served_sandbox import start_served
from sandbox.world.aws_accounts import HEROKU_ACCOUNT_ID
from sandbox.world.sandbox_info import SandboxInfo

ROOT = Path(__file__).resolve().parents[2]
DOCTOR_ROUTES = {"peering_info", "space", "list"}


def environment(info: SandboxInfo, **changes: str | None) -> dict[str, str]:
    """The sandbox's environment for AWS clients and the Heroku CLI, and nothing of this machine's AWS setup."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(info.environment())
    env.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def doctor(
    info: SandboxInfo, *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "peering", "doctor", *args],
        cwd=cwd,
        env=env or environment(info),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def of_vpc(info: SandboxInfo, vpc_id: str | None = None, *more: str) -> list[str]:
    return ["--space", info.space, "--vpc-id", vpc_id or info.customer_vpc_id, *more]


def findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    assert "Traceback" not in result.stderr, result.stderr
    [diagnosis] = json.loads(result.stdout)["diagnoses"]
    return list(diagnosis["findings"])


def world(info: SandboxInfo) -> dict[str, Any]:
    """Both sides as the describe calls and Heroku's list show them, ResponseMetadata aside."""
    customer = customer_ec2(info)
    heroku_side = info.ec2(HEROKU_ACCOUNT_ID, info.space_region)

    def described(client: Any, call: str) -> Any:
        answer = getattr(client, call)()
        answer.pop("ResponseMetadata", None)
        return json.loads(json.dumps(answer, default=str, sort_keys=True))

    calls = (
        "describe_vpcs",
        "describe_subnets",
        "describe_route_tables",
        "describe_network_acls",
        "describe_security_groups",
        "describe_network_interfaces",
        "describe_vpc_peering_connections",
        "describe_internet_gateways",
    )
    with HerokuClient(info.heroku_api_key, info.heroku_url) as heroku:
        listed = [p.__dict__ for p in heroku.list_peerings(info.space)]
    return {
        "customer": {call: described(customer, call) for call in calls},
        "heroku account": described(heroku_side, "describe_vpc_peering_connections"),
        "heroku": listed,
    }


def read_only(info: SandboxInfo, *args: str) -> subprocess.CompletedProcess[str]:
    """The doctor run as --json, with both sides compared before and after and the emulator's log read."""
    before = world(info)
    requests.delete(info.heroku_url + "/__sandbox/requests", timeout=5)
    result = doctor(info, *args, "--json")
    logged = requests.get(info.heroku_url + "/__sandbox/requests", timeout=5).json()
    assert logged and {(e["method"], e["route"]) for e in logged} <= {("GET", r) for r in DOCTOR_ROUTES}, logged
    assert world(info) == before, "the doctor changed something"
    return result


@contextmanager
def serving(ready: Path, *options: str) -> Iterator[SandboxInfo]:
    """`python -m sandbox serve` in its own process while the block runs."""
    server = start_served(ready, *options)
    try:
        yield SandboxInfo.load(ready)
    finally:
        server.terminate()
        server.wait(timeout=30)
