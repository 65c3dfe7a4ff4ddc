"""EC2's describe answers, as boto3 returns them, turned into the network model; AWS's reason for a refusal.

Shared by the doctor's reads and pre-flight's network-ACL read, so that both see an ACL the same way
(EC2 API Reference, DescribeNetworkAcls: ``Entries``, ``Associations``, ``IsDefault``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .network import AclEntry, NetworkAcl

if TYPE_CHECKING:
    from botocore.exceptions import ClientError


def aws_reason(error: ClientError) -> str:
    """AWS's error code and message, HTTP status and request id."""
    response: dict[str, Any] = error.response
    detail = response.get("Error", {})
    meta = response.get("ResponseMetadata", {})
    request_id = meta.get("HTTPHeaders", {}).get("x-amzn-requestid") or meta.get("RequestId") or "none"
    return (
        f"{detail.get('Code', 'unknown')}: {detail.get('Message', str(error))} "
        f"(HTTP {meta.get('HTTPStatusCode', '?')}, request id {request_id})"
    )


def acl_of(acl: dict[str, Any]) -> NetworkAcl:
    entries = tuple(
        AclEntry(
            rule_number=int(entry["RuleNumber"]),
            egress=bool(entry["Egress"]),
            protocol=str(entry["Protocol"]),
            allow=entry["RuleAction"] == "allow",
            cidr=entry.get("CidrBlock"),
            port_from=entry.get("PortRange", {}).get("From"),
            port_to=entry.get("PortRange", {}).get("To"),
            icmp_type=entry.get("IcmpTypeCode", {}).get("Type"),
            icmp_code=entry.get("IcmpTypeCode", {}).get("Code"),
        )
        for entry in acl.get("Entries", [])
    )
    subnets = tuple(a["SubnetId"] for a in acl.get("Associations", []) if a.get("SubnetId"))
    return NetworkAcl(acl["NetworkAclId"], entries, subnets, bool(acl.get("IsDefault")))
