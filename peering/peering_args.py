"""What a user writes for one peering (``HerokuPeeringArgs``), and what the resources are built from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi

from providers.peering_acceptance import DEFAULT_ACTIVATION_TIMEOUT, DEFAULT_VISIBILITY_TIMEOUT

from .existing import Adoption
from .preflight import PeeringPlan
from .stack_config import IngressRule, PeeringSpec


@dataclass(frozen=True)
class IngressArgs:
    """A security-group rule opened to every dyno CIDR of the space (``ingress`` items, snake_case)."""

    security_group_id: pulumi.Input[str]
    protocol: str = "tcp"  # tcp, udp, icmp or all (-1)
    from_port: int | None = None  # icmp: the type (-1: all)
    to_port: int | None = None  # icmp: the code (-1: all); tcp/udp: defaults to from_port
    description: str | None = None


@dataclass(frozen=True)
class HerokuPeeringArgs:
    """One peering, in the stack config's terms; VPC-side ids may be ``pulumi.Input``s.

    Without ``api_url`` the client uses ``HEROKU_HOST``, else https://api.heroku.com; the token is the
    stack config's ``heroku:apiKey``, else ``HEROKU_API_KEY``, else ``~/.netrc``, in the program and in
    the provider alike (a token is never an input: inputs are stored in the state).
    """

    space: str
    vpc_id: pulumi.Input[str]
    route_table_ids: Sequence[pulumi.Input[str]] | None = None  # None: every table of the VPC (a known id)
    route_to: str = "vpc"
    ingress: Sequence[IngressArgs] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    visibility_timeout: int = DEFAULT_VISIBILITY_TIMEOUT
    activation_timeout: int = DEFAULT_ACTIVATION_TIMEOUT
    api_url: str | None = None
    pcx_id: str | None = None  # a hand-made peering to adopt (plain ids only)

    @classmethod
    def from_spec(cls, spec: PeeringSpec) -> HerokuPeeringArgs:
        """The args a stack-config peering stands for."""
        return cls(
            space=spec.space,
            vpc_id=spec.vpc_id,
            route_table_ids=spec.route_table_ids,
            route_to=spec.route_to,
            ingress=tuple(
                IngressArgs(r.security_group_id, r.protocol, r.from_port, r.to_port, r.description)
                for r in spec.ingress
            ),
            tags=dict(spec.tags),
            visibility_timeout=spec.visibility_timeout,
            activation_timeout=spec.activation_timeout,
            api_url=spec.heroku_api_url,
            pcx_id=spec.pcx_id,
        )


@dataclass(frozen=True)
class PeeringLayout:
    """What the resources are built from: a checked plan; values may be Outputs of the check."""

    space: str
    vpc_id: pulumi.Input[str]
    account_id: pulumi.Input[str] | None  # the VPC's owner, as Heroku reports the peer account
    peer_account_id: str
    peer_vpc_id: str
    route_table_ids: tuple[pulumi.Input[str], ...]
    destination_cidrs: tuple[str, ...]
    source_cidrs: tuple[str, ...]
    ingress: tuple[IngressRule, ...] = ()  # security_group_id may be an Output here
    peer_region: pulumi.Input[str | None] = None
    tags: dict[str, str] = field(default_factory=dict)
    heroku_api_url: str | None = None
    visibility_timeout: int = DEFAULT_VISIBILITY_TIMEOUT
    activation_timeout: int = DEFAULT_ACTIVATION_TIMEOUT
    marker: str = ""  # tags what this stack creates, so that pre-flight knows its own objects
    adoption: Adoption | None = None  # a hand-made peering to import instead of requesting one

    @classmethod
    def from_plan(cls, plan: PeeringPlan) -> PeeringLayout:
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
