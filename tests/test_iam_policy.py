"""The least-privilege IAM policy: no wildcard, enough for a stack's whole life, every action needed.

The proof runs `python -m sandbox check-policy` as a user would: the real program through the
sandbox runner, as an IAM user that has only the policy, on sandboxes where moto enforces IAM.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sandbox.scenarios.served_sandbox import start_served
from sandbox.world.aws_accounts import CUSTOMER_ACCOUNT_ID, HEROKU_ACCOUNT_ID, PLACEHOLDER, ec2_client
from sandbox.world.local_sandbox import LocalSandbox, SandboxOptions
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.docs_pages import block

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
POLICY = ROOT / "iam" / "deployer-policy.json"

# Where each action is first needed, read from terraform-provider-aws's CRUD code and data sources
# (internal/service/ec2/), not from the sandbox's plugin: the policy check must find the same. One is the
# program's own: pre-flight's network-ACL warning reads them with boto3 (no pulumi-aws function has entries).
FIRST_NEEDED = {
    "ec2:DescribeVpcs": "up",  # data source aws_vpc
    "ec2:DescribeVpcAttribute": "up",  # aws_vpc reads three attributes, any failure fails it
    "ec2:DescribeRouteTables": "up",  # aws_route_table(s), then aws_route's wait and Read
    "ec2:DescribeSecurityGroups": "up",  # aws_security_group
    "ec2:DescribeSecurityGroupRules": "up",  # aws_vpc_security_group_rule(s)
    "ec2:DescribeVpcPeeringConnections": "up",  # aws_vpc_peering_connection(s)
    "ec2:CreateVpcPeeringConnection": "up",
    "ec2:CreateRoute": "up",
    "ec2:AuthorizeSecurityGroupIngress": "up",
    # moto does not check tag-on-create (AWS asks ec2:CreateTags for TagSpecifications): first a tag update
    "ec2:CreateTags": "change tags and rule",
    "ec2:DeleteTags": "change tags and rule",  # UpdateTags for a removed key
    "ec2:ModifySecurityGroupRules": "change tags and rule",  # the rule's description, in place
    "ec2:ReplaceRoute": "move to another space",  # the pcx replaced, the routes re-pointed in place
    "ec2:DeleteVpcPeeringConnection": "move to another space",  # the replaced pcx deleted
    "ec2:DeleteRoute": "destroy",
    "ec2:RevokeSecurityGroupIngress": "destroy",
    "ec2:DescribeTags": "adopt a hand-made peering",  # aws_ec2_tag waits for its tag, then reads it
    "ec2:DescribeNetworkAcls": "up",  # peering/program/acl_lookup.py: refused, the warning is skipped and says so
}


def policy() -> dict[str, Any]:
    return dict(json.loads(POLICY.read_text()))


def actions() -> list[str]:
    return [action for statement in policy()["Statement"] for action in statement["Action"]]


def test_the_policy_names_each_action_once_and_nothing_moto_cannot_check() -> None:
    statements = policy()["Statement"]
    assert policy()["Version"] == "2012-10-17"
    assert all(re.fullmatch(r"ec2:[A-Z][A-Za-z]+", action) for action in actions()), actions()
    assert len(actions()) == len(set(actions()))
    assert sorted(actions()) == sorted(FIRST_NEEDED)
    for statement in statements:
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] == "*"  # moto checks EC2 calls against "*" only
        assert "Condition" not in statement and "NotAction" not in statement


# The check runs about 35 programs (minutes on 2 idle cores, several times that with every core busy):
# the tests that read its report get a longer limit than the suite's 300 s, which guards against hangs.
THE_WHOLE_CHECK = pytest.mark.timeout(1800)


# The command docs/permissions.md prints, run as printed, with --json for the report the tests read.
CHECK_POLICY = shlex.split(block("docs/permissions.md", "run by", "check-policy").text)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    assert CHECK_POLICY == [".venv/bin/python", "-m", "sandbox", "check-policy"]
    result = subprocess.run(
        [*CHECK_POLICY, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr + result.stdout
    return dict(json.loads(result.stdout))


@THE_WHOLE_CHECK
def test_the_policy_suffices_for_a_stacks_whole_life(report: dict[str, Any]) -> None:
    assert report["full"]["failed"] is None
    assert report["full"]["runs"] == 8


@THE_WHOLE_CHECK
def test_the_whole_life_first_asks_for_each_action_where_the_providers_code_says(report: dict[str, Any]) -> None:
    """The requests moto recorded, phase by phase, against the table read from terraform-provider-aws."""
    first: dict[str, str] = {}
    for phase, asked in report["asked"].items():  # in the life's order
        for action in asked:
            first.setdefault(action, phase)
    assert first == FIRST_NEEDED


@THE_WHOLE_CHECK
@pytest.mark.parametrize("action", sorted(FIRST_NEEDED))
def test_without_each_action_the_phase_that_needs_it_fails_on_it(report: dict[str, Any], action: str) -> None:
    result = report["without"][action]
    assert (result["failed"], result["denied"]) == (FIRST_NEEDED[action], action), result["output"]
    assert result["start"] == FIRST_NEEDED[action]  # tried from there: nothing before it asks for the action
    assert "Traceback" not in result["output"]
    assert f"{action}" in result["output"]


@THE_WHOLE_CHECK
def test_a_denied_lookup_names_the_action_and_the_policy(report: dict[str, Any]) -> None:
    """Pre-flight reads: not "not found" but AWS's refusal, the action and where the policy is."""
    output = report["without"]["ec2:DescribeRouteTables"]["output"]
    assert "error: heroku-peering:peerings[0].vpcId = " in output  # the key whose lookup was refused
    assert "AWS denied the stack's credentials ec2:DescribeRouteTables" in output
    assert "iam/deployer-policy.json" in output
    assert "was not found" not in output


@THE_WHOLE_CHECK
def test_a_denied_step_says_the_operation_status_and_code(report: dict[str, Any]) -> None:
    output = report["without"]["ec2:RevokeSecurityGroupIngress"]["output"]
    assert "operation error EC2: RevokeSecurityGroupIngress, https response error StatusCode: 403" in output
    assert "api error AccessDenied" in output


@pytest.fixture
def iam_sandbox(tmp_path: Path) -> Iterator[SandboxInfo]:
    ready = tmp_path / "ready.json"
    server = start_served(ready, "--iam-policy", str(POLICY))
    yield SandboxInfo.load(ready)
    server.terminate()
    server.wait(timeout=30)


def test_the_iam_sandbox_holds_the_stack_to_its_policy(iam_sandbox: SandboxInfo) -> None:
    info = iam_sandbox
    assert info.iam_enforced and info.endpoint_config()["aws:accessKey"] == info.stack_credentials[0]
    deployer = ec2_client(info.aws_endpoint_url, info.region, CUSTOMER_ACCOUNT_ID, info.stack_credentials)
    assert deployer.describe_vpcs(VpcIds=[info.customer_vpc_id])["Vpcs"]
    with pytest.raises(ClientError, match="not authorized to perform: ec2:CreateVpc"):
        deployer.create_vpc(CidrBlock="10.50.0.0/16")
    with pytest.raises(ClientError, match="AuthFailure"):  # moto's placeholder keys are no one now
        ec2_client(info.aws_endpoint_url, info.region, CUSTOMER_ACCOUNT_ID, PLACEHOLDER).describe_vpcs()
    assert info.ec2(CUSTOMER_ACCOUNT_ID).create_vpc(CidrBlock="10.51.0.0/16")["Vpc"]["OwnerId"] == CUSTOMER_ACCOUNT_ID
    heroku = info.ec2(HEROKU_ACCOUNT_ID, info.space_region)
    assert heroku.create_vpc(CidrBlock="10.52.0.0/16")["Vpc"]["OwnerId"] == HEROKU_ACCOUNT_ID


def test_a_policy_with_a_wildcard_is_refused_before_anything_runs(tmp_path: Path) -> None:
    wild = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": "*"}]}
    path = tmp_path / "wild.json"
    path.write_text(json.dumps(wild))
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "check-policy", "--policy", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout.strip() == (
        f"error: policy {path}: wildcard actions ['ec2:Describe*']; name every action (least privilege)"
    )
    assert "Traceback" not in result.stderr


def test_an_iam_sandbox_in_process_leaves_moto_open_when_it_stops() -> None:
    """moto's IAM switch is process-wide: stopping the sandbox turns it off for the next one."""
    with (
        LocalSandbox(SandboxOptions(iam_policy=POLICY.read_text())) as info,
        pytest.raises(ClientError, match="AuthFailure"),
    ):
        ec2_client(info.aws_endpoint_url, info.region, CUSTOMER_ACCOUNT_ID, PLACEHOLDER).describe_vpcs()
    with LocalSandbox() as info:
        assert ec2_client(info.aws_endpoint_url, info.region, CUSTOMER_ACCOUNT_ID, PLACEHOLDER).describe_vpcs()["Vpcs"]
