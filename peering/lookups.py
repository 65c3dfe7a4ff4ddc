"""Facts for the pre-flight checks, each fetched once: Heroku's space and peerings; the VPC, its route
tables (with their routes), the security groups (with their rules) and the peering connections that
already exist, read with pulumi-aws invokes."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.runtime.config import get_config

from providers.heroku_api import HerokuClient, default_retry
from providers.heroku_credentials import resolve_api_url
from providers.heroku_errors import (
    HerokuConfigError,
    HerokuConnectionError,
    HerokuCredentialsError,
    HerokuError,
    HerokuNotFound,
    HerokuUnauthorized,
)
from providers.heroku_models import Peering

from .errors import PlanError, shown
from .existing import (
    LIVE_PCX_STATES,
    ExistingFacts,
    PcxFacts,
    RouteFacts,
    RuleFacts,
    TableFacts,
    adoption_imports,
    check_existing,
)
from .preflight import PeeringPlan, SpaceFacts, VpcFacts, check_across, plan_peering
from .stack_config import PeeringSpec

ROUTE_TARGETS = (
    "vpc_peering_connection_id",
    "gateway_id",
    "nat_gateway_id",
    "transit_gateway_id",
    "network_interface_id",
    "vpc_endpoint_id",
    "egress_only_gateway_id",
    "carrier_gateway_id",
    "local_gateway_id",
    "core_network_arn",
)


class LookupProblem(Exception):
    """A fact could not be had; the message names the key and the fix."""


# What a data source that found nothing says (tfresource.SingularDataSourceFindError, older "query
# returned no results", or EC2's own "<Kind>ID.NotFound" passed through); anything else is a refusal.
NOT_FOUND_MARKERS = ("no matching", "query returned no results", ".NotFound")
# EC2's UnauthorizedOperation, IAM's (and moto's) AccessDenied, and the text both carry.
DENIED_MARKERS = ("UnauthorizedOperation", "AccessDenied", "not authorized to perform")
POLICY_FILE = "iam/deployer-policy.json"


def _not_found(error: Exception) -> bool:
    return any(marker in str(error) for marker in NOT_FOUND_MARKERS)


def refused(what: str, error: Exception) -> LookupProblem:
    """AWS answered, but not with the object: say which call, why, and the fix for a missing permission."""
    reason = _reason(error)
    if any(marker in reason for marker in DENIED_MARKERS):
        named = re.search(r"(?:perform: ec2:|operation error EC2: )(\w+)", reason)
        action = f"ec2:{named.group(1)}" if named else "an EC2 call"
        fix = (
            f"AWS denied the stack's credentials {action}: grant it (the policy in {POLICY_FILE} "
            "has every action the program needs)."
        )
    else:
        fix = "Check the stack's AWS credentials and aws:region, then run again."
    return LookupProblem(f"{what}: AWS refused to describe it ({reason}). {fix}")


class Lookups:
    """Each space's peering info and each AWS object is fetched at most once per run."""

    def __init__(self, heroku_token: str | None) -> None:
        self._token = heroku_token
        self._spaces: dict[tuple[str | None, str], SpaceFacts] = {}
        self._vpcs: dict[str, VpcFacts] = {}
        self._tables: dict[str, TableFacts] = {}
        self._groups: dict[str, tuple[str | None, tuple[RuleFacts, ...]]] = {}
        self._between: dict[tuple[str, str], tuple[PcxFacts, ...]] = {}
        self._pcxs: dict[str, PcxFacts | None] = {}
        self._heroku_peerings: dict[tuple[str | None, str], tuple[Peering, ...]] = {}
        self._region: str | None = None

    def _heroku(self, spec: PeeringSpec) -> HerokuClient:
        """Read-only calls: a refused connection is reported at once, 429, 5xx and timeouts are retried."""
        return HerokuClient(self._token, spec.heroku_api_url, retry=default_retry(retry_refused=False))

    def space(self, spec: PeeringSpec) -> SpaceFacts:
        key = (spec.heroku_api_url, spec.space)
        if key not in self._spaces:
            try:
                with self._heroku(spec) as heroku:
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
            except HerokuConnectionError as error:
                url = spec.heroku_api_url or resolve_api_url()
                raise LookupProblem(
                    f"{spec.key_prefix}herokuApiUrl = {shown(url)}: the Heroku API could not be reached ({error}). "
                    "Check the URL (and HEROKU_HOST), or leave herokuApiUrl unset for https://api.heroku.com."
                ) from None
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
                if not _not_found(error):
                    raise refused(f"{spec.key_prefix}vpcId = {spec.vpc_id!r}", error) from None
                raise LookupProblem(
                    f"{spec.key_prefix}vpcId = {spec.vpc_id!r}: AWS could not describe it in region "
                    f"{self.region()} ({_reason(error)}). Check the id and the aws:region of this stack."
                ) from None
            self._vpcs[spec.vpc_id] = vpc_facts(spec.vpc_id, found, tables.ids or ())
        return self._vpcs[spec.vpc_id]

    def route_table(self, table_id: str) -> TableFacts:
        """The table's VPC and routes (``vpc_id`` None when AWS does not know the table)."""
        if table_id not in self._tables:
            try:
                found = aws.ec2.get_route_table(route_table_id=table_id)
            except Exception as error:  # not found: reported by the checks as "was not found"
                if not _not_found(error):
                    raise refused(f"route table {table_id}", error) from None
                self._tables[table_id] = TableFacts(table_id, None)
            else:
                routes = tuple(
                    RouteFacts(
                        route.cidr_block,
                        next((str(getattr(route, k)) for k in ROUTE_TARGETS if getattr(route, k, None)), ""),
                    )
                    for route in found.routes or []
                    if route.cidr_block
                )
                self._tables[table_id] = TableFacts(table_id, found.vpc_id, routes)
        return self._tables[table_id]

    def security_group(self, group_id: str) -> tuple[str | None, tuple[RuleFacts, ...]]:
        """The group's VPC (None when AWS does not know it) and its rules."""
        if group_id not in self._groups:
            try:
                vpc_id = aws.ec2.get_security_group(id=group_id).vpc_id
            except Exception as error:  # not found: reported by the checks as "was not found"
                if not _not_found(error):
                    raise refused(f"security group {group_id}", error) from None
                self._groups[group_id] = (None, ())
                return self._groups[group_id]
            try:
                ids = aws.vpc.get_security_group_rules(filters=group_filter(group_id)).ids or []
                rules = [
                    rule_facts(rule_id, aws.vpc.get_security_group_rule(security_group_rule_id=rule_id))
                    for rule_id in ids
                ]
            except Exception as error:
                raise refused(f"the rules of security group {group_id}", error) from None
            self._groups[group_id] = (vpc_id, tuple(rules))
        return self._groups[group_id]

    def peerings_between(self, vpc_id: str, peer_vpc_id: str) -> tuple[PcxFacts, ...]:
        """Live peering connections between the two VPCs, requested from either side."""
        key = (vpc_id, peer_vpc_id)
        if key not in self._between:
            found: list[PcxFacts] = []
            for requester, accepter in ((vpc_id, peer_vpc_id), (peer_vpc_id, vpc_id)):
                try:
                    ids = aws.ec2.get_vpc_peering_connections(filters=live_between(requester, accepter)).ids
                except Exception as error:
                    raise refused(f"the peering connections between {vpc_id} and {peer_vpc_id}", error) from None
                found.extend(pcx for pcx in (self.pcx(pcx_id) for pcx_id in ids or []) if pcx is not None)
            self._between[key] = tuple(found)
        return self._between[key]

    def pcx(self, pcx_id: str) -> PcxFacts | None:
        """One peering connection, or None when AWS does not know it (any more)."""
        if pcx_id not in self._pcxs:
            try:
                found = aws.ec2.get_vpc_peering_connection(id=pcx_id)
            except Exception as error:
                if not _not_found(error):
                    raise refused(f"peering connection {pcx_id}", error) from None
                self._pcxs[pcx_id] = None
            else:
                self._pcxs[pcx_id] = pcx_facts(pcx_id, found)
        return self._pcxs[pcx_id]

    def heroku_peerings(self, spec: PeeringSpec) -> tuple[Peering, ...]:
        """The space's peerings as Heroku lists them (the customer side may not see Heroku-requested ones)."""
        key = (spec.heroku_api_url, spec.space)
        if key not in self._heroku_peerings:
            try:
                with self._heroku(spec) as heroku:
                    self._heroku_peerings[key] = tuple(heroku.list_peerings(spec.space))
            except HerokuError as error:
                raise LookupProblem(f"{spec.key_prefix}space = {shown(spec.space)}: {error}") from None
        return self._heroku_peerings[key]

    def existing(self, spec: PeeringSpec, plan: PeeringPlan) -> ExistingFacts:
        tables = {table: self.route_table(table) for table in plan.route_table_ids}
        rules = {rule.security_group_id: self.security_group(rule.security_group_id)[1] for rule in spec.ingress}
        between = self.peerings_between(spec.vpc_id, plan.peer.vpc_id)
        adopted = self.pcx(spec.pcx_id) if spec.pcx_id else None
        targets = {
            route.target: self.pcx(route.target)
            for table in tables.values()
            for route in table.routes
            if route.target.startswith("pcx-") and route.destination in plan.destination_cidrs
        }
        return ExistingFacts(tables, rules, between, self.heroku_peerings(spec), targets, adopted)

    def region(self) -> str:
        if self._region is None:
            self._region = str(aws.get_region().region)
        return self._region


# -- invoke results as facts (shared by these lookups and the component's, made of Outputs) -------


def vpc_facts(vpc_id: str, found: Any, table_ids: Any) -> VpcFacts:
    """Primary and associated secondary IPv4 blocks (disassociated ones left out)."""
    cidrs = [found.cidr_block]
    for association in found.cidr_block_associations or []:
        if (
            association.cidr_block
            and association.cidr_block not in cidrs
            and association.state in (None, "", "associated", "associating")
        ):
            cidrs.append(association.cidr_block)
    owner = str(found.owner_id) if found.owner_id else None
    return VpcFacts(vpc_id, tuple(cidrs), tuple(table_ids or ()), owner)


def table_facts(table_id: str, found: Any) -> TableFacts:
    routes = tuple(RouteFacts(route.cidr_block, _target(route)) for route in found.routes or [] if route.cidr_block)
    return TableFacts(table_id, found.vpc_id, routes)


def rule_facts(rule_id: str, rule: Any) -> RuleFacts:
    low, high = rule.from_port, rule.to_port
    every = rule.ip_protocol == "-1"
    return RuleFacts(
        rule_id,
        str(rule.ip_protocol),
        None if every and low in (None, -1) else low,
        None if every and high in (None, -1) else high,
        rule.cidr_ipv4 or None,
        rule.description or None,
        dict(rule.tags or {}),
        bool(rule.is_egress),
    )


def pcx_facts(pcx_id: str, found: Any) -> PcxFacts:
    return PcxFacts(
        pcx_id,
        str(found.status),
        str(found.vpc_id),
        str(found.peer_vpc_id),
        dict(found.tags or {}),
        str(found.requester_region or ""),
        str(found.peer_region or ""),
        str(found.peer_owner_id or ""),
    )


def group_filter(group_id: Any) -> Any:
    return [{"name": "group-id", "values": [group_id]}]


def live_between(requester: Any, accepter: Any) -> Any:
    return [
        {"name": "requester-vpc-info.vpc-id", "values": [requester]},
        {"name": "accepter-vpc-info.vpc-id", "values": [accepter]},
        {"name": "status-code", "values": list(LIVE_PCX_STATES)},
    ]


def _target(route: Any) -> str:
    """What a route points at: the first target attribute the data source filled."""
    return next((str(getattr(route, key)) for key in ROUTE_TARGETS if getattr(route, key, None)), "")


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[-1] if text else type(error).__name__


def heroku_token_from_stack() -> str | None:
    """``heroku:apiKey`` as plain text for the pre-flight calls; the client falls back to env and netrc."""
    value: Any = get_config("heroku:apiKey")
    return str(value) if value else None


def plan_all(specs: list[PeeringSpec], lookups: Lookups) -> list[PeeringPlan]:
    """Check every spec, against each other and against what exists; one PlanError lists every problem."""
    problems: list[str] = []
    plans: list[PeeringPlan] = []
    for spec in specs:
        try:
            space = lookups.space(spec)
            vpc = lookups.vpc(spec)
            region = lookups.region()
            tables = {table: lookups.route_table(table).vpc_id for table in spec.route_table_ids or ()}
            groups = {
                rule.security_group_id: lookups.security_group(rule.security_group_id)[0] for rule in spec.ingress
            }
        except LookupProblem as problem:
            problems.append(str(problem))
            continue
        plan, found = plan_peering(spec, space, vpc, region, tables, groups)
        problems.extend(found)
        if plan is None:
            continue
        marker = f"{pulumi.get_project()}/{pulumi.get_stack()}/{spec.name}"
        try:
            facts = lookups.existing(spec, plan)
        except LookupProblem as problem:
            problems.append(str(problem))
            continue
        adoption, found = check_existing(
            spec, plan.peer.vpc_id, plan.route_table_ids, plan.destination_cidrs, plan.source_cidrs, facts, marker
        )
        problems.extend(found)
        if adoption is not None:
            adoption = adoption_imports(
                adoption, plan.route_table_ids, plan.destination_cidrs, plan.source_cidrs, spec, facts
            )
        plans.append(replace(plan, marker=marker, adoption=adoption))
    if not problems:
        problems = check_across(plans)
    if problems:
        raise PlanError(problems)
    return plans
