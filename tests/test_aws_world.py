"""The sandbox's AWS (moto with ``sandbox/world/aws_rules.py``) where AWS's documented behaviour is not moto's:
peering filters, route states, peering options, security-group dependencies. Each asserts what AWS's
documentation says (cited in aws_rules.py), through a plain boto3 client, as any tool would see it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.world.aws_accounts import HEROKU_ACCOUNT_ID, ec2_client

pytestmark = pytest.mark.sandbox


def _peering(ec2: Any, vpc: str, cidr: str, tag: str) -> tuple[str, str]:
    peer = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(
        VpcId=vpc,
        PeerVpcId=peer,
        TagSpecifications=[{"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "team", "Value": tag}]}],
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    return peer, pcx


def _ids(ec2: Any, *filters: tuple[str, list[str]]) -> set[str]:
    found = ec2.describe_vpc_peering_connections(Filters=[{"Name": n, "Values": v} for n, v in filters])
    return {pcx["VpcPeeringConnectionId"] for pcx in found["VpcPeeringConnections"]}


def test_peering_filters_are_applied_as_ec2_applies_them(sandbox_info: Any) -> None:
    ec2 = customer_ec2(sandbox_info)
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    peer_a, a = _peering(ec2, vpc, "10.31.0.0/16", "blue")
    _, b = _peering(ec2, vpc, "10.32.0.0/16", "green")
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=b)
    assert _ids(ec2, ("requester-vpc-info.vpc-id", [vpc])) == {a, b}
    assert _ids(ec2, ("requester-vpc-info.vpc-id", [vpc]), ("status-code", ["active"])) == {b}
    assert _ids(ec2, ("accepter-vpc-info.vpc-id", [peer_a, "vpc-0123456789abcdef0"])) == {a}  # values: alternatives
    assert _ids(ec2, ("requester-vpc-info.vpc-id", [vpc]), ("tag:team", ["gr*"])) == {b}  # wildcards
    assert _ids(ec2, ("accepter-vpc-info.cidr-block", ["10.31.0.0/16"]), ("tag-key", ["team"])) == {a}
    assert _ids(ec2, ("requester-vpc-info.vpc-id", ["vpc-0123456789abcdef0"])) == set()
    with pytest.raises(ClientError) as refused:
        _ids(ec2, ("vpc-id", [vpc]))
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "The filter 'vpc-id' is invalid" in refused.value.response["Error"]["Message"]


def _route_state(ec2: Any, table: str, destination: str) -> str:
    routes = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    return str(next(r["State"] for r in routes if r.get("DestinationCidrBlock") == destination))


def test_a_route_is_blackhole_while_its_peering_is_not_active(sandbox_info: Any) -> None:
    ec2 = customer_ec2(sandbox_info)
    vpc = ec2.create_vpc(CidrBlock="10.33.0.0/16")["Vpc"]["VpcId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    _, pcx = _peering(ec2, vpc, "10.34.0.0/16", "x")
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="10.34.0.0/16", VpcPeeringConnectionId=pcx)
    assert _route_state(ec2, table, "10.34.0.0/16") == "blackhole"  # pending-acceptance: no effect yet
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert _route_state(ec2, table, "10.34.0.0/16") == "active"
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert _route_state(ec2, table, "10.34.0.0/16") == "blackhole"  # the route outlives its peering
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    assert _route_state(ec2, table, "0.0.0.0/0") == "active"
    ec2.detach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    assert _route_state(ec2, table, "0.0.0.0/0") == "blackhole"


def test_peering_options_change_only_on_an_active_peering_and_on_ones_own_side(sandbox_info: Any) -> None:
    ec2 = customer_ec2(sandbox_info)
    vpc = ec2.create_vpc(CidrBlock="10.35.0.0/16")["Vpc"]["VpcId"]
    peer = ec2_client(sandbox_info.aws_endpoint_url, sandbox_info.region, HEROKU_ACCOUNT_ID).create_vpc(
        CidrBlock="10.36.0.0/16"
    )["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer, PeerOwnerId=HEROKU_ACCOUNT_ID)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    dns = {"AllowDnsResolutionFromRemoteVpc": True}
    with pytest.raises(ClientError) as pending:
        ec2.modify_vpc_peering_connection_options(VpcPeeringConnectionId=pcx, RequesterPeeringConnectionOptions=dns)
    assert pending.value.response["Error"]["Code"] == "OperationNotPermitted"
    assert f"Peering {pcx} is not active" in pending.value.response["Error"]["Message"]
    heroku = ec2_client(sandbox_info.aws_endpoint_url, sandbox_info.region, HEROKU_ACCOUNT_ID)
    heroku.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    ec2.modify_vpc_peering_connection_options(VpcPeeringConnectionId=pcx, RequesterPeeringConnectionOptions=dns)
    with pytest.raises(ClientError) as theirs:  # the accepter's side belongs to the other account
        ec2.modify_vpc_peering_connection_options(VpcPeeringConnectionId=pcx, AccepterPeeringConnectionOptions=dns)
    assert theirs.value.response["Error"]["Code"] == "OperationNotPermitted"
    found = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert found["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert found["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is False


def test_a_group_another_groups_rule_names_cannot_be_deleted(sandbox_info: Any) -> None:
    ec2 = customer_ec2(sandbox_info)
    vpc = ec2.create_vpc(CidrBlock="10.37.0.0/16")["Vpc"]["VpcId"]
    named = ec2.create_security_group(GroupName="named", Description="d", VpcId=vpc)["GroupId"]
    naming = ec2.create_security_group(GroupName="naming", Description="d", VpcId=vpc)["GroupId"]
    permission = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": named}]}
    ec2.authorize_security_group_ingress(GroupId=naming, IpPermissions=[permission])
    with pytest.raises(ClientError) as refused:
        ec2.delete_security_group(GroupId=named)
    assert refused.value.response["Error"]["Code"] == "DependencyViolation"
    assert refused.value.response["Error"]["Message"] == f"resource {named} has a dependent object"
    ec2.revoke_security_group_ingress(GroupId=naming, IpPermissions=[permission])
    ec2.delete_security_group(GroupId=named)
