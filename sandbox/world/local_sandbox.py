"""Start moto and the Heroku emulator on 127.0.0.1 with a demo space and a customer VPC."""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from . import aws_rules
from .aws_accounts import CUSTOMER_ACCOUNT_ID, HEROKU_ACCOUNT_ID, ec2_client
from .faults import FaultInjector
from .heroku_emulator import EmulatorSettings, HerokuEmulator
from .heroku_world import Behaviour, HerokuWorld, Space, Timings
from .iam_users import create_users, enforce
from .rate_limit import HEROKU_CAPACITY, HEROKU_REFILL_PER_MINUTE
from .sandbox_info import SandboxInfo

DEMO_SPACE = "demo-space"
DEMO_REGION = "us-east-1"
# The seed article's layout: the space in Tokyo, the customer's VPC in us-east-1 (an inter-region peering).
SEED_SPACE_REGION = "ap-northeast-1"
DEMO_VPC_CIDR = "172.16.0.0/16"
DEMO_SUBNETS = ("172.16.0.0/24", "172.16.1.0/24")


@dataclass
class SandboxOptions:
    timings: Timings = field(default_factory=Timings)
    behaviour: Behaviour = field(default_factory=Behaviour)
    token: str = ""
    region: str = DEMO_REGION
    space_region: str = SEED_SPACE_REGION
    rate_limit_capacity: int = HEROKU_CAPACITY
    rate_limit_refill_per_minute: float = HEROKU_REFILL_PER_MINUTE
    retry_after: int = 1
    faults: FaultInjector = field(default_factory=FaultInjector)
    extra_tokens: dict[str, set[str] | None] = field(default_factory=dict)
    heroku_port: int = 0  # 0: any free port
    aws_port: int = 0
    iam_policy: str | None = None  # enforce IAM: stacks act as a user with only this policy document
    extra_spaces: tuple[str, ...] = ()  # more spaces beside the demo one, with the same ranges (as Heroku's default)
    clock: Callable[[], float] = time.time  # the emulated Heroku's clock: tests step it instead of waiting


class LocalSandbox:
    """moto (both AWS accounts) plus the Heroku emulator, in this process."""

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = options or SandboxOptions()
        self.token = self.options.token or f"sandbox-{secrets.token_hex(16)}"
        self._moto: Any = None  # moto's ThreadedMotoServer, once started
        self.emulator: HerokuEmulator | None = None
        self.world: HerokuWorld | None = None
        self.info: SandboxInfo | None = None

    def start(self) -> SandboxInfo:
        # moto is imported here, not at the top: attaching to a sandbox (the Pulumi commands) never needs it.
        from moto.server import ThreadedMotoServer  # noqa: PLC0415

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        aws_rules.install()
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
        for name in self.options.extra_spaces:
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
