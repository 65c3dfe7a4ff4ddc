"""The rules pre-flight already knows, as the doctor's findings: the space must be an allocated Cedar
space, and the VPC's CIDRs RFC 1918 and clear of the space's ranges (``preflight``'s own functions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .facts import SpaceFacts
from .findings import Finding
from .preflight import cidr_fix, is_rfc1918, overlapping


def check_space(space: SpaceFacts) -> list[Finding]:
    findings = []
    if space.generation and space.generation != "cedar":
        findings.append(
            Finding(
                "fault",
                "status",
                space.name,
                f"space {space.name}: a {space.generation}-generation space",
                "Heroku supports peering only for Cedar-generation Private Spaces (Shield included)",
                "peer a Cedar space",
            )
        )
    if space.state and space.state != "allocated":
        findings.append(
            Finding(
                "fault",
                "status",
                space.name,
                f"space {space.name}: {space.state}, not allocated",
                "the space's network is not there yet (or any more)",
                f"wait for it (heroku spaces:wait {space.name}), then run the doctor again",
            )
        )
    return findings


def check_cidrs(
    vpc_id: str, cidrs: Sequence[str], space: SpaceFacts, secondary: Mapping[str, str] | None = None
) -> list[Finding]:
    info = space.info
    reserved = (
        ("vpc_cidr", (info.vpc_cidr,)),
        ("unavailable_cidr_blocks", info.unavailable_cidr_blocks),
        ("space_cidr_blocks", info.space_cidr_blocks),
        ("dyno_cidr_blocks", info.dyno_cidr_blocks),
    )
    findings = [
        Finding(
            "fault",
            "cidrs",
            vpc_id,
            f"VPC {vpc_id}: its CIDR {cidr} is not IPv4 RFC 1918",
            "Heroku peers only VPCs in 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16",
            "peer a VPC in those ranges",
        )
        for cidr in cidrs
        if not is_rfc1918(cidr)
    ]
    for label, ranges in reserved:
        for mine, theirs in overlapping(cidrs, ranges):
            findings.append(
                Finding(
                    "fault",
                    "cidrs",
                    vpc_id,
                    f"VPC {vpc_id}: its CIDR {mine} overlaps the space's {label} {theirs}",
                    "AWS marks such a peering failed, and the VPC keeps traffic to its own range to itself",
                    cidr_fix(mine, secondary or {}, info, space.name),
                )
            )
    if not findings:
        findings.append(
            Finding(
                "ok",
                "cidrs",
                vpc_id,
                f"VPC {vpc_id}: {', '.join(cidrs)} is RFC 1918 and clear of the space's ranges",
            )
        )
    return findings
