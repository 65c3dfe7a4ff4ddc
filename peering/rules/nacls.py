"""Network ACLs: whether each subnet's ACL lets the dynos in on each port, and their replies out.

AWS evaluates a network ACL's rules "starting with the lowest numbered rule. As soon as a rule
matches traffic, it's applied regardless of any higher-numbered rule that might contradict it";
what no rule matches meets the ``*`` rule and is denied
(https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html). ACLs are stateless: the reply
from the VPC's resource to the dyno's ephemeral port needs an outbound rule of its own
(https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html). A subnet is served by
the ACL associated with it, else by the VPC's default ACL.

``check_network_acls`` takes plain facts only, so that pre-flight can call it as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..model.first_match import Box, cidr_box, decide
from ..model.network import AclEntry, NetworkAcl
from ..model.traffic import PROTOCOL_NUMBERS, Traffic, parts_text, protocol_name, rule_ports
from .findings import Finding

DEFAULT_RULE = 32767  # the "*" rule: what no numbered rule matches is denied


@dataclass(frozen=True)
class Denied:
    """Part of one traffic an ACL drops, and the rule that drops it (None: the ``*`` rule)."""

    traffic: Traffic
    egress: bool
    entry: AclEntry | None
    parts: tuple[str, ...]  # "10.0.128.0/20", "10.0.0.0/20 on tcp 32768-49151"
    dyno_cidrs: tuple[str, ...]  # the dyno CIDRs with a part dropped


def entry_box(entry: AclEntry, traffic: Traffic) -> Box | None:
    """The packets of ``traffic`` to or from the dynos an entry matches; None when it matches none."""
    protocol = protocol_name(entry.protocol)
    if protocol not in ("-1", traffic.protocol) or entry.cidr is None:
        return None
    if protocol == "-1":
        low, high = traffic.first_port, traffic.last_port
    elif protocol == "icmp":
        low, high = rule_ports("icmp", entry.icmp_type, entry.icmp_code)
    else:
        low, high = rule_ports(protocol, entry.port_from, entry.port_to)
    return cidr_box(entry.cidr, low, high)


def verdicts(acl: NetworkAcl, traffic: Traffic, egress: bool, dyno: str) -> list[tuple[Box, AclEntry | None]]:
    """The packets of ``traffic`` from (or, ``egress``, to) one dyno CIDR, split by the entry that decides
    them, lowest rule number first; None: no entry matches, so the ``*`` rule denies them."""
    space = cidr_box(dyno, traffic.first_port, traffic.last_port)
    if space is None:
        return []
    ordered = sorted((e for e in acl.entries if e.egress == egress), key=lambda e: e.rule_number)
    return decide(space, [(box, entry) for entry in ordered if (box := entry_box(entry, traffic)) is not None])


def denied(acl: NetworkAcl, traffic: Traffic, egress: bool, dyno_cidrs: Sequence[str]) -> list[Denied]:
    """What of ``traffic`` (inbound from the dynos, or outbound to them) the ACL drops, by rule."""
    dropped: dict[AclEntry | None, list[tuple[str, list[Box]]]] = {}
    for dyno in dyno_cidrs:
        by_entry: dict[AclEntry | None, list[Box]] = {}
        for piece, entry in verdicts(acl, traffic, egress, dyno):
            if entry is None or not entry.allow:
                by_entry.setdefault(_denier(entry), []).append(piece)
        for entry, boxes in by_entry.items():
            dropped.setdefault(entry, []).append((dyno, boxes))
    return [
        Denied(
            traffic,
            egress,
            entry,
            parts_text([traffic], [(traffic, boxes) for _, boxes in per_dyno]),
            tuple(dyno for dyno, _ in per_dyno),
        )
        for entry, per_dyno in dropped.items()
    ]


def _denier(entry: AclEntry | None) -> AclEntry | None:
    """The explicit ``*`` entry and no matching entry are the same rule."""
    return None if entry is not None and entry.rule_number == DEFAULT_RULE else entry


def acls_of_subnets(acls: Sequence[NetworkAcl], subnet_ids: Sequence[str]) -> list[tuple[NetworkAcl, tuple[str, ...]]]:
    """Each ACL that serves one of the subnets, with those subnets (unassociated ones: the default ACL)."""
    served: dict[str, list[str]] = {}
    default = next((acl for acl in acls if acl.default), None)
    for subnet in subnet_ids:
        acl = next((a for a in acls if subnet in a.subnet_ids), default)
        if acl is not None:
            served.setdefault(acl.acl_id, []).append(subnet)
    return [(acl, tuple(served[acl.acl_id])) for acl in acls if acl.acl_id in served]


def check_network_acls(
    acls: Sequence[NetworkAcl],
    subnet_ids: Sequence[str],
    dyno_cidrs: Sequence[str],
    traffic: Sequence[Traffic],
    space_cidr: str | None = None,
) -> list[Finding]:
    """For each ACL serving one of ``subnet_ids``: each ``traffic`` in from every dyno CIDR, and its
    reply out to them. A fault per ACL, direction and denying rule; an ok per ACL that lets all through.
    ``space_cidr`` (the space's vpc_cidr, which holds every dyno CIDR) makes the fix one rule, not one
    a dyno CIDR: an ACL holds 20 rules a direction by default."""
    findings: list[Finding] = []
    for acl, subnets in acls_of_subnets(acls, subnet_ids):
        where = f"network ACL {acl.acl_id} (subnets {', '.join(subnets)})"
        faults: list[Finding] = []
        for one in traffic:
            faults.extend(_fault(acl, where, d, space_cidr) for d in denied(acl, one, False, dyno_cidrs))
            reply = one.reply()
            if reply is not None:
                faults.extend(_fault(acl, where, d, space_cidr) for d in denied(acl, reply, True, dyno_cidrs))
        findings.extend(faults)
        if not faults:
            labels = ", ".join(dict.fromkeys(one.label for one in traffic))
            findings.append(
                Finding(
                    "ok",
                    "network-acls",
                    acl.acl_id,
                    f"{where}: lets {labels} in from every dyno CIDR, and the replies out",
                )
            )
    return findings


def _fault(acl: NetworkAcl, where: str, dropped: Denied, space_cidr: str | None) -> Finding:
    rule = "the * rule (no lower rule allows it)" if dropped.entry is None else f"rule {dropped.entry.rule_number}"
    label, parts = dropped.traffic.label, "; ".join(dropped.parts)
    if dropped.egress:
        summary = f"{where}: replies to {label} going out to {parts} are denied by {rule}"
        meaning = (
            "the resources' answers to the dynos are dropped on the way out (ACLs are stateless): connections hang"
        )
    else:
        summary = f"{where}: {label} coming in from {parts} is denied by {rule}"
        meaning = "the dynos' packets are dropped before they reach the subnets' resources"
    return Finding(
        "fault",
        "network-acls",
        acl.acl_id,
        summary,
        meaning,
        _allow(acl, dropped, space_cidr),
    )


def _allow(acl: NetworkAcl, dropped: Denied, space_cidr: str | None) -> str:
    """Allow rules numbered below the one that denies (the lowest number is evaluated first); below the
    ``*`` rule, after the ACL's last rule. One for the space's range when it holds the dyno CIDRs."""
    cidrs = list(dropped.dyno_cidrs)
    if space_cidr is not None and all(_holds(space_cidr, cidr) for cidr in cidrs):
        cidrs = [space_cidr]
    taken = {entry.rule_number for entry in acl.entries if entry.egress == dropped.egress}
    if dropped.entry is None:
        last = max((n for n in taken if n < DEFAULT_RULE), default=0)
        free = [n for n in range(last + 1, DEFAULT_RULE) if n not in taken]
    else:
        free = [n for n in range(dropped.entry.rule_number - 1, 0, -1) if n not in taken]
    if len(free) < len(cidrs):
        below = DEFAULT_RULE if dropped.entry is None else dropped.entry.rule_number
        return f"renumber {acl.acl_id}'s rules so that allow rules fit below rule {below}"
    traffic = dropped.traffic
    if traffic.protocol == "icmp":
        icmp_type = -1 if (traffic.first_port, traffic.last_port) == (0, 65535) else traffic.first_port // 256
        ports = f"--icmp-type-code Type={icmp_type},Code=-1"
    else:
        ports = f"--port-range From={traffic.first_port},To={traffic.last_port}"
    direction = "--egress" if dropped.egress else "--ingress"
    return "; ".join(
        f"aws ec2 create-network-acl-entry --network-acl-id {acl.acl_id} {direction} --rule-number {number} "
        f"--protocol {PROTOCOL_NUMBERS[traffic.protocol]} {ports} --cidr-block {cidr} --rule-action allow"
        for number, cidr in zip(free, cidrs, strict=False)
    )


def _holds(outer: str, inner: str) -> bool:
    wide, narrow = cidr_box(outer), cidr_box(inner)
    return (
        wide is not None
        and narrow is not None
        and wide.first_address <= narrow.first_address
        and narrow.last_address <= wide.last_address
    )
