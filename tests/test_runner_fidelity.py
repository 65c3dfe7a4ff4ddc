"""The runner behaves as `pulumi up` with pulumi-aws would: in-place updates, replacements, pending
operations after a kill, one state per sandbox, stack files as written."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sandbox.runner.engine import Deployment
from sandbox.runner.plan_display import Change
from sandbox.world.heroku_world import Timings
from sandbox.world.local_sandbox import SandboxInfo
from sandbox.world.peering_requests import customer_ec2
from sandbox.world.served_sandbox import start_served
from tests.conftest import SandboxFactory, StartedSandbox
from tests.test_end_to_end import deploy, ops

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
PCX = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
FAST = Timings(visibility_delay=0.3, provisioning=0.3, expiry=3600, deleted_retention=1.0)


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> StartedSandbox:
    return make_sandbox(timings=FAST)


def ingress(info: SandboxInfo, description: str) -> str:
    rule = {"securityGroupId": info.security_group_ids[0], "protocol": "tcp", "fromPort": 5432}
    return "ingress=" + json.dumps([{**rule, "description": description}])


def ids(state: Path) -> dict[str, str]:
    return {r["urn"]: r["id"] for r in json.loads(state.read_text())["resources"]}


def changes(deployment: Deployment) -> list[Change]:
    return [step.change for step in deployment.steps if step.change is not None and step.op != "same"]


def test_tags_and_descriptions_change_in_place(sandbox: StartedSandbox, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    deploy(sandbox, state, "up", ingress(sandbox.info, "first words"))
    before = ids(state)
    changed = (ingress(sandbox.info, "second words"), "tags={team: data}")
    preview = deploy(sandbox, state, "preview", *changed)
    by_type = Counter((c.type, c.op) for c in changes(preview))
    assert by_type == Counter({(PCX, "update"): 1, (RULE, "update"): 4})
    rule_change = next(c for c in changes(preview) if c.type == RULE)
    shown = {p.name: (p.old, p.new, p.replaces) for p in rule_change.properties}
    assert shown["description"] == ("first words", "second words", False)
    assert shown["tags"][1]["team"] == "data"

    updated = deploy(sandbox, state, "up", *changed)
    assert ops(updated) == Counter(update=5, same=4)
    assert ids(state) == before  # nothing was replaced
    rules = customer_ec2(sandbox.info).describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": sandbox.info.security_group_ids}]
    )["SecurityGroupRules"]
    described = [r for r in rules if not r["IsEgress"]]
    assert len(described) == 4 and {r["Description"] for r in described} == {"second words"}
    assert all({"Key": "team", "Value": "data"} in r["Tags"] for r in described)
    assert ops(deploy(sandbox, state, "up", *changed)) == Counter(same=9)


def test_a_new_vpc_replaces_the_peering(sandbox: StartedSandbox, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    deploy(sandbox, state, "up", "ingress=[]")
    ec2 = customer_ec2(sandbox.info)
    other = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
    ec2.create_route_table(VpcId=other)
    preview = deploy(sandbox, state, "preview", "ingress=[]", f"vpcId={other}")
    [pcx] = [c for c in changes(preview) if c.type == PCX]
    assert pcx.op == "replace" and pcx.replace_reasons == ["vpcId"]
    up = deploy(sandbox, state, "up", "ingress=[]", f"vpcId={other}")
    assert ops(up)["replace"] == 2  # the pcx and its acceptance
    ours = (sandbox.info.customer_vpc_id, other)  # moto's backend is shared by the sandboxes of this process
    found = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    alive = [p for p in found if p["Status"]["Code"] == "active" and p["RequesterVpcInfo"]["VpcId"] in ours]
    assert [p["RequesterVpcInfo"]["VpcId"] for p in alive] == [other]
    deploy(sandbox, state, "destroy")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sandbox_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def stop(server: subprocess.Popen[str]) -> None:
    server.terminate()
    server.wait(timeout=30)


def test_a_restarted_sandbox_on_the_same_ports_starts_with_an_empty_stack(tmp_path: Path) -> None:
    ports = ["--heroku-port", str(free_port()), "--aws-port", str(free_port())]
    ready, state = tmp_path / "ready.json", tmp_path / "state"
    common = ["--sandbox", str(ready), "--state-dir", str(state), "--skip-preview"]
    server = start_served(ready, *ports)
    try:
        first = sandbox_cli("up", *common)
        assert first.returncode == 0 and "Resources: 9 created" in first.stdout, first.stdout + first.stderr
    finally:
        stop(server)
    server = start_served(ready, *ports)
    try:
        again = sandbox_cli("up", *common)
    finally:
        stop(server)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "belong to other sandboxes and are not used" in again.stdout
    assert "Resources: 9 created" in again.stdout


KILL_AFTER_PCX = textwrap.dedent(
    """
    import dataclasses, os, sys
    from sandbox.runner import aws_resources
    real = aws_resources.AWS_TYPES["aws:ec2/vpcPeeringConnection:VpcPeeringConnection"]

    def create_then_die(ec2, inputs):
        real.create(ec2, inputs)  # AWS has the pcx; the runner is killed before it records it
        os._exit(137)

    aws_resources.AWS_TYPES[real.token] = dataclasses.replace(real, create=create_then_die)
    from sandbox.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def killed_after_the_pcx(common: list[str]) -> None:
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_PCX, "up", "--skip-preview", *common],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert killed.returncode == 137, killed.stdout + killed.stderr


def alive_pcxs(info: dict[str, Any]) -> list[str]:
    found = customer_ec2(SandboxInfo(**info)).describe_vpc_peering_connections()["VpcPeeringConnections"]
    gone = ("deleted", "failed", "rejected", "expired")
    return [p["VpcPeeringConnectionId"] for p in found if p["Status"]["Code"] not in gone]


@pytest.fixture
def killed(tmp_path: Path) -> Iterator[tuple[dict[str, Any], list[str], Path]]:
    """A served sandbox whose `up` was killed right after AWS made the pcx: its info, CLI args, state dir."""
    ready, state = tmp_path / "ready.json", tmp_path / "state"
    common = ["--sandbox", str(ready), "--state-dir", str(state)]
    server = start_served(ready)
    try:
        killed_after_the_pcx(common)
        yield json.loads(ready.read_text()), common, state
    finally:
        stop(server)


def test_killed_between_the_aws_create_and_the_state_write(killed: tuple[dict[str, Any], list[str], Path]) -> None:
    info, common, state = killed
    [orphan] = alive_pcxs(info)
    [saved] = list(state.glob("*.json"))
    pending = json.loads(saved.read_text())["pending_operations"]
    assert [(p["kind"], p["type"]) for p in pending] == [("creating", PCX)]

    again = sandbox_cli("up", "--skip-preview", *common)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Attempting to deploy or update resources with 1 pending operations" in again.stdout
    assert "demo-space-pcx, interrupted while creating" in again.stdout
    assert len(alive_pcxs(info)) == 2  # as the engine: it warns, then creates again

    refreshed = sandbox_cli("refresh", *common)
    assert refreshed.returncode == 0 and f"{orphan}, made by the interrupted run, is an orphan" in refreshed.stdout
    assert json.loads(saved.read_text())["pending_operations"] == []
    cleaned = sandbox_cli("up", "--skip-preview", *common)
    assert cleaned.returncode == 0 and "Resources: 1 deleted, 9 unchanged" in cleaned.stdout, cleaned.stdout
    assert orphan not in alive_pcxs(info)
    destroyed = sandbox_cli("destroy", *common)
    assert destroyed.returncode == 0
    assert alive_pcxs(info) == []


def test_refresh_records_what_an_interrupted_create_made(killed: tuple[dict[str, Any], list[str], Path]) -> None:
    info, common, _ = killed
    [made] = alive_pcxs(info)
    refreshed = sandbox_cli("refresh", *common)
    assert f"{made}, made by the interrupted run, recorded in the stack" in refreshed.stdout
    up = sandbox_cli("up", "--skip-preview", *common)
    assert up.returncode == 0 and alive_pcxs(info) == [made], up.stdout + up.stderr  # no second pcx
    assert sandbox_cli("destroy", *common).returncode == 0
    assert alive_pcxs(info) == []


def test_a_stack_file_with_only_peerings_runs_as_written(tmp_path: Path) -> None:
    ready, state = tmp_path / "ready.json", tmp_path / "state"
    server = start_served(ready)
    try:
        info = SandboxInfo.load(ready)
        ec2 = customer_ec2(info)
        vpcs = []
        for index in range(4):
            vpc = ec2.create_vpc(CidrBlock=f"192.168.{index}.0/24")["Vpc"]["VpcId"]
            ec2.create_route_table(VpcId=vpc)
            vpcs.append(vpc)
        program = tmp_path / "program"
        program.mkdir()
        for name in ("Pulumi.yaml", "__main__.py"):
            (program / name).write_text((ROOT / name).read_text())
        peerings = [{"name": f"vpc-{i}", "space": info.space, "vpcId": vpc} for i, vpc in enumerate(vpcs)]
        stack = {"config": {"heroku-peering:peerings": peerings, "heroku-peering:tags": {"environment": "four"}}}
        (program / "Pulumi.four.yaml").write_text(yaml.safe_dump(stack))
        common = ["--sandbox", str(ready), "--state-dir", str(state), "--program", str(program), "--stack", "four"]
        up = sandbox_cli("up", "--json", *common)
        assert up.returncode == 0, up.stderr
        summary = json.loads(up.stdout)
        assert len(summary["peerings"]) == 4 and {p["status_heroku"] for p in summary["peerings"]} == {"active"}
        routed = {table for table, routes in summary["routes"].items() if routes}
        assert len(routed) == 8  # every table of each VPC: its main one and the one made above
        assert routed.isdisjoint(info.route_table_ids)  # the demo VPC is not forced into the stack
        assert summary["security_group_rules"] == []  # the stack asks for none: the demo's ingress is not forced
        assert sandbox_cli("destroy", *common).returncode == 0
    finally:
        stop(server)


def test_preview_json_carries_each_changed_property(sandbox: StartedSandbox, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    deploy(sandbox, state, "up", ingress(sandbox.info, "one"))
    preview = deploy(sandbox, state, "preview", ingress(sandbox.info, "two"))
    documents = [c.to_json() for c in changes(preview)]
    assert {d["op"] for d in documents} == {"update"}
    assert all(
        d["properties"] == [{"name": "description", "old": "one", "new": "two", "replaces": False}] for d in documents
    )


def test_unparsable_config_values_are_one_clear_line(tmp_path: Path) -> None:
    result = sandbox_cli("preview", "-c", "ingress=[{securityGroupId: sg-1", "--state-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.strip().splitlines()[-1].startswith("error: --config ingress:")
    assert "Traceback" not in result.stdout + result.stderr
