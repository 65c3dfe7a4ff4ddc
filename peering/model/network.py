"""Plain facts about a VPC's network, as the doctor's checks take them: no boto3, no Pulumi.

Whatever reads AWS (the doctor's boto3 reads, or pre-flight's invokes) builds these, so that every
check is a pure function over values a test can write by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Subnet:
    subnet_id: str
    cidr: str


# What a route can point at (it points at one; an instance's route names its interface too, which comes
# first): the field of EC2's DescribeRouteTables ``Route`` (EC2 API Reference, Route) and of pulumi-aws's
# ``get_route_table`` route (GetRouteTableRoute) that names it; None where that API has no such field
# (EC2 names a gateway endpoint in GatewayId).
ROUTE_TARGETS: tuple[tuple[str | None, str | None], ...] = (
    ("VpcPeeringConnectionId", "vpc_peering_connection_id"),
    ("GatewayId", "gateway_id"),
    ("NatGatewayId", "nat_gateway_id"),
    ("TransitGatewayId", "transit_gateway_id"),
    ("NetworkInterfaceId", "network_interface_id"),
    ("InstanceId", "instance_id"),
    (None, "vpc_endpoint_id"),
    ("EgressOnlyInternetGatewayId", "egress_only_gateway_id"),
    ("LocalGatewayId", "local_gateway_id"),
    ("CarrierGatewayId", "carrier_gateway_id"),
    ("CoreNetworkArn", "core_network_arn"),
)
EC2_ROUTE_TARGETS = tuple(ec2 for ec2, _ in ROUTE_TARGETS if ec2)
PULUMI_AWS_ROUTE_TARGETS = tuple(pulumi_aws for _, pulumi_aws in ROUTE_TARGETS if pulumi_aws)


@dataclass(frozen=True)
class Route:
    destination: str  # an IPv4 CIDR
    target: str  # pcx-..., igw-..., local, nat-..., tgw-..., eni-...; "" when unknown
    blackhole: bool = False  # AWS's route state "blackhole": its target is gone


@dataclass(frozen=True)
class RouteTable:
    table_id: str
    routes: tuple[Route, ...]
    subnet_ids: tuple[str, ...] = ()  # explicitly associated subnets
    main: bool = False  # serves every subnet without an explicit association


@dataclass(frozen=True)
class AclEntry:
    """One network ACL rule (the default ``*`` rule, 32767, deny, is one too)."""

    rule_number: int
    egress: bool
    protocol: str  # AWS's number as text ("6", "17", "1", "-1"); tcp, udp, icmp and all are taken too
    allow: bool
    cidr: str | None  # None: an IPv6 rule, which never matches the dynos
    port_from: int | None = None  # tcp and udp; None: every port
    port_to: int | None = None
    icmp_type: int | None = None  # icmp; None or -1: every type
    icmp_code: int | None = None  # None or -1: every code


@dataclass(frozen=True)
class NetworkAcl:
    acl_id: str
    entries: tuple[AclEntry, ...]
    subnet_ids: tuple[str, ...] = ()  # associated subnets
    default: bool = False  # the VPC's default ACL: serves a subnet no association names


@dataclass(frozen=True)
class GroupRule:
    """One inbound rule of a security group, for one IPv4 source range."""

    protocol: str  # tcp, udp, icmp, -1 (all), or a protocol number
    from_port: int | None  # icmp: the type (-1: every type)
    to_port: int | None  # icmp: the code (-1: every code)
    cidr: str


@dataclass(frozen=True)
class SecurityGroup:
    group_id: str
    name: str
    ingress: tuple[GroupRule, ...]


@dataclass(frozen=True)
class PeeringConnection:
    """A VPC peering connection as the customer's account describes it.

    The doctor reads it with DescribeVpcPeeringConnections; pre-flight with pulumi-aws's
    ``get_vpc_peering_connection``, which gives no status message and no expiry (empty then).
    """

    pcx_id: str
    status: str
    message: str
    requester_vpc_id: str
    requester_owner_id: str
    requester_region: str
    accepter_vpc_id: str
    accepter_owner_id: str
    accepter_region: str
    expires: str | None = None  # ISO date-time while a request is pending
    tags: Mapping[str, str] = field(default_factory=dict)  # the customer's tags (a stack's claim among them)


@dataclass(frozen=True)
class Unreadable:
    """A read AWS refused or failed: the checks that need it are left out, and the doctor says why."""

    action: str  # ec2:DescribeSubnets ...
    reason: str  # AWS's error code, message, HTTP status and request id
    denied: bool  # UnauthorizedOperation / AccessDenied: a permission to grant


@dataclass(frozen=True)
class VpcNetwork:
    """Everything the doctor read about one VPC; None where the read failed (see ``unreadable``)."""

    vpc_id: str
    region: str
    cidrs: tuple[str, ...] | None
    subnets: tuple[Subnet, ...] | None
    route_tables: tuple[RouteTable, ...] | None
    acls: tuple[NetworkAcl, ...] | None
    groups: tuple[SecurityGroup, ...] | None
    attached_groups: tuple[str, ...] | None  # groups of the VPC's network interfaces (its resources)
    peerings: tuple[PeeringConnection, ...] | None  # those the VPC requested or accepted
    unreadable: tuple[Unreadable, ...] = ()
    secondary: Mapping[str, str] = field(default_factory=dict)  # a secondary block -> its association id


# The states of a VPC's CIDR block association in which the block is the VPC's (EC2 API Reference,
# VpcCidrBlockState: associating, associated, disassociating, disassociated, failing, failed).
ASSOCIATED = ("associated", "associating")


def vpc_blocks(
    primary: str, associations: Iterable[tuple[str | None, str | None, str | None]]
) -> tuple[tuple[str, ...], dict[str, str]]:
    """A VPC's IPv4 blocks, the primary first, and each secondary block's association id.

    ``associations`` are (block, association id, state) as AWS lists them, the primary's own among them;
    a block being or having been disassociated, or whose association failed, is left out; a missing
    state is read as associated. Both readers (pre-flight's ``get_vpc``, the doctor's DescribeVpcs) use it.
    """
    blocks = [primary]
    secondary: dict[str, str] = {}
    for block, association_id, state in associations:
        if block and block not in blocks and (state or "associated") in ASSOCIATED:
            blocks.append(block)
            secondary[block] = association_id or ""
    return tuple(blocks), secondary
