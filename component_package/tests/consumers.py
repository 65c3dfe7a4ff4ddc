"""Programs that use the package, run through the real Pulumi CLI against a served sandbox.

A consumer is one of ``examples/`` (or a test's own program) copied to a scratch folder, run with the
environment ``python -m sandbox serve`` writes for its sandbox (a local backend, a Pulumi home, the CLI
built here, the sandbox's pulumi-aws first on PATH) plus the tools' caches of the real home: the tests'
HOME is a scratch folder (tests/support/sandboxes.py), and pip, npm and Go would start cold there.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from sandbox.scenarios.peering_requests import customer_ec2
from sandbox.world.sandbox_info import SandboxInfo

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "component_package"
EXAMPLES = PACKAGE / "examples"
PROGRAMS = Path(__file__).resolve().parent / "programs"


def _go_env(name: str) -> str | None:
    go = shutil.which("go")
    if go is None:
        return None
    done = subprocess.run([go, "env", name], capture_output=True, text=True, check=False)
    return done.stdout.strip() or None


# Read before any test moves HOME.
CACHES = {
    "PIP_CACHE_DIR": str(Path.home() / ".cache" / "pip"),
    "npm_config_cache": str(Path.home() / ".npm"),
    **{name: value for name in ("GOMODCACHE", "GOCACHE", "GOPATH") if (value := _go_env(name))},
}


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Consumer:
    """A program folder and the CLI's environment for one sandbox; each command on ``stack``."""

    directory: Path
    environment: dict[str, str]
    stack: str = "dev"
    config_file: Path | None = None  # another stack file than Pulumi.<stack>.yaml (a stack moved from the program)
    commands: list[Ran] = field(default_factory=list)

    @classmethod
    def copied(cls, source: Path, scratch: Path, info: SandboxInfo, **environment: str) -> Consumer:
        directory = scratch / source.name
        shutil.copytree(source, directory)
        return cls(directory, consumer_environment(info, **environment))

    def pulumi(self, *args: str, check: bool = True, timeout: float = 900) -> Ran:
        """``pulumi ARGS --non-interactive`` in the program's folder (its stack and config file, for stack commands)."""
        line = ["pulumi", *args]
        if (
            args
            and args[0] in ("up", "preview", "refresh", "destroy", "config", "stack")
            and args[:2]
            != (
                "stack",
                "init",
            )
        ):
            line += ["-s", self.stack]
            if self.config_file is not None and args[0] in ("up", "preview", "refresh", "destroy", "config"):
                line += ["--config-file", str(self.config_file)]
        done = subprocess.run(
            [*line, "--non-interactive"],
            cwd=self.directory,
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        ran = Ran(done.returncode, done.stdout, done.stderr)
        self.commands.append(ran)
        if check and ran.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed ({ran.returncode}):\n{failure(ran)}")
        return ran

    def export(self, *args: str) -> dict[str, Any]:
        exported: dict[str, Any] = json.loads(self.pulumi("stack", "export", *args).stdout)
        return exported

    def resources(self) -> list[dict[str, Any]]:
        return [r for r in self.export()["deployment"].get("resources") or [] if not r["type"].startswith("pulumi:")]

    def outputs(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.pulumi("stack", "output", "--json").stdout)
        return found

    def set_config(self, plain: dict[str, Any], secrets: dict[str, str]) -> None:
        """The stack's config as ``pulumi config set`` writes it (plain values into the file, secrets encrypted)."""
        path = self.config_file or self.directory / f"Pulumi.{self.stack}.yaml"
        written = yaml.safe_load(path.read_text()) or {}
        written.setdefault("config", {}).update(plain)
        path.write_text(yaml.safe_dump(written, sort_keys=False))
        for key, value in secrets.items():
            self.pulumi("config", "set", "--secret", key, value)


def failure(ran: Ran) -> str:
    """What a failed command said: its errors (a --json document's error diagnostics), else its output's ends."""
    try:
        document = json.loads(ran.stdout)
    except ValueError:
        document = None
    if isinstance(document, dict):
        errors = [d["message"] for d in document.get("diagnostics") or [] if d.get("severity") == "error"]
        if errors:
            return "\n".join(errors)
    text = ran.output
    errors = [line for line in text.splitlines() if "error:" in line]
    return "\n".join(errors) if errors else text if len(text) < 8000 else f"{text[:4000]}\n...\n{text[-4000:]}"


def consumer_environment(info: SandboxInfo, **extra: str) -> dict[str, str]:
    """The sandbox's environment for the CLI; the token only as ``extra`` gives it."""
    ambient = {key: value for key, value in os.environ.items() if key != "HEROKU_API_KEY"}
    return {**ambient, **info.pulumi_environment, **CACHES, "HEROKU_HOST": info.heroku_url, **extra}


def sandbox_config(info: SandboxInfo) -> dict[str, Any]:
    """What points a stack at the sandbox's AWS (the Heroku URL comes from HEROKU_HOST)."""
    return {key: value for key, value in info.endpoint_config().items() if key.startswith("aws:")}


# -- what the tests read back ------------------------------------------------------------------


def requests_log(info: SandboxInfo) -> list[dict[str, Any]]:
    return list(requests.get(info.heroku_url + "/__sandbox/requests", timeout=5).json())


def accepts(info: SandboxInfo) -> int:
    """Accepts that reached Heroku (the emulator logs every request by route)."""
    return sum(1 for request in requests_log(info) if request["route"] in ("accept", "accept_cli"))


def live_pcxs(info: SandboxInfo) -> list[tuple[str, str]]:
    """The customer's peering connections that are not deleted: (id, status)."""
    found = customer_ec2(info).describe_vpc_peering_connections()["VpcPeeringConnections"]
    return sorted((p["VpcPeeringConnectionId"], p["Status"]["Code"]) for p in found if p["Status"]["Code"] != "deleted")


def routes_to(info: SandboxInfo, pcx_id: str) -> list[str]:
    tables = customer_ec2(info).describe_route_tables()["RouteTables"]
    return [t["RouteTableId"] for t in tables for r in t["Routes"] if r.get("VpcPeeringConnectionId") == pcx_id]


def heroku_rules(info: SandboxInfo) -> list[str]:
    """Security-group rules from the space's dyno ranges (10.0.0.0/16 in the sandbox)."""
    rules = customer_ec2(info).describe_security_group_rules()["SecurityGroupRules"]
    return [r["SecurityGroupRuleId"] for r in rules if str(r.get("CidrIpv4", "")).startswith("10.0.")]


def heroku_status(info: SandboxInfo, pcx_id: str) -> str | None:
    answer = requests.get(
        f"{info.heroku_url}/spaces/{info.space}/peerings/{pcx_id}",
        headers={"Accept": "application/vnd.heroku+json; version=3", "Authorization": f"Bearer {info.heroku_api_key}"},
        timeout=10,
    )
    return str(answer.json()["status"]) if answer.status_code == 200 else None


def everything_under(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())
