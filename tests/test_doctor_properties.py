"""Properties of the doctor's analyses on generated facts, each compared with a packet-by-packet answer.

The expectations enumerate every packet of a small range and decide it the plain way (integer masks,
a loop over the rules in order), not with the box arithmetic the code uses.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peering.model.first_match import Box, decide
from peering.model.network import AclEntry, GroupRule, NetworkAcl, Route, SecurityGroup
from peering.model.traffic import Traffic
from peering.rules.groups import admission
from peering.rules.nacls import denied, verdicts
from peering.rules.routes import routed_pieces
from tests.support.cidrs import dotted, interval  # CIDRs parsed by hand, not with ipaddress

pytestmark = pytest.mark.program

BASE = 10 << 24  # 10.0.0.0


def cidr(offset: int, prefix: int) -> str:
    size = 2 ** (32 - prefix)
    return f"{dotted((BASE + offset) // size * size)}/{prefix}"


def inside(address: int, block: str) -> bool:
    low, high = interval(block)
    return low <= address <= high


# Ranges near 10.0.0.0/24, so that rules cover the dynos wholly, partly or not at all.
near = st.builds(cidr, st.integers(0, 1023), st.integers(22, 30))
dyno = st.builds(cidr, st.integers(0, 255), st.integers(27, 29))
boxes = st.builds(
    lambda a, b, p, q: Box(min(a, b), max(a, b), min(p, q), max(p, q)),
    st.integers(0, 15),
    st.integers(0, 15),
    st.integers(0, 15),
    st.integers(0, 15),
)


@given(boxes, st.lists(boxes, max_size=6))
def test_decide_gives_each_packet_to_the_first_rule_that_holds_it(space: Box, rules: list[Box]) -> None:
    pieces = decide(space, [(box, index) for index, box in enumerate(rules)])
    assert sum(piece.size for piece, _ in pieces) == space.size
    for address in range(space.first_address, space.last_address + 1):
        for port in range(space.first_port, space.last_port + 1):
            holders = [
                rule
                for piece, rule in pieces
                if piece.first_address <= address <= piece.last_address and piece.first_port <= port <= piece.last_port
            ]
            first = next(
                (
                    i
                    for i, box in enumerate(rules)
                    if box.first_address <= address <= box.last_address and box.first_port <= port <= box.last_port
                ),
                None,
            )
            assert holders == [first]


@given(st.builds(cidr, st.integers(0, 255), st.integers(24, 28)), st.lists(near, max_size=6))
def test_each_address_goes_by_its_longest_prefix_match(block: str, destinations: list[str]) -> None:
    routes = [Route(destination, f"target-{i}") for i, destination in enumerate(dict.fromkeys(destinations))]
    pieces = routed_pieces(block, routes)
    low, high = interval(block)
    for address in range(low, high + 1):
        matching = [r for r in routes if inside(address, r.destination)]
        longest = max(matching, key=lambda r: int(r.destination.split("/")[1]), default=None)
        [(_, route)] = [(part, route) for part, route in pieces if inside(address, part)]
        assert route == longest


PORTS = (5420, 5427)  # the traffic's ports; rules reach a little beyond on each side
port_ranges = st.tuples(st.integers(5416, 5431), st.integers(5416, 5431)).map(sorted)
protocols = st.sampled_from(["6", "tcp", "17", "-1", "1"])


def entries(egress: bool) -> st.SearchStrategy[list[AclEntry]]:
    one = st.builds(
        lambda number, allow, block, protocol, ports: AclEntry(number, egress, protocol, allow, block, *ports),
        st.integers(1, 200),
        st.booleans(),
        near,
        protocols,
        port_ranges,
    )
    return st.lists(one, max_size=6, unique_by=lambda entry: entry.rule_number)


def acl_decides(entries_: list[AclEntry], address: int, port: int) -> bool:
    """AWS's rule: the lowest-numbered matching rule decides; none matching, the * rule denies."""
    for entry in sorted(entries_, key=lambda e: e.rule_number):
        is_tcp = entry.protocol in ("6", "tcp", "-1")
        every_port = entry.protocol == "-1"
        assert entry.cidr is not None and entry.port_from is not None and entry.port_to is not None
        if is_tcp and inside(address, entry.cidr) and (every_port or entry.port_from <= port <= entry.port_to):
            return entry.allow
    return False


@settings(max_examples=60)
@given(entries(False), dyno)
def test_an_acl_lets_in_exactly_what_its_lowest_matching_rule_allows(rules: list[AclEntry], source: str) -> None:
    acl = NetworkAcl("acl-1", tuple(rules))
    traffic = Traffic("tcp", *PORTS, "tcp:5420-5427")
    pieces = verdicts(acl, traffic, False, source)
    low, high = interval(source)
    dropped = False
    for address in range(low, high + 1):
        for port in range(PORTS[0], PORTS[1] + 1):
            [entry] = [
                e
                for piece, e in pieces
                if piece.first_address <= address <= piece.last_address and piece.first_port <= port <= piece.last_port
            ]
            allowed = entry is not None and entry.allow
            assert allowed == acl_decides(rules, address, port)
            dropped = dropped or not allowed
    assert bool(denied(acl, traffic, False, [source])) == dropped


group_rules = st.builds(lambda block, ports: GroupRule("tcp", ports[0], ports[1], block), near, port_ranges)


@settings(max_examples=60)
@given(
    st.lists(group_rules, max_size=5),
    st.lists(dyno, min_size=1, max_size=3, unique=True),
)
def test_a_group_misses_exactly_the_dyno_ranges_with_a_packet_no_rule_admits(
    rules: list[GroupRule], sources: list[str]
) -> None:
    group = SecurityGroup("sg-1", "app", tuple(rules))
    found = admission(group, [Traffic("tcp", *PORTS, "tcp:5420-5427")], sources)
    expected = [
        source
        for source in sources
        if any(
            not any(inside(address, r.cidr) and r.from_port <= port <= r.to_port for r in rules)  # type: ignore[operator]
            for address in range(interval(source)[0], interval(source)[1] + 1)
            for port in range(PORTS[0], PORTS[1] + 1)
        )
    ]
    assert list(found.missing_cidrs) == expected
    assert bool(found.missing) == bool(expected)
