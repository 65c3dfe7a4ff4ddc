"""The pulumi-aws resources and lookups the program uses, carried out as EC2 calls against moto.

Small, explicit and per type: an unknown type, lookup or input is an error, never a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

Inputs = Mapping[str, Any]
Outputs = dict[str, Any]


class UnsupportedByRunner(Exception):
    """The program uses a type, lookup or input the sandbox runner does not model."""


def _check_inputs(type_: str, inputs: Inputs, known: frozenset[str]) -> None:
    unknown = sorted(key for key, value in inputs.items() if key not in known and value is not None)
    if unknown:
        raise UnsupportedByRunner(f"{type_}: the sandbox runner does not model the inputs {unknown}")


def _tags(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in sorted((tags or {}).items())]


def _not_found(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    return "NotFound" in code or code.endswith(".Malformed")


@dataclass(frozen=True)
class AwsType:
    """How one pulumi-aws type maps to EC2: inputs it knows, which ones change in place."""

    token: str
    known: frozenset[str]
    in_place: frozenset[str]
    create: Callable[[Any, Inputs], tuple[str, Outputs]]
    read: Callable[[Any, str, Inputs], Outputs | None]
    update: Callable[[Any, str, Inputs, Inputs], Outputs]
    delete: Callable[[Any, str, Inputs], None]

    def replaces(self, olds: Inputs, news: Inputs) -> list[str]:
        return sorted(k for k in set(olds) | set(news) if olds.get(k) != news.get(k) and k not in self.in_place)

    def changes(self, olds: Inputs, news: Inputs) -> list[str]:
        return sorted(k for k in set(olds) | set(news) if olds.get(k) != news.get(k))


# -- aws.ec2.VpcPeeringConnection ------------------------------------------------------------


def _pcx_create(ec2: Any, inputs: Inputs) -> tuple[str, Outputs]:
    if inputs.get("autoAccept"):
        raise UnsupportedByRunner("VpcPeeringConnection: auto_accept is not possible across accounts")
    kwargs: dict[str, Any] = {"VpcId": inputs["vpcId"], "PeerVpcId": inputs["peerVpcId"]}
    if inputs.get("peerOwnerId"):
        kwargs["PeerOwnerId"] = inputs["peerOwnerId"]
    if inputs.get("peerRegion"):
        kwargs["PeerRegion"] = inputs["peerRegion"]
    if inputs.get("tags"):
        kwargs["TagSpecifications"] = [{"ResourceType": "vpc-peering-connection", "Tags": _tags(inputs["tags"])}]
    pcx = ec2.create_vpc_peering_connection(**kwargs)["VpcPeeringConnection"]
    pcx_id = pcx["VpcPeeringConnectionId"]
    return pcx_id, {**inputs, "acceptStatus": pcx["Status"]["Code"], "tagsAll": dict(inputs.get("tags") or {})}


def _pcx_read(ec2: Any, pcx_id: str, inputs: Inputs) -> Outputs | None:
    try:
        found = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])["VpcPeeringConnections"]
    except ClientError as error:
        if _not_found(error):
            return None
        raise
    if not found or found[0]["Status"]["Code"] in ("deleted", "deleting", "failed", "rejected", "expired"):
        return None  # as pulumi-aws: a peering in these states is gone
    pcx = found[0]
    tags = {tag["Key"]: tag["Value"] for tag in pcx.get("Tags", [])}
    return {**inputs, "acceptStatus": pcx["Status"]["Code"], "tags": tags, "tagsAll": tags}


def _pcx_update(ec2: Any, pcx_id: str, olds: Inputs, news: Inputs) -> Outputs:
    old_tags, new_tags = dict(olds.get("tags") or {}), dict(news.get("tags") or {})
    removed = [{"Key": key} for key in old_tags if key not in new_tags]
    if removed:
        ec2.delete_tags(Resources=[pcx_id], Tags=removed)
    if new_tags:
        ec2.create_tags(Resources=[pcx_id], Tags=_tags(new_tags))
    return _pcx_read(ec2, pcx_id, news) or {**news}


def _pcx_delete(ec2: Any, pcx_id: str, _inputs: Inputs) -> None:
    try:
        ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    except ClientError as error:
        if not _not_found(error):
            raise


# -- aws.ec2.Route ---------------------------------------------------------------------------


def _route_id(inputs: Inputs) -> str:
    return f"r-{inputs['routeTableId']}-{inputs['destinationCidrBlock']}"


def _route_create(ec2: Any, inputs: Inputs) -> tuple[str, Outputs]:
    ec2.create_route(
        RouteTableId=inputs["routeTableId"],
        DestinationCidrBlock=inputs["destinationCidrBlock"],
        VpcPeeringConnectionId=inputs["vpcPeeringConnectionId"],
    )
    return _route_id(inputs), {**inputs, "state": "active", "origin": "CreateRoute"}


def _route_read(ec2: Any, _id: str, inputs: Inputs) -> Outputs | None:
    try:
        tables = ec2.describe_route_tables(RouteTableIds=[inputs["routeTableId"]])["RouteTables"]
    except ClientError as error:
        if _not_found(error):
            return None
        raise
    for route in tables[0]["Routes"] if tables else []:
        if route.get("DestinationCidrBlock") == inputs["destinationCidrBlock"]:
            return {
                **inputs,
                "vpcPeeringConnectionId": route.get("VpcPeeringConnectionId"),
                "state": route.get("State", "active"),
                "origin": route.get("Origin", "CreateRoute"),
            }
    return None


def _route_update(ec2: Any, route_id: str, _olds: Inputs, news: Inputs) -> Outputs:
    ec2.replace_route(
        RouteTableId=news["routeTableId"],
        DestinationCidrBlock=news["destinationCidrBlock"],
        VpcPeeringConnectionId=news["vpcPeeringConnectionId"],
    )
    return _route_read(ec2, route_id, news) or {**news}


def _route_delete(ec2: Any, _id: str, inputs: Inputs) -> None:
    try:
        ec2.delete_route(RouteTableId=inputs["routeTableId"], DestinationCidrBlock=inputs["destinationCidrBlock"])
    except ClientError as error:
        if not _not_found(error):
            raise


# -- aws.vpc.SecurityGroupIngressRule --------------------------------------------------------


def _rule_create(ec2: Any, inputs: Inputs) -> tuple[str, Outputs]:
    permission: dict[str, Any] = {
        "IpProtocol": inputs["ipProtocol"],
        "IpRanges": [
            {
                "CidrIp": inputs["cidrIpv4"],
                **({"Description": inputs["description"]} if inputs.get("description") else {}),
            }
        ],
    }
    if inputs.get("fromPort") is not None:
        permission["FromPort"] = int(inputs["fromPort"])
        permission["ToPort"] = int(inputs["toPort"])
    kwargs: dict[str, Any] = {"GroupId": inputs["securityGroupId"], "IpPermissions": [permission]}
    if inputs.get("tags"):
        kwargs["TagSpecifications"] = [{"ResourceType": "security-group-rule", "Tags": _tags(inputs["tags"])}]
    created = ec2.authorize_security_group_ingress(**kwargs)["SecurityGroupRules"][0]
    rule_id = created["SecurityGroupRuleId"]
    return rule_id, {**inputs, "securityGroupRuleId": rule_id}


def _rule_read(ec2: Any, rule_id: str, inputs: Inputs) -> Outputs | None:
    found = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [inputs["securityGroupId"]]}])[
        "SecurityGroupRules"
    ]
    for rule in found:
        if rule["SecurityGroupRuleId"] == rule_id:
            return {**inputs, "securityGroupRuleId": rule_id, "description": rule.get("Description")}
    return None


def _rule_update(_ec2: Any, _id: str, _olds: Inputs, _news: Inputs) -> Outputs:
    raise UnsupportedByRunner("SecurityGroupIngressRule has no in-place change in the sandbox runner")


def _rule_delete(ec2: Any, rule_id: str, inputs: Inputs) -> None:
    try:
        ec2.revoke_security_group_ingress(GroupId=inputs["securityGroupId"], SecurityGroupRuleIds=[rule_id])
    except ClientError as error:
        if not _not_found(error):
            raise


AWS_TYPES: dict[str, AwsType] = {
    t.token: t
    for t in (
        AwsType(
            "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
            frozenset({"vpcId", "peerVpcId", "peerOwnerId", "peerRegion", "autoAccept", "tags"}),
            frozenset({"tags"}),
            _pcx_create,
            _pcx_read,
            _pcx_update,
            _pcx_delete,
        ),
        AwsType(
            "aws:ec2/route:Route",
            frozenset({"routeTableId", "destinationCidrBlock", "vpcPeeringConnectionId"}),
            frozenset({"vpcPeeringConnectionId"}),
            _route_create,
            _route_read,
            _route_update,
            _route_delete,
        ),
        AwsType(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            frozenset({"securityGroupId", "ipProtocol", "cidrIpv4", "fromPort", "toPort", "description", "tags"}),
            frozenset(),
            _rule_create,
            _rule_read,
            _rule_update,
            _rule_delete,
        ),
    )
}


def aws_type(token: str, inputs: Inputs) -> AwsType:
    found = AWS_TYPES.get(token)
    if found is None:
        raise UnsupportedByRunner(f"the sandbox runner does not model the resource type {token}")
    _check_inputs(token, inputs, found.known)
    return found


# -- lookups (invokes) -----------------------------------------------------------------------


def invoke(ec2: Any, region: str, token: str, args: Inputs) -> Outputs:
    """The pulumi-aws lookups the program makes, answered from moto (wire camelCase keys)."""
    if token == "aws:index/getRegion:getRegion":  # noqa: S105 - an invoke token, not a secret
        return {"id": region, "name": region, "region": region}
    if token == "aws:ec2/getVpc:getVpc":  # noqa: S105
        _check_inputs(token, args, frozenset({"id"}))
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
        _check_inputs(token, args, frozenset({"vpcId"}))
        tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [args["vpcId"]]}])["RouteTables"]
        return {"id": region, "ids": sorted(t["RouteTableId"] for t in tables)}
    if token == "aws:ec2/getRouteTable:getRouteTable":  # noqa: S105
        _check_inputs(token, args, frozenset({"routeTableId"}))
        table = ec2.describe_route_tables(RouteTableIds=[args["routeTableId"]])["RouteTables"][0]
        return {"id": table["RouteTableId"], "routeTableId": table["RouteTableId"], "vpcId": table["VpcId"]}
    if token == "aws:ec2/getSecurityGroup:getSecurityGroup":  # noqa: S105
        _check_inputs(token, args, frozenset({"id"}))
        group = ec2.describe_security_groups(GroupIds=[args["id"]])["SecurityGroups"][0]
        return {"id": group["GroupId"], "vpcId": group["VpcId"], "name": group["GroupName"]}
    raise UnsupportedByRunner(f"the sandbox runner does not model the lookup {token}")
