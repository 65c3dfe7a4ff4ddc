"""The sandbox's pulumi-aws, driven over gRPC as the engine drives it, against moto: each answer as
pulumi-aws (the bridge over terraform-provider-aws) gives it. Sources per behaviour are cited in
``sandbox/aws_plugin``; the texts below are terraform-provider-aws's and the bridge's."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi.runtime.proto import provider_pb2

from sandbox.aws_plugin.wire import UNKNOWN
from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.scenarios.provider_host import AWS_PLUGIN, ProviderError, ProviderHost

pytestmark = pytest.mark.sandbox

PCX = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ROUTE = "aws:ec2/route:Route"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
TAG = "aws:ec2/tag:Tag"
GROUP = "aws:ec2/securityGroup:SecurityGroup"
VPC = "aws:ec2/vpc:Vpc"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
UPDATE = provider_pb2.PropertyDiff.UPDATE


def urn(token: str, name: str) -> str:
    return f"urn:pulumi:test::heroku-peering::{token}::{name}"


@pytest.fixture
def plugin(sandbox_info: Any) -> Iterator[ProviderHost]:
    with ProviderHost(command=AWS_PLUGIN) as host:
        host.configure(
            {
                "region": sandbox_info.region,
                "endpoints": [{"ec2": sandbox_info.aws_endpoint_url, "sts": sandbox_info.aws_endpoint_url}],
                "accessKey": "testing",
                "secretKey": "testing",
                "defaultTags": {"tags": {"owner": "platform"}},
            }
        )
        yield host


def test_plugin_info_reports_the_installed_pulumi_aws_version() -> None:
    from importlib import metadata

    with ProviderHost(command=AWS_PLUGIN) as host:
        assert host.plugin_info() == metadata.version("pulumi_aws")


def test_configure_refuses_any_endpoint_but_the_sandbox() -> None:
    with ProviderHost(command=AWS_PLUGIN) as host, pytest.raises(ProviderError) as refused:
        host.configure({"region": "us-east-1", "accessKey": "a", "secretKey": "b"})
    assert "stand-in for pulumi-aws" in refused.value.message and "not set" in refused.value.message
    with ProviderHost(command=AWS_PLUGIN) as host, pytest.raises(ProviderError) as remote:
        host.configure(
            {"region": "us-east-1", "endpoints": [{"ec2": "https://ec2.us-east-1.amazonaws.com"}], "accessKey": "a"}
        )
    assert "https://ec2.us-east-1.amazonaws.com" in remote.value.message


def test_an_unserved_type_or_function_is_named(plugin: ProviderHost) -> None:
    with pytest.raises(ProviderError) as caught:
        plugin.check(urn("aws:ec2/internetGateway:InternetGateway", "igw"), {}, {"vpcId": "vpc-1"})
    assert "does not serve the resource type aws:ec2/internetGateway:InternetGateway" in caught.value.message
    assert "Traceback" not in caught.value.message
    with pytest.raises(ProviderError) as invoked:
        plugin.invoke("aws:ec2/getSubnets:getSubnets", {})
    assert "does not serve the function aws:ec2/getSubnets:getSubnets" in invoked.value.message


def test_check_fills_defaults_autonames_and_merges_default_tags(plugin: ProviderHost, sandbox_info: Any) -> None:
    inputs, failures = plugin.check(urn(GROUP, "app"), {}, {"vpcId": sandbox_info.customer_vpc_id}, seed=b"seed")
    assert failures == []
    assert inputs["name"].startswith("app-") and len(inputs["name"]) == len("app-") + 7
    assert inputs["description"] == "Managed by Pulumi" and inputs["revokeRulesOnDelete"] is False
    assert inputs["__defaults"] == ["description", "name", "revokeRulesOnDelete"]
    assert inputs["tagsAll"] == {"owner": "platform"}
    kept, _ = plugin.check(urn(GROUP, "app"), inputs, {"vpcId": sandbox_info.customer_vpc_id}, seed=b"other")
    assert kept["name"] == inputs["name"]  # an update keeps the autoname; a replacement is checked without olds
    fresh, _ = plugin.check(urn(GROUP, "app"), {}, {"vpcId": sandbox_info.customer_vpc_id}, seed=b"other")
    assert fresh["name"] != inputs["name"]
    _, missing = plugin.check(
        urn(ROUTE, "r"), {}, {"destinationCidrBlock": "10.0.0.0/16", "vpcPeeringConnectionId": "pcx-1"}
    )
    assert missing == [
        (
            "",
            'Missing required argument. The argument "route_table_id" is required, but no definition was found.. '
            "Examine values at 'r.routeTableId'.",
        )
    ]


def _pcx(plugin: ProviderHost, info: Any, tags: dict[str, str] | None = None) -> tuple[str, dict[str, Any]]:
    ec2 = customer_ec2(info)
    peer = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
    inputs, _ = plugin.check(urn(PCX, "pcx"), {}, {"vpcId": info.customer_vpc_id, "peerVpcId": peer, "tags": tags})
    return plugin.create(urn(PCX, "pcx"), inputs)


def test_a_peering_connection_is_tagged_in_its_create_call(plugin: ProviderHost, sandbox_info: Any) -> None:
    pcx_id, outputs = _pcx(plugin, sandbox_info, {"Name": "x"})
    assert outputs["acceptStatus"] == "pending-acceptance"
    assert outputs["tags"] == {"Name": "x"} and outputs["tagsAll"] == {"Name": "x", "owner": "platform"}
    found = customer_ec2(sandbox_info).describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])
    assert {t["Key"] for t in found["VpcPeeringConnections"][0]["Tags"]} == {"Name", "owner"}
    plugin.delete(urn(PCX, "pcx"), pcx_id, outputs)


def test_a_failed_peering_fails_its_create_with_the_resource_kept(
    plugin: ProviderHost, sandbox_info: Any, shared_sandbox: Any
) -> None:
    assert shared_sandbox.emulator is not None
    shared_sandbox.emulator.set_behaviour({"aws_new_request_status": "failed"})
    try:
        with pytest.raises(ProviderError) as caught:
            _pcx(plugin, sandbox_info)
    finally:
        shared_sandbox.emulator.set_behaviour({"aws_new_request_status": ""})
    assert "creating urn:pulumi:test::heroku-peering::" in caught.value.message
    assert "unexpected state 'failed', wanted target 'active, pending-acceptance'" in caught.value.message


def test_routes_as_terraform_makes_them(plugin: ProviderHost, sandbox_info: Any) -> None:
    pcx_id, pcx = _pcx(plugin, sandbox_info)
    table = sandbox_info.route_table_ids[0]
    news = {"routeTableId": table, "destinationCidrBlock": "10.0.0.0/16", "vpcPeeringConnectionId": pcx_id}
    inputs, _ = plugin.check(urn(ROUTE, "r"), {}, news)
    route_id, outputs = plugin.create(urn(ROUTE, "r"), inputs)
    assert route_id == f"r-{table}{zlib.crc32(b'10.0.0.0/16')}"  # routeCreateID
    # The peering still waits for acceptance: AWS shows the route blackhole, and the waiter takes any route found.
    assert outputs["state"] == "blackhole" and outputs["origin"] == "CreateRoute"
    customer_ec2(sandbox_info).accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    _, outputs = plugin.read(urn(ROUTE, "r"), route_id, outputs)
    assert outputs["state"] == "active"
    with pytest.raises(ProviderError) as exists:  # the pre-check: no "creating ..." prefix
        plugin.create(urn(ROUTE, "again"), inputs)
    assert (
        f"api error RouteAlreadyExists: Route in Route Table ({table}) with destination (10.0.0.0/16) already exists"
        in exists.value.message
    )
    imported_id, imported, imported_inputs = plugin.read_with_inputs(urn(ROUTE, "i"), f"{table}_10.0.0.0/16", {}, {})
    assert imported_id == route_id and imported["vpcPeeringConnectionId"] == pcx_id
    assert imported_inputs["routeTableId"] == table and imported_inputs["__defaults"] == []
    # An id that is not ROUTETABLEID_DESTINATION parses to no destination: the import finds nothing (no error).
    assert plugin.read_with_inputs(urn(ROUTE, "i"), "rtb-1", {}, {}) == ("", {}, {})
    plugin.delete(urn(ROUTE, "r"), route_id, outputs)
    plugin.delete(urn(ROUTE, "r"), route_id, outputs)  # InvalidRoute.NotFound: done
    gone = {**outputs, "routeTableId": "rtb-0000000000000000f"}
    with pytest.raises(ProviderError) as no_table:  # InvalidRouteTableID.NotFound is an error
        plugin.delete(urn(ROUTE, "r"), route_id, gone)
    assert "deleting urn:" in no_table.value.message and "InvalidRouteTableID.NotFound" in no_table.value.message
    assert plugin.read(urn(ROUTE, "r"), route_id, gone) == ("", {})  # ...but a refresh reads it as gone
    plugin.delete(urn(PCX, "pcx"), pcx_id, pcx)


def test_a_rule_changes_in_place_and_reads_ports_as_terraform(plugin: ProviderHost, sandbox_info: Any) -> None:
    group = sandbox_info.security_group_ids[0]
    news = {"securityGroupId": group, "ipProtocol": "-1", "cidrIpv4": "10.9.0.0/16", "description": "a"}
    inputs, _ = plugin.check(urn(RULE, "all"), {}, news)
    rule_id, outputs = plugin.create(urn(RULE, "all"), inputs)
    assert outputs["arn"].endswith(f":security-group-rule/{rule_id}") and outputs.get("fromPort") is None
    _, refreshed = plugin.read(urn(RULE, "all"), rule_id, outputs)
    assert refreshed.get("fromPort") is None and refreshed.get("toPort") is None  # -1 with null in state stays null
    changed, _ = plugin.check(urn(RULE, "all"), inputs, {**news, "description": "b"})
    diff = plugin.diff(urn(RULE, "all"), rule_id, outputs, changed)
    assert diff["changes"] == "some" and diff["replaces"] == [] and diff["diffs"] == ["description"]
    # The framework bridge: changed keys only, no detailed diff, no stables.
    assert diff["detailed_diff"] is None and diff["stables"] == []
    plugin.update(urn(RULE, "all"), rule_id, outputs, changed)
    described = customer_ec2(sandbox_info).describe_security_group_rules(SecurityGroupRuleIds=[rule_id])
    assert described["SecurityGroupRules"][0]["Description"] == "b"  # ModifySecurityGroupRules, same rule id
    moved = plugin.diff(urn(RULE, "all"), rule_id, outputs, {**changed, "securityGroupId": "sg-0000000000000000f"})
    assert moved["replaces"] == ["securityGroupId"]
    plugin.delete(urn(RULE, "all"), rule_id, outputs)
    plugin.delete(urn(RULE, "all"), rule_id, outputs)  # InvalidSecurityGroupRuleId.NotFound: done


def test_a_tag_is_deleted_with_its_value(plugin: ProviderHost, sandbox_info: Any) -> None:
    vpc = sandbox_info.customer_vpc_id
    news = {"resourceId": vpc, "key": "marker", "value": "one"}
    tag_id, outputs = plugin.create(urn(TAG, "t"), plugin.check(urn(TAG, "t"), {}, news)[0])
    assert tag_id == f"{vpc},marker"
    ec2 = customer_ec2(sandbox_info)
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "marker", "Value": "changed by hand"}])
    plugin.delete(urn(TAG, "t"), tag_id, outputs)  # DeleteTags with the key AND the state's value
    left = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc]}, {"Name": "key", "Values": ["marker"]}])
    assert [t["Value"] for t in left["Tags"]] == ["changed by hand"]
    ec2.delete_tags(Resources=[vpc], Tags=[{"Key": "marker"}])


def test_a_vpc_tenancy_change_replaces_but_dedicated_to_default(plugin: ProviderHost) -> None:
    inputs, _ = plugin.check(urn(VPC, "v"), {}, {"cidrBlock": "192.168.10.0/24"})
    # instanceTenancy's default is a named enum's (awstypes.TenancyDefault): the bridge's Check leaves it unset.
    assert inputs["enableDnsSupport"] is True and "instanceTenancy" not in inputs
    vpc_id, outputs = plugin.create(urn(VPC, "v"), inputs)
    assert outputs["instanceTenancy"] == "default"
    assert plugin.diff(urn(VPC, "v"), vpc_id, outputs, inputs)["changes"] == "none"
    dedicated = plugin.diff(urn(VPC, "v"), vpc_id, outputs, {**inputs, "instanceTenancy": "dedicated"})
    # CustomizeDiff's ForceNew: the bridge keys the replacement __meta, the property's own diff an update.
    assert dedicated["replaces"] == ["__meta"] and dedicated["diffs"] == ["__meta", "instanceTenancy"]
    # The property's own diff is an update (the schema does not replace it); every ForceNew attribute is stable.
    assert dedicated["detailed_diff"] == {"instanceTenancy": UPDATE}
    assert dedicated["stables"] == ["cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"]
    back = plugin.diff(urn(VPC, "v"), vpc_id, {**outputs, "instanceTenancy": "dedicated"}, inputs)
    assert back["changes"] == "some" and back["replaces"] == []
    plugin.delete(urn(VPC, "v"), vpc_id, outputs)


def test_a_maps_change_is_detailed_key_by_key(plugin: ProviderHost) -> None:
    named, _ = plugin.check(urn(VPC, "v"), {}, {"cidrBlock": "192.168.11.0/24", "tags": {"Name": "x"}})
    vpc_id, outputs = plugin.create(urn(VPC, "v"), named)
    renamed, _ = plugin.check(urn(VPC, "v"), named, {"cidrBlock": "192.168.11.0/24", "tags": {"Name": "y"}})
    diff = plugin.diff(urn(VPC, "v"), vpc_id, outputs, renamed)
    assert diff["replaces"] == [] and diff["diffs"] == ["tags", "tagsAll"]
    assert diff["detailed_diff"] == {"tags.Name": UPDATE, "tagsAll.Name": UPDATE}  # the SDKv2 bridge's paths
    plugin.delete(urn(VPC, "v"), vpc_id, outputs)


def test_an_association_update_answers_the_new_association_id(plugin: ProviderHost, sandbox_info: Any) -> None:
    ec2 = customer_ec2(sandbox_info)
    subnet = ec2.create_subnet(VpcId=sandbox_info.customer_vpc_id, CidrBlock="172.16.9.0/24")["Subnet"]["SubnetId"]
    first, second = (
        ec2.create_route_table(VpcId=sandbox_info.customer_vpc_id)["RouteTable"]["RouteTableId"] for _ in "ab"
    )
    inputs, _ = plugin.check(urn(ASSOCIATION, "a"), {}, {"subnetId": subnet, "routeTableId": first})
    association_id, outputs = plugin.create(urn(ASSOCIATION, "a"), inputs)
    moved, _ = plugin.check(urn(ASSOCIATION, "a"), inputs, {"subnetId": subnet, "routeTableId": second})
    assert plugin.diff(urn(ASSOCIATION, "a"), association_id, outputs, moved)["replaces"] == []
    updated = plugin.update(urn(ASSOCIATION, "a"), association_id, outputs, moved)
    assert updated["id"] != association_id and updated["routeTableId"] == second  # ReplaceRouteTableAssociation
    plugin.delete(urn(ASSOCIATION, "a"), updated["id"], updated)


def test_data_sources_fail_with_their_texts(plugin: ProviderHost, sandbox_info: Any) -> None:
    with pytest.raises(ProviderError) as vpc:
        plugin.invoke("aws:ec2/getVpc:getVpc", {"id": "vpc-0000000000000000f"})
    assert vpc.value.message.startswith("invoking aws:ec2/getVpc:getVpc: 1 error occurred:")
    assert "no matching EC2 VPC found" in vpc.value.message
    with pytest.raises(ProviderError) as rule:
        plugin.invoke("aws:vpc/getSecurityGroupRule:getSecurityGroupRule", {"securityGroupRuleId": "sgr-0000000f"})
    assert "reading Security Group Rules: no matching Security Group Rule found" in rule.value.message
    empty = plugin.invoke("aws:ec2/getRouteTables:getRouteTables", {"vpcId": "vpc-0000000000000000f"})
    assert empty["ids"] == []  # plural data sources find nothing without failing
    table = plugin.invoke("aws:ec2/getRouteTable:getRouteTable", {"routeTableId": sandbox_info.route_table_ids[0]})
    assert all(route["gatewayId"] != "local" for route in table["routes"])  # the local route is left out
    region = plugin.invoke("aws:index/getRegion:getRegion", {})
    assert region["name"] == sandbox_info.region and region["endpoint"] == f"ec2.{sandbox_info.region}.amazonaws.com"


def test_a_preview_create_answers_unknowns_for_computed_outputs(plugin: ProviderHost, sandbox_info: Any) -> None:
    table = sandbox_info.route_table_ids[0]
    news = {"routeTableId": table, "destinationCidrBlock": "10.7.0.0/16", "vpcPeeringConnectionId": UNKNOWN}
    inputs, _ = plugin.check(urn(ROUTE, "p"), {}, news)
    _, outputs = plugin.create(urn(ROUTE, "p"), inputs, preview=True)
    assert outputs["state"] == UNKNOWN and outputs["vpcPeeringConnectionId"] == UNKNOWN
    routes = customer_ec2(sandbox_info).describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    assert not [r for r in routes if r.get("DestinationCidrBlock") == "10.7.0.0/16"]  # nothing made


def test_a_sandbox_world_refuses_a_second_live_peering_between_two_vpcs(
    plugin: ProviderHost, sandbox_info: Any
) -> None:
    pcx_id, outputs = _pcx(plugin, sandbox_info)
    peer = outputs["peerVpcId"]
    inputs, _ = plugin.check(urn(PCX, "second"), {}, {"vpcId": sandbox_info.customer_vpc_id, "peerVpcId": peer})
    with pytest.raises(ProviderError) as caught:
        plugin.create(urn(PCX, "second"), inputs)
    assert "VpcPeeringConnectionAlreadyExists" in caught.value.message
    plugin.delete(urn(PCX, "pcx"), pcx_id, outputs)
