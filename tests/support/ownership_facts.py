"""Facts written by hand for pre-flight's ownership checks: one space, one VPC with one route table and one
security group, the stack's own peering and another's, and the state that holds them."""

from __future__ import annotations

from peering.model.args import HerokuPeeringArgs, IngressArgs, NamedPeering
from peering.model.facts import (
    GroupFacts,
    PeeringFacts,
    RuleFacts,
    SpaceFacts,
    TableFacts,
    VpcFacts,
)
from peering.model.network import PeeringConnection, Route
from peering.model.own_state import OwnPcx, OwnState
from peering.program.existing import MARKER_TAG
from providers.heroku_models import PeeringInfo

SPACE_VPC = "vpc-0000000000000000a"
INFO = PeeringInfo(
    aws_account_id="999988887777",
    aws_region="us-east-1",
    vpc_id=SPACE_VPC,
    vpc_cidr="10.0.0.0/16",
    dyno_cidr_blocks=("10.0.128.0/20",),
    space_cidr_blocks=("10.0.128.0/20",),
    unavailable_cidr_blocks=("10.1.0.0/16",),
)
SPACE = SpaceFacts("demo-space", INFO, "allocated", "cedar")
VPC = "vpc-0a1b2c3d4e5f60001"
TABLE = "rtb-0000000000000000a"
GROUP = "sg-0000000000000000a"
OWN_PCX = "pcx-0000000000000000a"
OTHER_PCX = "pcx-0000000000000000b"
MARKER = "heroku-peering/dev/main"
RULE = IngressArgs(GROUP, "tcp", 5432, 5432, "from Heroku Private Space dynos")


def peering(name: str = "main", **kwargs: object) -> NamedPeering:
    args = HerokuPeeringArgs(space="demo-space", vpc_id=VPC, ingress=(RULE,), **kwargs)  # type: ignore[arg-type]
    return NamedPeering(name, "heroku-peering:", args)


def pcx(pcx_id: str, status: str = "active", tag: str | None = None) -> PeeringConnection:
    return connection(pcx_id, status, VPC, SPACE_VPC, {MARKER_TAG: tag} if tag else {})


def connection(
    pcx_id: str, status: str, vpc_id: str, peer_vpc_id: str, tags: dict[str, str] | None = None
) -> PeeringConnection:
    """A peering connection as pre-flight reads it (no status message, no expiry)."""
    return PeeringConnection(
        pcx_id=pcx_id,
        status=status,
        message="",
        requester_vpc_id=vpc_id,
        requester_owner_id="",
        requester_region="",
        accepter_vpc_id=peer_vpc_id,
        accepter_owner_id="",
        accepter_region="",
        tags=tags or {},
    )


NOTHING_HELD = OwnState()


def facts(
    own: OwnState = NOTHING_HELD,
    routes: tuple[Route, ...] = (),
    rules: tuple[RuleFacts, ...] = (),
    peerings: tuple[PeeringConnection, ...] = (),
    targets: dict[str, PeeringConnection | None] | None = None,
) -> PeeringFacts:
    return PeeringFacts(
        SPACE,
        "us-east-1",
        VpcFacts(VPC, ("172.16.0.0/16",), (TABLE,), "123456789012"),
        tables={TABLE: TableFacts(TABLE, VPC, routes)},
        groups={GROUP: GroupFacts(VPC, rules)},
        peerings=peerings,
        heroku_peerings=(),
        targets=targets or {},
        own=own,
    )


def held(*, routes: bool = True, rules: frozenset[str] = frozenset(), vpc: str = VPC) -> OwnState:
    """A state with the peering ``main``: its pcx, and its route when ``routes``."""
    return OwnState(
        pcxs={"main": OwnPcx("main", OWN_PCX, vpc, SPACE_VPC)},
        routes=frozenset({(TABLE, "10.0.0.0/16")}) if routes else frozenset(),
        rule_ids=rules,
        peerings=frozenset({"main"}),
    )
