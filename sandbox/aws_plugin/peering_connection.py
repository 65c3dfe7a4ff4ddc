"""aws:ec2/vpcPeeringConnection:VpcPeeringConnection, as terraform-provider-aws's
``internal/service/ec2/vpc_peering_connection.go`` makes it.

Schema: ``vpc_id``, ``peer_vpc_id``, ``peer_owner_id`` (Optional+Computed), ``peer_region``
(Optional+Computed) ForceNew; ``auto_accept`` and ``tags`` in place. Create passes the tags in
``TagSpecifications``, then ``waitVPCPeeringConnectionActive`` (pending ``initiating-request``,
``provisioning``; target ``active``, ``pending-acceptance``): any other state fails the create, with
the resource already made (recorded with init errors). Read: ``FindVPCPeeringConnectionByID`` counts
``deleted``, ``expired``, ``failed`` and ``rejected`` as gone. Delete: ``InvalidVpcPeeringConnectionID.NotFound``
and a transition refused because the peering is already going (``InvalidStateTransition``) are done;
then ``waitVPCPeeringConnectionDeleted``.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .aws_errors import ProviderRefusal, error_code, reported, sdk_error_text
from .ec2_reads import described, tag_outputs, tag_specifications, update_tags
from .ec2_session import Ec2Session
from .resource_type import PartialCreate, ResourceType
from .waiters import StateWaiter, UnexpectedState, WaitTimeout
from .wire import Properties

RESOURCE_TYPE = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
NOT_FOUND = ("InvalidVpcPeeringConnectionID.NotFound", "InvalidVpcPeeringConnectionId.Malformed")
GONE_STATES = ("deleted", "expired", "failed", "rejected")
CREATE_TIMEOUT = DELETE_TIMEOUT = 60.0  # the resource's default timeouts (1 minute each)


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


def outputs(session: Ec2Session, pcx: dict[str, Any]) -> Properties:
    requester, accepter = pcx["RequesterVpcInfo"], pcx["AccepterVpcInfo"]
    return {
        "vpcId": requester["VpcId"],
        "peerVpcId": accepter["VpcId"],
        "peerOwnerId": accepter.get("OwnerId"),
        "peerRegion": accepter.get("Region"),
        "acceptStatus": pcx["Status"]["Code"],
        **tag_outputs(session, pcx.get("Tags")),
    }


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
    waiter: StateWaiter[dict[str, Any]] = StateWaiter(
        ("initiating-request", "provisioning"),
        ("active", "pending-acceptance"),
        CREATE_TIMEOUT,
        lambda pcx: str(pcx["Status"].get("Message", "")),
        continuous=2,
    )
    try:
        with reported(f"waiting for EC2 VPC Peering Connection ({pcx_id}) create"):
            waiter.wait(lambda: (found := find(session, pcx_id), _state(found)))
    except (UnexpectedState, WaitTimeout) as error:
        live = find(session, pcx_id)
        partial = {**inputs, **(outputs(session, live) if live else {})}
        raise PartialCreate(
            pcx_id, partial, f"waiting for EC2 VPC Peering Connection ({pcx_id}) create: {error}"
        ) from None
    if inputs.get("autoAccept"):
        with reported(f"accepting EC2 VPC Peering Connection ({pcx_id})"):
            session.client.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    found = read(session, pcx_id, inputs)
    return pcx_id, found if found is not None else {**inputs, "acceptStatus": "pending-acceptance"}


def read(session: Ec2Session, pcx_id: str, olds: Properties) -> Properties | None:
    with reported(f"reading EC2 VPC Peering Connection ({pcx_id})"):
        found = find(session, pcx_id)
    if found is None or _state(found) in GONE_STATES:
        return None
    return {**olds, **outputs(session, found)}


def import_read(session: Ec2Session, pcx_id: str) -> tuple[str, Properties] | None:
    """ImportStatePassthroughContext, then Read."""
    found = read(session, pcx_id, {})
    return (pcx_id, found) if found is not None else None


def update(session: Ec2Session, pcx_id: str, olds: Properties, news: Properties) -> Properties:
    with reported(f"reading EC2 VPC Peering Connection ({pcx_id})"):
        if find(session, pcx_id) is None:
            raise ProviderRefusal(f"reading EC2 VPC Peering Connection ({pcx_id}): couldn't find resource")
    with reported(f"updating EC2 VPC Peering Connection ({pcx_id}) tags"):
        update_tags(session, pcx_id, olds, news)
    found = read(session, pcx_id, news)
    return found if found is not None else dict(news)


def delete(session: Ec2Session, pcx_id: str, _olds: Properties) -> None:
    try:
        session.client.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    except ClientError as error:
        # Gone already, or going: "Invalid state transition for pcx-..., attempted to transition from failed to
        # deleting" (InvalidStateTransition).
        if error_code(error) in (*NOT_FOUND, "InvalidStateTransition"):
            return
        raise ProviderRefusal(f"deleting EC2 VPC Peering Connection ({pcx_id}): {sdk_error_text(error)}") from None
    waiter: StateWaiter[dict[str, Any]] = StateWaiter(
        ("active", "pending-acceptance", "deleting"), ("deleted", ""), DELETE_TIMEOUT
    )
    with reported(f"waiting for EC2 VPC Peering Connection ({pcx_id}) delete"):
        try:
            waiter.wait(lambda: (found := find(session, pcx_id), _state(found)))
        except (UnexpectedState, WaitTimeout) as error:
            raise ProviderRefusal(f"waiting for EC2 VPC Peering Connection ({pcx_id}) delete: {error}") from None


PEERING_CONNECTION = ResourceType(
    token=RESOURCE_TYPE,
    source="internal/service/ec2/vpc_peering_connection.go",
    required=frozenset({"vpcId", "peerVpcId"}),
    force_new=frozenset({"vpcId", "peerVpcId", "peerOwnerId", "peerRegion"}),
    in_place=frozenset({"autoAccept", "tags"}),
    create=create,
    read=read,
    update=update,
    delete=delete,
    import_read=import_read,
    computed_inputs=frozenset({"peerOwnerId", "peerRegion"}),
    computed_outputs=("acceptStatus", "tagsAll", "peerOwnerId", "peerRegion"),
    tagged=True,
)
