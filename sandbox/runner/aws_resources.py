"""The pulumi-aws resources programs make, carried out as EC2 calls against moto, as pulumi-aws would.

pulumi-aws is a bridge over terraform-provider-aws: whether a change is made in place or forces a
replacement, and which EC2 calls each step makes, come from that provider's schema and CRUD code.
Each ``AwsType`` below cites the file it copies (hashicorp/terraform-provider-aws,
``internal/service/ec2/``). An input the table does not know is an error, never a guess.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ..errors import SandboxError

Inputs = Mapping[str, Any]
Outputs = dict[str, Any]


class UnsupportedByRunner(SandboxError):
    """The program uses a type, lookup or input the sandbox runner does not model."""


def check_inputs(type_: str, inputs: Inputs, known: frozenset[str]) -> None:
    unknown = sorted(key for key, value in inputs.items() if key not in known and value is not None)
    if unknown:
        raise UnsupportedByRunner(f"{type_}: the sandbox runner does not model the inputs {unknown}")


def aws_tags(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in sorted((tags or {}).items())]


def _tag_map(described: list[dict[str, str]] | None) -> dict[str, str]:
    return {tag["Key"]: tag["Value"] for tag in described or []}


def not_found(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    return "NotFound" in code or code.endswith(".Malformed")


def described(call: Callable[..., Any], key: str, **kwargs: Any) -> list[dict[str, Any]]:
    """A Describe call's list; "not found" (an id AWS does not know, any more) is an empty one."""
    try:
        return list(call(**kwargs)[key])
    except ClientError as error:
        if not_found(error):
            return []
        raise


def update_tags(ec2: Any, resource_id: str, olds: Inputs, news: Inputs) -> None:
    """terraform-provider-aws ``UpdateTags``: DeleteTags for removed keys, CreateTags for new or changed."""
    old_tags, new_tags = dict(olds.get("tags") or {}), dict(news.get("tags") or {})
    removed = [{"Key": key} for key in old_tags if key not in new_tags]
    if removed:
        ec2.delete_tags(Resources=[resource_id], Tags=removed)
    changed = {key: value for key, value in new_tags.items() if old_tags.get(key) != value}
    if changed:
        ec2.create_tags(Resources=[resource_id], Tags=aws_tags(changed))


@dataclass(frozen=True)
class AwsType:
    """One pulumi-aws type: which inputs force a replacement, which change in place, and its EC2 calls."""

    token: str
    source: str  # the terraform-provider-aws file whose schema and CRUD this copies
    force_new: frozenset[str]  # ForceNew / RequiresReplace in that schema
    in_place: frozenset[str]  # updated by the Update function
    create: Callable[[Any, Inputs], tuple[str, Outputs]]
    read: Callable[[Any, str, Inputs], Outputs | None]
    update: Callable[[Any, str, Inputs, Inputs], Outputs]
    delete: Callable[[Any, str, Inputs], None]
    find: Callable[[Any, Inputs], str | None]  # a live resource matching these inputs (interrupted creates)
    import_read: Callable[[Any, str], tuple[str, Outputs] | None] | None = None  # the TF importer: id -> live
    computed: frozenset[str] = frozenset()  # Optional+Computed inputs: unset in the program is no difference
    autoname: str | None = None  # the input pulumi-aws's Check fills with "<resource name>-<7 hex>" when unset
    delete_before_replace: bool = False

    @property
    def known(self) -> frozenset[str]:
        return self.force_new | self.in_place

    def changed(self, olds: Inputs, live: Inputs, news: Inputs) -> list[str]:
        """Inputs whose new value differs from the last known one (live outputs first, as after a refresh).

        Like the bridge, an Optional+Computed input the program leaves unset is not a difference.
        """
        keys = {k for k in (set(news) | set(olds)) & self.known if not (k in self.computed and news.get(k) is None)}
        return sorted(k for k in keys if news.get(k) != live.get(k, olds.get(k)))

    def replaces(self, changed: list[str]) -> list[str]:
        return [key for key in changed if key in self.force_new]


# -- aws_vpc_peering_connection: internal/service/ec2/vpc_peering_connection.go ---------------------
# Schema: vpc_id, peer_vpc_id, peer_owner_id, peer_region ForceNew; tags and auto_accept in place
# (Update: UpdateTags on tags_all). Read treats the states below as gone. Delete: NotFound and
# "InvalidStateTransition ... to deleting" (a failed peering) are success.
GONE_PCX_STATES = ("deleted", "deleting", "failed", "rejected", "expired")


def _pcx_create(ec2: Any, inputs: Inputs) -> tuple[str, Outputs]:
    if inputs.get("autoAccept"):
        raise UnsupportedByRunner("VpcPeeringConnection: auto_accept is not possible across accounts")
    kwargs: dict[str, Any] = {"VpcId": inputs["vpcId"], "PeerVpcId": inputs["peerVpcId"]}
    if inputs.get("peerOwnerId"):
        kwargs["PeerOwnerId"] = inputs["peerOwnerId"]
    if inputs.get("peerRegion"):
        kwargs["PeerRegion"] = inputs["peerRegion"]
    if inputs.get("tags"):
        kwargs["TagSpecifications"] = [{"ResourceType": "vpc-peering-connection", "Tags": aws_tags(inputs["tags"])}]
    pcx = ec2.create_vpc_peering_connection(**kwargs)["VpcPeeringConnection"]
    pcx_id = pcx["VpcPeeringConnectionId"]
    _pcxs(ec2, pcx_id)  # WaitVPCPeeringConnectionActive: moto answers pending-acceptance at once
    return pcx_id, _pcx_read(ec2, pcx_id, inputs) or {
        **inputs,
        "acceptStatus": pcx["Status"]["Code"],
        "tagsAll": dict(inputs.get("tags") or {}),
    }


def _pcxs(ec2: Any, pcx_id: str) -> list[dict[str, Any]]:
    return described(ec2.describe_vpc_peering_connections, "VpcPeeringConnections", VpcPeeringConnectionIds=[pcx_id])


def _pcx_read(ec2: Any, pcx_id: str, inputs: Inputs) -> Outputs | None:
    found = _pcxs(ec2, pcx_id)
    if not found or found[0]["Status"]["Code"] in GONE_PCX_STATES:
        return None
    pcx = found[0]
    tags = _tag_map(pcx.get("Tags"))
    return {**inputs, "acceptStatus": pcx["Status"]["Code"], "tags": tags, "tagsAll": tags}


def _pcx_update(ec2: Any, pcx_id: str, olds: Inputs, news: Inputs) -> Outputs:
    _pcxs(ec2, pcx_id)  # Update starts with FindVPCPeeringConnectionByID
    update_tags(ec2, pcx_id, olds, news)
    return _pcx_read(ec2, pcx_id, news) or {**news}


def _pcx_delete(ec2: Any, pcx_id: str, _inputs: Inputs) -> None:
    try:
        ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", "")
        if not (not_found(error) or ("InvalidStateTransition" in str(error) and "to deleting" in message)):
            raise
        return
    _pcxs(ec2, pcx_id)  # WaitVPCPeeringConnectionDeleted: moto deletes at once


def _pcx_import(ec2: Any, pcx_id: str) -> tuple[str, Outputs] | None:
    """Read as the requester (ImportStatePassthrough, then Read)."""
    found = _pcxs(ec2, pcx_id)
    if not found or found[0]["Status"]["Code"] in GONE_PCX_STATES:
        return None
    pcx = found[0]
    tags = _tag_map(pcx.get("Tags")) or None
    return pcx_id, {
        "vpcId": pcx["RequesterVpcInfo"]["VpcId"],
        "peerVpcId": pcx["AccepterVpcInfo"]["VpcId"],
        "peerOwnerId": pcx["AccepterVpcInfo"]["OwnerId"],
        "peerRegion": pcx["AccepterVpcInfo"].get("Region"),
        "tags": tags,
        "acceptStatus": pcx["Status"]["Code"],
        "tagsAll": tags or {},
    }


def _pcx_find(ec2: Any, inputs: Inputs) -> str | None:
    filters = [
        {"Name": "requester-vpc-info.vpc-id", "Values": [inputs["vpcId"]]},
        {"Name": "accepter-vpc-info.vpc-id", "Values": [inputs["peerVpcId"]]},
    ]
    found = ec2.describe_vpc_peering_connections(Filters=filters)["VpcPeeringConnections"]
    wanted = dict(inputs.get("tags") or {})
    for pcx in found:
        if pcx["Status"]["Code"] not in GONE_PCX_STATES and _tag_map(pcx.get("Tags")) == wanted:
            return str(pcx["VpcPeeringConnectionId"])
    return None


# -- aws_route: internal/service/ec2/vpc_route.go ---------------------------------------------------
# Schema: route_table_id and destination_cidr_block ForceNew; the target (vpc_peering_connection_id)
# is updated in place with ReplaceRoute. Id: RouteCreateID = "r-" + table + hashcode(destination),
# hashcode being crc32 (internal/create.StringHashcode). Delete: InvalidRoute.NotFound is success.


def route_id(table_id: str, destination: str) -> str:
    return f"r-{table_id}{zlib.crc32(destination.encode())}"


def _route_create(ec2: Any, inputs: Inputs) -> tuple[str, Outputs]:
    """CreateRoute, then WaitRouteReady and Read (both DescribeRouteTables)."""
    ec2.create_route(
        RouteTableId=inputs["routeTableId"],
        DestinationCidrBlock=inputs["destinationCidrBlock"],
        VpcPeeringConnectionId=inputs["vpcPeeringConnectionId"],
    )
    id_ = route_id(inputs["routeTableId"], inputs["destinationCidrBlock"])
    find_route(ec2, inputs["routeTableId"], inputs["destinationCidrBlock"])
    return id_, _route_read(ec2, id_, inputs) or {**inputs, "state": "active", "origin": "CreateRoute"}


def find_route(ec2: Any, table_id: str, destination: str) -> dict[str, Any] | None:
    tables = described(ec2.describe_route_tables, "RouteTables", RouteTableIds=[table_id])
    for route in tables[0]["Routes"] if tables else []:
        if route.get("DestinationCidrBlock") == destination:
            return dict(route)
    return None


def _route_read(ec2: Any, _id: str, inputs: Inputs) -> Outputs | None:
    route = find_route(ec2, inputs["routeTableId"], inputs["destinationCidrBlock"])
    if route is None:
        return None
    return {
        **inputs,
        "vpcPeeringConnectionId": route.get("VpcPeeringConnectionId"),
        "state": route.get("State", "active"),
        "origin": route.get("Origin", "CreateRoute"),
    }


def _route_update(ec2: Any, id_: str, _olds: Inputs, news: Inputs) -> Outputs:
    """ReplaceRoute, then WaitRouteReady and Read (both DescribeRouteTables)."""
    ec2.replace_route(
        RouteTableId=news["routeTableId"],
        DestinationCidrBlock=news["destinationCidrBlock"],
        VpcPeeringConnectionId=news["vpcPeeringConnectionId"],
    )
    find_route(ec2, news["routeTableId"], news["destinationCidrBlock"])
    return _route_read(ec2, id_, news) or {**news}


def _route_delete(ec2: Any, _id: str, inputs: Inputs) -> None:
    """DeleteRoute (InvalidRoute.NotFound is success), then WaitRouteDeleted (DescribeRouteTables)."""
    try:
        ec2.delete_route(RouteTableId=inputs["routeTableId"], DestinationCidrBlock=inputs["destinationCidrBlock"])
    except ClientError as error:
        if not not_found(error):
            raise
        return
    find_route(ec2, inputs["routeTableId"], inputs["destinationCidrBlock"])


def _route_import(ec2: Any, import_id: str) -> tuple[str, Outputs] | None:
    """resourceRouteImport: ``ROUTETABLEID_DESTINATION``."""
    table_id, separator, destination = import_id.partition("_")
    if not separator or not table_id or not destination:
        raise UnsupportedByRunner(f"route import id {import_id!r}: expected ROUTETABLEID_DESTINATION")
    route = find_route(ec2, table_id, destination)
    if route is None:
        return None
    inputs = {"routeTableId": table_id, "destinationCidrBlock": destination}
    if route.get("VpcPeeringConnectionId"):
        inputs["vpcPeeringConnectionId"] = route["VpcPeeringConnectionId"]
    return route_id(table_id, destination), {**inputs, "state": route.get("State"), "origin": route.get("Origin")}


def _route_find(ec2: Any, inputs: Inputs) -> str | None:
    route = find_route(ec2, inputs["routeTableId"], inputs["destinationCidrBlock"])
    if route is None or route.get("VpcPeeringConnectionId") != inputs.get("vpcPeeringConnectionId"):
        return None
    return route_id(inputs["routeTableId"], inputs["destinationCidrBlock"])


# -- aws_vpc_security_group_ingress_rule: internal/service/ec2/vpc_security_group_ingress_rule.go ---
# Schema: only security_group_id RequiresReplace; cidr_ipv4, description, from_port, ip_protocol and
# to_port change in place with ModifySecurityGroupRules, tags with UpdateTags. Delete:
# InvalidGroup.NotFound and InvalidSecurityGroupRuleId.NotFound are success.


def _permission(inputs: Inputs) -> dict[str, Any]:
    rule: dict[str, Any] = {"IpProtocol": inputs["ipProtocol"], "CidrIpv4": inputs["cidrIpv4"]}
    if inputs.get("description"):
        rule["Description"] = inputs["description"]
    if inputs.get("fromPort") is not None:
        rule["FromPort"] = int(inputs["fromPort"])
        rule["ToPort"] = int(inputs["toPort"])
    return rule


def _rule_create(ec2: Any, inputs: Inputs) -> tuple[str, Outputs]:
    rule = _permission(inputs)
    ip_range = {"CidrIp": rule.pop("CidrIpv4")}
    if "Description" in rule:
        ip_range["Description"] = rule.pop("Description")
    kwargs: dict[str, Any] = {"GroupId": inputs["securityGroupId"], "IpPermissions": [{**rule, "IpRanges": [ip_range]}]}
    if inputs.get("tags"):
        kwargs["TagSpecifications"] = [{"ResourceType": "security-group-rule", "Tags": aws_tags(inputs["tags"])}]
    created = ec2.authorize_security_group_ingress(**kwargs)["SecurityGroupRules"][0]
    rule_id = created["SecurityGroupRuleId"]
    return rule_id, {**inputs, "securityGroupRuleId": rule_id}


def _described_rules(ec2: Any, group_id: str) -> list[dict[str, Any]]:
    filters = [{"Name": "group-id", "Values": [group_id]}]
    return described(ec2.describe_security_group_rules, "SecurityGroupRules", Filters=filters)


def _rule_import(ec2: Any, rule_id: str) -> tuple[str, Outputs] | None:
    found = described(ec2.describe_security_group_rules, "SecurityGroupRules", SecurityGroupRuleIds=[rule_id])
    if not found:
        return None
    outputs = _rule_read(ec2, rule_id, {"securityGroupId": found[0]["GroupId"]})
    return (rule_id, outputs) if outputs is not None else None


def _rule_read(ec2: Any, rule_id: str, inputs: Inputs) -> Outputs | None:
    for rule in _described_rules(ec2, inputs["securityGroupId"]):
        if rule["SecurityGroupRuleId"] == rule_id:
            live: Outputs = {
                **inputs,
                "securityGroupRuleId": rule_id,
                "ipProtocol": rule["IpProtocol"],
                "cidrIpv4": rule.get("CidrIpv4"),
                "description": rule.get("Description") or None,
                # as Read: no tags on either side stays null
                "tags": _tag_map(rule.get("Tags")) or ({} if inputs.get("tags") else None),
            }
            if inputs.get("fromPort") is not None or rule.get("FromPort", -1) != -1:  # as Read: -1 stays null
                live["fromPort"], live["toPort"] = rule.get("FromPort"), rule.get("ToPort")
            return live
    return None


def _rule_update(ec2: Any, rule_id: str, olds: Inputs, news: Inputs) -> Outputs:
    if any(olds.get(k) != news.get(k) for k in ("cidrIpv4", "description", "fromPort", "ipProtocol", "toPort")):
        ec2.modify_security_group_rules(
            GroupId=news["securityGroupId"],
            SecurityGroupRules=[{"SecurityGroupRuleId": rule_id, "SecurityGroupRule": _permission(news)}],
        )
    update_tags(ec2, rule_id, olds, news)
    return _rule_read(ec2, rule_id, news) or {**news, "securityGroupRuleId": rule_id}


def _rule_delete(ec2: Any, rule_id: str, inputs: Inputs) -> None:
    try:
        ec2.revoke_security_group_ingress(GroupId=inputs["securityGroupId"], SecurityGroupRuleIds=[rule_id])
    except ClientError as error:
        if not not_found(error):
            raise


def same_rule(rule: Mapping[str, Any], inputs: Inputs) -> bool:
    """What AWS calls a duplicate: protocol, ports and source, whatever the description."""
    ports = (rule.get("FromPort"), rule.get("ToPort"))
    wanted = (inputs.get("fromPort"), inputs.get("toPort")) if inputs.get("fromPort") is not None else (-1, -1)
    return (
        not rule.get("IsEgress")
        and rule.get("IpProtocol") == inputs["ipProtocol"]
        and rule.get("CidrIpv4") == inputs["cidrIpv4"]
        and ports == wanted
    )


def _rule_find(ec2: Any, inputs: Inputs) -> str | None:
    for rule in _described_rules(ec2, inputs["securityGroupId"]):
        if same_rule(rule, inputs):
            return str(rule["SecurityGroupRuleId"])
    return None


# -- aws_ec2_tag: internal/service/ec2/tag.go --------------------------------------------------------
# Schema: resource_id and key ForceNew, value in place (CreateTags); id "resource_id,key".


def _tag_create(ec2: Any, inputs: Inputs) -> tuple[str, Outputs]:
    """CreateTags, then waits until DescribeTags finds the tag, then Read."""
    ec2.create_tags(Resources=[inputs["resourceId"]], Tags=[{"Key": inputs["key"], "Value": inputs["value"]}])
    id_ = f"{inputs['resourceId']},{inputs['key']}"
    return id_, _tag_read(ec2, id_, inputs) or dict(inputs)


def _tag_read(ec2: Any, _id: str, inputs: Inputs) -> Outputs | None:
    filters = [
        {"Name": "resource-id", "Values": [inputs["resourceId"]]},
        {"Name": "key", "Values": [inputs["key"]]},
    ]
    found = ec2.describe_tags(Filters=filters)["Tags"]
    return {**inputs, "value": found[0]["Value"]} if found else None


def _tag_update(ec2: Any, id_: str, _olds: Inputs, news: Inputs) -> Outputs:
    return _tag_create(ec2, news)[1]


def _tag_delete(ec2: Any, _id: str, inputs: Inputs) -> None:
    ec2.delete_tags(Resources=[inputs["resourceId"]], Tags=[{"Key": inputs["key"]}])


def _tag_find(ec2: Any, inputs: Inputs) -> str | None:
    found = _tag_read(ec2, "", inputs)
    return f"{inputs['resourceId']},{inputs['key']}" if found and found["value"] == inputs["value"] else None


# -- the network a program may make around the peering ---------------------------------------------
# aws_vpc (vpc.go): cidr_block and instance_tenancy ForceNew; DNS attributes and tags in place.
# aws_subnet (vpc_subnet.go): vpc_id, cidr_block, availability_zone ForceNew; tags in place.
# aws_route_table (vpc_route_table.go): vpc_id ForceNew; tags in place (inline routes not modelled).
# aws_route_table_association (vpc_route_table_association.go): subnet_id ForceNew; route_table_id in place
#   (ReplaceRouteTableAssociation).
# aws_security_group (vpc_security_group.go): name, description, vpc_id ForceNew; tags in place; after
#   CreateSecurityGroup the provider revokes AWS's default allow-all egress rule (no `egress` given).


def _tagged(ec2: Any, resource_id: str, inputs: Inputs) -> None:
    if inputs.get("tags"):
        ec2.create_tags(Resources=[resource_id], Tags=aws_tags(inputs["tags"]))


def _vpc_create(ec2: Any, inputs: Inputs) -> tuple[str, Outputs]:
    vpc = ec2.create_vpc(CidrBlock=inputs["cidrBlock"])["Vpc"]
    vpc_id = vpc["VpcId"]
    for key, attribute in (("enableDnsHostnames", "EnableDnsHostnames"), ("enableDnsSupport", "EnableDnsSupport")):
        if inputs.get(key) is not None:
            ec2.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": bool(inputs[key])}})
    _tagged(ec2, vpc_id, inputs)
    return vpc_id, _vpc_read(ec2, vpc_id, inputs) or dict(inputs)


def _vpc_read(ec2: Any, vpc_id: str, inputs: Inputs) -> Outputs | None:
    vpcs = described(ec2.describe_vpcs, "Vpcs", VpcIds=[vpc_id])
    if not vpcs:
        return None
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    return {
        **inputs,
        "cidrBlock": vpcs[0]["CidrBlock"],
        "ownerId": vpcs[0].get("OwnerId"),
        "mainRouteTableId": tables[0]["RouteTableId"] if tables else None,
        "defaultSecurityGroupId": groups[0]["GroupId"] if groups else None,
        "tags": _tag_map(vpcs[0].get("Tags")) or None,
    }


def _vpc_update(ec2: Any, vpc_id: str, olds: Inputs, news: Inputs) -> Outputs:
    for key, attribute in (("enableDnsHostnames", "EnableDnsHostnames"), ("enableDnsSupport", "EnableDnsSupport")):
        if news.get(key) is not None and news.get(key) != olds.get(key):
            ec2.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": bool(news[key])}})
    update_tags(ec2, vpc_id, olds, news)
    return _vpc_read(ec2, vpc_id, news) or dict(news)


def _subnet_create(ec2: Any, inputs: Inputs) -> tuple[str, Outputs]:
    kwargs = {"VpcId": inputs["vpcId"], "CidrBlock": inputs["cidrBlock"]}
    if inputs.get("availabilityZone"):
        kwargs["AvailabilityZone"] = inputs["availabilityZone"]
    subnet = ec2.create_subnet(**kwargs)["Subnet"]
    _tagged(ec2, subnet["SubnetId"], inputs)
    return subnet["SubnetId"], {**inputs, "availabilityZone": subnet["AvailabilityZone"]}


def _subnet_read(ec2: Any, subnet_id: str, inputs: Inputs) -> Outputs | None:
    found = described(ec2.describe_subnets, "Subnets", SubnetIds=[subnet_id])
    if not found:
        return None
    subnet = found[0]
    return {**inputs, "availabilityZone": subnet["AvailabilityZone"], "tags": _tag_map(subnet.get("Tags")) or None}


def _table_create(ec2: Any, inputs: Inputs) -> tuple[str, Outputs]:
    table_id = ec2.create_route_table(VpcId=inputs["vpcId"])["RouteTable"]["RouteTableId"]
    _tagged(ec2, table_id, inputs)
    return table_id, dict(inputs)


def _table_read(ec2: Any, table_id: str, inputs: Inputs) -> Outputs | None:
    found = described(ec2.describe_route_tables, "RouteTables", RouteTableIds=[table_id])
    return {**inputs, "tags": _tag_map(found[0].get("Tags")) or None} if found else None


def _association_create(ec2: Any, inputs: Inputs) -> tuple[str, Outputs]:
    found = ec2.associate_route_table(RouteTableId=inputs["routeTableId"], SubnetId=inputs["subnetId"])
    return found["AssociationId"], dict(inputs)


def _association_read(ec2: Any, association_id: str, inputs: Inputs) -> Outputs | None:
    found = ec2.describe_route_tables(
        Filters=[{"Name": "association.route-table-association-id", "Values": [association_id]}]
    )
    for table in found["RouteTables"]:
        return {**inputs, "routeTableId": table["RouteTableId"]}
    return None


def _association_update(ec2: Any, association_id: str, _olds: Inputs, news: Inputs) -> Outputs:
    ec2.replace_route_table_association(AssociationId=association_id, RouteTableId=news["routeTableId"])
    return dict(news)


def _association_delete(ec2: Any, association_id: str, _inputs: Inputs) -> None:
    try:
        ec2.disassociate_route_table(AssociationId=association_id)
    except ClientError as error:
        if not not_found(error):
            raise


def _group_create(ec2: Any, inputs: Inputs) -> tuple[str, Outputs]:
    group_id = ec2.create_security_group(
        GroupName=inputs["name"], Description=inputs.get("description") or "Managed by Pulumi", VpcId=inputs["vpcId"]
    )["GroupId"]
    _tagged(ec2, group_id, inputs)
    default_egress = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=default_egress)
    return group_id, dict(inputs)


def _group_read(ec2: Any, group_id: str, inputs: Inputs) -> Outputs | None:
    found = described(ec2.describe_security_groups, "SecurityGroups", GroupIds=[group_id])
    return {**inputs, "tags": _tag_map(found[0].get("Tags")) or None} if found else None


def _deleter(call: str, key: str) -> Callable[[Any, str, Inputs], None]:
    def delete(ec2: Any, resource_id: str, _inputs: Inputs) -> None:
        try:
            getattr(ec2, call)(**{key: resource_id})
        except ClientError as error:
            if not not_found(error):
                raise

    return delete


def _tags_updater(read: Callable[[Any, str, Inputs], Outputs | None]) -> Callable[[Any, str, Inputs, Inputs], Outputs]:
    def update(ec2: Any, resource_id: str, olds: Inputs, news: Inputs) -> Outputs:
        update_tags(ec2, resource_id, olds, news)
        return read(ec2, resource_id, news) or dict(news)

    return update


def _never_found(_ec2: Any, _inputs: Inputs) -> str | None:
    """Nothing identifies such an object but its id: an interrupted create is reported, not adopted."""
    return None


AWS_TYPES: dict[str, AwsType] = {
    t.token: t
    for t in (
        AwsType(
            "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
            "vpc_peering_connection.go",
            frozenset({"vpcId", "peerVpcId", "peerOwnerId", "peerRegion"}),
            frozenset({"autoAccept", "tags"}),
            _pcx_create,
            _pcx_read,
            _pcx_update,
            _pcx_delete,
            _pcx_find,
            _pcx_import,
            frozenset({"peerOwnerId", "peerRegion"}),
        ),
        AwsType(
            "aws:ec2/route:Route",
            "vpc_route.go",
            frozenset({"routeTableId", "destinationCidrBlock"}),
            frozenset({"vpcPeeringConnectionId"}),
            _route_create,
            _route_read,
            _route_update,
            _route_delete,
            _route_find,
            _route_import,
        ),
        AwsType(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "vpc_security_group_ingress_rule.go",
            frozenset({"securityGroupId"}),
            frozenset({"ipProtocol", "cidrIpv4", "fromPort", "toPort", "description", "tags"}),
            _rule_create,
            _rule_read,
            _rule_update,
            _rule_delete,
            _rule_find,
            _rule_import,
        ),
        AwsType(
            "aws:ec2/vpc:Vpc",
            "vpc.go",
            frozenset({"cidrBlock", "instanceTenancy"}),
            frozenset({"enableDnsHostnames", "enableDnsSupport", "tags"}),
            _vpc_create,
            _vpc_read,
            _vpc_update,
            _deleter("delete_vpc", "VpcId"),
            _never_found,
        ),
        AwsType(
            "aws:ec2/subnet:Subnet",
            "vpc_subnet.go",
            frozenset({"vpcId", "cidrBlock", "availabilityZone"}),
            frozenset({"tags"}),
            _subnet_create,
            _subnet_read,
            _tags_updater(_subnet_read),
            _deleter("delete_subnet", "SubnetId"),
            _never_found,
            computed=frozenset({"availabilityZone"}),
        ),
        AwsType(
            "aws:ec2/routeTable:RouteTable",
            "vpc_route_table.go",
            frozenset({"vpcId"}),
            frozenset({"tags"}),
            _table_create,
            _table_read,
            _tags_updater(_table_read),
            _deleter("delete_route_table", "RouteTableId"),
            _never_found,
        ),
        AwsType(
            "aws:ec2/routeTableAssociation:RouteTableAssociation",
            "vpc_route_table_association.go",
            frozenset({"subnetId"}),
            frozenset({"routeTableId"}),
            _association_create,
            _association_read,
            _association_update,
            _association_delete,
            _never_found,
        ),
        AwsType(
            "aws:ec2/securityGroup:SecurityGroup",
            "vpc_security_group.go",
            frozenset({"name", "description", "vpcId"}),
            frozenset({"tags", "revokeRulesOnDelete"}),
            _group_create,
            _group_read,
            _tags_updater(_group_read),
            _deleter("delete_security_group", "GroupId"),
            _never_found,
            autoname="name",
        ),
        AwsType(
            "aws:ec2/tag:Tag",
            "tag.go",
            frozenset({"resourceId", "key"}),
            frozenset({"value"}),
            _tag_create,
            _tag_read,
            _tag_update,
            _tag_delete,
            _tag_find,
        ),
    )
}


def aws_type(token: str, inputs: Inputs) -> AwsType:
    found = AWS_TYPES.get(token)
    if found is None:
        raise UnsupportedByRunner(f"the sandbox runner does not model the resource type {token}")
    check_inputs(token, inputs, found.known)
    return found
