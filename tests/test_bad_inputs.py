"""Bad inputs a new user might give, each through the real program on the sandbox: one clear error,
no traceback, and nothing created or accepted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pulumi
import pytest

from sandbox.runner.engine import RunnerError
from sandbox.world.heroku_world import Timings
from sandbox.world.local_sandbox import LocalSandbox, SandboxOptions
from sandbox.world.peering_requests import customer_ec2
from tests.conftest import StartedSandbox
from tests.test_end_to_end import deploy

pytestmark = pytest.mark.e2e

SG = "sg-0123456789abcdef0"
Case = Callable[[StartedSandbox], list[str]]


def other_vpc(cidr: str) -> Case:
    def make(sandbox: StartedSandbox) -> list[str]:
        ec2 = customer_ec2(sandbox.info)
        vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        return [f"vpcId={vpc}", "ingress=[]"]

    return make


def foreign(kind: str) -> Case:
    def make(sandbox: StartedSandbox) -> list[str]:
        ec2 = customer_ec2(sandbox.info)
        vpc = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
        if kind == "table":
            return [f"routeTableIds=[{ec2.create_route_table(VpcId=vpc)['RouteTable']['RouteTableId']}]"]
        group = ec2.create_security_group(GroupName="x", Description="x", VpcId=vpc)["GroupId"]
        return [f"ingress=[{{securityGroupId: {group}, protocol: tcp, fromPort: 22}}]"]

    return make


def fixed(*overrides: str) -> Case:
    return lambda sandbox: list(overrides)


def rule(**fields: object) -> str:
    body = ", ".join(
        f"{k}: {v}" for k, v in {"securityGroupId": SG, "protocol": "tcp", "fromPort": 443, **fields}.items()
    )
    return f"ingress=[{{{body}}}]"


CASES: dict[str, tuple[Case, str]] = {
    "empty space": (fixed("space="), "space = ''"),
    "unknown space": (fixed("space=no-such-space"), "Heroku does not know this space"),
    "space with capitals": (fixed("space=Demo-Space"), "space = 'Demo-Space'"),
    "malformed vpcId": (fixed("vpcId=my-vpc"), "vpcId = 'my-vpc'"),
    "unknown vpcId": (fixed("vpcId=vpc-00000000000000099"), "AWS could not describe it"),
    "VPC overlapping the space": (other_vpc("10.0.0.0/16"), "overlaps the space's vpc_cidr"),
    "VPC in Heroku's unavailable range": (other_vpc("10.1.0.0/16"), "unavailable_cidr_blocks"),
    "public VPC range": (other_vpc("100.64.0.0/16"), "is not IPv4 RFC 1918"),
    "routeTableIds not a list": (fixed("routeTableIds=rtb-0123"), "routeTableIds = 'rtb-0123'"),
    "unknown route table": (fixed("routeTableIds=[rtb-00000000000000099]"), "rtb-00000000000000099 was not found"),
    "route table of another VPC": (foreign("table"), "belongs to vpc-"),
    "bad routeTo": (fixed("routeTo=bogus"), "routeTo = 'bogus'"),
    "ingress not a list": (fixed("ingress={securityGroupId: sg-1}"), "give a list of rules"),
    "malformed security group": (fixed(rule(securityGroupId="sg-1")), "securityGroupId = 'sg-1'"),
    "security group of another VPC": (foreign("group"), "belongs to vpc-"),
    "unknown protocol": (fixed(rule(protocol="sctp")), "protocol = 'sctp'"),
    "port out of range": (fixed(rule(fromPort=90000)), "fromPort/toPort = 90000/90000"),
    "ports reversed": (fixed(rule(fromPort=443, toPort=80)), "fromPort <= toPort"),
    "ICMP code out of range": (fixed(rule(protocol="icmp", fromPort=8, toPort=300)), "ICMP code"),
    "misspelt rule key": (fixed(rule(fromport=443)), "did you mean fromPort?"),
    "description too long": (fixed(rule(description="d" * 300)), "at most 255 characters"),
    "description with refused characters": (fixed(rule(description="dynos → db")), "AWS does not allow '→'"),
    "tags not a map": (fixed("tags=[a, b]"), "tags = ['a', 'b']"),
    "tag with the aws: prefix": (fixed("tags={aws:owner: me}"), "reserved"),
    "tag value too long": (fixed("tags={team: " + "v" * 300 + "}"), "at most 256 characters"),
    "negative timeout": (fixed("visibilityTimeout=-1"), "visibilityTimeout = -1"),
    "timeout as words": (fixed("activationTimeout=ten minutes"), "activationTimeout = 'ten minutes'"),
    "plain http API URL": (fixed("herokuApiUrl=http://api.example.com"), "plain http"),
    "unreachable API URL": (fixed("herokuApiUrl=http://127.0.0.1:9"), "herokuApiUrl = 'http://127.0.0.1:9'"),
    "malformed pcxId": (fixed("pcxId=pcx-1"), "pcxId = 'pcx-1'"),
    "pcxId that does not exist": (fixed("pcxId=pcx-0123456789abcdef0"), "no such peering connection"),
    "misspelt top-level key": (fixed("vpcID=vpc-0123456789abcdef0"), "did you mean vpcId?"),
    "peerings not a list": (fixed("space=", "vpcId=", "ingress=", "peerings=demo-space"), "give a list of peerings"),
    "peering without vpcId": (fixed("space=", "vpcId=", "ingress=", "peerings=[{space: demo-space}]"), "vpcId = None"),
    "top-level ingress with peerings": (fixed("space=", "vpcId=", "peerings=[{space: demo-space}]"), "top level"),
    "wrong token": (fixed("heroku:apiKey=wrong"), "Heroku refused the token"),
    "huge value": (fixed("vpcId=" + "v" * 100_000), "(100002 characters)"),
    "value that is not YAML": (fixed("ingress=[{securityGroupId: sg-1"), "--config ingress:"),
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[StartedSandbox]:
    started = LocalSandbox(SandboxOptions(timings=Timings(visibility_delay=0.3, provisioning=0.3)))
    info = started.start()
    assert started.emulator is not None and started.world is not None
    yield StartedSandbox(info, started.emulator, started.world)
    started.stop()


def test_there_are_at_least_thirty() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_one_clear_error_and_creates_nothing(
    sandbox: StartedSandbox, tmp_path: Path, name: str
) -> None:
    make, expected = CASES[name]
    overrides = make(sandbox)
    ec2 = customer_ec2(sandbox.info)
    before = {p["VpcPeeringConnectionId"] for p in ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]}
    sandbox.emulator.clear_requests()
    with pytest.raises((pulumi.RunError, RunnerError)) as caught:
        deploy(sandbox, tmp_path / "state.json", "up", *overrides)
    message = str(caught.value)
    assert expected in message, message
    assert "Traceback" not in message and len(message) < 4000
    after = {p["VpcPeeringConnectionId"] for p in ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]}
    assert after == before, "nothing may be created"
    assert not [e for e in sandbox.emulator.requests() if e.route in ("accept", "accept_cli", "destroy")]
    assert not (tmp_path / "state.json").exists() or '"resources": []' in (tmp_path / "state.json").read_text()
