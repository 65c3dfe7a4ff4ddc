"""Pre-flight for ``HerokuPeeringArgs``: at once for plain values, during `up` for ``Output``s.

With ``Output``s (a VPC made by the same program), the facts are read with the ``Output`` forms of
the invokes once the values are known, then the same pure checks run (``preflight``, ``existing``).
The layout's VPC-side values are ``Output``s of that check, so the peering request, and everything
after it, is never made when a check fails: the error is the same message as in pre-flight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

import pulumi
import pulumi_aws as aws

from .errors import PlanError
from .existing import ExistingFacts, check_existing
from .lookups import (
    LookupProblem,
    Lookups,
    group_filter,
    heroku_token_from_stack,
    live_between,
    pcx_facts,
    plan_all,
    rule_facts,
    table_facts,
    vpc_facts,
)
from .peering_args import HerokuPeeringArgs, PeeringLayout
from .preflight import PeeringPlan, plan_peering
from .stack_config import checked_spec

# Stand-ins that pass the format checks while the real ids are Outputs (replaced before the facts are read).
PLACEHOLDERS = {"vpc": "vpc-00000000", "rtb": "rtb-00000000", "sg": "sg-00000000"}


def _plain(value: Any) -> bool:
    return isinstance(value, str)


def layout_for(name: str, args: HerokuPeeringArgs) -> PeeringLayout:
    prefix = f"HerokuPeering {name}: "
    tables = list(args.route_table_ids) if args.route_table_ids is not None else None
    values: dict[str, Any] = {
        "space": args.space,
        "vpcId": args.vpc_id if _plain(args.vpc_id) else PLACEHOLDERS["vpc"],
        "routeTableIds": [t if _plain(t) else PLACEHOLDERS["rtb"] for t in tables] if tables is not None else None,
        "routeTo": args.route_to,
        "ingress": [
            {
                "securityGroupId": rule.security_group_id if _plain(rule.security_group_id) else PLACEHOLDERS["sg"],
                "protocol": rule.protocol,
                **({"fromPort": rule.from_port} if rule.from_port is not None else {}),
                **({"toPort": rule.to_port} if rule.to_port is not None else {}),
                **({"description": rule.description} if rule.description else {}),
            }
            for rule in args.ingress
        ],
        "tags": dict(args.tags),
        "visibilityTimeout": args.visibility_timeout,
        "activationTimeout": args.activation_timeout,
        "herokuApiUrl": args.api_url,
        "pcxId": args.pcx_id,
    }
    lookups = Lookups(heroku_token_from_stack())
    try:
        spec = checked_spec(values, prefix, name)
        deferred = (
            not _plain(args.vpc_id)
            or any(not _plain(t) for t in tables or [])
            or any(not _plain(rule.security_group_id) for rule in args.ingress)
        )
        if not deferred:
            [plan] = plan_all([spec], lookups)
            return PeeringLayout.from_plan(plan)
        if args.pcx_id:
            raise PlanError([f"{prefix}pcx_id: adopting needs the VPC, route table and group ids known in the program"])
        if tables is None:
            raise PlanError([f"{prefix}route_table_ids: list the route tables when vpc_id comes from another resource"])
        space = lookups.space(spec)
        heroku_peerings = lookups.heroku_peerings(spec)
        region = lookups.region()
    except PlanError as error:
        raise pulumi.RunError(error.render()) from None
    except LookupProblem as problem:
        raise pulumi.RunError(str(problem)) from None

    info = space.info
    destinations = (info.vpc_cidr,) if spec.route_to == "vpc" else tuple(info.space_cidr_blocks)
    marker = f"{pulumi.get_project()}/{pulumi.get_stack()}/{name}"
    vpc = aws.ec2.get_vpc_output(id=args.vpc_id)
    table_results = [aws.ec2.get_route_table_output(route_table_id=t) for t in tables]
    groups = [aws.ec2.get_security_group_output(id=rule.security_group_id) for rule in args.ingress]
    rules: list[pulumi.Output[list[Any]]] = [
        _ids(aws.vpc.get_security_group_rules_output(filters=group_filter(rule.security_group_id))).apply(_each_rule)
        for rule in args.ingress
    ]
    between: list[pulumi.Output[list[Any]]] = [
        _ids(aws.ec2.get_vpc_peering_connections_output(filters=live_between(a, b))).apply(_each_pcx)
        for a, b in ((args.vpc_id, info.vpc_id), (info.vpc_id, args.vpc_id))
    ]

    def check(resolved: list[Any]) -> PeeringPlan:
        vpc_id, found_vpc, table_ids, found_tables, group_ids, found_groups, found_rules, pcxs = resolved
        real = replace(
            spec,
            vpc_id=vpc_id,
            route_table_ids=tuple(table_ids),
            ingress=tuple(replace(r, security_group_id=g) for r, g in zip(spec.ingress, group_ids, strict=True)),
        )
        tables_facts = {t: table_facts(t, found) for t, found in zip(table_ids, found_tables, strict=True)}
        plan, problems = plan_peering(
            real,
            space,
            vpc_facts(vpc_id, found_vpc, ()),
            region,
            {t: facts.vpc_id for t, facts in tables_facts.items()},
            {g: found.vpc_id for g, found in zip(group_ids, found_groups, strict=True)},
        )
        if plan is not None:
            facts = ExistingFacts(
                tables_facts,
                {
                    g: tuple(rule_facts(rule.id, rule) for rule in group_rules)
                    for g, group_rules in zip(group_ids, found_rules, strict=True)
                },
                tuple(pcx_facts(p.id, p) for side in pcxs for p in side),
                heroku_peerings,
            )
            _, found = check_existing(
                real, info.vpc_id, plan.route_table_ids, destinations, plan.source_cidrs, facts, marker
            )
            problems.extend(found)
        if problems or plan is None:
            raise pulumi.RunError(PlanError(problems, "the peering was not requested").render())
        return replace(plan, marker=marker)

    checked: pulumi.Output[PeeringPlan] = pulumi.Output.all(
        args.vpc_id,
        vpc,
        pulumi.Output.all(*tables),
        pulumi.Output.all(*table_results),
        pulumi.Output.all(*[rule.security_group_id for rule in args.ingress]),
        pulumi.Output.all(*groups),
        pulumi.Output.all(*rules),
        pulumi.Output.all(*between),
    ).apply(check)
    return PeeringLayout(
        space=spec.space,
        vpc_id=checked.apply(lambda p: p.spec.vpc_id),
        account_id=checked.apply(lambda p: p.vpc.owner_id or ""),
        peer_account_id=info.aws_account_id,
        peer_vpc_id=info.vpc_id,
        route_table_ids=tuple(checked.apply(_table(i)) for i in range(len(tables))),
        destination_cidrs=destinations,
        source_cidrs=tuple(info.dyno_cidr_blocks),
        ingress=tuple(
            replace(rule, security_group_id=cast(str, checked.apply(_group(i)))) for i, rule in enumerate(spec.ingress)
        ),
        peer_region=checked.apply(lambda p: p.peer_region),
        tags=dict(spec.tags),
        heroku_api_url=spec.heroku_api_url,
        visibility_timeout=spec.visibility_timeout,
        activation_timeout=spec.activation_timeout,
        marker=marker,
    )


def _ids(result: Any) -> pulumi.Output[list[str] | None]:
    """The ``ids`` of a plural data source's Output result."""
    return cast(pulumi.Output[list[str] | None], result.ids)


def _each_rule(ids: list[str] | None) -> pulumi.Output[list[Any]]:
    return pulumi.Output.all(*[aws.vpc.get_security_group_rule_output(security_group_rule_id=i) for i in ids or []])


def _each_pcx(ids: list[str] | None) -> pulumi.Output[list[Any]]:
    return pulumi.Output.all(*[aws.ec2.get_vpc_peering_connection_output(id=i) for i in ids or []])


def _table(index: int) -> Callable[[PeeringPlan], str]:
    return lambda plan: (plan.spec.route_table_ids or ())[index]


def _group(index: int) -> Callable[[PeeringPlan], str]:
    return lambda plan: plan.spec.ingress[index].security_group_id
