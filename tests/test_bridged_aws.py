"""pulumi-aws built from terraform-provider-aws's code (``sandbox/pulumi-aws-bridged``, ``make aws-conformance``)
serves what the sandbox's own plugin serves, and the sandbox refuses to run on it before it is built. Nothing
here builds it (35-75 minutes): the Go program is read as text, and the build's cache is pointed elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sandbox import bridged_aws, cli
from sandbox.aws_plugin.data_sources import DATA_SOURCES
from sandbox.aws_plugin.resource_types import RESOURCE_TYPES
from sandbox.pulumi_cli import run_saying_progress

pytestmark = pytest.mark.sandbox

MAIN = bridged_aws.MODULE / "main.go"


def _tokens(block: str) -> set[str]:
    text = MAIN.read_text()
    body = text.split(f"var {block} = map[string]", 1)[1].split("\n}\n", 1)[0]
    return set(re.findall(r'"(aws:[^"]+)"', body))


def test_the_bridged_program_serves_the_sandbox_plugins_tokens() -> None:
    assert _tokens("resources") == set(RESOURCE_TYPES)
    assert _tokens("functions") == set(DATA_SOURCES)


def test_the_go_module_pins_the_fork_the_bridge_and_the_sdk_fork() -> None:
    go_mod = (bridged_aws.MODULE / "go.mod").read_text()
    assert (
        "replace github.com/hashicorp/terraform-provider-aws => "
        "github.com/upbound/terraform-provider-aws v0.0.0-20260305123303-f7691456b787"
    ) in go_mod
    assert "github.com/pulumi/pulumi-terraform-bridge/v3 v3.123.0" in go_mod
    assert "replace github.com/hashicorp/terraform-plugin-sdk/v2 => github.com/pulumi/terraform-plugin-sdk/v2" in go_mod
    assert (bridged_aws.MODULE / "go.sum").stat().st_size > 0


def test_the_sandbox_refuses_the_bridged_plugin_until_it_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "pulumi-aws-bridged"
    for name, path in (
        ("CACHE", cache),
        ("BINARY", cache / "pulumi-resource-aws.bin"),
        ("BIN_DIR", cache / "bin"),
        ("STAMP", cache / "stamp"),
    ):
        monkeypatch.setattr(bridged_aws, name, path)
    assert cli.main(["up", "--aws-plugin", "bridged"]) == 1
    said = capsys.readouterr()
    assert "(--aws-plugin bridged) is not built: build it with `make aws-conformance" in said.out + said.err
    assert cli.main(["serve", "--aws-plugin", "bridged", "--heroku-port", "0", "--aws-port", "0"]) == 1
    assert "is not built" in capsys.readouterr().err
    cache.mkdir()
    (cache / "pulumi-resource-aws.bin").write_text("#!/bin/sh\n")
    (cache / "stamp").write_text("an older module")
    assert cli.main(["bridged-aws"]) == 1
    assert "is out of date (its Go module changed)" in capsys.readouterr().err
    (cache / "stamp").write_text(bridged_aws._stamp())
    assert cli.main(["bridged-aws"]) == 0
    launcher = cache / "bin" / "pulumi-resource-aws"
    assert capsys.readouterr().out.strip() == str(launcher)
    assert f'PULUMI_AWS_VERSION="${{PULUMI_AWS_VERSION:-{bridged_aws.pulumi_aws_version()}}}"' in launcher.read_text()


def test_a_long_build_says_it_is_still_running_and_returns_its_exit_code_and_last_lines(tmp_path: Path) -> None:
    """The Go builds (the CLI's and this plugin's) run through one helper: progress while the command runs, then
    its exit code and the last 30 lines of stdout and stderr together."""
    elapsed: list[float] = []
    script = "for i in $(seq 1 40); do echo line $i; done; sleep 0.5; echo failed >&2; exit 3"
    environment = {"PATH": "/usr/bin:/bin"}
    returncode, tail = run_saying_progress(["sh", "-c", script], tmp_path, environment, 0.1, elapsed.append)
    assert returncode == 3
    assert tail.splitlines() == [*(f"line {i}" for i in range(12, 41)), "failed"]
    assert elapsed and elapsed == sorted(elapsed) and all(seconds > 0 for seconds in elapsed)
