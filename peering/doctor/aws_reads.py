"""The doctor's reads of the VPC's network, with boto3: describe calls only, each once.

Credentials, region and endpoint come from boto3's own chain (``AWS_ENDPOINT_URL`` included). A read
AWS refuses becomes an ``Unreadable`` fact naming the action, so that the diagnosis goes on without
it and says what to grant; an unknown VPC is a usage error.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from ..model.ec2_describe import acl_of, aws_reason
from ..model.network import (
    EC2_ROUTE_TARGETS,
    GroupRule,
    PeeringConnection,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    Unreadable,
    VpcNetwork,
    vpc_blocks,
)
from .errors import DoctorReadError, DoctorUsageError

DENIED = ("UnauthorizedOperation", "AccessDenied", "AccessDeniedException")


class _Reader:
    def __init__(self, ec2: Any) -> None:
        self.ec2 = ec2
        self.unreadable: list[Unreadable] = []

    def items(self, action: str, key: str, **params: Any) -> list[dict[str, Any]] | None:
        """Every page of one describe call; None when AWS refused it (recorded)."""
        method = _snake(action)
        try:
            if self.ec2.can_paginate(method):
                return [item for page in self.ec2.get_paginator(method).paginate(**params) for item in page[key]]
            return list(getattr(self.ec2, method)(**params)[key])
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code.endswith(".NotFound") and action == "DescribeVpcs":
                raise
            self.unreadable.append(Unreadable(f"ec2:{action}", aws_reason(error), code in DENIED))
            return None
        except (NoCredentialsError, PartialCredentialsError) as error:
            raise DoctorUsageError(
                f"AWS credentials: {error}. Set them as for any AWS tool (AWS_PROFILE, AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, SSO or an instance role)."
            ) from None
        except BotoCoreError as error:
            raise DoctorReadError(
                f"AWS could not be reached at {self.ec2.meta.endpoint_url} ({type(error).__name__}: {error}). "
                "Check the network, the region and AWS_ENDPOINT_URL."
            ) from error


def read_network(ec2: Any, vpc_id: str) -> VpcNetwork:
    """The VPC, its subnets, route tables, network ACLs, security groups, the groups its network
    interfaces carry, and the peering connections it requested or accepted."""
    reader = _Reader(ec2)
    region = str(ec2.meta.region_name)
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    try:
        vpcs = reader.items("DescribeVpcs", "Vpcs", VpcIds=[vpc_id])
    except ClientError as error:
        raise DoctorUsageError(
            f"vpc-id {vpc_id!r}: AWS does not know this VPC in region {region} ({aws_reason(error)}). Check the id, "
            "and the region (--region, AWS_REGION or the profile's region) and account of the credentials."
        ) from None
    subnets = reader.items("DescribeSubnets", "Subnets", Filters=in_vpc)
    tables = reader.items("DescribeRouteTables", "RouteTables", Filters=in_vpc)
    acls = reader.items("DescribeNetworkAcls", "NetworkAcls", Filters=in_vpc)
    groups = reader.items("DescribeSecurityGroups", "SecurityGroups", Filters=in_vpc)
    interfaces = reader.items("DescribeNetworkInterfaces", "NetworkInterfaces", Filters=in_vpc)
    requested = reader.items(
        "DescribeVpcPeeringConnections",
        "VpcPeeringConnections",
        Filters=[{"Name": "requester-vpc-info.vpc-id", "Values": [vpc_id]}],
    )
    accepted = (
        None
        if requested is None  # refused once is enough to say
        else reader.items(
            "DescribeVpcPeeringConnections",
            "VpcPeeringConnections",
            Filters=[{"Name": "accepter-vpc-info.vpc-id", "Values": [vpc_id]}],
        )
    )
    peerings = None if requested is None or accepted is None else _unique([*requested, *accepted])
    return VpcNetwork(
        vpc_id=vpc_id,
        region=region,
        cidrs=_each(vpcs, _vpc_cidrs, flat=True),
        subnets=_in_address_order(_each(subnets, lambda s: Subnet(s["SubnetId"], s.get("CidrBlock", "")))),
        route_tables=_each(tables, _route_table),
        acls=_each(acls, acl_of),
        groups=_each(groups, _group),
        attached_groups=None
        if interfaces is None
        else tuple(sorted({g["GroupId"] for eni in interfaces for g in eni.get("Groups", [])})),
        peerings=_each(peerings, _peering),
        unreadable=tuple(reader.unreadable),
        secondary={block: aid for vpc in vpcs or [] for block, aid in _vpc_blocks(vpc)[1].items()},
    )


def _snake(action: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in action).lstrip("_")


def _each(items: list[dict[str, Any]] | None, build: Callable[[dict[str, Any]], Any], flat: bool = False) -> Any:
    if items is None:
        return None
    built = [build(item) for item in items]
    return tuple(x for part in built for x in part) if flat else tuple(built)


def _in_address_order(subnets: tuple[Subnet, ...] | None) -> tuple[Subnet, ...] | None:
    """The subnets by their ranges: DescribeSubnets promises no order, and a report reads the same on every run."""
    if subnets is None:
        return None
    return tuple(sorted(subnets, key=lambda s: (_network(s.cidr), s.subnet_id)))


def _network(cidr: str) -> tuple[int, int]:
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return (2**128, 0)
    return (int(network.network_address), network.prefixlen)


def _unique(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for item in items:
        found.setdefault(item["VpcPeeringConnectionId"], item)
    return list(found.values())


def _vpc_cidrs(vpc: dict[str, Any]) -> tuple[str, ...]:
    return _vpc_blocks(vpc)[0]


def _vpc_blocks(vpc: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, str]]:
    """DescribeVpcs' ``CidrBlock`` and ``CidrBlockAssociationSet`` (``model.network.vpc_blocks``)."""
    return vpc_blocks(
        str(vpc["CidrBlock"]),
        (
            (a.get("CidrBlock"), a.get("AssociationId"), a.get("CidrBlockState", {}).get("State"))
            for a in vpc.get("CidrBlockAssociationSet", [])
        ),
    )


def _route_table(table: dict[str, Any]) -> RouteTable:
    routes = tuple(
        Route(
            route["DestinationCidrBlock"],
            next((str(route[key]) for key in EC2_ROUTE_TARGETS if route.get(key)), ""),
            route.get("State") == "blackhole",
        )
        for route in table.get("Routes", [])
        if route.get("DestinationCidrBlock")  # prefix-list and IPv6 routes never match the dynos' IPv4 ranges
    )
    associations = [
        a
        for a in table.get("Associations", [])
        if a.get("AssociationState", {}).get("State", "associated") == "associated"
    ]
    return RouteTable(
        table["RouteTableId"],
        routes,
        tuple(a["SubnetId"] for a in associations if a.get("SubnetId")),
        any(a.get("Main") for a in associations),
    )


def _group(group: dict[str, Any]) -> SecurityGroup:
    rules = tuple(
        GroupRule(str(permission["IpProtocol"]), permission.get("FromPort"), permission.get("ToPort"), r["CidrIp"])
        for permission in group.get("IpPermissions", [])
        for r in permission.get("IpRanges", [])  # group references and prefix lists cannot name Heroku's dynos
    )
    return SecurityGroup(group["GroupId"], group.get("GroupName", ""), rules)


def _peering(pcx: dict[str, Any]) -> PeeringConnection:
    requester, accepter = pcx.get("RequesterVpcInfo", {}), pcx.get("AccepterVpcInfo", {})
    expires = pcx.get("ExpirationTime")
    if isinstance(expires, datetime):
        expires = expires.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return PeeringConnection(
        pcx_id=pcx["VpcPeeringConnectionId"],
        status=pcx.get("Status", {}).get("Code", ""),
        message=pcx.get("Status", {}).get("Message", ""),
        requester_vpc_id=requester.get("VpcId", ""),
        requester_owner_id=requester.get("OwnerId", ""),
        requester_region=requester.get("Region", ""),
        accepter_vpc_id=accepter.get("VpcId", ""),
        accepter_owner_id=accepter.get("OwnerId", ""),
        accepter_region=accepter.get("Region", ""),
        expires=str(expires) if expires else None,
        tags={str(tag["Key"]): str(tag.get("Value", "")) for tag in pcx.get("Tags") or [] if "Key" in tag},
    )
