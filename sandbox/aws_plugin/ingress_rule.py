"""aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule, as terraform-provider-aws's
``internal/service/ec2/vpc_security_group_ingress_rule.go`` makes it (the framework-based rule).

Schema: only ``security_group_id`` RequiresReplace; ``cidr_ipv4``, ``description``, ``from_port``,
``ip_protocol`` and ``to_port`` change in place with ModifySecurityGroupRules, tags with
``updateTags``. Create: AuthorizeSecurityGroupIngress with the tags in ``TagSpecifications``; the
state is the plan with the rule's id and ARN (no read-back), as after Update. Read by
``findSecurityGroupIngressRuleByID``: a rule AWS does not know (or an egress one) is gone, with a warning
(``fwdiag.NewResourceNotFoundWarningDiagnostic``). Delete: RevokeSecurityGroupIngress by rule id;
``InvalidSecurityGroupRuleId.NotFound`` and ``InvalidGroup.NotFound`` are done. ``from_port``/``to_port``
of -1 (all) read back as null when the state has them null. The ARN is the provider's account's
(``securityGroupRuleARN``: ``RegionalARN`` with the provider's account id, "" when it is not requested).
``ip_protocol`` has a custom type whose semantic equality goes through ``protocolForValue`` ("6" is "tcp",
"all" is "-1"): a read keeps the state's spelling of the same protocol (the bridge's Diff still compares the
spellings, so "6" for "tcp" is a change there). Validation:
``cidr_ipv4`` an IPv4 network address, ports between -1 and 65535, exactly one source. A framework
resource: its errors are "<summary>: <detail>" without go-multierror; its Check adds no ``tagsAll``
(pulumi-aws's tags callback is for SDKv2 resources); create and update set ``tags_all`` themselves.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .aws_errors import ProviderRefusal, error_code, reported, sdk_error_text
from .ec2_reads import described, tag_outputs, tag_specifications, update_tags
from .ec2_session import Ec2Session
from .resource_type import ResourceType
from .validation import (
    Attr,
    framework_combination,
    framework_exactly_one_of,
    framework_int_between,
    framework_ipv4_cidr_network,
)
from .wire import Properties

RESOURCE_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
RULE_NOT_FOUND = ("InvalidSecurityGroupRuleId.NotFound", "InvalidGroup.NotFound")
MODIFIABLE = ("cidrIpv4", "description", "fromPort", "ipProtocol", "toPort")
SOURCES = ("cidr_ipv4", "cidr_ipv6", "prefix_list_id", "referenced_security_group_id")
PROTOCOL_NUMBERS = {"icmpv6": 58, "udp": 17, "tcp": 6, "icmp": 1, "all": -1}  # securityGroupProtocolIntegers
ATTRIBUTES = {
    "security_group_id": Attr(required=True),
    "ip_protocol": Attr(required=True),
    "cidr_ipv4": Attr(validate=framework_ipv4_cidr_network),
    "from_port": Attr(validate=framework_int_between(-1, 65535)),
    "to_port": Attr(validate=framework_int_between(-1, 65535)),
}


def protocol_for_value(value: str) -> str:
    """``protocolForValue`` (vpc_security_group.go): "-1"/"all" is "-1", a number its name, a name itself."""
    protocol = str(value).lower()
    if protocol in ("-1", "all"):
        return "-1"
    if protocol in PROTOCOL_NUMBERS:
        return protocol
    try:
        number = int(protocol)
    except ValueError:
        return protocol
    return next((name for name, known in PROTOCOL_NUMBERS.items() if known == number), protocol)


def same_protocol(key: str, old: Any, new: Any) -> bool:
    return (
        key == "ipProtocol"
        and old is not None
        and new is not None
        and protocol_for_value(old) == protocol_for_value(new)
    )


def _exactly_one_source(inputs: Properties) -> list[tuple[str, str]]:
    framework_exactly_one_of(inputs, SOURCES)
    return framework_combination(inputs, SOURCES)


def _rule(inputs: Properties) -> dict[str, Any]:
    """The rule as ModifySecurityGroupRules takes it (``SecurityGroupRuleRequest``)."""
    rule: dict[str, Any] = {"IpProtocol": str(inputs["ipProtocol"]), "CidrIpv4": inputs["cidrIpv4"]}
    if inputs.get("description"):
        rule["Description"] = inputs["description"]
    if inputs.get("fromPort") is not None:
        rule["FromPort"] = int(inputs["fromPort"])
    if inputs.get("toPort") is not None:
        rule["ToPort"] = int(inputs["toPort"])
    return rule


def find(session: Ec2Session, rule_id: str) -> dict[str, Any] | None:
    found = described(
        session.client.describe_security_group_rules,
        "SecurityGroupRules",
        RULE_NOT_FOUND,
        SecurityGroupRuleIds=[rule_id],
    )
    return found[0] if found else None


def _arn(session: Ec2Session, rule_id: str) -> str:
    return f"arn:{session.partition}:ec2:{session.region}:{session.account_id}:security-group-rule/{rule_id}"


def _outputs(session: Ec2Session, rule: dict[str, Any], olds: Properties) -> Properties:
    ports: Properties = {}
    for key, field in (("fromPort", "FromPort"), ("toPort", "ToPort")):
        value = rule.get(field)
        # API -1 (all) with null in the state stays null, as Read sets it
        ports[key] = None if value is None or (value == -1 and olds.get(key) is None) else int(value)
    protocol = rule["IpProtocol"]
    if same_protocol("ipProtocol", olds.get("ipProtocol"), protocol):
        protocol = olds["ipProtocol"]  # semantically equal: the state's value stands
    return {
        "securityGroupId": rule["GroupId"],
        "securityGroupRuleId": rule["SecurityGroupRuleId"],
        "arn": _arn(session, rule["SecurityGroupRuleId"]),
        "ipProtocol": protocol,
        "cidrIpv4": rule.get("CidrIpv4"),
        "description": rule.get("Description") or None,
        **ports,
        **tag_outputs(session, rule.get("Tags"), olds.get("tags")),
    }


def create(session: Ec2Session, inputs: Properties) -> tuple[str, Properties]:
    group_id = str(inputs["securityGroupId"])
    rule = _rule(inputs)
    ip_range: dict[str, Any] = {"CidrIp": rule.pop("CidrIpv4")}
    if "Description" in rule:
        ip_range["Description"] = rule.pop("Description")
    request: dict[str, Any] = {"GroupId": group_id, "IpPermissions": [{**rule, "IpRanges": [ip_range]}]}
    specifications = tag_specifications(session, "security-group-rule", inputs)
    if specifications:
        request["TagSpecifications"] = specifications
    with reported("creating VPC Security Group Rule"):
        created = session.client.authorize_security_group_ingress(**request)["SecurityGroupRules"][0]
    rule_id = str(created["SecurityGroupRuleId"])
    planned = {**inputs, "tagsAll": session.visible(session.all_tags(inputs.get("tags")))}
    return rule_id, {**planned, "securityGroupRuleId": rule_id, "arn": _arn(session, rule_id)}


def read(session: Ec2Session, rule_id: str, olds: Properties) -> Properties | None:
    with reported(f"reading VPC Security Group Rule ({rule_id})"):
        rule = find(session, rule_id)
    if rule is None or rule.get("IsEgress"):
        return None
    return {**olds, **_outputs(session, rule, olds)}


def import_read(session: Ec2Session, rule_id: str) -> tuple[str, Properties] | None:
    found = read(session, rule_id, {})
    return (rule_id, found) if found is not None else None


def update(session: Ec2Session, rule_id: str, olds: Properties, news: Properties) -> Properties:
    """Tags first (the tags interceptor), then ModifySecurityGroupRules; the state is the plan."""
    with reported(f"updating VPC Security Group Rule ({rule_id})"):
        update_tags(session, rule_id, olds, news)
        if any(olds.get(key) != news.get(key) for key in MODIFIABLE):  # the custom type's Equal: the spelling
            session.client.modify_security_group_rules(
                GroupId=news["securityGroupId"],
                SecurityGroupRules=[{"SecurityGroupRuleId": rule_id, "SecurityGroupRule": _rule(news)}],
            )
    kept: Properties = {key: olds[key] for key in ("arn", "securityGroupRuleId") if key in olds}
    return {**news, **kept, "tagsAll": session.visible(session.all_tags(news.get("tags")))}


def delete(session: Ec2Session, rule_id: str, olds: Properties) -> None:
    try:
        session.client.revoke_security_group_ingress(GroupId=olds["securityGroupId"], SecurityGroupRuleIds=[rule_id])
    except ClientError as error:
        if error_code(error) in RULE_NOT_FOUND:
            return
        raise ProviderRefusal(f"deleting VPC Security Group Rule ({rule_id}): {sdk_error_text(error)}") from None


INGRESS_RULE = ResourceType(
    token=RESOURCE_TYPE,
    source="internal/service/ec2/vpc_security_group_ingress_rule.go",
    required=frozenset({"securityGroupId", "ipProtocol"}),
    force_new=frozenset({"securityGroupId"}),
    in_place=frozenset({*MODIFIABLE, "tags"}),
    create=create,
    read=read,
    update=update,
    delete=delete,
    import_read=import_read,
    computed_outputs=("arn", "securityGroupRuleId", "tagsAll"),
    tagged=True,
    framework=True,
    attributes=ATTRIBUTES,
    config_validators=(_exactly_one_source,),
)
