"""What already exists: conflicts AWS would refuse halfway through `up`, and hand-made peerings to adopt.

Pure functions over facts read once per VPC, route table and security group (``facts.py``).
What AWS refuses, and so must be caught here: a second route to a destination a table already
routes (``RouteAlreadyExists``), a rule identical to one a group has (``InvalidPermission.Duplicate``),
a second peering connection between the same two VPCs. What the stack's state holds is its own,
never a conflict; objects it made also carry the ``heroku-peering`` tag (``project/stack/peering``),
which tells the leftovers of an interrupted run, made but not recorded, from everyone else's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import shown
from .facts import LIVE_PCX_STATES, PcxFacts, PeeringFacts, RouteFacts, RuleFacts
from .peering_args import IngressArgs, NamedPeering

MARKER_TAG = "heroku-peering"
ADOPTABLE_STATES = ("active", "provisioning")


@dataclass(frozen=True)
class Adoption:
    """A hand-made peering taken over (pcxId): imported as it is, so that the first `up` changes nothing.

    The peering and the rules it came with keep their own tags and descriptions. The stack tags the
    peering (a separate ``aws.ec2.Tag``) in the first run that creates something for it, so that its
    tags too tell which stack holds it (``complete``).
    """

    pcx: PcxFacts
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
    """Conflicts with what exists (each naming the object and the fix), and the adoption when pcxId is set.

    The stack's own objects are what its state holds (``facts.own``): never a conflict, whatever was done to
    them by hand (this run puts them back). What carries the stack's tag but is not in its state was made by
    an interrupted run: named as such, with what to do (routes and rules of it are taken in by ``imports``)."""
    p, args, own = peering.where, peering.args, facts.own
    problems: list[str] = []
    stack_prefix = marker.rsplit("/", 1)[0] + "/"
    ours = set(own.pcx_ids)
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
    adopt = "pulumi config set pcxId {}" if p.endswith(":") else f"add pcxId: {{}} to {p.rstrip('.: ')}"
    for pcx_id, status in sorted(live.items()):
        if pcx_id in ours:
            continue
        tag = next((pcx.tags.get(MARKER_TAG, "") for pcx in facts.peerings if pcx.pcx_id == pcx_id), "")
        delete = f"aws ec2 delete-vpc-peering-connection --vpc-peering-connection-id {pcx_id}"
        if tag.startswith(stack_prefix):
            take = (
                f"Take it over ({adopt.format(pcx_id)}; nothing is recreated), or delete it ({delete}) and run "
                "`pulumi up` again."
                if status in ADOPTABLE_STATES
                else f"Delete it ({delete}; it was never accepted) and run `pulumi up` again: a new one is requested."
            )
            problems.append(
                f"{p}vpcId = {args.vpc_id!r}: {pcx_id} ({status}) between the VPC and space {facts.space.name} was "
                f"made by an interrupted run of this stack (tag {MARKER_TAG} = {shown(tag)}), which stopped before "
                f"the state recorded it; AWS allows one peering connection between two VPCs. {take}"
            )
            continue
        project_prefix = marker.split("/", 1)[0] + "/"
        owner = "made outside this stack"
        if tag.startswith(project_prefix) and tag.count("/") == 2:
            other_stack, other_name = tag.split("/")[1:]
            owner = f"made by stack {other_stack}'s peering {other_name!r}"
        problems.append(
            f"{p}vpcId = {args.vpc_id!r}: the VPC is already peered with space {facts.space.name} by {pcx_id} "
            f"({status}, {owner}); AWS allows one peering connection between two VPCs. Adopt it instead of "
            f"requesting a new one ({adopt.format(pcx_id)}; nothing is recreated), or delete it first."
        )

    for table in tables:
        known = facts.tables.get(table)
        for destination in destinations:
            route = next((r for r in known.routes if r.destination == destination), None) if known else None
            if route is None or (table, destination) in own.routes or route.target in ours:
                continue  # nothing there, the stack's own route, or one to the stack's peering (imported)
            delete = f"aws ec2 delete-route --route-table-id {table} --destination-cidr-block {destination}"
            target = facts.targets.get(route.target)
            if target is not None and target.tags.get(MARKER_TAG, "").startswith(stack_prefix):
                problems.append(
                    f"{p}routeTableIds: route table {table} routes {destination} to {route.target}"
                    f"{_blackhole(route, facts)}, a route an interrupted run of this stack made and its state does "
                    f"not hold. Delete it ({delete}) and run `pulumi up` again: the stack makes the route it needs."
                )
                continue
            problems.append(
                f"{p}routeTableIds: route table {table} already routes {destination} to "
                f"{route.target or 'an unknown target'}{_blackhole(route, facts)}; AWS refuses a second route to the "
                f"same destination. Delete it ({delete}) or leave {table} out of routeTableIds."
            )

    for rule in args.ingress:
        for cidr in sources:
            group = facts.groups.get(str(rule.security_group_id))
            existing = [r for r in (group.rules if group else ()) if same_rule(r, rule, cidr)]
            for found in existing:
                if found.rule_id in own.rule_ids or adoption is not None or _made_here(found, stack_prefix):
                    continue  # the stack's own rule, or one taken in (``imports``)
                described = f", {shown(found.description)}" if found.description else ""
                problems.append(
                    f"{p}ingress: security group {rule.security_group_id} already allows {_ports(rule)} from {cidr} "
                    f"({found.rule_id}{described}); AWS refuses a duplicate rule. Revoke it (aws ec2 "
                    f"revoke-security-group-ingress --group-id {rule.security_group_id} --security-group-rule-ids "
                    f"{found.rule_id}), or adopt the hand-made peering with pcxId, which takes such rules over."
                )
    return adoption, problems


def _made_here(rule: RuleFacts, stack_prefix: str) -> bool:
    """Tagged by this stack: an interrupted run's rule, taken in rather than refused."""
    return rule.tags.get(MARKER_TAG, "").startswith(stack_prefix)


@dataclass(frozen=True)
class Imports:
    """What exists and becomes the stack's, imported as it is (so the run changes nothing of it): the routes to
    the stack's or the adopted peering that the state does not hold yet, and the identical rules (an adopted
    peering's keep their tags and description every run), with a note naming each leftover taken in."""

    routes: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (table, destination) -> "rtb-..._cidr"
    rules: Mapping[tuple[str, str, int | None, int | None, str], RuleFacts] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    creates: bool = True  # the run makes a route or rule that neither exists nor is in the state


def imports(
    peering: NamedPeering,
    facts: PeeringFacts,
    adoption: Adoption | None,
    tables: tuple[str, ...],
    destinations: tuple[str, ...],
    sources: tuple[str, ...],
    marker: str,
) -> Imports:
    own, args = facts.own, peering.args
    stack_prefix = marker.rsplit("/", 1)[0] + "/"
    targets = set(own.pcx_ids) | ({adoption.pcx.pcx_id} if adoption else set())
    routes = {
        (table, destination): f"{table}_{destination}"
        for table in tables
        for destination in destinations
        for route in (facts.tables[table].routes if table in facts.tables else ())
        if route.destination == destination and route.target in targets and (table, destination) not in own.routes
    }
    rules = {
        rule_key(str(rule.security_group_id), rule, cidr): found
        for rule in args.ingress
        for cidr in sources
        for found in facts.groups[str(rule.security_group_id)].rules
        if same_rule(found, rule, cidr)
        and (adoption is not None or (_made_here(found, stack_prefix) and found.rule_id not in own.rule_ids))
    }
    notes = []
    if adoption is None:  # an adoption is the user's request; these are the stack's own leftovers
        notes += [
            f"{peering.where}route table {table} already routes {dest} to this stack's peering, from an interrupted "
            "run; the state takes it in as it is"
            for table, dest in routes
        ]
        notes += [
            f"{peering.where}rule {found.rule_id} on {key[0]} was made by an interrupted run of this stack; the state "
            "takes it in as it is"
            for key, found in rules.items()
        ]
    held_rules = {
        rule_key(str(rule.security_group_id), rule, cidr)
        for rule in args.ingress
        for cidr in sources
        for found in facts.groups[str(rule.security_group_id)].rules
        if same_rule(found, rule, cidr) and found.rule_id in own.rule_ids
    }
    wanted_rules = {rule_key(str(rule.security_group_id), rule, cidr) for rule in args.ingress for cidr in sources}
    creates = any(
        (table, destination) not in routes and (table, destination) not in own.routes
        for table in tables
        for destination in destinations
    ) or bool(wanted_rules - set(rules) - held_rules)
    return Imports(routes, rules, tuple(notes), creates)


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
    return Adoption(pcx, pcx.tags.get(MARKER_TAG) == marker), []
