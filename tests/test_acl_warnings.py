"""Pre-flight's network-ACL warnings: what the ACL rule of the doctor says, before `up`, never a refusal."""

from __future__ import annotations

import pytest

from peering.model.args import HerokuPeeringArgs, IngressArgs, NamedPeering
from peering.model.facts import AclRead
from peering.model.network import AclEntry, NetworkAcl
from peering.program.acl_warnings import acl_notes
from providers.heroku_models import PeeringInfo

pytestmark = pytest.mark.program

INFO = PeeringInfo(
    aws_account_id="999988887777",
    aws_region="us-east-1",
    vpc_id="vpc-space",
    vpc_cidr="10.0.0.0/16",
    dyno_cidr_blocks=("10.0.128.0/20", "10.0.144.0/20"),
)
POSTGRES = IngressArgs("sg-0123456789abcdef0", "tcp", 5432, 5432, "PostgreSQL")


def peering(*rules: IngressArgs) -> NamedPeering:
    args = HerokuPeeringArgs("demo-space", "vpc-0123456789abcdef0", ingress=rules)
    return NamedPeering("db", "heroku-peering:", args)


def allow_all(egress: bool) -> AclEntry:
    return AclEntry(100, egress, "-1", True, "0.0.0.0/0")


def test_a_deny_below_the_allow_is_one_warning_naming_acl_rule_and_fix() -> None:
    deny = AclEntry(90, False, "6", False, "10.0.144.0/20", port_from=5432, port_to=5432)
    acls = AclRead((NetworkAcl("acl-1", (deny, allow_all(False), allow_all(True)), ("subnet-a",)),))
    [note] = acl_notes(peering(POSTGRES), acls, INFO)
    assert note.startswith("heroku-peering: network ACL acl-1 (subnets subnet-a)")
    assert "rule 90" in note and "10.0.144.0/20" in note and "10.0.128.0/20" not in note.split("fix:")[0]
    assert "The peering is made all the same" in note and "fix: aws ec2" in note


def test_replies_denied_on_the_way_out_are_a_warning_too() -> None:
    acls = AclRead((NetworkAcl("acl-2", (allow_all(False),), ("subnet-b",)),))  # no egress rule: the * rule denies
    [note] = acl_notes(peering(POSTGRES), acls, INFO)
    assert "acl-2" in note and "replies" in note


def test_open_acls_say_nothing() -> None:
    acls = AclRead((NetworkAcl("acl-3", (allow_all(False), allow_all(True)), ("subnet-a",), default=True),))
    assert acl_notes(peering(POSTGRES), acls, INFO) == []


def test_nothing_to_say_without_ports_or_without_a_read() -> None:
    closed = AclRead((NetworkAcl("acl-4", (), ("subnet-a",)),))
    assert acl_notes(peering(), closed, INFO) == []  # no ingress: no traffic the stack opens
    assert acl_notes(peering(POSTGRES), AclRead(skipped="ec2:DescribeNetworkAcls: AccessDenied"), INFO) == []
    assert acl_notes(peering(POSTGRES), None, INFO) == []
