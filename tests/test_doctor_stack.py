"""The doctor on a real stack, as a user has one: the project checked out, its stack set with `pulumi config set`
(numbers and booleans quoted, vpcId a secret), `pulumi up` run by the real CLI against a served sandbox. The doctor
reads that stack as the engine does, diagnoses the stack's own peering among the ended ones AWS still describes,
and every piece of advice, pre-flight's and the doctor's, is followed on the live stack.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from providers.heroku_api import HerokuClient
from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.scenarios.served_sandbox import start_served, stop_served
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.doctor_runs import doctor

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
STACK = "doc"
VPC_CIDR, SECONDARY = "10.50.0.0/16", "10.1.0.0/16"  # the secondary block overlaps the space's unavailable range


@pytest.fixture
def served(tmp_path: Path) -> Iterator[SandboxInfo]:
    ready = tmp_path / "ready.json"
    process = start_served(ready)
    try:
        yield SandboxInfo.load(ready)
    finally:
        stop_served(process)


class Project:
    """The project checked out with its own virtualenv, and the real `pulumi` pointed at the served sandbox."""

    def __init__(self, info: SandboxInfo, directory: Path) -> None:
        directory.mkdir()
        for name in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(ROOT / name, directory / name)
        for package in ("peering", "providers"):
            shutil.copytree(ROOT / package, directory / package, ignore=shutil.ignore_patterns("__pycache__"))
        (directory / ".venv").symlink_to(ROOT / ".venv")
        self.directory = directory
        self.info = info
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "AWS_", "HEROKU_"))}
        self.env = {**base, **info.pulumi_environment, **info.environment(), "AWS_CONFIG_FILE": os.devnull}
        self.cli = shutil.which("pulumi", path=self.env["PATH"])
        assert self.cli is not None

    def pulumi(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.cli), *args, "--non-interactive"],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert not ok or done.returncode == 0, f"pulumi {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    def set(self, key: str, value: Any, *flags: str) -> None:
        self.pulumi("config", "set", *flags, key, str(value).lower() if isinstance(value, bool) else str(value))

    def doctor(self, *args: str, without_cli: bool = False) -> dict[str, Any]:
        env = dict(self.env)
        if without_cli:
            env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not (Path(p) / "pulumi").exists())
        done = doctor(self.info, "--stack", STACK, "-C", str(self.directory), "--json", *args, env=env)
        assert "Traceback" not in done.stderr, done.stderr
        report = json.loads(done.stdout) if done.stdout.strip() else {}
        return {"code": done.returncode, "stderr": done.stderr, **report}


def fixes(report: dict[str, Any]) -> list[str]:
    return [f["fix"] for d in report["diagnoses"] for f in d["findings"] if f["fix"]]


def faults(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for d in report["diagnoses"] for f in d["findings"] if f["severity"] == "fault"]


def stack_pcx(project: Project) -> str:
    exported = json.loads(project.pulumi("stack", "export", "--stack", STACK).stdout)
    [pcx] = [
        r["id"] for r in exported["deployment"]["resources"] if r["type"].endswith("VpcPeeringConnection") and r["id"]
    ]
    return str(pcx)


def test_the_doctor_on_a_real_stack_and_its_advice_followed(served: SandboxInfo, tmp_path: Path) -> None:
    info = served
    ec2 = customer_ec2(info)
    vpc = ec2.create_vpc(CidrBlock=VPC_CIDR)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24")["Subnet"]["SubnetId"]
    own_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=own_table, SubnetId=subnet)
    [main] = [
        t["RouteTableId"]
        for t in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
        if t["RouteTableId"] != own_table
    ]
    group = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
    # the VPC's history: an earlier request, deleted (AWS keeps describing it), and a secondary block in the way
    with HerokuClient(info.heroku_api_key, info.heroku_url) as heroku:
        peer = heroku.peering_info(info.space)
    old = ec2.create_vpc_peering_connection(
        VpcId=vpc, PeerVpcId=peer.vpc_id, PeerOwnerId=peer.aws_account_id, PeerRegion=peer.aws_region
    )
    old_pcx = old["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=old_pcx)
    association = ec2.associate_vpc_cidr_block(VpcId=vpc, CidrBlock=SECONDARY)["CidrBlockAssociation"]["AssociationId"]

    project = Project(info, tmp_path / "project")
    project.pulumi("stack", "init", STACK)
    for key, value in info.endpoint_config().items():
        if key == "aws:endpoints":
            project.set("aws:endpoints[0].ec2", info.aws_endpoint_url, "--path")
        else:
            project.set(key, value, *(("--secret",) if key == "aws:secretKey" else ()))
    project.set("heroku:apiKey", info.heroku_api_key, "--secret")
    project.set("space", info.space)
    project.set("vpcId", vpc, "--secret")
    project.set("routeTableIds[0]", main, "--path")  # the main table only: the subnet's own is left out
    for key, value in (("visibilityTimeout", 60), ("activationTimeout", 120), ("protect", False)):
        project.set(key, value)  # Pulumi writes them quoted: "60", "false"
    for key, value in (("securityGroupId", group), ("protocol", "tcp"), ("fromPort", 5432), ("toPort", 5432)):
        project.set(f"ingress[0].{key}", value, "--path")
    written = (project.directory / f"Pulumi.{STACK}.yaml").read_text()
    assert 'visibilityTimeout: "60"' in written and "secure: v1:" in written

    # pre-flight and the doctor name the secondary block, to disassociate: followed, then `up` passes
    refused = project.pulumi("up", "--yes", "--stack", STACK, ok=False)
    disassociate = f"aws ec2 disassociate-vpc-cidr-block --association-id {association}"
    assert refused.returncode != 0 and disassociate in refused.stdout + refused.stderr
    report = project.doctor()
    assert any(disassociate in fix for fix in fixes(report)), report
    ec2.disassociate_vpc_cidr_block(AssociationId=association)
    project.pulumi("up", "--yes", "--stack", STACK)
    pcx = stack_pcx(project)

    # the doctor reads the stack as the engine does (quoted numbers, the secret vpcId through the CLI), takes its
    # peering from its state, names the ended one AWS still describes, and finds the subnet's table without a route
    report = project.doctor()
    [diagnosis] = report["diagnoses"]
    assert diagnosis["pcx_id"] == pcx and diagnosis["vpc_id"] == vpc
    assert any(old_pcx in f["summary"] and f["summary"].startswith("also seen") for f in diagnosis["findings"])
    [missing] = faults(report)
    create_route = (
        f"aws ec2 create-route --route-table-id {own_table} --destination-cidr-block 10.0.0.0/16 "
        f"--vpc-peering-connection-id {pcx}"
    )
    assert missing["object_id"] == own_table and missing["fix"] == create_route and report["code"] == 1
    ec2.create_route(RouteTableId=own_table, DestinationCidrBlock="10.0.0.0/16", VpcPeeringConnectionId=pcx)
    assert project.doctor()["code"] == 0, "the doctor's fix, followed"

    # the stack then takes that route in, and says why it is there without guessing
    project.set("routeTableIds[1]", own_table, "--path")
    taken = project.pulumi("up", "--yes", "--stack", STACK)
    assert f"route table {own_table} already routes 10.0.0.0/16 to this stack's peering {pcx}" in taken.stdout
    assert "by the doctor's fix" in taken.stdout and "interrupted" not in taken.stdout
    project.pulumi("refresh", "--yes", "--stack", STACK, "--expect-no-changes")

    # no Pulumi CLI at hand: the secret is named with the option to pass, never shown; given, the claim tag finds it
    blind = project.doctor(without_cli=True)
    assert blind["code"] == 2 and "vpcId is a secret in Pulumi.doc.yaml" in blind["stderr"]
    assert "pass --vpc-id" in blind["stderr"] and "v1:" not in blind["stderr"]
    given = project.doctor("--vpc-id", vpc, without_cli=True)
    assert given["code"] == 0 and given["diagnoses"][0]["pcx_id"] == pcx

    # the stack's peering deleted out of band: the doctor still diagnoses the stack's own (not the older one), and
    # no fix points at an ended peering: the fix is `pulumi up`, which is followed
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    gone = project.doctor()
    assert gone["code"] == 1 and gone["diagnoses"][0]["pcx_id"] == pcx
    assert all("--vpc-peering-connection-id pcx-" not in fix for fix in fixes(gone)), fixes(gone)
    assert all("pulumi up" in f["fix"] for f in faults(gone) if f["check"] in ("status", "routes")), faults(gone)
    project.pulumi("up", "--yes", "--stack", STACK)
    renewed = project.doctor()
    assert renewed["code"] == 0 and renewed["diagnoses"][0]["pcx_id"] == stack_pcx(project) != pcx
    project.pulumi("destroy", "--yes", "--stack", STACK)
