"""What already exists, on a served sandbox through the real `pulumi up`: conflicts are refused before
anything is created or accepted, and a peering made by hand (the seed article's procedure) is adopted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.scenarios.peering_requests import customer_ec2, hand_made_peering, vpc_tables
from sandbox.scenarios.served_sandbox import start_served
from sandbox.stack_commands import DEMO_STACK
from sandbox.world.aws_accounts import HEROKU_ACCOUNT_ID, ec2_client
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.pulumi_runs import CliRun, sandbox_run

pytestmark = pytest.mark.e2e

SPACE_CIDR = "10.0.0.0/16"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[SandboxInfo, Path]]:
    ready = tmp_path / "ready.json"
    server = start_served(ready, "--deleted-retention", "600")
    yield SandboxInfo.load(ready), ready
    server.terminate()
    server.wait(timeout=30)


def sandbox_cli(ready: Path, command: str, *args: str) -> CliRun:
    return sandbox_run(ready, command, *args)


def requests_log(info: SandboxInfo) -> list[dict[str, Any]]:
    import requests

    return list(requests.get(info.heroku_url + "/__sandbox/requests", timeout=5).json())


def aws_snapshot(info: SandboxInfo) -> dict[str, Any]:
    """Everything of the customer's account `up` could touch."""
    ec2 = customer_ec2(info)
    pcxs = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
    tables = ec2.describe_route_tables()["RouteTables"]
    rules = ec2.describe_security_group_rules()["SecurityGroupRules"]
    return {
        "pcxs": sorted((p["VpcPeeringConnectionId"], p["Status"]["Code"], str(p.get("Tags"))) for p in pcxs),
        "routes": sorted(
            (
                t["RouteTableId"],
                r.get("DestinationCidrBlock"),
                str(r.get("VpcPeeringConnectionId") or r.get("GatewayId")),
            )
            for t in tables
            for r in t["Routes"]
        ),
        "rules": sorted(
            (r["SecurityGroupRuleId"], r.get("CidrIpv4"), str(r.get("Description")), str(r.get("Tags"))) for r in rules
        ),
    }


def refused(info: SandboxInfo, ready: Path, *expected: str) -> None:
    before = aws_snapshot(info)
    result = sandbox_cli(ready, "up")
    assert result.returncode != 0, result.output
    [error, *_] = result.errors
    for text in expected:
        assert text in error, error
    assert "Traceback" not in result.output
    assert aws_snapshot(info) == before, "a refused up must create, change and delete nothing"
    assert not [e for e in requests_log(info) if e["route"] in ("accept", "accept_cli", "destroy")]


def test_a_route_to_another_target_is_refused(served: tuple[SandboxInfo, Path]) -> None:
    info, ready = served
    ec2 = customer_ec2(info)
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=info.customer_vpc_id)
    table = info.route_table_ids[0]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock=SPACE_CIDR, GatewayId=gateway)
    refused(
        info, ready, f"route table {table} already routes {SPACE_CIDR} to {gateway}", "delete-route", "routeTableIds"
    )


def test_a_blackhole_route_is_named_as_a_leftover(served: tuple[SandboxInfo, Path]) -> None:
    info, ready = served
    ec2 = customer_ec2(info)
    other = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
    old = ec2.create_vpc_peering_connection(VpcId=info.customer_vpc_id, PeerVpcId=other)["VpcPeeringConnection"]
    old_id = old["VpcPeeringConnectionId"]
    table = info.route_table_ids[1]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock=SPACE_CIDR, VpcPeeringConnectionId=old_id)
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=old_id)
    refused(info, ready, f"already routes {SPACE_CIDR} to {old_id}", "a blackhole", "leftover of an old peering")


def test_an_identical_rule_is_refused(served: tuple[SandboxInfo, Path]) -> None:
    info, ready = served
    group = info.security_group_ids[0]
    found = customer_ec2(info).authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.128.0/20"}]}
        ],
    )
    rule_id = found["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    refused(info, ready, f"security group {group} already allows tcp 5432-5432 from 10.0.128.0/20 ({rule_id}", "revoke")


def test_an_existing_peering_is_refused_with_the_way_to_adopt_it(served: tuple[SandboxInfo, Path]) -> None:
    info, ready = served
    pcx_id = hand_made_peering(info)
    requests = [e for e in requests_log(info) if e["route"] == "accept"]
    before = len(requests)
    result = sandbox_cli(ready, "up")
    assert result.returncode != 0
    [error, *_] = result.errors
    assert f"already peered with space {info.space} by {pcx_id} (active, made outside this stack)" in error
    assert f"pulumi config set pcxId {pcx_id}" in error
    # its routes carry its traffic: adopt rather than delete them; its rule: adopt rather than revoke it
    assert error.count("Adopt that peering rather than deleting the route") == 3 and "delete-route" not in error
    assert "adopt that peering rather than revoking the rule" in error
    assert len([e for e in requests_log(info) if e["route"] == "accept"]) == before
    routes = aws_snapshot(info)["routes"]
    followed = sandbox_cli(ready, "up", "-c", f"pcxId={pcx_id}")  # the advice, followed
    assert followed.returncode == 0, followed.output
    assert aws_snapshot(info)["routes"] == routes, "the routes are taken in as they are"
    assert len([e for e in requests_log(info) if e["route"] == "accept"]) == before


def pcx_tags(info: SandboxInfo, pcx_id: str) -> dict[str, str]:
    [pcx] = customer_ec2(info).describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])[
        "VpcPeeringConnections"
    ]
    return {tag["Key"]: tag["Value"] for tag in pcx.get("Tags") or []}


def but_tags_of(snapshot: dict[str, Any], pcx_id: str) -> dict[str, Any]:
    """The snapshot, the tags of one peering connection left out (compared on their own)."""
    return {
        **snapshot,
        "pcxs": [(found, status, "" if found == pcx_id else tags) for found, status, tags in snapshot["pcxs"]],
    }


def test_a_hand_made_peering_is_adopted_changing_nothing_but_its_claim(served: tuple[SandboxInfo, Path]) -> None:
    info, ready = served
    pcx_id = hand_made_peering(info)
    before, tags = aws_snapshot(info), pcx_tags(info, pcx_id)
    claimed = {**tags, "heroku-peering": f"heroku-peering/{DEMO_STACK}/main"}  # python -m sandbox up's stack
    import requests

    requests.delete(info.heroku_url + "/__sandbox/requests", timeout=5)
    preview = sandbox_cli(ready, "preview", "-c", f"pcxId={pcx_id}")
    assert preview.returncode == 0, preview.output
    ops = sorted({(step["op"], step["type"].rsplit(":", 1)[-1]) for step in preview.steps() if step["op"] != "same"})
    assert ops == [
        ("create", "PeeringAcceptance"),  # a record in the stack: its create adopts, nothing is sent to Heroku
        ("create", "Tag"),  # the stack's claim: no other stack adopts it from now on
        ("import", "Route"),
        ("import", "SecurityGroupIngressRule"),
        ("import", "VpcPeeringConnection"),
    ]
    assert f"{pcx_id} is adopted and becomes this stack's" in preview.output and "DELETES it" in preview.output

    first = sandbox_cli(ready, "up", "--skip-preview", "-c", f"pcxId={pcx_id}")  # its plan: the preview above
    assert first.returncode == 0, first.output
    assert "adopting it (no accept sent)" in first.stderr
    assert but_tags_of(aws_snapshot(info), pcx_id) == but_tags_of(before, pcx_id), "adopting changes nothing else"
    assert pcx_tags(info, pcx_id) == claimed, "adopting adds the stack's claim to the peering's tags"
    routes = [e["route"] for e in requests_log(info)]
    assert "accept" not in routes and "destroy" not in routes

    second = sandbox_cli(ready, "up", "-c", f"pcxId={pcx_id}")
    assert second.returncode == 0, second.output
    assert second.changed() == Counter() and second.ops()["same"] == 10
    assert but_tags_of(aws_snapshot(info), pcx_id) == but_tags_of(before, pcx_id)
    assert pcx_tags(info, pcx_id) == claimed, "the claim stays"

    destroyed = sandbox_cli(ready, "destroy")
    assert destroyed.returncode == 0, destroyed.output
    ec2 = customer_ec2(info)
    [pcx] = [
        p
        for p in ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
        if p["VpcPeeringConnectionId"] == pcx_id
    ]
    assert pcx["Status"]["Code"] == "deleted"
    tables = ec2.describe_route_tables(RouteTableIds=vpc_tables(info))["RouteTables"]
    assert not [r for t in tables for r in t["Routes"] if r.get("VpcPeeringConnectionId")]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": info.security_group_ids}])
    assert not [r for r in rules["SecurityGroupRules"] if not r["IsEgress"]]
    heroku_side = ec2_client(info.aws_endpoint_url, info.space_region, HEROKU_ACCOUNT_ID)
    assert (
        heroku_side.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])["VpcPeeringConnections"][0][
            "Status"
        ]["Code"]
        == "deleted"
    )


def test_adopting_then_adding_a_route_table_imports_nothing_twice(served: tuple[SandboxInfo, Path]) -> None:
    info, ready = served
    pcx_id = hand_made_peering(info)
    first = info.route_table_ids[0]
    second = customer_ec2(info).create_route_table(VpcId=info.customer_vpc_id)["RouteTable"]["RouteTableId"]
    adopt = ["-c", f"pcxId={pcx_id}", "-c", f"routeTableIds=[{first}]", "-c", "ingress=[]"]
    assert sandbox_cli(ready, "up", *adopt).returncode == 0
    more = ["-c", f"pcxId={pcx_id}", "-c", f"routeTableIds=[{first}, {second}]", "-c", "ingress=[]"]
    grown = sandbox_cli(ready, "up", "--skip-preview", *more)
    assert grown.returncode == 0, grown.output
    assert grown.changed() == Counter(create=1) and grown.ops()["same"] == 4  # the new table's route
    again = sandbox_cli(ready, "up", *more)
    assert again.returncode == 0, again.output
    assert again.changed() == Counter() and again.ops()["same"] == 5  # nothing imported twice
    tags = customer_ec2(info).describe_tags(Filters=[{"Name": "resource-id", "Values": [pcx_id]}])["Tags"]
    assert {t["Key"]: t["Value"] for t in tags}["heroku-peering"] == "heroku-peering/demo/main"
    assert sandbox_cli(ready, "destroy").returncode == 0


def test_pcx_id_of_another_pair_is_refused(served: tuple[SandboxInfo, Path]) -> None:
    info, ready = served
    ec2 = customer_ec2(info)
    other = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=info.customer_vpc_id, PeerVpcId=other)["VpcPeeringConnection"]
    result = sandbox_cli(ready, "up", "-c", f"pcxId={pcx['VpcPeeringConnectionId']}")
    assert result.returncode != 0
    assert any(f"it connects {info.customer_vpc_id} to {other}, not vpcId" in error for error in result.errors)
