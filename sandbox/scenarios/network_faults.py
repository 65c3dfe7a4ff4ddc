"""Faults that stop a peering's traffic, made on a running sandbox as a user would make them by mistake.

Each maker changes the customer's account (or what Heroku reports) through the same APIs a user has,
and returns a ``Made`` fault whose ``undo`` is the fix: so that a test can show a fault named, then
gone once fixed. moto keeps network ACLs, their associations and the main route table's implicit
association, so each of these is real AWS state, not a flag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from ..world.sandbox_info import SandboxInfo
from .peering_requests import customer_ec2, request_peering

SPACE_CIDR = "10.0.0.0/16"  # the demo space's vpc_cidr, where the seed's procedure routes


@dataclass(frozen=True)
class Made:
    """A fault: the object it is on, and the fix that undoes it."""

    object_id: str
    undo: Callable[[], None]


def _route_target(ec2: Any, table: str, destination: str) -> dict[str, str]:
    [found] = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"]
    route = next(r for r in found["Routes"] if r.get("DestinationCidrBlock") == destination)
    return {"VpcPeeringConnectionId": route["VpcPeeringConnectionId"]}


def main_table(info: SandboxInfo) -> str:
    ec2 = customer_ec2(info)
    filters = [{"Name": "vpc-id", "Values": [info.customer_vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    return str(ec2.describe_route_tables(Filters=filters)["RouteTables"][0]["RouteTableId"])


def remove_route(info: SandboxInfo, table: str, destination: str = SPACE_CIDR) -> Made:
    """The route to the space forgotten in one table."""
    ec2 = customer_ec2(info)
    target = _route_target(ec2, table, destination)
    ec2.delete_route(RouteTableId=table, DestinationCidrBlock=destination)
    return Made(table, lambda: ec2.create_route(RouteTableId=table, DestinationCidrBlock=destination, **target))


def serve_by_main_table(info: SandboxInfo, subnet: str, destination: str = SPACE_CIDR) -> Made:
    """A subnet's explicit association removed, so that the main table serves it, which has no route to
    the space (the seed routes "the" route table; a new subnet falls to the main one)."""
    ec2 = customer_ec2(info)
    [association] = [
        a
        for table in ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])[
            "RouteTables"
        ]
        for a in table["Associations"]
        if a.get("SubnetId") == subnet
    ]
    main = main_table(info)
    ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
    [main_routes] = ec2.describe_route_tables(RouteTableIds=[main])["RouteTables"]
    had_route = any(r.get("DestinationCidrBlock") == destination for r in main_routes["Routes"])
    removed = remove_route(info, main, destination) if had_route else None

    def undo() -> None:
        if removed is not None:
            removed.undo()
        ec2.associate_route_table(RouteTableId=association["RouteTableId"], SubnetId=subnet)

    return Made(main, undo)


def _scratch_peering(info: SandboxInfo, cidr: str) -> tuple[str, str]:
    """A VPC of the customer's and an accepted peering with it (both in the customer's account)."""
    ec2 = customer_ec2(info)
    other = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=info.customer_vpc_id, PeerVpcId=other)["VpcPeeringConnection"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx["VpcPeeringConnectionId"])
    return other, str(pcx["VpcPeeringConnectionId"])


def _repoint(info: SandboxInfo, table: str, destination: str, pcx_id: str) -> Callable[[], None]:
    """Point a route at another peering; returns the fix that points it back."""
    ec2 = customer_ec2(info)
    target = _route_target(ec2, table, destination)
    ec2.replace_route(RouteTableId=table, DestinationCidrBlock=destination, VpcPeeringConnectionId=pcx_id)
    return lambda: ec2.replace_route(RouteTableId=table, DestinationCidrBlock=destination, **target)


def blackhole_route(info: SandboxInfo, table: str, destination: str = SPACE_CIDR) -> Made:
    """The route left pointing at an old peering that was deleted since."""
    _, old = _scratch_peering(info, "192.168.0.0/16")
    undo = _repoint(info, table, destination, old)
    customer_ec2(info).delete_vpc_peering_connection(VpcPeeringConnectionId=old)
    return Made(table, undo)


def route_to_another_vpc(info: SandboxInfo, table: str, destination: str = SPACE_CIDR) -> Made:
    """The route pointing at a live peering with another VPC, not the space's."""
    _, other = _scratch_peering(info, "192.168.0.0/16")
    undo = _repoint(info, table, destination, other)

    def fix() -> None:
        undo()
        customer_ec2(info).delete_vpc_peering_connection(VpcPeeringConnectionId=other)

    return Made(table, fix)


def steal_range(info: SandboxInfo, table: str, cidr: str) -> Made:
    """A more specific route (say, a dyno range) to an internet gateway, beside the route to the space."""
    ec2 = customer_ec2(info)
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=info.customer_vpc_id)
    ec2.create_route(RouteTableId=table, DestinationCidrBlock=cidr, GatewayId=gateway)

    def undo() -> None:
        ec2.delete_route(RouteTableId=table, DestinationCidrBlock=cidr)
        ec2.detach_internet_gateway(InternetGatewayId=gateway, VpcId=info.customer_vpc_id)
        ec2.delete_internet_gateway(InternetGatewayId=gateway)

    return Made(table, undo)


def _tcp(port: int, cidr: str) -> list[dict[str, Any]]:
    return [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}]}]


def narrow_group(info: SandboxInfo, group: str, cidr: str, port: int = 5432) -> Made:
    """One dyno range's rule revoked from the group."""
    ec2 = customer_ec2(info)
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=_tcp(port, cidr))
    return Made(group, lambda: ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=_tcp(port, cidr)))


def open_group(info: SandboxInfo, group: str, port: int = 5432) -> Made:
    """The port opened to 0.0.0.0/0, "to make it work"."""
    ec2 = customer_ec2(info)
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=_tcp(port, "0.0.0.0/0"))
    return Made(group, lambda: ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=_tcp(port, "0.0.0.0/0")))


def add_resource(info: SandboxInfo, subnet: str, group: str) -> str:
    """A network interface in the subnet with the group: what an instance or a database puts in a VPC."""
    eni = customer_ec2(info).create_network_interface(SubnetId=subnet, Groups=[group])
    return str(eni["NetworkInterface"]["NetworkInterfaceId"])


ALLOW_ALL = ({"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"},)


def _custom_acl(info: SandboxInfo, subnet: str, inbound: list[dict[str, Any]], outbound: list[dict[str, Any]]) -> Made:
    """A network ACL with these entries, associated with the subnet in place of the one it had."""
    ec2 = customer_ec2(info)
    acl = ec2.create_network_acl(VpcId=info.customer_vpc_id)["NetworkAcl"]["NetworkAclId"]
    for egress, entries in ((False, inbound), (True, outbound)):
        for entry in entries:
            ec2.create_network_acl_entry(NetworkAclId=acl, Egress=egress, **entry)
    [previous] = [
        (a["NetworkAclAssociationId"], a["NetworkAclId"])
        for found in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])[
            "NetworkAcls"
        ]
        for a in found["Associations"]
        if a["SubnetId"] == subnet
    ]
    association = ec2.replace_network_acl_association(AssociationId=previous[0], NetworkAclId=acl)["NewAssociationId"]

    def undo() -> None:
        ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=previous[1])
        ec2.delete_network_acl(NetworkAclId=acl)

    return Made(acl, undo)


def deny_in_acl(info: SandboxInfo, subnet: str, cidr: str, port: int = 5432) -> Made:
    """A deny for one dyno range numbered below the ACL's allow-all: the lower number wins."""
    deny = {
        "RuleNumber": 90,
        "Protocol": "6",
        "RuleAction": "deny",
        "CidrBlock": cidr,
        "PortRange": {"From": port, "To": port},
    }
    return _custom_acl(info, subnet, [deny, *ALLOW_ALL], list(ALLOW_ALL))


def block_replies_in_acl(info: SandboxInfo, subnet: str) -> Made:
    """Outbound open only to the ephemeral ports Windows uses (49152-65535): Linux dynos' replies are lost."""
    windows = {
        "RuleNumber": 100,
        "Protocol": "6",
        "RuleAction": "allow",
        "CidrBlock": "0.0.0.0/0",
        "PortRange": {"From": 49152, "To": 65535},
    }
    return _custom_acl(info, subnet, list(ALLOW_ALL), [windows])


def heroku_reports(info: SandboxInfo, pcx_id: str, status: str) -> Made:
    """Heroku reporting a status of its own for the peering (the sandbox's forced status)."""

    def force(value: str | None) -> None:
        answer = requests.put(
            f"{info.heroku_url}/__sandbox/peerings/{pcx_id}/status", json={"status": value}, timeout=10
        )
        answer.raise_for_status()

    force(status)
    return Made(pcx_id, lambda: force(None))


def second_request(info: SandboxInfo) -> Made:
    """Another request from the same VPC to the space's beside the active peering. AWS allows one peering
    between two VPCs at a time and does not document how it says so; of the world's two variants this is
    the one where the request is made and marked failed (the other refuses it outright)."""
    import requests  # noqa: PLC0415

    def duplicate(variant: str) -> None:
        answer = requests.patch(f"{info.heroku_url}/__sandbox/behaviour", json={"aws_duplicate": variant}, timeout=10)
        answer.raise_for_status()

    duplicate("fail")
    try:
        pcx = request_peering(info, vpc_id=info.customer_vpc_id)
    finally:
        duplicate("refuse")
    return Made(pcx, lambda: customer_ec2(info).delete_vpc_peering_connection(VpcPeeringConnectionId=pcx))


def bare_vpc(info: SandboxInfo, cidr: str) -> tuple[str, str, str]:
    """Another customer VPC with one subnet and its own route table: (vpc, subnet, table)."""
    ec2 = customer_ec2(info)
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    return str(vpc), str(subnet), str(table)
