"""The example IaC program (its VPC, route table and group are Outputs) on a served sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.scenarios.served_sandbox import start_served
from sandbox.world.sandbox_info import SandboxInfo

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "vpc-and-peering"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[SandboxInfo, Path]]:
    ready = tmp_path / "ready.json"
    server = start_served(ready)
    yield SandboxInfo.load(ready), ready
    server.terminate()
    server.wait(timeout=30)


def run(ready: Path, command: str, *args: str) -> subprocess.CompletedProcess[str]:
    common = ["--sandbox", str(ready), "--state-dir", str(ready.parent / "state"), "--program", str(EXAMPLE)]
    return subprocess.run(
        [sys.executable, "-m", "sandbox", command, *common, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_example_peers_the_network_it_makes(served: tuple[SandboxInfo, Path]) -> None:
    info, ready = served
    preview = run(ready, "preview")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert (
        "vpcPeeringConnectionId: [unknown]" in preview.stdout
    )  # `pulumi preview --diff`: unknown until the pcx exists
    up = run(ready, "up", "--json", "--skip-preview")  # its plan is the preview just checked
    assert up.returncode == 0, up.stdout + up.stderr
    summary = json.loads(up.stdout)["summary"]
    [peering] = summary["peerings"]
    assert peering["status_heroku"] == peering["status_customer_aws"] == "active"
    tables = {t["RouteTableId"]: t for t in customer_ec2(info).describe_route_tables()["RouteTables"]}
    routed = [table for table, routes in summary["routes"].items() if routes]
    [table] = routed
    assert table not in info.route_table_ids  # the route table the program made
    assert any(
        r.get("DestinationCidrBlock") == "10.0.0.0/16" and r.get("VpcPeeringConnectionId") == peering["pcx_id"]
        for r in tables[table]["Routes"]
    )
    assert len(summary["security_group_rules"]) == 4
    again = run(ready, "up", "--skip-preview")
    assert again.returncode == 0 and "16 unchanged" in again.stdout, again.stdout  # the stack and component too
    destroyed = run(ready, "destroy")
    assert destroyed.returncode == 0, destroyed.stdout + destroyed.stderr


def test_an_overlapping_network_fails_before_the_peering_is_requested(served: tuple[SandboxInfo, Path]) -> None:
    info, ready = served
    up = run(ready, "up", "-c", "vpcCidr=10.0.0.0/16")
    assert up.returncode != 0
    output = up.stdout + up.stderr
    assert "the VPC's CIDR 10.0.0.0/16 overlaps the space's vpc_cidr 10.0.0.0/16" in output
    assert "the peering was not requested" in output and "Traceback" not in output
    assert customer_ec2(info).describe_vpc_peering_connections()["VpcPeeringConnections"] == []
