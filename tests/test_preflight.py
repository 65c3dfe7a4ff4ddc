"""Properties of the pre-flight rules, on generated CIDRs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peering.model.args import HerokuPeeringArgs, IngressArgs, NamedPeering
from peering.model.facts import GroupFacts, PeeringFacts, RuleFacts, SpaceFacts, VpcFacts
from peering.program.preflight import PeeringPlan, check_across, plan_peering, rule_quota_notes
from peering.rules.space import check_cidrs, is_rfc1918, overlapping
from providers.heroku_models import PeeringInfo
from tests.support.cidrs import dotted, interval

pytestmark = pytest.mark.program

INFO = PeeringInfo(
    aws_account_id="999988887777",
    aws_region="us-east-1",
    vpc_id="vpc-0000000000000000a",
    vpc_cidr="10.0.0.0/16",
    dyno_cidr_blocks=("10.0.128.0/20",),
    space_cidr_blocks=("10.0.128.0/20",),
    unavailable_cidr_blocks=("10.1.0.0/16",),
)
SPACE = SpaceFacts("demo-space", INFO, "allocated", "cedar")
VPC_ID = "vpc-0a1b2c3d4e5f60001"


MARKER = "heroku-peering/dev/p"


def peering(**kwargs: object) -> NamedPeering:
    return NamedPeering("p", "heroku-peering:", HerokuPeeringArgs(space="demo-space", vpc_id=VPC_ID, **kwargs))  # type: ignore[arg-type]


def facts(vpc: VpcFacts, region: str = "us-east-1", space: SpaceFacts = SPACE) -> PeeringFacts:
    """What pre-flight would read: the space and the VPC, and nothing else in the way."""
    return PeeringFacts(space, region, vpc, tables={}, groups={}, peerings=(), heroku_peerings=())


# Expectations are computed on integer intervals parsed by hand (tests.support.cidrs), not with ipaddress.
PRIVATE = [interval(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
networks = st.builds(
    lambda address, prefix: f"{dotted(address // 2 ** (32 - prefix) * 2 ** (32 - prefix))}/{prefix}",
    st.integers(0, 2**32 - 1),
    st.integers(8, 28),
)


def intervals_overlap(a: str, b: str) -> bool:
    (a_start, a_end), (b_start, b_end) = interval(a), interval(b)
    return a_start <= b_end and b_start <= a_end


def inside_private(cidr: str) -> bool:
    start, end = interval(cidr)
    return any(low <= start and end <= high for low, high in PRIVATE)


@given(networks, networks)
def test_overlap_is_symmetric_and_matches_interval_arithmetic(a: str, b: str) -> None:
    expected = intervals_overlap(a, b)
    assert bool(overlapping([a], [b])) == bool(overlapping([b], [a])) == expected


@given(networks)
def test_rfc1918_means_inside_one_of_the_three_blocks(cidr: str) -> None:
    assert is_rfc1918(cidr) == inside_private(cidr)


@given(st.sampled_from(["10.0.0.0/8", "10.0.0.0/16", "172.16.0.0/12", "172.31.255.0/24", "192.168.0.0/16"]))
def test_rfc1918_edges(cidr: str) -> None:
    assert is_rfc1918(cidr) and inside_private(cidr)


def test_rfc1918_just_outside() -> None:
    for cidr in ("9.255.255.0/24", "11.0.0.0/8", "172.15.0.0/16", "172.32.0.0/16", "192.169.0.0/16", "172.16.0.0/11"):
        assert not is_rfc1918(cidr) and not inside_private(cidr), cidr


@given(networks)
def test_a_vpc_is_accepted_exactly_when_private_and_clear_of_heroku_ranges(cidr: str) -> None:
    vpc = VpcFacts(VPC_ID, (cidr,), ("rtb-0000000000000000a",))
    plan, problems = plan_peering(peering(), facts(vpc), MARKER)
    reserved = [INFO.vpc_cidr, *INFO.unavailable_cidr_blocks, *INFO.dyno_cidr_blocks]
    ok = inside_private(cidr) and not any(intervals_overlap(cidr, other) for other in reserved)
    assert (plan is not None) == ok
    assert (problems == []) == ok
    for problem in problems:
        assert problem.startswith("heroku-peering:vpcId = 'vpc-0a1b2c3d4e5f60001'")


@given(st.lists(networks, min_size=1, max_size=3, unique=True))
def test_pre_flight_and_the_doctor_find_the_same_cidr_faults(cidrs: list[str]) -> None:
    """One rule, two renderings: every fault is one pre-flight problem and one doctor finding, in the same order,
    as many as counted by hand: each non-private block, and each block once per kind of space range it overlaps."""
    _, problems = plan_peering(peering(), facts(VpcFacts(VPC_ID, tuple(cidrs), ("rtb-0000000000000000a",))), MARKER)
    found = [f for f in check_cidrs(VPC_ID, cidrs, SPACE) if f.severity == "fault"]
    kinds = [[INFO.vpc_cidr], INFO.unavailable_cidr_blocks, INFO.space_cidr_blocks, INFO.dyno_cidr_blocks]
    expected = sum(not inside_private(c) for c in cidrs) + sum(
        any(intervals_overlap(c, other) for other in kind) for c in cidrs for kind in kinds
    )
    assert len(problems) == len(found) == expected
    said = [problem.split("the VPC's CIDR ")[1].split(" ")[0] for problem in problems]
    assert said == [finding.summary.split("its CIDR ")[1].split(" ")[0] for finding in found]


def test_route_to_space_routes_the_space_cidrs() -> None:
    vpc = VpcFacts(VPC_ID, ("172.16.0.0/16",), ("rtb-0000000000000000a",))
    plan, _ = plan_peering(peering(route_to="space"), facts(vpc, "eu-west-1"), MARKER)
    assert isinstance(plan, PeeringPlan)
    assert plan.destination_cidrs == ("10.0.128.0/20",)
    assert plan.peer_region == "us-east-1"


def test_overlapping_destinations_in_one_route_table_conflict() -> None:
    vpc = VpcFacts(VPC_ID, ("172.16.0.0/16",), ("rtb-0000000000000000a",))
    first, _ = plan_peering(peering(), facts(vpc), MARKER)
    other_info = PeeringInfo(**{**INFO.__dict__, "vpc_id": "vpc-0000000000000000b"})
    other = SpaceFacts("other", other_info, "allocated", "cedar")
    second, _ = plan_peering(
        NamedPeering("q", "x.", HerokuPeeringArgs(space="other", vpc_id=VPC_ID)), facts(vpc, space=other), MARKER
    )
    assert first and second
    [problem] = check_across([first, second])
    assert "route table rtb-0000000000000000a would route 10.0.0.0/16" in problem


def test_one_rule_asked_by_two_peerings_is_refused_once_for_each_source() -> None:
    """Two spaces whose dynos share a range, one group, the same port: AWS would refuse the second rule."""
    group = "sg-0123456789abcdef0"
    vpc = VpcFacts(VPC_ID, ("172.16.0.0/16",), ("rtb-0000000000000000a",))
    with_group = replace(facts(vpc), groups={group: GroupFacts(VPC_ID, ())})
    rule = (IngressArgs(group, "tcp", 5432, 5432),)
    first, _ = plan_peering(peering(ingress=rule), with_group, MARKER)
    other_info = PeeringInfo(**{**INFO.__dict__, "vpc_id": "vpc-0000000000000000b"})
    other = replace(with_group, space=SpaceFacts("other", other_info, "allocated", "cedar"))
    args = HerokuPeeringArgs(space="other", vpc_id=VPC_ID, ingress=list(rule))
    second, _ = plan_peering(NamedPeering("q", "x.", args), other, MARKER)
    assert first and second
    problems = check_across([first, second])
    assert [p for p in problems if "listed twice" in p] == [
        f"x.ingress: the rule tcp 5432-5432 from 10.0.128.0/20 on {group} is listed twice; AWS refuses duplicates. "
        "Keep one."
    ]


def test_a_group_past_aws_default_rule_quota_is_warned_before_up() -> None:
    """15 ports to 4 dyno CIDRs make 60 rules (AWS's default quota, fine); one rule already there makes 61."""
    group = "sg-0123456789abcdef0"
    cidrs = ("10.0.128.0/20", "10.0.144.0/20", "10.0.0.0/20", "10.0.16.0/20")
    rules = tuple(IngressArgs(group, "tcp", port, port) for port in range(5000, 5015))
    other = RuleFacts("sgr-1", "tcp", 22, 22, "192.168.0.0/24", None)
    at_quota = replace(facts(VpcFacts(VPC_ID, ("172.16.0.0/16",), ())), groups={group: GroupFacts(VPC_ID, ())})
    assert rule_quota_notes(peering(ingress=rules), at_quota, cidrs) == []
    past = replace(at_quota, groups={group: GroupFacts(VPC_ID, (other,))})
    [note] = rule_quota_notes(peering(ingress=rules), past, cidrs)
    assert f"security group {group} would hold 61 inbound rules (60 for the space's 4 dyno CIDRs)" in note
    assert note.startswith("heroku-peering:ingress:") and "Service Quotas" in note
