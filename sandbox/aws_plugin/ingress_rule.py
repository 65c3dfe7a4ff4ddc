"""aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule, as terraform-provider-aws's
``internal/service/ec2/vpc_security_group_ingress_rule.go`` makes it (the framework-based rule).

Schema: only ``security_group_id`` RequiresReplace; ``cidr_ipv4``, ``description``, ``from_port``,
``ip_protocol`` and ``to_port`` change in place with ModifySecurityGroupRules, tags with
``updateTags``. Create: AuthorizeSecurityGroupIngress with the tags in ``TagSpecifications``; the
state is the plan with the rule's id and ARN (no read-back), as after Update. Read by
``findSecurityGroupIngressRuleByID``: a rule AWS does not know (or an egress one) is gone. Delete:
RevokeSecurityGroupIngress by rule id; ``InvalidSecurityGroupRuleId.NotFound`` and
``InvalidGroup.NotFound`` are done. ``from_port``/``to_port`` of -1 (all) read back as null when the
state has them null. A framework resource: its errors are "<summary>: <detail>" without go-multierror.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .aws_errors import ProviderRefusal, error_code, reported, sdk_error_text
from .ec2_reads import described, tag_outputs, tag_specifications, update_tags
from .ec2_session import Ec2Session
from .resource_type import ResourceType
from .wire import Properties

RESOURCE_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
RULE_NOT_FOUND = ("InvalidSecurityGroupRuleId.NotFound", "InvalidGroup.NotFound")
MODIFIABLE = ("cidrIpv4", "description", "fromPort", "ipProtocol", "toPort")


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


def _arn(session: Ec2Session, rule_id: str, owner: str) -> str:
    return f"arn:aws:ec2:{session.region}:{owner}:security-group-rule/{rule_id}"


def _outputs(session: Ec2Session, rule: dict[str, Any], olds: Properties) -> Properties:
    ports: Properties = {}
    for key, field in (("fromPort", "FromPort"), ("toPort", "ToPort")):
        value = rule.get(field)
        # API -1 (all) with null in the state stays null, as Read sets it
        ports[key] = None if value is None or (value == -1 and olds.get(key) is None) else int(value)
    return {
        "securityGroupId": rule["GroupId"],
        "securityGroupRuleId": rule["SecurityGroupRuleId"],
        "arn": _arn(session, rule["SecurityGroupRuleId"], str(rule.get("GroupOwnerId", ""))),
        "ipProtocol": rule["IpProtocol"],
        "cidrIpv4": rule.get("CidrIpv4"),
        "description": rule.get("Description") or None,
        **ports,
        **tag_outputs(session, rule.get("Tags")),
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
    planned = {**inputs, "tagsAll": session.all_tags(inputs.get("tags"))}
    return rule_id, {
        **planned,
        "securityGroupRuleId": rule_id,
        "arn": _arn(session, rule_id, str(created.get("GroupOwnerId", ""))),
    }


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
        if any(olds.get(key) != news.get(key) for key in MODIFIABLE):
            session.client.modify_security_group_rules(
                GroupId=news["securityGroupId"],
                SecurityGroupRules=[{"SecurityGroupRuleId": rule_id, "SecurityGroupRule": _rule(news)}],
            )
    kept: Properties = {key: olds[key] for key in ("arn", "securityGroupRuleId") if key in olds}
    return {**news, **kept, "tagsAll": session.all_tags(news.get("tags"))}


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
)
