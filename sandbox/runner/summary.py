"""What a run left behind, read back from both clouds: the pcx on each side, routes, rules."""

from __future__ import annotations

from typing import Any

from providers.heroku_api import HerokuClient
from providers.heroku_errors import HerokuNotFound

from ..world.aws_accounts import CUSTOMER_ACCOUNT_ID, HEROKU_ACCOUNT_ID
from ..world.local_sandbox import SandboxInfo
from .stack_state import StackState

PCX_TYPE = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ACCEPTANCE_TYPE = "pulumi-python:dynamic/heroku:PeeringAcceptance"
RULE_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def summarize(info: SandboxInfo, state: StackState) -> dict[str, Any]:
    customer = info.ec2(CUSTOMER_ACCOUNT_ID)
    acceptances = {e.id: e for e in state.ordered() if e.type == ACCEPTANCE_TYPE}
    peerings = []
    with HerokuClient(info.heroku_api_key, info.heroku_url) as heroku:
        for entry in (e for e in state.ordered() if e.type == PCX_TYPE):
            pcx = customer.describe_vpc_peering_connections(VpcPeeringConnectionIds=[entry.id])
            aws_status = pcx["VpcPeeringConnections"][0]["Status"]["Code"]
            accept = acceptances.get(entry.id)
            space = str(accept.inputs["space"]) if accept else ""
            try:
                heroku_status = heroku.get_peering(space, entry.id).status if space else "not accepted"
            except HerokuNotFound:
                heroku_status = "not found"
            accepter_region = pcx["VpcPeeringConnections"][0]["AccepterVpcInfo"]["Region"]
            heroku_side = info.ec2(HEROKU_ACCOUNT_ID, accepter_region)
            accepter = heroku_side.describe_vpc_peering_connections(VpcPeeringConnectionIds=[entry.id])
            peerings.append(
                {
                    "name": entry.urn.rsplit("::", 1)[-1],
                    "pcx_id": entry.id,
                    "space": space,
                    "status_customer_aws": aws_status,
                    "status_heroku_aws": accepter["VpcPeeringConnections"][0]["Status"]["Code"],
                    "status_heroku": heroku_status,
                }
            )
    pcx_ids = {p["pcx_id"] for p in peerings}
    # The stack's own tables and groups (a stack may peer other VPCs than the demo's), and the demo's.
    vpc_ids = sorted({info.customer_vpc_id, *(str(e.inputs["vpcId"]) for e in state.ordered() if e.type == PCX_TYPE)})
    tables = customer.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": vpc_ids}])
    routes = {
        table["RouteTableId"]: sorted(
            f"{route['DestinationCidrBlock']} -> {route['VpcPeeringConnectionId']}"
            for route in table["Routes"]
            if route.get("VpcPeeringConnectionId") in pcx_ids
        )
        for table in tables["RouteTables"]
    }
    rule_ids = {e.id for e in state.ordered() if e.type == RULE_TYPE}
    group_ids = sorted(
        {*info.security_group_ids, *(str(e.inputs["securityGroupId"]) for e in state.ordered() if e.type == RULE_TYPE)}
    )
    groups = customer.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": group_ids}])[
        "SecurityGroupRules"
    ]
    rules = sorted(
        f"{rule['GroupId']} {rule['IpProtocol']} {rule.get('FromPort')}-{rule.get('ToPort')} "
        f"from {rule.get('CidrIpv4')}"
        for rule in groups
        if rule["SecurityGroupRuleId"] in rule_ids
    )
    return {"peerings": peerings, "routes": routes, "security_group_rules": rules}


def render(summary: dict[str, Any]) -> str:
    lines = ["Summary"]
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
