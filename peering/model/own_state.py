"""What this stack already holds, read from its own last saved state before anything is registered.

Pre-flight needs it to tell the stack's own objects from everyone else's: a route the stack made and
someone repointed is drift to repair, not a conflict; a tagged peering connection the state does not
hold is the leftover of an interrupted run; a peering whose name changed keeps its resources through
an alias. Tags cannot say all of that (routes carry none, and a killed run may tag what it never
recorded), the state can. The engine's builtin provider serves it (``pulumi:pulumi:readStackResourceOutputs``,
pkg/resource/deploy/builtins.go: every resource of the stack's last snapshot with its type and outputs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

COMPONENT_TYPE = "heroku-peering:index:HerokuPeering"
PCX_TYPE = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ROUTE_TYPE = "aws:ec2/route:Route"
RULE_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
# The acceptance as the Python program's dynamic resource, and as the component package's own resource; each
# with the output that holds its pcx id.
ACCEPTANCE_TYPES = {
    "pulumi-python:dynamic/heroku:PeeringAcceptance": "pcx_id",
    "heroku-peering:index:PeeringAcceptance": "pcxId",
}
TAG_TYPE = "aws:ec2/tag:Tag"


@dataclass(frozen=True)
class OwnPcx:
    """A peering connection in the state, under the peering (component) that made it."""

    peering: str  # the component's name
    pcx_id: str
    vpc_id: str
    peer_vpc_id: str
    peer_region: str = ""


@dataclass(frozen=True)
class OwnState:
    """The stack's objects as its last run saved them (empty for a new stack)."""

    pcxs: Mapping[str, OwnPcx] = field(default_factory=dict)  # by peering name
    routes: frozenset[tuple[str, str]] = frozenset()  # (route table, destination)
    rule_ids: frozenset[str] = frozenset()  # sgr-...
    acceptance_statuses: Mapping[str, str] = field(default_factory=dict)  # pcx id -> Heroku status
    peerings: frozenset[str] = frozenset()  # component names
    claims: frozenset[str] = frozenset()  # peerings whose claim tag is a resource of its own (``<name>-marker``)

    @property
    def pcx_ids(self) -> frozenset[str]:
        return frozenset(pcx.pcx_id for pcx in self.pcxs.values())

    def previous_name(self, name: str, vpc_id: str, peer_vpc_id: str, taken: frozenset[str]) -> str | None:
        """The name under which the state holds this VPC pair's peering, when it is not ``name`` and no other
        peering of the program uses it: the peering was renamed (AWS allows one connection per VPC pair)."""
        if name in self.pcxs:
            return None
        for old, pcx in sorted(self.pcxs.items()):
            if old not in taken and (pcx.vpc_id, pcx.peer_vpc_id) == (vpc_id, peer_vpc_id):
                return old
        return None


def _name(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def _types(urn: str) -> list[str]:
    """The type chain of a URN, parents first: ``A$B`` for a B whose parent is an A."""
    return urn.split("::")[2].split("$")


def parse(resources: Mapping[str, Any]) -> OwnState:
    """The invoke's ``outputs`` (URN -> {type, outputs}) as the facts pre-flight uses."""
    pcxs: dict[str, OwnPcx] = {}
    routes: set[tuple[str, str]] = set()
    rules: set[str] = set()
    statuses: dict[str, str] = {}
    peerings: set[str] = set()
    claims: set[str] = set()
    for urn, resource in resources.items():
        if not isinstance(resource, Mapping):
            continue
        kind, outputs = resource.get("type"), resource.get("outputs") or {}
        under_component = COMPONENT_TYPE in _types(urn)[:-1]
        if kind == COMPONENT_TYPE:
            peerings.add(_name(urn))
        elif kind == PCX_TYPE and under_component and _name(urn).endswith("-pcx") and outputs.get("id"):
            peering = _name(urn).removesuffix("-pcx")
            pcxs[peering] = OwnPcx(
                peering,
                str(outputs["id"]),
                str(outputs.get("vpcId") or ""),
                str(outputs.get("peerVpcId") or ""),
                str(outputs.get("peerRegion") or ""),
            )
        elif kind == ROUTE_TYPE and under_component:
            routes.add((str(outputs.get("routeTableId") or ""), str(outputs.get("destinationCidrBlock") or "")))
        elif kind == RULE_TYPE and under_component and outputs.get("id"):
            rules.add(str(outputs["id"]))
        elif kind in ACCEPTANCE_TYPES and outputs.get(ACCEPTANCE_TYPES[str(kind)]):
            statuses[str(outputs[ACCEPTANCE_TYPES[str(kind)]])] = str(outputs.get("status") or "")
        elif kind == TAG_TYPE and under_component and _name(urn).endswith("-marker"):
            claims.add(_name(urn).removesuffix("-marker"))
    return OwnState(pcxs, frozenset(routes), frozenset(rules), statuses, frozenset(peerings), frozenset(claims))
