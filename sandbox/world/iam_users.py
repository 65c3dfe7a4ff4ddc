"""IAM in the sandbox: the stack acts as a user with only the deployer policy, as a CI role would.

moto checks every request against the caller's IAM policies once its "initial no-auth action count"
is reached (moto/core/authorization.py); ``/moto-api/reset-auth`` sets that count on a running
server, 0 meaning "check everything from now on". The users are made before that, while moto
still accepts any key: an administrator in each account (the sandbox's own set-up and Heroku's
side) and the deployer, whose inline policy is the one under test. moto evaluates Action,
NotAction and Effect; it checks EC2 calls against the resource "*" and treats a Condition it
cannot evaluate as a deny, so a policy proven here has neither resource ARNs nor conditions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import requests

from .aws_accounts import CUSTOMER_ACCOUNT_ID, HEROKU_ACCOUNT_ID, Credentials, aws_client

DEPLOYER = "heroku-peering-deployer"
DEPLOYER_POLICY = "heroku-peering"
ADMIN = "sandbox-admin"
ADMIN_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
IAM_REGION = "us-east-1"  # IAM is global; its endpoint signs in us-east-1


@dataclass(frozen=True)
class IamUsers:
    customer_admin: Credentials
    heroku_admin: Credentials
    deployer: Credentials


def _user(moto_url: str, account_id: str, name: str, policy: str) -> Credentials:
    iam = aws_client("iam", moto_url, IAM_REGION, account_id)
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName=DEPLOYER_POLICY if name == DEPLOYER else name, PolicyDocument=policy)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


def create_users(moto_url: str, deployer_policy: str) -> IamUsers:
    """The three users; call before ``enforce``."""
    return IamUsers(
        customer_admin=_user(moto_url, CUSTOMER_ACCOUNT_ID, ADMIN, ADMIN_POLICY),
        heroku_admin=_user(moto_url, HEROKU_ACCOUNT_ID, ADMIN, ADMIN_POLICY),
        deployer=_user(moto_url, CUSTOMER_ACCOUNT_ID, DEPLOYER, deployer_policy),
    )


def enforce(moto_url: str, on: bool = True) -> None:
    """From now on moto checks (or, ``on=False``, stops checking) every request's signature and policies.

    The switch is moto's process-wide setting: one IAM-enforcing sandbox per process.
    """
    answer = requests.post(f"{moto_url}/moto-api/reset-auth", data=b"0" if on else b"inf", timeout=10)
    answer.raise_for_status()
