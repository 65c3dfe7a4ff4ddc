"""A YAML program's whole life with the package, through the real CLI on a served sandbox, as the docs say:
`pulumi package add`, the schema the CLI reads as committed, a bad input refused before anything is made,
`up` (active on both sides, Heroku's progress shown with the acceptance), `preview` and `refresh
--expect-no-changes`, `destroy` (nothing left). The token is the package's secret provider config
(heroku-peering:apiKey): nowhere in any output (at -v=9, with the plugins' logs), the backend or Pulumi's
home, and in `pulumi stack export --show-secrets` only as the provider's encrypted input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from sandbox.scenarios.peering_requests import vpc_tables
from sandbox.scenarios.served_sandbox import start_served, stop_served
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.docs_pages import block

from .consumers import (
    EXAMPLES,
    PACKAGE,
    ROOT,
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


# The line README.md, README.ja.md and docs/component-package.md give, run as printed in an IaC repository
# with this one cloned beside it (here a link named as the docs name the clone).
ADD = block("docs/component-package.md", "run by", "pulumi package add").text
assert all(block(page, "run by", "pulumi package add").text == ADD for page in ("README.md", "README.ja.md"))


@pytest.mark.timeout(900)  # a whole life through the real CLI: minutes under load
def test_a_yaml_program_from_package_add_to_destroy(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    server = start_served(ready, "--state-dir", str(tmp_path / "state"))
    try:
        info = SandboxInfo.load(ready)
        (tmp_path / "heroku-peering").symlink_to(ROOT)
        whole_life(info, Consumer.copied(EXAMPLES / "yaml", tmp_path, info))
    finally:
        stop_served(server)


def whole_life(info: SandboxInfo, consumer: Consumer) -> None:
    token = info.heroku_api_key
    added = subprocess.run(
        ["bash", "-c", ADD], cwd=consumer.directory, env=consumer.environment, capture_output=True, text=True
    )
    assert added.returncode == 0, added.stdout + added.stderr
    project = yaml.safe_load((consumer.directory / "Pulumi.yaml").read_text())
    assert project["packages"] == {"heroku-peering": "../heroku-peering/component_package"}
    served = json.loads(consumer.pulumi("package", "get-schema", str(PACKAGE)).stdout)
    assert served == json.loads((PACKAGE / "schema.json").read_text()), "schema.json is not what the CLI reads"

    consumer.pulumi("stack", "init", "dev")
    secrets = {"aws:secretKey": info.stack_credentials[1], "heroku-peering:apiKey": token}
    config = {key: value for key, value in sandbox_config(info).items() if key not in secrets}
    program = {
        "peering-from-yaml:space": info.space,
        "peering-from-yaml:vpcId": info.customer_vpc_id,
        "peering-from-yaml:securityGroupId": info.security_group_ids[0],
    }

    # A space Heroku does not know: refused before anything is made, in one message.
    consumer.set_config({**config, **program, "peering-from-yaml:space": "no-such-space"}, secrets)
    refused = consumer.pulumi("up", "--yes", check=False)
    assert refused.returncode != 0
    errors = [line.strip() for line in refused.stdout.splitlines() if line.strip().startswith("error:")]
    assert errors and "space = 'no-such-space': Heroku does not know this space" in errors[0], refused.output
    assert "Traceback" not in refused.output and "Unexpected <class" not in refused.output
    assert consumer.resources() == [] and live_pcxs(info) == [] and accepts(info) == 0

    consumer.set_config(program, {})
    made = consumer.pulumi("up", "--yes", "-v=9", "--logtostderr", "--logflow")
    outputs = consumer.outputs()
    pcx_id = outputs["pcxId"]
    assert outputs["herokuStatus"] == "active" and heroku_status(info, pcx_id) == "active"
    assert live_pcxs(info) == [(pcx_id, "active")] and accepts(info) == 1
    assert sorted(routes_to(info, pcx_id)) == sorted([*info.route_table_ids, main_table(info)])
    assert len(heroku_rules(info)) == 4  # one per dyno CIDR
    shown = [line for line in made.stdout.splitlines() if "PeeringAcceptance main-accept" in line]
    assert any(f"heroku: accepting {pcx_id} in space {info.space}" in line for line in shown), made.stdout[-3000:]

    consumer.pulumi("preview", "--expect-no-changes")
    consumer.pulumi("refresh", "--yes", "--expect-no-changes")
    kept = consumer.export("--show-secrets")
    consumer.commands.pop()  # it shows secrets, as asked
    holders = [r["type"] for r in kept["deployment"]["resources"] if token in json.dumps(r)]
    assert holders == ["pulumi:providers:heroku-peering"]  # its apiKey input, encrypted in the state

    consumer.pulumi("destroy", "--yes")
    assert consumer.resources() == [] and live_pcxs(info) == []
    assert routes_to(info, pcx_id) == [] and heroku_rules(info) == []
    assert heroku_status(info, pcx_id) in ("deleted", None)

    assert sum(len(ran.output) for ran in consumer.commands) > 100_000  # verbose logs were written
    assert all(token not in ran.output for ran in consumer.commands)
    home, backend = Path(info.pulumi_environment["PULUMI_HOME"]), info.pulumi_environment["PULUMI_BACKEND_URL"]
    assert token not in everything_under(home)
    assert token not in everything_under(Path(backend.removeprefix("file://")))
    assert token not in (consumer.directory / "Pulumi.dev.yaml").read_text()
    assert token not in consumer.pulumi("stack", "export").stdout


def main_table(info: SandboxInfo) -> str:
    """The VPC's main route table (the sandbox lists the tables it made; the component routes every table)."""
    [main] = [table for table in vpc_tables(info) if table not in info.route_table_ids]
    return main
