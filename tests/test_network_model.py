"""The network model's own rules, which pre-flight's reads and the doctor's both apply; worked out by hand."""

from __future__ import annotations

import pytest

from peering.model.network import EC2_ROUTE_TARGETS, PULUMI_AWS_ROUTE_TARGETS, ROUTE_TARGETS, vpc_blocks

pytestmark = pytest.mark.program


def test_a_vpcs_blocks_are_the_primary_then_the_associated_ones() -> None:
    associations = [
        ("10.50.0.0/16", "vpc-cidr-assoc-0", "associated"),  # the primary's own association
        ("10.1.0.0/16", "vpc-cidr-assoc-1", "associated"),
        ("10.2.0.0/16", "vpc-cidr-assoc-2", "associating"),
        ("10.3.0.0/16", "vpc-cidr-assoc-3", "disassociating"),
        ("10.4.0.0/16", "vpc-cidr-assoc-4", "disassociated"),
        ("10.5.0.0/16", "vpc-cidr-assoc-5", "failed"),
        ("10.6.0.0/16", "vpc-cidr-assoc-6", None),  # no state given: associated
        (None, "vpc-cidr-assoc-7", "associated"),  # an IPv6 association has no IPv4 block
    ]
    blocks, secondary = vpc_blocks("10.50.0.0/16", associations)
    assert blocks == ("10.50.0.0/16", "10.1.0.0/16", "10.2.0.0/16", "10.6.0.0/16")
    assert secondary == {
        "10.1.0.0/16": "vpc-cidr-assoc-1",
        "10.2.0.0/16": "vpc-cidr-assoc-2",
        "10.6.0.0/16": "vpc-cidr-assoc-6",
    }


def test_a_vpc_with_no_association_listed_has_its_primary_block() -> None:
    assert vpc_blocks("172.16.0.0/16", []) == (("172.16.0.0/16",), {})


def test_each_route_target_is_named_in_both_apis_where_it_has_a_field() -> None:
    assert len(ROUTE_TARGETS) == len(set(ROUTE_TARGETS))
    # the peering first: a route to the space names it; an instance's route names its interface first
    assert (
        EC2_ROUTE_TARGETS[0] == "VpcPeeringConnectionId" and PULUMI_AWS_ROUTE_TARGETS[0] == "vpc_peering_connection_id"
    )
    assert EC2_ROUTE_TARGETS.index("NetworkInterfaceId") < EC2_ROUTE_TARGETS.index("InstanceId")
    assert "vpc_endpoint_id" in PULUMI_AWS_ROUTE_TARGETS and "GatewayId" in EC2_ROUTE_TARGETS
