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
import yaml

from sandbox.world.peering_requests import customer_ec2
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


def test_serve_export_and_pulumi_up(served: SandboxInfo, tmp_path: Path) -> None:
    info = served
    assert {"PATH", "PULUMI_BACKEND_URL", "PULUMI_HOME"} <= set(info.pulumi_environment)
    project = checkout(info, tmp_path)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PULUMI_")}
    env.update(info.pulumi_environment, HEROKU_API_KEY=info.heroku_api_key)
    pulumi = shutil.which("pulumi", path=env["PATH"])
    assert pulumi is not None, env["PATH"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [pulumi, *args], cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, f"pulumi {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    run("stack", "init", "sandbox")
    up = run("up", "-s", "sandbox", "--yes", "--non-interactive")
    assert "11 created" in up.stdout, up.stdout
    ec2 = customer_ec2(info)
    peerings = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    ours = [p for p in peerings if p["RequesterVpcInfo"]["VpcId"] == info.customer_vpc_id]
    assert [p["Status"]["Code"] for p in ours] == ["active"]
    again = run("up", "-s", "sandbox", "--yes", "--non-interactive")
    assert "11 unchanged" in again.stdout, again.stdout
    run("destroy", "-s", "sandbox", "--yes", "--non-interactive")
    peerings = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    assert [p["Status"]["Code"] for p in peerings if p["RequesterVpcInfo"]["VpcId"] == info.customer_vpc_id] in (
        [],
        ["deleted"],
    )
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [info.customer_vpc_id]}])["RouteTables"]
    assert [r for t in tables for r in t["Routes"] if r.get("VpcPeeringConnectionId")] == []
