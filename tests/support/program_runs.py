"""The program under Pulumi mocks against one emulator: its spaces, a fake AWS with two VPCs, a stack's config,
and a run that succeeds or one that pre-flight refuses before anything is registered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from sandbox.world.heroku_world import Space
from sandbox.world.local_sandbox import LocalSandbox, SandboxOptions
from tests.support.fake_aws import FakeAws, FakeVpc
from tests.support.program_mocks import PROJECT, RecordingMonitor, run_program
from tests.support.sandboxes import StartedSandbox

VPC = "vpc-0a1b2c3d4e5f60001"
OTHER_VPC = "vpc-0a1b2c3d4e5f60002"
RTB_A, RTB_B, RTB_C = "rtb-0000000000000000a", "rtb-0000000000000000b", "rtb-0000000000000000c"
SG = "sg-0000000000000000a"
OTHER_SG = "sg-0000000000000000b"


@pytest.fixture(scope="module")
def heroku(request: pytest.FixtureRequest) -> Iterator[StartedSandbox]:
    """One emulator with the demo space plus a second Cedar space and a Fir space."""
    sandbox = LocalSandbox(SandboxOptions(space_region="us-east-1"))  # the fake AWS below is in us-east-1 too
    info = sandbox.start()
    assert sandbox.world is not None and sandbox.emulator is not None
    sandbox.world.add_space(
        Space(
            name="second-space",
            region="us-east-1",
            vpc_cidr="10.20.0.0/16",
            data_cidr="10.21.0.0/16",
            space_cidr_blocks=("10.20.0.0/20",),
            dyno_cidr_blocks=("10.20.0.0/20",),
            unavailable_cidr_blocks=("10.21.0.0/16",),
        )
    )
    sandbox.world.add_space(Space(name="fir-space", region="us-east-1", generation="fir"))
    yield StartedSandbox(info, sandbox.emulator, sandbox.world)
    sandbox.stop()


def aws_world(**overrides: Any) -> FakeAws:
    vpcs = [
        FakeVpc(VPC, ["172.16.0.0/16"], [RTB_A, RTB_B, RTB_C], [SG]),
        FakeVpc(OTHER_VPC, ["192.168.0.0/16"], ["rtb-0000000000000000d"], [OTHER_SG]),
    ]
    return FakeAws(overrides.pop("vpcs", vpcs), **overrides)


def base_config(heroku: StartedSandbox, **values: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "heroku:apiKey": heroku.info.heroku_api_key,
        f"{PROJECT}:space": "demo-space",
        f"{PROJECT}:vpcId": VPC,
        f"{PROJECT}:herokuApiUrl": heroku.info.heroku_url,
        f"{PROJECT}:ingress": [{"securityGroupId": SG, "protocol": "tcp", "fromPort": 5432, "toPort": 5432}],
    }
    for key, value in values.items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        if value is None:
            config.pop(full, None)
        else:
            config[full] = value
    return config


def run(config: dict[str, Any], aws: FakeAws | None = None, preview: bool = False) -> RecordingMonitor:
    monitor = RecordingMonitor(aws or aws_world())
    run_program(monitor, config, preview=preview)
    return monitor


def fails(config: dict[str, Any], aws: FakeAws | None = None) -> tuple[str, RecordingMonitor]:
    monitor = RecordingMonitor(aws or aws_world())
    with pytest.raises(pulumi.RunError) as caught:
        run_program(monitor, config)
    assert monitor.registrations == [], "a pre-flight failure must register nothing"
    return str(caught.value), monitor
