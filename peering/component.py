"""``HerokuPeering``: both sides of one peering, wired by resource dependencies.

pcx request (customer account) -> Heroku acceptance -> routes and security-group rules.
Routes and rules wait for the acceptance, so they are never created toward a peering that
Heroku has not accepted, and destroy removes them before the peering itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from providers.peering_acceptance import DEFAULT_ACTIVATION_TIMEOUT, DEFAULT_VISIBILITY_TIMEOUT, PeeringAcceptance

from .existing import MARKER_TAG, Adoption, rule_key
from .preflight import PeeringPlan
from .stack_config import IngressRule


@dataclass(frozen=True)
class HerokuPeeringArgs:
    """Everything one peering needs; build it from a checked plan with ``from_plan``."""

    space: str
    vpc_id: str
    account_id: str | None  # the VPC's owner, as Heroku reports the peer account
    peer_account_id: str
    peer_vpc_id: str
    route_table_ids: tuple[str, ...]
    destination_cidrs: tuple[str, ...]
    source_cidrs: tuple[str, ...]
    ingress: tuple[IngressRule, ...] = ()
    peer_region: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    heroku_api_url: str | None = None
    visibility_timeout: int = DEFAULT_VISIBILITY_TIMEOUT
    activation_timeout: int = DEFAULT_ACTIVATION_TIMEOUT
    marker: str = ""  # tags what this stack creates, so that pre-flight knows its own objects
    adoption: Adoption | None = None  # a hand-made peering to import instead of requesting one

    @classmethod
    def from_plan(cls, plan: PeeringPlan) -> HerokuPeeringArgs:
        spec = plan.spec
        return cls(
            space=spec.space,
            vpc_id=spec.vpc_id,
            account_id=plan.vpc.owner_id,
            peer_account_id=plan.peer.aws_account_id,
            peer_vpc_id=plan.peer.vpc_id,
            route_table_ids=plan.route_table_ids,
            destination_cidrs=plan.destination_cidrs,
            source_cidrs=plan.source_cidrs,
            ingress=spec.ingress,
            peer_region=plan.peer_region,
            tags=dict(spec.tags),
            heroku_api_url=spec.heroku_api_url,
            visibility_timeout=spec.visibility_timeout,
            activation_timeout=spec.activation_timeout,
            marker=plan.marker,
            adoption=plan.adoption,
        )


def slug(value: str | int | None) -> str:
    """Readable, stable name parts: 10.0.0.0/16 -> 10-0-0-0-16."""
    return re.sub(r"[^a-zA-Z0-9]+", "-", str(value)).strip("-")


def _port(value: int | None) -> str:
    return "all" if value in (None, -1) else str(value)


def rule_name(name: str, rule: IngressRule, cidr: str) -> str:
    ports = "all" if rule.protocol == "-1" else f"{_port(rule.from_port)}-{_port(rule.to_port)}"
    return f"{name}-ingress-{rule.security_group_id}-{slug(rule.protocol)}-{ports}-{slug(cidr)}"


class HerokuPeering(pulumi.ComponentResource):
    pcx_id: pulumi.Output[str]
    heroku_status: pulumi.Output[str]

    def __init__(self, name: str, args: HerokuPeeringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("heroku-peering:index:HerokuPeering", name, None, opts)
        self.peering_name = name
        child = pulumi.ResourceOptions(parent=self)
        tags = {"Name": f"heroku-{args.space}", "heroku-space": args.space, **args.tags}
        if args.marker:
            tags[MARKER_TAG] = args.marker
        adoption = args.adoption
        if adoption is None:
            self.connection = aws.ec2.VpcPeeringConnection(
                f"{name}-pcx",
                vpc_id=args.vpc_id,
                peer_owner_id=args.peer_account_id,
                peer_vpc_id=args.peer_vpc_id,
                peer_region=args.peer_region,
                auto_accept=False,
                tags=tags,
                opts=child,
            )
        else:  # imported as it is: the engine refuses an import whose inputs differ from what exists
            self.connection = aws.ec2.VpcPeeringConnection(
                f"{name}-pcx",
                vpc_id=args.vpc_id,
                peer_owner_id=args.peer_account_id,
                peer_vpc_id=args.peer_vpc_id,
                peer_region=args.peer_region,
                tags=dict(adoption.pcx.tags) or None,
                # Its tags stay the user's; the stack's marker is a separate aws.ec2.Tag (below), which
                # terraform-provider-aws says not to mix with a resource's own tags unless they are ignored.
                opts=pulumi.ResourceOptions(parent=self, import_=adoption.pcx.pcx_id, ignore_changes=["tags"]),
            )
        self.acceptance = PeeringAcceptance(
            f"{name}-accept",
            space=args.space,
            pcx_id=self.connection.id,
            api_url=args.heroku_api_url,
            peer_vpc_id=args.vpc_id,
            peer_account_id=args.account_id,
            visibility_timeout=args.visibility_timeout,
            activation_timeout=args.activation_timeout,
            opts=child,
        )

        def after_acceptance(import_id: str | None = None) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, depends_on=[self.acceptance], import_=import_id)

        imported_routes = adoption.routes if adoption else {}
        self.routes = [
            aws.ec2.Route(
                f"{name}-route-{table}-{slug(cidr)}",
                route_table_id=table,
                destination_cidr_block=cidr,
                vpc_peering_connection_id=self.acceptance.pcx_id,
                opts=after_acceptance(imported_routes.get((table, cidr))),
            )
            for table in args.route_table_ids
            for cidr in args.destination_cidrs
        ]
        imported_rules = adoption.rules if adoption else {}
        self.rules = []
        for rule in args.ingress:
            for cidr in args.source_cidrs:
                found = imported_rules.get(rule_key(rule.security_group_id, rule, cidr))
                self.rules.append(
                    aws.vpc.SecurityGroupIngressRule(
                        rule_name(name, rule, cidr),
                        security_group_id=rule.security_group_id,
                        ip_protocol=rule.protocol,
                        cidr_ipv4=cidr,
                        from_port=rule.from_port,
                        to_port=rule.to_port,
                        description=found.description if found else rule.description,
                        tags=(dict(found.tags) or None) if found else tags,
                        opts=after_acceptance(found.rule_id if found else None),
                    )
                )
        created = len(self.routes) - len(imported_routes) + len(self.rules) - len(imported_rules)
        if adoption is not None and args.marker and (adoption.complete or created > 0):
            # Routes carry no tags: this tag on the adopted peering tells later runs that every route to it is
            # the stack's, so that none is imported twice. It is added in the first run that changes anything.
            aws.ec2.Tag(
                f"{name}-marker",
                resource_id=self.connection.id,
                key=MARKER_TAG,
                value=args.marker,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.acceptance]),
            )
        self.pcx_id = self.connection.id
        self.heroku_status = self.acceptance.status
        self.routed_cidrs = list(args.destination_cidrs)
        self.register_outputs(
            {
                "pcx_id": self.pcx_id,
                "heroku_status": self.heroku_status,
                "routed_cidrs": self.routed_cidrs,
                "route_ids": [route.id for route in self.routes],
                "rule_ids": [rule.id for rule in self.rules],
            }
        )
