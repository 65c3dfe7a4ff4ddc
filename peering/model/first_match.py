"""First-match evaluation of ordered rules over a whole set of packets, exactly (no sampling).

A set of packets is a box: an interval of IPv4 addresses (the dynos', as source or destination)
times an interval of ports. Each of the doctor's checks is a first match over such boxes: a network
ACL's entries in rule-number order, a security group's rules (all allows, so their order does not
matter), a route table's routes longest prefix first (so that the first match is the longest-prefix
match). ``decide`` splits the box into the pieces each rule decides, and what no rule matches.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Box:
    """Addresses ``first_address..last_address`` times ports ``first_port..last_port``, both inclusive."""

    first_address: int
    last_address: int
    first_port: int = 0
    last_port: int = 0

    def intersection(self, other: Box) -> Box | None:
        low_address = max(self.first_address, other.first_address)
        high_address = min(self.last_address, other.last_address)
        low_port = max(self.first_port, other.first_port)
        high_port = min(self.last_port, other.last_port)
        if low_address > high_address or low_port > high_port:
            return None
        return Box(low_address, high_address, low_port, high_port)

    def minus(self, inner: Box) -> list[Box]:
        """This box without ``inner``, which must lie inside it: at most four boxes."""
        pieces = []
        if self.first_address < inner.first_address:
            pieces.append(Box(self.first_address, inner.first_address - 1, self.first_port, self.last_port))
        if inner.last_address < self.last_address:
            pieces.append(Box(inner.last_address + 1, self.last_address, self.first_port, self.last_port))
        if self.first_port < inner.first_port:
            pieces.append(Box(inner.first_address, inner.last_address, self.first_port, inner.first_port - 1))
        if inner.last_port < self.last_port:
            pieces.append(Box(inner.first_address, inner.last_address, inner.last_port + 1, self.last_port))
        return pieces

    @property
    def size(self) -> int:
        return (self.last_address - self.first_address + 1) * (self.last_port - self.first_port + 1)


def decide(space: Box, rules: Iterable[tuple[Box, T]]) -> list[tuple[Box, T | None]]:
    """Each piece of ``space`` with the first rule whose box holds it (None: no rule matches it).

    The pieces are disjoint and together make ``space``.
    """
    undecided = [space]
    decided: list[tuple[Box, T | None]] = []
    for box, rule in rules:
        still: list[Box] = []
        for piece in undecided:
            common = piece.intersection(box)
            if common is None:
                still.append(piece)
                continue
            decided.append((common, rule))
            still.extend(piece.minus(common))
        undecided = still
        if not undecided:
            break
    decided.extend((piece, None) for piece in undecided)
    return decided


def cidr_box(cidr: str, first_port: int = 0, last_port: int = 0) -> Box | None:
    """The addresses of an IPv4 CIDR times a port range; None for IPv6 (the dynos are IPv4)."""
    network = ipaddress.ip_network(cidr, strict=False)
    if not isinstance(network, ipaddress.IPv4Network):
        return None
    return Box(int(network.network_address), int(network.broadcast_address), first_port, last_port)


def cidrs_of(boxes: Iterable[Box]) -> list[str]:
    """The addresses of the boxes as the fewest CIDRs (ports ignored)."""
    networks: list[ipaddress.IPv4Network] = []
    for box in boxes:
        networks.extend(
            ipaddress.summarize_address_range(
                ipaddress.IPv4Address(box.first_address), ipaddress.IPv4Address(box.last_address)
            )
        )
    return [str(network) for network in ipaddress.collapse_addresses(networks)]


def by_ports(boxes: Sequence[Box]) -> list[tuple[tuple[str, ...], int, int]]:
    """The boxes as (CIDRs, first port, last port) groups: the same ports together, adjacent ports merged."""
    ports: dict[tuple[int, int], list[Box]] = {}
    for box in boxes:
        ports.setdefault((box.first_port, box.last_port), []).append(box)
    grouped: dict[tuple[str, ...], list[tuple[int, int]]] = {}
    for (first, last), same in sorted(ports.items()):
        grouped.setdefault(tuple(cidrs_of(same)), []).append((first, last))
    merged: list[tuple[tuple[str, ...], int, int]] = []
    for cidrs, ranges in grouped.items():
        first, last = ranges[0]
        for low, high in ranges[1:]:
            if low == last + 1:
                last = high
                continue
            merged.append((cidrs, first, last))
            first, last = low, high
        merged.append((cidrs, first, last))
    return merged
