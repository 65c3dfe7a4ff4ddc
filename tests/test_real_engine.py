"""The real engine with the sandbox's pulumi-aws: in-place updates and replacements as terraform-provider-aws
decides them, one stack per sandbox, stack files as written, the CLI's own previews."""

from __future__ import annotations

import json
import socket
from collections import Counter
from pathlib import Path

import pytest
import yaml

from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.scenarios.served_sandbox import start_served, stop_served
from sandbox.world.heroku_world import Timings
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.pulumi_runs import ROOT, CliRun, sandbox_run, stack_export, state_resources, write_ready_file
from tests.support.sandboxes import SandboxFactory, StartedSandbox

pytestmark = pytest.mark.e2e

PCX = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTANCE = "pulumi-python:dynamic/heroku:PeeringAcceptance"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
FAST = Timings(visibility_delay=0.3, provisioning=0.3, expiry=3600, deleted_retention=1.0)


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> StartedSandbox:
    return make_sandbox(timings=FAST)


@pytest.fixture
def ready(sandbox: StartedSandbox, tmp_path: Path) -> Path:
    return write_ready_file(sandbox.info, tmp_path)


def ingress(info: SandboxInfo, description: str) -> str:
    rule = {"securityGroupId": info.security_group_ids[0], "protocol": "tcp", "fromPort": 5432}
    return "ingress=" + json.dumps([{**rule, "description": description}])


STACK = "engine"  # no Pulumi.engine.yaml: the sandbox's demo peering


def run(ready: Path, command: str, *overrides: str, skip_preview: bool = False) -> CliRun:
    args = [item for override in overrides for item in ("-c", override)]
    return sandbox_run(ready, command, "--stack", STACK, *(["--skip-preview"] if skip_preview else []), *args)


def made(ready: Path, *overrides: str) -> None:
    """The stack a test starts from: `up --skip-preview` (a first up's preview is proven in test_end_to_end and the
    docs' pages); the runs under test keep their previews, or follow a preview the test checked."""
    done = run(ready, "up", *overrides, skip_preview=True)
    assert done.returncode == 0, done.output


def ids(ready: Path) -> dict[str, str]:
    return {r["urn"]: r["id"] for r in state_resources(stack_export(ready, STACK)) if r.get("id")}


def by_type(result: CliRun) -> Counter[tuple[str, str]]:
    return Counter((str(s["type"]), str(s["op"])) for s in result.steps() if s["op"] != "same")


def test_tags_and_descriptions_change_in_place(sandbox: StartedSandbox, ready: Path) -> None:
    made(ready, ingress(sandbox.info, "first words"))
    before = ids(ready)
    changed = (ingress(sandbox.info, "second words"), "tags={team: data}")
    preview = run(ready, "preview", *changed)
    assert preview.returncode == 0, preview.output
    assert by_type(preview) == Counter({(PCX, "update"): 1, (RULE, "update"): 4})
    [rule_step, *_] = [s for s in preview.steps() if s["type"] == RULE]
    assert {"description", "tags"} <= set(rule_step["diffs"]) and rule_step["replaces"] == []

    updated = run(ready, "up", *changed, skip_preview=True)  # its plan is the preview just checked
    assert updated.returncode == 0, updated.output
    assert updated.changed() == Counter(update=5)
    assert ids(ready) == before  # nothing was replaced
    rules = customer_ec2(sandbox.info).describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": sandbox.info.security_group_ids}]
    )["SecurityGroupRules"]
    described = [r for r in rules if not r["IsEgress"]]
    assert len(described) == 4 and {r["Description"] for r in described} == {"second words"}
    assert all({"Key": "team", "Value": "data"} in r["Tags"] for r in described)
    again = run(ready, "up", *changed)
    assert again.changed() == Counter() and again.ops()["same"] == 9


def test_a_new_vpc_replaces_the_peering(sandbox: StartedSandbox, ready: Path) -> None:
    made(ready, "ingress=")
    ec2 = customer_ec2(sandbox.info)
    other = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
    ec2.create_route_table(VpcId=other)
    preview = run(ready, "preview", "ingress=", f"vpcId={other}")
    assert preview.returncode == 0, preview.output
    [pcx] = [s for s in preview.steps() if s["type"] == PCX]
    assert pcx["op"] == "replace" and pcx["replaces"] == ["vpcId"]
    up = run(ready, "up", "ingress=", f"vpcId={other}", skip_preview=True)  # its plan: the preview above
    assert up.returncode == 0, up.output
    replaced = Counter(str(s["type"]) for s in up.steps() if s["op"] == "replace")
    assert replaced == Counter({PCX: 1, ACCEPTANCE: 1})
    ours = (sandbox.info.customer_vpc_id, other)  # moto's backend is shared by the sandboxes of this process
    found = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    alive = [p for p in found if p["Status"]["Code"] == "active" and p["RequesterVpcInfo"]["VpcId"] in ours]
    assert [p["RequesterVpcInfo"]["VpcId"] for p in alive] == [other]  # the old one deleted after the new one
    assert run(ready, "destroy").returncode == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_restarted_sandbox_on_the_same_ports_starts_with_an_empty_stack(tmp_path: Path) -> None:
    ports = ["--heroku-port", str(free_port()), "--aws-port", str(free_port())]
    ready = tmp_path / "ready.json"
    server = start_served(ready, *ports)
    try:
        first = sandbox_run(ready, "up", "--skip-preview")
        assert first.returncode == 0 and first.changed() == Counter(create=9), first.output
    finally:
        stop_served(server)
    server = start_served(ready, *ports)
    try:
        again = sandbox_run(ready, "up", "--skip-preview")
    finally:
        stop_served(server)
    assert again.returncode == 0, again.output
    assert again.changed() == Counter(create=9)  # a new sandbox id: its own backend, an empty stack
    assert len(list((tmp_path / "state").glob("*/backend"))) == 2


def test_a_stack_file_with_only_peerings_runs_as_written(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
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
        project = yaml.safe_load((program / "Pulumi.yaml").read_text())
        project["runtime"]["options"]["virtualenv"] = str(ROOT / ".venv")
        (program / "Pulumi.yaml").write_text(yaml.safe_dump(project))
        peerings = [{"name": f"vpc-{i}", "space": info.space, "vpcId": vpc} for i, vpc in enumerate(vpcs)]
        stack = {"config": {"heroku-peering:peerings": peerings, "heroku-peering:tags": {"environment": "four"}}}
        (program / "Pulumi.four.yaml").write_text(yaml.safe_dump(stack))
        up = sandbox_run(ready, "up", "--program", str(program), "--stack", "four", summary=True)
        assert up.returncode == 0, up.output
        summary = up.report["summary"]
        assert len(summary["peerings"]) == 4 and {p["status_heroku"] for p in summary["peerings"]} == {"active"}
        routed = {table for table, routes in summary["routes"].items() if routes}
        assert len(routed) == 8  # every table of each VPC: its main one and the one made above
        assert routed.isdisjoint(info.route_table_ids)  # the demo VPC is not forced into the stack
        assert summary["security_group_rules"] == []  # the stack asks for none: the demo's ingress is not forced
        assert not (program / "Pulumi.four.yaml").read_text().count("encryptionsalt"), "the stack file stays as written"
        gone = sandbox_run(ready, "destroy", "--program", str(program), "--stack", "four")
        assert gone.returncode == 0 and gone.report["summary"] is None, gone.output  # --no-summary: none read
    finally:
        stop_served(server)


def test_preview_shows_each_changed_property(sandbox: StartedSandbox, ready: Path) -> None:
    made(ready, ingress(sandbox.info, "one"))
    preview = run(ready, "preview", ingress(sandbox.info, "two"))
    assert {s["op"] for s in preview.steps() if s["op"] != "same"} == {"update"}
    assert all(s["diffs"] == ["description"] for s in preview.steps() if s["op"] == "update")
    shown = sandbox_run(ready, "preview", "--stack", STACK, "-c", ingress(sandbox.info, "two"), json_output=False)
    assert '~ description: "one" => "two"' in shown.stdout, shown.stdout  # `pulumi preview --diff`


def test_unparsable_config_values_are_one_clear_line(tmp_path: Path) -> None:
    result = sandbox_run(tmp_path / "none.json", "preview", "-c", "ingress=[{securityGroupId: sg-1", json_output=False)
    assert result.returncode == 1
    assert result.stdout.strip().splitlines()[-1].startswith("error: --config ingress:")
    assert "Traceback" not in result.output
