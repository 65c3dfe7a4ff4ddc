"""What a run left behind, read back from both clouds: the pcx on each side, routes, rules.

The stack's resources come from ``pulumi stack export`` (the engine's own checkpoint).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from providers.heroku_api import HerokuClient
from providers.heroku_errors import HerokuError, HerokuNotFound

from .world.aws_accounts import CUSTOMER_ACCOUNT_ID, HEROKU_ACCOUNT_ID
from .world.sandbox_info import SandboxInfo

PCX_TYPE = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTANCE_TYPE = "pulumi-python:dynamic/heroku:PeeringAcceptance"
RULE_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


@dataclass(frozen=True)
class StateResource:
    urn: str
    type: str
    id: str
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any]

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


def stack_resources(exported: Mapping[str, Any]) -> list[StateResource]:
    """The checkpoint's live resources (pending deletions left out)."""
    resources = (exported.get("deployment") or {}).get("resources") or []
    return [
        StateResource(r["urn"], r["type"], str(r.get("id") or ""), r.get("inputs") or {}, r.get("outputs") or {})
        for r in resources
        if not r.get("delete")
    ]


def summarize(info: SandboxInfo, resources: list[StateResource]) -> dict[str, Any]:
    customer = info.ec2(CUSTOMER_ACCOUNT_ID)
    acceptances = {r.id: r for r in resources if r.type == ACCEPTANCE_TYPE}
    pcxs = [r for r in resources if r.type == PCX_TYPE and r.id]
    peerings = []
    with HerokuClient(info.heroku_api_key, info.heroku_url) as heroku:
        for entry in pcxs:
            found = customer.describe_vpc_peering_connections(VpcPeeringConnectionIds=[entry.id])
            pcx = found["VpcPeeringConnections"][0]
            accept = acceptances.get(entry.id)
            space = str(accept.inputs.get("space", "")) if accept else ""
            try:
                heroku_status = heroku.get_peering(space, entry.id).status if space else "not accepted"
            except HerokuNotFound:
                heroku_status = "not found"
            except HerokuError as error:  # a faulty Heroku (the sandbox can be made one): say so, go on
                heroku_status = f"unreadable ({error})"
            heroku_side = info.ec2(HEROKU_ACCOUNT_ID, pcx["AccepterVpcInfo"]["Region"])
            accepter = heroku_side.describe_vpc_peering_connections(VpcPeeringConnectionIds=[entry.id])
            peerings.append(
                {
                    "name": entry.name,
                    "pcx_id": entry.id,
                    "space": space,
                    "status_customer_aws": pcx["Status"]["Code"],
                    "status_heroku_aws": accepter["VpcPeeringConnections"][0]["Status"]["Code"],
                    "status_heroku": heroku_status,
                }
            )
    pcx_ids = {p["pcx_id"] for p in peerings}
    # The stack's own tables and groups (a stack may peer other VPCs than the demo's), and the demo's.
    vpc_ids = sorted({info.customer_vpc_id, *(str(r.inputs.get("vpcId")) for r in pcxs)})
    tables = customer.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": vpc_ids}])
    routes = {
        table["RouteTableId"]: sorted(
            f"{route['DestinationCidrBlock']} -> {route['VpcPeeringConnectionId']}"
            for route in table["Routes"]
            if route.get("VpcPeeringConnectionId") in pcx_ids
        )
        for table in tables["RouteTables"]
    }
    rules = [r for r in resources if r.type == RULE_TYPE]
    group_ids = sorted({*info.security_group_ids, *(str(r.inputs.get("securityGroupId")) for r in rules)})
    found_rules = customer.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": group_ids}])
    rule_ids = {r.id for r in rules}
    listed = sorted(
        f"{rule['GroupId']} {rule['IpProtocol']} {rule.get('FromPort')}-{rule.get('ToPort')} "
        f"from {rule.get('CidrIpv4')}"
        for rule in found_rules["SecurityGroupRules"]
        if rule["SecurityGroupRuleId"] in rule_ids
    )
    return {"peerings": peerings, "routes": routes, "security_group_rules": listed}


def render(summary: dict[str, Any]) -> str:
    lines = ["Summary (read back from both clouds)"]
    if not summary["peerings"]:
        lines.append("  no peering in the stack")
    for peering in summary["peerings"]:
        lines.append(
            f"  {peering['pcx_id']} to space {peering['space'] or '?'}: "
            f"AWS (customer) {peering['status_customer_aws']}, "
            f"AWS (Heroku's account) {peering['status_heroku_aws']}, Heroku {peering['status_heroku']}"
        )
    for table, routes in summary["routes"].items():
        lines.append(f"  route table {table}: {', '.join(routes) if routes else 'no route to a peering'}")
    lines.append(f"  security-group rules from Heroku: {len(summary['security_group_rules'])}")
    lines.extend(f"    {rule}" for rule in summary["security_group_rules"])
    return "\n".join(lines)
