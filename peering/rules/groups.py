"""Security groups: whether the groups of the VPC's resources admit each dyno CIDR on each port.

A group admits what any of its inbound rules allows; rules only allow, so their order does not
matter, and groups are stateful, so replies need no rule
(https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html). Heroku's own groups
cannot be referenced from another account: only CIDR rules can admit the dynos.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..model.first_match import Box, cidr_box, decide
from ..model.network import GroupRule, SecurityGroup
from ..model.traffic import Traffic, parts_text, protocol_name, rule_ports
from .findings import Finding


@dataclass(frozen=True)
class Admission:
    """What one group lets in of one traffic, from the dynos."""

    group: SecurityGroup
    label: str
    missing: tuple[str, ...]  # the parts it does not admit, in words ("10.0.144.0/20", "10.0.0.0/21 on tcp 5432")
    missing_cidrs: tuple[str, ...]  # the dyno CIDRs with any part missing
    open_rules: tuple[GroupRule, ...]  # rules from 0.0.0.0/0 that admit it
    admits_some: bool  # any part of any dyno CIDR


def rule_box(rule: GroupRule, traffic: Traffic) -> Box | None:
    """The packets of ``traffic`` a rule admits, as a box; None when it admits none of them."""
    protocol = protocol_name(rule.protocol)
    if protocol not in ("-1", traffic.protocol):
        return None
    if protocol == "-1":
        low, high = traffic.first_port, traffic.last_port
    else:
        low, high = rule_ports(protocol, rule.from_port, rule.to_port)
    return cidr_box(rule.cidr, low, high)


def admission(group: SecurityGroup, traffic: Sequence[Traffic], dyno_cidrs: Sequence[str]) -> Admission:
    left: list[tuple[Traffic, list[Box]]] = []
    missing_cidrs: list[str] = []
    open_rules: list[GroupRule] = []
    admits_some = False
    for one in traffic:
        rules = [(box, rule) for rule in group.ingress if (box := rule_box(rule, one)) is not None]
        open_rules.extend(
            rule
            for box, rule in rules
            if _is_world(rule)
            and box.first_port <= one.last_port
            and one.first_port <= box.last_port
            and rule not in open_rules
        )
        for dyno in dyno_cidrs:
            space = cidr_box(dyno, one.first_port, one.last_port)
            if space is None:
                continue
            decided = decide(space, rules)
            admits_some = admits_some or any(rule is not None for _, rule in decided)
            pieces = [piece for piece, rule in decided if rule is None]
            if pieces:
                left.append((one, pieces))
                if dyno not in missing_cidrs:
                    missing_cidrs.append(dyno)
    missing = parts_text(traffic, left)
    return Admission(group, traffic[0].label, missing, tuple(missing_cidrs), tuple(open_rules), admits_some)


def check_security_groups(
    groups: Sequence[SecurityGroup],
    attached: Sequence[str],
    dyno_cidrs: Sequence[str],
    required: Sequence[tuple[str, tuple[Traffic, ...]]] = (),
    discover: Sequence[tuple[Traffic, ...]] = (),
) -> list[Finding]:
    """``required``: (group, traffic) that group must admit (a stack's ingress, or --security-group).
    ``discover``: traffic some group of the VPC's resources (the groups of its network interfaces, else
    every group of the VPC) must admit; a group that admits part of it is a fault too."""
    by_id = {group.group_id: group for group in groups}
    findings: list[Finding] = []
    for group_id, traffic in required:
        group = by_id.get(group_id)
        if group is None:
            findings.append(
                Finding(
                    "fault",
                    "security-groups",
                    group_id,
                    f"security group {group_id}: not a group of this VPC (AWS does not describe it there)",
                    f"it cannot admit {traffic[0].label} from the dynos to this VPC's resources",
                    "name a group of the peered VPC (aws ec2 describe-security-groups --filters Name=vpc-id,...)",
                )
            )
            continue
        findings.extend(_findings(admission(group, traffic, dyno_cidrs), traffic, dyno_cidrs))
    candidates = [by_id[g] for g in attached if g in by_id] or list(groups)
    for traffic in discover:
        findings.extend(_discovered(candidates, bool(attached), traffic, dyno_cidrs))
    return findings


def _discovered(
    candidates: Sequence[SecurityGroup], attached: bool, traffic: tuple[Traffic, ...], dyno_cidrs: Sequence[str]
) -> list[Finding]:
    admissions = [admission(group, traffic, dyno_cidrs) for group in candidates]
    whose = "of the VPC's network interfaces" if attached else "of the VPC (it has no network interfaces)"
    if not admissions or not any(a.admits_some for a in admissions):
        checked = ", ".join(a.group.group_id for a in admissions) or "none"
        return [
            Finding(
                "fault",
                "security-groups",
                checked,
                f"no security group {whose} admits {traffic[0].label} from the dynos ({', '.join(dyno_cidrs)}); "
                f"checked: {checked}",
                f"the dynos' {traffic[0].label} connections are dropped at the resource",
                _authorize("<the group of the resource the dynos must reach>", traffic, dyno_cidrs),
            )
        ]
    findings: list[Finding] = []
    for one in admissions:
        if one.admits_some:
            findings.extend(_findings(one, traffic, dyno_cidrs))
    return findings


def _findings(one: Admission, traffic: tuple[Traffic, ...], dyno_cidrs: Sequence[str]) -> list[Finding]:
    group = one.group
    name = f"security group {group.group_id} ({group.name})"
    found: list[Finding] = []
    if one.missing:
        found.append(
            Finding(
                "fault",
                "security-groups",
                group.group_id,
                f"{name}: {one.label} is not admitted from {'; '.join(one.missing)}",
                f"dynos in those ranges cannot reach this group's resources on {one.label}",
                _authorize(group.group_id, traffic, one.missing_cidrs),
            )
        )
    for rule in one.open_rules:
        found.append(
            Finding(
                "warning",
                "security-groups",
                group.group_id,
                f"{name}: admits {one.label} from {rule.cidr}, the whole internet",
                "the dynos get through, and so does anyone else who can reach these resources",
                f"admit the dyno CIDRs only ({_authorize(group.group_id, traffic, dyno_cidrs)}), then "
                f"aws ec2 revoke-security-group-ingress --group-id {group.group_id} --ip-permissions "
                f"{_permission(rule.protocol, rule.from_port, rule.to_port, [rule.cidr])}",
            )
        )
    if not found:
        found.append(
            Finding("ok", "security-groups", group.group_id, f"{name}: admits {one.label} from every dyno CIDR")
        )
    return found


def _is_world(rule: GroupRule) -> bool:
    box = cidr_box(rule.cidr)
    return box is not None and box.first_address == 0 and box.last_address == 2**32 - 1


def _authorize(group_id: str, traffic: tuple[Traffic, ...], cidrs: Sequence[str]) -> str:
    if len(traffic) > 1:  # every protocol
        permission = _permission("-1", None, None, cidrs)
    else:
        one = traffic[0]
        if one.protocol == "icmp":
            icmp_type = -1 if one.first_port == 0 and one.last_port == 65535 else one.first_port // 256
            permission = _permission("icmp", icmp_type, -1, cidrs)
        else:
            permission = _permission(one.protocol, one.first_port, one.last_port, cidrs)
    return f"aws ec2 authorize-security-group-ingress --group-id {group_id} --ip-permissions {permission}"


def _permission(protocol: str, low: int | None, high: int | None, cidrs: Sequence[str]) -> str:
    """The AWS CLI's shorthand for one ``IpPermission``."""
    ranges = ",".join(f"{{CidrIp={cidr}}}" for cidr in cidrs)
    ports = "" if protocol_name(protocol) == "-1" else f",FromPort={low},ToPort={high}"
    return f"'IpProtocol={protocol_name(protocol)}{ports},IpRanges=[{ranges}]'"
