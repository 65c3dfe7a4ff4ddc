"""Heroku's view of its spaces and their peerings, derived from moto's EC2 state.

moto is the source of truth for every peering connection; this module only adds what
Heroku layers on top: when a request becomes visible, how long provisioning takes, when an
unaccepted request expires, and how long a deleted peering stays listed.
"""

from __future__ import annotations

import ipaddress
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..errors import SandboxError
from .aws_accounts import HEROKU_ACCOUNT_ID, PLACEHOLDER, Credentials, ec2_client


@dataclass(frozen=True)
class Timings:
    """Seconds; the real platform takes minutes for the first two and 7 days for expiry.

    ``pending_phase``: a visible request first reads ``pending`` (a status the schema does not
    list, but terraform-provider-heroku's accepter waits through it). ``accept_lag``: accept is
    refused for this long after the request first reads ``pending-acceptance`` (that accepter
    retries accept for 5 minutes, which suggests it happens).
    """

    visibility_delay: float = 2.0
    provisioning: float = 3.0
    expiry: float = 7 * 24 * 3600.0
    deleted_retention: float = 60.0
    pending_phase: float = 0.0
    accept_lag: float = 0.0


ANSWER_BODIES = ("empty", "{}", "object")


@dataclass
class Behaviour:
    """What Heroku does not promise, each variant switchable on a running sandbox.

    ``answer_body``: accept and destroy are ``"rel": "empty"`` in Heroku's schema, so the answer
    may be an empty 202 (the default here), ``{}`` or the peering object. ``accept_lag_status``: the
    refusal during the accept lag (422 or 404). ``forced``: a status per pcx id that overrides the
    real one, to stand for statuses nobody documents.
    """

    answer_body: str = "empty"
    accept_lag_status: int = 422
    forced: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.answer_body not in ANSWER_BODIES:
            raise ValueError(f"answer_body {self.answer_body!r}: use one of {', '.join(ANSWER_BODIES)}")
        if self.accept_lag_status not in (404, 422):
            raise ValueError(f"accept_lag_status {self.accept_lag_status}: use 404 or 422")


@dataclass
class Space:
    name: str
    region: str
    vpc_cidr: str = "10.0.0.0/16"
    data_cidr: str = "10.1.0.0/16"
    space_cidr_blocks: tuple[str, ...] = ("10.0.128.0/20", "10.0.144.0/20", "10.0.0.0/20", "10.0.16.0/20")
    dyno_cidr_blocks: tuple[str, ...] = ("10.0.128.0/20", "10.0.144.0/20", "10.0.0.0/20", "10.0.16.0/20")
    unavailable_cidr_blocks: tuple[str, ...] = ("10.1.0.0/16",)
    generation: str = "cedar"
    shield: bool = False
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    vpc_id: str = ""
    data_vpc_id: str = ""


@dataclass
class _Overlay:
    first_seen: float
    accepted_at: float | None = None
    deleted_at: float | None = None


class UnknownPeering(SandboxError, LookupError):
    pass


class NotAcceptable(SandboxError, ValueError):
    """The peering exists but its state forbids the action."""


class NotYetAcceptable(NotAcceptable):
    """Accept refused during the accept lag; ``status`` is how the refusal is answered (404 or 422)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class HerokuWorld:
    """Spaces, their VPCs in Heroku's AWS account, and the peering lifecycle."""

    def __init__(
        self,
        moto_url: str,
        timings: Timings | None = None,
        clock: Callable[[], float] = time.time,
        behaviour: Behaviour | None = None,
    ) -> None:
        self.moto_url = moto_url
        self.credentials: Credentials = PLACEHOLDER  # Heroku's administrator once the sandbox enforces IAM
        self.timings = timings or Timings()
        self.behaviour = behaviour or Behaviour()
        self._clock = clock
        self._spaces: dict[str, Space] = {}
        self._overlays: dict[str, _Overlay] = {}
        self._forced_reads: dict[str, int] = {}
        self._lock = threading.RLock()

    # -- spaces ----------------------------------------------------------------------------

    def add_space(self, space: Space) -> Space:
        """Create the space VPC (and its data VPC with the heroku-managed peering) in moto."""
        ec2 = ec2_client(self.moto_url, space.region, HEROKU_ACCOUNT_ID, self.credentials)
        space.vpc_id = ec2.create_vpc(CidrBlock=space.vpc_cidr)["Vpc"]["VpcId"]
        space.data_vpc_id = ec2.create_vpc(CidrBlock=space.data_cidr)["Vpc"]["VpcId"]
        pcx = ec2.create_vpc_peering_connection(VpcId=space.vpc_id, PeerVpcId=space.data_vpc_id)
        pcx_id = pcx["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
        with self._lock:
            self._spaces[space.name] = space
        return space

    def find_space(self, identity: str) -> Space | None:
        with self._lock:
            for space in self._spaces.values():
                if identity in (space.name, space.id):
                    return space
        return None

    def spaces(self) -> list[Space]:
        with self._lock:
            return list(self._spaces.values())

    # -- peerings --------------------------------------------------------------------------

    def _backend_pcxs(self, space: Space) -> list[Any]:
        from moto.ec2.models import ec2_backends  # noqa: PLC0415 - the world runs in moto's process

        backend = ec2_backends[HEROKU_ACCOUNT_ID][space.region]
        return [pcx for pcx in list(backend.vpc_pcxs.values()) if space.vpc_id in (pcx.vpc.id, pcx.peer_vpc.id)]

    def sync(self) -> None:
        """Stamp when each peering was first seen; the watcher calls this several times a second."""
        now = self._clock()
        with self._lock:
            for space in self._spaces.values():
                for pcx in self._backend_pcxs(space):
                    overlay = self._overlays.setdefault(pcx.id, _Overlay(first_seen=now))
                    if pcx._status.code == "deleted" and overlay.deleted_at is None:
                        overlay.deleted_at = now

    def peerings(self, space: Space) -> list[dict[str, Any]]:
        self.sync()
        with self._lock:
            views = [self._view(space, pcx) for pcx in self._backend_pcxs(space)]
        return sorted((v for v in views if v is not None), key=lambda v: str(v["pcx_id"]))

    def peering(self, space: Space, pcx_id: str) -> dict[str, Any]:
        for view in self.peerings(space):
            if view["pcx_id"] == pcx_id:
                return view
        raise UnknownPeering(pcx_id)

    def accept(self, space: Space, pcx_id: str) -> dict[str, Any]:
        view = self.peering(space, pcx_id)
        if view["type"] == "heroku-managed":
            raise NotAcceptable(f"{pcx_id} is managed by Heroku and cannot be accepted.")
        if view["status"] != "pending-acceptance":
            raise NotAcceptable(
                f"Peering connection {pcx_id} is {view['status']}; only a pending-acceptance peering can be accepted."
            )
        with self._lock:
            overlay = self._overlays[pcx_id]
            acceptable_from = overlay.first_seen + self._pending_from() + self.timings.accept_lag
            if self._clock() < acceptable_from:
                raise NotYetAcceptable(
                    f"Peering connection {pcx_id} is not ready to be accepted yet.", self.behaviour.accept_lag_status
                )
        ec2 = ec2_client(self.moto_url, space.region, HEROKU_ACCOUNT_ID, self.credentials)
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
        with self._lock:
            self._overlays[pcx_id].accepted_at = self._clock()
        return self.peering(space, pcx_id)

    def destroy(self, space: Space, pcx_id: str) -> dict[str, Any]:
        view = self.peering(space, pcx_id)
        if view["type"] == "heroku-managed":
            raise NotAcceptable(f"{pcx_id} is managed by Heroku and cannot be destroyed.")
        if view["status"] == "deleted":
            raise NotAcceptable(f"Peering connection {pcx_id} is already deleted.")
        ec2 = ec2_client(self.moto_url, space.region, HEROKU_ACCOUNT_ID, self.credentials)
        ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
        self.sync()
        return self.peering(space, pcx_id)

    def force_status(self, pcx_id: str, status: str | None, reads: int | None = None) -> None:
        """Report ``status`` for this peering from now on (None: its real status again), or for the next ``reads``
        looks at it only (a stale answer: an accept made meanwhile sees the real status)."""
        with self._lock:
            self._forced_reads.pop(pcx_id, None)
            if status is None:
                self.behaviour.forced.pop(pcx_id, None)
                return
            self.behaviour.forced[pcx_id] = status
            if reads is not None:
                self._forced_reads[pcx_id] = reads

    def _pending_from(self) -> float:
        """Seconds after first sight at which a request reads ``pending-acceptance``."""
        return self.timings.visibility_delay + self.timings.pending_phase

    # -- the status Heroku reports ---------------------------------------------------------

    def _view(self, space: Space, pcx: Any) -> dict[str, Any] | None:
        now = self._clock()
        overlay = self._overlays.setdefault(pcx.id, _Overlay(first_seen=now))
        managed = pcx.vpc.owner_id == HEROKU_ACCOUNT_ID and pcx.peer_vpc.owner_id == HEROKU_ACCOUNT_ID
        peer = pcx.peer_vpc if pcx.vpc.id == space.vpc_id else pcx.vpc
        code = pcx._status.code
        status: str = code
        forced = self.behaviour.forced.get(pcx.id)
        if forced is not None and pcx.id in self._forced_reads:
            self._forced_reads[pcx.id] -= 1
            if self._forced_reads[pcx.id] <= 0:
                self.force_status(pcx.id, None)
        if code in ("initiating-request", "pending-acceptance"):
            if now < overlay.first_seen + self.timings.visibility_delay and forced is None:
                return None
            if _overlaps(_vpc_cidrs(peer), [space.vpc_cidr, *space.unavailable_cidr_blocks]):
                pcx._status.code, pcx._status.message = "failed", "Overlapping CIDR range"
                status = "failed"
            elif now >= overlay.first_seen + self.timings.expiry:
                pcx._status.code, pcx._status.message = "expired", "Expired"
                status = "expired"
            elif now < overlay.first_seen + self._pending_from():
                status = "pending"
            else:
                status = "pending-acceptance"
        elif code == "active" and overlay.accepted_at is not None:
            if now < overlay.accepted_at + self.timings.provisioning:
                status = "provisioning"
        elif code == "deleted":
            deleted_at = overlay.deleted_at if overlay.deleted_at is not None else now
            overlay.deleted_at = deleted_at
            if now >= deleted_at + self.timings.deleted_retention and forced is None:
                return None
        status = forced or status
        view: dict[str, Any] = {
            "type": _peering_type(managed, accepted=overlay.accepted_at is not None or code == "active"),
            "pcx_id": pcx.id,
            "cidr_blocks": _vpc_cidrs(peer),
            "status": status,
            "aws_vpc_id": peer.id,
            "aws_region": peer.region,
            "aws_account_id": peer.owner_id,
        }
        if status == "pending-acceptance":
            expires = datetime.fromtimestamp(overlay.first_seen + self.timings.expiry, timezone.utc)
            view["expires"] = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        return view


def _peering_type(managed: bool, accepted: bool) -> str:
    """As the CLI shows it: ``unknown`` until Heroku has accepted a customer's request."""
    if managed:
        return "heroku-managed"
    return "customer-managed" if accepted else "unknown"


def _vpc_cidrs(vpc: Any) -> list[str]:
    cidrs = [vpc.cidr_block]
    for association in vpc.get_cidr_block_association_set():
        block = association.get("cidr_block")
        if block and block not in cidrs and association.get("cidr_block_state", {}).get("state") != "disassociated":
            cidrs.append(block)
    return cidrs


def _overlaps(mine: list[str], theirs: list[str]) -> bool:
    return any(ipaddress.ip_network(a).overlaps(ipaddress.ip_network(b)) for a in mine for b in theirs)
