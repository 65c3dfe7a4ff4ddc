"""The space and CIDR rules: the space must be an allocated Cedar space, and the VPC's CIDRs RFC 1918 and
clear of the space's ranges; the doctor reports them as findings, pre-flight uses the same predicates."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence

from providers.heroku_models import PeeringInfo

from ..model.facts import SpaceFacts
from .findings import Finding

RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def _networks(cidrs: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]


def is_rfc1918(cidr: str) -> bool:
    network = ipaddress.ip_network(cidr, strict=False)
    return isinstance(network, ipaddress.IPv4Network) and any(network.subnet_of(block) for block in RFC1918)


def overlapping(mine: Iterable[str], theirs: Iterable[str]) -> list[tuple[str, str]]:
    pairs = []
    for a in _networks(mine):
        for b in _networks(theirs):
            if a.version == b.version and a.overlaps(b):
                pairs.append((str(a), str(b)))
    return pairs


def cidr_fix(cidr: str, secondary: Mapping[str, str], info: PeeringInfo, space: str) -> str:
    """What fixes a VPC block that overlaps the space: a secondary one can be disassociated, the primary never
    changes (AWS's VPC User Guide, "Add or remove a CIDR block from your VPC")."""
    avoid = ", ".join(sorted({info.vpc_cidr, *info.unavailable_cidr_blocks}))
    if cidr in secondary:
        return (
            "It is a secondary block of the VPC: disassociate it (aws ec2 disassociate-vpc-cidr-block "
            f"--association-id {secondary[cidr] or '<its association id>'}; AWS refuses while subnets or other "
            f"resources use it), or peer a VPC whose ranges avoid {avoid}"
        )
    return (
        f"A VPC's primary block cannot change: peer a VPC whose ranges avoid {avoid} "
        f"(see `heroku spaces:peering:info {space}`)"
    )


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
