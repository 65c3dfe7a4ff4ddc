"""A stack's whole life on an IAM-enforcing sandbox, phase by phase, with the deployer's requests recorded.

``LIFE`` is the life ``check-policy`` proves a policy on: up, refresh, a change of tags and of a rule's
description, a move to another space, destroy, then a hand-made peering adopted, refreshed and
destroyed. ``IamSandbox`` serves one sandbox (``serve --iam-policy``) where the stack acts as the
deployer user: its policy can be replaced between runs as the customer's administrator would
(``iam:PutUserPolicy``), and the EC2 actions the deployer's requests asked for are read from moto's
recorder (its ``/moto-api/recorder/`` endpoints and ``MOTO_RECORDER_FILEPATH``, docs.getmoto.org,
"Recorder"): the program's own boto3 reads and the AWS plugin's alike.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from ..errors import SandboxError
from ..scenarios.peering_requests import hand_made_peering
from ..scenarios.served_sandbox import start_served, stop_served
from ..world.iam_users import set_deployer_policy
from ..world.sandbox_info import SandboxInfo

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECOND_SPACE = "demo-space-2"  # same ranges as the demo space, as Heroku's default: the routes stay, their target moves


@dataclass(frozen=True)
class Phase:
    """One `python -m sandbox` command of the life; ``scenario`` names the stack (each has its own state)."""

    name: str
    scenario: str
    command: str
    config: Callable[[SandboxInfo, dict[str, str]], list[str]]
    before: Callable[[SandboxInfo, dict[str, str]], None] | None = None


CLEAR_DEMO = ("-c", "space=", "-c", "vpcId=", "-c", "ingress=")


def _peering(info: SandboxInfo, space: str, description: str) -> str:
    """One named peering: its resources keep their names when it moves to another space.

    Given with ``-c``, after the sandbox's demo peering is cleared (the top-level keys and
    ``peerings`` exclude each other).
    """
    return (
        f"peerings=[{{name: app, space: {space}, vpcId: {info.customer_vpc_id}, ingress: [{{securityGroupId: "
        f"{info.security_group_ids[0]}, protocol: tcp, fromPort: 5432, toPort: 5432, "
        f"description: {description}}}]}}]"
    )


def _first(info: SandboxInfo, _: dict[str, str]) -> list[str]:
    tags = "tags={environment: sandbox, owner: platform}"
    return [*CLEAR_DEMO, "-c", tags, "-c", _peering(info, info.space, "dynos")]


def _changed(info: SandboxInfo, _: dict[str, str]) -> list[str]:
    """A tag removed and one changed (DeleteTags, CreateTags), the rule's description changed in place
    (ModifySecurityGroupRules; other ports would name another rule, made anew)."""
    return [*CLEAR_DEMO, "-c", "tags={environment: staging}", "-c", _peering(info, info.space, "dynos to PostgreSQL")]


def _moved(info: SandboxInfo, _: dict[str, str]) -> list[str]:
    """Another space with the same ranges: a new pcx, the routes re-pointed in place (ReplaceRoute)."""
    return [*CLEAR_DEMO, "-c", "tags={environment: staging}", "-c", _peering(info, SECOND_SPACE, "dynos to PostgreSQL")]


def _make_by_hand(info: SandboxInfo, context: dict[str, str]) -> None:
    """The seed's procedure by an administrator, with a route in one table only, so that adopting it
    creates the other routes and the marker tag (aws.ec2.Tag)."""
    context["pcx"] = hand_made_peering(info, route_tables=info.route_table_ids[:1], rule=False)


def _adopting(info: SandboxInfo, context: dict[str, str]) -> list[str]:
    """The demo peering's top-level keys with pcxId."""
    return ["-c", f"pcxId={context['pcx']}", "-c", "tags={environment: sandbox}"]


LIFE = (
    Phase("up", "new", "up", _first),
    Phase("refresh", "new", "refresh", _first),
    Phase("change tags and rule", "new", "up", _changed),
    Phase("move to another space", "new", "up", _moved),
    Phase("destroy", "new", "destroy", _moved),
    Phase("adopt a hand-made peering", "adopted", "up", _adopting, _make_by_hand),
    Phase("refresh adopted", "adopted", "refresh", _adopting),
    Phase("destroy adopted", "adopted", "destroy", _adopting),
)


def scenario_start(index: int) -> int:
    """Where the scenario of ``LIFE[index]`` starts: its stack does not exist before that phase."""
    return next(i for i, phase in enumerate(LIFE) if phase.scenario == LIFE[index].scenario)


def restoring_phase(index: int) -> int | None:
    """The phase whose run brings the stack back to where ``LIFE[index]`` started, run again after it
    failed part-way: the scenario's last ``up`` before it (None: the scenario starts there)."""
    ups = [i for i in range(scenario_start(index), index) if LIFE[i].command == "up"]
    return ups[-1] if ups else None


# A read that only feeds a warning (pre-flight's network ACLs) does not fail the run when refused; the run
# says it skipped the check, and that counts as the phase failing on the action.
WARNING_READ_SKIPPED = re.compile(r"not checked \(ec2:\w+")
DENIED = re.compile(r"not authorized to perform:? (ec2:\w+)")


@dataclass(frozen=True)
class PhaseRun:
    """One phase's run: whether it passed (exit 0, no check skipped for want of a permission) and its output."""

    phase: str
    passed: bool
    output: str

    def denied_action(self) -> str | None:
        """The action AWS refused, as its message names it ("not authorized to perform: ec2:X")."""
        found = DENIED.search(self.output)
        return found.group(1) if found else None


class ProofError(SandboxError):
    """A run the proof needs to pass, with the whole policy, failed; the message has its output."""


@dataclass
class IamSandbox:
    """A served sandbox enforcing IAM with the deployer's policy ``policy``, in ``workdir``; stop it after use.

    With ``record``, moto records every request, for ``called``."""

    policy: dict[str, Any]
    workdir: Path
    record: bool = False
    runs: int = 0
    context: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        policy_file = self.workdir / "policy.json"
        policy_file.write_text(json.dumps(self.policy, indent=2))
        self.ready = self.workdir / "ready.json"
        recording = {"MOTO_RECORDER_FILEPATH": str(self.workdir / "requests.jsonl")}
        self.process = start_served(
            self.ready, "--iam-policy", str(policy_file), "--space", SECOND_SPACE, env=recording
        )
        self.info = SandboxInfo.load(self.ready)
        if self.record:
            self._recorder("start-recording")

    def __enter__(self) -> IamSandbox:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            stop_served(self.process)

    def set_policy(self, policy: dict[str, Any]) -> None:
        """The deployer's policy from the next request on."""
        set_deployer_policy(self.info.aws_endpoint_url, self.info.admin(), json.dumps(policy))

    def run(self, phase: Phase) -> PhaseRun:
        """``python -m sandbox <command>`` of ``phase`` on this sandbox, as the deployer; its ``before`` first."""
        if phase.before is not None:
            phase.before(self.info, self.context)
        self.runs += 1
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "sandbox",
                phase.command,
                "--sandbox",
                str(self.ready),
                "--stack",
                "iam",
                "--state-dir",
                str(self.workdir / phase.scenario),
                "--skip-preview",
                "--no-summary",  # the proof reads the exit code and the warnings; the summary is read as admin
                *phase.config(self.info, self.context),
            ],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        output = result.stdout + result.stderr
        return PhaseRun(phase.name, result.returncode == 0 and not WARNING_READ_SKIPPED.search(output), output)

    def run_whole(self, phase: Phase) -> None:
        """``run`` a phase that must pass (the policy is the whole one); ``ProofError`` with its output if not."""
        outcome = self.run(phase)
        if not outcome.passed:
            raise ProofError(
                f"{phase.name} failed with the whole policy, as it did not in the whole life:\n{outcome.output}"
            )

    def called(self) -> list[str]:
        """The actions the deployer's requests asked for since the last call, in order (then forgotten);
        only a sandbox made with ``record``."""
        if not self.record:
            raise ValueError("IamSandbox.called: this sandbox records nothing (record=False)")
        answer = requests.get(f"{self.info.aws_endpoint_url}/moto-api/recorder/download-recording", timeout=30)
        answer.raise_for_status()
        self._recorder("reset-recording")
        key = self.info.stack_credentials[0]
        return [
            action for line in answer.text.splitlines() if line.strip() for action in _action(json.loads(line), key)
        ]

    def _recorder(self, command: str) -> None:
        answer = requests.post(f"{self.info.aws_endpoint_url}/moto-api/recorder/{command}", timeout=30)
        answer.raise_for_status()


SCOPE = re.compile(r"Credential=([^/,\s]+)/[^/]+/[^/]+/([^/]+)/aws4_request")


def _action(entry: dict[str, Any], access_key: str) -> list[str]:
    """``["service:Action"]`` for a recorded query-protocol request signed with ``access_key``, else ``[]``.

    The access key and the service are the SigV4 credential scope's (``Credential=KEY/date/region/service/
    aws4_request``); the action is the query's or the form body's ``Action`` (EC2's protocol).
    """
    headers = {name.lower(): value for name, value in entry.get("headers", {}).items()}
    scope = SCOPE.search(headers.get("authorization", ""))
    if scope is None or scope.group(1) != access_key:
        return []
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    fields = {**parse_qs(urlsplit(entry.get("url", "")).query), **parse_qs(body)}
    return [f"{scope.group(2)}:{fields['Action'][0]}"] if "Action" in fields else []
