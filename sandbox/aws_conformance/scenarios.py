"""The scenarios the conformance run drives through both plugins, step by step.

Each scenario runs once per plugin, on objects of that side's own (a VPC with a subnet, a route table
and a security group, and a peer VPC in the Heroku account, made with boto3 as a user would have them),
so that the two sides never meet; every step's answer (and the warnings and errors the plugin logged
meanwhile) is recorded for the comparison. The calls are the engine's: Check, Diff, Create, Read
(refresh with the state's outputs and inputs, import with neither), Update, Delete, Invoke,
CheckConfig, Configure.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..world.aws_accounts import HEROKU_ACCOUNT_ID, ec2_client
from ..world.sandbox_info import SandboxInfo
from .plugin_host import Answer, PluginHost

PCX = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"
ROUTE = "aws:ec2/route:Route"
RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
TAG = "aws:ec2/tag:Tag"
VPC = "aws:ec2/vpc:Vpc"
SUBNET = "aws:ec2/subnet:Subnet"
TABLE = "aws:ec2/routeTable:RouteTable"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_TAGS = {"owner": "platform", "env": "prod"}
SEED = b"conformance-seed"


def provider_config(info: SandboxInfo, **more: Any) -> dict[str, Any]:
    """The provider's config as the engine sends a default provider's: strings, objects as JSON text."""
    return {
        "region": info.region,
        "endpoints": json.dumps([{"ec2": info.aws_endpoint_url, "sts": info.aws_endpoint_url}]),
        "accessKey": "testing",
        "secretKey": "testing",
        "skipCredentialsValidation": "true",
        "skipMetadataApiCheck": "true",
        "defaultTags": json.dumps({"tags": DEFAULT_TAGS}),
        **more,
    }


@dataclass
class Step:
    label: str
    answer: Answer
    logs: list[tuple[str, str]]


@dataclass
class Resource:
    token: str
    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any]
    gone: bool = False


@dataclass
class Side:
    """One plugin's run of a scenario: its calls, the ids it made, what it answered."""

    plugin: str
    host: PluginHost
    info: SandboxInfo
    names: dict[str, str] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    resources: dict[str, Resource] = field(default_factory=dict)
    world: dict[str, str] = field(default_factory=dict)

    # -- the world ------------------------------------------------------------------------------------

    @property
    def ec2(self) -> Any:
        return self.info.ec2()

    @property
    def heroku_ec2(self) -> Any:
        return ec2_client(self.info.aws_endpoint_url, self.info.space_region, HEROKU_ACCOUNT_ID)

    def name(self, label: str, id_: str) -> str:
        if id_:
            self.names[label] = id_
        return id_

    def make_world(self) -> None:
        """A VPC of this side's own, as a user would have it before `pulumi up`; a peer VPC in Heroku's account."""
        ec2 = self.ec2
        vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.50.1.0/24")["Subnet"]["SubnetId"]
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
        peer = self.heroku_ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        other = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
        for label, id_ in (
            ("vpc", vpc),
            ("subnet", subnet),
            ("rtb", table),
            ("sg", group),
            ("peer-vpc", peer),
            ("other-vpc", other),
        ):
            self.world[label] = self.name(label, id_)

    def accept_as_heroku(self, name: str) -> None:
        """Heroku accepts the peering in its own account and region (as the acceptance resource makes it)."""
        self.heroku_ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=self.resources[name].id)

    # -- recorded calls -------------------------------------------------------------------------------

    def record(self, label: str, answer: Answer) -> Answer:
        self.steps.append(Step(label, answer, self.host.logs()))
        return answer

    def urn(self, token: str, name: str) -> str:
        return f"urn:pulumi:conformance::conformance::{token}::{name}"

    def check(
        self, token: str, name: str, news: Mapping[str, Any], olds: Mapping[str, Any] | None = None, label: str = ""
    ) -> dict[str, Any]:
        answer = self.record(label or f"check {name}", self.host.check(self.urn(token, name), olds or {}, news, SEED))
        return dict(answer.value["inputs"]) if answer.value else dict(news)

    def create(
        self, token: str, name: str, inputs: Mapping[str, Any], timeout: float = 0, label: str = ""
    ) -> Resource | None:
        answer = self.record(label or f"create {name}", self.host.create(self.urn(token, name), inputs, timeout))
        if answer.value is None:
            return None
        resource = Resource(token, self.name(name, answer.value["id"]), answer.value["properties"], dict(inputs))
        self.resources[name] = resource
        return resource

    def make(self, token: str, name: str, news: Mapping[str, Any], timeout: float = 0) -> Resource | None:
        return self.create(token, name, self.check(token, name, news), timeout)

    def refresh(self, name: str, label: str = "") -> Answer:
        found = self.resources.get(name)
        if found is None:
            return self.record(label or f"refresh {name}", Answer(error="(not made)"))
        answer = self.record(
            label or f"refresh {name}",
            self.host.read(self.urn(found.token, name), found.id, found.outputs, found.inputs),
        )
        if answer.value is not None:
            if answer.value["id"]:
                found.outputs, found.inputs = answer.value["properties"], answer.value["inputs"]
            else:
                found.gone = True
        return answer

    def diff(self, name: str, news: Mapping[str, Any], label: str) -> Answer:
        found = self.resources.get(name)
        if found is None:
            return self.record(label, Answer(error="(not made)"))
        checked = self.check(found.token, name, news, found.inputs, label=f"{label}: check")
        return self.record(
            label, self.host.diff(self.urn(found.token, name), found.id, found.outputs, checked, found.inputs)
        )

    def update(self, name: str, news: Mapping[str, Any], label: str, timeout: float = 0) -> Answer:
        found = self.resources.get(name)
        if found is None:
            return self.record(label, Answer(error="(not made)"))
        checked = self.check(found.token, name, news, found.inputs, label=f"{label}: check")
        answer = self.record(
            label,
            self.host.update(self.urn(found.token, name), found.id, found.outputs, checked, found.inputs, timeout),
        )
        if answer.value is not None:
            found.outputs, found.inputs = answer.value["properties"], checked
            new_id = answer.value["properties"].get("id")
            if new_id and new_id != found.id:
                found.id = self.name(f"{name}-after-update", new_id)
        return answer

    def delete(self, name: str, label: str = "", timeout: float = 0) -> Answer:
        found = self.resources.get(name)
        if found is None:
            return self.record(label or f"delete {name}", Answer(error="(not made)"))
        answer = self.record(
            label or f"delete {name}", self.host.delete(self.urn(found.token, name), found.id, found.outputs, timeout)
        )
        if answer.error is None:
            found.gone = True
        return answer

    def import_(self, token: str, name: str, id_: str, label: str) -> Answer:
        answer = self.record(label, self.host.read(self.urn(token, name), id_, {}, {}))
        if answer.value and answer.value["id"]:
            self.resources[name] = Resource(
                token, answer.value["id"], answer.value["properties"], answer.value["inputs"]
            )
        return answer

    def invoke(self, token: str, args: Mapping[str, Any], label: str) -> Answer:
        return self.record(label, self.host.invoke(token, args))

    def cleanup(self) -> None:
        """What the scenario left, deleted (the latest first), recorded too: deletes are behaviour."""
        for name, found in reversed(list(self.resources.items())):
            if not found.gone:
                self.delete(name, label=f"cleanup: delete {name}")


# -- the scenarios ------------------------------------------------------------------------------------------


def provider(side: Side) -> None:
    config = provider_config(side.info)
    side.record("GetPluginInfo", side.host.plugin_info())
    side.record("CheckConfig", side.host.check_config(config))
    side.record("CheckConfig: a misspelt key", side.host.check_config({**config, "regoin": "us-east-1"}))
    side.record("CheckConfig: a key of another provider", side.host.check_config({**config, "apiKey": "x"}))
    without = {key: value for key, value in config.items() if key not in ("accessKey", "secretKey")}
    side.record(
        "CheckConfig: no credentials, validated",
        side.host.check_config({**without, "skipCredentialsValidation": "false"}),
    )
    side.record("Configure", side.host.configure(config))


def validation(side: Side) -> None:
    """Check on bad inputs: what `pulumi preview` refuses before anything is made."""
    table, group, vpc = side.world["rtb"], side.world["sg"], side.world["vpc"]
    route = {
        "routeTableId": table,
        "destinationCidrBlock": "10.1.0.0/16",
        "vpcPeeringConnectionId": "pcx-0123456789abcdef0",
    }
    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("route: a host address as destination", ROUTE, {**route, "destinationCidrBlock": "10.1.0.1/16"}),
        ("route: not a CIDR", ROUTE, {**route, "destinationCidrBlock": "10.1.0.0"}),
        ("route: an IPv6 CIDR as IPv4 destination", ROUTE, {**route, "destinationCidrBlock": "2001:db8::/32"}),
        ("route: no target", ROUTE, {"routeTableId": table, "destinationCidrBlock": "10.1.0.0/16"}),
        ("route: two targets", ROUTE, {**route, "gatewayId": "igw-0123456789abcdef0"}),
        ("route: no route table", ROUTE, {k: v for k, v in route.items() if k != "routeTableId"}),
        (
            "route: egress-only gateway to an IPv4 destination",
            ROUTE,
            {
                "routeTableId": table,
                "destinationCidrBlock": "10.1.0.0/16",
                "egressOnlyGatewayId": "eigw-0123456789abcdef0",
            },
        ),
        (
            "rule: a host address as source",
            RULE,
            {
                "securityGroupId": group,
                "ipProtocol": "tcp",
                "fromPort": 5432,
                "toPort": 5432,
                "cidrIpv4": "10.1.0.1/16",
            },
        ),
        (
            "rule: a port out of range",
            RULE,
            {
                "securityGroupId": group,
                "ipProtocol": "tcp",
                "fromPort": 5432,
                "toPort": 70000,
                "cidrIpv4": "10.1.0.0/16",
            },
        ),
        ("rule: no source", RULE, {"securityGroupId": group, "ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432}),
        ("rule: no protocol", RULE, {"securityGroupId": group, "cidrIpv4": "10.1.0.0/16"}),
        ("vpc: a /8", VPC, {"cidrBlock": "10.0.0.0/8"}),
        ("vpc: a host address", VPC, {"cidrBlock": "10.0.0.1/16"}),
        ("vpc: host tenancy", VPC, {"cidrBlock": "10.60.0.0/16", "instanceTenancy": "host"}),
        ("subnet: a host address", SUBNET, {"vpcId": vpc, "cidrBlock": "10.50.9.1/24"}),
        ("subnet: no VPC", SUBNET, {"cidrBlock": "10.50.9.0/24"}),
        ("association: no subnet", ASSOCIATION, {"routeTableId": table}),
        ("security group: a name starting sg-", GROUP, {"name": "sg-app", "vpcId": vpc}),
        ("security group: a description of 256 bytes", GROUP, {"vpcId": vpc, "description": "d" * 256}),
        ("tag: no value", TAG, {"resourceId": vpc, "key": "k"}),
        ("peering: no peer VPC", PCX, {"vpcId": vpc}),
    ]
    for label, token, news in cases:
        side.check(token, "bad", news, label=f"check {label}")


def defaults(side: Side) -> None:
    """What Check adds: defaults, autonames, region, tagsAll."""
    vpc = side.world["vpc"]
    side.check(GROUP, "web", {"vpcId": vpc}, label="check security group: autoname, description, region, tagsAll")
    side.check(
        GROUP,
        "web",
        {"vpcId": vpc, "name": "web", "tags": {"Name": "web", "env": "prod"}},
        label="check security group: a name, tags repeating a default tag",
    )
    side.check(VPC, "net", {"cidrBlock": "10.70.0.0/16"}, label="check vpc: defaults")
    side.check(VPC, "net", {"cidrBlock": "10.70.0.0/16", "region": "eu-west-1"}, label="check vpc: a region of its own")
    side.check(
        RULE,
        "db",
        {
            "securityGroupId": side.world["sg"],
            "ipProtocol": "tcp",
            "fromPort": 5432,
            "toPort": 5432,
            "cidrIpv4": "10.1.0.0/16",
            "tags": {"Name": "db"},
        },
        label="check rule (a framework resource)",
    )
    side.check(
        PCX,
        "pcx",
        {"vpcId": vpc, "peerVpcId": side.world["peer-vpc"], "tags": {"owner": "me"}},
        label="check peering: a tag overriding a default tag",
    )


def peering(side: Side) -> None:
    """The project's peering: to Heroku's account in another region, accepted there, then changed and removed."""
    news = {
        "vpcId": side.world["vpc"],
        "peerVpcId": side.world["peer-vpc"],
        "peerOwnerId": HEROKU_ACCOUNT_ID,
        "peerRegion": side.info.space_region,
        "tags": {"Name": "conformance", "env": "prod"},  # env repeats a default tag
    }
    inputs = side.check(PCX, "pcx", news)
    if side.create(PCX, "pcx", inputs) is None:
        return
    side.diff("pcx", news, "diff: the same inputs after create")
    side.refresh("pcx", "refresh: pending acceptance")
    side.diff("pcx", news, "diff: the same inputs after refresh")
    side.update(
        "pcx",
        {**news, "requester": {"allowRemoteVpcDnsResolution": True}},
        "update: requester DNS option while pending",
    )
    side.accept_as_heroku("pcx")
    side.refresh("pcx", "refresh: accepted by Heroku")
    side.diff("pcx", news, "diff: the same inputs after acceptance")
    side.update("pcx", {**news, "tags": {"Name": "renamed"}}, "update: tags")
    side.diff("pcx", {**news, "region": "eu-west-1"}, "diff: another region")
    side.diff("pcx", {**news, "region": side.info.region}, "diff: the provider's region spelt out")
    side.diff("pcx", {**news, "peerRegion": "eu-west-1"}, "diff: another peer region")
    pcx_id = side.resources["pcx"].id
    side.import_(PCX, "imported", pcx_id, "import by id")
    side.import_(PCX, "imported-region", f"{pcx_id}@{side.info.region}", "import by id@region")
    side.import_(PCX, "imported-missing", "pcx-0123456789abcdef0", "import of a peering that does not exist")
    side.ec2.create_tags(Resources=[pcx_id], Tags=[{"Key": "edited", "Value": "by hand"}])
    side.refresh("pcx", "refresh: a tag added by hand")
    side.ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    side.refresh("pcx", "refresh: deleted out of band")
    for name in ("imported", "imported-region"):
        side.resources.pop(name, None)  # the same peering: gone with it


def same_account(side: Side) -> None:
    """A peering in one account: auto_accept, the DNS options, auto_accept turned on later."""
    news = {
        "vpcId": side.world["vpc"],
        "peerVpcId": side.world["other-vpc"],
        "autoAccept": True,
        "requester": {"allowRemoteVpcDnsResolution": True},
    }
    side.make(PCX, "auto", news)
    side.update("auto", {**news, "accepter": {"allowRemoteVpcDnsResolution": True}}, "update: accepter DNS option")
    side.refresh("auto", "refresh: both options on")
    side.delete("auto", "delete auto")
    later = {"vpcId": side.world["vpc"], "peerVpcId": side.world["other-vpc"]}
    side.make(PCX, "later", later)
    side.update("later", {**later, "autoAccept": True}, "update: auto_accept turned on")
    side.make(PCX, "second", later)  # AWS allows one live peering between two VPCs


def route(side: Side) -> None:
    """A route to the peering: made while the peering waits for Heroku (blackhole), then active, then orphaned."""
    peering = {
        "vpcId": side.world["vpc"],
        "peerVpcId": side.world["peer-vpc"],
        "peerOwnerId": HEROKU_ACCOUNT_ID,
        "peerRegion": side.info.space_region,
    }
    if side.make(PCX, "pcx", peering) is None:
        return
    table = side.world["rtb"]
    news = {
        "routeTableId": table,
        "destinationCidrBlock": "10.1.0.0/16",
        "vpcPeeringConnectionId": side.resources["pcx"].id,
    }
    side.make(ROUTE, "route", news, timeout=120)
    side.accept_as_heroku("pcx")
    side.refresh("route", "refresh: the peering accepted")
    side.diff("route", news, "diff: the same inputs")
    side.make(ROUTE, "again", news)
    side.ec2.create_route(
        RouteTableId=table, DestinationCidrBlock="10.2.0.0/16", VpcPeeringConnectionId=side.resources["pcx"].id
    )
    side.import_(ROUTE, "imported", f"{table}_10.2.0.0/16", "import ROUTETABLEID_DESTINATION")
    side.import_(ROUTE, "imported-region", f"{table}_10.2.0.0/16@{side.info.region}", "import with @region")
    side.import_(ROUTE, "malformed", table, "import of a malformed id")
    side.make(PCX, "other", {"vpcId": side.world["vpc"], "peerVpcId": side.world["other-vpc"], "autoAccept": True})
    if "other" in side.resources:
        side.update("route", {**news, "vpcPeeringConnectionId": side.resources["other"].id}, "update: another peering")
    side.ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=side.resources.get("other", side.resources["pcx"]).id)
    side.refresh("route", "refresh: its peering deleted out of band")
    side.diff("route", {**news, "vpcPeeringConnectionId": side.resources["pcx"].id}, "diff: back to the first peering")
    side.update("route", news, "update: back to the first peering")
    side.delete("route")
    side.delete("route", "delete again (gone)")
    side.ec2.delete_route(RouteTableId=table, DestinationCidrBlock="10.2.0.0/16")
    for name in ("imported", "imported-region"):
        side.resources.pop(name, None)


def ingress_rule(side: Side) -> None:
    """The security-group rule the project makes for the space's ranges (a Plugin Framework resource)."""
    group = side.world["sg"]
    news = {
        "securityGroupId": group,
        "ipProtocol": "tcp",
        "fromPort": 5432,
        "toPort": 5432,
        "cidrIpv4": "10.1.0.0/16",
        "description": "Heroku dynos",
        "tags": {"Name": "db", "env": "prod"},
    }
    if side.make(RULE, "rule", news) is None:
        return
    side.refresh("rule", "refresh")
    side.diff("rule", news, "diff: the same inputs")
    side.diff("rule", {**news, "ipProtocol": "6"}, "diff: protocol 6 for tcp")
    side.update("rule", {**news, "description": "changed"}, "update: description")
    side.diff("rule", {**news, "securityGroupId": side.world.get("sg")}, "diff: same group")
    side.make(RULE, "all", {"securityGroupId": group, "ipProtocol": "-1", "cidrIpv4": "10.9.0.0/16"})
    side.refresh("all", "refresh: all traffic, no ports")
    rule_id = side.resources["rule"].id
    side.import_(RULE, "imported", rule_id, "import by id")
    side.ec2.revoke_security_group_ingress(GroupId=group, SecurityGroupRuleIds=[rule_id])
    side.refresh("rule", "refresh: revoked out of band")
    side.delete("all")
    side.delete("all", "delete again (gone)")
    side.resources.pop("imported", None)


def ec2_tag(side: Side) -> None:
    vpc = side.world["vpc"]
    news = {"resourceId": vpc, "key": "marker", "value": "one"}
    if side.make(TAG, "tag", news, timeout=300) is None:
        return
    side.ec2.create_tags(Resources=[vpc], Tags=[{"Key": "marker", "Value": "by hand"}])
    side.refresh("tag", "refresh: changed by hand")
    side.update("tag", {**news, "value": "two"}, "update: value", timeout=300)
    side.import_(TAG, "imported", f"{vpc},marker", "import resource,key")
    side.import_(TAG, "malformed", vpc, "import of a malformed id")
    side.make(TAG, "missing", {"resourceId": "vpc-0123456789abcdef0", "key": "k", "value": "v"})
    side.delete("tag", timeout=300)
    side.refresh("tag", "refresh: deleted")
    side.resources.pop("imported", None)


def network(side: Side) -> None:
    """The types the example program makes around the peering."""
    if side.make(VPC, "net", {"cidrBlock": "10.80.0.0/16", "tags": {"Name": "net"}}) is None:
        return
    net = side.resources["net"].id
    side.diff(
        "net",
        {"cidrBlock": "10.80.0.0/16", "tags": {"Name": "net"}, "instanceTenancy": "dedicated"},
        "diff vpc: dedicated tenancy",
    )
    side.update(
        "net",
        {"cidrBlock": "10.80.0.0/16", "tags": {"Name": "net"}, "enableDnsHostnames": True},
        "update vpc: DNS hostnames",
    )
    side.make(SUBNET, "subnet", {"vpcId": net, "cidrBlock": "10.80.1.0/24", "availabilityZone": "us-east-1a"})
    side.make(TABLE, "table", {"vpcId": net, "tags": {"Name": "private"}})
    side.make(TABLE, "table2", {"vpcId": net})
    if "subnet" in side.resources and "table" in side.resources:
        association = {"subnetId": side.resources["subnet"].id, "routeTableId": side.resources["table"].id}
        side.make(ASSOCIATION, "association", association)
        if "table2" in side.resources:
            side.update(
                "association",
                {**association, "routeTableId": side.resources["table2"].id},
                "update association: another table",
            )
    side.make(GROUP, "group", {"vpcId": net, "tags": {"Name": "app"}})
    side.make(GROUP, "named", {"vpcId": net, "name": "named", "revokeRulesOnDelete": True})
    side.import_(VPC, "imported", net, "import vpc")
    side.import_(
        GROUP, "imported-group", side.resources.get("group", Resource("", "sg-0", {}, {})).id, "import security group"
    )
    side.resources.pop("imported", None)
    side.resources.pop("imported-group", None)
    if "group" in side.resources and "named" in side.resources:
        group, named = side.resources["group"].id, side.resources["named"].id
        side.ec2.authorize_security_group_ingress(
            GroupId=named,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": group}]}
            ],
        )
        # The group is in use while another group's rule names it: the delete retries until that rule goes.
        revoke = threading.Timer(3.0, lambda: _revoke_all(side.ec2, named))
        revoke.start()
        side.delete("group", "delete security group: in use for 3 seconds")
        revoke.join()


def _revoke_all(ec2: Any, group: str) -> None:
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    ingress = [rule["SecurityGroupRuleId"] for rule in rules if not rule["IsEgress"]]
    if ingress:
        ec2.revoke_security_group_ingress(GroupId=group, SecurityGroupRuleIds=ingress)


def functions(side: Side) -> None:
    vpc, table, group = side.world["vpc"], side.world["rtb"], side.world["sg"]
    ec2 = side.ec2
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=side.world["other-vpc"])["VpcPeeringConnection"]
    pcx_id = side.name("fn-pcx", pcx["VpcPeeringConnectionId"])
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="192.168.0.0/16", VpcPeeringConnectionId=pcx_id)
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}],
    )
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
    rule_id = side.name("fn-rule", next(r["SecurityGroupRuleId"] for r in rules if not r["IsEgress"]))
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("getRegion", "aws:index/getRegion:getRegion", {}),
        ("getRegion: another region", "aws:index/getRegion:getRegion", {"region": "eu-west-1"}),
        ("getVpc", "aws:ec2/getVpc:getVpc", {"id": vpc}),
        ("getVpc: missing", "aws:ec2/getVpc:getVpc", {"id": "vpc-0123456789abcdef0"}),
        ("getRouteTables", "aws:ec2/getRouteTables:getRouteTables", {"vpcId": vpc}),
        ("getRouteTable", "aws:ec2/getRouteTable:getRouteTable", {"routeTableId": table}),
        ("getRouteTable: missing", "aws:ec2/getRouteTable:getRouteTable", {"routeTableId": "rtb-0123456789abcdef0"}),
        ("getSecurityGroup", "aws:ec2/getSecurityGroup:getSecurityGroup", {"id": group}),
        ("getSecurityGroup: missing", "aws:ec2/getSecurityGroup:getSecurityGroup", {"id": "sg-0123456789abcdef0"}),
        (
            "getSecurityGroupRules",
            "aws:vpc/getSecurityGroupRules:getSecurityGroupRules",
            {"filters": [{"name": "group-id", "values": [group]}]},
        ),
        ("getSecurityGroupRule", "aws:vpc/getSecurityGroupRule:getSecurityGroupRule", {"securityGroupRuleId": rule_id}),
        (
            "getSecurityGroupRule: missing",
            "aws:vpc/getSecurityGroupRule:getSecurityGroupRule",
            {"securityGroupRuleId": "sgr-0123456789abcdef0"},
        ),
        (
            "getVpcPeeringConnections: by requester VPC",
            "aws:ec2/getVpcPeeringConnections:getVpcPeeringConnections",
            {"filters": [{"name": "requester-vpc-info.vpc-id", "values": [vpc]}]},
        ),
        (
            "getVpcPeeringConnections: active only",
            "aws:ec2/getVpcPeeringConnections:getVpcPeeringConnections",
            {
                "filters": [
                    {"name": "requester-vpc-info.vpc-id", "values": [vpc]},
                    {"name": "status-code", "values": ["active"]},
                ]
            },
        ),
        (
            "getVpcPeeringConnections: an unknown VPC",
            "aws:ec2/getVpcPeeringConnections:getVpcPeeringConnections",
            {"filters": [{"name": "requester-vpc-info.vpc-id", "values": ["vpc-0123456789abcdef0"]}]},
        ),
        ("getVpcPeeringConnection", "aws:ec2/getVpcPeeringConnection:getVpcPeeringConnection", {"id": pcx_id}),
        (
            "getVpcPeeringConnection: missing",
            "aws:ec2/getVpcPeeringConnection:getVpcPeeringConnection",
            {"id": "pcx-0123456789abcdef0"},
        ),
    ]
    for label, token, args in calls:
        side.invoke(token, args, label)
    ec2.delete_route(RouteTableId=table, DestinationCidrBlock="192.168.0.0/16")
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)


def timeouts(side: Side) -> None:
    """customTimeouts: honoured by types with timeouts, a warning from the others."""
    side.make(VPC, "vpc", {"cidrBlock": "10.90.0.0/16"}, timeout=300)
    side.make(
        ROUTE,
        "to-missing-gateway",
        {
            "routeTableId": side.world["rtb"],
            "destinationCidrBlock": "10.91.0.0/16",
            "gatewayId": "igw-0123456789abcdef0",
        },
        timeout=5,
    )
    side.delete("vpc", timeout=300)


SCENARIOS: dict[str, Callable[[Side], None]] = {
    "provider": provider,
    "validation": validation,
    "defaults": defaults,
    "peering": peering,
    "peering in one account": same_account,
    "route": route,
    "ingress rule": ingress_rule,
    "ec2 tag": ec2_tag,
    "network types": network,
    "functions": functions,
    "custom timeouts": timeouts,
}
