"""The program under Pulumi mocks: config, pre-flight checks and the registered graph.

AWS is the small explicit model in ``fake_aws``; Heroku is the emulator over real HTTP.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime.rpc import UNKNOWN

from tests.support.connections import counted_connects
from tests.support.fake_aws import ACCEPTANCE, COMPONENT, PCX, ROUTE, RULE, FakeVpc
from tests.support.program_mocks import PROJECT
from tests.support.program_runs import (
    OTHER_SG,
    OTHER_VPC,
    RTB_A,
    RTB_B,
    RTB_C,
    SG,
    VPC,
    aws_world,
    base_config,
    fails,
    heroku,
    run,
)
from tests.support.sandboxes import StartedSandbox, closed_port

pytestmark = pytest.mark.program
__all__ = ["heroku"]  # the sandbox fixture of tests.support.program_runs, one per module

ROOT = Path(__file__).resolve().parents[1]
DEMO_ITEM = {"name": "demo", "space": "demo-space", "vpcId": VPC}
DYNO_CIDRS = ["10.0.128.0/20", "10.0.144.0/20", "10.0.0.0/20", "10.0.16.0/20"]


def test_single_peering_graph(heroku: StartedSandbox) -> None:
    monitor = run(base_config(heroku))
    [component] = monitor.by_type(COMPONENT)
    [pcx] = monitor.by_type(PCX)
    [accept] = monitor.by_type(ACCEPTANCE)
    routes = monitor.by_type(ROUTE)
    rules = monitor.by_type(RULE)
    assert component.name == "main"  # the single form's fixed name, however the space is written
    assert pcx.inputs["vpcId"] == VPC
    assert pcx.inputs["peerOwnerId"] == heroku.info.heroku_account_id
    assert pcx.inputs["peerVpcId"].startswith("vpc-") and pcx.inputs["peerVpcId"] != VPC
    assert pcx.inputs["autoAccept"] is False and "peerRegion" not in pcx.inputs
    assert pcx.inputs["tags"]["heroku-space"] == "demo-space"
    assert accept.inputs["space"] == "demo-space" and accept.inputs["pcx_id"].startswith("pcx-")
    assert accept.inputs["api_url"] == heroku.info.heroku_url and accept.inputs["peer_vpc_id"] == VPC
    assert accept.inputs["peer_account_id"] == "123456789012"  # the VPC's owner: checked against Heroku's view
    assert "__provider" in accept.inputs
    assert pcx.urn in accept.dependencies
    assert {(r.inputs["routeTableId"], r.inputs["destinationCidrBlock"]) for r in routes} == {
        (RTB_A, "10.0.0.0/16"),
        (RTB_B, "10.0.0.0/16"),
        (RTB_C, "10.0.0.0/16"),
    }
    assert all(r.inputs["vpcPeeringConnectionId"] == accept.inputs["pcx_id"] for r in routes)
    assert sorted(r.inputs["cidrIpv4"] for r in rules) == sorted(DYNO_CIDRS)
    assert all((r.inputs["ipProtocol"], r.inputs["fromPort"], r.inputs["toPort"]) == ("tcp", 5432, 5432) for r in rules)
    for child in (*routes, *rules):
        assert accept.urn in child.dependencies, f"{child.name} must wait for the acceptance"
    assert all(r.parent == component.urn for r in (pcx, accept, *routes, *rules))
    assert monitor.exports["pcx_ids"] == {"main": accept.inputs["pcx_id"]}
    assert monitor.exports["heroku_status"] == {"main": "active"}
    assert monitor.exports["routed_cidrs"] == {"main": ["10.0.0.0/16"]}
    assert len(monitor.exports["route_ids"]["main"]) == 3
    assert len(monitor.exports["rule_ids"]["main"]) == 4


def test_route_to_space_and_chosen_tables(heroku: StartedSandbox) -> None:
    monitor = run(base_config(heroku, routeTo="space", routeTableIds=[RTB_B], ingress=None))
    routes = monitor.by_type(ROUTE)
    assert {r.inputs["routeTableId"] for r in routes} == {RTB_B}
    assert sorted(r.inputs["destinationCidrBlock"] for r in routes) == sorted(DYNO_CIDRS)
    assert monitor.by_type(RULE) == []


def test_several_peerings(heroku: StartedSandbox) -> None:
    peerings = [
        {"name": "demo", "space": "demo-space", "vpcId": VPC, "routeTableIds": [RTB_A]},
        {
            "name": "second",
            "space": "second-space",
            "vpcId": VPC,
            "routeTableIds": [RTB_A],  # one VPC, two spaces
            "ingress": [{"securityGroupId": SG, "protocol": "all"}],
        },
        {"name": "other-vpc", "space": "demo-space", "vpcId": OTHER_VPC},  # two VPCs, one space
    ]
    config = base_config(heroku, space=None, vpcId=None, ingress=None, peerings=peerings, tags={"team": "data"})
    monitor = run(config)
    names = sorted(c.name for c in monitor.by_type(COMPONENT))
    assert names == sorted(["demo", "second", "other-vpc"])
    pcxs = monitor.by_type(PCX)
    assert len(pcxs) == 3 and all(p.inputs["tags"]["team"] == "data" for p in pcxs)
    accepts = {a.inputs["space"] for a in monitor.by_type(ACCEPTANCE)}
    assert accepts == {"demo-space", "second-space"}
    routes = {(r.inputs["routeTableId"], r.inputs["destinationCidrBlock"]) for r in monitor.by_type(ROUTE)}
    assert routes == {(RTB_A, "10.0.0.0/16"), (RTB_A, "10.20.0.0/16"), ("rtb-0000000000000000d", "10.0.0.0/16")}
    [rule] = monitor.by_type(RULE)
    assert (rule.inputs["ipProtocol"], rule.inputs["cidrIpv4"]) == ("-1", "10.20.0.0/20")
    assert "fromPort" not in rule.inputs
    for accept in monitor.by_type(ACCEPTANCE):
        pcx = next(p for p in pcxs if p.urn in accept.dependencies)
        assert pcx.parent == accept.parent


def test_each_fact_is_read_once_and_each_peering_planned_once(
    heroku: StartedSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """checked_together plans every peering; each component builds from that plan, with no pre-flight of its own."""
    from peering.program import preflight

    planned: Counter[str] = Counter()
    plan_peering = preflight.plan_peering

    def counting(peering: Any, *args: Any, **kwargs: Any) -> Any:
        planned[peering.name] += 1
        return plan_peering(peering, *args, **kwargs)

    monkeypatch.setattr(preflight, "plan_peering", counting)
    rules = [{"securityGroupId": SG, "protocol": "all"}]
    peerings = [
        {"name": space, "space": space, "vpcId": VPC, "routeTableIds": [RTB_A], "ingress": rules}
        for space in ("demo-space", "second-space")
    ]
    aws = aws_world()
    heroku.emulator.clear_requests()
    run(base_config(heroku, space=None, vpcId=None, ingress=None, peerings=peerings), aws)
    assert Counter(e.route for e in heroku.emulator.requests()) == Counter(peering_info=2, space=2, list=2)
    invokes = Counter(aws.calls)
    for token in ("aws:ec2/getVpc:getVpc", "aws:ec2/getRouteTable:getRouteTable", "aws:index/getRegion:getRegion"):
        assert invokes[token] == 1, token
    assert invokes["aws:ec2/getSecurityGroup:getSecurityGroup"] == 1
    assert planned == Counter({"demo-space": 1, "second-space": 1})


def test_icmp_type_and_code(heroku: StartedSandbox) -> None:
    ingress = [
        {"securityGroupId": SG, "protocol": "icmp"},  # all types, all codes
        {"securityGroupId": SG, "protocol": "icmp", "fromPort": 3, "toPort": 4},  # type 3 code 4
        {"securityGroupId": SG, "protocol": "icmp", "fromPort": 8},  # type 8, every code
    ]
    monitor = run(base_config(heroku, ingress=ingress))
    seen = {(r.inputs["fromPort"], r.inputs["toPort"]) for r in monitor.by_type(RULE)}
    assert seen == {(-1, -1), (3, 4), (8, -1)}
    assert len(monitor.by_type(RULE)) == 3 * len(DYNO_CIDRS)  # distinct names for distinct rules


def test_inter_region_sets_peer_region(heroku: StartedSandbox) -> None:
    monitor = run(base_config(heroku), aws=aws_world(region="eu-west-1"))
    [pcx] = monitor.by_type(PCX)
    assert pcx.inputs["peerRegion"] == "us-east-1"


def test_preview_with_unknown_values(heroku: StartedSandbox) -> None:
    monitor = run(base_config(heroku), aws=aws_world(outputs=False), preview=True)
    [accept] = monitor.by_type(ACCEPTANCE)
    assert accept.inputs["pcx_id"] == UNKNOWN or isinstance(accept.inputs["pcx_id"], pulumi.output.Unknown)
    assert len(monitor.by_type(ROUTE)) == 3 and len(monitor.by_type(RULE)) == 4


def test_adding_a_route_table_changes_exactly_one_resource(heroku: StartedSandbox) -> None:
    before = run(base_config(heroku, routeTableIds=[RTB_A]))
    after = run(base_config(heroku, routeTableIds=[RTB_A, RTB_B]))
    old = {r.urn: r.inputs for r in before.registrations}
    new = {r.urn: r.inputs for r in after.registrations}
    added = set(new) - set(old)
    assert len(added) == 1 and "route" in next(iter(added))
    assert set(old) - set(new) == set()
    changed = [urn for urn in old if old[urn] != new[urn]]
    assert changed == []


PREFLIGHT_CASES: dict[str, tuple[dict[str, Any], list[FakeVpc] | None, list[str]]] = {
    "vpc overlaps vpc_cidr": (
        {},
        [FakeVpc(VPC, ["10.0.0.0/16"], [RTB_A], [SG])],
        ["vpcId = 'vpc-0a1b2c3d4e5f60001'", "10.0.0.0/16 overlaps the space's vpc_cidr 10.0.0.0/16"],
    ),
    "secondary cidr in unavailable range": (
        {},
        [FakeVpc(VPC, ["172.16.0.0/16", "10.1.4.0/24"], [RTB_A], [SG])],
        ["10.1.4.0/24 overlaps the space's unavailable_cidr_blocks 10.1.0.0/16"],
    ),
    "not RFC 1918": ({}, [FakeVpc(VPC, ["100.64.0.0/16"], [RTB_A], [SG])], ["100.64.0.0/16 is not IPv4 RFC 1918"]),
    "route table of another VPC": (
        {"routeTableIds": ["rtb-0000000000000000d"]},
        None,
        ["routeTableIds: route table rtb-0000000000000000d belongs to vpc-0a1b2c3d4e5f60002"],
    ),
    "unknown route table": (
        {"routeTableIds": ["rtb-00000000000000099"]},
        None,
        ["rtb-00000000000000099 was not found"],
    ),
    "security group of another VPC": (
        {"ingress": [{"securityGroupId": OTHER_SG, "protocol": "tcp", "fromPort": 443}]},
        None,
        ["ingress: security group sg-0000000000000000b belongs to vpc-0a1b2c3d4e5f60002"],
    ),
    "unknown VPC": ({"vpcId": "vpc-00000000000000099"}, None, ["AWS could not describe it"]),
    "unknown space": ({"space": "no-such-space"}, None, ["space = 'no-such-space'", "Couldn't find that space"]),
    "fir space": ({"space": "fir-space"}, None, ["fir-generation space", "Cedar"]),
    "bad token": ({"heroku:apiKey": "wrong"}, None, ["heroku:apiKey", "401 unauthorized", "Request-Id"]),
    "bad vpc id": ({"vpcId": "my-vpc"}, None, ["heroku-peering:vpcId = 'my-vpc'"]),
    "bad routeTo": ({"routeTo": "everything"}, None, ["routeTo = 'everything'", "`vpc`"]),
    "bad ports": (
        {"ingress": [{"securityGroupId": SG, "protocol": "tcp", "fromPort": 90000}]},
        None,
        ["ingress[0].fromPort/toPort = 90000/90000"],
    ),
    "icmp code out of range": (
        {"ingress": [{"securityGroupId": SG, "protocol": "icmp", "fromPort": 8, "toPort": 256}]},
        None,
        ["ingress[0].fromPort/toPort = 8/256", "ICMP type", "ICMP code"],
    ),
    "icmp all types with one code": (
        {"ingress": [{"securityGroupId": SG, "protocol": "icmp", "fromPort": -1, "toPort": 0}]},
        None,
        ["ingress[0].fromPort/toPort = -1/0", "all types (-1) need all codes (-1)"],
    ),
    "description too long": (
        {"ingress": [{"securityGroupId": SG, "protocol": "tcp", "fromPort": 443, "description": "d" * 256}]},
        None,
        ["ingress[0].description", "at most 255 characters"],
    ),
    "description with characters AWS refuses": (
        {"ingress": [{"securityGroupId": SG, "protocol": "tcp", "fromPort": 443, "description": "dynos → db"}]},
        None,
        ["ingress[0].description", "AWS does not allow '→'"],
    ),
    "reserved tag prefix": ({"tags": {"aws:team": "x"}}, None, ["tags.'aws:team'", "reserved"]),
    "tag key too long": ({"tags": {"k" * 129: "x"}}, None, ["must have 1 to 128 characters"]),
    "tag value too long": ({"tags": {"team": "v" * 257}}, None, ["tags.'team'", "at most 256 characters (257 given)"]),
    "too many tags": (
        {"tags": {f"k{i}": "v" for i in range(48)}},
        None,
        ["48 tags, with the 3 this project adds", "that is 51; AWS allows 50"],
    ),
    "huge value is cut": ({"vpcId": "v" * 100_000}, None, ["vpcId = 'vvvv", "(100002 characters)"]),
    "unknown top-level key": (
        {"vpcID": "vpc-0a1b2c3d4e5f60001"},
        None,
        ["heroku-peering:vpcID", "did you mean vpcId?"],
    ),
    "bad pcxId": ({"pcxId": "pcx-123"}, None, ["pcxId = 'pcx-123'", "hand-made peering connection"]),
    "unreachable herokuApiUrl": (
        {"herokuApiUrl": "http://127.0.0.1:9"},
        None,
        ["herokuApiUrl = 'http://127.0.0.1:9'", "could not be reached", "connection refused"],
    ),
    "bad protocol": (
        {"ingress": [{"securityGroupId": SG, "protocol": "sctp"}]},
        None,
        ["ingress[0].protocol = 'sctp'", "tcp, udp, icmp or all"],
    ),
    "unknown ingress key": (
        {"ingress": [{"securityGroupId": SG, "port": 80, "fromPort": 80}]},
        None,
        ["ingress[0].port is not a key of a rule (did you mean"],
    ),
    "http api url": ({"herokuApiUrl": "http://api.example.com"}, None, ["herokuApiUrl", "plain http"]),
    "negative timeout": ({"visibilityTimeout": -5}, None, ["visibilityTimeout = -5"]),
}


@pytest.mark.parametrize("case", sorted(PREFLIGHT_CASES))
def test_preflight_failures_register_nothing(heroku: StartedSandbox, case: str) -> None:
    overrides, vpcs, expected = PREFLIGHT_CASES[case]
    aws = aws_world(vpcs=vpcs) if vpcs else aws_world()
    message, _ = fails(base_config(heroku, **overrides), aws)
    for text in expected:
        assert text in message, message


@pytest.mark.parametrize("key", ["ingress", "routeTo", "routeTableIds", "pcxId"])
def test_per_peering_keys_are_refused_at_the_top_level_with_peerings(heroku: StartedSandbox, key: str) -> None:
    values = {"ingress": [], "routeTo": "bogus", "routeTableIds": [RTB_A], "pcxId": "pcx-0123456789abcdef0"}
    config = base_config(heroku, space=None, vpcId=None, ingress=None, peerings=[DEMO_ITEM])
    config[f"{PROJECT}:{key}"] = values[key] or [{"securityGroupId": SG}]
    message, _ = fails(config)
    assert f"heroku-peering:{key} is set at the top level together with heroku-peering:peerings" in message
    assert "only makes sense per peering" in message


def test_unknown_item_key_suggests_the_nearest(heroku: StartedSandbox) -> None:
    peerings = [{"name": "demo", "space": "demo-space", "vpcid": VPC}]
    message, _ = fails(base_config(heroku, space=None, vpcId=None, ingress=None, peerings=peerings))
    assert "heroku-peering:peerings[0].vpcid is not a key of a peering (did you mean vpcId?)" in message


def test_nothing_listening_at_the_api_url_fails_at_once(
    heroku: StartedSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    connects = counted_connects(monkeypatch)
    message, _ = fails(base_config(heroku, herokuApiUrl=url))
    assert f"herokuApiUrl = {url!r}: the Heroku API could not be reached" in message
    assert "connection refused (nothing listens at the API URL" in message
    refused = [address for address in connects if f"http://127.0.0.1:{address[1]}" == url]
    assert len(refused) == 1, connects  # no retry, so no backoff to wait through


def test_missing_token_names_every_source(heroku: StartedSandbox) -> None:
    message, _ = fails(base_config(heroku, **{"heroku:apiKey": None}))
    assert "heroku:apiKey" in message and "HEROKU_API_KEY" in message and ".netrc" in message


def test_conflicts_between_peerings(heroku: StartedSandbox) -> None:
    twice = [{"space": "demo-space", "vpcId": VPC, "name": "a"}, {"space": "demo-space", "vpcId": VPC, "name": "b"}]
    message, _ = fails(base_config(heroku, space=None, vpcId=None, ingress=None, peerings=twice))
    assert "one peering connection between two VPCs" in message
    both = base_config(heroku, space=None, peerings=[DEMO_ITEM])
    message, _ = fails(both)
    assert "heroku-peering:vpcId is set at the top level together with heroku-peering:peerings" in message


def test_several_problems_are_reported_together(heroku: StartedSandbox) -> None:
    message, _ = fails(base_config(heroku, vpcId="nope", routeTo="x"))
    assert message.startswith("2 problems in the stack config; nothing was created")


def test_program_reads_exactly_the_declared_keys(heroku: StartedSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    declared = {f"{PROJECT}:{key}" for key in project["config"]} | {"heroku:apiKey"}  # the token: another namespace
    from pulumi.runtime.config import get_config as real_get

    read: set[str] = set()

    def recording(key: str) -> Any:
        read.add(key)
        return real_get(key)

    monkeypatch.setattr("pulumi.config.get_config", recording)
    monkeypatch.setattr("peering.program.lookups.get_config", recording)
    run(base_config(heroku, routeTableIds=[RTB_A], tags={"a": "b"}, visibilityTimeout=60, activationTimeout=60))
    run(base_config(heroku, space=None, vpcId=None, ingress=None, peerings=[DEMO_ITEM]))
    assert {key for key in read if key.startswith((f"{PROJECT}:", "heroku:"))} == declared
    from peering.model.stack_config import PROGRAM_KEYS

    assert declared == PROGRAM_KEYS
