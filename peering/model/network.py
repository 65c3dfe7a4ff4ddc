"""Plain facts about a VPC's network, as the doctor's checks take them: no boto3, no Pulumi.

Whatever reads AWS (the doctor's boto3 reads, or pre-flight's invokes) builds these, so that every
check is a pure function over values a test can write by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Subnet:
    subnet_id: str
    cidr: str


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

    Pre-flight's ``PcxFacts`` has neither both owners, the status message nor the expiry, which the
    doctor reports.
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
