"""Acting on the world by hand, as the seed article's reader would: request a peering, watch its status.

Shared by the tests and the benchmarks.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from providers.heroku_api import HerokuClient
from providers.heroku_errors import HerokuNotFound

from ..world.aws_accounts import CUSTOMER_ACCOUNT_ID
from ..world.sandbox_info import SandboxInfo

_cidr_counter = itertools.count(20)


def customer_ec2(info: SandboxInfo, region: str | None = None) -> Any:
    return info.ec2(CUSTOMER_ACCOUNT_ID, region)


def request_peering(info: SandboxInfo, cidr: str | None = None, vpc_id: str | None = None) -> str:
    """Create a fresh customer VPC (unless given) and a peering request to the demo space."""
    ec2 = customer_ec2(info)
    if vpc_id is None:
        cidr = cidr or f"172.{next(_cidr_counter)}.0.0/16"
        vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    with HerokuClient(info.heroku_api_key, info.heroku_url) as heroku:
        peer = heroku.peering_info(info.space)
    pcx = ec2.create_vpc_peering_connection(
        VpcId=vpc_id, PeerVpcId=peer.vpc_id, PeerOwnerId=peer.aws_account_id, PeerRegion=peer.aws_region
    )
    return str(pcx["VpcPeeringConnection"]["VpcPeeringConnectionId"])


def customer_status(info: SandboxInfo, pcx_id: str) -> str:
    found = customer_ec2(info).describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])
    return str(found["VpcPeeringConnections"][0]["Status"]["Code"])


T = TypeVar("T")


def wait_until(condition: Callable[[], T], what: str, timeout: float = 120.0) -> T:
    """Poll ``condition`` until it is truthy: tests wait for states, never for sandbox timings."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.02)


def heroku_status(info: SandboxInfo, pcx_id: str) -> str | None:
    """What Heroku reports for the peering; None while it answers 404."""
    with HerokuClient(info.heroku_api_key, info.heroku_url) as heroku:
        try:
            return heroku.get_peering(info.space, pcx_id).status
        except HerokuNotFound:
            return None


def wait_for_heroku_status(info: SandboxInfo, pcx_id: str, *wanted: str | None) -> str | None:
    """Until Heroku reports one of ``wanted`` (None: 404)."""
    seen: list[str | None] = []

    def reached() -> bool:
        seen.append(heroku_status(info, pcx_id))
        return seen[-1] in wanted

    wait_until(reached, f"{pcx_id} to read {wanted} (last: {seen[-1:]})")
    return seen[-1]


def vpc_tables(info: SandboxInfo, vpc_id: str | None = None) -> list[str]:
    found = customer_ec2(info).describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id or info.customer_vpc_id]}]
    )
    return [table["RouteTableId"] for table in found["RouteTables"]]


def hand_made_peering(
    info: SandboxInfo,
    route_tables: list[str] | None = None,
    rule: bool = True,
    vpc_id: str | None = None,
    group_id: str | None = None,
) -> str:
    """The seed article's procedure, by hand: request, accept with Heroku, routes (every table of the VPC,
    the main one included, unless given), a rule for the dynos. The sandbox's customer VPC and its group
    unless given."""
    ec2 = customer_ec2(info)
    vpc_id = vpc_id or info.customer_vpc_id
    with HerokuClient(info.heroku_api_key, info.heroku_url) as heroku:
        peer = heroku.peering_info(info.space)
        pcx_id = ec2.create_vpc_peering_connection(  # "another account", and the space's region (the seed's step 2)
            VpcId=vpc_id,
            PeerVpcId=peer.vpc_id,
            PeerOwnerId=peer.aws_account_id,
            PeerRegion=peer.aws_region,
        )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        ec2.create_tags(Resources=[pcx_id], Tags=[{"Key": "Name", "Value": "made-by-hand"}])
        wait_for_heroku_status(info, pcx_id, "pending-acceptance")
        heroku.accept_peering(info.space, pcx_id)
        wait_for_heroku_status(info, pcx_id, "active")
        for table in vpc_tables(info, vpc_id) if route_tables is None else route_tables:
            ec2.create_route(RouteTableId=table, DestinationCidrBlock=peer.vpc_cidr, VpcPeeringConnectionId=pcx_id)
        if rule:
            ec2.authorize_security_group_ingress(
                GroupId=group_id or info.security_group_ids[0],
                IpPermissions=[
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 5432,
                        "ToPort": 5432,
                        "IpRanges": [{"CidrIp": cidr, "Description": "by hand"} for cidr in peer.dyno_cidr_blocks],
                    }
                ],
            )
    return str(pcx_id)
