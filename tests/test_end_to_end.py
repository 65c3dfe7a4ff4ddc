"""The whole program on the sandbox through the real Pulumi CLI: preview, up, refresh, destroy."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from providers.heroku_api import HerokuClient
from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.scenarios.served_sandbox import start_served
from sandbox.world.heroku_world import Timings
from tests.support.pulumi_runs import ROOT, CliRun, sandbox_run, stack_export, state_resources, write_ready_file
from tests.support.sandboxes import SandboxFactory, StartedSandbox

pytestmark = pytest.mark.e2e

TIMINGS = Timings(visibility_delay=0.5, provisioning=0.5, expiry=3600, deleted_retention=1.0)
SPACE_CIDRS = ["10.0.0.0/20", "10.0.128.0/20", "10.0.144.0/20", "10.0.16.0/20"]  # sorted as text


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


@pytest.fixture
def ready(sandbox: StartedSandbox, tmp_path: Path) -> Path:
    return write_ready_file(sandbox.info, tmp_path)


def run(ready: Path, command: str, *overrides: str, **options: Any) -> CliRun:
    args = [item for override in overrides for item in ("-c", override)]
    return sandbox_run(ready, command, "--stack", "e2e", *args, **options)  # no Pulumi.e2e.yaml: the demo peering


def test_up_twice_refresh_recreate_destroy(sandbox: StartedSandbox, ready: Path) -> None:
    first = run(ready, "up")
    assert first.returncode == 0, first.output
    assert first.changed() == Counter(create=9)  # pcx, acceptance, 3 routes, 4 rules

    [(pcx_id, status)] = customer_pcxs(sandbox).items()
    assert status == "active"
    with HerokuClient(sandbox.info.heroku_api_key, sandbox.info.heroku_url) as heroku:
        assert heroku.get_peering(sandbox.info.space, pcx_id).status == "active"
    routes = peering_routes(sandbox)
    assert len(routes) == 3 and all(found == {("10.0.0.0/16", pcx_id)} for found in routes.values())
    assert sorted(r["CidrIpv4"] for r in heroku_rules(sandbox)) == SPACE_CIDRS
    assert all((r["IpProtocol"], r["FromPort"], r["ToPort"]) == ("tcp", 5432, 5432) for r in heroku_rules(sandbox))
    exported = stack_export(ready, "e2e")
    assert sandbox.info.heroku_api_key not in json.dumps(exported)
    assert len(state_resources(exported)) == 10  # the component too
    # the usual CI drift check, right after the stack converged: nothing proposed, for any of its resources
    checked = sandbox_run(ready, "refresh", "--stack", "e2e", "--skip-preview", "--", "--expect-no-changes")
    assert checked.returncode == 0, checked.output

    sandbox.emulator.clear_requests()
    second = run(ready, "up")
    assert second.returncode == 0, second.output
    assert second.changed() == Counter() and second.ops()["same"] == 9
    # Heroku is read by the refresh (the acceptance) and the pre-flight, once in the preview and once in the update
    assert [e.route for e in sandbox.emulator.requests()] == ["get", "peering_info", "space", "list"] * 2

    with HerokuClient(sandbox.info.heroku_api_key, sandbox.info.heroku_url) as heroku:
        heroku.destroy_peering(sandbox.info.space, pcx_id)  # out of band, on Heroku's side
    refreshed = run(ready, "refresh")
    assert refreshed.returncode == 0, refreshed.output
    gone = {r["type"] for r in state_resources(stack_export(ready, "e2e"))}
    assert "aws:ec2/vpcPeeringConnection:VpcPeeringConnection" not in gone  # deleted in AWS
    assert "pulumi-python:dynamic/heroku:PeeringAcceptance" not in gone  # no longer listed by Heroku (404s)
    assert f"heroku: {pcx_id} is no longer listed in space {sandbox.info.space}" in refreshed.output
    third = run(ready, "up")
    assert third.returncode == 0, third.output
    assert third.changed() == Counter(create=2, update=3)  # a new pcx and acceptance; the routes repointed
    [new_pcx] = [p for p, s in customer_pcxs(sandbox).items() if s == "active"]
    assert new_pcx != pcx_id
    assert all(found == {("10.0.0.0/16", new_pcx)} for found in peering_routes(sandbox).values())

    destroyed = run(ready, "destroy")
    assert destroyed.returncode == 0, destroyed.output
    assert destroyed.changed() == Counter(delete=9)
    assert all(s == "deleted" for s in customer_pcxs(sandbox).values())
    assert all(found == set() for found in peering_routes(sandbox).values())
    assert heroku_rules(sandbox) == []
    assert state_resources(stack_export(ready, "e2e")) == []
    again = run(ready, "destroy")
    assert again.returncode == 0, again.output
    assert again.changed() == Counter()


def test_preview_creates_nothing(sandbox: StartedSandbox, ready: Path) -> None:
    sandbox.emulator.clear_requests()
    preview = run(ready, "preview")
    assert preview.returncode == 0, preview.output
    assert preview.changed() == Counter(create=9)
    assert customer_pcxs(sandbox) == {}
    assert {e.route for e in sandbox.emulator.requests()} == {"peering_info", "space", "list"}


def test_preflight_failure_creates_nothing(sandbox: StartedSandbox, ready: Path) -> None:
    ec2 = customer_ec2(sandbox.info)
    overlapping = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    failed = run(ready, "up", f"vpcId={overlapping}", "ingress=[]")
    assert failed.returncode != 0
    assert any("overlaps the space's vpc_cidr 10.0.0.0/16" in error for error in failed.errors), failed.output
    assert "Traceback" not in failed.output
    found = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    assert [p for p in found if p["RequesterVpcInfo"]["VpcId"] == overlapping] == []


def test_adding_a_route_table_adds_one_route(sandbox: StartedSandbox, ready: Path) -> None:
    first_table, second_table = sandbox.info.route_table_ids
    assert run(ready, "up", f"routeTableIds=[{first_table}]", "ingress=[]").returncode == 0
    more = run(ready, "up", f"routeTableIds=[{first_table}, {second_table}]", "ingress=[]")
    assert more.returncode == 0, more.output
    assert more.changed() == Counter(create=1) and more.ops()["same"] == 3


def test_main_command_for_a_new_user() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "up"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The CLI's own output: its preview, then the update with the provider's progress, then its summary.
    for seen in ("Previewing update (demo)", "Updating (demo)", "info: heroku: accepting", "+ 11 created"):
        assert seen in result.stdout, result.stdout
    assert "Duration:" in result.stdout
    summary = result.stdout.split("Summary (read back from both clouds)", 1)[1]
    assert summary.count("active") == 3 and "security-group rules from Heroku: 4" in summary
    assert "Traceback" not in result.stdout + result.stderr


def test_cli_attaches_to_a_served_sandbox_and_fails_cleanly(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    server = start_served(ready)
    try:
        bad = sandbox_run(ready, "up", "-c", "routeTo=everything", json_output=False)
        assert bad.returncode != 0
        assert "error: heroku-peering:routeTo = 'everything'" in bad.stdout, bad.output
        assert "Traceback" not in bad.output
        for command in ("up", "refresh", "destroy"):
            done = sandbox_run(ready, command, json_output=False, summary=True)
            assert done.returncode == 0, done.output
        assert "- 11 deleted" in done.stdout and "no peering in the stack" in done.stdout  # the summary, read back
    finally:
        server.terminate()
        server.wait(timeout=30)
