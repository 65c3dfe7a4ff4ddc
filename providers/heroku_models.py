"""Typed views of the Heroku peering objects (see the official peering schema)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

HEROKU_MANAGED = "heroku-managed"
SPACE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?!-))+[a-z0-9]$")  # the schema's definitions/space/definitions/name


def is_space_identity(value: object) -> bool:
    """A space as the API takes it: its name (the schema's pattern) or its UUID."""
    if not isinstance(value, str):
        return False
    if SPACE_NAME.match(value):
        return True
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


@dataclass(frozen=True)
class PeeringInfo:
    """What a customer needs to request a peering to a space."""

    aws_account_id: str
    aws_region: str
    vpc_id: str
    vpc_cidr: str
    dyno_cidr_blocks: tuple[str, ...] = ()
    space_cidr_blocks: tuple[str, ...] = ()
    unavailable_cidr_blocks: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PeeringInfo:
        return cls(
            aws_account_id=str(data["aws_account_id"]),
            aws_region=str(data["aws_region"]),
            vpc_id=str(data["vpc_id"]),
            vpc_cidr=str(data["vpc_cidr"]),
            dyno_cidr_blocks=tuple(data.get("dyno_cidr_blocks") or ()),
            space_cidr_blocks=tuple(data.get("space_cidr_blocks") or ()),
            unavailable_cidr_blocks=tuple(data.get("unavailable_cidr_blocks") or ()),
        )


@dataclass(frozen=True)
class Space:
    """A Private Space as ``GET /spaces/{space}`` describes it, whether asked by name or by UUID.

    ``name``: Heroku's name for it ("" if the answer has none: the caller keeps what it asked for);
    ``state``: ``allocating``, ``allocated``, ``deleting``...; ``generation``: ``cedar`` or ``fir`` (the
    ``generation.name`` of the answer; "" when it says none). Heroku's Platform API reference, Space Info."""

    name: str
    state: str = ""
    generation: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Space:
        generation = data.get("generation")
        return cls(
            name=str(data.get("name") or ""),
            state=str(data.get("state") or ""),
            generation=str(generation.get("name") or "") if isinstance(generation, dict) else "",
        )


@dataclass(frozen=True)
class Peering:
    """One peering connection as Heroku sees it."""

    pcx_id: str
    type: str
    status: str
    cidr_blocks: tuple[str, ...] = field(default_factory=tuple)
    aws_vpc_id: str | None = None
    aws_region: str | None = None
    aws_account_id: str | None = None
    expires: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Peering:
        return cls(
            pcx_id=str(data["pcx_id"]),
            type=str(data.get("type") or "unknown"),
            status=str(data["status"]),
            cidr_blocks=tuple(data.get("cidr_blocks") or ()),
            aws_vpc_id=data.get("aws_vpc_id"),
            aws_region=data.get("aws_region"),
            aws_account_id=data.get("aws_account_id"),
            expires=data.get("expires") or None,
        )

    @property
    def heroku_managed(self) -> bool:
        return self.type == HEROKU_MANAGED
