"""The doctor's checks on hand-written facts, each expectation worked out by hand."""

from __future__ import annotations

import pytest

from peering.doctor.diagnose import Target, diagnose
from peering.doctor.heroku_reads import SpaceReading
from peering.doctor.report import render_text
from peering.model.facts import SpaceFacts
from peering.model.network import (
    AclEntry,
    GroupRule,
    NetworkAcl,
    PeeringConnection,
    Route,
    RouteTable,
    SecurityGroup,
    Subnet,
    Unreadable,
    VpcNetwork,
)
from peering.model.traffic import Traffic, parse_port
from peering.rules.findings import Finding
from peering.rules.groups import check_security_groups
from peering.rules.nacls import check_network_acls
from peering.rules.routes import RouteContext, check_routes, routed_pieces, serving_tables
from peering.rules.space import check_cidrs, check_space
from peering.rules.status import check_status
from providers.heroku_models import Peering, PeeringInfo

pytestmark = pytest.mark.program

VPC = "vpc-0aaaaaaaaaaaaaaa1"
SPACE_VPC = "vpc-0bbbbbbbbbbbbbbb1"
HEROKU = "999988887777"
CUSTOMER = "123456789012"
DYNOS = ("10.0.128.0/20", "10.0.144.0/20")
INFO = PeeringInfo(HEROKU, "us-east-1", SPACE_VPC, "10.0.0.0/16", DYNOS, DYNOS, ("10.1.0.0/16",))
SPACE = SpaceFacts("demo", INFO, "allocated", "cedar")
PCX = "pcx-0000000000000000a"


def pcx(pcx_id: str = PCX, status: str = "active", accepter: str = SPACE_VPC, owner: str = HEROKU) -> PeeringConnection:
    return PeeringConnection(pcx_id, status, status.title(), VPC, CUSTOMER, "us-east-1", accepter, owner, "us-east-1")


PEER = pcx()
CONTEXT = RouteContext(PEER, {PCX: PEER}, "demo", SPACE_VPC, "10.0.0.0/16")
SUBNETS = (Subnet("subnet-a", "172.16.0.0/24"), Subnet("subnet-b", "172.16.1.0/24"))
LOCAL = Route("172.16.0.0/16", "local")
TCP5432 = parse_port("tcp:5432")


def table(*routes: Route, subnets: tuple[str, ...] = ("subnet-a", "subnet-b"), main: bool = False) -> RouteTable:
    return RouteTable("rtb-1", (LOCAL, *routes), subnets, main)


def only(findings: list[Finding], severity: str = "fault") -> list[Finding]:
    return [f for f in findings if f.severity == severity]


# -- routes ------------------------------------------------------------------------------------------


def test_the_main_table_serves_the_subnets_without_an_explicit_association() -> None:
    explicit = RouteTable("rtb-x", (LOCAL,), ("subnet-a",))
    main = RouteTable("rtb-main", (LOCAL,), (), main=True)
    unused = RouteTable("rtb-unused", (LOCAL,))
    served, orphans = serving_tables(SUBNETS, [explicit, main, unused])
    assert [(s.table.table_id, s.explicit, s.implicit) for s in served] == [
        ("rtb-x", ("subnet-a",), ()),
        ("rtb-main", (), ("subnet-b",)),
    ]
    assert orphans == []
    assert served[1].text() == "route table rtb-main (serves subnet-b as the main table)"


def test_a_route_to_the_peering_for_the_vpc_cidr_serves_every_dyno_range() -> None:
    [finding] = check_routes(SUBNETS, [table(Route("10.0.0.0/16", PCX))], DYNOS, CONTEXT)
    assert finding.severity == "ok"
    assert finding.summary == (
        "route table rtb-1 (serves subnet-a, subnet-b explicitly): 10.0.128.0/20, 10.0.144.0/20 -> "
        f"{PCX} (by 10.0.0.0/16)"
    )


def test_no_route_names_the_table_the_ranges_and_the_route_to_create() -> None:
    [finding] = check_routes(SUBNETS, [table()], DYNOS, CONTEXT)
    assert (finding.severity, finding.object_id) == ("fault", "rtb-1")
    assert f"no route sends 10.0.128.0/20, 10.0.144.0/20 to {PCX}" in finding.summary
    assert finding.fix == (
        f"aws ec2 create-route --route-table-id rtb-1 --destination-cidr-block 10.0.0.0/16 --vpc-peering-connection-id "
        f"{PCX}"
    )


def test_a_default_route_elsewhere_is_a_missing_route_that_says_where_traffic_goes() -> None:
    [finding] = check_routes(SUBNETS, [table(Route("0.0.0.0/0", "igw-1"))], DYNOS, CONTEXT)
    assert finding.summary.endswith(
        f"no route sends 10.0.128.0/20, 10.0.144.0/20 to {PCX}; they fall to 0.0.0.0/0 -> igw-1"
    )
    assert "create-route" in finding.fix


def test_one_dyno_range_missing_from_per_range_routes_gets_a_route_of_its_own() -> None:
    """routeTo: space routes each range; the one left out is named, and its own route is the fix."""
    [finding] = check_routes(SUBNETS, [table(Route("10.0.128.0/20", PCX))], DYNOS, CONTEXT)
    assert f"no route sends 10.0.144.0/20 to {PCX}" in finding.summary
    assert "--destination-cidr-block 10.0.144.0/20 " in finding.fix


def test_a_more_specific_route_elsewhere_steals_its_part_of_the_range() -> None:
    routes = table(Route("10.0.0.0/16", PCX), Route("10.0.130.0/24", "nat-1"))
    [finding] = check_routes(SUBNETS, [routes], DYNOS, CONTEXT)
    assert finding.summary == (
        "route table rtb-1 (serves subnet-a, subnet-b explicitly): the route 10.0.130.0/24 -> nat-1 is more "
        f"specific than the route to {PCX} and takes 10.0.130.0/24 of the dynos' ranges"
    )
    assert finding.fix.startswith("aws ec2 delete-route --route-table-id rtb-1 --destination-cidr-block 10.0.130.0/24")


def test_longest_prefix_splits_a_range_around_a_nested_route() -> None:
    """10.0.128.0/20 with 10.0.130.0/24 carved out: 128/23, 131/24, 132/22, 136/21 stay with the /16."""
    wide, narrow = Route("10.0.0.0/16", PCX), Route("10.0.130.0/24", "nat-1")
    assert routed_pieces("10.0.128.0/20", [wide, narrow]) == [
        ("10.0.128.0/23", wide),
        ("10.0.130.0/24", narrow),
        ("10.0.131.0/24", wide),
        ("10.0.132.0/22", wide),
        ("10.0.136.0/21", wide),
    ]


def test_a_route_to_a_deleted_peering_is_a_blackhole() -> None:
    old = pcx("pcx-00000000000000old", "deleted")
    context = RouteContext(PEER, {PCX: PEER, old.pcx_id: old}, "demo", SPACE_VPC, "10.0.0.0/16")
    [finding] = check_routes(SUBNETS, [table(Route("10.0.0.0/16", old.pcx_id))], DYNOS, context)
    assert f"go by 10.0.0.0/16 to {old.pcx_id}, a blackhole ({old.pcx_id} is deleted" in finding.summary
    assert finding.fix == (
        "aws ec2 replace-route --route-table-id rtb-1 --destination-cidr-block 10.0.0.0/16 "
        f"--vpc-peering-connection-id {PCX}"
    )


def test_a_route_aws_marks_blackhole_is_one_whatever_the_target() -> None:
    [finding] = check_routes(SUBNETS, [table(Route("10.0.0.0/16", "nat-gone", blackhole=True))], DYNOS, CONTEXT)
    assert "a blackhole" in finding.summary


def test_a_route_to_a_peering_with_another_vpc_names_both_ends() -> None:
    other = pcx("pcx-0000000000000other", accepter="vpc-0ccccccccccccccc1", owner=CUSTOMER)
    context = RouteContext(PEER, {PCX: PEER, other.pcx_id: other}, "demo", SPACE_VPC, "10.0.0.0/16")
    [finding] = check_routes(SUBNETS, [table(Route("10.0.0.0/16", other.pcx_id))], DYNOS, context)
    assert (
        f"to {other.pcx_id}, which connects {VPC} to vpc-0ccccccccccccccc1, not to space demo's VPC {SPACE_VPC}"
        in finding.summary
    )
    assert "replace-route" in finding.fix


def test_each_table_is_judged_for_the_subnets_it_serves() -> None:
    good = RouteTable("rtb-good", (LOCAL, Route("10.0.0.0/16", PCX)), ("subnet-a",))
    main = RouteTable("rtb-main", (LOCAL,), (), main=True)
    findings = check_routes(SUBNETS, [good, main], DYNOS, CONTEXT)
    assert [(f.severity, f.object_id) for f in findings] == [("ok", "rtb-good"), ("fault", "rtb-main")]
    assert "route table rtb-main (serves subnet-b as the main table): no route sends" in findings[1].summary


# -- security groups ----------------------------------------------------------------------------------


def group(*rules: GroupRule, group_id: str = "sg-1") -> SecurityGroup:
    return SecurityGroup(group_id, "app", rules)


def tcp(cidr: str, low: int = 5432, high: int = 5432) -> GroupRule:
    return GroupRule("tcp", low, high, cidr)


def test_a_group_with_every_dyno_range_admits_the_port() -> None:
    [finding] = check_security_groups([group(tcp(DYNOS[0]), tcp(DYNOS[1]))], [], DYNOS, [("sg-1", TCP5432)])
    assert (finding.severity, finding.summary) == (
        "ok",
        "security group sg-1 (app): admits tcp:5432 from every dyno CIDR",
    )


def test_a_group_missing_a_dyno_range_names_it_and_the_rule_to_add() -> None:
    [finding] = check_security_groups([group(tcp(DYNOS[0]))], [], DYNOS, [("sg-1", TCP5432)])
    assert finding.summary == "security group sg-1 (app): tcp:5432 is not admitted from 10.0.144.0/20"
    assert finding.fix == (
        "aws ec2 authorize-security-group-ingress --group-id sg-1 --ip-permissions "
        "'IpProtocol=tcp,FromPort=5432,ToPort=5432,IpRanges=[{CidrIp=10.0.144.0/20}]'"
    )


def test_a_wider_rule_admits_and_a_narrower_one_leaves_the_rest_out() -> None:
    assert only(check_security_groups([group(tcp("10.0.0.0/16"))], [], DYNOS, [("sg-1", TCP5432)])) == []
    [finding] = check_security_groups([group(tcp("10.0.128.0/21"))], [], DYNOS[:1], [("sg-1", TCP5432)])
    assert finding.summary.endswith("tcp:5432 is not admitted from 10.0.136.0/21")


def test_a_rule_for_other_ports_admits_only_its_ports() -> None:
    [finding] = check_security_groups([group(tcp("10.0.0.0/16", 5430, 5431))], [], DYNOS, [("sg-1", TCP5432)])
    assert "not admitted from 10.0.128.0/20, 10.0.144.0/20" in finding.summary
    ranges = parse_port("tcp:5430-5433")
    [finding] = check_security_groups([group(tcp("10.0.0.0/16", 5430, 5431))], [], DYNOS[:1], [("sg-1", ranges)])
    assert finding.summary.endswith("tcp:5430-5433 is not admitted from 10.0.128.0/20 on tcp 5432-5433")


def test_all_traffic_needs_every_protocol() -> None:
    every = parse_port("all")
    assert (
        only(check_security_groups([group(GroupRule("-1", None, None, "10.0.0.0/8"))], [], DYNOS, [("sg-1", every)]))
        == []
    )
    [finding] = check_security_groups([group(tcp("10.0.0.0/8", 0, 65535))], [], DYNOS[:1], [("sg-1", every)])
    assert finding.summary.endswith("all is not admitted from 10.0.128.0/20 on udp, icmp")
    assert "'IpProtocol=-1,IpRanges=[{CidrIp=10.0.128.0/20}]'" in finding.fix


def test_a_group_open_to_the_internet_admits_the_dynos_and_is_a_warning() -> None:
    findings = check_security_groups([group(tcp("0.0.0.0/0"))], [], DYNOS, [("sg-1", TCP5432)])
    [warning] = findings
    assert warning.severity == "warning"
    assert warning.summary == "security group sg-1 (app): admits tcp:5432 from 0.0.0.0/0, the whole internet"
    assert "revoke-security-group-ingress --group-id sg-1" in warning.fix and "CidrIp=0.0.0.0/0" in warning.fix


def test_a_rule_open_to_the_internet_on_another_port_is_no_warning_for_this_one() -> None:
    web_and_db = group(tcp("0.0.0.0/0", 443, 443), tcp(DYNOS[0]), tcp(DYNOS[1]))
    [finding] = check_security_groups([web_and_db], [], DYNOS, [("sg-1", TCP5432)])
    assert finding.severity == "ok"


def test_a_group_not_in_the_vpc_is_a_fault() -> None:
    [finding] = check_security_groups([], [], DYNOS, [("sg-9", TCP5432)])
    assert (finding.object_id, finding.severity) == ("sg-9", "fault")


def test_discovery_checks_the_groups_of_network_interfaces_and_ignores_unrelated_ones() -> None:
    db = group(tcp(DYNOS[0]), tcp(DYNOS[1]), group_id="sg-db")
    web = group(tcp("0.0.0.0/0", 443, 443), group_id="sg-web")  # admits none of tcp:5432: not its job
    findings = check_security_groups([db, web], ["sg-db", "sg-web"], DYNOS, discover=[TCP5432])
    assert [(f.severity, f.object_id) for f in findings] == [("ok", "sg-db")]


def test_discovery_reports_a_group_that_admits_part_of_the_dynos() -> None:
    half = group(tcp(DYNOS[0]), group_id="sg-db")
    [finding] = check_security_groups([half], ["sg-db"], DYNOS, discover=[TCP5432])
    assert finding.summary.endswith("tcp:5432 is not admitted from 10.0.144.0/20")


def test_discovery_with_no_group_admitting_names_every_group_checked() -> None:
    attached = group(group_id="sg-db")
    unattached = group(tcp(DYNOS[0]), tcp(DYNOS[1]), group_id="sg-spare")  # admits, but guards no resource
    [finding] = check_security_groups([attached, unattached], ["sg-db"], DYNOS, discover=[TCP5432])
    assert finding.summary == (
        "no security group of the VPC's network interfaces admits tcp:5432 from the dynos (10.0.128.0/20, "
        "10.0.144.0/20); checked: sg-db"
    )
    [finding] = check_security_groups([attached], [], DYNOS, discover=[TCP5432])
    assert "of the VPC (it has no network interfaces)" in finding.summary


# -- network ACLs ---------------------------------------------------------------------------------------


def entry(number: int, allow: bool, cidr: str = "0.0.0.0/0", egress: bool = False, **kw: object) -> AclEntry:
    return AclEntry(number, egress, str(kw.pop("protocol", "-1")), allow, cidr, **kw)  # type: ignore[arg-type]


DEFAULT_ENTRIES = (
    entry(100, True),
    entry(32767, False),
    entry(100, True, egress=True),
    entry(32767, False, egress=True),
)


def acl(*entries: AclEntry, subnets: tuple[str, ...] = ("subnet-a",), default: bool = False) -> NetworkAcl:
    return NetworkAcl("acl-1", entries, subnets, default)


def test_the_default_acl_lets_everything_through() -> None:
    [finding] = check_network_acls([acl(*DEFAULT_ENTRIES)], ["subnet-a"], DYNOS, TCP5432)
    assert finding.summary == (
        "network ACL acl-1 (subnets subnet-a): lets tcp:5432 in from every dyno CIDR, and the replies out"
    )


def test_a_lower_numbered_deny_wins_over_a_later_allow() -> None:
    deny = entry(90, False, DYNOS[0], protocol="6", port_from=5432, port_to=5432)
    [finding] = check_network_acls([acl(deny, *DEFAULT_ENTRIES)], ["subnet-a"], DYNOS, TCP5432)
    assert (
        finding.summary
        == "network ACL acl-1 (subnets subnet-a): tcp:5432 coming in from 10.0.128.0/20 is denied by rule 90"
    )
    assert finding.fix == (
        "aws ec2 create-network-acl-entry --network-acl-id acl-1 --ingress --rule-number 89 --protocol 6 "
        "--port-range From=5432,To=5432 --cidr-block 10.0.128.0/20 --rule-action allow"
    )


def test_an_allow_numbered_below_the_deny_lets_it_through() -> None:
    allow = entry(80, True, "10.0.0.0/16", protocol="tcp", port_from=5432, port_to=5432)
    deny = entry(90, False, "10.0.0.0/8")
    assert only(check_network_acls([acl(deny, allow, *DEFAULT_ENTRIES[2:])], ["subnet-a"], DYNOS, TCP5432)) == []


def test_replies_need_an_outbound_rule_for_the_dynos_ephemeral_ports() -> None:
    inbound = entry(100, True)
    windows_range = entry(100, True, egress=True, protocol="6", port_from=49152, port_to=65535)
    [finding] = check_network_acls([acl(inbound, windows_range)], ["subnet-a"], DYNOS[:1], TCP5432)
    assert finding.summary == (
        "network ACL acl-1 (subnets subnet-a): replies to tcp:5432 going out to 10.0.128.0/20 on tcp 32768-49151 "
        "are denied by the * rule (no lower rule allows it)"
    )
    assert finding.fix == (
        "aws ec2 create-network-acl-entry --network-acl-id acl-1 --egress --rule-number 101 --protocol 6 "
        "--port-range From=32768,To=60999 --cidr-block 10.0.128.0/20 --rule-action allow"
    )


def test_given_the_space_range_the_fix_is_one_rule_for_it() -> None:
    inbound = entry(100, True)  # and no outbound rule: the first free number is 1
    [finding] = check_network_acls([acl(inbound)], ["subnet-a"], DYNOS, TCP5432, space_cidr="10.0.0.0/16")
    assert finding.fix == (
        "aws ec2 create-network-acl-entry --network-acl-id acl-1 --egress --rule-number 1 --protocol 6 "
        "--port-range From=32768,To=60999 --cidr-block 10.0.0.0/16 --rule-action allow"
    )


def test_icmp_echo_needs_echo_in_and_echo_reply_out() -> None:
    echo = parse_port("icmp:8")
    echo_in = entry(100, True, protocol="1", icmp_type=8, icmp_code=-1)
    reply_out = entry(100, True, egress=True, protocol="1", icmp_type=0, icmp_code=-1)
    assert only(check_network_acls([acl(echo_in, reply_out)], ["subnet-a"], DYNOS, echo)) == []
    [finding] = check_network_acls([acl(echo_in)], ["subnet-a"], DYNOS[:1], echo)
    assert "replies to icmp:8 going out to 10.0.128.0/20 are denied by the * rule" in finding.summary


def test_a_subnet_without_an_association_is_served_by_the_default_acl() -> None:
    custom = NetworkAcl("acl-custom", (entry(1, False),), ("subnet-a",))
    default = NetworkAcl("acl-default", DEFAULT_ENTRIES, (), default=True)
    findings = check_network_acls([custom, default], ["subnet-a", "subnet-b"], DYNOS[:1], TCP5432)
    assert [(f.severity, f.object_id) for f in findings] == [
        ("fault", "acl-custom"),
        ("fault", "acl-custom"),
        ("ok", "acl-default"),
    ]
    assert "renumber acl-custom's rules" in findings[0].fix  # nothing is free below rule 1


# -- status, CIDRs and the space -------------------------------------------------------------------------


def heroku(pcx_id: str = PCX, status: str = "active", expires: str | None = None) -> Peering:
    return Peering(
        pcx_id, "customer-managed" if status == "active" else "unknown", status, (), VPC, "us-east-1", CUSTOMER, expires
    )


def test_an_active_peering_on_both_sides_is_one_ok() -> None:
    chosen, findings = check_status(VPC, "demo", INFO, [PEER], [heroku()], "us-east-1")
    assert chosen == PEER
    assert [(f.severity, f.summary) for f in findings] == [
        ("ok", f"peering connection {PCX} ({VPC} to {SPACE_VPC}): AWS active, Heroku active, customer-managed")
    ]


def test_a_pending_request_says_when_it_expires_and_how_to_accept_it() -> None:
    pending = pcx(status="pending-acceptance")
    _, findings = check_status(
        VPC, "demo", INFO, [pending], [heroku(status="pending-acceptance", expires="2026-12-08T10:00:00Z")], "us-east-1"
    )
    [finding] = findings
    assert finding.summary == (
        f"peering connection {PCX}: AWS says pending-acceptance (Pending-Acceptance, expires 2026-12-08T10:00:00Z)"
    )
    assert finding.fix == f"heroku spaces:peerings:accept {PCX} --space demo"


@pytest.mark.parametrize("status", ["failed", "expired", "rejected", "deleted"])
def test_a_terminal_peering_is_a_fault_with_its_meaning(status: str) -> None:
    chosen, findings = check_status(VPC, "demo", INFO, [pcx(status=status)], [heroku(status=status)], "us-east-1")
    assert chosen is not None and chosen.status == status
    [finding] = findings
    assert finding.severity == "fault" and finding.summary.startswith(f"peering connection {PCX}: AWS says {status}")
    assert finding.meaning and finding.fix


def test_heroku_not_listing_an_active_peering_is_a_fault_of_its_own() -> None:
    _, findings = check_status(VPC, "demo", INFO, [PEER], [], "us-east-1")
    [finding] = findings
    assert finding.summary == f"peering connection {PCX}: Heroku says (not listed)"


def test_heroku_still_provisioning_while_aws_is_active() -> None:
    _, findings = check_status(VPC, "demo", INFO, [PEER], [heroku(status="provisioning")], "us-east-1")
    assert [f.summary for f in findings] == [f"peering connection {PCX}: Heroku says provisioning, unknown"]


def test_no_peering_at_all_says_how_to_request_one() -> None:
    chosen, findings = check_status(VPC, "demo", INFO, [], [], "us-east-1")
    assert chosen is None
    [finding] = findings
    assert finding.object_id == VPC and "no peering connection joins it to space demo's VPC" in finding.summary
    assert (
        f"aws ec2 create-vpc-peering-connection --vpc-id {VPC} --peer-vpc-id {SPACE_VPC} --peer-owner-id {HEROKU} "
        "--peer-region us-east-1" in finding.fix
    )


def test_a_request_to_the_space_vpc_id_in_another_account_is_not_between_them() -> None:
    wrong = pcx("pcx-000000000000wrong", status="failed", owner=CUSTOMER)
    chosen, findings = check_status(VPC, "demo", INFO, [wrong, PEER], [heroku()], "us-east-1")
    assert chosen == PEER
    assert findings[0].object_id == wrong.pcx_id
    assert f"requested from {VPC} to {SPACE_VPC} in account {CUSTOMER}" in findings[0].summary
    assert "not between this VPC and the space's" in findings[0].meaning


def test_more_than_one_live_peering_is_a_warning_that_keeps_the_active_one() -> None:
    second = pcx("pcx-00000000000second", status="pending-acceptance")
    chosen, findings = check_status(VPC, "demo", INFO, [second, PEER], [heroku()], "us-east-1")
    assert chosen == PEER
    assert findings[0].severity == "warning"
    assert findings[0].summary == (
        f"more than one peering connection joins {VPC} and space demo's VPC: {PCX} (active) and "
        f"{second.pcx_id} (pending-acceptance)"
    )


def test_heroku_listing_a_peering_aws_does_not_show_points_at_the_region() -> None:
    _, findings = check_status(VPC, "demo", INFO, [], [heroku("pcx-0000000000elsewhere")], "eu-west-1")
    assert "Heroku lists it for" in findings[0].summary and "region eu-west-1" in findings[0].summary


def test_cidr_rules_are_preflights() -> None:
    assert [f.severity for f in check_cidrs(VPC, ["172.16.0.0/16"], SPACE)] == ["ok"]
    summaries = [f.summary for f in check_cidrs(VPC, ["100.64.0.0/16", "10.1.0.0/24"], SPACE)]
    assert summaries == [
        f"VPC {VPC}: its CIDR 100.64.0.0/16 is not IPv4 RFC 1918",
        f"VPC {VPC}: its CIDR 10.1.0.0/24 overlaps the space's unavailable_cidr_blocks 10.1.0.0/16",
    ]


def test_a_fir_space_and_an_unallocated_one_are_faults() -> None:
    assert check_space(SPACE) == []
    [fir] = check_space(SpaceFacts("next", INFO, "allocated", "fir"))
    assert fir.summary == "space next: a fir-generation space" and "Cedar" in fir.meaning
    [waiting] = check_space(SpaceFacts("new", INFO, "allocating", "cedar"))
    assert "heroku spaces:wait new" in waiting.fix


# -- ports ------------------------------------------------------------------------------------------------


def test_port_forms() -> None:
    assert parse_port("tcp:5432") == (Traffic("tcp", 5432, 5432, "tcp:5432"),)
    assert parse_port("UDP:53") == (Traffic("udp", 53, 53, "udp:53"),)
    assert parse_port("tcp:8000-8100") == (Traffic("tcp", 8000, 8100, "tcp:8000-8100"),)
    assert parse_port("icmp") == (Traffic("icmp", 0, 65535, "icmp"),)
    assert parse_port("icmp:8") == (Traffic("icmp", 2048, 2303, "icmp:8"),)  # type 8, any code: 8*256 .. 8*256+255
    assert [t.protocol for t in parse_port("all")] == ["tcp", "udp", "icmp"]
    assert Traffic("tcp", 5432, 5432, "tcp:5432").reply() == Traffic("tcp", 32768, 60999, "tcp:5432")
    assert parse_port("icmp:3")[0].reply() is None  # destination unreachable answers nothing


@pytest.mark.parametrize("text", ["tcp", "tcp:", "tcp:70000", "tcp:10-5", "sctp:1", "icmp:300", "5432"])
def test_bad_ports_are_refused_with_the_forms(text: str) -> None:
    with pytest.raises(ValueError, match=r"give tcp:PORT, udp:PORT .* e\.g\. --port tcp:5432"):
        parse_port(text)


# -- the whole diagnosis ----------------------------------------------------------------------------------


def network(**changes: object) -> VpcNetwork:
    values: dict[str, object] = {
        "vpc_id": VPC,
        "region": "us-east-1",
        "cidrs": ("172.16.0.0/16",),
        "subnets": SUBNETS,
        "route_tables": (table(Route("10.0.0.0/16", PCX)),),
        "acls": (acl(*DEFAULT_ENTRIES, subnets=("subnet-a", "subnet-b"), default=True),),
        "groups": (group(tcp(DYNOS[0]), tcp(DYNOS[1])),),
        "attached_groups": ("sg-1",),
        "peerings": (PEER,),
    }
    values.update(changes)
    return VpcNetwork(**values)  # type: ignore[arg-type]


READING = SpaceReading(SPACE, (heroku(),))
TARGET = Target("demo", VPC, (TCP5432,))


def test_a_healthy_peering_has_no_fault_and_one_ok_per_check() -> None:
    result = diagnose(TARGET, READING, network())
    assert not result.stops_traffic and result.pcx_id == PCX
    assert [(f.check, f.severity) for f in result.findings] == [
        ("status", "ok"),
        ("cidrs", "ok"),
        ("routes", "ok"),
        ("security-groups", "ok"),
        ("network-acls", "ok"),
    ]


def test_a_refused_read_is_a_fault_that_names_the_action_and_the_policy() -> None:
    denied = Unreadable("ec2:DescribeNetworkAcls", "AccessDenied: no (HTTP 403, request id r-1)", True)
    result = diagnose(TARGET, READING, network(acls=None, unreadable=(denied,)))
    [finding] = [f for f in result.findings if f.check == "reads"]
    assert finding.summary == "AWS refused ec2:DescribeNetworkAcls: AccessDenied: no (HTTP 403, request id r-1)"
    assert finding.meaning == "not checked: the network ACLs"
    assert finding.fix == (
        "grant ec2:DescribeNetworkAcls to these credentials (iam/doctor-policy.json has every action the doctor needs)"
    )
    assert result.stops_traffic and not [f for f in result.findings if f.check == "network-acls"]


def test_without_ports_groups_and_acls_are_said_to_be_unchecked() -> None:
    result = diagnose(Target("demo", VPC), READING, network())
    [finding] = [f for f in result.findings if f.check == "security-groups"]
    assert finding.severity == "warning" and "no port given" in finding.summary
    assert not [f for f in result.findings if f.check == "network-acls"]


def test_the_text_report_groups_by_check_with_meaning_and_fix() -> None:
    result = diagnose(TARGET, READING, network(route_tables=(table(),)))
    text = render_text([result])
    assert text.splitlines()[0] == (
        f"VPC {VPC} (us-east-1) and space demo (VPC {SPACE_VPC}, 10.0.0.0/16; dyno CIDRs 10.0.128.0/20, "
        "10.0.144.0/20); ports: tcp:5432"
    )
    lines = text.splitlines()
    routes = lines.index("routes")
    assert lines[routes + 1].startswith("  FAULT  route table rtb-1 (serves subnet-a, subnet-b explicitly): no route")
    assert lines[routes + 2].startswith("         means: ")
    assert lines[routes + 3].startswith("         fix:   aws ec2 create-route --route-table-id rtb-1")
    assert lines[-1] == "Result: 1 fault, 0 warnings: something stops traffic."


# -- which peering: a stack's own, else the live one, else the newest; never a fix toward an ended one ----------------

OLD = "pcx-000000000000000b1"  # an older peering between the same VPCs, ended
NEW = "pcx-000000000000000c1"


def tagged(pcx_id: str, status: str, claim: str | None = None, expires: str | None = None) -> PeeringConnection:
    found = pcx(pcx_id, status)
    return PeeringConnection(
        **{**found.__dict__, "expires": expires, "tags": {"heroku-peering": claim} if claim else {}}
    )


def test_with_a_stack_its_own_peering_is_diagnosed_whatever_else_aws_describes() -> None:
    from peering.rules.status import Stack

    own, old, live = tagged(PCX, "deleted"), tagged(OLD, "deleted"), tagged(NEW, "active")
    chosen, findings = check_status(VPC, "demo", INFO, [old, live, own], [], "us-east-1", Stack(PCX, "p/dev/main"))
    assert chosen == own, "the state's, even when deleted and another is live"
    [also] = [f for f in findings if f.summary.startswith("also seen")]
    assert OLD in also.summary and f"diagnosed: {PCX} (the stack's own, from its state)" in also.summary
    claimed, _ = check_status(
        VPC, "demo", INFO, [old, tagged(NEW, "deleted", "p/dev/main")], [], "us-east-1", Stack(None, "p/dev/main")
    )
    assert claimed is not None and claimed.pcx_id == NEW, "no state at hand: the one carrying the stack's claim"


def test_without_a_stack_the_live_one_else_the_newest_and_the_others_named() -> None:
    old, live = tagged(OLD, "deleted"), tagged(NEW, "active")
    chosen, findings = check_status(VPC, "demo", INFO, [old, live], [heroku(NEW)], "us-east-1")
    assert chosen == live and any(f.summary.startswith("also seen") and OLD in f.summary for f in findings)
    # none live: the latest expiry wins (AWS and Heroku give it while a request is pending) ...
    dated = [
        tagged(OLD, "expired", expires="2026-12-01T00:00:00Z"),
        tagged(NEW, "expired", expires="2026-12-05T00:00:00Z"),
    ]
    assert check_status(VPC, "demo", INFO, dated, [], "us-east-1")[0] == dated[1]
    # ... else one Heroku still lists (it forgets ended ones after a while), else the last AWS describes
    listed, _ = check_status(
        VPC, "demo", INFO, [tagged(NEW, "deleted"), tagged(OLD, "deleted")], [heroku(NEW, "deleted")], "us-east-1"
    )
    assert listed is not None and listed.pcx_id == NEW
    last, findings = check_status(VPC, "demo", INFO, [tagged(OLD, "deleted"), tagged(NEW, "deleted")], [], "us-east-1")
    assert last is not None and last.pcx_id == NEW
    assert any(f"diagnosed: {NEW} (none is live; the newest of 2)" in f.summary for f in findings)


def test_when_no_peering_is_live_no_fix_points_at_an_ended_one() -> None:
    """Routes to the old peerings are blackholes; a table without a route has none to point at: `pulumi up` or the
    seed's procedure, said as such."""
    old, own = tagged(OLD, "deleted"), tagged(PCX, "deleted")
    context = RouteContext(own, {OLD: old, PCX: own}, "demo", SPACE_VPC, "10.0.0.0/16")
    tables = [
        RouteTable("rtb-1", (LOCAL, Route("10.0.0.0/16", OLD, blackhole=True)), ("subnet-a",)),
        RouteTable("rtb-2", (LOCAL, Route("10.0.0.0/16", PCX, blackhole=True)), ("subnet-b",)),
        RouteTable("rtb-3", (LOCAL,), (), main=True),
    ]
    findings = check_routes((*SUBNETS, Subnet("subnet-c", "172.16.2.0/24")), tables, DYNOS, context)
    faults = only(findings)
    assert len(faults) == 3
    for finding in faults:
        assert "--vpc-peering-connection-id pcx-" not in finding.fix, finding.fix
        assert "pulumi up" in finding.fix and "the seed's procedure" in finding.fix
    _, status = check_status(VPC, "demo", INFO, [old, own], [], "us-east-1")
    deleted = [f for f in status if f.severity == "fault"]
    assert deleted and all("pulumi up" in f.fix and "--vpc-peering-connection-id" not in f.fix for f in deleted)


def test_another_stacks_live_peering_is_left_to_it_never_deleted() -> None:
    theirs = tagged(NEW, "pending-acceptance", "heroku-peering/staging/main")
    _, findings = check_status(VPC, "demo", INFO, [PEER, theirs], [heroku()], "us-east-1")
    [warning] = [f for f in findings if f.severity == "warning"]
    assert f"{NEW} is stack staging's peering 'main': leave it to that stack" in warning.fix
    assert f"--vpc-peering-connection-id {NEW}" not in warning.fix


def test_a_secondary_block_that_overlaps_is_to_disassociate() -> None:
    findings = check_cidrs(VPC, ("172.16.0.0/16", "10.1.0.0/16"), SPACE, {"10.1.0.0/16": "vpc-cidr-assoc-1"})
    [fault] = only(findings)
    assert "aws ec2 disassociate-vpc-cidr-block --association-id vpc-cidr-assoc-1" in fault.fix
    [primary] = only(check_cidrs(VPC, ("10.1.0.0/16",), SPACE))
    assert "primary block cannot change" in primary.fix and "disassociate" not in primary.fix
