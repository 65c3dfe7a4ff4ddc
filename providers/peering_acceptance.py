"""``PeeringAcceptance``: a Pulumi dynamic resource that accepts a peering on the Heroku side.

It owns the Heroku side for the peering's whole life: create waits for the AWS request to
become visible, accepts it (or adopts it when already accepted, and AWS agrees) and waits until it
is active; read reports drift and disappearance, each time; delete leaves Heroku alone: the
peering ends on both sides when its AWS peering connection is deleted, which destroy does next
(API.md: "a peering deleted from either side becomes deleted"), so no Heroku failure can stop a
destroy halfway, after the routes are gone.

The token is read in ``configure`` (stack config ``heroku:apiKey``, then ``HEROKU_API_KEY``,
then ``~/.netrc``) and lives only in the provider host process: it is never an input, an
output, or part of the pickled provider.
"""

from __future__ import annotations

import re
import time
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

from .acceptance_flow import (
    DEFAULT_ACTIVATION_TIMEOUT,
    DEFAULT_SCHEDULE,
    DEFAULT_VISIBILITY_TIMEOUT,
    GONE_AFTER_404S,
    AcceptanceFlow,
    PeeringAcceptanceError,
    after_active,
)
from .engine_watchdog import start_in_host
from .heroku_api import HerokuClient, default_retry, single_attempt
from .heroku_credentials import token_config_key, validate_api_url
from .heroku_errors import HerokuConfigError, HerokuError, HerokuNotFound, HerokuUnauthorized
from .heroku_models import HEROKU_MANAGED, Peering, is_space_identity
from .host_errors import install_in_host
from .shown_values import shown
from .statuses import ACCEPTED, NOT_ACCEPTED

PCX_ID = re.compile(r"^pcx-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
# The pcx is the peering's identity: a space written another way (its UUID, its name) is an update.
REPLACE_KEYS = ("pcx_id",)
UPDATE_KEYS = ("space", "api_url", "peer_vpc_id", "peer_account_id", "visibility_timeout", "activation_timeout")
# What AWS said of the pcx when the run planned it: not a change by itself (see ``diff``).
AWS_STATUS = "aws_status"
OUTPUT_KEYS = ("status", "type", "cidr_blocks", "aws_vpc_id", "aws_account_id", "aws_region", "expires")
RECHECK_PAUSE = 2.0  # seconds between the reads that confirm a 404 on refresh


def is_unknown(value: Any) -> bool:
    """Preview placeholders: the host turns unknown inputs into ``Unknown``; the wire form is ``UNKNOWN``."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def check_inputs(news: dict[str, Any]) -> list[CheckFailure]:
    """Validate known inputs; unknown values (preview) pass untouched."""
    failures: list[CheckFailure] = []

    def fail(prop: str, reason: str) -> None:
        failures.append(CheckFailure(prop, reason))

    space, pcx_id = news.get("space"), news.get("pcx_id")
    if space is None:
        fail("space", "space is required: the Private Space's name or UUID")
    elif not is_unknown(space) and not is_space_identity(space):
        fail("space", f"space {shown(space)}: not a Heroku space name (lowercase letters, digits, dashes) or UUID")
    if pcx_id is None:
        fail("pcx_id", "pcx_id is required: the AWS VPC peering connection id (pcx-...)")
    elif not is_unknown(pcx_id) and not (isinstance(pcx_id, str) and PCX_ID.match(pcx_id)):
        fail("pcx_id", f"pcx_id {shown(pcx_id)} is not an AWS peering connection id (pcx- and 8 or 17 hex digits)")
    for key in ("visibility_timeout", "activation_timeout"):
        value = news.get(key)
        if value is None or is_unknown(value):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            fail(key, f"{key} {shown(value)} must be a positive number of seconds")
    api_url = news.get("api_url")
    if api_url not in (None, "") and not is_unknown(api_url):
        try:
            validate_api_url(str(api_url))
        except HerokuConfigError as error:
            fail("api_url", str(error))
    return failures


def _outputs(inputs: dict[str, Any], peering: Peering) -> dict[str, Any]:
    outs = {key: inputs.get(key) for key in (*REPLACE_KEYS, *UPDATE_KEYS, AWS_STATUS)}
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


def aws_disagrees(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    """The state holds the peering as accepted, and AWS, asked since, says nobody accepted it: the accept must be sent.

    The AWS status the state was made with (its outputs keep the ``aws_status`` input that create or update acted
    on) is no news: that is what a refresh hands ``diff`` (the engine diffs the refreshed outputs against the
    inputs of the run that made them, pkg/resource/deploy/step.go ``RefreshStep.Apply``), and for a peering this
    stack requested it is ``pending-acceptance``, from before the accept that create then sent."""
    said = news.get(AWS_STATUS)
    return olds.get("status") in ACCEPTED and said in NOT_ACCEPTED and said != olds.get(AWS_STATUS)


class PeeringAcceptanceProvider(ResourceProvider):
    """Holds no state at pickling time; ``configure`` adds the token inside the host only."""

    def configure(self, req: ConfigureRequest) -> None:
        self.use_token(req.config.get("heroku:apiKey"))
        start_in_host()  # the host exits when the engine is gone (a killed `pulumi up`)
        install_in_host()  # this provider's errors reach the user as their message, not a traceback

    def use_token(self, token: object) -> None:
        """The token for every later call (None: ``HEROKU_API_KEY``, then ``~/.netrc``); kept in this process only.

        ``configure`` gives it from the stack config in Pulumi's dynamic-provider host; a host that serves this
        provider otherwise (the component package's own provider) gives it from its own provider config."""
        self._token: str | None = str(token) if token else None

    def __getstate__(self) -> dict[str, Any]:
        # Never pickle a token, even if someone configures the instance in the program process.
        return {}

    def _client(self, props: dict[str, Any], *, retry_here: bool = True) -> HerokuClient:
        """``retry_here=False``: no HTTP-level retries, for the flow that retries within its deadlines."""
        retry = default_retry(progress=_progress) if retry_here else single_attempt()
        return HerokuClient(getattr(self, "_token", None), props.get("api_url") or None, retry=retry)

    # -- planning --------------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, check_inputs(news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        def changed(key: str) -> bool:
            return is_unknown(news.get(key)) or olds.get(key) != news.get(key)

        replaces = [key for key in REPLACE_KEYS if changed(key)]
        updates = [key for key in UPDATE_KEYS if changed(key)]
        if aws_disagrees(olds, news):
            updates.append(AWS_STATUS)
        return DiffResult(
            changes=bool(replaces or updates),
            replaces=replaces,
            stables=[key for key in REPLACE_KEYS if key not in replaces],
            delete_before_replace=False,
        )

    # -- lifecycle -------------------------------------------------------------------------

    def create(self, props: dict[str, Any]) -> CreateResult:
        pcx_id = str(props["pcx_id"])
        return CreateResult(pcx_id, self._accept(props))

    def _accept(self, props: dict[str, Any]) -> dict[str, Any]:
        """Wait until visible, accept (or adopt what is already accepted, when AWS agrees), wait until active."""
        space, pcx_id = str(props["space"]), str(props["pcx_id"])
        aws_status = props.get(AWS_STATUS)
        with self._client(props, retry_here=False) as client:
            flow = AcceptanceFlow(client, space, pcx_id, _progress, DEFAULT_SCHEDULE)
            peering = flow.run(
                float(props.get("visibility_timeout") or DEFAULT_VISIBILITY_TIMEOUT),
                float(props.get("activation_timeout") or DEFAULT_ACTIVATION_TIMEOUT),
                lambda seen: _refuse_foreign(seen, props, space),
                aws_status=str(aws_status) if isinstance(aws_status, str) else None,
            )
        _progress(f"{pcx_id} is active in space {space}")
        return _outputs(props, peering)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Heroku's status, read every time: a 404 is believed after ``GONE_AFTER_404S`` reads in a row, as
        create believes it; a status that ends a peering is kept and reported, with what to do."""
        space = str(props["space"])
        with self._client(props) as client:
            for attempt in range(1, GONE_AFTER_404S + 1):
                try:
                    peering = client.get_peering(space, id_)
                    break
                except HerokuUnauthorized as error:
                    raise PeeringAcceptanceError(
                        f"reading {id_} in space {space}: Heroku refused the token ({error}). A refresh uses the "
                        f"{token_config_key()} stored at the last `pulumi up` (the engine configures the provider "
                        "from the state): if you have set a new one since, run `pulumi up --refresh=false` once to "
                        "store it; otherwise set a valid one (pulumi config set --secret "
                        f"{token_config_key()} <token>, or HEROKU_API_KEY). Destroying asks nothing of Heroku: "
                        "`pulumi destroy --refresh=false` works without one."
                    ) from error
                except HerokuNotFound:
                    if attempt == GONE_AFTER_404S:
                        pulumi.log.warn(
                            f"heroku: {id_} is no longer listed in space {space} ({GONE_AFTER_404S} reads in a row "
                            "answered 404): its acceptance leaves the stack's state. If AWS still has the peering "
                            "connection, the next `pulumi up` accepts it again; if AWS deleted it, `pulumi up` "
                            "requests a new one."
                        )
                        return ReadResult(None, {})
                    _sleep(RECHECK_PAUSE)
                except HerokuError as error:
                    raise PeeringAcceptanceError(
                        f"reading {id_} in space {space}: {error}. The stack's state is unchanged; run again once "
                        "Heroku answers (https://status.heroku.com). To go on without reading Heroku: `pulumi up "
                        "--refresh=false`, or `pulumi destroy --refresh=false` (destroying asks nothing of Heroku)."
                    ) from error
        advice = after_active(id_, space, peering.status)
        if advice:
            pulumi.log.warn(f"heroku: {advice}")
        return ReadResult(id_, _outputs(props, peering))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        if aws_disagrees(olds, news):
            _progress(
                f"Heroku had {id_} {olds.get('status')}, but AWS reports it {news.get(AWS_STATUS)} (not accepted): "
                "sending the accept"
            )
            return UpdateResult(self._accept(news))
        with self._client(news) as client:
            peering = client.get_peering(str(news["space"]), id_)
        _refuse_foreign(peering, news, str(news["space"]))
        return UpdateResult(_outputs(news, peering))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Nothing to ask of Heroku: deleting the AWS peering connection, which depends on this and so is
        deleted next, ends the peering on Heroku's side too. No token is needed, and no Heroku outage or
        refusal can leave a live peering whose routes are already gone."""
        if props.get("type") == HEROKU_MANAGED:
            pulumi.log.warn(f"{id_} is managed by Heroku; leaving it in place")
            return
        _progress(f"{id_} in space {props.get('space')} ends when its AWS peering connection is deleted")


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


def _sleep(seconds: float) -> None:
    """A pause between reads; tests replace it."""
    time.sleep(seconds)


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
        aws_status: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``aws_status``: the pcx's status as AWS reports it now (``pending-acceptance`` for a new request); while it
        says nobody accepted, Heroku's ``active`` is not believed."""
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
        super().__init__(PeeringAcceptanceProvider(), resource_name, props, opts)
