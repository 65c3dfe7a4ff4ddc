"""``HerokuPeering``: both sides of one peering, wired by resource dependencies.

pcx request (customer account) -> Heroku acceptance -> routes and security-group rules.
Routes and rules wait for the acceptance, so they are never created toward a peering that
Heroku has not accepted, and destroy removes them before the peering itself.

``HerokuPeeringArgs`` is what a user writes (the stack-config program reads its config into the
same type); its VPC-side values may be ``Output``s of resources made in the same program.
Pre-flight (``preflight.plan_for``) runs before anything is registered: at once for plain values,
otherwise during `up` on the resolved values, and the peering request's inputs depend on its
result, so a failed check stops it from being made.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import pulumi
import pulumi_aws as aws

from providers.peering_acceptance import PeeringAcceptance

from ..model.args import HerokuPeeringArgs, IngressArgs
from ..model.ownership import taken_over
from .existing import MARKER_TAG, rule_key
from .lookups import aws_provider_of, heroku_token_from_stack
from .preflight import CheckedTogether, PeeringPlan, plan_for

__all__ = ["HerokuPeering", "HerokuPeeringArgs", "IngressArgs"]


def slug(value: str | int | None) -> str:
    """Readable, stable name parts: 10.0.0.0/16 -> 10-0-0-0-16."""
    return re.sub(r"[^a-zA-Z0-9]+", "-", str(value)).strip("-")


def _port(value: int | None) -> str:
    return "all" if value in (None, -1) else str(value)


def rule_name(name: str, rule: IngressArgs, cidr: str, index: int = 0) -> str:
    """Named by the group's id when it is known in the program, else by the rule's position."""
    group = rule.security_group_id if isinstance(rule.security_group_id, str) else f"rule{index}"
    ports = "all" if rule.protocol == "-1" else f"{_port(rule.from_port)}-{_port(rule.to_port)}"
    return f"{name}-ingress-{group}-{slug(rule.protocol)}-{ports}-{slug(cidr)}"


def table_name(table: pulumi.Input[str], index: int) -> str:
    return table if isinstance(table, str) else f"table{index}"


class Accepting(Protocol):
    """What the component reads of its acceptance, whichever provider serves it."""

    @property
    def pcx_id(self) -> pulumi.Output[str]: ...

    @property
    def status(self) -> pulumi.Output[str]: ...


class HerokuPeering(pulumi.ComponentResource):
    pcx_id: pulumi.Output[str]
    heroku_status: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: HerokuPeeringArgs,
        opts: pulumi.ResourceOptions | None = None,
        checked: CheckedTogether | None = None,
    ) -> None:
        """A problem pre-flight finds raises here, before the component itself is registered; ``checked``:
        ``checked_together``'s result, whose plan for this name and args is used instead of a pre-flight of its own.

        A peering the state holds under another name (renamed, or named by an older version) keeps its
        resources: the component is aliased to that name, and its children follow (the engine renames a
        child whose name starts with its parent's)."""
        plan = plan_for(name, args, self._heroku_token(), aws_provider_of(opts), checked)
        if plan.previous_name:
            aliases = pulumi.ResourceOptions(aliases=[pulumi.Alias(name=plan.previous_name)])
            opts = pulumi.ResourceOptions.merge(opts, aliases)
        super().__init__("heroku-peering:index:HerokuPeering", name, None, opts)
        self.peering_name = name
        for note in plan.notes:
            pulumi.log.warn(note, resource=self)
        for info in plan.infos:
            pulumi.log.info(info, resource=self)
        self._build(name, plan)

    def _heroku_token(self) -> str | None:
        """What pre-flight reads Heroku with: the stack config's ``heroku:apiKey`` (None: the client's fallbacks,
        ``HEROKU_API_KEY`` then ``~/.netrc``), as the dynamic acceptance's provider does."""
        return heroku_token_from_stack()

    def _acceptance(self, name: str, opts: pulumi.ResourceOptions, **props: Any) -> pulumi.CustomResource:
        """The resource that accepts the peering on Heroku's side and keeps it active (``PeeringAcceptance``'s
        keyword arguments): here the dynamic ``PeeringAcceptance``, served by Pulumi's dynamic-provider host."""
        return PeeringAcceptance(name, opts=opts, **props)

    def _build(self, name: str, plan: PeeringPlan) -> None:
        args = plan.args
        # protect: the engine refuses to delete or replace any of these; all of them, so that a destroy of a
        # protected peering stops before its routes are gone, not after. retainOnDelete: a delete leaves each in
        # place (the claim tag aside: its delete is how the stack lets go of the peering).
        child = pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.retain_on_delete)
        space = plan.space_name or args.space
        tags = {"Name": f"heroku-{space}", "heroku-space": space, **args.tags}
        if plan.marker:
            tags[MARKER_TAG] = plan.marker
        adoption = plan.adoption
        if adoption is None:
            pcx_options: dict[str, Any] = {"auto_accept": False, "tags": tags, "opts": child}
        else:  # imported as it is: the engine refuses an import whose inputs differ from what exists
            pcx_options = {
                "tags": dict(adoption.pcx.tags) or None,
                # Its tags stay the user's; the stack's marker is a separate aws.ec2.Tag (below), which
                # terraform-provider-aws says not to mix with a resource's own tags unless they are ignored: both
                # tags and tagsAll, which pulumi-aws's Check computes from tags (the engine puts the last run's tags
                # back before Check, so a tagsAll not ignored would drop the marker the Tag added).
                "opts": pulumi.ResourceOptions.merge(
                    child, pulumi.ResourceOptions(import_=adoption.pcx.pcx_id, ignore_changes=["tags", "tagsAll"])
                ),
            }
        self.connection = aws.ec2.VpcPeeringConnection(
            f"{name}-pcx",
            vpc_id=plan.vpc_id,
            peer_owner_id=plan.peer.aws_account_id,
            peer_vpc_id=plan.peer.vpc_id,
            peer_region=plan.peer_region,
            **pcx_options,
        )
        self.acceptance = self._acceptance(
            f"{name}-accept",
            space=space,
            pcx_id=self.connection.id,
            api_url=args.api_url,
            peer_vpc_id=plan.vpc_id,
            peer_account_id=plan.vpc_owner,
            visibility_timeout=args.visibility_timeout,
            activation_timeout=args.activation_timeout,
            # AWS's word on the pcx now: what pre-flight read for one that exists (the state's accept_status may
            # be from before its acceptance), else what its create reported.
            aws_status=pulumi.Output.all(
                self.connection.id, self.connection.accept_status, pulumi.Output.from_input(plan.aws_statuses)
            ).apply(lambda found: found[2].get(str(found[0]), found[1])),
            opts=child,
        )
        accepted = cast(Accepting, self.acceptance)

        def after_acceptance(import_id: str | None = None) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=[self.acceptance], import_=import_id)
            )

        imported_routes = plan.imports.routes
        self.routes = [
            aws.ec2.Route(
                f"{name}-route-{table_name(table, index)}-{slug(cidr)}",
                route_table_id=table,
                destination_cidr_block=cidr,
                vpc_peering_connection_id=accepted.pcx_id,
                opts=after_acceptance(imported_routes.get((table, cidr)) if isinstance(table, str) else None),
            )
            for index, table in enumerate(plan.route_table_ids)
            for cidr in plan.destination_cidrs
        ]
        imported_rules = plan.imports.rules
        self.rules = []
        for index, rule in enumerate(plan.ingress):
            for cidr in plan.source_cidrs:
                found = (
                    imported_rules.get(rule_key(str(rule.security_group_id), rule, cidr)) if imported_rules else None
                )
                self.rules.append(
                    aws.vpc.SecurityGroupIngressRule(
                        rule_name(name, rule, cidr, index),
                        security_group_id=rule.security_group_id,
                        ip_protocol=rule.protocol,
                        cidr_ipv4=cidr,
                        from_port=rule.from_port,
                        to_port=rule.to_port,
                        description=found.description if found else rule.description,
                        tags=(taken_over(found.tags, plan.marker) or None) if found else tags,
                        opts=after_acceptance(found.rule_id if found else None),
                    )
                )
        if plan.claim_resource and plan.marker:
            # The stack's claim on the peering, so that no other stack adopts it: on an adopted peering from its first
            # run; on a made one (whose own tags carry it too) with retainOnDelete. Never retained: destroying it is
            # how the stack lets go of a peering it leaves in place.
            aws.ec2.Tag(
                f"{name}-marker",
                resource_id=self.connection.id,
                key=MARKER_TAG,
                value=plan.marker,
                opts=pulumi.ResourceOptions.merge(after_acceptance(), pulumi.ResourceOptions(retain_on_delete=False)),
            )
        self.pcx_id = self.connection.id
        self.heroku_status = accepted.status
        self.routed_cidrs = list(plan.destination_cidrs)
        self.route_ids = [route.id for route in self.routes]
        self.rule_ids = [rule.id for rule in self.rules]
        self.register_outputs(
            {
                "pcx_id": self.pcx_id,
                "heroku_status": self.heroku_status,
                "routed_cidrs": self.routed_cidrs,
                "route_ids": self.route_ids,
                "rule_ids": self.rule_ids,
            }
        )
