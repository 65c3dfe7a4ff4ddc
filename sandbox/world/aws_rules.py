"""What AWS does that moto does not, applied to moto's EC2 backend in the sandbox's process.

A new VPC peering request:
- Overlapping IPv4 CIDRs: "If they overlap, the status of the VPC peering connection immediately goes
  to failed" (Amazon VPC Peering Guide, "Create a VPC peering connection", prerequisites).
- One peering between two VPCs: "You cannot have more than one VPC peering connection between the same
  two VPCs at the same time" (the guide's limitations). How AWS says so is not documented: refused with
  an error (``duplicate="refuse"``, the default), or made and marked failed (``duplicate="fail"``).
- ``new_request_status``: a status forced on every new request (e.g. ``failed``), standing for what
  AWS may decide that a pre-flight cannot see (a CIDR associated in between, an account limit).
- ``initiating_seconds``: how long a new request reads ``initiating-request`` before ``pending-acceptance``
  (AWS's own first state; moto skips it). Default 0.

ModifySecurityGroupRules: moto insists on FromPort and ToPort for every protocol, where EC2 takes a rule
without ports for protocol ``-1`` (all traffic; "FromPort: If the protocol is TCP or UDP, this is the
start of the port range", EC2 API reference, SecurityGroupRuleRequest), as terraform-provider-aws
sends it for such a rule. A rule without ports keeps moto's ``-1``/``-1``.

RevokeSecurityGroupIngress by rule id: for an id the group does not have, moto answers
``InvalidPermission.NotFound`` where EC2 answers ``InvalidSecurityGroupRuleId.NotFound`` (the code
terraform-provider-aws's rule delete treats as already gone, vpc_security_group_ingress_rule.go).

A route's state: AWS shows ``blackhole`` when the route's target is not available: "You can add a route
for a VPC peering connection that's in the pending-acceptance state. However, the route has a state of
blackhole, and has no effect until the VPC peering connection is in the active state" (Amazon VPC
Peering Guide, "Update your route tables for a VPC peering connection"); a peering deleted, rejected,
expired or failed leaves its routes ``blackhole`` (the same guide, "Delete a VPC peering connection":
the routes "are not deleted ... and they become blackhole routes"), as does an internet gateway detached
from the VPC or a NAT gateway deleted ("blackhole: The route's target isn't available", EC2 API
reference, Route.State). moto reads every route ``active``.

DescribeVpcPeeringConnections: moto ignores ``Filters``; EC2 applies them (EC2 API reference,
DescribeVpcPeeringConnections: ``accepter-vpc-info.cidr-block``, ``accepter-vpc-info.owner-id``,
``accepter-vpc-info.vpc-id``, ``expiration-time``, ``requester-vpc-info.cidr-block``,
``requester-vpc-info.owner-id``, ``requester-vpc-info.vpc-id``, ``status-code``, ``status-message``,
``tag:<key>``, ``tag-key``, ``vpc-peering-connection-id``; the values of one filter are alternatives and
may hold ``*`` and ``?`` wildcards, all filters apply). Another name is refused as EC2 refuses it
(``InvalidParameterValue``, "The filter '<name>' is invalid").

ModifyVpcPeeringConnectionOptions: moto changes any option of any peering; EC2 refuses a peering that is
not active ("OperationNotPermitted: Peering pcx-... is not active. Peering options can be added only to
active peerings.", as terraform-provider-aws quotes it in vpc_peering_connection.go) and, between
accounts, options of the side another account owns ("If the peered VPCs are in different AWS accounts,
each AWS account owner must initiate a separate request", EC2 API reference,
ModifyVpcPeeringConnectionOptions; the refusal's wording there is not documented, this one names the
accounts).

DeleteSecurityGroup: moto deletes a group another group's rule still names; EC2 refuses it ("If you attempt
to delete a security group that is ... referenced by another security group in the same VPC ... the
operation fails with DependencyViolation", EC2 API reference, DeleteSecurityGroup), with the text AWS
gives ("resource sg-... has a dependent object").

moto's backends are process-wide, so the rules are too: every sandbox of a process shares them.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LIVE = ("initiating-request", "pending-acceptance", "provisioning", "active")
DUPLICATES = ("refuse", "fail")


@dataclass
class PeeringRules:
    duplicate: str = "refuse"
    new_request_status: str = ""
    new_request_message: str = ""
    initiating_seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.duplicate not in DUPLICATES:
            raise ValueError(f"duplicate {self.duplicate!r}: use one of {', '.join(DUPLICATES)}")
        self.initiating_seconds = float(self.initiating_seconds)


class _Initiating:
    """A new request's status: ``initiating-request`` until ``until``, then what moto says."""

    def __init__(self, status: Any, until: float) -> None:
        self.__dict__["_status"] = status
        self.__dict__["_until"] = until

    def __getattr__(self, name: str) -> Any:
        if name == "code" and self._status.code == "pending-acceptance" and time.time() < self._until:
            return "initiating-request"
        if name == "message" and self.code == "initiating-request":
            return f"Initiating Request to {self._status.accepter_id}"
        return getattr(self._status, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._status, name, value)


RULES = PeeringRules()
_installed = threading.Lock()
_done: list[bool] = []


def _cidrs(vpc: Any) -> list[ipaddress.IPv4Network]:
    blocks = [vpc.cidr_block]
    for association in vpc.get_cidr_block_association_set():
        block = association.get("cidr_block")
        if block and association.get("cidr_block_state", {}).get("state") != "disassociated":
            blocks.append(block)
    return [ipaddress.IPv4Network(block) for block in dict.fromkeys(blocks) if ":" not in block]


def _overlap(vpc: Any, peer: Any) -> bool:
    return any(a.overlaps(b) for a in _cidrs(vpc) for b in _cidrs(peer))


_RULE_EDITS = threading.RLock()

# DescribeVpcPeeringConnections' filters: name -> the values a peering has for it.
PCX_FILTERS: dict[str, Callable[[Any], list[str]]] = {
    "accepter-vpc-info.cidr-block": lambda pcx: [pcx.peer_vpc.cidr_block],
    "accepter-vpc-info.owner-id": lambda pcx: [pcx.peer_vpc.owner_id],
    "accepter-vpc-info.vpc-id": lambda pcx: [pcx.peer_vpc.id],
    "expiration-time": lambda pcx: [],
    "requester-vpc-info.cidr-block": lambda pcx: [pcx.vpc.cidr_block],
    "requester-vpc-info.owner-id": lambda pcx: [pcx.vpc.owner_id],
    "requester-vpc-info.vpc-id": lambda pcx: [pcx.vpc.id],
    "status-code": lambda pcx: [pcx._status.code],
    "status-message": lambda pcx: [pcx._status.message],
    "tag-key": lambda pcx: [tag["key"] for tag in pcx.get_tags()],
    "vpc-peering-connection-id": lambda pcx: [pcx.id],
}


def pcx_matches(pcx: Any, filters: dict[str, list[str]]) -> bool:
    """Every filter has a value of the peering among its values (wildcards ``*``, ``?``)."""
    for name, wanted in filters.items():
        if name.startswith("tag:"):
            have = [tag["value"] for tag in pcx.get_tags() if tag["key"] == name[4:]]
        else:
            have = PCX_FILTERS[name](pcx)
        if not any(fnmatch.fnmatchcase(str(value), pattern) for value in have for pattern in wanted):
            return False
    return True


def route_state(route: Any) -> str:
    """``blackhole`` for a route whose target is not available, else ``active``."""
    pcx = route.vpc_pcx
    if pcx is not None and pcx._status.code != "active":
        return "blackhole"
    gateway = route.gateway
    if gateway is not None and type(gateway).__name__ == "InternetGateway" and gateway.vpc is None:
        return "blackhole"
    nat = route.nat_gateway
    if nat is not None and getattr(nat, "state", "available") in ("deleting", "deleted", "failed"):
        return "blackhole"
    return "active"


def _one_at_a_time(method: Callable[..., Any]) -> Callable[..., Any]:
    def serialized(*args: Any, **kwargs: Any) -> Any:
        with _RULE_EDITS:
            return method(*args, **kwargs)

    return serialized


def _install_peering_reads() -> None:
    """DescribeVpcPeeringConnections with its filters; route states; ModifyVpcPeeringConnectionOptions' refusals."""
    from moto.core.responses import ActionResult  # noqa: PLC0415 - the world runs in moto's process
    from moto.ec2.exceptions import EC2ClientError  # noqa: PLC0415
    from moto.ec2.models.route_tables import Route  # noqa: PLC0415
    from moto.ec2.models.vpc_peering_connections import VPCPeeringConnectionBackend  # noqa: PLC0415
    from moto.ec2.responses.vpc_peering_connections import VPCPeeringConnections  # noqa: PLC0415

    def describe(response: Any) -> Any:
        ids = response._get_param("VpcPeeringConnectionIds", [])
        filters = response._filters_from_querystring()
        for name in filters:
            if not name.startswith("tag:") and name not in PCX_FILTERS:
                raise EC2ClientError("InvalidParameterValue", f"The filter '{name}' is invalid")
        found = response.ec2_backend.describe_vpc_peering_connections(vpc_peering_ids=ids)
        return ActionResult({"VpcPeeringConnections": [pcx for pcx in found if pcx_matches(pcx, filters)]})

    VPCPeeringConnections.describe_vpc_peering_connections = describe  # type: ignore[method-assign,assignment]
    Route.state = property(route_state)  # type: ignore[method-assign,assignment]
    modify = VPCPeeringConnectionBackend.modify_vpc_peering_connection_options

    def modify_options(
        backend: Any, vpc_pcx_id: str, accepter_options: Any = None, requester_options: Any = None
    ) -> Any:
        pcx = backend.get_vpc_peering_connection(vpc_pcx_id)
        if pcx._status.code != "active":
            raise EC2ClientError(
                "OperationNotPermitted",
                f"Peering {vpc_pcx_id} is not active. Peering options can be added only to active peerings.",
            )
        sides = ((accepter_options, pcx.peer_vpc.owner_id), (requester_options, pcx.vpc.owner_id))
        for options, owner in sides:
            if options and owner != backend.account_id:
                raise EC2ClientError(
                    "OperationNotPermitted",
                    f"User {backend.account_id} cannot modify the options of VPC peering connection {vpc_pcx_id} "
                    f"for a VPC owned by account {owner}.",
                )
        return modify(backend, vpc_pcx_id, accepter_options, requester_options)

    VPCPeeringConnectionBackend.modify_vpc_peering_connection_options = modify_options  # type: ignore[method-assign,assignment]


def _install_group_dependencies() -> None:
    from moto.ec2.exceptions import DependencyViolationError  # noqa: PLC0415 - the world runs in moto's process
    from moto.ec2.models.security_groups import SecurityGroupBackend  # noqa: PLC0415

    delete = SecurityGroupBackend.delete_security_group

    def delete_group(backend: Any, name: str | None = None, group_id: str | None = None) -> None:
        doomed = group_id or getattr(backend.get_security_group_by_name_or_id(name), "id", None)
        for groups in backend.groups.values():
            for other in list(groups.values()):
                rules = [*other.ingress_rules, *other.egress_rules] if other.id != doomed else []
                if any((rule.source_group or {}).get("GroupId") == doomed for rule in rules):
                    raise DependencyViolationError(f"resource {doomed} has a dependent object")
        delete(backend, name, group_id)

    SecurityGroupBackend.delete_security_group = delete_group  # type: ignore[method-assign,assignment]


def install() -> None:
    """Wrap moto's peering, route and security-group calls once per process."""
    from moto.ec2.exceptions import (  # noqa: PLC0415 - the world runs in moto's process
        EC2ClientError,
        InvalidSecurityGroupRuleIdNotFoundError,
    )
    from moto.ec2.models.security_groups import SecurityGroupBackend  # noqa: PLC0415
    from moto.ec2.models.vpc_peering_connections import VPCPeeringConnectionBackend  # noqa: PLC0415

    with _installed:
        if _done:
            return
        _install_peering_reads()
        _install_group_dependencies()
        modify = SecurityGroupBackend.modify_security_group_rules

        def modify_rules(backend: Any, group_id: str, rules: dict[str, dict[str, Any]]) -> None:
            for rule in rules.values():
                if str(rule.get("IpProtocol")) == "-1" and rule.get("FromPort") is None and rule.get("ToPort") is None:
                    rule.update(FromPort=-1, ToPort=-1)
            modify(backend, group_id, rules)

        SecurityGroupBackend.modify_security_group_rules = modify_rules  # type: ignore[assignment]
        revoke = SecurityGroupBackend.revoke_security_group_ingress

        def revoke_ingress(backend: Any, **kwargs: Any) -> None:  # moto's response calls it with keywords
            rule_ids = kwargs.get("security_rule_ids")
            found = backend.get_security_group_by_name_or_id(kwargs.get("group_name_or_id"), kwargs.get("vpc_id"))
            if rule_ids and found is not None:
                known = {rule.id for rule in found.ingress_rules}
                unknown = [rule_id for rule_id in rule_ids if rule_id not in known]
                if unknown:
                    raise InvalidSecurityGroupRuleIdNotFoundError(unknown[0])
            revoke(backend, **kwargs)

        SecurityGroupBackend.revoke_security_group_ingress = revoke_ingress  # type: ignore[method-assign,assignment]
        # AWS applies each call to a group's rules whole; moto's threaded server edits a group's rule list
        # without a lock, so two revokes at once (the engine deletes rules in parallel) can lose one.
        edits = ("authorize_security_group_ingress", "revoke_security_group_ingress", "modify_security_group_rules")
        for name in edits:
            setattr(SecurityGroupBackend, name, _one_at_a_time(getattr(SecurityGroupBackend, name)))
        original = VPCPeeringConnectionBackend.create_vpc_peering_connection

        def create(backend: Any, vpc: Any, peer_vpc: Any, tags: Any = None) -> Any:
            pair = {vpc.id, peer_vpc.id}
            duplicate = any(
                {pcx.vpc.id, pcx.peer_vpc.id} == pair and pcx._status.code in LIVE for pcx in backend.vpc_pcxs.values()
            )
            if duplicate and RULES.duplicate == "refuse":
                raise EC2ClientError(
                    "VpcPeeringConnectionAlreadyExists",
                    f"A VPC peering connection already exists between {vpc.id} and {peer_vpc.id}.",
                )
            pcx = original(backend, vpc, peer_vpc, tags)
            if RULES.new_request_status:
                pcx._status.code = RULES.new_request_status
                pcx._status.message = RULES.new_request_message or RULES.new_request_status.capitalize()
            elif _overlap(vpc, peer_vpc):
                pcx._status.code, pcx._status.message = "failed", "Overlapping CIDR range"
            elif duplicate:
                pcx._status.code, pcx._status.message = "failed", "A peering connection already exists"
            elif RULES.initiating_seconds > 0:
                pcx._status = _Initiating(pcx._status, time.time() + RULES.initiating_seconds)  # type: ignore[assignment]
            return pcx

        VPCPeeringConnectionBackend.create_vpc_peering_connection = create  # type: ignore[assignment]
        _done.append(True)
