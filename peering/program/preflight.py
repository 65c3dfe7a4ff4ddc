"""Pre-flight, one pipeline for every peering: facts -> checks -> plan, before anything is registered.

Facts are read once each (``lookups``); the checks are pure functions of the args and the facts (the
CIDR and space rules here, what already exists in ``existing``); the plan is what ``HerokuPeering``
builds from. Plain ids go through it at once. ``Output`` ids (a VPC made by the same program) go
through the same checks once they resolve, and the plan's VPC-side values are ``Output``s of that
check, so that a failed check stops the peering request from being made, with the same message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pulumi

from providers.heroku_models import PeeringInfo

from ..errors import shown
from ..model.args import (
    NAME_TAG_PREFIX,
    TAG_VALUE_MAX,
    HerokuPeeringArgs,
    IngressArgs,
    NamedPeering,
    checked,
    is_plain,
)
from ..model.facts import PeeringFacts, VpcFacts
from ..model.own_state import OwnPcx, OwnState
from ..model.ownership import MARKER_TAG
from ..rules.space import cidr_faults, cidr_fix, not_allocated, overlapping, wrong_generation
from .acl_warnings import acl_notes
from .errors import LookupProblem, StackPlanError
from .existing import Adoption, Imports, adoption_notes, check_existing, imports, rule_key
from .lookups import Lookups, heroku_token_from_stack, read_when_known


@dataclass(frozen=True)
class PeeringPlan:
    """A peering that passed pre-flight, with what the component needs beyond its args.

    With ``Output`` ids, ``vpc_id``, ``vpc_owner``, ``peer_region``, ``route_table_ids`` and the ingress
    groups are ``Output``s of the check; what Heroku said is known at once.
    """

    peering: NamedPeering
    peer: PeeringInfo
    vpc_id: pulumi.Input[str]
    vpc_owner: pulumi.Input[str] | None  # the VPC's account: the peer account Heroku will report
    peer_region: pulumi.Input[str | None]  # set only for an inter-region peering
    route_table_ids: tuple[pulumi.Input[str], ...]
    ingress: tuple[IngressArgs, ...]
    destination_cidrs: tuple[str, ...]
    source_cidrs: tuple[str, ...]
    marker: str  # the tag value that marks objects as this stack's (project/stack/peering)
    space_name: str = ""  # Heroku's name for the space, however the config writes it (tags, acceptance)
    adoption: Adoption | None = None  # a hand-made peering taken over (pcxId)
    imports: Imports = field(default_factory=Imports)  # routes and rules that exist and become the stack's
    previous_name: str | None = None  # the name the state holds this peering under, when it was renamed
    # live pcx id -> AWS's status now, for the acceptance (an Output with Output ids)
    aws_statuses: pulumi.Input[Mapping[str, str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # warnings for the run's output (a replacement ahead, leftovers taken in)
    infos: tuple[str, ...] = ()  # said as information (what retainOnDelete does)
    # the stack's claim (the marker tag) is a resource of its own (aws.ec2.Tag): on an adopted peering, and on a
    # made one with retainOnDelete (its delete is how the stack lets go), kept once the state holds it
    claim_resource: bool = False

    @property
    def args(self) -> HerokuPeeringArgs:
        return self.peering.args


# -- the CIDR rules -------------------------------------------------------------------------------


def destinations(args: HerokuPeeringArgs, info: PeeringInfo) -> tuple[str, ...]:
    """What the routes send to the space: its whole vpc_cidr (Heroku's advice), or only its space CIDRs."""
    return (info.vpc_cidr,) if args.route_to == "vpc" else tuple(info.space_cidr_blocks)


def chosen_tables(args: HerokuPeeringArgs, vpc: VpcFacts) -> tuple[str, ...]:
    """The listed route tables, else every table of the VPC."""
    listed = args.route_table_ids
    return tuple(dict.fromkeys(str(t) for t in listed)) if listed is not None else vpc.route_table_ids


def marker_for(name: str) -> str:
    return f"{pulumi.get_project()}/{pulumi.get_stack()}/{name}"


# -- facts ----------------------------------------------------------------------------------------


def read_facts(peering: NamedPeering, lookups: Lookups) -> PeeringFacts:
    """Everything the checks read about a peering with plain ids (LookupProblem when a fact cannot be had)."""
    args = peering.args
    space = lookups.space(peering)
    vpc = lookups.vpc(peering)
    region = lookups.region()
    tables = {table: lookups.route_table(table) for table in chosen_tables(args, vpc)}
    groups = {str(g): lookups.security_group(str(g)) for g in (rule.security_group_id for rule in args.ingress)}
    between = lookups.peerings_between(str(args.vpc_id), space.info.vpc_id)
    adopted = lookups.pcx(args.pcx_id) if args.pcx_id else None
    wanted = destinations(args, space.info)
    targets = {
        route.target: lookups.pcx(route.target)
        for table in tables.values()
        for route in table.routes
        if route.target.startswith("pcx-") and route.destination in wanted
    }
    return PeeringFacts(
        space,
        region,
        vpc,
        tables,
        groups,
        between,
        lookups.heroku_peerings(peering),
        targets,
        adopted,
        lookups.own_state(),
        lookups.network_acls(str(args.vpc_id)) if args.ingress else None,
    )


# -- checks ---------------------------------------------------------------------------------------


def plan_peering(
    peering: NamedPeering, facts: PeeringFacts, marker: str, taken: frozenset[str] = frozenset()
) -> tuple[PeeringPlan | None, list[str]]:
    """One peering against its facts: the plan, or the problems (each naming its key and fix).

    ``taken``: the names of the program's other peerings (a state entry under one of them is no rename)."""
    args, p, space, vpc = peering.args, peering.where, facts.space, facts.vpc
    info = space.info
    problems: list[str] = tag_limits(peering, space.name, marker)
    if wrong_generation(space):
        problems.append(
            f"{p}space = {args.space!r}: a {space.generation}-generation space; Heroku supports peering only for "
            "Cedar-generation Private Spaces (Shield included). Use a Cedar space."
        )
    if not_allocated(space):
        problems.append(
            f"{p}space = {args.space!r}: the space is {space.state}, not allocated. Wait for it "
            f"(`heroku spaces:wait {args.space}`), then run again."
        )
    for fault in cidr_faults(vpc.cidrs, info):
        if fault.overlaps is None:
            problems.append(
                f"{p}vpcId = {args.vpc_id!r}: the VPC's CIDR {fault.cidr} is not IPv4 RFC 1918 (10.0.0.0/8, "
                "172.16.0.0/12, 192.168.0.0/16); Heroku peers only such VPCs. Use a VPC in those ranges."
            )
        else:
            label, theirs = fault.overlaps
            problems.append(
                f"{p}vpcId = {args.vpc_id!r}: the VPC's CIDR {fault.cidr} overlaps the space's {label} {theirs} "
                f"(space {args.space}); AWS would mark the peering failed. "
                f"{cidr_fix(fault.cidr, vpc.secondary, info, args.space)}."
            )
    tables = chosen_tables(args, vpc)
    if not tables:
        problems.append(
            f"{p}routeTableIds: the VPC {args.vpc_id} has no route table to add routes to. Create one, or list "
            "the route tables to use in routeTableIds."
        )
    for table in args.route_table_ids or ():
        found = facts.tables.get(str(table))
        owner = found.vpc_id if found else None
        if owner != args.vpc_id:
            where = f"belongs to {owner}" if owner else "was not found"
            problems.append(
                f"{p}routeTableIds: route table {table} {where}, not to {args.vpc_id}. Use route tables of "
                f"that VPC ({', '.join(vpc.route_table_ids) or 'none found'})."
            )
    for rule in args.ingress:
        group = facts.groups.get(str(rule.security_group_id))
        owner = group.vpc_id if group else None
        if owner != args.vpc_id:
            where = f"belongs to {owner}" if owner else "was not found"
            problems.append(
                f"{p}ingress: security group {rule.security_group_id} {where}, not to {args.vpc_id}. "
                "Use a security group of the peered VPC."
            )
    if problems:
        return None, problems
    routed, sources = destinations(args, info), tuple(info.dyno_cidr_blocks)
    adoption, problems = check_existing(peering, facts, tables, routed, sources, marker)
    if problems:
        return None, problems
    previous = facts.own.previous_name(peering.name, str(args.vpc_id), info.vpc_id, taken | {peering.name})
    peer_region = info.aws_region if info.aws_region != facts.region else None
    taken_in = imports(peering, facts, adoption, tables, routed, sources, marker)
    held = facts.own.pcxs.get(previous or peering.name)
    notes = [*taken_in.notes]
    if previous:
        notes.append(
            f"{p.rstrip('.: ')}: the state holds this peering (VPC {args.vpc_id} and space {space.name}) as "
            f"{previous!r}; its resources are kept under the new name {peering.name!r} (aliases), nothing is recreated"
        )
    if held is not None and adoption is None:
        replacing = replacement_notes(peering, held, info.vpc_id, peer_region or "", space.name)
        if replacing and args.protect:  # refused here: the state may not hold protect yet (set in this same edit)
            return None, replacing
        notes.extend(replacing)
    notes.extend(adoption_notes(peering, adoption, facts, marker))
    notes.extend(acl_notes(peering, facts.acls, info))
    notes.extend(rule_quota_notes(peering, facts, sources))
    kept = held.pcx_id if held is not None else (adoption.pcx.pcx_id if adoption else None)
    return PeeringPlan(
        peering=peering,
        peer=info,
        vpc_id=args.vpc_id,
        vpc_owner=vpc.owner_id,
        peer_region=peer_region,
        route_table_ids=tables,
        ingress=tuple(args.ingress),
        destination_cidrs=routed,
        source_cidrs=sources,
        marker=marker,
        space_name=space.name,
        adoption=adoption,
        imports=taken_in,
        previous_name=previous,
        aws_statuses={pcx.pcx_id: pcx.status for pcx in facts.peerings},
        notes=tuple(notes),
        infos=tuple(retain_infos(peering, kept)),
        claim_resource=adoption is not None or claim_kept(peering, facts.own, previous),
    ), []


def claim_kept(peering: NamedPeering, own: OwnState, previous: str | None = None) -> bool:
    """A made peering's claim is a resource of its own with retainOnDelete, and stays one once the state holds it
    (deleting it in a normal run would take the claim off a peering the stack still holds)."""
    return peering.args.retain_on_delete or (previous or peering.name) in own.claims


def retain_infos(peering: NamedPeering, pcx_id: str | None) -> list[str]:
    """What retainOnDelete does to this peering, said in every run that has it."""
    if not peering.args.retain_on_delete:
        return []
    what = pcx_id or "the peering connection"
    return [
        f"{peering.where.rstrip('.: ')}: retainOnDelete is true: `pulumi destroy` (or removing this peering from the "
        f"config) leaves {what}, its routes and rules in place and deletes only this stack's claim tag "
        f"({MARKER_TAG}), so that another stack can adopt it with pcxId"
    ]


def tag_limits(peering: NamedPeering, space_name: str, marker: str) -> list[str]:
    """The tags the project writes, held to AWS's limits before anything is made (moto takes longer ones; AWS
    fails halfway through `up`)."""
    problems = []
    if len(NAME_TAG_PREFIX) + len(space_name) > TAG_VALUE_MAX:
        problems.append(
            f"{peering.where}space = {shown(peering.args.space)}: Heroku names it {shown(space_name)}, and the tag "
            f"Name = {NAME_TAG_PREFIX}<space> would have {len(NAME_TAG_PREFIX) + len(space_name)} characters; AWS "
            f"allows {TAG_VALUE_MAX}. Peer a space with a shorter name."
        )
    if len(marker) > TAG_VALUE_MAX:
        problems.append(
            f"{peering.where}name = {shown(peering.name)}: the tag heroku-peering = <project>/<stack>/<name> would "
            f"have {len(marker)} characters; AWS allows {TAG_VALUE_MAX}. Use a shorter name (or stack name)."
        )
    return problems


# AWS's default quota of inbound rules per security group (Service Quotas L-0EA8095F, "Inbound or outbound
# rules per security group"); accounts may have it raised, so going past it is a warning, not a refusal.
RULES_PER_GROUP = 60


def rule_quota_notes(peering: NamedPeering, facts: PeeringFacts, sources: Sequence[str]) -> list[str]:
    """Each group that would hold more inbound rules than AWS's default quota once the dyno rules are in."""
    notes = []
    for group_id in dict.fromkeys(str(rule.security_group_id) for rule in peering.args.ingress):
        group = facts.groups.get(group_id)
        held = {(r.protocol, r.from_port, r.to_port, r.cidr) for r in (group.rules if group else ()) if not r.is_egress}
        wanted = {
            (rule.protocol, rule.from_port, rule.to_port, cidr)
            for rule in peering.args.ingress
            if str(rule.security_group_id) == group_id
            for cidr in sources
        }
        total = len(held | wanted)
        if total > RULES_PER_GROUP:
            notes.append(
                f"{peering.where}ingress: security group {group_id} would hold {total} inbound rules "
                f"({len(wanted)} for the space's {len(sources)} dyno CIDRs); AWS's default quota is {RULES_PER_GROUP} "
                "a group, past which AWS refuses the rest halfway through `up`. Unless the account's quota was "
                "raised (Service Quotas: 'Inbound or outbound rules per security group'), raise it first, or open "
                "fewer ports."
            )
    return notes


def replacement_notes(
    peering: NamedPeering, held: OwnPcx, space_vpc_id: str, peer_region: str, space: str
) -> list[str]:
    """Said in plain words before the engine replaces a live peering connection (its preview only shows +-)."""
    args = peering.args
    changes = []
    if held.vpc_id != args.vpc_id:
        changes.append(f"vpcId changes from {held.vpc_id} to {args.vpc_id}")
    if held.peer_vpc_id != space_vpc_id:
        changes.append(f"the space's VPC changes from {held.peer_vpc_id} to {space_vpc_id} (space {space})")
    if held.peer_region and peer_region and held.peer_region != peer_region:
        changes.append(f"the space's region changes from {held.peer_region} to {peer_region}")
    if not changes:
        return []
    where = peering.where.rstrip(".: ")
    if args.protect:
        return [
            f"{where}: {' and '.join(changes)}, which replaces peering connection {held.pcx_id}; protect is true, so "
            "nothing is changed. To go ahead, set protect to false for this run (its preview says what is replaced)."
        ]
    return [
        f"{where}: {' and '.join(changes)}: peering connection {held.pcx_id} is REPLACED - a new one is requested and "
        f"accepted, the routes move to it, then {held.pcx_id} is deleted and traffic over it stops. To keep it, put "
        "the old value back; protect: true makes the engine refuse such a change."
    ]


def check_across(plans: list[PeeringPlan]) -> list[str]:
    """Conflicts that only show between peerings of one stack."""
    problems: list[str] = []
    pairs: dict[tuple[str, object], str] = {}
    for plan in plans:
        label = plan.peering.where.rstrip(".: ")  # "heroku-peering:peerings[1]", "HerokuPeering app"
        key = (plan.peer.vpc_id, plan.vpc_id)
        if key in pairs:
            problems.append(
                f"{label}: {plan.vpc_id} is already peered with space {plan.args.space} by "
                f"{pairs[key]}; AWS allows one peering connection between two VPCs. Remove one of them."
            )
        pairs[key] = label
    routes: dict[object, list[tuple[str, str]]] = {}
    for plan in plans:
        for table in plan.route_table_ids:
            for cidr in plan.destination_cidrs:
                for other_cidr, other_space in routes.get(table, []):
                    if other_space != plan.args.space and overlapping([cidr], [other_cidr]):
                        problems.append(
                            f"{plan.peering.where}routeTableIds: route table {table} would route {cidr} to space "
                            f"{plan.args.space} and {other_cidr} to space {other_space}; the ranges overlap. Use "
                            "separate route tables (routeTableIds) or routeTo: space with disjoint space CIDRs."
                        )
                routes.setdefault(table, []).append((cidr, plan.args.space))
    rules: set[tuple[str, str, int | None, int | None, str]] = set()
    for plan in plans:
        for rule in plan.ingress:
            for cidr in plan.source_cidrs:
                same = rule_key(str(rule.security_group_id), rule, cidr)
                if same in rules:
                    problems.append(
                        f"{plan.peering.where}ingress: the rule {rule.protocol} {rule.from_port}-{rule.to_port} "
                        f"from {cidr} on {rule.security_group_id} is listed twice; AWS refuses duplicates. "
                        "Keep one."
                    )
                    break
                rules.add(same)
    return problems


# -- the pipeline ---------------------------------------------------------------------------------


def plan_all(peerings: Sequence[NamedPeering], lookups: Lookups) -> list[PeeringPlan]:
    """Peerings with plain ids, each through facts and checks, then against each other; one PlanError
    lists every problem (its cause is the first failure to read a fact, for whoever reads a traceback)."""
    problems: list[str] = []
    plans: list[PeeringPlan] = []
    unread: list[LookupProblem] = []
    names = frozenset(peering.name for peering in peerings)
    for peering in peerings:
        try:
            facts = read_facts(peering, lookups)
        except LookupProblem as problem:
            problems.append(str(problem))
            unread.append(problem)
            continue
        plan, found = plan_peering(peering, facts, marker_for(peering.name), names)
        problems.extend(found)
        if plan is not None:
            plans.append(plan)
    if not problems:
        problems = check_across(plans)
    if problems:
        raise StackPlanError(problems) from (unread[0] if unread else None)
    return plans


def plan_when_known(peering: NamedPeering, lookups: Lookups) -> PeeringPlan:
    """A peering with ``Output`` ids: Heroku's facts now, the AWS ones and the checks once the ids resolve."""
    args, where = peering.args, peering.where
    if args.pcx_id:
        raise StackPlanError([f"{where}pcx_id: adopting needs the VPC, route table and group ids known in the program"])
    if args.route_table_ids is None:
        raise StackPlanError([f"{where}route_table_ids: list the route tables when vpc_id comes from another resource"])
    space, heroku_peerings, region = lookups.space(peering), lookups.heroku_peerings(peering), lookups.region()
    marker = marker_for(peering.name)

    def check(found: tuple[HerokuPeeringArgs, PeeringFacts]) -> PeeringPlan:
        known, facts = found
        if known.ingress:
            facts = replace(facts, acls=lookups.network_acls(str(known.vpc_id)))
        plan, problems = plan_peering(replace(peering, args=known), facts, marker)
        if plan is None:
            raise StackPlanError(problems, "the peering was not requested")
        for note in plan.notes:  # the component warns a plain plan's notes; this one's are known only now
            pulumi.log.warn(note)
        return plan

    result = read_when_known(args, space, region, heroku_peerings, lookups.own_state(), lookups.invoke).apply(check)
    return PeeringPlan(
        peering=peering,
        peer=space.info,
        vpc_id=result.apply(lambda plan: plan.vpc_id),
        vpc_owner=result.apply(lambda plan: plan.vpc_owner or ""),
        peer_region=result.apply(lambda plan: plan.peer_region),
        route_table_ids=tuple(result.apply(_table(i)) for i in range(len(args.route_table_ids))),
        ingress=tuple(replace(rule, security_group_id=result.apply(_group(i))) for i, rule in enumerate(args.ingress)),
        destination_cidrs=destinations(args, space.info),
        source_cidrs=tuple(space.info.dyno_cidr_blocks),
        marker=marker,
        space_name=space.name,
        aws_statuses=result.apply(lambda plan: dict(plan.aws_statuses)),  # type: ignore[arg-type]
        infos=tuple(retain_infos(peering, None)),
        claim_resource=claim_kept(peering, lookups.own_state()),
    )


def _table(index: int) -> Callable[[PeeringPlan], str]:
    return lambda plan: str((plan.args.route_table_ids or ())[index])


def _group(index: int) -> Callable[[PeeringPlan], str]:
    return lambda plan: str(plan.args.ingress[index].security_group_id)


def _checked(peerings: Sequence[NamedPeering]) -> list[NamedPeering]:
    """The peerings with their args checked; one PlanError lists every problem."""
    problems: list[str] = []
    valid = []
    for peering in peerings:
        args, found = checked(peering.args, peering.where)
        problems.extend(found)
        valid.append(replace(peering, args=args))
    if problems:
        raise StackPlanError(problems)
    return valid


def plan_for(
    name: str,
    args: HerokuPeeringArgs,
    heroku_token: str | None = None,
    aws_provider: pulumi.ProviderResource | None = None,
    together: CheckedTogether | None = None,
) -> PeeringPlan:
    """``HerokuPeering``'s pre-flight: the args checked, then the pipeline, at once or when the ids resolve.

    ``heroku_token``: what Heroku is read with (None: ``HEROKU_API_KEY``, then ``~/.netrc``); ``aws_provider``:
    the one the component's children use, when not the stack's default (facts are read through it);
    ``together``: ``checked_together``'s result, whose plan is used as it is when it holds this name and args."""
    if together is not None and aws_provider is None:  # its facts were read through the stack's default provider
        ready = together.planned.get(name)
        if ready is not None and ready[0] == args:
            return ready[1]
        lookups = together.lookups
    else:
        lookups = Lookups(heroku_token, aws_provider)
    [peering] = _checked([NamedPeering.for_component(name, args)])
    if not is_plain(peering.args):
        return plan_when_known(peering, lookups)
    [plan] = plan_all([peering], lookups)
    return plan


@dataclass(frozen=True)
class CheckedTogether:
    """What ``checked_together`` found, for the components made with it: each plain peering's plan, by name with
    the args it was given, and the facts read (for a peering with ``Output`` ids, checked when they resolve)."""

    lookups: Lookups
    planned: Mapping[str, tuple[HerokuPeeringArgs, PeeringPlan]]


def checked_together(peerings: Sequence[NamedPeering]) -> CheckedTogether:
    """Pre-flight of several peerings at once: every problem, and the conflicts between them, in one
    ``StackPlanError`` before anything is registered. A ``HerokuPeering`` given the result (``checked=``) with
    the same name and args builds from its plan, so nothing is checked, planned or read twice; peerings with
    ``Output`` ids are left to their components, which check them on these facts when the ids resolve."""
    lookups = Lookups(heroku_token_from_stack())
    given = {peering.name: peering.args for peering in peerings}
    plans = plan_all([peering for peering in _checked(peerings) if is_plain(peering.args)], lookups)
    return CheckedTogether(lookups, {plan.peering.name: (given[plan.peering.name], plan) for plan in plans})
