"""What `serve` prints for a user to run: shell lines as typed, lists by `--path`, the block found whole."""

from __future__ import annotations

import shlex
import subprocess

import pytest

from sandbox.cli import describe
from sandbox.printed_commands import FOOTER, HEADING, config_commands, exports, printed_block
from sandbox.world.sandbox_info import SandboxInfo

pytestmark = pytest.mark.sandbox


def test_exports_survive_the_shell_as_written() -> None:
    variables = {"A": "plain", "B": "with space and 'quote'", "PATH": "/x y/bin:/z:$PATH"}
    script = "\n".join([*exports(variables), 'printf "%s\\n" "$A" "$B" "$PATH"'])
    shown = subprocess.run(["bash", "-c", script], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    assert shown.stdout.splitlines() == ["plain", "with space and 'quote'", "/x y/bin:/z:/usr/bin:/bin"]


def test_lists_and_maps_are_set_one_path_at_a_time() -> None:
    lines = config_commands(
        {
            "aws:endpoints": [{"ec2": "http://127.0.0.1:1"}],
            "aws:skipMetadataApiCheck": True,
            "aws:secretKey": "s3cret",
            "heroku-peering:visibilityTimeout": 60,
            "heroku-peering:ingress": [{"fromPort": 5432, "description": "to PostgreSQL"}],
        }
    )
    assert [shlex.split(line) for line in lines] == [
        ["pulumi", "config", "set", "--path", "aws:endpoints[0].ec2", "http://127.0.0.1:1"],
        ["pulumi", "config", "set", "--type", "bool", "aws:skipMetadataApiCheck", "true"],
        ["pulumi", "config", "set", "--secret", "aws:secretKey", "s3cret"],
        ["pulumi", "config", "set", "--type", "int", "visibilityTimeout", "60"],
        ["pulumi", "config", "set", "--path", "ingress[0].fromPort", "5432"],
        ["pulumi", "config", "set", "--path", "ingress[0].description", "to PostgreSQL"],
    ]


def test_the_block_is_found_only_once_printed_whole(sandbox_info: SandboxInfo) -> None:
    printed = describe(sandbox_info, {"PATH": "/cli/bin:$PATH", "PULUMI_HOME": "/home"})
    block = printed_block(printed)
    assert block[0] == f"export HEROKU_API_KEY={sandbox_info.heroku_api_key}"
    assert "pulumi stack init sandbox" in block
    assert f"pulumi config set vpcId {sandbox_info.customer_vpc_id}" in block
    assert block[-1] == f"pulumi config set --secret heroku:apiKey {sandbox_info.heroku_api_key}"
    cut = printed[: printed.index(FOOTER)]
    assert printed_block(cut) == [] and printed_block(printed.split(HEADING)[0]) == []
