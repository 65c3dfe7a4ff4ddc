"""Start moto and the Heroku emulator on 127.0.0.1 with a demo space and a customer VPC."""

from __future__ import annotations

import json
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from moto.moto_api._internal import mock_random
from moto.server import ThreadedMotoServer

from .aws_accounts import CUSTOMER_ACCOUNT_ID, HEROKU_ACCOUNT_ID, PLACEHOLDER, Credentials, ec2_client
from .faults import FaultInjector
from .heroku_emulator import EmulatorSettings, HerokuEmulator
from .heroku_world import Behaviour, HerokuWorld, Space, Timings
from .iam_users import create_users, enforce
from .rate_limit import HEROKU_CAPACITY, HEROKU_REFILL_PER_MINUTE

DEMO_SPACE = "demo-space"
DEMO_REGION = "us-east-1"
DEMO_VPC_CIDR = "172.16.0.0/16"
DEMO_SUBNETS = ("172.16.0.0/24", "172.16.1.0/24")
# `serve`'s defaults, which Pulumi.sandbox.yaml relies on.
SANDBOX_SEED = 2026
SANDBOX_HEROKU_PORT = 45600
SANDBOX_AWS_PORT = 45601


@dataclass
class SandboxOptions:
    timings: Timings = field(default_factory=Timings)
    behaviour: Behaviour = field(default_factory=Behaviour)
    token: str = ""
    region: str = DEMO_REGION
    space_region: str = DEMO_REGION
    rate_limit_capacity: int = HEROKU_CAPACITY
    rate_limit_refill_per_minute: float = HEROKU_REFILL_PER_MINUTE
    retry_after: int = 1
    faults: FaultInjector = field(default_factory=FaultInjector)
    extra_tokens: dict[str, set[str] | None] = field(default_factory=dict)
    heroku_port: int = 0  # 0: any free port
    aws_port: int = 0
    seed: int | None = None  # seeds moto's ids, so that a stack file can name the demo VPC
    iam_policy: str | None = None  # enforce IAM: stacks act as a user with only this policy document
    extra_spaces: tuple[str, ...] = ()  # more spaces beside the demo one, with the same ranges (as Heroku's default)
    clock: Callable[[], float] = time.time  # the emulated Heroku's clock: tests step it instead of waiting


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


class LocalSandbox:
    """moto (both AWS accounts) plus the Heroku emulator, in this process."""

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.token = self.options.token or f"sandbox-{secrets.token_hex(16)}"
        self._moto: ThreadedMotoServer | None = None
        self.emulator: HerokuEmulator | None = None
        self.world: HerokuWorld | None = None
        self.info: SandboxInfo | None = None

    def start(self) -> SandboxInfo:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        if self.options.seed is not None:
            mock_random.seed(self.options.seed)
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.options.aws_port, verbose=False)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        moto_url = f"http://{host}:{port}"
        self.world = HerokuWorld(
            moto_url, self.options.timings, clock=self.options.clock, behaviour=self.options.behaviour
        )
        space = self.world.add_space(Space(name=DEMO_SPACE, region=self.options.space_region))
        tokens: dict[str, set[str] | None] = {self.token: None, **self.options.extra_tokens}
        settings = EmulatorSettings(
            tokens=tokens,
            rate_limit_capacity=self.options.rate_limit_capacity,
            rate_limit_refill_per_minute=self.options.rate_limit_refill_per_minute,
            retry_after=self.options.retry_after,
            faults=self.options.faults,
        )
        self.emulator = HerokuEmulator(self.world, settings, port=self.options.heroku_port).start()
        self.info = self._seed_customer(moto_url, space)
        for name in self.options.extra_spaces:  # after the customer's VPC, whose seeded ids stack files name
            self.world.add_space(Space(name=name, region=self.options.space_region))
        if self.options.iam_policy is not None:
            users = create_users(moto_url, self.options.iam_policy)
            self.world.credentials = users.heroku_admin
            self.info = replace(
                self.info,
                iam_enforced=True,
                stack_credentials=users.deployer,
                admin_credentials={CUSTOMER_ACCOUNT_ID: users.customer_admin, HEROKU_ACCOUNT_ID: users.heroku_admin},
            )
            enforce(moto_url)
        return self.info

    def _seed_customer(self, moto_url: str, space: Space) -> SandboxInfo:
        region = self.options.region
        ec2 = ec2_client(moto_url, region, CUSTOMER_ACCOUNT_ID)
        vpc_id = ec2.create_vpc(CidrBlock=DEMO_VPC_CIDR)["Vpc"]["VpcId"]
        ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Name", "Value": "sandbox-customer"}])
        subnet_ids, table_ids = [], []
        for cidr in DEMO_SUBNETS:
            subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr)["Subnet"]["SubnetId"]
            table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
            subnet_ids.append(subnet)
            table_ids.append(table)
        group = ec2.create_security_group(GroupName="app", Description="application servers", VpcId=vpc_id)["GroupId"]
        assert self.emulator is not None
        return SandboxInfo(
            heroku_url=self.emulator.url,
            heroku_api_key=self.token,
            aws_endpoint_url=moto_url,
            region=region,
            space=space.name,
            space_id=space.id,
            space_region=space.region,
            heroku_account_id=HEROKU_ACCOUNT_ID,
            customer_account_id=CUSTOMER_ACCOUNT_ID,
            customer_vpc_id=vpc_id,
            customer_vpc_cidr=DEMO_VPC_CIDR,
            subnet_ids=subnet_ids,
            route_table_ids=table_ids,
            security_group_ids=[group],
            sandbox_id=uuid.uuid4().hex,
        )

    def stop(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
        if self._moto is not None:
            if self.info is not None and self.info.iam_enforced:  # moto's switch is process-wide
                enforce(self.info.aws_endpoint_url, on=False)
            self._moto.stop()

    def __enter__(self) -> SandboxInfo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
