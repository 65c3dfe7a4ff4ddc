"""Facts for the pre-flight checks, each fetched once: Heroku's space and peerings; the VPC, its route
tables (with their routes), the security groups (with their rules) and the peering connections that
already exist, read with pulumi-aws invokes (their ``Output`` forms for ids a resource of the program
will know), through the AWS provider the component's children use (the stack's default one unless the
component is given another). Fetching only: what the facts mean is ``preflight``'s and ``existing``'s."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, cast

import pulumi
import pulumi_aws as aws
from pulumi.runtime.config import get_config

from providers.heroku_api import HerokuClient, default_retry
from providers.heroku_credentials import resolve_api_url, token_config_key
from providers.heroku_errors import (
    HerokuConfigError,
    HerokuConnectionError,
    HerokuCredentialsError,
    HerokuError,
    HerokuNoAnswer,
    HerokuNotFound,
    HerokuUnauthorized,
)
from providers.heroku_models import Peering
from providers.statuses import LIVE

from ..errors import shown
from ..model.args import HerokuPeeringArgs, NamedPeering
from ..model.facts import (
    AclRead,
    GroupFacts,
    PeeringFacts,
    RuleFacts,
    SpaceFacts,
    TableFacts,
    VpcFacts,
)
from ..model.network import PULUMI_AWS_ROUTE_TARGETS, PeeringConnection, Route, vpc_blocks
from ..model.own_state import OwnState
from .acl_lookup import read_network_acls
from .errors import LookupProblem
from .own_state import read_own_state

# What a data source that found nothing says (tfresource.SingularDataSourceFindError, older "query
# returned no results", or EC2's own "<Kind>ID.NotFound" passed through); anything else is a refusal.
NOT_FOUND_MARKERS = ("no matching", "query returned no results", ".NotFound")
# EC2's UnauthorizedOperation, IAM's (and moto's) AccessDenied, and the text both carry.
DENIED_MARKERS = ("UnauthorizedOperation", "AccessDenied", "not authorized to perform")
POLICY_FILE = "iam/deployer-policy.json"
PREFLIGHT_READ_RETRIES = 2


def _waiting_for_heroku(what: str) -> None:
    """Said while pre-flight waits on Heroku, so that a slow API is not a silent hang."""
    pulumi.log.info(f"heroku-peering: {what}")


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

    def __init__(self, heroku_token: str | None, aws_provider: pulumi.ProviderResource | None = None) -> None:
        self._token = heroku_token
        self.invoke = invoke_options(aws_provider)
        self._spaces: dict[tuple[str | None, str], SpaceFacts] = {}
        self._vpcs: dict[str, VpcFacts] = {}
        self._tables: dict[str, TableFacts] = {}
        self._groups: dict[str, GroupFacts] = {}
        self._between: dict[tuple[str, str], tuple[PeeringConnection, ...]] = {}
        self._pcxs: dict[str, PeeringConnection | None] = {}
        self._heroku_peerings: dict[tuple[str | None, str], tuple[Peering, ...]] = {}
        self._region: str | None = None
        self._own: OwnState | None = None
        self._acls: dict[str, AclRead] = {}

    def _heroku(self, peering: NamedPeering) -> HerokuClient:
        """Read-only calls: a refused connection is reported at once; 429, 5xx and timeouts are retried, each
        retry said as it happens (a read timeout costs 30 s: two retries at most)."""
        retry = default_retry(retry_refused=False, read=PREFLIGHT_READ_RETRIES, progress=_waiting_for_heroku)
        return HerokuClient(self._token, peering.args.api_url, retry=retry)

    def own_state(self) -> OwnState:
        if self._own is None:
            self._own = read_own_state()
        return self._own

    def space(self, peering: NamedPeering) -> SpaceFacts:
        args, where = peering.args, peering.where
        key = (args.api_url, args.space)
        if key not in self._spaces:
            try:
                with self._heroku(peering) as heroku:
                    info = heroku.peering_info(args.space)
                    space = heroku.space(args.space)
            except HerokuNotFound as error:
                raise LookupProblem(
                    f"{where}space = {shown(args.space)}: Heroku does not know this space ({error}). "
                    "Check the name with `heroku spaces`."
                ) from error
            except HerokuUnauthorized as error:
                raise LookupProblem(
                    f"{token_config_key()}: Heroku refused the token ({error}). Set a valid one: "
                    f"pulumi config set --secret {token_config_key()} <token> (see `heroku authorizations:create`)."
                ) from error
            except HerokuCredentialsError as error:
                raise LookupProblem(str(error)) from error
            except HerokuConfigError as error:
                raise LookupProblem(f"{where}herokuApiUrl: {error}") from error
            except HerokuConnectionError as error:
                url = args.api_url or resolve_api_url()
                if isinstance(error, HerokuNoAnswer):
                    raise LookupProblem(
                        f"{where}space = {shown(args.space)}: Heroku at {shown(url)} took the request but did not "
                        f"answer ({error}). Heroku is slow or failing: check https://status.heroku.com and run again."
                    ) from error
                raise LookupProblem(
                    f"{where}herokuApiUrl = {shown(url)}: the Heroku API could not be reached ({error}). "
                    "Check the URL (and HEROKU_HOST), or leave herokuApiUrl unset for https://api.heroku.com."
                ) from error
            except HerokuError as error:
                raise LookupProblem(f"{where}space = {shown(args.space)}: {error}") from error
            # Heroku's own name for it, whether the config gives its name or its UUID: what tags and the acceptance use.
            self._spaces[key] = SpaceFacts(space.name or args.space, info, space.state, space.generation)
        return self._spaces[key]

    def vpc(self, peering: NamedPeering) -> VpcFacts:
        vpc_id, where = str(peering.args.vpc_id), peering.where
        if vpc_id not in self._vpcs:
            try:
                found = aws.ec2.get_vpc(id=vpc_id, opts=self.invoke)
                tables = aws.ec2.get_route_tables(vpc_id=vpc_id, opts=self.invoke)
            except Exception as error:  # invoke failures carry the provider's message
                if not _not_found(error):
                    raise refused(f"{where}vpcId = {vpc_id!r}", error) from error
                raise LookupProblem(
                    f"{where}vpcId = {vpc_id!r}: AWS could not describe it in region "
                    f"{self.region()} ({_reason(error)}). Check the id and the aws:region of this stack."
                ) from error
            self._vpcs[vpc_id] = vpc_facts(vpc_id, found, tables.ids or ())
        return self._vpcs[vpc_id]

    def route_table(self, table_id: str) -> TableFacts:
        """The table's VPC and routes (``vpc_id`` None when AWS does not know the table)."""
        if table_id not in self._tables:
            try:
                found = aws.ec2.get_route_table(route_table_id=table_id, opts=self.invoke)
            except Exception as error:  # not found: reported by the checks as "was not found"
                if not _not_found(error):
                    raise refused(f"route table {table_id}", error) from error
                self._tables[table_id] = TableFacts(table_id, None)
            else:
                self._tables[table_id] = table_facts(table_id, found)
        return self._tables[table_id]

    def security_group(self, group_id: str) -> GroupFacts:
        """The group's VPC (None when AWS does not know it) and its rules."""
        if group_id not in self._groups:
            try:
                vpc_id = aws.ec2.get_security_group(id=group_id, opts=self.invoke).vpc_id
            except Exception as error:  # not found: reported by the checks as "was not found"
                if not _not_found(error):
                    raise refused(f"security group {group_id}", error) from error
                self._groups[group_id] = GroupFacts(None)
                return self._groups[group_id]
            try:
                ids = aws.vpc.get_security_group_rules(filters=group_filter(group_id), opts=self.invoke).ids or []
                rules = [
                    rule_facts(
                        rule_id, aws.vpc.get_security_group_rule(security_group_rule_id=rule_id, opts=self.invoke)
                    )
                    for rule_id in ids
                ]
            except Exception as error:
                raise refused(f"the rules of security group {group_id}", error) from error
            self._groups[group_id] = GroupFacts(vpc_id, tuple(rules))
        return self._groups[group_id]

    def peerings_between(self, vpc_id: str, peer_vpc_id: str) -> tuple[PeeringConnection, ...]:
        """Live peering connections between the two VPCs, requested from either side."""
        key = (vpc_id, peer_vpc_id)
        if key not in self._between:
            found: list[PeeringConnection] = []
            for requester, accepter in ((vpc_id, peer_vpc_id), (peer_vpc_id, vpc_id)):
                try:
                    ids = aws.ec2.get_vpc_peering_connections(
                        filters=live_between(requester, accepter), opts=self.invoke
                    ).ids
                except Exception as error:
                    raise refused(f"the peering connections between {vpc_id} and {peer_vpc_id}", error) from error
                found.extend(pcx for pcx in (self.pcx(pcx_id) for pcx_id in ids or []) if pcx is not None)
            self._between[key] = tuple(found)
        return self._between[key]

    def pcx(self, pcx_id: str) -> PeeringConnection | None:
        """One peering connection, or None when AWS does not know it (any more)."""
        if pcx_id not in self._pcxs:
            try:
                found = aws.ec2.get_vpc_peering_connection(id=pcx_id, opts=self.invoke)
            except Exception as error:
                if not _not_found(error):
                    raise refused(f"peering connection {pcx_id}", error) from error
                self._pcxs[pcx_id] = None
            else:
                self._pcxs[pcx_id] = pcx_facts(pcx_id, found)
        return self._pcxs[pcx_id]

    def heroku_peerings(self, peering: NamedPeering) -> tuple[Peering, ...]:
        """The space's peerings as Heroku lists them (the customer side may not see Heroku-requested ones)."""
        args = peering.args
        key = (args.api_url, args.space)
        if key not in self._heroku_peerings:
            try:
                with self._heroku(peering) as heroku:
                    self._heroku_peerings[key] = tuple(heroku.list_peerings(args.space))
            except HerokuError as error:
                raise LookupProblem(f"{peering.where}space = {shown(args.space)}: {error}") from error
        return self._heroku_peerings[key]

    def network_acls(self, vpc_id: str) -> AclRead:
        """Read once per VPC; a read that fails is said once, as information: the warning it feeds is optional."""
        if vpc_id not in self._acls:
            read = self._acls[vpc_id] = read_network_acls(vpc_id, self.region())
            if read.skipped:
                pulumi.log.info(
                    f"network ACLs of {vpc_id} not checked ({read.skipped}); `python -m peering doctor --stack` "
                    "checks them with the doctor's policy (iam/doctor-policy.json)"
                )
        return self._acls[vpc_id]

    def region(self) -> str:
        if self._region is None:
            self._region = str(aws.get_region(opts=self.invoke).region)
        return self._region


def read_when_known(
    args: HerokuPeeringArgs,
    space: SpaceFacts,
    region: str,
    heroku_peerings: tuple[Peering, ...],
    own: OwnState,
    invoke: pulumi.InvokeOptions | None = None,
) -> pulumi.Output[tuple[HerokuPeeringArgs, PeeringFacts]]:
    """The facts of args whose ids are ``Output``s, read with the invokes' ``Output`` forms once the ids are
    known; with the args, their ids resolved. The route tables must be listed (no lookup by VPC here)."""
    tables = list(args.route_table_ids or ())
    groups = [rule.security_group_id for rule in args.ingress]
    vpc = aws.ec2.get_vpc_output(id=args.vpc_id, opts=invoke)
    found_tables = [aws.ec2.get_route_table_output(route_table_id=table, opts=invoke) for table in tables]
    found_groups = [aws.ec2.get_security_group_output(id=group, opts=invoke) for group in groups]
    found_rules: list[pulumi.Output[list[Any]]] = [
        _ids(aws.vpc.get_security_group_rules_output(filters=group_filter(group), opts=invoke)).apply(
            lambda ids: _each_rule(ids, invoke)
        )
        for group in groups
    ]
    space_vpc = space.info.vpc_id
    between: list[pulumi.Output[list[Any]]] = [
        _ids(aws.ec2.get_vpc_peering_connections_output(filters=live_between(a, b), opts=invoke)).apply(
            lambda ids: _each_pcx(ids, invoke)
        )
        for a, b in ((args.vpc_id, space_vpc), (space_vpc, args.vpc_id))
    ]

    def facts(resolved: list[Any]) -> tuple[HerokuPeeringArgs, PeeringFacts]:
        vpc_id, found_vpc, table_ids, table_results, group_ids, group_results, rule_results, pcxs = resolved
        known = replace(
            args,
            vpc_id=vpc_id,
            route_table_ids=tuple(table_ids),
            ingress=tuple(replace(r, security_group_id=g) for r, g in zip(args.ingress, group_ids, strict=True)),
        )
        return known, PeeringFacts(
            space=space,
            region=region,
            vpc=vpc_facts(vpc_id, found_vpc, ()),
            tables={t: table_facts(t, found) for t, found in zip(table_ids, table_results, strict=True)},
            groups={
                g: GroupFacts(found.vpc_id, tuple(rule_facts(rule.id, rule) for rule in rules))
                for g, found, rules in zip(group_ids, group_results, rule_results, strict=True)
            },
            peerings=tuple(pcx_facts(p.id, p) for side in pcxs for p in side),
            heroku_peerings=heroku_peerings,
            own=own,
        )

    return pulumi.Output.all(
        args.vpc_id,
        vpc,
        pulumi.Output.all(*tables),
        pulumi.Output.all(*found_tables),
        pulumi.Output.all(*groups),
        pulumi.Output.all(*found_groups),
        pulumi.Output.all(*found_rules),
        pulumi.Output.all(*between),
    ).apply(facts)


# -- invoke results as facts (of the plain invokes and of their Output forms alike) ----------------


def vpc_facts(vpc_id: str, found: Any, table_ids: Any) -> VpcFacts:
    """Primary and associated secondary IPv4 blocks (``model.network.vpc_blocks``)."""
    cidrs, secondary = vpc_blocks(
        str(found.cidr_block),
        ((a.cidr_block, a.association_id, a.state) for a in found.cidr_block_associations or []),
    )
    owner = str(found.owner_id) if found.owner_id else None
    return VpcFacts(vpc_id, cidrs, tuple(table_ids or ()), owner, secondary)


def table_facts(table_id: str, found: Any) -> TableFacts:
    routes = tuple(Route(route.cidr_block, _target(route)) for route in found.routes or [] if route.cidr_block)
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


def pcx_facts(pcx_id: str, found: Any) -> PeeringConnection:
    """pulumi-aws's ``get_vpc_peering_connection`` result: no status message, no expiry."""
    return PeeringConnection(
        pcx_id=pcx_id,
        status=str(found.status),
        message="",
        requester_vpc_id=str(found.vpc_id),
        requester_owner_id=str(found.owner_id or ""),
        requester_region=str(found.requester_region or ""),
        accepter_vpc_id=str(found.peer_vpc_id),
        accepter_owner_id=str(found.peer_owner_id or ""),
        accepter_region=str(found.peer_region or ""),
        tags=dict(found.tags or {}),
    )


def group_filter(group_id: Any) -> Any:
    return [{"name": "group-id", "values": [group_id]}]


def live_between(requester: Any, accepter: Any) -> Any:
    return [
        {"name": "requester-vpc-info.vpc-id", "values": [requester]},
        {"name": "accepter-vpc-info.vpc-id", "values": [accepter]},
        {"name": "status-code", "values": list(LIVE)},
    ]


def _target(route: Any) -> str:
    """What a route points at: the first target attribute the data source filled."""
    return next((str(getattr(route, key)) for key in PULUMI_AWS_ROUTE_TARGETS if getattr(route, key, None)), "")


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[-1] if text else type(error).__name__


def _ids(result: Any) -> pulumi.Output[list[str] | None]:
    """The ``ids`` of a plural data source's Output result."""
    return cast(pulumi.Output[list[str] | None], result.ids)


def _each_rule(ids: list[str] | None, invoke: pulumi.InvokeOptions | None) -> pulumi.Output[list[Any]]:
    return pulumi.Output.all(
        *[aws.vpc.get_security_group_rule_output(security_group_rule_id=i, opts=invoke) for i in ids or []]
    )


def _each_pcx(ids: list[str] | None, invoke: pulumi.InvokeOptions | None) -> pulumi.Output[list[Any]]:
    return pulumi.Output.all(*[aws.ec2.get_vpc_peering_connection_output(id=i, opts=invoke) for i in ids or []])


def invoke_options(aws_provider: pulumi.ProviderResource | None) -> pulumi.InvokeOptions | None:
    """Invokes through ``aws_provider`` when the component was given one; otherwise the stack's default provider."""
    return pulumi.InvokeOptions(provider=aws_provider) if aws_provider is not None else None


def aws_provider_of(opts: pulumi.ResourceOptions | None) -> pulumi.ProviderResource | None:
    """The AWS provider a component's children get from ``opts`` (``provider`` or ``providers``), if any."""
    if opts is None:
        return None
    given: list[Any] = [opts.provider] if opts.provider is not None else []
    providers = opts.providers
    given.extend(providers.values() if isinstance(providers, Mapping) else providers or [])
    return next((p for p in given if isinstance(p, pulumi.ProviderResource) and p.package == "aws"), None)


def heroku_token_from_stack() -> str | None:
    """``heroku:apiKey`` as plain text for the pre-flight calls; the client falls back to env and netrc."""
    value: Any = get_config("heroku:apiKey")
    return str(value) if value else None
