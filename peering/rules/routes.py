"""Routes: for every subnet, the route table that really serves it, and where its longest-prefix match
sends each of the dynos' ranges.

A subnet is served by the table explicitly associated with it, else by the VPC's main table
(https://docs.aws.amazon.com/vpc/latest/userguide/RouteTables.html#subnet-route-tables). AWS picks
the most specific route that matches a destination (longest prefix match, same page, "Route
priority"), so a route more specific than the one to the peering takes part of the range away.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from providers.statuses import ENDING

from ..model.first_match import Box, cidr_box, cidrs_of, decide
from ..model.network import PeeringConnection, Route, RouteTable, Subnet
from .findings import Finding


@dataclass(frozen=True)
class Served:
    """A route table and the subnets it serves (explicitly, or as the main table)."""

    table: RouteTable
    explicit: tuple[str, ...]
    implicit: tuple[str, ...]

    def text(self) -> str:
        parts = []
        if self.explicit:
            parts.append(f"{', '.join(self.explicit)} explicitly")
        if self.implicit:
            parts.append(f"{', '.join(self.implicit)} as the main table")
        return f"route table {self.table.table_id} (serves {'; '.join(parts)})"


@dataclass(frozen=True)
class RouteContext:
    """What a route's target is judged against."""

    pcx: PeeringConnection  # the peering between the VPC and the space
    peerings: Mapping[str, PeeringConnection]  # every peering connection the VPC's account describes
    space: str
    space_vpc_id: str
    space_vpc_cidr: str


def _live_name(context: RouteContext) -> str:
    return "the live peering connection" if context.pcx.status in ENDING else context.pcx.pcx_id


def serving_tables(subnets: Sequence[Subnet], tables: Sequence[RouteTable]) -> tuple[list[Served], list[str]]:
    """The tables that serve at least one subnet, and the subnets no table serves (no main table)."""
    main = next((table for table in tables if table.main), None)
    explicit: dict[str, list[str]] = {}
    implicit: list[str] = []
    for subnet in subnets:
        table = next((t for t in tables if subnet.subnet_id in t.subnet_ids), None)
        if table is not None:
            explicit.setdefault(table.table_id, []).append(subnet.subnet_id)
        else:
            implicit.append(subnet.subnet_id)
    served = []
    for table in tables:
        mine = tuple(explicit.get(table.table_id, ()))
        theirs = tuple(implicit) if table is main else ()
        if mine or theirs:
            served.append(Served(table, mine, theirs))
    return served, ([] if main is not None else implicit)


def longest_prefix_first(routes: Sequence[Route]) -> list[Route]:
    """IPv4 routes, most specific first: the first one that matches an address is the one AWS uses."""
    ipv4 = [route for route in routes if cidr_box(route.destination) is not None]
    return sorted(ipv4, key=lambda route: -ipaddress.ip_network(route.destination, strict=False).prefixlen)


def routed_pieces(cidr: str, routes: Sequence[Route]) -> list[tuple[str, Route | None]]:
    """The parts of ``cidr`` and the route each goes by (None: no route matches), as CIDRs."""
    space = cidr_box(cidr)
    if space is None:
        return []
    rules = [(box, route) for route in longest_prefix_first(routes) if (box := cidr_box(route.destination))]
    by_route: dict[Route | None, list[Box]] = {}
    for piece, route in decide(space, rules):
        by_route.setdefault(route, []).append(piece)
    pieces = [(part, route) for route, boxes in by_route.items() for part in cidrs_of(boxes)]
    return sorted(pieces, key=lambda item: ipaddress.ip_network(item[0]))


def check_routes(
    subnets: Sequence[Subnet], tables: Sequence[RouteTable], dyno_cidrs: Sequence[str], context: RouteContext
) -> list[Finding]:
    served, orphans = serving_tables(subnets, tables)
    findings = [
        Finding(
            "fault",
            "routes",
            subnet,
            f"subnet {subnet}: no route table serves it (no explicit association and no main table)",
            "nothing in the subnet can answer the dynos",
            f"aws ec2 associate-route-table --subnet-id {subnet} --route-table-id <a table routing "
            f"{context.space_vpc_cidr} to {_live_name(context)}>",
        )
        for subnet in orphans
    ]
    for one in served:
        findings.extend(_check_table(one, dyno_cidrs, context))
    return findings


def _check_table(served: Served, dyno_cidrs: Sequence[str], context: RouteContext) -> list[Finding]:
    table = served.table
    groups: dict[tuple[str, Route | None], list[str]] = {}
    for dyno in dyno_cidrs:
        for part, route in routed_pieces(dyno, table.routes):
            groups.setdefault((_kind(dyno, part, route, table, context), route), []).append(part)
    findings = []
    for (kind, route), parts in groups.items():
        if kind != "ok":
            findings.append(_fault(kind, route, parts, served, context))
    if not findings:
        via = sorted({route.destination for (_, route) in groups if route is not None})
        findings.append(
            Finding(
                "ok",
                "routes",
                table.table_id,
                f"{served.text()}: {', '.join(dyno_cidrs)} -> {context.pcx.pcx_id} (by {', '.join(via)})",
            )
        )
    return findings


def _kind(dyno: str, part: str, route: Route | None, table: RouteTable, context: RouteContext) -> str:
    """What one part of a dyno range meets: ok, missing, steals, blackhole, other-pcx or local."""
    if route is None:
        return "missing"
    if route.target == context.pcx.pcx_id:
        return "blackhole" if route.blackhole or context.pcx.status in ENDING else "ok"
    if route.target == "local":
        return "local"
    if route.target.startswith("pcx-"):
        other = context.peerings.get(route.target)
        return "blackhole" if route.blackhole or other is None or other.status in ENDING else "other-pcx"
    if route.blackhole:
        return "blackhole"
    narrow = _network(route.destination)
    inside_dyno = narrow != _network(dyno) and narrow.subnet_of(_network(dyno))
    shadowed = any(
        r.target == context.pcx.pcx_id
        and _network(part).subnet_of(_network(r.destination))
        and _network(r.destination).prefixlen < narrow.prefixlen
        for r in table.routes
        if cidr_box(r.destination) is not None
    )
    return "steals" if inside_dyno or shadowed else "missing"


def _network(cidr: str) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(cidr, strict=False)


def no_live_peering(context: RouteContext) -> str:
    """The fix for a route while no peering connection is live: nothing to point it at yet."""
    return (
        f"no live peering connection to point it at ({context.pcx.pcx_id} is {context.pcx.status}): for a stack, "
        "pulumi up (it requests and accepts a new peering and points its routes at it); by hand, the seed's "
        "procedure (request and accept a new one), then aws ec2 replace-route (or create-route) --route-table-id "
        "<table> --destination-cidr-block <the space's vpc_cidr> --vpc-peering-connection-id <the new pcx id>"
    )


def _fault(kind: str, route: Route | None, parts: list[str], served: Served, context: RouteContext) -> Finding:
    table = served.table.table_id
    pcx = context.pcx.pcx_id
    ranges = ", ".join(parts)
    ended = context.pcx.status in ENDING
    if kind == "missing":
        falls = f"; they fall to {route.destination} -> {route.target}" if route is not None else ""
        return Finding(
            "fault",
            "routes",
            table,
            f"{served.text()}: no route sends {ranges} to {pcx}{falls}",
            "answers to those dynos leave the subnets "
            + ("by that route, not through the peering" if route is not None else "by no route at all")
            + ": the dynos' connections time out",
            no_live_peering(context) if ended else _route_fix(served.table, context, parts),
        )
    assert route is not None
    replace = (
        f"aws ec2 replace-route --route-table-id {table} --destination-cidr-block {route.destination} "
        f"--vpc-peering-connection-id {pcx}"
    )
    if kind == "steals":
        return Finding(
            "fault",
            "routes",
            table,
            f"{served.text()}: the route {route.destination} -> {route.target} is more specific than the route "
            f"to {pcx} and takes {ranges} of the dynos' ranges",
            f"the longest prefix wins: traffic to those dynos goes to {route.target}, not through the peering",
            f"aws ec2 delete-route --route-table-id {table} --destination-cidr-block {route.destination}"
            + ("" if ended else f" (or {replace}, if that range is the space's)"),
        )
    if kind == "blackhole":
        other = context.peerings.get(route.target)
        state = other.status if other is not None else "unknown to AWS"
        fix = no_live_peering(context) if ended else replace
        return Finding(
            "fault",
            "routes",
            table,
            f"{served.text()}: {ranges} go by {route.destination} to {route.target}, a blackhole "
            f"({route.target} is {state}; a leftover of an old peering)",
            "AWS drops packets sent to a blackhole route",
            fix,
        )
    if kind == "other-pcx":
        other = context.peerings[route.target]
        return Finding(
            "fault",
            "routes",
            table,
            f"{served.text()}: {ranges} go by {route.destination} to {route.target}, which connects "
            f"{other.requester_vpc_id} to {other.accepter_vpc_id}, not to space {context.space}'s VPC "
            f"{context.space_vpc_id} by {pcx}",
            "traffic to those dynos goes to another VPC",
            no_live_peering(context) if ended else replace,
        )
    return Finding(
        "fault",
        "routes",
        table,
        f"{served.text()}: {ranges} are inside the VPC's own range {route.destination} (the local route)",
        "the VPC keeps that traffic to itself: its range overlaps the space's (see the cidrs findings)",
        "see the cidrs findings: disassociate the secondary block that overlaps, or peer a VPC whose primary block "
        "avoids the space's ranges",
    )


def _route_fix(table: RouteTable, context: RouteContext, missing: list[str]) -> str:
    """Heroku's advice, a route for the space's whole vpc_cidr; the missing parts alone when the table
    already routes others to the peering. ``replace-route`` where a route has that destination."""
    pcx = context.pcx.pcx_id
    partial = any(route.target == pcx for route in table.routes)
    existing = {route.destination for route in table.routes}
    return "; ".join(
        f"aws ec2 {'replace-route' if destination in existing else 'create-route'} --route-table-id "
        f"{table.table_id} --destination-cidr-block {destination} --vpc-peering-connection-id {pcx}"
        for destination in (missing if partial else [context.space_vpc_cidr])
    )
