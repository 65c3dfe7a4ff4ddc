"""``PeeringAcceptance``: a Pulumi dynamic resource that accepts a peering on the Heroku side.

It owns the Heroku side for the peering's whole life: create waits for the AWS request to
become visible, accepts it (or adopts it when already accepted) and waits until it is active;
read reports drift and disappearance; delete destroys it and treats "already gone" as done.

The token is read in ``configure`` (stack config ``heroku:apiKey``, then ``HEROKU_API_KEY``,
then ``~/.netrc``) and lives only in the provider host process: it is never an input, an
output, or part of the pickled provider.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from .acceptance_flow import DEFAULT_SCHEDULE, AcceptanceFlow, PeeringWaitError
from .engine_watchdog import start_in_host
from .heroku_api import HerokuClient, single_attempt
from .heroku_credentials import validate_api_url
from .heroku_errors import HerokuConfigError, HerokuError, HerokuInvalidParams, HerokuNotFound
from .heroku_models import HEROKU_MANAGED, Peering

PCX_ID = re.compile(r"^pcx-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
SPACE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?!-))+[a-z0-9]$")  # Heroku's schema pattern
REPLACE_KEYS = ("space", "pcx_id")
UPDATE_KEYS = ("api_url", "peer_vpc_id", "peer_account_id", "visibility_timeout", "activation_timeout")
OUTPUT_KEYS = ("status", "type", "cidr_blocks", "aws_vpc_id", "aws_account_id", "aws_region", "expires")
GONE_STATUSES = ("deleted", "deleting")
DEFAULT_VISIBILITY_TIMEOUT = 600
DEFAULT_ACTIVATION_TIMEOUT = 1200


class PeeringAcceptanceError(HerokuError):
    """The Heroku side cannot be brought to ``active``; the message says why and what to do."""


def is_unknown(value: Any) -> bool:
    """Preview placeholders: the host turns unknown inputs into ``Unknown``; the wire form is ``UNKNOWN``."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def check_inputs(news: dict[str, Any]) -> list[CheckFailure]:
    """Validate known inputs; unknown values (preview) pass untouched."""
    failures: list[CheckFailure] = []

    def fail(prop: str, reason: str) -> None:
        failures.append(CheckFailure(prop, reason))

    space, pcx_id = news.get("space"), news.get("pcx_id")
    if space is None:
        fail("space", "space is required: the Private Space's name or UUID")
    elif not is_unknown(space) and not (isinstance(space, str) and (SPACE_NAME.match(space) or _is_uuid(space))):
        fail("space", f"space {space!r} is neither a Heroku space name (lowercase letters, digits, dashes) nor a UUID")
    if pcx_id is None:
        fail("pcx_id", "pcx_id is required: the AWS VPC peering connection id (pcx-...)")
    elif not is_unknown(pcx_id) and not (isinstance(pcx_id, str) and PCX_ID.match(pcx_id)):
        fail("pcx_id", f"pcx_id {pcx_id!r} is not an AWS peering connection id (pcx- and 8 or 17 hex digits)")
    for key in ("visibility_timeout", "activation_timeout"):
        value = news.get(key)
        if value is None or is_unknown(value):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            fail(key, f"{key} {value!r} must be a positive number of seconds")
    api_url = news.get("api_url")
    if api_url not in (None, "") and not is_unknown(api_url):
        try:
            validate_api_url(str(api_url))
        except HerokuConfigError as error:
            fail("api_url", str(error))
    return failures


def _outputs(inputs: dict[str, Any], peering: Peering) -> dict[str, Any]:
    outs = {key: inputs.get(key) for key in (*REPLACE_KEYS, *UPDATE_KEYS)}
    outs.update(
        status=peering.status,
        type=peering.type,
        cidr_blocks=list(peering.cidr_blocks),
        aws_vpc_id=peering.aws_vpc_id,
        aws_account_id=peering.aws_account_id,
        aws_region=peering.aws_region,
        expires=peering.expires,
    )
    return outs


class PeeringAcceptanceProvider(ResourceProvider):
    """Holds no state at pickling time; ``configure`` adds the token inside the host only."""

    def configure(self, req: ConfigureRequest) -> None:
        token = req.config.get("heroku:apiKey")
        self._token: str | None = str(token) if token else None
        start_in_host()  # the host exits when the engine is gone (a killed `pulumi up`)

    def __getstate__(self) -> dict[str, Any]:
        # Never pickle a token, even if someone configures the instance in the program process.
        return {}

    def _client(self, props: dict[str, Any], *, retry_here: bool = True) -> HerokuClient:
        """``retry_here=False``: no HTTP-level retries, for the flow that retries within its deadlines."""
        retry = None if retry_here else single_attempt()
        return HerokuClient(getattr(self, "_token", None), props.get("api_url") or None, retry=retry)

    # -- planning --------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, check_inputs(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        def changed(key: str) -> bool:
            return is_unknown(news.get(key)) or olds.get(key) != news.get(key)

        replaces = [key for key in REPLACE_KEYS if changed(key)]
        updates = [key for key in UPDATE_KEYS if changed(key)]
        return DiffResult(
            changes=bool(replaces or updates),
            replaces=replaces,
            stables=[key for key in REPLACE_KEYS if key not in replaces],
            delete_before_replace=False,
        )

    # -- lifecycle -------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        space, pcx_id = str(props["space"]), str(props["pcx_id"])
        with self._client(props, retry_here=False) as client:
            flow = AcceptanceFlow(client, space, pcx_id, _progress, DEFAULT_SCHEDULE)
            try:
                peering = flow.run(
                    float(props.get("visibility_timeout") or DEFAULT_VISIBILITY_TIMEOUT),
                    float(props.get("activation_timeout") or DEFAULT_ACTIVATION_TIMEOUT),
                    lambda seen: _refuse_foreign(seen, props, space),
                )
            except PeeringWaitError as error:
                raise PeeringAcceptanceError(str(error)) from None
        _progress(f"{pcx_id} is active in space {space}")
        return CreateResult(pcx_id, _outputs(props, peering))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        space = str(props["space"])
        with self._client(props) as client:
            try:
                peering = client.get_peering(space, id_)
            except HerokuNotFound:
                return ReadResult(None, {})
        if peering.status == "deleted":
            return ReadResult(None, {})
        return ReadResult(id_, _outputs(props, peering))

    def update(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        with self._client(news) as client:
            peering = client.get_peering(str(news["space"]), id_)
        _refuse_foreign(peering, news, str(news["space"]))
        return UpdateResult(_outputs(news, peering))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        space = str(props["space"])
        if props.get("type") == HEROKU_MANAGED:
            pulumi.log.warn(f"{id_} is managed by Heroku; leaving it in place")
            return
        with self._client(props) as client:
            try:
                client.destroy_peering(space, id_)
            except HerokuNotFound:
                return  # already gone: nothing to do
            except HerokuInvalidParams:
                # Refused, e.g. because an earlier DELETE whose answer was lost went through: done if it did.
                try:
                    status = client.get_peering(space, id_).status
                except HerokuNotFound:
                    return
                if status not in GONE_STATUSES:
                    raise


def _refuse_foreign(peering: Peering, props: dict[str, Any], space: str) -> None:
    """Never act on Heroku's own peerings or on a peering from another VPC than the program's."""
    if peering.heroku_managed:
        raise PeeringAcceptanceError(
            f"{peering.pcx_id} in space {space} is a heroku-managed peering (Heroku's data services); "
            "this tool never accepts, changes or destroys those. Use the pcx id of your own VPC's request."
        )
    for key, actual, label in (
        ("peer_vpc_id", peering.aws_vpc_id, "VPC"),
        ("peer_account_id", peering.aws_account_id, "AWS account"),
    ):
        expected = props.get(key)
        if expected and actual and expected != actual:
            raise PeeringAcceptanceError(
                f"{peering.pcx_id} in space {space} connects {label} {actual}, not the expected {expected} "
                f"({key}). Check that pcx_id belongs to this stack's VPC."
            )


def _progress(message: str) -> None:
    """Shown by the Pulumi CLI as the provider's output while ``pulumi up`` waits."""
    pulumi.log.info(f"heroku: {message}")


class PeeringAcceptance(Resource, module="heroku", name="PeeringAcceptance"):
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
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "space": space,
            "pcx_id": pcx_id,
            "api_url": api_url,
            "peer_vpc_id": peer_vpc_id,
            "peer_account_id": peer_account_id,
            "visibility_timeout": visibility_timeout,
            "activation_timeout": activation_timeout,
            **dict.fromkeys(OUTPUT_KEYS),
        }
        super().__init__(PeeringAcceptanceProvider(), resource_name, props, opts)
