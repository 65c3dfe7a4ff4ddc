"""The whole program on the sandbox: preview, up, refresh, destroy, carried out for real."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import pytest

from providers.heroku_api import HerokuClient
from sandbox.runner.commands import stack_config
from sandbox.runner.engine import Deployment, carry_out
from sandbox.world.heroku_world import Timings
from sandbox.world.peering_requests import customer_ec2
from sandbox.world.served_sandbox import start_served
from tests.conftest import SandboxFactory, StartedSandbox

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
TIMINGS = Timings(visibility_delay=0.5, provisioning=0.5, expiry=3600, deleted_retention=1.0)


def deploy(sandbox: StartedSandbox, state: Path, command: str, *overrides: str) -> Deployment:
    config = stack_config("e2e", sandbox.info, list(overrides))  # no Pulumi.e2e.yaml: the demo peering
    deployment = Deployment(
        config,
        state,
        sandbox.info.aws_endpoint_url,
        sandbox.info.region,
        printer=lambda line: None,
        preview=command == "preview",
    )
    carry_out(deployment, command, "e2e")
    return deployment


def ops(deployment: Deployment) -> Counter[str]:
    return Counter(step.op for step in deployment.steps)


def customer_pcxs(sandbox: StartedSandbox) -> dict[str, str]:
    found = customer_ec2(sandbox.info).describe_vpc_peering_connections()["VpcPeeringConnections"]
    mine = [p for p in found if p["RequesterVpcInfo"]["VpcId"] == sandbox.info.customer_vpc_id]
    return {p["VpcPeeringConnectionId"]: p["Status"]["Code"] for p in mine}


def peering_routes(sandbox: StartedSandbox) -> dict[str, set[tuple[str, str]]]:
    tables = customer_ec2(sandbox.info).describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [sandbox.info.customer_vpc_id]}]
    )["RouteTables"]
    return {
        t["RouteTableId"]: {
            (r["DestinationCidrBlock"], r["VpcPeeringConnectionId"])
            for r in t["Routes"]
            if r.get("VpcPeeringConnectionId")
        }
        for t in tables
    }


def heroku_rules(sandbox: StartedSandbox) -> list[dict[str, Any]]:
    rules = customer_ec2(sandbox.info).describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": sandbox.info.security_group_ids}]
    )["SecurityGroupRules"]
    return [r for r in rules if not r["IsEgress"] and r.get("CidrIpv4", "").startswith("10.0.")]


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> StartedSandbox:
    return make_sandbox(timings=TIMINGS)


def test_up_twice_refresh_recreate_destroy(sandbox: StartedSandbox, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first = deploy(sandbox, state, "up")
    assert ops(first) == Counter(create=9)  # pcx, acceptance, 3 routes, 4 rules

    [(pcx_id, status)] = customer_pcxs(sandbox).items()
    assert status == "active"
    with HerokuClient(sandbox.info.heroku_api_key, sandbox.info.heroku_url) as heroku:
        assert heroku.get_peering(sandbox.info.space, pcx_id).status == "active"
    routes = peering_routes(sandbox)
    assert len(routes) == 3 and all(found == {("10.0.0.0/16", pcx_id)} for found in routes.values())
    assert sorted(r["CidrIpv4"] for r in heroku_rules(sandbox)) == sorted(
        ["10.0.0.0/20", "10.0.16.0/20", "10.0.128.0/20", "10.0.144.0/20"]
    )
    assert all((r["IpProtocol"], r["FromPort"], r["ToPort"]) == ("tcp", 5432, 5432) for r in heroku_rules(sandbox))
    saved = json.loads(state.read_text())
    assert sandbox.info.heroku_api_key not in state.read_text()
    assert len(saved["resources"]) == 10  # the component too

    sandbox.emulator.clear_requests()
    second = deploy(sandbox, state, "up")
    assert ops(second) == Counter(same=9)
    assert [e.route for e in sandbox.emulator.requests()] == ["peering_info", "space", "list"]  # pre-flight only

    with HerokuClient(sandbox.info.heroku_api_key, sandbox.info.heroku_url) as heroku:
        heroku.destroy_peering(sandbox.info.space, pcx_id)  # out of band, on Heroku's side
    refreshed = deploy(sandbox, state, "refresh")
    assert ops(refreshed)["gone"] == 2  # the pcx (deleted in AWS) and the acceptance
    third = deploy(sandbox, state, "up")
    assert ops(third) == Counter(create=2, update=3, same=4)  # new pcx + acceptance; routes repointed
    [new_pcx] = [p for p, s in customer_pcxs(sandbox).items() if s == "active"]
    assert new_pcx != pcx_id
    assert all(found == {("10.0.0.0/16", new_pcx)} for found in peering_routes(sandbox).values())

    destroyed = deploy(sandbox, state, "destroy")
    assert ops(destroyed) == Counter(delete=9)
    assert all(s == "deleted" for s in customer_pcxs(sandbox).values())
    assert all(found == set() for found in peering_routes(sandbox).values())
    assert heroku_rules(sandbox) == []
    assert json.loads(state.read_text())["resources"] == []
    again = deploy(sandbox, state, "destroy")
    assert ops(again) == Counter()


def test_preview_creates_nothing(sandbox: StartedSandbox, tmp_path: Path) -> None:
    sandbox.emulator.clear_requests()
    preview = deploy(sandbox, tmp_path / "state.json", "preview")
    assert ops(preview) == Counter(create=9)
    assert customer_pcxs(sandbox) == {}
    assert not (tmp_path / "state.json").exists()
    assert {e.route for e in sandbox.emulator.requests()} == {"peering_info", "space", "list"}


def test_preflight_failure_creates_nothing(sandbox: StartedSandbox, tmp_path: Path) -> None:
    ec2 = customer_ec2(sandbox.info)
    overlapping = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    with pytest.raises(pulumi.RunError) as caught:
        deploy(sandbox, tmp_path / "state.json", "up", f"vpcId={overlapping}", "ingress=[]")
    assert "overlaps the space's vpc_cidr 10.0.0.0/16" in str(caught.value)
    found = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    assert [p for p in found if p["RequesterVpcInfo"]["VpcId"] == overlapping] == []


def test_adding_a_route_table_adds_one_route(sandbox: StartedSandbox, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    first_table, second_table = sandbox.info.route_table_ids
    deploy(sandbox, state, "up", f"routeTableIds=[{first_table}]", "ingress=[]")
    more = deploy(sandbox, state, "up", f"routeTableIds=[{first_table}, {second_table}]", "ingress=[]")
    assert ops(more) == Counter(same=3, create=1)


def test_main_command_for_a_new_user() -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "up", "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    [peering] = summary["peerings"]
    assert peering["status_customer_aws"] == peering["status_heroku_aws"] == peering["status_heroku"] == "active"
    assert len(summary["security_group_rules"]) == 4
    assert "heroku: accepting" in result.stderr and "Resources: 9 create" in result.stderr
    assert elapsed < 60


def test_cli_attaches_to_a_served_sandbox_and_fails_cleanly(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    server = start_served(ready)
    try:
        base = [sys.executable, "-m", "sandbox"]
        common = ["--sandbox", str(ready), "--state-dir", str(tmp_path / "state")]
        bad = subprocess.run(
            [*base, "up", *common, "--config", "routeTo=everything"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert bad.returncode == 1
        assert "error: heroku-peering:routeTo = 'everything'" in bad.stdout
        assert "Traceback" not in bad.stdout + bad.stderr
        for command in ("up", "refresh", "destroy"):
            done = subprocess.run([*base, command, *common], cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
        assert "Resources: 9 delete" in done.stdout and "no peering in the stack" in done.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
