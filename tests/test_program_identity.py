"""Stable identity and inputs as AWS takes them, through the program under Pulumi mocks.

A peering's resources are named from its own name, never from how the space or VPC is written; a renamed
peering is aliased to the name its state holds; what AWS would refuse or read otherwise is refused first.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.fake_aws import ACCEPTANCE, COMPONENT, PCX, ROUTE, RULE
from tests.support.program_runs import SG, VPC, aws_world, base_config, fails, heroku, run
from tests.support.sandboxes import StartedSandbox

pytestmark = pytest.mark.program
__all__ = ["heroku"]  # the module's sandbox fixture, shared


def names(monitor: Any) -> list[str]:
    return sorted(r.name for r in monitor.registrations)


def test_the_space_by_name_or_uuid_is_the_same_peering(heroku: StartedSandbox) -> None:
    space = heroku.world.find_space("demo-space")
    assert space is not None
    by_name = run(base_config(heroku))
    by_uuid = run(base_config(heroku, space=space.id))
    assert names(by_name) == names(by_uuid) and "main" in names(by_name)
    for monitor in (by_name, by_uuid):
        [pcx] = monitor.by_type(PCX)
        [accept] = monitor.by_type(ACCEPTANCE)
        assert pcx.inputs["tags"]["heroku-space"] == "demo-space" and pcx.inputs["tags"]["Name"] == "heroku-demo-space"
        assert accept.inputs["space"] == "demo-space"  # Heroku's own name, whatever the config says


def state_with(heroku: StartedSandbox, name: str) -> dict[str, Any]:
    """A state holding the demo space's peering under ``name``, as an older version named it."""
    space = heroku.world.find_space("demo-space")
    assert space is not None
    stack = "urn:pulumi:dev::heroku-peering::"
    return {
        f"{stack}{COMPONENT}::{name}": {"type": COMPONENT, "outputs": {}},
        f"{stack}{COMPONENT}${PCX}::{name}-pcx": {
            "type": PCX,
            "outputs": {"id": "pcx-0000000000000000a", "vpcId": VPC, "peerVpcId": space.vpc_id},
        },
    }


@pytest.mark.parametrize("old", ["demo-space", f"demo-space-{VPC}"])
def test_a_peering_the_state_holds_under_another_name_is_aliased(heroku: StartedSandbox, old: str) -> None:
    """The single form was named after the space, `peerings` items after space and VPC: both keep their resources."""
    aws = aws_world()
    aws.stack_state = state_with(heroku, old)
    [component] = run(base_config(heroku), aws).by_type(COMPONENT)
    assert component.name == "main" and component.alias_names == (old,)
    aws.stack_state = state_with(heroku, old)
    peerings = [{"name": "db", "space": "demo-space", "vpcId": VPC}]
    [component] = run(base_config(heroku, space=None, vpcId=None, ingress=None, peerings=peerings), aws).by_type(
        COMPONENT
    )
    assert component.name == "db" and component.alias_names == (old,)


def test_no_alias_for_a_new_stack(heroku: StartedSandbox) -> None:
    [component] = run(base_config(heroku)).by_type(COMPONENT)
    assert component.alias_names == ()


def test_each_item_of_peerings_needs_its_name(heroku: StartedSandbox) -> None:
    peerings = [{"space": "demo-space", "vpcId": VPC}]
    message, _ = fails(base_config(heroku, space=None, vpcId=None, ingress=None, peerings=peerings))
    assert message.startswith("heroku-peering:peerings[0].name is not set") and "name: demo-space" in message


def test_protect_protects_everything_of_the_peering(heroku: StartedSandbox) -> None:
    monitor = run(base_config(heroku, protect=True))
    children = [r for r in monitor.registrations if r.type in (PCX, ACCEPTANCE, ROUTE, RULE)]
    assert children and all(r.protect for r in children)
    assert not any(r.protect for r in run(base_config(heroku)).registrations)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"tags": {"Name": "mine"}}, "heroku-peering:tags.'Name': this project sets Name itself"),
        ({"tags": {"heroku-peering": "x"}}, "this project sets heroku-peering itself"),
        (
            {"ingress": [{"securityGroupId": SG, "protocol": "all", "fromPort": 5432, "toPort": 5432}]},
            "protocol all opens every port, so AWS would ignore them",
        ),
        ({"space": "s" * 250}, "the tag Name = heroku-<space> would pass AWS's 256 characters"),
        ({"space": "Demo-Space"}, "not a Heroku space name"),
        ({"space": " demo-space"}, "remove the spaces around it: 'demo-space'"),
        ({"protect": "yes"}, "heroku-peering:protect = 'yes': give true or false"),
    ],
    ids=["Name tag", "marker tag", "all with ports", "long space", "uppercase space", "padded space", "protect"],
)
def test_inputs_aws_would_refuse_or_read_otherwise(
    heroku: StartedSandbox, overrides: dict[str, Any], expected: str
) -> None:
    message, _ = fails(base_config(heroku, **overrides))
    assert expected in message


def test_a_huge_value_gives_a_short_message(heroku: StartedSandbox) -> None:
    message, _ = fails(base_config(heroku, space="a" * 100_000))
    assert len(message) < 600 and "(100002 characters)" in message


@pytest.mark.parametrize("token", ["{}\n", "  {}  ", "{}\r\n"], ids=["newline", "spaces", "crlf"])
def test_a_token_with_surrounding_whitespace_works(heroku: StartedSandbox, token: str) -> None:
    run(base_config(heroku, **{"heroku:apiKey": token.format(heroku.info.heroku_api_key)}))


def test_a_token_that_cannot_be_a_header_is_refused_unseen(heroku: StartedSandbox) -> None:
    secret = heroku.info.heroku_api_key
    broken = f"{secret[:6]}\n{secret[6:]}"
    message, _ = fails(base_config(heroku, **{"heroku:apiKey": broken}))
    assert "stack config heroku:apiKey holds a character an HTTP header cannot carry" in message
    assert secret[:6] not in message and secret[6:] not in message


def test_the_stacks_state_is_read_once(heroku: StartedSandbox) -> None:
    aws = aws_world()
    run(base_config(heroku), aws)
    assert aws.calls.count("pulumi:pulumi:readStackResourceOutputs") == 1
