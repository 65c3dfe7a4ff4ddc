"""Facts for the pre-flight checks: Heroku's peering info and the VPC's, each fetched once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi_aws as aws
from pulumi.runtime.config import get_config

from providers.heroku_api import HerokuClient
from providers.heroku_errors import (
    HerokuConfigError,
    HerokuCredentialsError,
    HerokuError,
    HerokuNotFound,
    HerokuUnauthorized,
)

from .errors import PlanError
from .preflight import PeeringPlan, SpaceFacts, VpcFacts, check_across, plan_peering
from .stack_config import PeeringSpec


class LookupProblem(Exception):
    """A fact could not be had; the message names the key and the fix."""


class Lookups:
    """Each space's peering info and each AWS object is fetched at most once per run."""

    def __init__(self, heroku_token: str | None) -> None:
        self._token = heroku_token
        self._spaces: dict[tuple[str | None, str], SpaceFacts] = {}
        self._vpcs: dict[str, VpcFacts] = {}
        self._table_vpcs: dict[str, str | None] = {}
        self._group_vpcs: dict[str, str | None] = {}
        self._region: str | None = None

    def space(self, spec: PeeringSpec) -> SpaceFacts:
        key = (spec.heroku_api_url, spec.space)
        if key not in self._spaces:
            try:
                with HerokuClient(self._token, spec.heroku_api_url) as heroku:
                    info = heroku.peering_info(spec.space)
                    space = heroku.space(spec.space)
            except HerokuNotFound as error:
                raise LookupProblem(
                    f"{spec.key_prefix}space = {spec.space!r}: Heroku does not know this space ({error}). "
                    "Check the name with `heroku spaces`."
                ) from None
            except HerokuUnauthorized as error:
                raise LookupProblem(
                    f"heroku:apiKey: Heroku refused the token ({error}). Set a valid one: "
                    "pulumi config set --secret heroku:apiKey <token> (see `heroku authorizations:create`)."
                ) from None
            except HerokuCredentialsError as error:
                raise LookupProblem(str(error)) from None
            except HerokuConfigError as error:
                raise LookupProblem(f"{spec.key_prefix}herokuApiUrl: {error}") from None
            except HerokuError as error:
                raise LookupProblem(f"{spec.key_prefix}space = {spec.space!r}: {error}") from None
            generation = (space.get("generation") or {}).get("name", "") if isinstance(space, dict) else ""
            self._spaces[key] = SpaceFacts(spec.space, info, str(space.get("state", "")), str(generation))
        return self._spaces[key]

    def vpc(self, spec: PeeringSpec) -> VpcFacts:
        if spec.vpc_id not in self._vpcs:
            try:
                found = aws.ec2.get_vpc(id=spec.vpc_id)
                tables = aws.ec2.get_route_tables(vpc_id=spec.vpc_id)
            except Exception as error:  # invoke failures carry the provider's message
                raise LookupProblem(
                    f"{spec.key_prefix}vpcId = {spec.vpc_id!r}: AWS could not describe it in region "
                    f"{self.region()} ({_reason(error)}). Check the id and the aws:region of this stack."
                ) from None
            cidrs = [found.cidr_block]
            for association in found.cidr_block_associations or []:
                if (
                    association.cidr_block
                    and association.cidr_block not in cidrs
                    and association.state in (None, "", "associated", "associating")
                ):
                    cidrs.append(association.cidr_block)
            self._vpcs[spec.vpc_id] = VpcFacts(
                spec.vpc_id, tuple(cidrs), tuple(tables.ids or ()), str(found.owner_id) if found.owner_id else None
            )
        return self._vpcs[spec.vpc_id]

    def table_vpc(self, table_id: str) -> str | None:
        return _owner_vpc(self._table_vpcs, table_id, lambda: aws.ec2.get_route_table(route_table_id=table_id))

    def group_vpc(self, group_id: str) -> str | None:
        return _owner_vpc(self._group_vpcs, group_id, lambda: aws.ec2.get_security_group(id=group_id))

    def region(self) -> str:
        if self._region is None:
            self._region = str(aws.get_region().region)
        return self._region


def _owner_vpc(cache: dict[str, str | None], key: str, describe: Callable[[], Any]) -> str | None:
    """The VPC an AWS object belongs to, or None when AWS does not find it; asked once per object."""
    if key not in cache:
        try:
            cache[key] = describe().vpc_id
        except Exception:  # invoke failures: reported by the checks as "was not found"
            cache[key] = None
    return cache[key]


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[-1] if text else type(error).__name__


def heroku_token_from_stack() -> str | None:
    """``heroku:apiKey`` as plain text for the pre-flight calls; the client falls back to env and netrc."""
    value: Any = get_config("heroku:apiKey")
    return str(value) if value else None


def plan_all(specs: list[PeeringSpec], lookups: Lookups) -> list[PeeringPlan]:
    """Check every spec; raise one PlanError listing every problem, or return the plans."""
    problems: list[str] = []
    plans: list[PeeringPlan] = []
    for spec in specs:
        try:
            space = lookups.space(spec)
            vpc = lookups.vpc(spec)
            region = lookups.region()
        except LookupProblem as problem:
            problems.append(str(problem))
            continue
        tables = {table: lookups.table_vpc(table) for table in spec.route_table_ids or ()}
        groups = {rule.security_group_id: lookups.group_vpc(rule.security_group_id) for rule in spec.ingress}
        plan, found = plan_peering(spec, space, vpc, region, tables, groups)
        problems.extend(found)
        if plan is not None:
            plans.append(plan)
    if not problems:
        problems = check_across(plans)
    if problems:
        raise PlanError(problems)
    return plans
