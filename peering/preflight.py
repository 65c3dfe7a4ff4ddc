"""Pre-flight checks: everything that can be known wrong before a single resource is registered.

Pure functions over facts gathered once (``lookups.py``), so each rule is tested directly.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from providers.heroku_models import PeeringInfo

from .existing import Adoption
from .stack_config import PeeringSpec

RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


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


@dataclass(frozen=True)
class PeeringPlan:
    """A checked spec with everything the component needs to register resources."""

    spec: PeeringSpec
    peer: PeeringInfo
    vpc: VpcFacts
    region: str
    route_table_ids: tuple[str, ...]
    destination_cidrs: tuple[str, ...]
    source_cidrs: tuple[str, ...]
    marker: str = ""  # the tag value that marks objects as this stack's (project/stack/peering)
    adoption: Adoption | None = None  # a hand-made peering taken over (pcxId)

    @property
    def peer_region(self) -> str | None:
        """Set only for an inter-region peering."""
        return self.peer.aws_region if self.peer.aws_region != self.region else None


def _networks(cidrs: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]


def is_rfc1918(cidr: str) -> bool:
    network = ipaddress.ip_network(cidr, strict=False)
    return isinstance(network, ipaddress.IPv4Network) and any(network.subnet_of(block) for block in RFC1918)


def overlapping(mine: Iterable[str], theirs: Iterable[str]) -> list[tuple[str, str]]:
    pairs = []
    for a in _networks(mine):
        for b in _networks(theirs):
            if a.version == b.version and a.overlaps(b):
                pairs.append((str(a), str(b)))
    return pairs


def plan_peering(
    spec: PeeringSpec,
    space: SpaceFacts,
    vpc: VpcFacts,
    region: str,
    table_vpcs: Mapping[str, str | None],
    group_vpcs: Mapping[str, str | None],
) -> tuple[PeeringPlan | None, list[str]]:
    """One spec against the facts; returns the plan or the problems (each naming its key and fix)."""
    problems: list[str] = []
    p = spec.key_prefix
    info = space.info
    if space.generation and space.generation != "cedar":
        problems.append(
            f"{p}space = {spec.space!r}: a {space.generation}-generation space; Heroku supports peering only for "
            "Cedar-generation Private Spaces (Shield included). Use a Cedar space."
        )
    if space.state and space.state != "allocated":
        problems.append(
            f"{p}space = {spec.space!r}: the space is {space.state}, not allocated. Wait for it "
            f"(`heroku spaces:wait {spec.space}`), then run again."
        )
    for cidr in vpc.cidrs:
        if not is_rfc1918(cidr):
            problems.append(
                f"{p}vpcId = {spec.vpc_id!r}: the VPC's CIDR {cidr} is not IPv4 RFC 1918 (10.0.0.0/8, "
                "172.16.0.0/12, 192.168.0.0/16); Heroku peers only such VPCs. Use a VPC in those ranges."
            )
    reserved = [
        ("vpc_cidr", [info.vpc_cidr]),
        ("unavailable_cidr_blocks", list(info.unavailable_cidr_blocks)),
        ("space_cidr_blocks", list(info.space_cidr_blocks)),
        ("dyno_cidr_blocks", list(info.dyno_cidr_blocks)),
    ]
    for label, ranges in reserved:
        for mine, theirs in overlapping(vpc.cidrs, ranges):
            problems.append(
                f"{p}vpcId = {spec.vpc_id!r}: the VPC's CIDR {mine} overlaps the space's {label} {theirs} "
                f"(space {spec.space}); AWS would mark the peering failed. CIDRs cannot change after creation: "
                f"peer a VPC whose ranges avoid {', '.join(sorted({info.vpc_cidr, *info.unavailable_cidr_blocks}))} "
                f"(see `heroku spaces:peering:info {spec.space}`)."
            )
            break
    tables = spec.route_table_ids if spec.route_table_ids is not None else vpc.route_table_ids
    if not tables:
        problems.append(
            f"{p}routeTableIds: the VPC {spec.vpc_id} has no route table to add routes to. Create one, or list "
            "the route tables to use in routeTableIds."
        )
    for table in spec.route_table_ids or ():
        owner = table_vpcs.get(table)
        if owner != spec.vpc_id:
            where = f"belongs to {owner}" if owner else "was not found"
            problems.append(
                f"{p}routeTableIds: route table {table} {where}, not to {spec.vpc_id}. Use route tables of "
                f"that VPC ({', '.join(vpc.route_table_ids) or 'none found'})."
            )
    for rule in spec.ingress:
        owner = group_vpcs.get(rule.security_group_id)
        if owner != spec.vpc_id:
            where = f"belongs to {owner}" if owner else "was not found"
            problems.append(
                f"{p}ingress: security group {rule.security_group_id} {where}, not to {spec.vpc_id}. "
                "Use a security group of the peered VPC."
            )
    if problems:
        return None, problems
    destinations = (info.vpc_cidr,) if spec.route_to == "vpc" else tuple(info.space_cidr_blocks)
    return PeeringPlan(
        spec=spec,
        peer=info,
        vpc=vpc,
        region=region,
        route_table_ids=tuple(dict.fromkeys(tables)),
        destination_cidrs=destinations,
        source_cidrs=tuple(info.dyno_cidr_blocks),
    ), []


def check_across(plans: list[PeeringPlan]) -> list[str]:
    """Conflicts that only show between peerings of one stack."""
    problems: list[str] = []
    pairs: dict[tuple[str, str], str] = {}
    for plan in plans:
        key = (plan.peer.vpc_id, plan.vpc.vpc_id)
        if key in pairs:
            problems.append(
                f"{plan.spec.key_prefix}: {plan.vpc.vpc_id} is already peered with space {plan.spec.space} by "
                f"{pairs[key]}; AWS allows one peering connection between two VPCs. Remove one of them."
            )
        pairs[key] = plan.spec.key_prefix.rstrip(".:")
    routes: dict[str, list[tuple[str, str]]] = {}
    for plan in plans:
        for table in plan.route_table_ids:
            for cidr in plan.destination_cidrs:
                for other_cidr, other_space in routes.get(table, []):
                    if other_space != plan.spec.space and overlapping([cidr], [other_cidr]):
                        problems.append(
                            f"{plan.spec.key_prefix}routeTableIds: route table {table} would route {cidr} to space "
                            f"{plan.spec.space} and {other_cidr} to space {other_space}; the ranges overlap. Use "
                            "separate route tables (routeTableIds) or routeTo: space with disjoint space CIDRs."
                        )
                routes.setdefault(table, []).append((cidr, plan.spec.space))
    rules: set[tuple[str, str, int | None, int | None, str]] = set()
    for plan in plans:
        for rule in plan.spec.ingress:
            for cidr in plan.source_cidrs:
                key5 = (rule.security_group_id, rule.protocol, rule.from_port, rule.to_port, cidr)
                if key5 in rules:
                    problems.append(
                        f"{plan.spec.key_prefix}ingress: the rule {rule.protocol} {rule.from_port}-{rule.to_port} "
                        f"from {cidr} on {rule.security_group_id} is listed twice; AWS refuses duplicates. "
                        "Keep one."
                    )
                    break
                rules.add(key5)
    return problems
