"""TypeScript and Go consumers compile: the SDK that `pulumi package gen-sdk` makes for each (with the SDK
generation of Pulumi's Node.js and Go hosts, as the sandbox builds it) and the example program against it,
`tsc` on the locked npm packages (package.json, package-lock.json, `npm ci`), `go build` on Pulumi's Go SDK
(go.mod, go.sum). The hosts that would run them cannot be had here (the Go module proxy refuses them). A
program that misuses the SDK does not compile, so the check is a real one."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.pulumi_cli import PulumiCli, ensure_cli
from sandbox.pulumi_environment import StateFolder, pulumi_environment

from .consumers import CACHES, EXAMPLES, PACKAGE

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("installed_package")]


@pytest.fixture(scope="module")
def cli() -> PulumiCli:
    return ensure_cli(print)


@pytest.fixture
def environment(cli: PulumiCli, tmp_path: Path) -> Iterator[dict[str, str]]:
    environment = {**os.environ, **pulumi_environment(cli, StateFolder(tmp_path / "state", "sdks").create())}
    if cli.sdkgen_dir is not None:  # a CLI built here: its SDK-generating hosts, for gen-sdk only
        environment["PATH"] = os.pathsep.join([str(cli.sdkgen_dir), environment["PATH"]])
    yield {**environment, **CACHES, "GOFLAGS": "-mod=readonly", "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"}


def run(line: list[str], directory: Path, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(line, cwd=directory, env=environment, capture_output=True, text=True, timeout=1200)


def generated(example: str, language: str, scratch: Path, environment: dict[str, str]) -> Path:
    directory = scratch / example
    shutil.copytree(EXAMPLES / example, directory)
    done = run(
        ["pulumi", "package", "gen-sdk", str(PACKAGE), "--language", language, "--out", "sdks"], directory, environment
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (directory / "sdks" / language).is_dir()
    return directory


@pytest.mark.timeout(900)  # npm ci, go build: minutes under load
def test_a_typescript_program_compiles_against_the_generated_sdk(tmp_path: Path, environment: dict[str, str]) -> None:
    directory = generated("typescript", "nodejs", tmp_path, environment)
    installed = run(["npm", "ci", "--no-audit", "--no-fund"], directory, environment)
    assert installed.returncode == 0, installed.stderr[-2000:]
    compiled = run(["npx", "--no-install", "tsc", "-p", "."], directory, environment)
    assert compiled.returncode == 0, compiled.stdout[-3000:]
    program = directory / "index.ts"
    program.write_text(program.read_text().replace("vpcId:", "vpcID:"))
    wrong = run(["npx", "--no-install", "tsc", "-p", "."], directory, environment)
    assert wrong.returncode != 0 and "vpcID" in wrong.stdout, wrong.stdout[-2000:]


@pytest.mark.timeout(900)  # npm ci, go build: minutes under load
def test_a_go_program_compiles_against_the_generated_sdk(tmp_path: Path, environment: dict[str, str]) -> None:
    directory = generated("go", "go", tmp_path, environment)
    built = run(["go", "build", "-trimpath", "-o", os.devnull, "."], directory, environment)
    assert built.returncode == 0, built.stderr[-3000:]
    program = directory / "main.go"
    program.write_text(program.read_text().replace("VpcId:", "VpcID:"))
    wrong = run(["go", "build", "-trimpath", "-o", os.devnull, "."], directory, environment)
    assert wrong.returncode != 0 and "VpcID" in wrong.stderr, wrong.stderr[-2000:]
