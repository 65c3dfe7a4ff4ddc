"""The README's real-CLI path as a user follows it: `serve`, export what it prints, then `pulumi` itself
(`stack init`, `up -s sandbox`, `destroy`), in a checkout of the project whose stack file names the
served sandbox's endpoints."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml

from providers.heroku_api import HerokuClient
from sandbox.world.peering_requests import customer_ec2, hand_made_peering
from sandbox.world.sandbox_info import SandboxInfo
from sandbox.world.served_sandbox import start_served

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[SandboxInfo]:
    ready = tmp_path / "ready.json"
    process = start_served(ready)
    try:
        yield SandboxInfo.load(ready)
    finally:
        process.terminate()
        process.wait(timeout=30)


def checkout(info: SandboxInfo, into: Path) -> Path:
    """The project as a user has it, with Pulumi.sandbox.yaml pointed at this sandbox's ports."""
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, into / name)
    for package in ("peering", "providers"):
        shutil.copytree(ROOT / package, into / package, ignore=shutil.ignore_patterns("__pycache__"))
    (into / ".venv").symlink_to(ROOT / ".venv")
    stack = yaml.safe_load((ROOT / "Pulumi.sandbox.yaml").read_text())
    stack["config"]["aws:endpoints"] = [{"ec2": info.aws_endpoint_url}]
    stack["config"]["heroku-peering:herokuApiUrl"] = info.heroku_url
    (into / "Pulumi.sandbox.yaml").write_text(yaml.safe_dump(stack))
    return into


def served_requests(info: SandboxInfo) -> list[str]:
    """The routes of the requests the served emulator took (its admin endpoint: it runs in another process)."""
    return [entry["route"] for entry in requests.get(f"{info.heroku_url}/__sandbox/requests", timeout=10).json()]


def our_pcxs(info: SandboxInfo) -> dict[str, str]:
    found = customer_ec2(info).describe_vpc_peering_connections()["VpcPeeringConnections"]
    return {
        p["VpcPeeringConnectionId"]: p["Status"]["Code"]
        for p in found
        if p["RequesterVpcInfo"]["VpcId"] == info.customer_vpc_id and p["Status"]["Code"] != "deleted"
    }


def routes_to_peerings(info: SandboxInfo) -> list[str]:
    tables = customer_ec2(info).describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [info.customer_vpc_id]}])
    return sorted(
        str(r["VpcPeeringConnectionId"])
        for t in tables["RouteTables"]
        for r in t["Routes"]
        if "VpcPeeringConnectionId" in r
    )


def test_serve_export_and_the_pulumi_cli_as_the_readme_says(served: SandboxInfo, tmp_path: Path) -> None:
    info = served
    assert {"PATH", "PULUMI_BACKEND_URL", "PULUMI_HOME"} <= set(info.pulumi_environment)
    project = checkout(info, tmp_path)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_") and key != "HEROKU_API_KEY"}
    env.update(info.pulumi_environment)
    pulumi = shutil.which("pulumi", path=env["PATH"])
    assert pulumi is not None, env["PATH"]

    def run(*args: str) -> str:
        done = subprocess.run(
            [pulumi, *args, "--non-interactive"], cwd=project, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"pulumi {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        assert info.heroku_api_key not in done.stdout + done.stderr
        return done.stdout

    run("stack", "init", "sandbox")
    run("config", "set", "--secret", "heroku:apiKey", info.heroku_api_key)  # the README's way, not the environment
    assert info.heroku_api_key not in (project / "Pulumi.sandbox.yaml").read_text()
    assert "11 created" in run("up", "-s", "sandbox", "--yes")
    [pcx] = our_pcxs(info)
    assert our_pcxs(info) == {pcx: "active"} and routes_to_peerings(info) == [pcx] * 3
    with HerokuClient(info.heroku_api_key, info.heroku_url) as heroku:
        assert heroku.get_peering(info.space, pcx).status == "active"
    run("refresh", "-s", "sandbox", "--yes")
    assert "11 unchanged" in run("up", "-s", "sandbox", "--yes")
    run("destroy", "-s", "sandbox", "--yes")
    assert our_pcxs(info) == {} and routes_to_peerings(info) == []

    by_hand = hand_made_peering(info)  # the seed's procedure, then brought under the stack
    accepts = sum(1 for e in served_requests(info) if e == "accept")
    adopted = run("up", "-s", "sandbox", "--yes", "-c", f"pcxId={by_hand}")
    assert "imported" in adopted, adopted
    assert our_pcxs(info) == {by_hand: "active"} and sum(1 for e in served_requests(info) if e == "accept") == accepts
    run("destroy", "-s", "sandbox", "--yes")
    assert our_pcxs(info) == {} and routes_to_peerings(info) == []
