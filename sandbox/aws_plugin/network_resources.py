"""The network a program may make around the peering (``examples/vpc-and-peering``), as
terraform-provider-aws makes it (``internal/service/ec2/``):

- ``aws_vpc`` (vpc.go): ``cidr_block`` ForceNew; ``instance_tenancy`` (default "default") replaces,
  but for dedicated -> default, which Update makes with ModifyVpcTenancy (CustomizeDiff); the DNS
  attributes (``enable_dns_support`` default true) with ModifyVpcAttribute, one call each, made on
  create only where they differ from AWS's defaults; tags in place. Create passes tags in
  TagSpecifications.
- ``aws_subnet`` (vpc_subnet.go): ``vpc_id``, ``cidr_block``, ``availability_zone`` ForceNew
  (the zone Optional+Computed); tags in place.
- ``aws_route_table`` (vpc_route_table.go): ``vpc_id`` ForceNew; tags in place (inline routes not
  served). Delete disassociates every association first.
- ``aws_route_table_association`` (vpc_route_table_association.go): ``subnet_id`` ForceNew;
  ``route_table_id`` in place with ReplaceRouteTableAssociation, whose new association id
  becomes the resource's id.
- ``aws_security_group`` (vpc_security_group.go): ``name`` (autonamed), ``description`` (default
  "Managed by Pulumi"), ``vpc_id`` ForceNew; tags in place; after CreateSecurityGroup the
  provider revokes AWS's default allow-all egress rules (IPv4 and IPv6): a new group has no egress.
  Delete (``resourceSecurityGroupDelete``): with ``revoke_rules_on_delete`` the group's rules first;
  DeleteSecurityGroup retried on ``DependencyViolation`` and ``InvalidGroup.InUse`` for a minute, then
  (the rules revoked again) for the rest of the delete timeout (15 minutes); then until it is gone.

Validation as each schema has it: a VPC's ``cidr_block`` a network of /16 to /28 and
``instance_tenancy`` default or dedicated; a subnet's ``cidr_block`` an IPv4 network address; an
association's ``subnet_id`` (or ``gateway_id``, not served) exactly one; a security group's ``name``
and ``description`` up to 255 bytes, the name not starting "sg-". Timeouts: subnet create 10 minutes,
delete 20; route table and association create 5, update 2, delete 5; security group create 10,
delete 15; a VPC has none.

Deletes: each type's own NotFound code is done; anything else is an error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from .aws_errors import ProviderRefusal, error_code, reported, sdk_error_text
from .ec2_reads import described, retried, tag_outputs, tag_specifications, update_tags
from .ec2_session import Ec2Session
from .resource_type import Create, Delete, Read, ResourceType, Update
from .validation import Attr, all_of, cidr_network, ipv4_cidr_network, string_does_not_match, string_in, string_length
from .wire import Properties

VPC_NOT_FOUND = ("InvalidVpcID.NotFound",)
AWS_VPC_DEFAULTS = {"enableDnsHostnames": False, "enableDnsSupport": True}  # modifyVPCAttributesOnCreate
SUBNET_NOT_FOUND = ("InvalidSubnetID.NotFound",)
TABLE_NOT_FOUND = ("InvalidRouteTableID.NotFound",)
ASSOCIATION_NOT_FOUND = ("InvalidAssociationID.NotFound",)
GROUP_NOT_FOUND = ("InvalidGroup.NotFound",)
DNS_ATTRIBUTES = {"enableDnsHostnames": "EnableDnsHostnames", "enableDnsSupport": "EnableDnsSupport"}
VPC_ATTRIBUTES = {  # read after DescribeVpcs, in this order (awstypes.VpcAttributeName)
    "enableDnsHostnames": "enableDnsHostnames",
    "enableDnsSupport": "enableDnsSupport",
    "enableNetworkAddressUsageMetrics": "enableNetworkAddressUsageMetrics",
}


def _with_tags(session: Ec2Session, resource_type: str, inputs: Properties, request: dict[str, Any]) -> dict[str, Any]:
    specifications = tag_specifications(session, resource_type, inputs)
    return {**request, "TagSpecifications": specifications} if specifications else request


def _deleter(call: str, key: str, gone: tuple[str, ...], what: str) -> Delete:
    def delete(session: Ec2Session, resource_id: str, _olds: Properties) -> None:
        try:
            getattr(session.client, call)(**{key: resource_id})
        except ClientError as error:
            if error_code(error) in gone:
                return
            raise ProviderRefusal(f"deleting {what} ({resource_id}): {sdk_error_text(error)}") from None

    return delete


def _tags_updater(read: Read, what: str) -> Update:
    def update(session: Ec2Session, resource_id: str, olds: Properties, news: Properties) -> Properties:
        with reported(f"updating {what} ({resource_id}) tags"):
            update_tags(session, resource_id, olds, news)
        found = read(session, resource_id, news)
        return found if found is not None else dict(news)

    return update


def _importer(read: Read) -> Callable[[Ec2Session, str], tuple[str, Properties] | None]:
    def import_read(session: Ec2Session, resource_id: str) -> tuple[str, Properties] | None:
        found = read(session, resource_id, {})
        return (resource_id, found) if found is not None else None

    return import_read


# -- aws_vpc ---------------------------------------------------------------------------------------


def _vpc_create(session: Ec2Session, inputs: Properties) -> tuple[str, Properties]:
    request: dict[str, Any] = {
        "InstanceTenancy": inputs.get("instanceTenancy") or "default",
        "AmazonProvidedIpv6CidrBlock": False,
    }
    if inputs.get("cidrBlock"):
        request["CidrBlock"] = inputs["cidrBlock"]
    with reported("creating EC2 VPC"):
        vpc_id = str(session.client.create_vpc(**_with_tags(session, "vpc", inputs, request))["Vpc"]["VpcId"])
        for key, attribute in DNS_ATTRIBUTES.items():
            if inputs.get(key) is not None and bool(inputs[key]) != AWS_VPC_DEFAULTS[key]:
                session.client.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": bool(inputs[key])}})
    found = _vpc_read(session, vpc_id, inputs)
    return vpc_id, found if found is not None else dict(inputs)


def _vpc_read(session: Ec2Session, vpc_id: str, olds: Properties) -> Properties | None:
    """``resourceVPCFlatten``: the VPC, its three attributes (a failure is "reading EC2 VPC (...) Attribute
    (...)"), its default network ACL, main route table and default security group (each only logged when
    it cannot be read), its IPv6 association (none here: every IPv6 output empty)."""
    with reported(f"reading EC2 VPC ({vpc_id})"):
        vpcs = described(session.client.describe_vpcs, "Vpcs", VPC_NOT_FOUND, VpcIds=[vpc_id])
    if not vpcs:
        return None
    vpc = vpcs[0]
    attributes = {}
    for key, attribute in VPC_ATTRIBUTES.items():
        with reported(f"reading EC2 VPC ({vpc_id}) Attribute ({attribute})"):
            found = session.client.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)
        attributes[key] = bool(found[attribute[:1].upper() + attribute[1:]]["Value"])
    vpc_filter = {"Name": "vpc-id", "Values": [vpc_id]}
    main = session.client.describe_route_tables(Filters=[vpc_filter, {"Name": "association.main", "Values": ["true"]}])[
        "RouteTables"
    ]
    groups = session.client.describe_security_groups(
        Filters=[vpc_filter, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    acls = session.client.describe_network_acls(Filters=[vpc_filter, {"Name": "default", "Values": ["true"]}])[
        "NetworkAcls"
    ]
    owner = str(vpc.get("OwnerId", ""))
    return {
        **olds,
        "cidrBlock": vpc["CidrBlock"],
        "dhcpOptionsId": vpc.get("DhcpOptionsId", ""),
        "instanceTenancy": vpc.get("InstanceTenancy", "default"),
        "ownerId": owner,
        "mainRouteTableId": main[0]["RouteTableId"] if main else "",
        "defaultRouteTableId": main[0]["RouteTableId"] if main else "",
        "defaultSecurityGroupId": groups[0]["GroupId"] if groups else "",
        "defaultNetworkAclId": acls[0]["NetworkAclId"] if acls else "",
        "arn": f"arn:{session.partition}:ec2:{session.region}:{owner}:vpc/{vpc_id}",
        "assignGeneratedIpv6CidrBlock": False,
        "ipv6AssociationId": "",
        "ipv6CidrBlock": "",
        "ipv6CidrBlockNetworkBorderGroup": "",
        "ipv6IpamPoolId": "",
        "ipv6NetmaskLength": 0,
        **attributes,
        **tag_outputs(session, vpc.get("Tags"), olds.get("tags")),
    }


def _vpc_update(session: Ec2Session, vpc_id: str, olds: Properties, news: Properties) -> Properties:
    with reported(f"updating EC2 VPC ({vpc_id})"):
        update_tags(session, vpc_id, olds, news)  # the tags interceptor runs before the resource's Update
        for key, attribute in DNS_ATTRIBUTES.items():
            if news.get(key) is not None and news.get(key) != olds.get(key):
                session.client.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": bool(news[key])}})
        if news.get("instanceTenancy") and news.get("instanceTenancy") != olds.get("instanceTenancy"):
            session.client.modify_vpc_tenancy(VpcId=vpc_id, InstanceTenancy=news["instanceTenancy"])
    found = _vpc_read(session, vpc_id, news)
    return found if found is not None else dict(news)


# -- aws_subnet -----------------------------------------------------------------------------------


def _subnet_create(session: Ec2Session, inputs: Properties) -> tuple[str, Properties]:
    request: dict[str, Any] = {"VpcId": inputs["vpcId"]}
    if inputs.get("cidrBlock"):
        request["CidrBlock"] = inputs["cidrBlock"]
    if inputs.get("availabilityZone"):
        request["AvailabilityZone"] = inputs["availabilityZone"]
    with reported("creating EC2 Subnet"):
        subnet = session.client.create_subnet(**_with_tags(session, "subnet", inputs, request))["Subnet"]
    found = _subnet_read(session, subnet["SubnetId"], inputs)
    return str(subnet["SubnetId"]), found if found is not None else dict(inputs)


SUBNET_FLAGS = (  # Optional booleans with Default false; served with that value only
    "assignIpv6AddressOnCreation",
    "enableDns64",
    "enableResourceNameDnsARecordOnLaunch",
    "enableResourceNameDnsAaaaRecordOnLaunch",
    "ipv6Native",
    "mapPublicIpOnLaunch",
)


def _subnet_read(session: Ec2Session, subnet_id: str, olds: Properties) -> Properties | None:
    """``resourceSubnetRead``: the subnet, its launch options and (empty here) IPv6 and Outposts settings."""
    with reported(f"reading EC2 Subnet ({subnet_id})"):
        found = described(session.client.describe_subnets, "Subnets", SUBNET_NOT_FOUND, SubnetIds=[subnet_id])
    if not found:
        return None
    subnet = found[0]
    launch = subnet.get("PrivateDnsNameOptionsOnLaunch") or {}
    owner = str(subnet.get("OwnerId", ""))
    return {
        **olds,
        "arn": subnet.get("SubnetArn") or f"arn:{session.partition}:ec2:{session.region}:{owner}:subnet/{subnet_id}",
        "vpcId": subnet["VpcId"],
        "cidrBlock": subnet["CidrBlock"],
        "availabilityZone": subnet["AvailabilityZone"],
        "availabilityZoneId": subnet.get("AvailabilityZoneId"),
        "ownerId": owner,
        "assignIpv6AddressOnCreation": bool(subnet.get("AssignIpv6AddressOnCreation")),
        "customerOwnedIpv4Pool": subnet.get("CustomerOwnedIpv4Pool", ""),
        "enableDns64": bool(subnet.get("EnableDns64")),
        "enableLniAtDeviceIndex": int(subnet.get("EnableLniAtDeviceIndex", 0)),
        "enableResourceNameDnsARecordOnLaunch": bool(launch.get("EnableResourceNameDnsARecord")),
        "enableResourceNameDnsAaaaRecordOnLaunch": bool(launch.get("EnableResourceNameDnsAAAARecord")),
        "ipv6CidrBlock": "",
        "ipv6CidrBlockAssociationId": "",
        "ipv6Native": bool(subnet.get("Ipv6Native")),
        "mapCustomerOwnedIpOnLaunch": bool(subnet.get("MapCustomerOwnedIpOnLaunch")),
        "mapPublicIpOnLaunch": bool(subnet.get("MapPublicIpOnLaunch")),
        "outpostArn": subnet.get("OutpostArn", ""),
        "privateDnsHostnameTypeOnLaunch": launch.get("HostnameType", ""),
        **tag_outputs(session, subnet.get("Tags"), olds.get("tags")),
    }


# -- aws_route_table ------------------------------------------------------------------------------


def _table_create(session: Ec2Session, inputs: Properties) -> tuple[str, Properties]:
    request = _with_tags(session, "route-table", inputs, {"VpcId": inputs["vpcId"]})
    with reported("creating Route Table"):
        table_id = str(session.client.create_route_table(**request)["RouteTable"]["RouteTableId"])
    found = _table_read(session, table_id, inputs)
    return table_id, found if found is not None else dict(inputs)


# The route table's ``route`` set (vpc_route_table.go ``flattenRoutes``): each target and destination attribute.
TABLE_ROUTE_FIELDS = {
    "DestinationCidrBlock": "cidrBlock",
    "DestinationIpv6CidrBlock": "ipv6CidrBlock",
    "DestinationPrefixListId": "destinationPrefixListId",
    "CarrierGatewayId": "carrierGatewayId",
    "CoreNetworkArn": "coreNetworkArn",
    "EgressOnlyInternetGatewayId": "egressOnlyGatewayId",
    "GatewayId": "gatewayId",
    "LocalGatewayId": "localGatewayId",
    "NatGatewayId": "natGatewayId",
    "NetworkInterfaceId": "networkInterfaceId",
    "TransitGatewayId": "transitGatewayId",
    "VpcEndpointId": "vpcEndpointId",
    "VpcPeeringConnectionId": "vpcPeeringConnectionId",
}


def _table_routes(table: dict[str, Any]) -> list[Properties]:
    """The routes a route table's ``routes`` output lists: not the local route, not one propagated from a
    virtual private gateway, not a VPC endpoint's prefix-list route (``flattenRoutes``)."""
    listed = []
    for route in table.get("Routes", []):
        gateway = str(route.get("GatewayId", ""))
        if gateway == "local" or route.get("Origin") == "EnableVgwRoutePropagation":
            continue
        if route.get("DestinationPrefixListId") and gateway.startswith("vpce-"):
            continue
        listed.append({wire: route.get(field, "") for field, wire in TABLE_ROUTE_FIELDS.items()})
    return sorted(listed, key=lambda route: sorted(route.items()))


def _table_read(session: Ec2Session, table_id: str, olds: Properties) -> Properties | None:
    with reported(f"reading Route Table ({table_id})"):
        found = described(
            session.client.describe_route_tables, "RouteTables", TABLE_NOT_FOUND, RouteTableIds=[table_id]
        )
    if not found:
        return None
    table = found[0]
    owner = str(table.get("OwnerId", ""))
    return {
        **olds,
        "arn": f"arn:{session.partition}:ec2:{session.region}:{owner}:route-table/{table_id}",
        "vpcId": table["VpcId"],
        "ownerId": owner,
        "propagatingVgws": sorted(v["GatewayId"] for v in table.get("PropagatingVgws", [])),
        "routes": _table_routes(table),
        **tag_outputs(session, table.get("Tags"), olds.get("tags")),
    }


def _table_delete(session: Ec2Session, table_id: str, _olds: Properties) -> None:
    """Disassociates every subnet first, then DeleteRouteTable (``InvalidRouteTableID.NotFound``: done)."""
    try:
        found = described(
            session.client.describe_route_tables, "RouteTables", TABLE_NOT_FOUND, RouteTableIds=[table_id]
        )
        for association in found[0].get("Associations", []) if found else []:
            if not association.get("Main"):
                _association_delete(session, association["RouteTableAssociationId"], {})
        session.client.delete_route_table(RouteTableId=table_id)
    except ClientError as error:
        if error_code(error) in TABLE_NOT_FOUND:
            return
        raise ProviderRefusal(f"deleting Route Table ({table_id}): {sdk_error_text(error)}") from None


# -- aws_route_table_association -----------------------------------------------------------------


def _association_create(session: Ec2Session, inputs: Properties) -> tuple[str, Properties]:
    with reported(f"creating Route Table ({inputs['routeTableId']}) Association"):
        association_id = str(
            session.client.associate_route_table(RouteTableId=inputs["routeTableId"], SubnetId=inputs["subnetId"])[
                "AssociationId"
            ]
        )
    found = _association_read(session, association_id, inputs)
    return association_id, found if found is not None else dict(inputs)


def _association_read(session: Ec2Session, association_id: str, olds: Properties) -> Properties | None:
    filters = [{"Name": "association.route-table-association-id", "Values": [association_id]}]
    with reported(f"reading Route Table Association ({association_id})"):
        tables = session.client.describe_route_tables(Filters=filters)["RouteTables"]
    for table in tables:
        for association in table.get("Associations", []):
            if association.get("RouteTableAssociationId") == association_id:
                return {
                    **olds,
                    "routeTableId": table["RouteTableId"],
                    "subnetId": association.get("SubnetId"),
                    "gatewayId": association.get("GatewayId", ""),
                }
    return None


def _association_update(session: Ec2Session, association_id: str, _olds: Properties, news: Properties) -> Properties:
    """ReplaceRouteTableAssociation answers a new association id, which becomes the resource's id."""
    with reported(f"updating Route Table Association ({association_id})"):
        new_id = str(
            session.client.replace_route_table_association(
                AssociationId=association_id, RouteTableId=news["routeTableId"]
            )["NewAssociationId"]
        )
    found = _association_read(session, new_id, news)
    return {**(found if found is not None else news), "id": new_id}


def _association_delete(session: Ec2Session, association_id: str, _olds: Properties) -> None:
    try:
        session.client.disassociate_route_table(AssociationId=association_id)
    except ClientError as error:
        if error_code(error) in ASSOCIATION_NOT_FOUND:
            return
        raise ProviderRefusal(f"deleting Route Table Association ({association_id}): {sdk_error_text(error)}") from None


# -- aws_security_group ---------------------------------------------------------------------------


def _group_create(session: Ec2Session, inputs: Properties) -> tuple[str, Properties]:
    request = _with_tags(
        session,
        "security-group",
        inputs,
        {"GroupName": inputs["name"], "Description": inputs["description"]}
        | ({"VpcId": inputs["vpcId"]} if inputs.get("vpcId") else {}),
    )
    with reported(f"creating Security Group ({inputs['name']})"):
        group_id = str(session.client.create_security_group(**request)["GroupId"])
    with reported(f"revoking default IPv4 egress rule for Security Group ({group_id})"):
        session.client.revoke_security_group_egress(
            GroupId=group_id,
            IpPermissions=[{"IpProtocol": "-1", "FromPort": 0, "ToPort": 0, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )
    try:
        session.client.revoke_security_group_egress(
            GroupId=group_id,
            IpPermissions=[{"IpProtocol": "-1", "FromPort": 0, "ToPort": 0, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}],
        )
    except ClientError as error:
        ignored = error_code(error) == "InvalidPermission.NotFound" or "remote-ipv6-range" in str(error)
        if not ignored:
            raise ProviderRefusal(
                f"revoking default IPv6 egress rule for Security Group ({group_id}): {sdk_error_text(error)}"
            ) from None
    found = _group_read(session, group_id, inputs)
    return group_id, found if found is not None else dict(inputs)


def _gathered_rules(group_id: str, permissions: list[dict[str, Any]]) -> list[Properties]:
    """``securityGroupIPPermGather``: one rule per protocol, ports and description, with its CIDRs, prefix lists
    and other groups (this group itself as ``self``); as the set Read stores, in a stable order."""
    rules: dict[tuple[str, int, int, str], Properties] = {}

    def rule(permission: dict[str, Any], description: str) -> Properties:
        protocol = str(permission.get("IpProtocol", ""))
        from_port, to_port = int(permission.get("FromPort", 0)), int(permission.get("ToPort", 0))
        return rules.setdefault(
            (protocol, from_port, to_port, description),
            {
                "cidrBlocks": [],
                "description": description,
                "fromPort": from_port,
                "ipv6CidrBlocks": [],
                "prefixListIds": [],
                "protocol": protocol,
                "securityGroups": [],
                "self": False,
                "toPort": to_port,
            },
        )

    for permission in permissions:
        for block in permission.get("IpRanges", []):
            rule(permission, block.get("Description", ""))["cidrBlocks"].append(block["CidrIp"])
        for block in permission.get("Ipv6Ranges", []):
            rule(permission, block.get("Description", ""))["ipv6CidrBlocks"].append(block["CidrIpv6"])
        for prefix_list in permission.get("PrefixListIds", []):
            rule(permission, prefix_list.get("Description", ""))["prefixListIds"].append(prefix_list["PrefixListId"])
        for pair in permission.get("UserIdGroupPairs", []):
            found = rule(permission, pair.get("Description", ""))
            if pair.get("GroupId") == group_id:
                found["self"] = True
            else:
                found["securityGroups"] = sorted({*found["securityGroups"], pair.get("GroupName") or pair["GroupId"]})
    return [rules[key] for key in sorted(rules)]


def _group_read(session: Ec2Session, group_id: str, olds: Properties) -> Properties | None:
    """``resourceSecurityGroupRead``: the group, its ARN, its rules as ``ingress``/``egress`` sets."""
    with reported(f"reading Security Group ({group_id})"):
        found = described(
            session.client.describe_security_groups, "SecurityGroups", GROUP_NOT_FOUND, GroupIds=[group_id]
        )
    if not found:
        return None
    group = found[0]
    owner = str(group.get("OwnerId", ""))
    return {
        **olds,
        "arn": f"arn:{session.partition}:ec2:{session.region}:{owner}:security-group/{group_id}",
        "name": group["GroupName"],
        "namePrefix": "",  # create.NamePrefixFromName: only a name ending in terraform's unique id has one
        "description": group["Description"],
        "vpcId": group.get("VpcId"),
        "ownerId": owner,
        "ingress": _gathered_rules(group_id, group.get("IpPermissions", [])),
        "egress": _gathered_rules(group_id, group.get("IpPermissionsEgress", [])),
        **tag_outputs(session, group.get("Tags"), olds.get("tags")),
    }


GROUP_IN_USE = ("DependencyViolation", "InvalidGroup.InUse")
GROUP_DELETE_TIMEOUT = 900.0
FIRST_DELETE_ATTEMPT = 60.0
PROPAGATION_SECONDS = 300.0  # ec2PropagationTimeout


def _revoke_group_rules(session: Ec2Session, group_id: str) -> None:
    """``forceRevokeSecurityGroupRules``: each of the group's rules, by rule id."""
    with reported("describing security group rules"):
        rules = session.client.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])[
            "SecurityGroupRules"
        ]
    for rule in rules:
        revoke = (
            session.client.revoke_security_group_egress
            if rule.get("IsEgress")
            else session.client.revoke_security_group_ingress
        )
        try:
            revoke(GroupId=group_id, SecurityGroupRuleIds=[rule["SecurityGroupRuleId"]])
        except ClientError as error:
            if error_code(error) not in ("InvalidPermission.NotFound", "InvalidSecurityGroupRuleId.NotFound"):
                raise ProviderRefusal(f"revoking Security Group ({group_id}) Rules: {sdk_error_text(error)}") from None


def _group_delete(session: Ec2Session, group_id: str, olds: Properties) -> None:
    timeout = session.timeout_or(GROUP_DELETE_TIMEOUT)
    remaining = timeout - FIRST_DELETE_ATTEMPT if timeout >= FIRST_DELETE_ATTEMPT else 30.0
    if olds.get("revokeRulesOnDelete"):
        _revoke_group_rules(session, group_id)

    def delete() -> Any:
        return session.client.delete_security_group(GroupId=group_id)

    try:
        try:
            retried(delete, GROUP_IN_USE, FIRST_DELETE_ATTEMPT)
        except ClientError as error:
            if error_code(error) not in GROUP_IN_USE:
                raise
            if olds.get("revokeRulesOnDelete"):
                _revoke_group_rules(session, group_id)
            retried(delete, GROUP_IN_USE, remaining)
    except ClientError as error:
        if error_code(error) in GROUP_NOT_FOUND:
            return
        raise ProviderRefusal(f"deleting Security Group ({group_id}): {sdk_error_text(error)}") from None
    deadline = time.monotonic() + PROPAGATION_SECONDS
    while described(session.client.describe_security_groups, "SecurityGroups", GROUP_NOT_FOUND, GroupIds=[group_id]):
        if time.monotonic() >= deadline:
            raise ProviderRefusal(
                f"waiting for Security Group ({group_id}) delete: timeout while waiting for resource to be gone"
            )
        time.sleep(0.2)


def _network_type(
    token: str,
    source: str,
    required: set[str],
    force_new: set[str],
    in_place: set[str],
    crud: tuple[Create, Read, Update, Delete],
    **more: Any,
) -> ResourceType:
    create, read, update, delete = crud
    return ResourceType(
        token=token,
        source=f"internal/service/ec2/{source}",
        required=frozenset(required),
        force_new=frozenset(force_new),
        in_place=frozenset(in_place),
        create=create,
        read=read,
        update=update,
        delete=delete,
        import_read=_importer(read),
        **more,
    )


NETWORK_TYPES = (
    _network_type(
        "aws:ec2/vpc:Vpc",
        "vpc.go",
        set(),
        {"cidrBlock"},
        {"instanceTenancy", *DNS_ATTRIBUTES, "tags"},
        (_vpc_create, _vpc_read, _vpc_update, _deleter("delete_vpc", "VpcId", VPC_NOT_FOUND, "EC2 VPC")),
        defaults={"enableDnsSupport": True},  # a TF default Check fills in
        plan_defaults={"instanceTenancy": "default"},  # awstypes.TenancyDefault: not filled by the bridge
        unserved_force_new=frozenset({"ipv4IpamPoolId", "ipv4NetmaskLength"}),
        replaces_when=lambda key, old, new: key == "instanceTenancy" and not (old == "dedicated" and new == "default"),
        computed_inputs=frozenset({"enableDnsHostnames", "cidrBlock"}),
        computed_outputs=(
            "arn",
            "ownerId",
            "mainRouteTableId",
            "defaultRouteTableId",
            "defaultSecurityGroupId",
            "defaultNetworkAclId",
            "dhcpOptionsId",
            "enableNetworkAddressUsageMetrics",
            "ipv6AssociationId",
            "tagsAll",
        ),
        tagged=True,
        attributes={
            "cidr_block": Attr(validate=cidr_network(16, 28)),
            "instance_tenancy": Attr(validate=string_in("default", "dedicated")),
        },
    ),
    _network_type(
        "aws:ec2/subnet:Subnet",
        "vpc_subnet.go",
        {"vpcId"},
        {"vpcId", "cidrBlock", "availabilityZone"},
        {"tags"},
        (
            _subnet_create,
            _subnet_read,
            _tags_updater(_subnet_read, "EC2 Subnet"),
            _deleter("delete_subnet", "SubnetId", SUBNET_NOT_FOUND, "EC2 Subnet"),
        ),
        computed_inputs=frozenset({"availabilityZone", "cidrBlock"}),
        computed_outputs=("arn", "availabilityZone", "availabilityZoneId", "ownerId", "tagsAll"),
        defaults=dict.fromkeys(SUBNET_FLAGS, False),
        fixed=dict.fromkeys(SUBNET_FLAGS, False),
        unserved_force_new=frozenset(
            {"availabilityZoneId", "ipv4IpamPoolId", "ipv4NetmaskLength", "ipv6IpamPoolId", "ipv6Native"}
            | {"ipv6NetmaskLength", "outpostArn"}
        ),
        tagged=True,
        attributes={"cidr_block": Attr(validate=ipv4_cidr_network)},
        timeouts=frozenset({"create", "delete"}),
    ),
    _network_type(
        "aws:ec2/routeTable:RouteTable",
        "vpc_route_table.go",
        {"vpcId"},
        {"vpcId"},
        {"tags"},
        (
            _table_create,
            _table_read,
            _tags_updater(_table_read, "Route Table"),
            _table_delete,
        ),
        computed_outputs=("arn", "ownerId", "propagatingVgws", "routes", "tagsAll"),
        tagged=True,
        timeouts=frozenset({"create", "update", "delete"}),
    ),
    _network_type(
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "vpc_route_table_association.go",
        {"routeTableId"},
        {"subnetId"},
        {"routeTableId"},
        (_association_create, _association_read, _association_update, _association_delete),
        attributes={
            "subnet_id": Attr(exactly_one_of=("subnet_id", "gateway_id")),
            "gateway_id": Attr(exactly_one_of=("subnet_id", "gateway_id")),
        },
        unserved_force_new=frozenset({"gatewayId"}),
        timeouts=frozenset({"create", "update", "delete"}),
    ),
    _network_type(
        "aws:ec2/securityGroup:SecurityGroup",
        "vpc_security_group.go",
        set(),
        {"name", "description", "vpcId"},
        {"tags", "revokeRulesOnDelete"},
        (
            _group_create,
            _group_read,
            _tags_updater(_group_read, "Security Group"),
            _group_delete,
        ),
        # pulumi-aws's overlay default (TF's own is "Managed by Terraform"), and TF's revoke_rules_on_delete.
        defaults={"description": "Managed by Pulumi", "revokeRulesOnDelete": False},
        pulumi_defaults=frozenset({"description"}),
        unserved_force_new=frozenset({"namePrefix"}),
        autoname="name",
        computed_inputs=frozenset({"vpcId"}),  # Optional+Computed: the default VPC when unset
        computed_outputs=("arn", "ownerId", "ingress", "egress", "namePrefix", "tagsAll"),
        tagged=True,
        attributes={
            "name": Attr(
                conflicts_with=("name_prefix",),
                validate=all_of(string_length(0, 255), string_does_not_match("^sg-", "cannot begin with sg-")),
            ),
            "description": Attr(validate=string_length(0, 255)),
        },
        timeouts=frozenset({"create", "delete"}),
    ),
)
