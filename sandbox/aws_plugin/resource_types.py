"""Every resource type the sandbox's pulumi-aws serves, by token; any other is refused by name."""

from __future__ import annotations

from .ec2_tag import EC2_TAG
from .ingress_rule import INGRESS_RULE
from .network_resources import NETWORK_TYPES
from .peering_connection import PEERING_CONNECTION
from .resource_type import PartialCreate, ResourceType
from .route import ROUTE

RESOURCE_TYPES: dict[str, ResourceType] = {
    kind.token: kind for kind in (PEERING_CONNECTION, ROUTE, INGRESS_RULE, EC2_TAG, *NETWORK_TYPES)
}

__all__ = ["RESOURCE_TYPES", "PartialCreate"]
