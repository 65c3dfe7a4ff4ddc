"""``HerokuPeering`` as the package serves it: the Python component, with inputs Pulumi can infer a schema from.

Pulumi's component provider infers the package's schema from this module's annotations and docstrings
(``pulumi.provider.experimental.analyzer``), so it keeps to what that inference reads: TypedDicts (a
dataclass would arrive as a dict, pulumi/pulumi#18526), no ``from __future__ import annotations`` (the
analyzer reads annotations as types), no ``Literal``, unions or tuples. ``Input[...]`` marks what may be
another resource's output (the VPC-side ids; an ingress rule, so that Go's SDK has its ``IngressArgs``: a
plain rule with an input inside gets only its plain struct there); the rest is plain, as the stack config
gives it. TypedDicts
carry no defaults: absent keys take ``HerokuPeeringArgs``'s, and its checks produce the refusals, word for
word the program's. The item type is named ``Ingress`` (a name ending in ``Args`` would become
``IngressArgsArgs`` in the SDKs). Construct receives snake_case keys (the analyzer's mapping).
"""

import sys
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import pulumi

import peering

from .acceptance import PeeringAcceptance
from .configured import CONFIGURED

if sys.version_info >= (3, 11):
    from typing import NotRequired
else:  # pragma: no cover - Python 3.10
    from typing_extensions import NotRequired


class Ingress(TypedDict):
    """A security-group rule opened to every dyno CIDR of the space: one rule per dyno CIDR."""

    security_group_id: pulumi.Input[str]
    """The security group (sg-...) of the peered VPC that admits the dynos; may be another resource's output."""
    protocol: NotRequired[str]
    """tcp (the default), udp, icmp or all."""
    from_port: NotRequired[int]
    """The first port (tcp, udp); for icmp the ICMP type (-1, the default: all types)."""
    to_port: NotRequired[int]
    """The last port (tcp, udp: defaults to fromPort); for icmp the ICMP code (-1, the default: all codes)."""
    description: NotRequired[str]
    """The rule's description (at most 255 characters of AWS's allowed set); default: from Heroku Private Space
    dynos."""


class HerokuPeeringInputs(TypedDict):
    """One peering, in the stack config's terms (camelCase here, snake_case in Python SDKs)."""

    space: str
    """The Heroku Private Space to peer: its name or UUID (either names the same space)."""
    vpc_id: pulumi.Input[str]
    """Your VPC (vpc-...), in the region of the AWS provider the component uses; may be another resource's output."""
    route_table_ids: NotRequired[Sequence[pulumi.Input[str]]]
    """Route tables (rtb-...) that get a route to the space; unset: every route table of the VPC (then vpcId must
    be known when the program runs). Each id may be another resource's output."""
    route_to: NotRequired[str]
    """vpc (the default, Heroku's advice): route the space's whole vpc_cidr; space: only its space CIDRs."""
    ingress: NotRequired[Sequence[pulumi.Input[Ingress]]]
    """Security-group rules opened to every dyno CIDR of the space."""
    tags: NotRequired[Mapping[str, str]]
    """Tags for the peering connection and the rules (AWS's limits; Name, heroku-space and heroku-peering are the
    component's own)."""
    visibility_timeout: NotRequired[int]
    """Seconds to wait for Heroku to see the new peering request (default 600; 1-3 minutes in real life)."""
    activation_timeout: NotRequired[int]
    """Seconds to wait for the accepted peering to become active (default 1200)."""
    api_url: NotRequired[str]
    """The Heroku Platform API URL; unset: HEROKU_HOST, else https://api.heroku.com."""
    pcx_id: NotRequired[str]
    """A hand-made peering connection (pcx-...) between the VPC and the space to adopt instead of requesting one
    (ids known when the program runs)."""
    protect: NotRequired[bool]
    """true (for prod): the engine refuses to delete or replace the peering connection, the acceptance, the
    routes and the rules until it is set back to false."""
    retain_on_delete: NotRequired[bool]
    """true: destroy (or removing the component) leaves the peering connection, the acceptance, the routes and
    the rules in place and deletes only the stack's claim tag, so that another stack can adopt the peering
    (Pulumi's retainOnDelete on each of them)."""


def whole(value: Any) -> Any:
    """A number as the program would have it: the wire carries every number as a float (5432.0), and the
    SDK makes ints of top-level integer inputs only, not of an ingress rule's ports. Other values unchanged."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def peering_args(inputs: Mapping[str, Any]) -> peering.HerokuPeeringArgs:
    """The Python component's args from what Construct received (absent keys: the args' defaults)."""
    values = {key: whole(value) for key, value in inputs.items() if value is not None}
    if isinstance(values.get("ingress"), Sequence):
        values["ingress"] = [
            peering.IngressArgs(**{key: whole(value) for key, value in rule.items() if value is not None})
            if isinstance(rule, Mapping)
            else rule
            for rule in values["ingress"]
        ]
    return peering.HerokuPeeringArgs(**values)


class HerokuPeering(peering.HerokuPeering):
    """Both sides of one peering between an AWS VPC and a Heroku Private Space: the VPC peering request, its
    acceptance on Heroku's side, routes to the space and security-group rules for its dynos. Pre-flight checks
    run before anything is made: a problem fails the run with one message naming the input, the value and the
    fix. The AWS resources use the component's AWS provider (the stack's default unless one is given); the
    Heroku token is the provider config heroku-peering:apiKey (a secret), else HEROKU_API_KEY, else ~/.netrc."""

    pcx_id: pulumi.Output[str]
    """The VPC peering connection (pcx-...)."""
    heroku_status: pulumi.Output[str]
    """The peering's status as Heroku reports it (active once accepted)."""
    routed_cidrs: pulumi.Output[list[str]]  # type: ignore[assignment]  # the schema's type; lists of Outputs here
    """What the routes send to the space: its vpc_cidr, or its space CIDRs (routeTo: space)."""
    route_ids: pulumi.Output[list[str]]  # type: ignore[assignment]  # the schema's type; lists of Outputs here
    """The routes to the space, one per route table and destination."""
    rule_ids: pulumi.Output[list[str]]  # type: ignore[assignment]  # the schema's type; lists of Outputs here
    """The security-group rules (sgr-...), one per ingress rule and dyno CIDR."""

    def __init__(self, name: str, args: HerokuPeeringInputs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, peering_args(args), opts)

    def _heroku_token(self) -> str | None:
        """The token this provider was configured with (its ``apiKey``), for pre-flight as for the acceptance."""
        return CONFIGURED.token

    def _acceptance(self, name: str, opts: pulumi.ResourceOptions, **props: Any) -> pulumi.CustomResource:
        """The package's own ``PeeringAcceptance``, served by this provider (a dynamic resource cannot be: its host
        would start in the consumer's directory, with the consumer's interpreter; pulumi/pulumi#5455)."""
        return PeeringAcceptance(name, opts=opts, **props)


__all__ = ["HerokuPeering", "HerokuPeeringInputs", "Ingress"]
