"""aws:ec2/vpcPeeringConnection:VpcPeeringConnection, as terraform-provider-aws's
``internal/service/ec2/vpc_peering_connection.go`` makes it.

Schema: ``vpc_id``, ``peer_vpc_id``, ``peer_owner_id`` (Optional+Computed), ``peer_region``
(Optional+Computed) ForceNew; ``auto_accept``, ``accepter`` and ``requester`` (Optional+Computed, one
``allow_remote_vpc_dns_resolution`` each, default false) and ``tags`` in place. Timeouts: 1 minute each.

Create passes the tags in ``TagSpecifications``, then ``waitVPCPeeringConnectionActive`` (pending
``initiating-request``, ``provisioning``; target ``active``, ``pending-acceptance``, two reads in a row;
the status message as the last error): any other state fails the create, with the resource already made
(recorded with init errors). With ``auto_accept`` and the peering ``pending-acceptance`` it accepts and
waits for it again; then ``modifyVPCPeeringConnectionOptions`` for the options set: refused unless the
peering is ``active`` or ``provisioning``, else ModifyVpcPeeringConnectionOptions and reads until AWS
shows them. Update: the same acceptance and options. Read: ``findVPCPeeringConnectionByID`` counts
``deleted``, ``expired``, ``failed`` and ``rejected`` as gone; the sides swap when the provider's account
is the accepter's and not the requester's; ``accepter``/``requester`` from each side's PeeringOptions.
Delete: ``InvalidVpcPeeringConnectionID.NotFound`` and a transition "to deleting" refused
(``InvalidStateTransition``, the peering already going) are done; then ``waitVPCPeeringConnectionDeleted``
(pending ``active``, ``deleting``, ``pending-acceptance``; gone ends it).
"""

from __future__ import annotations

import time
from typing import Any

from botocore.exceptions import ClientError

from .aws_errors import ProviderRefusal, error_code, reported, sdk_error_text
from .ec2_reads import described, tag_outputs, tag_specifications, update_tags
from .ec2_session import Ec2Session
from .resource_type import PartialCreate, ResourceType
from .waiters import NotFound, StateWaiter, UnexpectedState, WaitTimeout
from .wire import Properties

RESOURCE_TYPE = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
NOT_FOUND = ("InvalidVpcPeeringConnectionID.NotFound", "InvalidVpcPeeringConnectionId.Malformed")
GONE_STATES = ("deleted", "expired", "failed", "rejected")
TIMEOUT = 60.0  # create, update and delete default to 1 minute
PROPAGATION_SECONDS = 300.0  # ec2PropagationTimeout
OPTION_SIDES = {"accepter": "AccepterPeeringConnectionOptions", "requester": "RequesterPeeringConnectionOptions"}


def find(session: Ec2Session, pcx_id: str) -> dict[str, Any] | None:
    found = described(
        session.client.describe_vpc_peering_connections,
        "VpcPeeringConnections",
        NOT_FOUND,
        VpcPeeringConnectionIds=[pcx_id],
    )
    return found[0] if found else None


def _state(found: dict[str, Any] | None) -> str:
    return str(found["Status"]["Code"]) if found else ""


def _message(pcx: dict[str, Any]) -> str:
    return str(pcx["Status"].get("Message", ""))


def _options(info: dict[str, Any]) -> Properties | None:
    """``flattenVPCPeeringConnectionOptionsDescription``; none when AWS shows no PeeringOptions."""
    options = info.get("PeeringOptions")
    if options is None:
        return None
    flat: Properties = {}
    if options.get("AllowDnsResolutionFromRemoteVpc") is not None:
        flat["allowRemoteVpcDnsResolution"] = bool(options["AllowDnsResolutionFromRemoteVpc"])
    return flat


def outputs(session: Ec2Session, pcx: dict[str, Any], declared: Any = None) -> Properties:
    requester, accepter = pcx["RequesterVpcInfo"], pcx["AccepterVpcInfo"]
    account = session.account_id
    we_accept = account and account == accepter.get("OwnerId") and account != requester.get("OwnerId")
    ours, theirs = (accepter, requester) if we_accept else (requester, accepter)
    return {
        "vpcId": ours["VpcId"],
        "peerVpcId": theirs["VpcId"],
        "peerOwnerId": theirs.get("OwnerId"),
        "peerRegion": accepter.get("Region"),
        "acceptStatus": pcx["Status"]["Code"],
        "accepter": _options(accepter),
        "requester": _options(requester),
        **tag_outputs(session, pcx.get("Tags"), declared),
    }


def _wait_active(session: Ec2Session, pcx_id: str, timeout: float) -> dict[str, Any] | None:
    waiter: StateWaiter[dict[str, Any]] = StateWaiter(
        ("initiating-request", "provisioning"), ("active", "pending-acceptance"), timeout, _message, continuous=2
    )
    return waiter.wait(lambda: (found := find(session, pcx_id), _state(found)))


def _accept(session: Ec2Session, pcx_id: str, timeout: float) -> dict[str, Any] | None:
    """``acceptVPCPeeringConnection``: AcceptVpcPeeringConnection, then wait for it to settle."""
    try:
        session.client.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    except ClientError as error:
        raise ProviderRefusal(f"accepting EC2 VPC Peering Connection ({pcx_id}): {sdk_error_text(error)}") from None
    try:
        return _wait_active(session, pcx_id, timeout)
    except (UnexpectedState, WaitTimeout, NotFound) as error:
        raise ProviderRefusal(
            f"accepting EC2 VPC Peering Connection ({pcx_id}): waiting for completion: {error}"
        ) from None


def _modify_options(
    session: Ec2Session, pcx_id: str, pcx: dict[str, Any] | None, olds: Properties | None, news: Properties
) -> None:
    """``modifyVPCPeeringConnectionOptions`` for each side whose options changed (set, on create)."""
    request: dict[str, Any] = {}
    for side, field in OPTION_SIDES.items():
        new = news.get(side)
        if isinstance(new, dict) and (olds is None or new != olds.get(side)):
            request[field] = {"AllowDnsResolutionFromRemoteVpc": bool(new.get("allowRemoteVpcDnsResolution"))}
    if not request:
        return
    status = _state(pcx)
    if status not in ("active", "provisioning"):
        raise ProviderRefusal(
            f"Unable to modify EC2 VPC Peering Connection Options. EC2 VPC Peering Connection ({pcx_id}) is not "
            f"active (current status: {status}). Please set the `auto_accept` attribute to `true` or activate the "
            "EC2 VPC Peering Connection manually."
        )
    try:
        session.client.modify_vpc_peering_connection_options(VpcPeeringConnectionId=pcx_id, **request)
    except ClientError as error:
        raise ProviderRefusal(
            f"modifying EC2 VPC Peering Connection ({pcx_id}) Options: {sdk_error_text(error)}"
        ) from None
    deadline = time.monotonic() + PROPAGATION_SECONDS
    wanted = {"accepter": "AccepterVpcInfo", "requester": "RequesterVpcInfo"}
    while True:  # read back until AWS shows the options (eventual consistency)
        found = find(session, pcx_id) or {}
        stable = all(
            (found.get(wanted[side]) or {}).get("PeeringOptions") is None
            or bool(found[wanted[side]]["PeeringOptions"].get("AllowDnsResolutionFromRemoteVpc"))
            == request[field]["AllowDnsResolutionFromRemoteVpc"]
            for side, field in OPTION_SIDES.items()
            if field in request
        )
        if stable:
            return
        if time.monotonic() >= deadline:
            raise ProviderRefusal(
                f"modifying EC2 VPC Peering Connection ({pcx_id}) Options: waiting for completion: "
                f"timeout while waiting for state to become 'success' (timeout: 5m0s)"
            )
        time.sleep(0.2)


def create(session: Ec2Session, inputs: Properties) -> tuple[str, Properties]:
    if inputs.get("autoAccept") and inputs.get("peerRegion"):
        raise ProviderRefusal(
            "`peer_region` cannot be set whilst `auto_accept` is `true` when creating an EC2 VPC Peering Connection"
        )
    request: dict[str, Any] = {"VpcId": inputs["vpcId"], "PeerVpcId": inputs["peerVpcId"]}
    if inputs.get("peerOwnerId"):
        request["PeerOwnerId"] = inputs["peerOwnerId"]
    if inputs.get("peerRegion"):
        request["PeerRegion"] = inputs["peerRegion"]
    specifications = tag_specifications(session, "vpc-peering-connection", inputs)
    if specifications:
        request["TagSpecifications"] = specifications
    with reported("creating EC2 VPC Peering Connection"):
        pcx_id = str(
            session.client.create_vpc_peering_connection(**request)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        )
    timeout = session.timeout_or(TIMEOUT)
    try:
        try:
            pcx = _wait_active(session, pcx_id, timeout)
        except (UnexpectedState, WaitTimeout, NotFound) as error:
            raise ProviderRefusal(f"waiting for EC2 VPC Peering Connection ({pcx_id}) create: {error}") from None
        if inputs.get("autoAccept") and _state(pcx) == "pending-acceptance":
            pcx = _accept(session, pcx_id, timeout)
        _modify_options(session, pcx_id, pcx, None, inputs)
    except ProviderRefusal as refusal:
        live = find(session, pcx_id)
        partial = {**inputs, **(outputs(session, live, inputs.get("tags")) if live else {})}
        raise PartialCreate(pcx_id, partial, str(refusal)) from None
    return pcx_id, _read_new(session, pcx_id, inputs)


def _read_new(session: Ec2Session, pcx_id: str, inputs: Properties) -> Properties:
    """Read after create or update: not found is an error for a new resource."""
    with reported(f"reading EC2 VPC Peering Connection ({pcx_id})"):
        found = find(session, pcx_id)
    if found is None or _state(found) in GONE_STATES:
        reason = _state(found) or "empty result"
        raise ProviderRefusal(f"reading EC2 VPC Peering Connection ({pcx_id}): {reason}")
    return {**inputs, **outputs(session, found, inputs.get("tags"))}


def read(session: Ec2Session, pcx_id: str, olds: Properties) -> Properties | None:
    with reported(f"reading EC2 VPC Peering Connection ({pcx_id})"):
        found = find(session, pcx_id)
    if found is None or _state(found) in GONE_STATES:
        return None
    return {**olds, **outputs(session, found, olds.get("tags"))}


def import_read(session: Ec2Session, pcx_id: str) -> tuple[str, Properties] | None:
    """ImportStatePassthroughContext, then Read."""
    found = read(session, pcx_id, {})
    return (pcx_id, found) if found is not None else None


def update(session: Ec2Session, pcx_id: str, olds: Properties, news: Properties) -> Properties:
    """The tags interceptor first, then the acceptance (``auto_accept`` on a ``pending-acceptance`` peering,
    waited for with the create timeout) and the options."""
    with reported(f"updating EC2 VPC Peering Connection ({pcx_id}) tags"):
        update_tags(session, pcx_id, olds, news)
    with reported(f"reading EC2 VPC Peering Connection ({pcx_id})"):
        pcx = find(session, pcx_id)
    if pcx is None or _state(pcx) in GONE_STATES:
        raise ProviderRefusal(f"reading EC2 VPC Peering Connection ({pcx_id}): {_state(pcx) or 'empty result'}")
    if news.get("autoAccept") and _state(pcx) == "pending-acceptance":
        pcx = _accept(session, pcx_id, TIMEOUT)
    _modify_options(session, pcx_id, pcx, olds, news)
    return _read_new(session, pcx_id, news)


def delete(session: Ec2Session, pcx_id: str, _olds: Properties) -> None:
    try:
        session.client.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    except ClientError as error:
        # Gone already, or going: "Invalid state transition for pcx-..., attempted to transition from failed to
        # deleting" (InvalidStateTransition).
        going = error_code(error) == "InvalidStateTransition" and "to deleting" in str(error)
        if error_code(error) in NOT_FOUND or going:
            return
        raise ProviderRefusal(f"deleting EC2 VPC Peering Connection ({pcx_id}): {sdk_error_text(error)}") from None
    waiter: StateWaiter[dict[str, Any]] = StateWaiter(
        ("active", "deleting", "pending-acceptance"), (), session.timeout_or(TIMEOUT), _message
    )

    def refresh() -> tuple[dict[str, Any] | None, str]:
        found = find(session, pcx_id)
        return (None, "") if found is None or _state(found) in GONE_STATES else (found, _state(found))

    with reported(f"waiting for EC2 VPC Peering Connection ({pcx_id}) delete"):
        try:
            waiter.wait(refresh)
        except (UnexpectedState, WaitTimeout) as error:
            raise ProviderRefusal(f"waiting for EC2 VPC Peering Connection ({pcx_id}) delete: {error}") from None


PEERING_CONNECTION = ResourceType(
    token=RESOURCE_TYPE,
    source="internal/service/ec2/vpc_peering_connection.go",
    required=frozenset({"vpcId", "peerVpcId"}),
    force_new=frozenset({"vpcId", "peerVpcId", "peerOwnerId", "peerRegion"}),
    in_place=frozenset({"autoAccept", "accepter", "requester", "tags"}),
    create=create,
    read=read,
    update=update,
    delete=delete,
    import_read=import_read,
    computed_inputs=frozenset({"peerOwnerId", "peerRegion", "accepter", "requester"}),
    computed_outputs=("acceptStatus", "tagsAll", "peerOwnerId", "peerRegion", "accepter", "requester"),
    tagged=True,
    timeouts=frozenset({"create", "update", "delete"}),
    blocks={side: {"allowRemoteVpcDnsResolution": False} for side in OPTION_SIDES},
)
