"""The pulumi-aws lookups (invokes) programs make, answered from moto with the wire's camelCase keys.

Small and explicit: an unknown lookup or argument is an error, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from ..errors import SandboxError
from .aws_resources import Inputs, Outputs, UnsupportedByRunner, check_inputs

# -- lookups (invokes) -----------------------------------------------------------------------


def invoke(ec2: Any, region: str, token: str, args: Inputs) -> Outputs:
    """The pulumi-aws lookups the program makes, answered from moto (wire camelCase keys)."""
    if token == "aws:index/getRegion:getRegion":  # noqa: S105 - an invoke token, not a secret
        return {"id": region, "name": region, "region": region}
    if token == "aws:ec2/getVpc:getVpc":  # noqa: S105
        check_inputs(token, args, frozenset({"id"}))
        vpc = _one(ec2.describe_vpcs(VpcIds=[args["id"]])["Vpcs"], "EC2 VPC")
        attributes = {name: _vpc_attribute(ec2, vpc["VpcId"], name) for name in VPC_ATTRIBUTES}
        associations = [
            {"associationId": a["AssociationId"], "cidrBlock": a["CidrBlock"], "state": a["CidrBlockState"]["State"]}
            for a in vpc.get("CidrBlockAssociationSet", [])
        ]
        return {
            "id": vpc["VpcId"],
            "cidrBlock": vpc["CidrBlock"],
            "cidrBlockAssociations": associations,
            "ownerId": vpc.get("OwnerId"),
            **attributes,
            "mainRouteTableId": _main_route_table(ec2, vpc["VpcId"]),
        }
    if token == "aws:ec2/getRouteTables:getRouteTables":  # noqa: S105
        check_inputs(token, args, frozenset({"vpcId"}))
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [args["vpcId"]]}])["RouteTables"]
        return {"id": region, "ids": sorted(t["RouteTableId"] for t in tables)}
    if token == "aws:ec2/getRouteTable:getRouteTable":  # noqa: S105
        check_inputs(token, args, frozenset({"routeTableId"}))
        table = _one(ec2.describe_route_tables(RouteTableIds=[args["routeTableId"]])["RouteTables"], "Route Table")
        return {
            "id": table["RouteTableId"],
            "routeTableId": table["RouteTableId"],
            "vpcId": table["VpcId"],
            "routes": [_route(route) for route in table["Routes"] if route.get("GatewayId") != "local"],
        }
    if token == "aws:ec2/getSecurityGroup:getSecurityGroup":  # noqa: S105
        check_inputs(token, args, frozenset({"id"}))
        group = _one(ec2.describe_security_groups(GroupIds=[args["id"]])["SecurityGroups"], "SecurityGroup")
        return {"id": group["GroupId"], "vpcId": group["VpcId"], "name": group["GroupName"]}
    if token == "aws:vpc/getSecurityGroupRules:getSecurityGroupRules":  # noqa: S105
        check_inputs(token, args, frozenset({"filters"}))
        found = ec2.describe_security_group_rules(Filters=_filters(args))["SecurityGroupRules"]
        return {"id": region, "ids": sorted(rule["SecurityGroupRuleId"] for rule in found)}
    if token == "aws:vpc/getSecurityGroupRule:getSecurityGroupRule":  # noqa: S105
        check_inputs(token, args, frozenset({"securityGroupRuleId"}))
        rule = _one(
            ec2.describe_security_group_rules(SecurityGroupRuleIds=[args["securityGroupRuleId"]])["SecurityGroupRules"],
            "EC2 Security Group Rule",
        )
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
            "tags": {tag["Key"]: tag["Value"] for tag in rule.get("Tags", [])},
        }
    if token == "aws:ec2/getVpcPeeringConnections:getVpcPeeringConnections":  # noqa: S105
        check_inputs(token, args, frozenset({"filters"}))
        found = ec2.describe_vpc_peering_connections()["VpcPeeringConnections"]
        wanted = _filters(args)
        return {"id": region, "ids": sorted(p["VpcPeeringConnectionId"] for p in found if _pcx_matches(p, wanted))}
    if token == "aws:ec2/getVpcPeeringConnection:getVpcPeeringConnection":  # noqa: S105
        check_inputs(token, args, frozenset({"id"}))
        pcx = _one(
            ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[args["id"]])["VpcPeeringConnections"],
            "EC2 VPC Peering Connection",
        )
        requester, accepter = pcx["RequesterVpcInfo"], pcx["AccepterVpcInfo"]
        return {
            "id": pcx["VpcPeeringConnectionId"],
            "status": pcx["Status"]["Code"],
            "vpcId": requester["VpcId"],
            "ownerId": requester.get("OwnerId"),
            "requesterRegion": requester.get("Region"),
            "peerVpcId": accepter["VpcId"],
            "peerOwnerId": accepter.get("OwnerId"),
            "peerRegion": accepter.get("Region"),
            "tags": {tag["Key"]: tag["Value"] for tag in pcx.get("Tags", [])},
        }
    raise UnsupportedByRunner(f"the sandbox runner does not model the lookup {token}")


# data source aws_vpc (internal/service/ec2/vpc_data_source.go): DescribeVpcs, then DescribeVpcAttribute
# for each of these (a failure fails the lookup), then the main route table (a failure only warns).
VPC_ATTRIBUTES = {
    "enableDnsHostnames": "EnableDnsHostnames",
    "enableDnsSupport": "EnableDnsSupport",
    "enableNetworkAddressUsageMetrics": "EnableNetworkAddressUsageMetrics",
}


def _vpc_attribute(ec2: Any, vpc_id: str, name: str) -> bool:
    answer = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=name)
    return bool(answer[VPC_ATTRIBUTES[name]]["Value"])


def _main_route_table(ec2: Any, vpc_id: str) -> str | None:
    filters = [{"Name": "association.main", "Values": ["true"]}, {"Name": "vpc-id", "Values": [vpc_id]}]
    try:
        tables = ec2.describe_route_tables(Filters=filters)["RouteTables"]
    except ClientError:  # "[WARN] Error reading EC2 VPC (%s) main Route Table": main_route_table_id stays null
        return None
    return str(tables[0]["RouteTableId"]) if len(tables) == 1 else None


# data source aws_route_table's `routes` (internal/service/ec2/vpc_route_table_data_source.go), minus the local route
ROUTE_FIELDS = {
    "DestinationCidrBlock": "cidrBlock",
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


def _route(route: dict[str, Any]) -> dict[str, Any]:
    return {wire: route.get(field, "") for field, wire in ROUTE_FIELDS.items()}


# DescribeVpcPeeringConnections filters (EC2 API reference). moto ignores them, so they are applied
# here as EC2 does: values of one filter are alternatives, filters all apply.
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
            value = {tag["Key"]: tag["Value"] for tag in pcx.get("Tags", [])}.get(name[4:])
        elif name in PCX_FILTERS:
            value = PCX_FILTERS[name](pcx)
        else:
            raise UnsupportedByRunner(f"getVpcPeeringConnections: the sandbox runner does not model the filter {name}")
        if value not in wanted["Values"]:
            return False
    return True


class InvokeFailed(SandboxError):
    """A data source found nothing: the provider's own message, as the engine reports it."""


def _one(found: list[dict[str, Any]], what: str) -> dict[str, Any]:
    """terraform-provider-aws data sources: exactly one match, else "no matching ... found"."""
    if len(found) != 1:
        raise InvokeFailed(f"no matching {what} found" if not found else f"multiple {what}s matched")
    return found[0]


def _filters(args: Inputs) -> list[dict[str, Any]]:
    return [{"Name": f["name"], "Values": list(f["values"])} for f in args.get("filters") or []]
