"""What must get through: the traffic the dynos send into the VPC, and the replies it needs.

``--port tcp:5432`` (or a stack's ingress rule) becomes ``Traffic``: one protocol and a range on
its axis of ports. For ICMP the axis is type * 256 + code, so that "type 8, any code" is a range
like any other and every check treats the three protocols alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .args import IngressArgs
from .first_match import Box, by_ports

PROTOCOLS = ("tcp", "udp", "icmp")
# AWS's protocol numbers (network ACL entries speak them; security-group rules may).
PROTOCOL_NUMBERS = {"tcp": "6", "udp": "17", "icmp": "1", "-1": "-1"}
_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "-1": "-1", "all": "-1"}
ALL_PORTS = (0, 65535)
# The port a reply goes back to: the dyno's ephemeral port. Dynos are Linux containers, whose default
# net.ipv4.ip_local_port_range is 32768-60999; AWS: "Many Linux kernels (including the Amazon Linux
# kernel) use ports 32768-61000" (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html).
EPHEMERAL_PORTS = (32768, 60999)
# ICMP requests and the type of their reply (RFC 792): echo, timestamp, information, address mask (RFC 950).
ICMP_REPLIES = {8: 0, 13: 14, 15: 16, 17: 18}
PORT_FORMS = "tcp:PORT, udp:PORT (0-65535, or LOW-HIGH), icmp, icmp:TYPE or all"
_PORTS = re.compile(r"^(tcp|udp):(\d{1,5})(?:-(\d{1,5}))?$")
_ICMP = re.compile(r"^icmp(?::(\d{1,3}))?$")


@dataclass(frozen=True)
class Traffic:
    """One protocol, and a range of ports (for ICMP, of type * 256 + code)."""

    protocol: str  # tcp, udp or icmp
    first_port: int
    last_port: int
    label: str  # as the user asked for it: tcp:5432, all, ...

    def reply(self) -> Traffic | None:
        """What the VPC's resource sends back to the dyno; None when nothing answers (an ICMP message
        that is no request). Network ACLs are stateless, so replies need rules of their own."""
        if self.protocol != "icmp":
            return Traffic(self.protocol, *EPHEMERAL_PORTS, self.label)
        if (self.first_port, self.last_port) == ALL_PORTS:
            return Traffic("icmp", *ALL_PORTS, self.label)
        icmp_type = self.first_port // 256
        if icmp_type in ICMP_REPLIES and (self.first_port, self.last_port) == icmp_range(icmp_type, -1):
            return Traffic("icmp", *icmp_range(ICMP_REPLIES[icmp_type], -1), self.label)
        return None

    def ports_text(self, first: int, last: int) -> str:
        """Part of this traffic's axis in words: ``tcp 5432``, ``tcp 32768-49151``, ``icmp type 8``."""
        if self.protocol != "icmp":
            return f"{self.protocol} {first}" if first == last else f"{self.protocol} {first}-{last}"
        if (first, last) == ALL_PORTS:
            return "icmp (every type)"
        if first % 256 == 0 and last == first + 255:
            return f"icmp type {first // 256}"
        if first == last:
            return f"icmp type {first // 256} code {first % 256}"
        return f"icmp types {first // 256}-{last // 256}"


def protocol_name(value: str) -> str:
    """tcp, udp, icmp or -1 (every protocol) for AWS's names or numbers; anything else as it is."""
    text = str(value).strip().lower()
    return _PROTOCOL_NAMES.get(text, text)


def rule_ports(protocol: str, low: int | None, high: int | None) -> tuple[int, int]:
    """The range a rule covers on a protocol's axis: ports for tcp and udp, type and code for icmp
    (None and -1: every one), everything for all protocols."""
    if protocol == "icmp":
        return icmp_range(-1 if low is None else low, -1 if high is None else high)
    if protocol == "-1" or low is None or low == -1:
        return ALL_PORTS
    return low, low if high is None else high


def icmp_range(icmp_type: int, code: int) -> tuple[int, int]:
    """ICMP type and code (-1: every one) as a range on the type * 256 + code axis."""
    if icmp_type == -1:
        return ALL_PORTS
    if code == -1:
        return icmp_type * 256, icmp_type * 256 + 255
    return icmp_type * 256 + code, icmp_type * 256 + code


def every_protocol(label: str) -> tuple[Traffic, ...]:
    """ "All traffic", as the three protocols the dynos speak, each on its whole axis."""
    return tuple(Traffic(protocol, *ALL_PORTS, label) for protocol in PROTOCOLS)


def parse_port(text: str) -> tuple[Traffic, ...]:
    """``--port``'s value; ValueError names the value and the forms it takes."""
    value = text.strip().lower()
    if value == "all":
        return every_protocol("all")
    found = _PORTS.match(value)
    if found:
        low = int(found[2])
        high = int(found[3]) if found[3] else low
        if low <= high <= 65535:
            return (Traffic(found[1], low, high, value),)
    icmp = _ICMP.match(value)
    if icmp and (icmp[1] is None or int(icmp[1]) <= 255):
        icmp_type = -1 if icmp[1] is None else int(icmp[1])
        return (Traffic("icmp", *icmp_range(icmp_type, -1), value),)
    raise ValueError(f"--port {text!r}: give {PORT_FORMS}; e.g. --port tcp:5432")


def traffic_of_rule(rule: IngressArgs) -> tuple[Traffic, ...]:
    """The traffic one of a stack's ingress rules opens to the dynos."""
    if rule.protocol == "-1":
        return every_protocol("all")
    if rule.protocol == "icmp":
        icmp_type = -1 if rule.from_port is None else rule.from_port
        code = -1 if rule.to_port is None else rule.to_port
        label = "icmp" if icmp_type == -1 else f"icmp:{icmp_type}" + ("" if code == -1 else f" code {code}")
        return (Traffic("icmp", *icmp_range(icmp_type, code), label),)
    low = 0 if rule.from_port is None else rule.from_port
    high = low if rule.to_port is None else rule.to_port
    label = f"{rule.protocol}:{low}" if low == high else f"{rule.protocol}:{low}-{high}"
    return (Traffic(rule.protocol, low, high, label),)


def parts_text(traffic: Sequence[Traffic], left: Sequence[tuple[Traffic, Sequence[Box]]]) -> tuple[str, ...]:
    """Parts of ``traffic`` in words: "10.0.144.0/20", "10.0.0.0/21 on tcp 5432", "10.0.0.0/20 on udp, icmp".

    ``left`` holds the boxes of one dyno CIDR at a time, so that two adjacent dyno CIDRs are never
    merged into a range Heroku does not name. Ranges missing the same parts of the axis are listed together.
    """
    protocols = {one.protocol for one in traffic}
    axes: dict[str, list[str]] = {}  # CIDR -> the parts of the axis it misses ("": all of it)
    for one, boxes in left:
        for cidrs, low, high in by_ports(boxes):
            whole = (low, high) == (one.first_port, one.last_port)
            axis = (one.protocol if len(protocols) > 1 else "") if whole else one.ports_text(low, high)
            for cidr in cidrs:
                axes.setdefault(cidr, []).append(axis)
    grouped: dict[tuple[str, ...], list[str]] = {}
    for cidr, parts in axes.items():
        grouped.setdefault(tuple(parts), []).append(cidr)
    return tuple(
        ", ".join(cidrs) + ("" if set(parts) in ({""}, protocols) else f" on {', '.join(parts)}")
        for parts, cidrs in grouped.items()
    )
