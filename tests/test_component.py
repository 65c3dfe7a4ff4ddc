"""``HerokuPeering`` in programs of their own, under Pulumi mocks: ids that are ``Output``s of the same
program are checked once known and feed the resources; a failed check requests nothing.

AWS is ``fake_aws`` (the network a program makes joins it); Heroku is the emulator over real HTTP.
"""

from __future__ import annotations

import asyncio
import gc
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime import settings

from peering.errors import PlanError
from peering.model.args import HerokuPeeringArgs
from peering.program.preflight import plan_for
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.fake_aws import (
    ACCEPTANCE,
    COMPONENT,
    PCX,
    ROUTE,
    ROUTE_TABLE,
    RULE,
    SECURITY_GROUP,
    VPC,
    FakeAws,
    FakeVpc,
)
from tests.support.program_mocks import Program, RecordingMonitor, run_program

pytestmark = pytest.mark.program

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = Program(ROOT / "examples" / "vpc-and-peering")


@pytest.fixture
def heroku(sandbox_info: SandboxInfo, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxInfo]:
    """The programs here give no api_url: the client finds the emulator through HEROKU_HOST.

    Their exports and failed checks must not reach the next program run in this process: the tasks a
    failure leaves behind end here, the root stack (which holds the exports) is dropped, and the futures
    that carry the error the test has read are marked read (asyncio would report each when collected)."""
    monkeypatch.setenv("HEROKU_HOST", sandbox_info.heroku_url)
    yield sandbox_info
    loop = asyncio.get_event_loop()
    loop.run_until_complete(asyncio.gather(*asyncio.all_tasks(loop), return_exceptions=True))
    settings.ROOT.set(None)
    for future in [obj for obj in gc.get_objects() if isinstance(obj, asyncio.Future)]:
        if future.done() and not future.cancelled():
            future.exception()


def run(program: Program, config: dict[str, Any]) -> RecordingMonitor:
    monitor = RecordingMonitor(FakeAws([]))
    run_program(monitor, config, program=program)
    return monitor


def refused(program: Program, config: dict[str, Any], aws: FakeAws | None = None) -> tuple[str, RecordingMonitor]:
    """The message of a run that pre-flight stops."""
    monitor = RecordingMonitor(aws or FakeAws([]))
    with pytest.raises(PlanError) as caught:
        run_program(monitor, config, program=program)
    return str(caught.value), monitor


def a_program(tmp_path: Path, body: str) -> Program:
    """A program of a few lines that makes a VPC and peers it."""
    (tmp_path / "Pulumi.yaml").write_text("name: a-program\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "from peering.program.component import HerokuPeering, HerokuPeeringArgs, IngressArgs\n"
        'vpc = aws.ec2.Vpc("net", cidr_block="172.20.0.0/16")\n'
        'table = aws.ec2.RouteTable("net", vpc_id=vpc.id)\n' + textwrap.dedent(body)
    )
    return Program(tmp_path)


def test_output_ids_are_checked_when_known_and_feed_the_resources(heroku: SandboxInfo) -> None:
    monitor = run(EXAMPLE, {"heroku:apiKey": heroku.heroku_api_key})
    [vpc] = monitor.by_type(VPC)
    [table] = monitor.by_type(ROUTE_TABLE)
    [group] = monitor.by_type(SECURITY_GROUP)
    [component] = monitor.by_type(COMPONENT)
    [pcx] = monitor.by_type(PCX)
    [accept] = monitor.by_type(ACCEPTANCE)
    vpc_id = pcx.inputs["vpcId"]
    assert vpc_id.startswith("vpc-") and pcx.inputs["peerOwnerId"] == heroku.heroku_account_id
    assert accept.inputs["peer_vpc_id"] == vpc_id and accept.inputs["peer_account_id"] == "123456789012"
    [route] = monitor.by_type(ROUTE)
    assert route.name == "app-route-table0-10-0-0-0-16"  # named by position: the id was not known
    assert route.inputs["routeTableId"].startswith("rtb-")
    rules = monitor.by_type(RULE)
    assert len(rules) == 4 and all(r.inputs["securityGroupId"].startswith("sg-") for r in rules)
    assert all(child.parent == component.urn for child in (pcx, accept, route, *rules))
    assert {vpc.urn, table.urn, group.urn} <= {*pcx.dependencies, *route.dependencies, *rules[0].dependencies}


def test_a_network_that_overlaps_the_space_is_refused_before_the_request(heroku: SandboxInfo) -> None:
    config = {"heroku:apiKey": heroku.heroku_api_key, "vpc-and-peering:vpcCidr": "10.0.0.0/16"}
    message, monitor = refused(EXAMPLE, config)
    assert message.startswith("3 problems in the stack config; the peering was not requested")
    assert "HerokuPeering app: vpcId = 'vpc-" in message
    assert "the VPC's CIDR 10.0.0.0/16 overlaps the space's vpc_cidr 10.0.0.0/16" in message
    assert monitor.by_type(VPC) and monitor.by_type(PCX) == [] and monitor.by_type(ACCEPTANCE) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'HerokuPeering("app", HerokuPeeringArgs("demo-space", vpc.id, [table.id], pcx_id="pcx-0123456789abcdef0"))',
            "HerokuPeering app: pcx_id: adopting needs the VPC, route table and group ids known in the program",
        ),
        (
            'HerokuPeering("app", HerokuPeeringArgs("demo-space", vpc.id))',
            "HerokuPeering app: route_table_ids: list the route tables when vpc_id comes from another resource",
        ),
        (
            'rule = IngressArgs("sg-1", "all")\n'
            'HerokuPeering("app", HerokuPeeringArgs("demo-space", vpc.id, [table.id], ingress=[rule]))',
            "HerokuPeering app: ingress[0].securityGroupId = 'sg-1': give a security group id (sg-...) of the VPC",
        ),
    ],
    ids=["adoption with Output ids", "tables not listed", "a malformed plain id beside Output ones"],
)
def test_what_output_ids_cannot_do_is_refused_at_once(
    heroku: SandboxInfo, tmp_path: Path, body: str, expected: str
) -> None:
    message, monitor = refused(a_program(tmp_path, body), {"heroku:apiKey": heroku.heroku_api_key})
    assert message == expected
    assert monitor.by_type(COMPONENT) == [] and monitor.by_type(PCX) == []


def test_plain_args_are_checked_with_the_stack_configs_messages() -> None:
    """The same checks as the stack config's, each key named after the component (no request is made)."""
    with pytest.raises(PlanError) as caught:
        plan_for("app", HerokuPeeringArgs(space="", vpc_id="my-vpc", route_to="all", visibility_timeout=0))
    assert caught.value.problems == [
        "HerokuPeering app: space = '': set the Private Space name: pulumi config set space <name>",
        "HerokuPeering app: vpcId = 'my-vpc': set the id of your VPC (vpc-...): pulumi config set vpcId "
        "vpc-0123456789abcdef0",
        "HerokuPeering app: routeTo = 'all': use `vpc` (route the space's whole vpc_cidr, Heroku's advice) or `space`",
        "HerokuPeering app: visibilityTimeout = 0: give a positive whole number of seconds",
    ]
    assert isinstance(caught.value, pulumi.RunError)  # shown by Pulumi without a traceback


def test_components_checked_together_are_checked_against_each_other(heroku: SandboxInfo, tmp_path: Path) -> None:
    """Alone, each of these would pass (neither sees the other); checked together, the second is refused."""
    body = """
        from peering.model.args import NamedPeering
        from peering.program.preflight import checked_together

        peerings = [
            NamedPeering.for_component(name, HerokuPeeringArgs("demo-space", "vpc-0a1b2c3d4e5f60001"))
            for name in ("data", "web")
        ]
        checked = checked_together(peerings)
        made = [HerokuPeering(peering.name, peering.args, checked=checked) for peering in peerings]
    """
    aws = FakeAws([FakeVpc("vpc-0a1b2c3d4e5f60001", ["172.16.0.0/16"], ["rtb-0000000000000000a"])])
    message, monitor = refused(a_program(tmp_path, body), {"heroku:apiKey": heroku.heroku_api_key}, aws)
    assert message == (
        "HerokuPeering web: vpc-0a1b2c3d4e5f60001 is already peered with space demo-space by HerokuPeering data; "
        "AWS allows one peering connection between two VPCs. Remove one of them."
    )
    assert monitor.by_type(COMPONENT) == [] and monitor.by_type(PCX) == []
