"""The VPC's network ACLs for pre-flight's warning, read with boto3 as the stack's AWS provider is set.

pulumi-aws has no function that returns a network ACL's entries (terraform-provider-aws's
``aws_network_acls`` data source gives ids only), so this one read goes around it: boto3 with the
stack's ``aws:region``, ``aws:profile``, ``aws:accessKey``/``aws:secretKey``/``aws:token`` and the EC2
endpoint of ``aws:endpoints`` when set, else boto3's own chain (the one CI's OIDC role sets). ACLs are
the user's, so what they deny is a warning, and a read that fails (no ``ec2:DescribeNetworkAcls``,
credentials only pulumi-aws knows how to get, such as ``aws:assumeRole``) only says the check was
skipped: it never stops an ``up``.
"""

from __future__ import annotations

from typing import Any

import boto3
import pulumi
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..model.ec2_describe import acl_of, aws_reason
from ..model.facts import AclRead

# A warning is not worth a long wait: two tries, short timeouts.
CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"})


def stack_ec2_client(region: str) -> Any:
    """An EC2 client set as the stack's AWS provider is, as far as boto3 can follow it."""
    config = pulumi.Config("aws")
    endpoints = config.get_object("endpoints") or []
    endpoint = next((e.get("ec2") for e in endpoints if isinstance(e, dict) and e.get("ec2")), None)
    keys = {
        "aws_access_key_id": config.get("accessKey"),
        "aws_secret_access_key": config.get("secretKey"),
        "aws_session_token": config.get("token"),
    }
    session = boto3.session.Session(profile_name=config.get("profile"), region_name=region)
    given = {key: value for key, value in keys.items() if value}
    return session.client("ec2", endpoint_url=endpoint, config=CLIENT_CONFIG, **given)


def read_network_acls(vpc_id: str, region: str) -> AclRead:
    try:
        ec2 = stack_ec2_client(region)
        pages = ec2.get_paginator("describe_network_acls").paginate(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
        return AclRead(tuple(acl_of(acl) for page in pages for acl in page["NetworkAcls"]))
    except ClientError as error:
        return AclRead(skipped=f"ec2:DescribeNetworkAcls: {aws_reason(error)}")
    except BotoCoreError as error:
        return AclRead(skipped=f"{type(error).__name__}: {error}")
