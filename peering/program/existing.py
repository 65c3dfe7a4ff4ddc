"""What already exists: conflicts AWS would refuse halfway through `up`, and hand-made peerings to adopt.

Pure functions over facts read once per VPC, route table and security group (``facts.py``).
What AWS refuses, and so must be caught here: a second route to a destination a table already
routes (``RouteAlreadyExists``), a rule identical to one a group has (``InvalidPermission.Duplicate``),
a second peering connection between the same two VPCs. What the stack's state holds is its own,
never a conflict; objects it made also carry the ``heroku-peering`` tag (``project/stack/peering``),
which tells the leftovers of an interrupted run, made but not recorded, from everyone else's, and another
stack's peering (``ownership``) from a hand-made one: another stack's is never adopted, changed or deleted,
and no message advises it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from providers.statuses import ACCEPTED, ENDED, LIVE

from ..errors import shown
from ..model.args import IngressArgs, NamedPeering
from ..model.facts import PeeringFacts, RuleFacts
from ..model.network import PeeringConnection, Route
from ..model.ownership import MARKER_TAG, SPACE_TAG, Claim, claim_of, foreign_claim, hand_over

__all__ = [
    "MARKER_TAG",
    "Adoption",
    "Imports",
    "adoption_notes",
    "check_existing",
    "imports",
    "rule_key",
]


@dataclass(frozen=True)
class Adoption:
    """A hand-made peering taken over (pcxId): imported as it is, so that the first `up` changes nothing of it.

    The peering and the rules it came with keep their own tags and descriptions. The first run adds the
    stack's claim to the peering (a separate ``aws.ec2.Tag``), so that every other stack sees whose it is.
    """

    pcx: PeeringConnection


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
    an interrupted run: named as such, with what to do (routes and rules of it are taken in by ``imports``).
    What another stack claims is named with its owner and never offered for adoption."""
    own = facts.own
    problems: list[str] = []
    ours = set(own.pcx_ids)
    adoption: Adoption | None = None
    if peering.args.pcx_id:
        adoption, refused = _adoption(peering, facts, marker)
        problems.extend(refused)
        ours.add(peering.args.pcx_id)
    live = live_peerings(peering, facts)
    for pcx_id, status in sorted(live.items()):
        if pcx_id not in ours:
            problems.append(_peering_in_the_way(peering, facts, pcx_id, status, marker))
    problems.extend(_held_twice(peering, facts, marker))
    # live peerings someone claims that the stack does not hold (a pcxId refused as another stack's among them)
    others = {pcx_id: claim for pcx_id in live if pcx_id not in own.pcx_ids and (claim := _claim(facts, pcx_id))}
    unclaimed = sorted(pcx_id for pcx_id in live if pcx_id not in ours and pcx_id not in others)
    for table in tables:
        known = facts.tables.get(table)
        for destination in destinations:
            route = next((r for r in known.routes if r.destination == destination), None) if known else None
            if route is None or (table, destination) in own.routes or route.target in ours:
                continue  # nothing there, the stack's own route, or one to the stack's peering (imported)
            if route.target in others and route.target not in ours:
                continue  # the route of a peering named above with its owner
            problems.append(_route_in_the_way(peering, facts, table, route, marker, unclaimed))
    for rule in peering.args.ingress:
        for cidr in sources:
            group = facts.groups.get(str(rule.security_group_id))
            for found in [r for r in (group.rules if group else ()) if same_rule(r, rule, cidr)]:
                if found.rule_id in own.rule_ids or _made_here(found, marker):
                    continue  # the stack's own rule, or an interrupted run's (``imports`` takes it in)
                if adoption is not None and _comes_with_adoption(found, facts.space.name, marker):
                    continue  # the adopted peering's (``imports``)
                if others and (claim_of(found.tags) is None or claim_of(found.tags) in others.values()):
                    continue  # a rule of a peering named above with its owner
                problems.append(_rule_in_the_way(peering, rule, cidr, found, marker, unclaimed))
    return adoption, problems


def live_peerings(peering: NamedPeering, facts: PeeringFacts) -> dict[str, str]:
    """Every live peering between the VPC and the space, as AWS or Heroku reports it: pcx id -> status."""
    live = {pcx.pcx_id: pcx.status for pcx in facts.peerings if pcx.status in LIVE}
    for listed in facts.heroku_peerings:
        terminal = listed.status in ENDED
        if listed.aws_vpc_id == peering.args.vpc_id and not listed.heroku_managed and not terminal:
            live.setdefault(listed.pcx_id, listed.status)
    return live


def _claim(facts: PeeringFacts, pcx_id: str) -> Claim | None:
    pcx = next((pcx for pcx in facts.peerings if pcx.pcx_id == pcx_id), None) or facts.targets.get(pcx_id)
    return claim_of(pcx.tags) if pcx is not None else None


def _adopt_command(peering: NamedPeering, pcx_id: str) -> str:
    where = peering.where
    if where.endswith(":"):
        return f"pulumi config set pcxId {pcx_id}"
    return f"add pcxId: {pcx_id} to {where.rstrip('.: ')}"


def _peering_in_the_way(peering: NamedPeering, facts: PeeringFacts, pcx_id: str, status: str, marker: str) -> str:
    """A live peering between the VPC and the space that the stack does not hold: an interrupted run's, another
    stack's (its owner named, never offered for adoption) or a hand-made one (to adopt)."""
    p, args = peering.where, peering.args
    claim = _claim(facts, pcx_id)
    tag = f"{claim.project}/{claim.stack}/{claim.peering}" if claim else ""
    delete = f"aws ec2 delete-vpc-peering-connection --vpc-peering-connection-id {pcx_id}"
    if claim is not None and claim.is_of(marker):
        take = (
            f"Take it over ({_adopt_command(peering, pcx_id)}; nothing is recreated), or delete it ({delete}) and run "
            "`pulumi up` again."
            if status in ACCEPTED
            else f"Delete it ({delete}; it was never accepted) and run `pulumi up` again: a new one is requested."
        )
        held = facts.own.pcxs.get(peering.name)
        pair = (peering.args.vpc_id, facts.space.info.vpc_id)
        if held is not None and held.pcx_id != pcx_id and (held.vpc_id, held.peer_vpc_id) != pair:
            return _replaced_not_finished(peering, facts, pcx_id, status, tag, held.pcx_id, take)
        return (
            f"{p}vpcId = {args.vpc_id!r}: {pcx_id} ({status}) between the VPC and space {facts.space.name} was "
            f"made by an interrupted run of this stack (tag {MARKER_TAG} = {shown(tag)}), which stopped before "
            f"the state recorded it; AWS allows one peering connection between two VPCs. {take}"
        )
    if claim is not None:
        return (
            f"{p}vpcId = {args.vpc_id!r}: the VPC is already peered with space {facts.space.name} by {pcx_id} "
            f"({status}), {claim.owner(marker)} (tag {MARKER_TAG} = {shown(tag)}), with its routes and rules; AWS "
            "allows one peering connection between two VPCs, and a stack never takes over, changes or deletes "
            f"another stack's peering. Peer another VPC, or leave this peering to stack {claim.stack}. "
            f"{hand_over(claim, pcx_id)}"
        )
    return (
        f"{p}vpcId = {args.vpc_id!r}: the VPC is already peered with space {facts.space.name} by {pcx_id} "
        f"({status}, made outside this stack); AWS allows one peering connection between two VPCs. Adopt it "
        f"instead of requesting a new one ({_adopt_command(peering, pcx_id)}; nothing is recreated), or delete it "
        "first."
    )


def _replaced_not_finished(
    peering: NamedPeering, facts: PeeringFacts, pcx_id: str, status: str, tag: str, held: str, take: str
) -> str:
    """This stack's live peering that its state does not hold, while the state holds the same peering's pcx
    between another pair of VPCs: a run replaced one with the other (a move to another space or VPC) and did not
    finish. Either it was stopped after AWS made ``pcx_id`` (take it over, as for any interrupted run), or it
    could not delete ``pcx_id``, which the state then keeps marked for deletion. The engine's state read leaves
    such resources out (pulumi/pulumi pkg/backend/backend.go ``GetStackResourceOutputs``: ``if r.Delete {
    continue }``), and the next update deletes them whatever the program says (pkg/resource/deploy/
    step_generator.go ``GenerateDeletes``): taken over, it would be deleted in the same run. Only ``pulumi stack
    export`` tells the two apart."""
    p, args = peering.where, peering.args
    return (
        f"{p}vpcId = {args.vpc_id!r}: {pcx_id} ({status}) between the VPC and space {facts.space.name} was made by "
        f"this stack (tag {MARKER_TAG} = {shown(tag)}), but its state holds {held} for this peering: a run replaced "
        f"one with the other and did not finish; AWS allows one peering connection between two VPCs. Look for "
        f'{pcx_id} in `pulumi stack export`. If it is there with "delete": true, that run could not delete it and '
        f"the next `pulumi up` deletes it whatever the config says: do not take it over; run `pulumi up` with the "
        f"config of that run to finish it, then change the config. If it is not there, a run was stopped after AWS "
        f"made it: {take}"
    )


def _held_twice(peering: NamedPeering, facts: PeeringFacts, marker: str) -> list[str]:
    """A peering this stack's state holds whose claim names another stack: both hold it (EC2 tags have no
    compare-and-set, so two adoptions at the same moment both succeed), and a destroy of either would delete it for
    both; or this stack was renamed. Refused until one of them lets go, without touching AWS."""
    problems = []
    for pcx in facts.peerings:
        claim = foreign_claim(pcx.tags, marker)
        if pcx.pcx_id not in facts.own.pcx_ids or claim is None:
            continue
        problems.append(
            f"{peering.where}vpcId = {peering.args.vpc_id!r}: {pcx.pcx_id} is in this stack's state, but its claim is "
            f"{claim.owner(marker)} (tag {MARKER_TAG} = {shown(pcx.tags.get(MARKER_TAG))}): two stacks hold it (both "
            "adopted it at the same moment), or this stack was renamed. A destroy of either would delete it for both, "
            f"so nothing was changed. If this stack was stack {claim.stack} renamed, give the peering this stack's "
            f"claim (aws ec2 create-tags --resources {pcx.pcx_id} --tags Key={MARKER_TAG},Value={marker}). Otherwise "
            "keep it in one stack only: in the other, remove it from the state without touching AWS (pulumi state "
            "delete '<the HerokuPeering URN>' --target-dependents --yes; `pulumi stack --show-urns` lists it)."
        )
    return problems


def _route_in_the_way(
    peering: NamedPeering, facts: PeeringFacts, table: str, route: Route, marker: str, unclaimed: list[str]
) -> str:
    """A route for a destination the stack would create, pointing elsewhere. A route that carries traffic is never
    advised away when the peering behind it can be adopted, and never when another stack owns it."""
    p, destination = peering.where, route.destination
    delete = f"aws ec2 delete-route --route-table-id {table} --destination-cidr-block {destination}"
    target = facts.targets.get(route.target)
    claim = claim_of(target.tags) if target is not None else None
    if claim is not None and claim.is_of(marker):
        return (
            f"{p}routeTableIds: route table {table} routes {destination} to {route.target}"
            f"{_blackhole(route, facts)}, a route an interrupted run of this stack made and its state does "
            f"not hold. Delete it ({delete}) and run `pulumi up` again: the stack makes the route it needs."
        )
    towards = route.target or "an unknown target"
    already = f"{p}routeTableIds: route table {table} already routes {destination} to {towards}"
    if target is not None and target.status in LIVE:
        if claim is not None:
            return (
                f"{already} ({target.status}), {claim.owner(marker)}: the route carries that peering's "
                "traffic, and AWS refuses a second route to the same destination. Leave "
                f"{table} out of routeTableIds: a stack never changes or deletes another stack's routes."
            )
        if route.target in unclaimed:
            return (
                f"{already} ({target.status}), the hand-made peering between the VPC and space "
                f"{facts.space.name}: the route carries its traffic, and AWS refuses a second route to the same "
                f"destination. Adopt that peering rather than deleting the route "
                f"({_adopt_command(peering, route.target)}: the route is taken in as it is), or leave {table} out of "
                "routeTableIds."
            )
        return (
            f"{already} (another peering, {target.status}): the route carries traffic over it, and AWS refuses a "
            f"second route to the same destination. Leave {table} out of routeTableIds; delete the route ({delete}) "
            "only if that peering no longer needs it."
        )
    return (
        f"{already}{_blackhole(route, facts)}; AWS refuses a second route to the same destination. "
        f"Delete it ({delete}) or leave {table} out of routeTableIds."
    )


def _rule_in_the_way(
    peering: NamedPeering, rule: IngressArgs, cidr: str, found: RuleFacts, marker: str, unclaimed: list[str]
) -> str:
    """An identical rule the stack does not hold: another stack's (left alone), a hand-made peering's (adopt it), or
    one with no peering behind it (revoke it, or leave it out)."""
    group = rule.security_group_id
    described = f", {shown(found.description)}" if found.description else ""
    revoke = f"aws ec2 revoke-security-group-ingress --group-id {group} --security-group-rule-ids {found.rule_id}"
    head = (
        f"{peering.where}ingress: security group {group} already allows {_ports(rule)} from {cidr} "
        f"({found.rule_id}{described}); AWS refuses a duplicate rule."
    )
    claim = foreign_claim(found.tags, marker)
    if claim is not None:
        return (
            f"{head} It is a rule of {claim.owner(marker)} (tag {MARKER_TAG} = {shown(found.tags.get(MARKER_TAG))}): "
            "a stack never takes over or revokes another stack's rules. Leave this rule out of ingress here (the group "
            "already admits that traffic)."
        )
    if unclaimed:
        return (
            f"{head} It came with the hand-made peering {unclaimed[0]}: adopt that peering rather than revoking the "
            f"rule ({_adopt_command(peering, unclaimed[0])}: such rules are taken in as they are), or revoke it "
            f"({revoke})."
        )
    return f"{head} Revoke it ({revoke}), or leave this rule out of ingress (the group already admits that traffic)."


def _made_here(rule: RuleFacts, marker: str) -> bool:
    """Tagged by this stack: an interrupted run's rule, taken in rather than refused."""
    claim = claim_of(rule.tags)
    return claim is not None and claim.is_of(marker)


def _comes_with_adoption(rule: RuleFacts, space: str, marker: str) -> bool:
    """An identical rule an adoption takes in: a hand-made one, or one a stack left behind when it let go of this
    peering (its claim names this space). A rule another stack holds for another space is never taken."""
    claim = foreign_claim(rule.tags, marker)
    return claim is None or rule.tags.get(SPACE_TAG) == space


@dataclass(frozen=True)
class Imports:
    """What exists and becomes the stack's, imported as it is (so the run changes nothing of it): the routes to
    the stack's or the adopted peering that the state does not hold yet, and the identical rules (an adopted
    peering's keep their tags and description every run), with a note naming each one taken in and why it is there."""

    routes: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (table, destination) -> "rtb-..._cidr"
    rules: Mapping[tuple[str, str, int | None, int | None, str], RuleFacts] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


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
    targets = set(own.pcx_ids) | ({adoption.pcx.pcx_id} if adoption else set())
    found_routes = {
        (table, destination): route.target
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
        and (
            (adoption is not None and _comes_with_adoption(found, facts.space.name, marker))
            or (_made_here(found, marker) and found.rule_id not in own.rule_ids)
        )
    }
    notes = []
    if adoption is None:  # an adoption is the user's request; these are the stack's own, outside its state
        notes += [
            f"{peering.where}route table {table} already routes {dest} to this stack's peering {target}, a route its "
            "state does not hold (added by hand, e.g. by the doctor's fix, or by a run stopped before it recorded "
            "it); the state takes it in as it is"
            for (table, dest), target in found_routes.items()
        ]
        notes += [
            f"{peering.where}rule {found.rule_id} on {key[0]} carries this stack's tag but its state does not hold it "
            "(a run stopped before it recorded it, or a peering this stack let go of); the state takes it in as it is"
            for key, found in rules.items()
        ]
    routes = {key: f"{key[0]}_{key[1]}" for key in found_routes}
    return Imports(routes, rules, tuple(notes))


def _blackhole(route: Route, facts: PeeringFacts) -> str:
    if not route.target.startswith("pcx-"):
        return ""
    target = facts.targets.get(route.target)
    if target is None or target.status not in LIVE:
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
    if (pcx.requester_vpc_id, pcx.accepter_vpc_id) != (args.vpc_id, space_vpc_id):
        return None, [
            f"{p}pcxId = {args.pcx_id!r}: it connects {pcx.requester_vpc_id} to {pcx.accepter_vpc_id}, "
            f"not vpcId {args.vpc_id} to space {args.space}'s VPC {space_vpc_id}. Give the pcx id of that pair, "
            "requested from your VPC."
        ]
    if pcx.status not in ACCEPTED:
        return None, [
            f"{p}pcxId = {args.pcx_id!r}: the peering is {pcx.status}; only an active or provisioning peering can be "
            "adopted. Unset pcxId to let the stack request and accept a new one (delete this one first)."
        ]
    claim = foreign_claim(pcx.tags, marker)
    if claim is not None and pcx.pcx_id not in facts.own.pcx_ids:
        return None, [
            f"{p}pcxId = {args.pcx_id!r}: this is {claim.owner(marker)} (tag {MARKER_TAG} = "
            f"{shown(pcx.tags.get(MARKER_TAG))}); a stack never takes over, changes or deletes another stack's "
            f"peering, so nothing was made. {hand_over(claim, pcx.pcx_id)}"
        ]
    return Adoption(pcx), []


def adoption_notes(peering: NamedPeering, adoption: Adoption | None, facts: PeeringFacts, marker: str) -> list[str]:
    """Said in the preview of the run that adopts a peering: the stack owns it from now on, and what destroy does."""
    if adoption is None or adoption.pcx.pcx_id in facts.own.pcx_ids:
        return []
    pcx = adoption.pcx.pcx_id
    where = peering.where.rstrip(".: ")
    claim = f"this run tags it {MARKER_TAG} = {marker}, so that no other stack adopts it"
    if peering.args.retain_on_delete:
        return [
            f"{where}: {pcx} is adopted and becomes this stack's ({claim}). retainOnDelete is true: `pulumi destroy` "
            "(or removing this peering from the config) leaves the peering, its routes and rules in place and removes "
            "only that tag."
        ]
    return [
        f"{where}: {pcx} is adopted and becomes this stack's ({claim}). From now on `pulumi destroy` (or removing this "
        "peering from the config) DELETES it, its routes and rules, and traffic over it stops. To let go of it "
        "without deleting it, set retainOnDelete to true first."
    ]
