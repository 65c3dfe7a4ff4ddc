"""The space and CIDR rules: the space must be an allocated Cedar space, and the VPC's CIDRs RFC 1918 and
clear of the space's ranges.

One copy for both front-ends: ``wrong_generation``, ``not_allocated`` and ``cidr_faults`` decide; the
doctor reports them as findings (``check_space``, ``check_cidrs``), pre-flight as problems naming the
config key. Each of the VPC's blocks is named once per kind of range it overlaps (with the first such range),
so that every block to fix is named without a line for each of the space's dyno ranges.
Heroku's peering requirements (Private Space Peering: Cedar-generation spaces, RFC 1918 VPCs whose
ranges avoid the space's); AWS marks an overlapping peering ``failed`` (VPC Peering Guide, "Unsupported
VPC peering configurations").
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class CidrFault:
    """A block of the VPC Heroku cannot peer: outside RFC 1918 (``overlaps`` None), or overlapping one of the
    space's ranges (``overlaps``: the range's name in ``spaces:peering:info`` and the range)."""

    cidr: str
    overlaps: tuple[str, str] | None = None


def reserved_ranges(info: PeeringInfo) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The space's ranges a peered VPC must avoid, by their names in Heroku's peering info."""
    return (
        ("vpc_cidr", (info.vpc_cidr,)),
        ("unavailable_cidr_blocks", tuple(info.unavailable_cidr_blocks)),
        ("space_cidr_blocks", tuple(info.space_cidr_blocks)),
        ("dyno_cidr_blocks", tuple(info.dyno_cidr_blocks)),
    )


def cidr_faults(cidrs: Sequence[str], info: PeeringInfo) -> list[CidrFault]:
    """Why the VPC's blocks cannot be peered with the space: non-RFC 1918 blocks first, then, for each kind of
    the space's ranges, each block overlapping one (with the first it overlaps)."""
    faults = [CidrFault(cidr) for cidr in cidrs if not is_rfc1918(cidr)]
    for label, ranges in reserved_ranges(info):
        for cidr in cidrs:
            first = next(iter(overlapping([cidr], ranges)), None)
            if first is not None:
                faults.append(CidrFault(first[0], (label, first[1])))
    return faults


def wrong_generation(space: SpaceFacts) -> bool:
    """Heroku peers Cedar-generation spaces only (Shield included); an unknown generation is given the benefit."""
    return bool(space.generation) and space.generation != "cedar"


def not_allocated(space: SpaceFacts) -> bool:
    """The space's network is not there yet (or any more); an unknown state is given the benefit."""
    return bool(space.state) and space.state != "allocated"


def check_space(space: SpaceFacts) -> list[Finding]:
    findings = []
    if wrong_generation(space):
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
    if not_allocated(space):
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
    findings = [
        Finding(
            "fault",
            "cidrs",
            vpc_id,
            f"VPC {vpc_id}: its CIDR {fault.cidr} is not IPv4 RFC 1918",
            "Heroku peers only VPCs in 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16",
            "peer a VPC in those ranges",
        )
        if fault.overlaps is None
        else Finding(
            "fault",
            "cidrs",
            vpc_id,
            f"VPC {vpc_id}: its CIDR {fault.cidr} overlaps the space's {fault.overlaps[0]} {fault.overlaps[1]}",
            "AWS marks such a peering failed, and the VPC keeps traffic to its own range to itself",
            cidr_fix(fault.cidr, secondary or {}, space.info, space.name),
        )
        for fault in cidr_faults(cidrs, space.info)
    ]
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
