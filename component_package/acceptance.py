"""``PeeringAcceptance`` as a custom resource of the package's own provider: ``heroku-peering:index:PeeringAcceptance``.

The same inputs and outputs as the Python program's dynamic ``PeeringAcceptance`` (snake_case in Python,
camelCase on the wire, as every Pulumi package names them), served by ``servicer.py`` with the same
``PeeringAcceptanceProvider`` methods. The token is in ``index``, beside ``HerokuPeering``, whose token the
program's component already has: a stack moved from the program keeps every URN but this resource's type,
which its alias covers (the dynamic type), so the move requests and accepts nothing anew.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi

from providers.acceptance_flow import DEFAULT_ACTIVATION_TIMEOUT, DEFAULT_VISIBILITY_TIMEOUT
from providers.peering_acceptance import (
    AWS_STATUS,
    OUTPUT_KEYS,
    REPLACE_KEYS,
    UPDATE_KEYS,
)

TYPE = "heroku-peering:index:PeeringAcceptance"
DYNAMIC_TYPE = "pulumi-python:dynamic/heroku:PeeringAcceptance"  # the program's: what a moved stack holds
INPUT_KEYS = (*REPLACE_KEYS, *UPDATE_KEYS, AWS_STATUS)
KEYS = (*INPUT_KEYS, *OUTPUT_KEYS)


def wire_name(key: str) -> str:
    """``peer_vpc_id`` -> ``peerVpcId``."""
    return re.sub(r"_([a-z])", lambda found: found.group(1).upper(), key)


TO_WIRE = {key: wire_name(key) for key in KEYS}
FROM_WIRE = {wire: key for key, wire in TO_WIRE.items()}


class PeeringAcceptance(pulumi.CustomResource):
    """Accepts an AWS VPC peering request on a Heroku Private Space and keeps it active."""

    space: pulumi.Output[str]
    pcx_id: pulumi.Output[str]
    status: pulumi.Output[str]
    type: pulumi.Output[str]
    cidr_blocks: pulumi.Output[list[str]]
    aws_vpc_id: pulumi.Output[str]
    aws_account_id: pulumi.Output[str]
    aws_region: pulumi.Output[str]
    expires: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        space: pulumi.Input[str],
        pcx_id: pulumi.Input[str],
        *,
        api_url: pulumi.Input[str] | None = None,
        peer_vpc_id: pulumi.Input[str] | None = None,
        peer_account_id: pulumi.Input[str] | None = None,
        visibility_timeout: pulumi.Input[int] = DEFAULT_VISIBILITY_TIMEOUT,
        activation_timeout: pulumi.Input[int] = DEFAULT_ACTIVATION_TIMEOUT,
        aws_status: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """The dynamic ``PeeringAcceptance``'s arguments, to the letter."""
        props: dict[str, Any] = {
            AWS_STATUS: aws_status,
            "space": space,
            "pcx_id": pcx_id,
            "api_url": api_url,
            "peer_vpc_id": peer_vpc_id,
            "peer_account_id": peer_account_id,
            "visibility_timeout": visibility_timeout,
            "activation_timeout": activation_timeout,
            **dict.fromkeys(OUTPUT_KEYS),
        }
        moved = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=DYNAMIC_TYPE)])
        super().__init__(TYPE, resource_name, props, pulumi.ResourceOptions.merge(opts, moved))

    def translate_input_property(self, prop: str) -> str:
        return TO_WIRE.get(prop, prop)

    def translate_output_property(self, prop: str) -> str:
        return FROM_WIRE.get(prop, prop)
