"""The package's schema: what Pulumi infers from ``HerokuPeering``, plus what inference cannot see.

``ComponentProvider`` infers the component, its inputs and outputs, and the ``Ingress`` type from
``heroku_peering.py``. Added here: the package's description, the provider's config (``apiKey``, a
secret) and the custom resource ``PeeringAcceptance`` with every property the provider takes and gives
(``PROPERTIES``: type and description of each, held to ``acceptance.KEYS`` by a test). The committed
``schema.json`` is what ``pulumi package get-schema`` prints, kept current by a test.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pulumi.provider.experimental.component import ComponentProvider

from providers import __version__

from .acceptance import INPUT_KEYS, TO_WIRE, TYPE
from .configured import PACKAGE, TOKEN_KEY
from .heroku_peering import HerokuPeering

STRING, INTEGER = {"type": "string"}, {"type": "integer"}
TOKEN = {
    "type": "string",
    "secret": True,
    "description": "The Heroku Platform API token (`heroku authorizations:create`); unset: HEROKU_API_KEY, else the "
    "api.heroku.com entry of ~/.netrc. Read by this provider only: never an input or output of a resource.",
}
# Each property of PeeringAcceptance (the provider's snake_case name): its type and description.
PROPERTIES: dict[str, tuple[dict[str, Any], str]] = {
    "space": (STRING, "The Private Space the peering request is to: its name or UUID."),
    "pcx_id": (STRING, "The AWS VPC peering connection (pcx-...) to accept; another one replaces the resource."),
    "api_url": (STRING, "The Heroku Platform API URL; unset: HEROKU_HOST, else https://api.heroku.com."),
    "peer_vpc_id": (STRING, "The requester's VPC: a peering Heroku lists with another VPC is refused, not accepted."),
    "peer_account_id": (
        STRING,
        "The requester's AWS account: a peering Heroku lists with another account is refused, not accepted.",
    ),
    "visibility_timeout": (INTEGER, "Seconds to wait for Heroku to see the request (default 600)."),
    "activation_timeout": (INTEGER, "Seconds to wait for active once accepted (default 1200)."),
    "aws_status": (
        STRING,
        "AWS's status of the peering connection now (pending-acceptance for a new request): while it says nobody "
        "accepted, Heroku's active is not believed and the accept is sent.",
    ),
    "status": (STRING, "The peering's status as Heroku reports it (active once accepted)."),
    "type": (STRING, "customer-managed, or heroku-managed (Heroku's own, which is never accepted or changed)."),
    "cidr_blocks": ({"type": "array", "items": STRING}, "The requester VPC's CIDR blocks, as Heroku lists them."),
    "aws_vpc_id": (STRING, "The requester's VPC, as Heroku lists it."),
    "aws_account_id": (STRING, "The requester's AWS account, as Heroku lists it."),
    "aws_region": (STRING, "The requester VPC's region, as Heroku lists it."),
    "expires": (STRING, "When Heroku lets an unaccepted request expire, if it says."),
}
REQUIRED_INPUTS = ("space", "pcx_id")


def _property(key: str) -> dict[str, Any]:
    kind, description = PROPERTIES[key]
    return {**copy.deepcopy(kind), "description": description}


def acceptance_resource() -> dict[str, Any]:
    outputs = [key for key in PROPERTIES if key not in ("expires", "api_url", "peer_vpc_id", "peer_account_id")]
    return {
        "description": "Accepts an AWS VPC peering request on a Heroku Private Space and keeps it active: it waits "
        "until Heroku sees the request, accepts it (or adopts one already accepted, when AWS agrees) and waits "
        "until it is active, printing progress; refresh reads Heroku's status; delete asks nothing of Heroku "
        "(deleting the AWS peering connection ends it on both sides). HerokuPeering makes one; use it alone "
        "for a peering connection made otherwise.",
        "inputProperties": {TO_WIRE[key]: _property(key) for key in INPUT_KEYS},
        "requiredInputs": [TO_WIRE[key] for key in REQUIRED_INPUTS],
        "properties": {TO_WIRE[key]: _property(key) for key in PROPERTIES},
        "required": sorted(TO_WIRE[key] for key in outputs),
    }


def tidied(node: Any, parent_description: str | None = None) -> Any:
    """Descriptions as one line each (docstrings keep their indentation), and none on an array's items or a map's
    values that only repeats the property's own (the analyzer copies it there)."""
    if isinstance(node, list):
        return [tidied(item) for item in node]
    if not isinstance(node, dict):
        return node
    description = node.get("description")
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "description" and isinstance(value, str):
            text = " ".join(value.split())
            if text != parent_description:
                result[key] = text
        elif key in ("items", "additionalProperties"):
            result[key] = tidied(value, " ".join(description.split()) if isinstance(description, str) else None)
        else:
            result[key] = tidied(value)
    return result


def extended(inferred: dict[str, Any]) -> dict[str, Any]:
    """The inferred schema with the package's description, its provider config and the acceptance."""
    schema: dict[str, Any] = tidied(inferred)
    schema.update(
        displayName="Heroku Private Space peering",
        description="Peer an AWS VPC with a Heroku Private Space in one `pulumi up`: the VPC peering request, its "
        "acceptance on Heroku's side, routes and security-group rules, checked before anything is made.",
        keywords=["heroku", "aws", "vpc-peering", "private-space", "category/network", "kind/component"],
        # SDKs as `pulumi package add` makes them: a go.mod for Go, pyproject.toml for Python.
        meta={"supportPack": True},
        config={"variables": {TOKEN_KEY: TOKEN}},
        provider={
            "description": "The heroku-peering provider: serves HerokuPeering and PeeringAcceptance with the token "
            "of its apiKey (else HEROKU_API_KEY, else ~/.netrc).",
            "inputProperties": {TOKEN_KEY: TOKEN},
        },
    )
    schema["resources"] = {**schema.get("resources", {}), TYPE: acceptance_resource()}
    if not schema.get("dependencies"):  # as `pulumi package get-schema` prints it
        schema.pop("dependencies", None)
    return schema


class PackageProvider(ComponentProvider):
    """``HerokuPeering``'s component provider, answering GetSchema with the whole package."""

    def __init__(self) -> None:
        super().__init__([HerokuPeering], PACKAGE, version=__version__)
        self.schema = json_text(extended(json_loads(self.schema or "{}")))


def json_loads(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def json_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
