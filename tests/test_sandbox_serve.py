"""`python -m sandbox serve` as a user runs it: a separate process, driven with curl and boto3."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest

from sandbox.scenarios.peering_requests import wait_for_heroku_status
from sandbox.scenarios.served_sandbox import start_served
from sandbox.world.aws_accounts import ec2_client
from sandbox.world.sandbox_info import SandboxInfo

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def served(tmp_path: Path):
    ready = tmp_path / "ready.json"
    process = start_served(ready)
    yield process, SandboxInfo.load(ready), ready
    if process.poll() is None:
        process.kill()


def test_ready_file_and_clean_stop(served) -> None:
    process, info, ready = served
    data = json.loads(ready.read_text())
    for key in (
        "heroku_url",
        "heroku_api_key",
        "aws_endpoint_url",
        "region",
        "space",
        "customer_account_id",
        "customer_vpc_id",
        "route_table_ids",
        "security_group_ids",
    ):
        assert data[key], key
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Sandbox running" in output and info.heroku_api_key in output and "sandbox stopped" in output
    assert "export HEROKU_HOST=" in output
    assert f"pulumi config set vpcId {info.customer_vpc_id}" in output  # its own ids, no seeded ones
    assert not ready.exists()


def test_driven_by_hand_with_curl_and_boto3(served) -> None:
    _, info, _ = served
    ec2 = ec2_client(info.aws_endpoint_url, info.region)  # an ordinary client: the customer account
    curl = [
        "curl",
        "-sS",
        "-H",
        "Accept: application/vnd.heroku+json; version=3",
        "-H",
        f"Authorization: Bearer {info.heroku_api_key}",
    ]
    peering_info = json.loads(subprocess.check_output([*curl, f"{info.heroku_url}/spaces/{info.space}/peering-info"]))
    pcx = ec2.create_vpc_peering_connection(
        VpcId=info.customer_vpc_id,
        PeerVpcId=peering_info["vpc_id"],
        PeerOwnerId=peering_info["aws_account_id"],
        PeerRegion=peering_info["aws_region"],
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    wait_for_heroku_status(info, pcx, "pending-acceptance")
    listed = json.loads(subprocess.check_output([*curl, f"{info.heroku_url}/spaces/{info.space}/peerings"]))
    assert {"pcx_id": pcx, "status": "pending-acceptance"}.items() <= next(
        p for p in listed if p["pcx_id"] == pcx
    ).items()
    accept_url = f"{info.heroku_url}/spaces/{info.space}/peerings/{pcx}/actions/accept"
    accepted = subprocess.check_output([*curl, "-w", "%{http_code}", "-X", "POST", accept_url])
    assert accepted == b"202"  # an empty body, as Heroku's schema allows ("rel": "empty")
    wait_for_heroku_status(info, pcx, "active")
    status = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert status["Status"]["Code"] == "active"
    ec2.create_route(
        RouteTableId=info.route_table_ids[0], DestinationCidrBlock=peering_info["vpc_cidr"], VpcPeeringConnectionId=pcx
    )
