"""Pulumi mocks standing in for pulumi-aws: a small, explicit model of VPCs, route tables and groups."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks

ACCEPTANCE = "pulumi-python:dynamic/heroku:PeeringAcceptance"
PCX = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ROUTE = "aws:ec2/route:Route"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
COMPONENT = "heroku-peering:index:HerokuPeering"
VPC = "aws:ec2/vpc:Vpc"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"


def fake_id(prefix: str, name: str) -> str:
    return f"{prefix}-{hashlib.sha256(name.encode()).hexdigest()[:17]}"


@dataclass
class FakeVpc:
    vpc_id: str
    cidrs: list[str]
    tables: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    owner_id: str = "123456789012"
    routes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # table -> (destination, pcx)
    rules: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # group -> rules (wire form)


class FakeAws(Mocks):
    def __init__(self, vpcs: list[FakeVpc], region: str = "us-east-1", outputs: bool = True) -> None:
        self.vpcs = {vpc.vpc_id: vpc for vpc in vpcs}
        self.region = region
        self.outputs = outputs  # False: answer like a preview, leaving outputs unknown
        self.calls: list[str] = []
        # The stack's last saved state, as the engine's builtin serves it: URN -> {type, outputs}.
        self.stack_state: dict[str, Any] = {}

    def _owner(self, attr: str, value: str) -> FakeVpc | None:
        for vpc in self.vpcs.values():
            if value in getattr(vpc, attr):
                return vpc
        return None

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        self.calls.append(args.token)
        a = args.args
        if args.token == "aws:index/getRegion:getRegion":
            return {"id": self.region, "name": self.region, "region": self.region}, []
        if args.token == "aws:ec2/getVpc:getVpc":
            vpc = self.vpcs.get(a["id"])
            if vpc is None:  # as the engine reports a provider's failure: a semantic error, not a crash
                return {}, [("id", "no matching EC2 VPC found")]
            associations = [
                {"associationId": f"a{i}", "cidrBlock": c, "state": "associated"} for i, c in enumerate(vpc.cidrs)
            ]
            return {
                "id": vpc.vpc_id,
                "cidrBlock": vpc.cidrs[0],
                "cidrBlockAssociations": associations,
                "ownerId": vpc.owner_id,
            }, []
        if args.token == "aws:ec2/getRouteTables:getRouteTables":
            vpc = self.vpcs.get(a["vpcId"])
            return {"ids": list(vpc.tables) if vpc else []}, []
        if args.token == "aws:ec2/getRouteTable:getRouteTable":
            owner = self._owner("tables", a["routeTableId"])
            if owner is None:
                return {}, [("routeTableId", "Your query returned no results")]
            routes = [{"cidrBlock": c, "vpcPeeringConnectionId": t} for c, t in owner.routes.get(a["routeTableId"], [])]
            return {"vpcId": owner.vpc_id, "routeTableId": a["routeTableId"], "routes": routes}, []
        if args.token == "aws:ec2/getSecurityGroup:getSecurityGroup":
            owner = self._owner("groups", a["id"])
            if owner is None:
                return {}, [("id", "no matching SecurityGroup found")]
            return {"vpcId": owner.vpc_id, "id": a["id"]}, []
        if args.token == "aws:vpc/getSecurityGroupRules:getSecurityGroupRules":
            group = a["filters"][0]["values"][0]
            return {"ids": [rule["id"] for vpc in self.vpcs.values() for rule in vpc.rules.get(group, [])]}, []
        if args.token == "aws:vpc/getSecurityGroupRule:getSecurityGroupRule":
            rule = next(
                r
                for v in self.vpcs.values()
                for rs in v.rules.values()
                for r in rs
                if r["id"] == a["securityGroupRuleId"]
            )
            return rule, []
        if args.token == "aws:ec2/getVpcPeeringConnections:getVpcPeeringConnections":
            return {"ids": []}, []
        if args.token == "aws:ec2/getVpcPeeringConnection:getVpcPeeringConnection":
            return {}, [("id", "no matching EC2 VPC Peering Connection found")]
        if args.token == "pulumi:pulumi:readStackResourceOutputs":
            return {"name": a["stackName"], "outputs": self.stack_state}, []
        raise Exception(f"FakeAws does not know the invoke {args.token}")

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if not self.outputs:
            return "", {}
        outputs = dict(args.inputs)
        # A network the program makes joins the model, so that the invokes of its Output ids find it.
        if args.typ == VPC:
            vpc = FakeVpc(fake_id("vpc", args.name), [args.inputs["cidrBlock"]])
            self.vpcs[vpc.vpc_id] = vpc
            return vpc.vpc_id, {**outputs, "ownerId": vpc.owner_id}
        if args.typ in (ROUTE_TABLE, SECURITY_GROUP):
            made = fake_id("rtb" if args.typ == ROUTE_TABLE else "sg", args.name)
            owner = self.vpcs[args.inputs["vpcId"]]
            (owner.tables if args.typ == ROUTE_TABLE else owner.groups).append(made)
            return made, outputs
        if args.typ == PCX:
            return fake_id("pcx", args.name), {**outputs, "acceptStatus": "pending-acceptance"}
        if args.typ == ACCEPTANCE:
            return str(args.inputs.get("pcx_id")), {**outputs, "status": "active", "type": "customer-managed"}
        prefix = {ROUTE: "r", RULE: "sgr"}.get(args.typ, "id")
        return fake_id(prefix, args.name), outputs
