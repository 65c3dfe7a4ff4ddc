"""A Python stack moved from this repository's program to the package, then living on with it, through the real
CLI on a served sandbox. The program (its dynamic acceptance) makes the peering; a Python program in a
virtualenv of its own takes the package (`pulumi install`, `pulumi package add`) and the stack over with no new
request or accept: the preview says the acceptance alone is updated (its state rewritten in the package's
form), the peering connection, routes and rules stay as they are. Then `refresh --expect-no-changes`; a
peering of a VPC, route table and security group the program makes (their ids are outputs when the component
gets them), through an AWS provider the program gives the component, made with the package; a bad input on a
new stack, refused before anything is made; `destroy`, which leaves nothing. The token is HEROKU_API_KEY: in
no output, the backend or Pulumi's home."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sandbox.scenarios.served_sandbox import start_served, stop_served
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.pulumi_runs import sandbox_run

from .consumers import (
    PACKAGE,
    PROGRAMS,
    Consumer,
    accepts,
    everything_under,
    heroku_rules,
    heroku_status,
    live_pcxs,
    routes_to,
    sandbox_config,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("installed_package")]

ACCEPTANCE = "heroku-peering:index:PeeringAcceptance"
DYNAMIC_ACCEPTANCE = "pulumi-python:dynamic/heroku:PeeringAcceptance"


@pytest.mark.timeout(1800)  # a whole life through the real CLI: minutes under load
def test_a_python_stack_moves_to_the_package_and_lives_on(tmp_path: Path) -> None:
    state = tmp_path / "state"
    ready = tmp_path / "ready.json"
    server = start_served(ready, "--state-dir", str(state))
    try:
        info = SandboxInfo.load(ready)
        made = sandbox_run(ready, "up", "--stack", "moved", "--skip-preview", state=state)
        assert made.returncode == 0, made.output[-3000:]
        consumer = Consumer.copied(PROGRAMS / "moved-stack", tmp_path, info, HEROKU_API_KEY=info.heroku_api_key)
        consumer.stack = "moved"
        consumer.config_file = state / info.sandbox_id[:12] / "stacks" / "heroku-peering" / "Pulumi.moved.yaml"
        whole_life(info, consumer)
    finally:
        stop_served(server)


def custom_resources(consumer: Consumer) -> dict[str, tuple[str, str]]:
    """URN (without its type chain) -> (type, id) of every resource the stack holds but the engine's own."""
    return {
        f"{r['urn'].split('::')[0]}::{r['urn'].rsplit('::', 1)[-1]}": (r["type"], r.get("id", ""))
        for r in consumer.resources()
        if r.get("custom")
    }


def whole_life(info: SandboxInfo, consumer: Consumer) -> None:
    token = info.heroku_api_key
    before = custom_resources(consumer)
    [pcx_id] = [id_ for kind, id_ in before.values() if kind == "aws:ec2/vpcPeeringConnection:VpcPeeringConnection"]
    assert DYNAMIC_ACCEPTANCE in {kind for kind, _ in before.values()} and accepts(info) == 1

    consumer.pulumi("install")
    consumer.pulumi("package", "add", str(PACKAGE))
    assert "sdks/heroku-peering" in (consumer.directory / "requirements.txt").read_text()

    # Taken over: the acceptance's state is rewritten (a read of Heroku), nothing else changes.
    plan = json.loads(consumer.pulumi("preview", "--json").stdout)
    ops = Counter((step["op"], step["newState"]["type"] if step.get("newState") else "") for step in plan["steps"])
    changed = {key: n for key, n in ops.items() if key[0] != "same"}
    assert changed == {("update", ACCEPTANCE): 1}, plan["steps"]
    consumer.pulumi("up", "--yes", "--skip-preview")  # its plan is the preview just checked
    after = custom_resources(consumer)
    assert {urn: id_ for urn, (_, id_) in after.items()} == {urn: id_ for urn, (_, id_) in before.items()}
    assert {kind for kind, _ in after.values()} - {kind for kind, _ in before.values()} == {ACCEPTANCE}
    assert accepts(info) == 1 and live_pcxs(info) == [(pcx_id, "active")]
    assert consumer.outputs()["heroku_status"] == {"main": "active"}
    consumer.pulumi("refresh", "--yes", "--expect-no-changes")
    kept = consumer.export("--show-secrets")
    consumer.commands.pop()  # it shows secrets, as asked
    holders = [r["type"] for r in kept["deployment"]["resources"] if token in json.dumps(r)]
    assert holders == []  # the program's dynamic provider (the stack config whole, secrets encrypted) is gone

    # A peering of a network this program makes: its ids reach the component as outputs.
    consumer.set_config({"heroku-peering:ownNetworkCidr": "192.168.60.0/24"}, {})
    consumer.pulumi("up", "--yes")  # its preview first, with the network's ids unknown
    outputs = consumer.outputs()
    own = outputs["pcx_ids"]["own"]
    assert outputs["heroku_status"] == {"main": "active", "own": "active"} and heroku_status(info, own) == "active"
    assert sorted(live_pcxs(info)) == sorted([(pcx_id, "active"), (own, "active")]) and accepts(info) == 2
    assert len(routes_to(info, own)) == 1 and len(outputs["rule_ids"]["own"]) == 4
    providers = {
        r["urn"].rsplit("::", 1)[-1]: r.get("provider", "") for r in consumer.resources() if r["urn"].endswith("-pcx")
    }
    assert "::pulumi:providers:aws::explicit::" in providers["own-pcx"]  # the component's, given by the program
    assert "::pulumi:providers:aws::default" in providers["main-pcx"]
    consumer.pulumi("refresh", "--yes", "--expect-no-changes")

    # A bad input on a new stack: refused before anything is made, the first error saying why.
    moved_stack, moved_config = consumer.stack, consumer.config_file
    consumer.stack, consumer.config_file = "bad", None
    consumer.pulumi("stack", "init", "bad")
    secrets = {"aws:secretKey": info.stack_credentials[1]}
    config = {key: value for key, value in sandbox_config(info).items() if key not in secrets}
    consumer.set_config({**config, "heroku-peering:space": info.space, "heroku-peering:vpcId": "vpc-0123abcd"}, secrets)
    refused = consumer.pulumi("up", "--yes", check=False)
    assert refused.returncode != 0
    errors = [line.strip() for line in refused.stdout.splitlines() if line.strip().startswith("error:")]
    assert errors and "HerokuPeering main: vpcId = 'vpc-0123abcd': AWS could not describe it" in errors[0], errors
    assert "Unexpected <class" not in refused.output
    assert consumer.resources() == [] and accepts(info) == 2 and len(live_pcxs(info)) == 2

    consumer.stack, consumer.config_file = moved_stack, moved_config
    consumer.pulumi("destroy", "--yes")
    assert consumer.resources() == [] and live_pcxs(info) == [] and heroku_rules(info) == []
    assert routes_to(info, pcx_id) == [] and routes_to(info, own) == []

    assert all(token not in ran.output for ran in consumer.commands)
    home, backend = Path(info.pulumi_environment["PULUMI_HOME"]), info.pulumi_environment["PULUMI_BACKEND_URL"]
    assert token not in everything_under(home)
    assert token not in everything_under(Path(backend.removeprefix("file://")))
    assert token not in consumer.pulumi("stack", "export").stdout
