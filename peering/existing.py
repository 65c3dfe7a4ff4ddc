"""What already exists: conflicts AWS would refuse halfway through `up`, and hand-made peerings to adopt.

Pure functions over facts read once per VPC, route table and security group (``facts.py``).
What AWS refuses, and so must be caught here: a second route to a destination a table already
routes (``RouteAlreadyExists``), a rule identical to one a group has (``InvalidPermission.Duplicate``),
a second peering connection between the same two VPCs. Objects this stack made carry the
``heroku-peering`` tag (``project/stack/peering``), so that they are never taken for conflicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .facts import LIVE_PCX_STATES, PcxFacts, PeeringFacts, RouteFacts, RuleFacts
from .peering_args import HerokuPeeringArgs, IngressArgs, NamedPeering

MARKER_TAG = "heroku-peering"
ADOPTABLE_STATES = ("active", "provisioning")


@dataclass(frozen=True)
class Adoption:
    """A hand-made peering taken over: imported as it is, so that the first `up` changes nothing.

    The peering and the rules it came with keep their own tags and descriptions. Routes have no tags,
    so which routes to the peering are the stack's is told by the peering itself: the stack tags it
    (a separate ``aws.ec2.Tag``) in the first run that creates something for it; from then on
    (``complete``) every route to it is the stack's and nothing is imported again.
    """

    pcx: PcxFacts
    routes: Mapping[tuple[str, str], str]  # (table, destination) -> import id "rtb-..._cidr"
    rules: Mapping[tuple[str, str, int | None, int | None, str], RuleFacts]  # identical rules, imported
    complete: bool


def rule_key(group: str, rule: IngressArgs, cidr: str) -> tuple[str, str, int | None, int | None, str]:
    return (group, rule.protocol, rule.from_port, rule.to_port, cidr)


def same_rule(existing: RuleFacts, rule: IngressArgs, cidr: str) -> bool:
    """AWS's notion of a duplicate: protocol, ports and source, whatever the description says."""
    if existing.is_egress or existing.protocol != rule.protocol or existing.cidr != cidr:
        return False
    if rule.protocol == "-1":
        return True
    return (existing.from_port, existing.to_port) == (rule.from_port, rule.to_port)


def _ports(rule: IngressArgs) -> str:
    if rule.protocol == "-1":
        return "all traffic"
    if rule.protocol == "icmp":
        return f"icmp type {rule.from_port} code {rule.to_port}"
    return f"{rule.protocol} {rule.from_port}-{rule.to_port}"


def check_existing(
    peering: NamedPeering,
    facts: PeeringFacts,
    tables: tuple[str, ...],
    destinations: tuple[str, ...],
    sources: tuple[str, ...],
    marker: str,
) -> tuple[Adoption | None, list[str]]:
    """Conflicts with what exists (each naming the object and the fix), and the adoption when pcxId is set."""
    p, args = peering.where, peering.args
    problems: list[str] = []
    stack_prefix = marker.rsplit("/", 1)[0] + "/"
    seen = [*facts.peerings, *(pcx for pcx in facts.targets.values() if pcx is not None)]
    ours = {pcx.pcx_id for pcx in seen if pcx.tags.get(MARKER_TAG) == marker}  # routes to them are the stack's
    adoption: Adoption | None = None
    if args.pcx_id:
        adoption, refused = _adoption(peering, facts, marker)
        problems.extend(refused)
        ours.add(args.pcx_id)

    live = {pcx.pcx_id: pcx.status for pcx in facts.peerings if pcx.status in LIVE_PCX_STATES}
    for listed in facts.heroku_peerings:
        terminal = listed.status in ("deleted", "failed", "rejected", "expired")
        if listed.aws_vpc_id == args.vpc_id and not listed.heroku_managed and not terminal:
            live.setdefault(listed.pcx_id, listed.status)
    for pcx_id, status in sorted(live.items()):
        if pcx_id in ours:
            continue
        tag = next((pcx.tags.get(MARKER_TAG, "") for pcx in facts.peerings if pcx.pcx_id == pcx_id), "")
        owner = "made outside this stack"
        if tag.startswith(stack_prefix):
            owner = f"made by this stack's peering {tag.rsplit('/', 1)[1]!r}"
        adopt = f"pulumi config set pcxId {pcx_id}" if p.endswith(":") else f"add pcxId: {pcx_id} to {p.rstrip('.')}"
        problems.append(
            f"{p}vpcId = {args.vpc_id!r}: the VPC is already peered with space {args.space} by {pcx_id} ({status}, "
            f"{owner}); AWS allows one peering connection between two VPCs. Adopt it instead of requesting a new "
            f"one ({adopt}; nothing is recreated), or delete it first."
        )

    for table in tables:
        known = facts.tables.get(table)
        for destination in destinations:
            route = next((r for r in known.routes if r.destination == destination), None) if known else None
            if route is None or route.target in ours:
                continue
            problems.append(
                f"{p}routeTableIds: route table {table} already routes {destination} to "
                f"{route.target or 'an unknown target'}{_blackhole(route, facts)}; AWS refuses a second route to the "
                f"same destination. Delete it (aws ec2 delete-route --route-table-id {table} --destination-cidr-block "
                f"{destination}; then `pulumi refresh` if it was this stack's) or leave {table} out of routeTableIds."
            )

    for rule in args.ingress:
        for cidr in sources:
            group = facts.groups.get(str(rule.security_group_id))
            existing = [r for r in (group.rules if group else ()) if same_rule(r, rule, cidr)]
            for found in existing:
                if found.tags.get(MARKER_TAG) == marker or adoption is not None:
                    continue  # this stack's own rule, or one taken over with an adopted peering
                described = f", {found.description!r}" if found.description else ""
                problems.append(
                    f"{p}ingress: security group {rule.security_group_id} already allows {_ports(rule)} from {cidr} "
                    f"({found.rule_id}{described}); AWS refuses a duplicate rule. Revoke it (aws ec2 "
                    f"revoke-security-group-ingress --group-id {rule.security_group_id} --security-group-rule-ids "
                    f"{found.rule_id}), or adopt the hand-made peering with pcxId, which takes such rules over."
                )
    return adoption, problems


def _blackhole(route: RouteFacts, facts: PeeringFacts) -> str:
    if not route.target.startswith("pcx-"):
        return ""
    target = facts.targets.get(route.target)
    if target is None or target.status not in LIVE_PCX_STATES:
        state = target.status if target else "gone"
        return f" (a blackhole: {route.target} is {state}, a leftover of an old peering)"
    return f" (another peering, {target.status})"


def _adoption(peering: NamedPeering, facts: PeeringFacts, marker: str) -> tuple[Adoption | None, list[str]]:
    p, args, space_vpc_id = peering.where, peering.args, facts.space.info.vpc_id
    pcx = facts.adopted
    if pcx is None:
        return None, [
            f"{p}pcxId = {args.pcx_id!r}: no such peering connection in this account and region. Check the id "
            "(aws ec2 describe-vpc-peering-connections) and the stack's aws:region."
        ]
    if (pcx.vpc_id, pcx.peer_vpc_id) != (args.vpc_id, space_vpc_id):
        return None, [
            f"{p}pcxId = {args.pcx_id!r}: it connects {pcx.vpc_id} to {pcx.peer_vpc_id}, not vpcId {args.vpc_id} to "
            f"space {args.space}'s VPC {space_vpc_id}. Give the pcx id of that pair, requested from your VPC."
        ]
    if pcx.status not in ADOPTABLE_STATES:
        return None, [
            f"{p}pcxId = {args.pcx_id!r}: the peering is {pcx.status}; only an active or provisioning peering can be "
            "adopted. Unset pcxId to let the stack request and accept a new one (delete this one first)."
        ]
    complete = pcx.tags.get(MARKER_TAG) == marker
    return Adoption(pcx, {}, {}, complete), []


def adoption_imports(
    adoption: Adoption,
    tables: tuple[str, ...],
    destinations: tuple[str, ...],
    sources: tuple[str, ...],
    args: HerokuPeeringArgs,
    facts: PeeringFacts,
) -> Adoption:
    """The routes to the adopted peering and the identical rules, to import on the adopting run."""
    routes = (
        {}
        if adoption.complete
        else {
            (table, destination): f"{table}_{destination}"
            for table in tables
            for destination in destinations
            for route in (facts.tables[table].routes if table in facts.tables else ())
            if route.destination == destination and route.target == adoption.pcx.pcx_id
        }
    )
    rules = {
        rule_key(str(rule.security_group_id), rule, cidr): found
        for rule in args.ingress
        for cidr in sources
        for found in facts.groups[str(rule.security_group_id)].rules
        if same_rule(found, rule, cidr)
    }
    return Adoption(adoption.pcx, routes, rules, adoption.complete)
