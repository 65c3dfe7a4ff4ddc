"""The sandbox's pulumi-aws where it once differed from pulumi-aws v7 over terraform-provider-aws 6.34
(``make aws-conformance`` drives both): region, Check's validation, default-tag duplicates, customTimeouts,
CheckConfig, the rule's ARN, the peering's options, error texts, a security group in use. Driven over gRPC
as the engine drives it, against the shared sandbox's moto; the texts are terraform's and the bridge's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.aws_conformance.plugin_host import PluginHost
from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.scenarios.provider_host import AWS_PLUGIN, PROJECT_ROOT, ProviderError, ProviderHost
from sandbox.world.aws_accounts import HEROKU_ACCOUNT_ID, ec2_client

pytestmark = pytest.mark.sandbox

PCX = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ROUTE = "aws:ec2/route:Route"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
TAG = "aws:ec2/tag:Tag"
GROUP = "aws:ec2/securityGroup:SecurityGroup"
VPC = "aws:ec2/vpc:Vpc"
TARGETS = (
    "carrier_gateway_id,core_network_arn,egress_only_gateway_id,gateway_id,local_gateway_id,nat_gateway_id,"
    "network_interface_id,transit_gateway_id,vpc_endpoint_id,vpc_peering_connection_id"
)


def urn(token: str, name: str) -> str:
    return f"urn:pulumi:test::heroku-peering::{token}::{name}"


def config(info: Any, **more: Any) -> dict[str, Any]:
    return {
        "region": info.region,
        "endpoints": [{"ec2": info.aws_endpoint_url, "sts": info.aws_endpoint_url}],
        "accessKey": "testing",
        "secretKey": "testing",
        "defaultTags": {"tags": {"owner": "platform"}},
        **more,
    }


@pytest.fixture
def plugin(sandbox_info: Any) -> Iterator[ProviderHost]:
    with ProviderHost(command=AWS_PLUGIN) as host:
        host.configure(config(sandbox_info))
        yield host


@pytest.fixture
def logged(sandbox_info: Any) -> Iterator[PluginHost]:
    """The plugin with an engine of its own, whose log the test reads."""
    with PluginHost(AWS_PLUGIN, {"PYTHONPATH": str(PROJECT_ROOT)}) as host:
        assert host.configure(config(sandbox_info)).error is None
        yield host


def test_region_is_every_types_input_and_output_and_moves_the_call(plugin: ProviderHost, sandbox_info: Any) -> None:
    inputs, _ = plugin.check(urn(VPC, "v"), {}, {"cidrBlock": "10.40.0.0/16"})
    assert inputs["region"] == sandbox_info.region  # pulumi-aws's region callback fills the provider's
    elsewhere, _ = plugin.check(urn(VPC, "v"), {}, {"cidrBlock": "10.40.0.0/16", "region": "eu-west-1"})
    vpc_id, outputs = plugin.create(urn(VPC, "v"), elsewhere)
    assert outputs["region"] == "eu-west-1"
    found = ec2_client(sandbox_info.aws_endpoint_url, "eu-west-1").describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert [v["CidrBlock"] for v in found] == ["10.40.0.0/16"]
    assert plugin.read(urn(VPC, "v"), vpc_id, outputs)[1]["region"] == "eu-west-1"
    moved = plugin.diff(urn(VPC, "v"), vpc_id, outputs, {**elsewhere, "region": "eu-central-1"})
    assert moved["replaces"] == ["__meta"] and "region" in moved["diffs"]  # CustomizeDiff's ForceNew
    spelt = {**outputs, "region": ""}  # state from before region: unset and the provider's region are the same
    assert plugin.diff(urn(VPC, "v"), vpc_id, spelt, {**elsewhere, "region": sandbox_info.region})["changes"] == "none"
    imported_id, imported, _ = plugin.read_with_inputs(urn(VPC, "i"), f"{vpc_id}@eu-west-1", {}, {})
    assert imported_id == vpc_id and imported["region"] == "eu-west-1"
    looked_up = plugin.invoke("aws:ec2/getVpc:getVpc", {"id": vpc_id, "region": "eu-west-1"})
    assert looked_up["region"] == "eu-west-1" and looked_up["cidrBlock"] == "10.40.0.0/16"
    with pytest.raises(ProviderError):  # the provider's own region does not have it
        plugin.invoke("aws:ec2/getVpc:getVpc", {"id": vpc_id})
    plugin.delete(urn(VPC, "v"), vpc_id, outputs)


def test_check_validates_as_the_schemas_do(plugin: ProviderHost, sandbox_info: Any) -> None:
    table = sandbox_info.route_table_ids[0]
    route = {"routeTableId": table, "destinationCidrBlock": "10.1.0.1/16", "vpcPeeringConnectionId": "pcx-1"}
    _, failures = plugin.check(urn(ROUTE, "r"), {}, route)
    assert failures == [
        (
            "",
            '"10.1.0.1/16" is not a valid IPv4 CIDR block; did you mean "10.1.0.0/16"?. '
            "Examine values at 'r.destinationCidrBlock'.",
        )
    ]
    _, untargeted = plugin.check(urn(ROUTE, "r"), {}, {"routeTableId": table, "destinationCidrBlock": "10.1.0.0/16"})
    assert len(untargeted) == 10  # each target attribute's ExactlyOneOf
    assert untargeted[0][1] == (
        f'Invalid combination of arguments. "carrier_gateway_id": one of `{TARGETS}` must be specified. '
        "Examine values at 'r.carrierGatewayId'."
    )
    rule = {"securityGroupId": sandbox_info.security_group_ids[0], "ipProtocol": "tcp", "fromPort": 1, "toPort": 70000}
    _, ports = plugin.check(urn(RULE, "rule"), {}, {**rule, "cidrIpv4": "10.1.0.0/16"})
    assert ports == [
        (
            "",
            "Invalid Attribute Value. Attribute to_port value must be between -1 and 65535, got: 70000. "
            "Examine values at 'rule.toPort'.",
        )
    ]
    with pytest.raises(ProviderError) as sourceless:  # a resource-level diagnostic: the call fails
        plugin.check(urn(RULE, "rule"), {}, {**rule, "toPort": 1})
    assert "Exactly one of these attributes must be configured: [cidr_ipv4,cidr_ipv6" in sourceless.value.message


def test_a_tag_repeating_a_default_tag_is_kept(plugin: ProviderHost, sandbox_info: Any) -> None:
    ec2 = customer_ec2(sandbox_info)
    peer = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
    news = {"vpcId": sandbox_info.customer_vpc_id, "peerVpcId": peer, "tags": {"Name": "x", "owner": "platform"}}
    inputs, _ = plugin.check(urn(PCX, "pcx"), {}, news)
    pcx_id, outputs = plugin.create(urn(PCX, "pcx"), inputs)
    assert outputs["tags"] == {"Name": "x", "owner": "platform"}  # ResolveDuplicates: the configured duplicate stays
    _, refreshed = plugin.read(urn(PCX, "pcx"), pcx_id, outputs)
    assert refreshed["tags"] == {"Name": "x", "owner": "platform"}
    assert plugin.diff(urn(PCX, "pcx"), pcx_id, refreshed, inputs)["changes"] == "none"
    _, imported, _ = plugin.read_with_inputs(urn(PCX, "i"), pcx_id, {}, {})
    assert imported["tags"] == {"Name": "x"}  # no config or state to say the duplicate is the resource's own
    plugin.delete(urn(PCX, "pcx"), pcx_id, outputs)


def test_custom_timeouts_reach_the_waiters_or_are_warned_about(
    logged: PluginHost, shared_sandbox: Any, sandbox_info: Any
) -> None:
    peer = customer_ec2(sandbox_info).create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
    checked = logged.check(urn(PCX, "slow"), {}, {"vpcId": sandbox_info.customer_vpc_id, "peerVpcId": peer}).value
    shared_sandbox.emulator.set_behaviour({"aws_initiating_seconds": 30})
    try:
        made = logged.create(urn(PCX, "slow"), checked["inputs"], timeout=1)
    finally:
        shared_sandbox.emulator.set_behaviour({"aws_initiating_seconds": 0})
    assert made.error is not None
    waited = (
        "timeout while waiting for state to become 'active, pending-acceptance' (last state: 'initiating-request', "
        "timeout: 1s)"
    )
    assert waited in made.error
    [(severity, line)] = logged.logs()  # the bridge logs an SDKv2 resource's error diagnostics to the engine too
    assert severity == "error" and line.startswith("  sdk-v2/provider2.go:572: sdk.helper_schema: waiting for EC2 VPC")
    tag = logged.check(urn(TAG, "t"), {}, {"resourceId": peer, "key": "k", "value": "v"}).value
    tagged = logged.create(urn(TAG, "t"), tag["inputs"], timeout=300)
    assert tagged.error is None
    assert logged.logs() == [("warning", "Resource does not support customTimeouts, ignoring: create=5m0s")]
    logged.delete(urn(TAG, "t"), tagged.value["id"], tagged.value["properties"])


def test_check_config_refuses_unknown_keys_and_missing_credentials(sandbox_info: Any) -> None:
    with PluginHost(AWS_PLUGIN, {"PYTHONPATH": str(PROJECT_ROOT)}) as host:
        typo = host.check_config({**config(sandbox_info), "regoin": "us-east-1"}).value
        assert typo["failures"] == [
            "`aws:regoin` is not a valid configuration key for the aws provider. Did you mean `aws:region`? If the "
            "referenced key is not intended for the provider, please choose a different namespace from `aws:`."
        ]
        keyless = {"region": sandbox_info.region, "skipCredentialsValidation": "false"}
        assert host.check_config(keyless).value["failures"][0].startswith("No valid credential sources found.")
        assert host.check_config(config(sandbox_info)).value["failures"] == []
        # As the engine passes a default provider's config (strings, objects as JSON text), written back as the
        # bridge does: JSON compact with sorted keys, pulumi-aws's defaults filled, secret keys marked secret.
        strings = {
            "region": sandbox_info.region,
            "accessKey": "testing",
            "secretKey": "testing",
            "defaultTags": '{"tags": {"owner": "platform", "env": "prod"}}',
        }
        checked = host.check_config(strings).value
        secret = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "testing"}
        assert checked["failures"] == []
        assert checked["inputs"] == {
            "region": sandbox_info.region,
            "accessKey": secret,
            "secretKey": secret,
            "defaultTags": '{"tags":{"env":"prod","owner":"platform"}}',
            "skipCredentialsValidation": "false",
            "skipRegionValidation": "true",
        }


def test_a_rules_arn_names_the_providers_account(sandbox_info: Any) -> None:
    news = {"securityGroupId": sandbox_info.security_group_ids[0], "ipProtocol": "tcp", "fromPort": 7}
    news |= {"toPort": 7, "cidrIpv4": "10.44.0.0/16"}
    for settings, account in (({}, sandbox_info.customer_account_id), ({"skipRequestingAccountId": True}, "")):
        with ProviderHost(command=AWS_PLUGIN) as host:
            host.configure(config(sandbox_info, **settings))
            inputs, _ = host.check(urn(RULE, "r"), {}, news)
            rule_id, outputs = host.create(urn(RULE, "r"), inputs)
            assert outputs["arn"] == f"arn:aws:ec2:{sandbox_info.region}:{account}:security-group-rule/{rule_id}"
            assert host.read(urn(RULE, "r"), rule_id, outputs)[1]["arn"] == outputs["arn"]  # refresh: the same
            host.delete(urn(RULE, "r"), rule_id, outputs)


def test_peering_options_as_terraform_sets_them(plugin: ProviderHost, sandbox_info: Any) -> None:
    ec2 = customer_ec2(sandbox_info)
    own = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
    news = {"vpcId": sandbox_info.customer_vpc_id, "peerVpcId": own, "autoAccept": True}
    news["requester"] = {"allowRemoteVpcDnsResolution": True}
    inputs, _ = plugin.check(urn(PCX, "auto"), {}, news)
    pcx_id, outputs = plugin.create(urn(PCX, "auto"), inputs)
    assert outputs["acceptStatus"] == "active"
    assert outputs["requester"] == {"allowRemoteVpcDnsResolution": True}
    assert outputs["accepter"] == {"allowRemoteVpcDnsResolution": False}
    plugin.delete(urn(PCX, "auto"), pcx_id, outputs)
    heroku = ec2_client(sandbox_info.aws_endpoint_url, sandbox_info.region, HEROKU_ACCOUNT_ID)
    theirs = heroku.create_vpc(CidrBlock="10.45.0.0/16")["Vpc"]["VpcId"]
    pending = {"vpcId": sandbox_info.customer_vpc_id, "peerVpcId": theirs, "peerOwnerId": HEROKU_ACCOUNT_ID}
    inputs, _ = plugin.check(urn(PCX, "pending"), {}, {**pending, "requester": news["requester"]})
    with pytest.raises(ProviderError) as refused:
        plugin.create(urn(PCX, "pending"), inputs)
    assert "is not active (current status: pending-acceptance). Please set the `auto_accept` attribute" in (
        refused.value.message
    )


def test_error_texts_as_terraform_words_them(plugin: ProviderHost, sandbox_info: Any) -> None:
    with pytest.raises(ProviderError) as malformed:
        plugin.read_with_inputs(urn(TAG, "t"), "vpc-1", {}, {})
    assert "invalid resource identifier (vpc-1), expected ID,KEY" in malformed.value.message
    inputs, _ = plugin.check(urn(TAG, "t"), {}, {"resourceId": "vpc-0123456789abcdef0", "key": "k", "value": "v"})
    with pytest.raises(ProviderError) as missing:
        plugin.create(urn(TAG, "t"), inputs)
    assert "creating ec2 resource (vpc-0123456789abcdef0) tag (k): tagging resource (vpc-0123456789abcdef0): " in (
        missing.value.message
    )
    with pytest.raises(ProviderError) as table:
        plugin.invoke("aws:ec2/getRouteTable:getRouteTable", {"routeTableId": "rtb-0123456789abcdef0"})
    assert "* query returned no results. Please change your search criteria and try again" in table.value.message


def test_a_security_group_in_use_is_deleted_once_freed(
    plugin: ProviderHost, sandbox_info: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DeleteSecurityGroup is retried on DependencyViolation (another group's rule names it) until it goes."""
    from moto.ec2.models.security_groups import SecurityGroupBackend

    refused = threading.Event()
    delete = SecurityGroupBackend.delete_security_group

    def observed(backend: Any, name: str | None = None, group_id: str | None = None) -> None:
        try:
            delete(backend, name, group_id)
        except Exception:
            refused.set()  # the plugin's first attempt met the group in use
            raise

    monkeypatch.setattr(SecurityGroupBackend, "delete_security_group", observed)
    ec2 = customer_ec2(sandbox_info)
    inputs, _ = plugin.check(urn(GROUP, "used"), {}, {"vpcId": sandbox_info.customer_vpc_id}, seed=b"used")
    group_id, outputs = plugin.create(urn(GROUP, "used"), inputs)
    other = ec2.create_security_group(GroupName="naming", Description="d", VpcId=sandbox_info.customer_vpc_id)
    permission = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": group_id}]}
    ec2.authorize_security_group_ingress(GroupId=other["GroupId"], IpPermissions=[permission])
    deleting = threading.Thread(target=plugin.delete, args=(urn(GROUP, "used"), group_id, outputs))
    deleting.start()
    assert refused.wait(timeout=60)
    ec2.revoke_security_group_ingress(GroupId=other["GroupId"], IpPermissions=[permission])
    deleting.join()
    assert ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [group_id]}])["SecurityGroups"] == []
    ec2.delete_security_group(GroupId=other["GroupId"])
