"""The Heroku token, from each of its sources, appears nowhere the real CLI writes: not in the backend's files,
not in the CLI's output at -v=9 with the plugins' logs (--logflow --logtostderr: the program's, the
dynamic provider's and the sandbox's pulumi-aws's), not in `pulumi stack export`.

With `--show-secrets` one place remains for a token given as secret stack config: the engine hands a
dynamic provider the whole stack config as the inputs of its default provider, and stores them, secrets
encrypted (pkg/resource/deploy/target.go, GetPackageConfig: "For dynamic providers, we always pass the
full configuration"). From HEROKU_API_KEY or ~/.netrc the token is not in the state at all."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.pulumi_cli import ensure_cli
from sandbox.pulumi_environment import StateFolder
from sandbox.stack_commands import Program, StackRun, stack_config
from sandbox.world.heroku_world import Timings
from sandbox.world.local_sandbox import LocalSandbox, SandboxOptions
from sandbox.world.sandbox_info import SandboxInfo
from tests.support.pulumi_runs import ROOT

pytestmark = pytest.mark.e2e

SOURCES = ("secret config", "HEROKU_API_KEY", "netrc")


@pytest.fixture(scope="module")
def info() -> Iterator[SandboxInfo]:
    sandbox = LocalSandbox(SandboxOptions(timings=Timings(visibility_delay=0.3, provisioning=0.3)))
    yield sandbox.start()
    sandbox.stop()


def everything_under(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("source", SOURCES)
def test_the_token_is_nowhere(info: SandboxInfo, tmp_path: Path, source: str) -> None:
    token = info.heroku_api_key
    folder = StateFolder(tmp_path / "state", info.sandbox_id)
    stack = StackRun(ensure_cli(print), folder, Program(ROOT), "token", info.heroku_url)
    config = stack_config("token", info, [], Program(ROOT))
    if source != "secret config":
        del config["heroku:apiKey"]
    if source == "HEROKU_API_KEY":
        stack.environment["HEROKU_API_KEY"] = token
    if source == "netrc":  # what `heroku login` writes
        home = tmp_path / "home"
        home.mkdir()
        (home / ".netrc").write_text(f"machine api.heroku.com\n  login user@example.com\n  password {token}\n")
        (home / ".netrc").chmod(0o600)
        stack.environment["HOME"] = str(home)
    stack.prepare(config)
    outputs = []
    for command in ("up", "refresh", "destroy"):
        line = [str(stack.cli.executable), *stack.command_line(command, skip_preview=False, json_output=False)]
        line += ["-v=9", "--logtostderr", "--logflow", "--non-interactive"]
        done = subprocess.run(line, cwd=ROOT, env=stack.environment, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        outputs.append(done.stdout + done.stderr)
        if command == "up":
            assert "heroku: accepting" in done.stdout  # the token did reach Heroku
            exported = subprocess.run(
                [str(stack.cli.executable), "stack", "export", "-s", "token", "--show-secrets"],
                cwd=ROOT,
                env=stack.environment,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert "pcx-" in exported
            holders = [r["type"] for r in json.loads(exported)["deployment"]["resources"] if token in json.dumps(r)]
            assert holders == (["pulumi:providers:pulumi-python"] if source == "secret config" else [])
    assert sum(len(output) for output in outputs) > 100_000  # verbose logs were really written
    assert all(token not in output for output in outputs)
    assert token not in everything_under(folder.backend)
    assert token not in everything_under(folder.home)
    assert token not in stack.config_file.read_text()  # the secret config holds it encrypted only
    plain = subprocess.run(
        [str(stack.cli.executable), "stack", "export", "-s", "token"],
        cwd=ROOT,
        env=stack.environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert token not in plain
