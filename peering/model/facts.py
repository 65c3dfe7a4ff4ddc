"""What pre-flight reads about one peering, as plain data: the checks are pure functions of these.

``lookups.py`` fills them in (once per fact and run); ``preflight.py`` and ``existing.py`` read them. The
objects the doctor reads too (a peering connection, a route, an ACL) are the network model's
(``network.py``); what is here is what only pre-flight needs: the space's info, a table's or a group's
VPC, a rule's id, description and tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from providers.heroku_models import Peering, PeeringInfo

from .network import NetworkAcl, PeeringConnection, Route
from .own_state import OwnState


@dataclass(frozen=True)
class SpaceFacts:
    name: str
    info: PeeringInfo
    state: str
    generation: str


@dataclass(frozen=True)
class VpcFacts:
    vpc_id: str
    cidrs: tuple[str, ...]  # primary and associated secondary IPv4 blocks
    route_table_ids: tuple[str, ...]  # every route table of the VPC
    owner_id: str | None = None  # the account that owns the VPC: the peer account Heroku will report
    secondary: Mapping[str, str] = field(default_factory=dict)  # a secondary block -> its association id


@dataclass(frozen=True)
class TableFacts:
    table_id: str
    vpc_id: str | None  # None: AWS does not know the table
    routes: tuple[Route, ...] = ()  # pre-flight's data source has no route state: blackhole is False


@dataclass(frozen=True)
class RuleFacts:
    rule_id: str
    protocol: str
    from_port: int | None
    to_port: int | None
    cidr: str | None
    description: str | None
    tags: Mapping[str, str] = field(default_factory=dict)
    is_egress: bool = False


@dataclass(frozen=True)
class GroupFacts:
    vpc_id: str | None  # None: AWS does not know the group
    rules: tuple[RuleFacts, ...] = ()


@dataclass(frozen=True)
class AclRead:
    """The ACLs of one VPC, or why they could not be read."""

    acls: tuple[NetworkAcl, ...] = ()
    skipped: str | None = None  # the reason, when not read

    @property
    def subnet_ids(self) -> tuple[str, ...]:
        """Every subnet of the VPC: AWS associates each with exactly one ACL, the default one unless told."""
        return tuple(subnet for acl in self.acls for subnet in acl.subnet_ids)


@dataclass(frozen=True)
class PeeringFacts:
    """Everything the checks of one peering read."""

    space: SpaceFacts
    region: str  # the stack's aws:region
    vpc: VpcFacts
    tables: Mapping[str, TableFacts]  # each chosen route table, with its routes
    groups: Mapping[str, GroupFacts]  # each ingress group, with its rules
    peerings: tuple[PeeringConnection, ...]  # live ones between the VPC and the space's VPC, either direction
    heroku_peerings: tuple[Peering, ...]  # the space's list, as Heroku sees it
    targets: Mapping[str, PeeringConnection | None] = field(default_factory=dict)  # pcx targets of routes in the way
    adopted: PeeringConnection | None = None  # what pcxId names, when set
    own: OwnState = field(default_factory=OwnState)  # what the stack's state holds
    acls: AclRead | None = None  # the VPC's network ACLs, read when the peering opens ports
