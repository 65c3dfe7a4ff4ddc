"""Bad inputs a new user might give, each through the real `pulumi preview` of the program on the sandbox:
one clear error, no traceback, and nothing created or accepted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.world.heroku_world import Timings
from sandbox.world.local_sandbox import LocalSandbox, SandboxOptions
from tests.support.pulumi_runs import sandbox_run, write_ready_file
from tests.support.sandboxes import StartedSandbox

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
    # Pulumi.yaml types these keys: the engine refuses a value of another type before the program runs.
    "routeTableIds not a list": (
        fixed("routeTableIds=rtb-0123"),
        "key 'routeTableIds' must be of type 'array<string>'",
    ),
    "unknown route table": (fixed("routeTableIds=[rtb-00000000000000099]"), "rtb-00000000000000099 was not found"),
    "route table of another VPC": (foreign("table"), "belongs to vpc-"),
    "bad routeTo": (fixed("routeTo=bogus"), "routeTo = 'bogus'"),
    "ingress not a list": (fixed("ingress={securityGroupId: sg-1}"), "key 'ingress' must be of type 'array<object>'"),
    "ingress items not objects": (fixed("ingress=[sg-1]"), "key 'ingress' must be of type 'array<object>'"),
    "malformed security group": (fixed(rule(securityGroupId="sg-1")), "securityGroupId = 'sg-1'"),
    "security group of another VPC": (foreign("group"), "belongs to vpc-"),
    "unknown protocol": (fixed(rule(protocol="sctp")), "protocol = 'sctp'"),
    "port out of range": (fixed(rule(fromPort=90000)), "fromPort/toPort = 90000/90000"),
    "ports reversed": (fixed(rule(fromPort=443, toPort=80)), "fromPort <= toPort"),
    "ICMP code out of range": (fixed(rule(protocol="icmp", fromPort=8, toPort=300)), "ICMP code"),
    "misspelt rule key": (fixed(rule(fromport=443)), "did you mean fromPort?"),
    "description too long": (fixed(rule(description="d" * 300)), "at most 255 characters"),
    "description with refused characters": (fixed(rule(description="dynos → db")), "AWS does not allow '→'"),
    "tags not a map": (fixed("tags=[a, b]"), "key 'tags' must be of type 'object'"),
    "tag value not text": (fixed("tags={team: [a]}"), "give a map of string keys to string values"),
    "tag with the aws: prefix": (fixed("tags={aws:owner: me}"), "reserved"),
    "tag value too long": (fixed("tags={team: " + "v" * 300 + "}"), "at most 256 characters"),
    "negative timeout": (fixed("visibilityTimeout=-1"), "visibilityTimeout = -1"),
    "timeout as words": (fixed("activationTimeout=ten minutes"), "key 'activationTimeout' must be of type 'integer'"),
    "plain http API URL": (fixed("herokuApiUrl=http://api.example.com"), "plain http"),
    "unreachable API URL": (fixed("herokuApiUrl=http://127.0.0.1:9"), "herokuApiUrl = 'http://127.0.0.1:9'"),
    "malformed pcxId": (fixed("pcxId=pcx-1"), "pcxId = 'pcx-1'"),
    "pcxId that does not exist": (fixed("pcxId=pcx-0123456789abcdef0"), "no such peering connection"),
    "misspelt top-level key": (fixed("vpcID=vpc-0123456789abcdef0"), "did you mean vpcId?"),
    "peerings not a list": (
        fixed("space=", "vpcId=", "ingress=", "peerings=demo-space"),
        "key 'peerings' must be of type 'array<object>'",
    ),
    "peering without vpcId": (fixed("space=", "vpcId=", "ingress=", "peerings=[{space: demo-space}]"), "vpcId = None"),
    "top-level ingress with peerings": (fixed("space=", "vpcId=", "peerings=[{space: demo-space}]"), "top level"),
    "wrong token": (fixed("heroku:apiKey=wrong"), "Heroku refused the token"),
    "huge value": (fixed("vpcId=" + "v" * 100_000), "(100002 characters)"),
    "value that is not YAML": (fixed("ingress=[{securityGroupId: sg-1"), "--config ingress:"),
}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StartedSandbox, Path]]:
    started = LocalSandbox(SandboxOptions(timings=Timings(visibility_delay=0.3, provisioning=0.3)))
    info = started.start()
    assert started.emulator is not None and started.world is not None
    yield StartedSandbox(info, started.emulator, started.world), write_ready_file(info, tmp_path_factory.mktemp("bad"))
    started.stop()


def test_there_are_at_least_thirty() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_one_clear_error_and_creates_nothing(sandbox: tuple[StartedSandbox, Path], name: str) -> None:
    started, ready = sandbox
    make, expected = CASES[name]
    overrides = [item for override in make(started) for item in ("-c", override)]
    ec2 = customer_ec2(started.info)
    before = {p["VpcPeeringConnectionId"] for p in ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]}
    started.emulator.clear_requests()
    # One stack for every case (each is refused before anything is made): made once, its config written anew.
    result = sandbox_run(ready, "up", "--stack", "bad", *overrides, json_output=False)
    assert result.returncode != 0
    [message] = [line for line in result.output.splitlines() if line.startswith(("error:", "    error:"))][:1]
    assert expected in result.output, result.output
    assert "Traceback" not in result.output and len(message) < 4000
    after = {p["VpcPeeringConnectionId"] for p in ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]}
    assert after == before, "nothing may be created"
    assert not [e for e in started.emulator.requests() if e.route in ("accept", "accept_cli", "destroy")]
