"""The pulumi-aws functions (data sources) the project's programs call, answered from EC2 as
terraform-provider-aws's data sources answer them (wire camelCase keys).

A data source that must find one object and finds none fails with the provider's text
(``tfresource.SingularDataSourceFindError``: "no matching <what> found"; several: "multiple <what>s
matched; use additional constraints to reduce matches to a single <what>"). An argument the plugin
does not serve is refused by name, never guessed.
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


def get_region(session: Ec2Session, args: Properties) -> Properties:
    """aws_region: the provider's region, from its configuration (no call); the endpoint is AWS's own EC2
    host for it (the SDK's default resolver), whatever endpoint the provider is configured with."""
    _only("aws:index/getRegion:getRegion", args, {"region", "name"})
    return {
        "id": session.region,
        "name": session.region,
        "region": session.region,
        "endpoint": f"ec2.{session.region}.amazonaws.com",
    }


# aws_vpc (vpc_data_source.go): DescribeVpcs, a DescribeVpcAttribute for each of these (a failure fails
# the lookup), then the main route table (a failure only warns, main_route_table_id stays null).
VPC_ATTRIBUTES = {
    "enableDnsHostnames": "EnableDnsHostnames",
    "enableDnsSupport": "EnableDnsSupport",
    "enableNetworkAddressUsageMetrics": "EnableNetworkAddressUsageMetrics",
}


def get_vpc(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:ec2/getVpc:getVpc", args, {"id"})
    ec2 = session.client
    with reported("reading EC2 VPC"):
        vpc = _one(_described(ec2.describe_vpcs, "Vpcs", VpcIds=[args["id"]]), "EC2 VPC")
        attributes = {
            name: bool(ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute=name)[field]["Value"])
            for name, field in VPC_ATTRIBUTES.items()
        }
    try:
        main = ec2.describe_route_tables(
            Filters=[{"Name": "association.main", "Values": ["true"]}, {"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
        )["RouteTables"]
    except ClientError:
        main = []
    return {
        "id": vpc["VpcId"],
        "arn": f"arn:aws:ec2:{session.region}:{vpc.get('OwnerId', '')}:vpc/{vpc['VpcId']}",
        "cidrBlock": vpc["CidrBlock"],
        "cidrBlockAssociations": [
            {"associationId": a["AssociationId"], "cidrBlock": a["CidrBlock"], "state": a["CidrBlockState"]["State"]}
            for a in vpc.get("CidrBlockAssociationSet", [])
        ],
        "default": bool(vpc.get("IsDefault")),
        "instanceTenancy": vpc.get("InstanceTenancy"),
        "ownerId": vpc.get("OwnerId"),
        "state": vpc.get("State"),
        "tags": _tags(vpc.get("Tags")),
        **attributes,
        "mainRouteTableId": str(main[0]["RouteTableId"]) if len(main) == 1 else "",
    }


def get_route_tables(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:ec2/getRouteTables:getRouteTables", args, {"vpcId", "filters"})
    filters = _filters(args)
    if args.get("vpcId"):
        filters.append({"Name": "vpc-id", "Values": [args["vpcId"]]})
    with reported("reading EC2 Route Tables"):
        tables = session.client.describe_route_tables(Filters=filters)["RouteTables"]
    return {"id": session.region, "ids": [t["RouteTableId"] for t in tables]}


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
}


def get_route_table(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:ec2/getRouteTable:getRouteTable", args, {"routeTableId"})
    with reported("reading EC2 Route Table"):
        table = _one(
            _described(session.client.describe_route_tables, "RouteTables", RouteTableIds=[args["routeTableId"]]),
            "Route Table",
        )
    return {
        "id": table["RouteTableId"],
        "routeTableId": table["RouteTableId"],
        "vpcId": table["VpcId"],
        "ownerId": table.get("OwnerId"),
        "routes": [
            {wire: route.get(field, "") for field, wire in ROUTE_FIELDS.items()}
            for route in table["Routes"]
            if route.get("GatewayId") != "local"
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
        "tags": _tags(table.get("Tags")),
    }


def get_security_group(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:ec2/getSecurityGroup:getSecurityGroup", args, {"id"})
    with reported("reading EC2 Security Group"):
        group = _one(
            _described(session.client.describe_security_groups, "SecurityGroups", GroupIds=[args["id"]]),
            "EC2 Security Group",
        )
    return {
        "id": group["GroupId"],
        "vpcId": group.get("VpcId"),
        "name": group["GroupName"],
        "description": group.get("Description"),
        "tags": _tags(group.get("Tags")),
    }


def get_security_group_rules(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:vpc/getSecurityGroupRules:getSecurityGroupRules", args, {"filters"})
    with reported("reading Security Group Rules"):
        found = session.client.describe_security_group_rules(Filters=_filters(args))["SecurityGroupRules"]
    return {"id": session.region, "ids": [rule["SecurityGroupRuleId"] for rule in found]}


def get_security_group_rule(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:vpc/getSecurityGroupRule:getSecurityGroupRule", args, {"securityGroupRuleId"})
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
    return {
        "id": rule["SecurityGroupRuleId"],
        "securityGroupRuleId": rule["SecurityGroupRuleId"],
        "securityGroupId": rule["GroupId"],
        "isEgress": rule["IsEgress"],
        "ipProtocol": rule["IpProtocol"],
        "fromPort": rule.get("FromPort"),
        "toPort": rule.get("ToPort"),
        "cidrIpv4": rule.get("CidrIpv4"),
        "description": rule.get("Description"),
        "tags": _tags(rule.get("Tags")),
    }


# DescribeVpcPeeringConnections filters (EC2 API reference). moto ignores them, so they are applied here as
# EC2 applies them: the values of one filter are alternatives, all filters apply.
PCX_FILTERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "requester-vpc-info.vpc-id": lambda pcx: pcx["RequesterVpcInfo"]["VpcId"],
    "accepter-vpc-info.vpc-id": lambda pcx: pcx["AccepterVpcInfo"]["VpcId"],
    "requester-vpc-info.owner-id": lambda pcx: pcx["RequesterVpcInfo"].get("OwnerId"),
    "accepter-vpc-info.owner-id": lambda pcx: pcx["AccepterVpcInfo"].get("OwnerId"),
    "status-code": lambda pcx: pcx["Status"]["Code"],
    "vpc-peering-connection-id": lambda pcx: pcx["VpcPeeringConnectionId"],
}


def _pcx_matches(pcx: dict[str, Any], filters: list[dict[str, Any]]) -> bool:
    for wanted in filters:
        name = wanted["Name"]
        if name.startswith("tag:"):
            value = _tags(pcx.get("Tags")).get(name[4:])
        elif name in PCX_FILTERS:
            value = PCX_FILTERS[name](pcx)
        else:
            raise ProviderRefusal(
                f"getVpcPeeringConnections: the sandbox's pulumi-aws does not serve the filter {name}"
            )
        if value not in wanted["Values"]:
            return False
    return True


def get_vpc_peering_connections(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:ec2/getVpcPeeringConnections:getVpcPeeringConnections", args, {"filters"})
    wanted = _filters(args)
    with reported("reading EC2 VPC Peering Connections"):
        found = session.client.describe_vpc_peering_connections()["VpcPeeringConnections"]
    return {"id": session.region, "ids": [p["VpcPeeringConnectionId"] for p in found if _pcx_matches(p, wanted)]}


def get_vpc_peering_connection(session: Ec2Session, args: Properties) -> Properties:
    _only("aws:ec2/getVpcPeeringConnection:getVpcPeeringConnection", args, {"id"})
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
    }


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
