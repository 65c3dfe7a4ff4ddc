"""What a user, a script or a test needs to attach to a running sandbox (``serve --ready-file`` writes it).

Kept apart from ``local_sandbox.py`` so that attaching to a sandbox does not import moto.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .aws_accounts import CUSTOMER_ACCOUNT_ID, PLACEHOLDER, Credentials, ec2_client


@dataclass(frozen=True)
class SandboxInfo:
    """What a user, a script or a test needs to attach to a running sandbox."""

    heroku_url: str
    heroku_api_key: str
    aws_endpoint_url: str
    region: str
    space: str
    space_id: str
    space_region: str
    heroku_account_id: str
    customer_account_id: str
    customer_vpc_id: str
    customer_vpc_cidr: str
    subnet_ids: list[str]
    route_table_ids: list[str]
    security_group_ids: list[str]
    sandbox_id: str = ""  # one per start: state kept for one sandbox is never taken for another's
    # IAM enforced: the keys stacks use (the deployer's), and an administrator's per account for the rest
    iam_enforced: bool = False
    stack_credentials: Credentials = PLACEHOLDER
    admin_credentials: dict[str, tuple[str, str]] = field(default_factory=dict)
    # What to export so that the Pulumi CLI runs against this sandbox (written by `serve`).
    pulumi_environment: dict[str, str] = field(default_factory=dict)

    def admin(self, account_id: str = CUSTOMER_ACCOUNT_ID) -> Credentials:
        """Keys that may do anything in ``account_id`` (moto's placeholder while IAM is not enforced)."""
        return Credentials(*self.admin_credentials.get(account_id, PLACEHOLDER))

    def ec2(self, account_id: str = CUSTOMER_ACCOUNT_ID, region: str | None = None) -> Any:
        """An administrator's EC2 client in ``account_id``: for set-up, snapshots and summaries."""
        return ec2_client(self.aws_endpoint_url, region or self.region, account_id, self.admin(account_id))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def load(cls, path: str | Path) -> SandboxInfo:
        data: dict[str, Any] = json.loads(Path(path).read_text())
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        if "stack_credentials" in known:
            known["stack_credentials"] = Credentials(*known["stack_credentials"])
        return cls(**known)

    def environment(self) -> dict[str, str]:
        """Environment for AWS clients and the Heroku CLI pointed at the sandbox."""
        return {
            "HEROKU_API_KEY": self.heroku_api_key,
            "HEROKU_HOST": self.heroku_url,
            "AWS_ENDPOINT_URL": self.aws_endpoint_url,
            "AWS_ACCESS_KEY_ID": self.admin().access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.admin().secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
        }

    def endpoint_config(self) -> dict[str, Any]:
        """What points any stack at this sandbox (as `pulumi config set` would store it)."""
        return {
            "aws:region": self.region,
            "aws:endpoints": [{"ec2": self.aws_endpoint_url}],
            "aws:skipCredentialsValidation": True,
            "aws:skipRequestingAccountId": True,
            "aws:skipMetadataApiCheck": True,
            "aws:accessKey": self.stack_credentials[0],
            "aws:secretKey": self.stack_credentials[1],
            "heroku-peering:herokuApiUrl": self.heroku_url,
        }

    def demo_peering_config(self) -> dict[str, Any]:
        """The demo peering: the seeded space, VPC and security group."""
        return {
            "heroku-peering:space": self.space,
            "heroku-peering:vpcId": self.customer_vpc_id,
            "heroku-peering:ingress": [
                {
                    "securityGroupId": self.security_group_ids[0],
                    "protocol": "tcp",
                    "fromPort": 5432,
                    "toPort": 5432,
                    "description": "Heroku dynos to PostgreSQL",
                }
            ],
        }

    def stack_config(self) -> dict[str, Any]:
        """The `sandbox` stack's config for this sandbox: the endpoints and the demo peering."""
        return {**self.endpoint_config(), **self.demo_peering_config()}
