"""The pulumi-aws lookups (invokes) programs make, answered from moto with the wire's camelCase keys.

Small and explicit: an unknown lookup or argument is an error, never a guess.
"""

from __future__ import annotations

from typing import Any

from .aws_resources import Inputs, Outputs, UnsupportedByRunner, check_inputs

# -- lookups (invokes) -----------------------------------------------------------------------


def invoke(ec2: Any, region: str, token: str, args: Inputs) -> Outputs:
    """The pulumi-aws lookups the program makes, answered from moto (wire camelCase keys)."""
    if token == "aws:index/getRegion:getRegion":  # noqa: S105 - an invoke token, not a secret
        return {"id": region, "name": region, "region": region}
    if token == "aws:ec2/getVpc:getVpc":  # noqa: S105
        check_inputs(token, args, frozenset({"id"}))
        vpc = ec2.describe_vpcs(VpcIds=[args["id"]])["Vpcs"][0]
        associations = [
            {"associationId": a["AssociationId"], "cidrBlock": a["CidrBlock"], "state": a["CidrBlockState"]["State"]}
            for a in vpc.get("CidrBlockAssociationSet", [])
        ]
        return {
            "id": vpc["VpcId"],
            "cidrBlock": vpc["CidrBlock"],
            "cidrBlockAssociations": associations,
            "ownerId": vpc.get("OwnerId"),
        }
    if token == "aws:ec2/getRouteTables:getRouteTables":  # noqa: S105
        check_inputs(token, args, frozenset({"vpcId"}))
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [args["vpcId"]]}])["RouteTables"]
        return {"id": region, "ids": sorted(t["RouteTableId"] for t in tables)}
    if token == "aws:ec2/getRouteTable:getRouteTable":  # noqa: S105
        check_inputs(token, args, frozenset({"routeTableId"}))
        table = ec2.describe_route_tables(RouteTableIds=[args["routeTableId"]])["RouteTables"][0]
        return {"id": table["RouteTableId"], "routeTableId": table["RouteTableId"], "vpcId": table["VpcId"]}
    if token == "aws:ec2/getSecurityGroup:getSecurityGroup":  # noqa: S105
        check_inputs(token, args, frozenset({"id"}))
        group = ec2.describe_security_groups(GroupIds=[args["id"]])["SecurityGroups"][0]
        return {"id": group["GroupId"], "vpcId": group["VpcId"], "name": group["GroupName"]}
    raise UnsupportedByRunner(f"the sandbox runner does not model the lookup {token}")
