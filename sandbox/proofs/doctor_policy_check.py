"""``python -m sandbox check-doctor-policy``: prove the doctor's IAM policy on an IAM-enforcing sandbox.

A sandbox served with ``--iam-policy`` gives the deployer user only the policy; an administrator does
the seed's procedure by hand; then ``python -m peering doctor`` runs as a user runs it, with the
deployer's keys through boto3's own chain. It must pass with the whole policy and, with each action
taken out, report that action as refused. The doctor only reads, so one sandbox serves every run:
the deployer's policy is replaced between runs, as the customer's administrator would. Every action
must be a describe action.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..scenarios.network_faults import add_resource
from ..scenarios.peering_requests import hand_made_peering
from ..scenarios.served_sandbox import start_served
from ..world.iam_users import set_deployer_policy
from ..world.sandbox_info import SandboxInfo
from .command import add_proof_command, run_proof
from .policy_file import PolicyFileError, actions_of, load_policy, without
from .stack_life import PROJECT_ROOT

DEFAULT_POLICY = PROJECT_ROOT / "iam" / "doctor-policy.json"
DESCRIBE = re.compile(r"^ec2:Describe[A-Za-z]+$")


@dataclass(frozen=True)
class Run:
    """One doctor run: its exit code, the actions it reports refused, and its output."""

    exit_code: int
    refused: tuple[str, ...]
    output: str
    seconds: float


def load_describe_policy(path: Path) -> dict[str, Any]:
    """The policy, checked as the deploy policy is, and with describe actions only."""
    policy = load_policy(path)
    writes = [action for action in actions_of(policy) if not DESCRIBE.match(action)]
    if writes:
        raise PolicyFileError(f"policy {path}: {writes} are not describe actions; the doctor only reads")
    return policy


def doctor_as_deployer(info: SandboxInfo) -> Run:
    """The doctor with the deployer's keys, on the seeded VPC and the demo rule's port."""
    keys = info.stack_credentials
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(
        {
            **info.environment(),
            "AWS_ACCESS_KEY_ID": keys.access_key_id,
            "AWS_SECRET_ACCESS_KEY": keys.secret_access_key,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "peering",
            "doctor",
            "--space",
            info.space,
            "--vpc-id",
            info.customer_vpc_id,
            "--port",
            "tcp:5432",
            "--json",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    refused: tuple[str, ...] = ()
    if result.returncode in (0, 1) and result.stdout.strip():
        found = json.loads(result.stdout)["diagnoses"][0]["findings"]
        refused = tuple(f["object_id"] for f in found if f["check"] == "reads")
    return Run(result.returncode, refused, result.stdout + result.stderr, time.monotonic() - started)


def check(policy_path: Path, say: Callable[[str], None] = print) -> tuple[int, dict[str, Any]]:
    """The doctor with the policy, then without each action; the exit code and a report."""
    policy = load_describe_policy(policy_path)
    actions = actions_of(policy)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="doctor-policy-") as tmp:
        policy_file = Path(tmp) / "policy.json"
        policy_file.write_text(json.dumps(policy))
        ready = Path(tmp) / "ready.json"
        server = start_served(ready, "--iam-policy", str(policy_file))
        try:
            info = SandboxInfo.load(ready)
            hand_made_peering(info)
            add_resource(info, info.subnet_ids[0], info.security_group_ids[0])
            full = doctor_as_deployer(info)
            runs = {}
            for action in actions:
                set_deployer_policy(info.aws_endpoint_url, info.admin(), json.dumps(without(policy, action)))
                runs[action] = doctor_as_deployer(info)
        finally:
            server.terminate()
            server.wait(timeout=30)
    say(f"{policy_path}: {len(actions)} describe actions. The doctor with all of them: exit {full.exit_code}")
    say(f"| {'action taken out':36} | exit | {'refused, as the doctor reports':36} |")
    say(f"|{'-' * 38}|------|{'-' * 38}|")
    for action, run in runs.items():
        say(f"| {action:36} | {run.exit_code:4} | {', '.join(run.refused) or '-':36} |")
    needed = [action for action, run in runs.items() if run.exit_code == 1 and run.refused == (action,)]
    passed = full.exit_code == 0 and not full.refused
    if not passed:
        say(f"FAILED: the doctor does not pass with the whole policy:\n{full.output}")
    for action in sorted(set(actions) - set(needed)):
        say(f"\n{action}: taking it out did not make the doctor report it refused. Output:\n{runs[action].output}")
    say(
        f"\n{len(needed)} of {len(actions)} actions needed; the doctor passes with all: {'yes' if passed else 'NO'}; "
        f"{len(runs) + 1} runs in {time.monotonic() - started:.0f}s."
    )
    report = {
        "policy": str(policy_path),
        "actions": actions,
        "full": _run_json(full),
        "without": {action: _run_json(run) for action, run in runs.items()},
    }
    return (0 if passed and len(needed) == len(actions) else 1), report


def _run_json(run: Run) -> dict[str, Any]:
    return {
        "exit_code": run.exit_code,
        "refused": list(run.refused),
        "seconds": round(run.seconds, 1),
        "output": run.output,
    }


def add_command(commands: Any) -> None:
    help_text = "prove the doctor's IAM policy: the doctor as a user with only it, then without each of its actions"
    add_proof_command(commands, "check-doctor-policy", help_text, DEFAULT_POLICY)


def run(args: argparse.Namespace) -> int:
    return run_proof(check, args)
