"""The official Heroku CLI (npm package `heroku`, installed by `make test`) against the emulator."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sandbox.scenarios.peering_requests import request_peering, wait_for_heroku_status
from sandbox.world.heroku_world import Timings
from tests.support.sandboxes import SandboxFactory

pytestmark = pytest.mark.sandbox

CLI = Path(__file__).resolve().parents[1] / ".cache/heroku-cli/node_modules/.bin/heroku"


@pytest.fixture
def heroku(make_sandbox: SandboxFactory, tmp_path: Path):
    assert CLI.exists(), f"the Heroku CLI is missing at {CLI}: run `make test`, which installs it with npm"
    # Long retention: the CLI takes a second or two to start, and must still see the deleted peering listed.
    sandbox = make_sandbox(timings=Timings(visibility_delay=0.3, provisioning=0.3, deleted_retention=600))
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "HEROKU_HOST": sandbox.info.heroku_url,
        "HEROKU_API_KEY": sandbox.info.heroku_api_key,
        "HEROKU_SKIP_NEW_VERSION_CHECK": "true",
        "HEROKU_DISABLE_AUTOUPDATE": "true",
        "DISABLE_TELEMETRY": "true",
    }

    def run(*args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
        call_env = env if token is None else {**env, "HEROKU_API_KEY": token}
        return subprocess.run([str(CLI), *args], env=call_env, capture_output=True, text=True, timeout=120)

    return sandbox, run


def test_the_seed_articles_commands(heroku) -> None:
    sandbox, run = heroku
    info = run("spaces:peering:info", "demo-space")
    assert info.returncode == 0, info.stderr
    assert "AWS VPC CIDR:      10.0.0.0/16" in info.stdout and "Unavailable CIDRs: 10.1.0.0/16" in info.stdout
    pcx_id = request_peering(sandbox.info)
    wait_for_heroku_status(sandbox.info, pcx_id, "pending-acceptance")
    listed = run("spaces:peerings", "demo-space")
    row = next(line for line in listed.stdout.splitlines() if pcx_id in line)
    assert "unknown" in row and "pending-acceptance" in row
    assert "heroku-managed" in listed.stdout
    accepted = run("spaces:peerings:accept", pcx_id, "--space", "demo-space")
    assert accepted.returncode == 0, accepted.stderr
    assert f"Accepting and configuring peering connection {pcx_id}" in accepted.stdout + accepted.stderr
    wait_for_heroku_status(sandbox.info, pcx_id, "active")
    row = next(line for line in run("spaces:peerings", "demo-space").stdout.splitlines() if pcx_id in line)
    assert "customer-managed" in row and " active " in row
    destroyed = run("spaces:peerings:destroy", pcx_id, "--space", "demo-space", "--confirm", pcx_id)
    assert destroyed.returncode == 0, destroyed.stderr
    row = next(line for line in run("spaces:peerings", "demo-space").stdout.splitlines() if pcx_id in line)
    assert "deleted" in row
    refused = run("spaces:peerings", "demo-space", token="wrong")
    assert refused.returncode != 0 and "invalid" in refused.stderr


def test_a_token_made_with_authorizations_create_is_accepted(heroku) -> None:
    """What the README's real-space path runs: `heroku authorizations:create -S` prints only a new token."""
    _, run = heroku
    made = run("authorizations:create", "-S", "-d", "pulumi-dev")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("sandbox-") and "\n" not in token
    info = run("spaces:peering:info", "demo-space", token=token)
    assert info.returncode == 0 and "AWS VPC CIDR:      10.0.0.0/16" in info.stdout, info.stderr
