"""The pulumi-aws functions (data sources) the project's programs call, answered from EC2 as
terraform-provider-aws's data sources answer them (wire camelCase keys).

A data source that must find one object and finds none fails with the provider's text
(``tfresource.SingularDataSourceFindError``: "no matching <what> found"; several: "multiple <what>s
matched; use additional constraints to reduce matches to a single <what>"). An argument the plugin
does not serve is refused by name, never guessed. Every one takes and answers ``region`` (v6's
per-resource Region: the lookup runs in that region; ``getRegion``'s is the region it describes; the
session the server passes is already the one for the asked region).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from ..errors import SandboxError
from .aws_errors import ProviderRefusal, reported
from .ec2_session import Ec2Session
from .wire import Properties

Lookup = Callable[[Ec2Session, Properties], Properties]


class InvokeFailed(SandboxError):
    """The data source found nothing (or too much): the provider's own message."""


def _one(found: list[dict[str, Any]], what: str) -> dict[str, Any]:
    if not found:
        raise InvokeFailed(f"no matching {what} found")
    if len(found) > 1:
        raise InvokeFailed(f"multiple {what}s matched; use additional constraints to reduce matches to a single {what}")
    return found[0]


def _only(token: str, args: Properties, served: set[str]) -> None:
    extra = sorted(key for key, value in args.items() if key not in served and value not in (None, [], {}))
    if extra:
        raise ProviderRefusal(f"{token}: the sandbox's pulumi-aws does not serve the arguments {extra}")


def _echoed(args: Properties) -> Properties:
    """An SDKv2 data source's result holds its arguments too (the whole schema's state)."""
    return {key: value for key, value in args.items() if value is not None and key != "region"}


def _filters(args: Properties) -> list[dict[str, Any]]:
    return [{"Name": item["name"], "Values": list(item["values"])} for item in args.get("filters") or []]


def _tags(described: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in described or []}


def _described(call: Callable[..., Any], key: str, **kwargs: Any) -> list[dict[str, Any]]:
    """An id EC2 does not know reads as "none found", as the data sources' finders treat it."""
    try:
        return list(call(**kwargs)[key])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code", "").endswith(".NotFound"):
            return []
        raise


REGION_DESCRIPTIONS = {  # the SDK's endpoints data (names.RegionDescription) for the regions a sandbox uses
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "Europe (Ireland)",
    "eu-central-1": "Europe (Frankfurt)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
}


def get_region(session: Ec2Session, args: Properties) -> Properties:
    """aws_region: the provider's region, from its configuration (no call); the endpoint is AWS's own EC2
    host for it (the SDK's default resolver), whatever endpoint the provider is configured with."""
    _only("aws:index/getRegion:getRegion", args, {"region", "name"})
    return {
        "id": session.region,
        "name": session.region,
        "region": session.region,
        "endpoint": f"ec2.{session.region}.amazonaws.com",
        "description": REGION_DESCRIPTIONS.get(session.region, ""),
    }


# aws_vpc (vpc_data_source.go): DescribeVpcs (a failure is "reading EC2 VPC: ..."), a DescribeVpcAttribute for each
# of these (a failure fails the lookup: "reading EC2 VPC (...) Attribute (...)"), then the main route table (a failure
# only logs a warning, main_route_table_id stays null).
VPC_ATTRIBUTES = ("enableDnsHostnames", "enableDnsSupport", "enableNetworkAddressUsageMetrics")


def get_vpc(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:ec2/getVpc:getVpc", args, {"id", "region"})
    ec2 = session.client
    with reported("reading EC2 VPC"):
        vpc = _one(_described(ec2.describe_vpcs, "Vpcs", VpcIds=[args["id"]]), "EC2 VPC")
    attributes = {}
    for name in VPC_ATTRIBUTES:
        with reported(f"reading EC2 VPC ({vpc['VpcId']}) Attribute ({name})"):
            found = ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=name)
        attributes[name] = bool(found[name[:1].upper() + name[1:]]["Value"])
    try:
        main = ec2.describe_route_tables(
            Filters=[{"Name": "association.main", "Values": ["true"]}, {"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
        )["RouteTables"]
    except ClientError:
        main = []
    owner = str(vpc.get("OwnerId", ""))
    ipv6 = vpc.get("Ipv6CidrBlockAssociationSet") or [{}]
    return {
        "id": vpc["VpcId"],
        "arn": f"arn:{session.partition}:ec2:{session.region}:{owner}:vpc/{vpc['VpcId']}",
        "cidrBlock": vpc["CidrBlock"],
        "cidrBlockAssociations": [
            {"associationId": a["AssociationId"], "cidrBlock": a["CidrBlock"], "state": a["CidrBlockState"]["State"]}
            for a in vpc.get("CidrBlockAssociationSet", [])
        ],
        "default": bool(vpc.get("IsDefault")),
        "dhcpOptionsId": vpc.get("DhcpOptionsId", ""),
        "instanceTenancy": vpc.get("InstanceTenancy"),
        "ipv6AssociationId": ipv6[0].get("AssociationId", ""),
        "ipv6CidrBlock": ipv6[0].get("Ipv6CidrBlock", ""),
        "ownerId": owner,
        "tags": session.visible(_tags(vpc.get("Tags"))),
        **attributes,
        "mainRouteTableId": str(main[0]["RouteTableId"]) if len(main) == 1 else "",
        "region": session.region,
    }


def get_route_tables(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:ec2/getRouteTables:getRouteTables", args, {"vpcId", "filters", "region"})
    filters = _filters(args)
    if args.get("vpcId"):
        filters.append({"Name": "vpc-id", "Values": [args["vpcId"]]})
    with reported("reading EC2 Route Tables"):
        tables = session.client.describe_route_tables(Filters=filters)["RouteTables"]
    return {**_echoed(args), "id": session.region, "ids": [t["RouteTableId"] for t in tables], "region": session.region}


# The routes block of aws_route_table (vpc_route_table_data_source.go): the local route is left out.
ROUTE_FIELDS = {
    "DestinationCidrBlock": "cidrBlock",
    "DestinationIpv6CidrBlock": "ipv6CidrBlock",
    "DestinationPrefixListId": "destinationPrefixListId",
    "GatewayId": "gatewayId",
    "NatGatewayId": "natGatewayId",
    "TransitGatewayId": "transitGatewayId",
    "NetworkInterfaceId": "networkInterfaceId",
    "VpcPeeringConnectionId": "vpcPeeringConnectionId",
    "InstanceId": "instanceId",
    "EgressOnlyInternetGatewayId": "egressOnlyGatewayId",
    "CarrierGatewayId": "carrierGatewayId",
    "LocalGatewayId": "localGatewayId",
    "CoreNetworkArn": "coreNetworkArn",
    "VpcEndpointId": "vpcEndpointId",
}


def _listed_route(route: dict[str, Any]) -> bool:
    """``dataSourceRoutesRead`` leaves out local and VPC Lattice routes, routes propagated from a virtual
    private gateway and VPC endpoint prefix-list routes."""
    gateway = str(route.get("GatewayId", ""))
    if gateway in ("local", "VpcLattice") or route.get("Origin") == "EnableVgwRoutePropagation":
        return False
    return not (route.get("DestinationPrefixListId") and gateway.startswith("vpce-"))


def get_route_table(session: Ec2Session, args: Properties) -> Properties:
    """aws_route_table (vpc_route_table_data_source.go): DescribeRouteTables filtered by ``route-table-id``;
    none is "query returned no results", several "multiple Route Tables matched"."""
    _only("aws:ec2/getRouteTable:getRouteTable", args, {"routeTableId", "region"})
    filters = [{"Name": "route-table-id", "Values": [str(args.get("routeTableId") or "")]}]
    with reported("reading EC2 VPC Route Table"):
        found = session.client.describe_route_tables(Filters=filters)["RouteTables"]
    if not found:
        raise InvokeFailed("query returned no results. Please change your search criteria and try again")
    if len(found) > 1:
        raise InvokeFailed(
            "multiple Route Tables matched; use additional constraints to reduce matches to a single Route Table"
        )
    table = found[0]
    owner = str(table.get("OwnerId", ""))
    return {
        "id": table["RouteTableId"],
        "arn": f"arn:{session.partition}:ec2:{session.region}:{owner}:route-table/{table['RouteTableId']}",
        "routeTableId": table["RouteTableId"],
        "vpcId": table["VpcId"],
        "ownerId": owner,
        "region": session.region,
        "routes": [
            {wire: route.get(field, "") for field, wire in ROUTE_FIELDS.items()}
            for route in table["Routes"]
            if _listed_route(route)
        ],
        "associations": [
            {
                "routeTableAssociationId": a.get("RouteTableAssociationId", ""),
                "routeTableId": a.get("RouteTableId", ""),
                "subnetId": a.get("SubnetId", ""),
                "gatewayId": a.get("GatewayId", ""),
                "main": bool(a.get("Main")),
            }
            for a in table.get("Associations", [])
        ],
        "tags": {k: v for k, v in session.visible(_tags(table.get("Tags"))).items() if k != "AmazonFSx"},
    }


def get_security_group(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:ec2/getSecurityGroup:getSecurityGroup", args, {"id", "region"})
    with reported("reading EC2 Security Group"):
        group = _one(
            _described(session.client.describe_security_groups, "SecurityGroups", GroupIds=[args["id"]]),
            "EC2 Security Group",
        )
    owner = str(group.get("OwnerId", ""))
    return {
        "id": group["GroupId"],
        "arn": f"arn:{session.partition}:ec2:{session.region}:{owner}:security-group/{group['GroupId']}",
        "vpcId": group.get("VpcId"),
        "name": group["GroupName"],
        "description": group.get("Description"),
        "tags": _tags(group.get("Tags")),
        "region": session.region,
    }


def get_security_group_rules(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:vpc/getSecurityGroupRules:getSecurityGroupRules", args, {"filters", "region"})
    with reported("reading Security Group Rules"):
        found = session.client.describe_security_group_rules(Filters=_filters(args))["SecurityGroupRules"]
    ids = [rule["SecurityGroupRuleId"] for rule in found]
    return {**_echoed(args), "id": session.region, "ids": ids, "region": session.region}


def get_security_group_rule(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:vpc/getSecurityGroupRule:getSecurityGroupRule", args, {"securityGroupRuleId", "region"})
    with reported("reading Security Group Rules"):
        found = _described(
            session.client.describe_security_group_rules,
            "SecurityGroupRules",
            SecurityGroupRuleIds=[args["securityGroupRuleId"]],
        )
    try:
        rule = _one(found, "Security Group Rule")
    except InvokeFailed as failure:  # a framework data source: the diagnostic's summary, then its detail
        raise InvokeFailed(f"reading Security Group Rules: {failure}") from None
    arn = f"arn:{session.partition}:ec2:{session.region}:{session.account_id}:security-group-rule/"
    return {
        "id": rule["SecurityGroupRuleId"],
        "arn": arn + rule["SecurityGroupRuleId"],
        "filters": args.get("filters") or [],
        "securityGroupRuleId": rule["SecurityGroupRuleId"],
        "securityGroupId": rule["GroupId"],
        "isEgress": rule["IsEgress"],
        "ipProtocol": rule["IpProtocol"],
        "fromPort": rule.get("FromPort"),
        "toPort": rule.get("ToPort"),
        "cidrIpv4": rule.get("CidrIpv4"),
        "description": rule.get("Description"),
        "tags": _tags(rule.get("Tags")),
        "region": session.region,
    }


def get_vpc_peering_connections(session: Ec2Session, args: Properties) -> Properties:
    """aws_vpc_peering_connections: the filters go to DescribeVpcPeeringConnections, which applies them."""
    _only("aws:ec2/getVpcPeeringConnections:getVpcPeeringConnections", args, {"filters", "region"})
    request = {"Filters": _filters(args)} if args.get("filters") else {}
    with reported("reading EC2 VPC Peering Connections"):
        found = session.client.describe_vpc_peering_connections(**request)["VpcPeeringConnections"]
    ids = [p["VpcPeeringConnectionId"] for p in found]
    return {**_echoed(args), "id": session.region, "ids": ids, "region": session.region}


def get_vpc_peering_connection(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:ec2/getVpcPeeringConnection:getVpcPeeringConnection", args, {"id", "region"})
    with reported("reading EC2 VPC Peering Connection"):
        pcx = _one(
            _described(
                session.client.describe_vpc_peering_connections,
                "VpcPeeringConnections",
                VpcPeeringConnectionIds=[args["id"]],
            ),
            "EC2 VPC Peering Connection",
        )
    requester, accepter = pcx["RequesterVpcInfo"], pcx["AccepterVpcInfo"]
    return {
        "id": pcx["VpcPeeringConnectionId"],
        "status": pcx["Status"]["Code"],
        "vpcId": requester["VpcId"],
        "ownerId": requester.get("OwnerId"),
        "cidrBlock": requester.get("CidrBlock"),
        "region": requester.get("Region"),
        "requesterRegion": requester.get("Region"),
        "peerVpcId": accepter["VpcId"],
        "peerOwnerId": accepter.get("OwnerId"),
        "peerCidrBlock": accepter.get("CidrBlock"),
        "peerRegion": accepter.get("Region"),
        "tags": _tags(pcx.get("Tags")),
        # Maps of the raw terraform attribute (TypeMap of bools), and the CIDR sets.
        "accepter": _options_map(accepter),
        "requester": _options_map(requester),
        "cidrBlockSets": [{"cidrBlock": c["CidrBlock"]} for c in requester.get("CidrBlockSet", [])],
        "ipv6CidrBlockSets": [{"ipv6CidrBlock": c["Ipv6CidrBlock"]} for c in requester.get("Ipv6CidrBlockSet", [])],
        "peerCidrBlockSets": [{"cidrBlock": c["CidrBlock"]} for c in accepter.get("CidrBlockSet", [])],
        "peerIpv6CidrBlockSets": [{"ipv6CidrBlock": c["Ipv6CidrBlock"]} for c in accepter.get("Ipv6CidrBlockSet", [])],
    }


def _options_map(info: dict[str, Any]) -> dict[str, bool] | None:
    options = info.get("PeeringOptions")
    if options is None:
        return None
    return {"allow_remote_vpc_dns_resolution": bool(options.get("AllowDnsResolutionFromRemoteVpc"))}


# Plugin Framework data sources: their errors are not wrapped in go-multierror's form.
FRAMEWORK = frozenset(
    {
        "aws:index/getRegion:getRegion",
        "aws:vpc/getSecurityGroupRules:getSecurityGroupRules",
        "aws:vpc/getSecurityGroupRule:getSecurityGroupRule",
    }
)
DATA_SOURCES: Mapping[str, Lookup] = {
    "aws:index/getRegion:getRegion": get_region,
    "aws:ec2/getVpc:getVpc": get_vpc,
    "aws:ec2/getRouteTables:getRouteTables": get_route_tables,
    "aws:ec2/getRouteTable:getRouteTable": get_route_table,
    "aws:ec2/getSecurityGroup:getSecurityGroup": get_security_group,
    "aws:vpc/getSecurityGroupRules:getSecurityGroupRules": get_security_group_rules,
    "aws:vpc/getSecurityGroupRule:getSecurityGroupRule": get_security_group_rule,
    "aws:ec2/getVpcPeeringConnections:getVpcPeeringConnections": get_vpc_peering_connections,
    "aws:ec2/getVpcPeeringConnection:getVpcPeeringConnection": get_vpc_peering_connection,
}
