"""``python -m sandbox check-policy``: prove an IAM policy for the AWS side of the stack on the sandbox.

The real program runs, through the real `pulumi` CLI, as an IAM user that has only the policy (moto
enforcing IAM), through a stack's whole life: up, refresh, a config change, a move to another space,
destroy, and the adoption of a hand-made peering. Then, for each action of the policy, the same life
on a fresh sandbox with that one action taken out: it must fail, and the failure must name that
action. Each run starts its own sandbox, so no run inherits another's leftovers.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SandboxError
from ..scenarios.peering_requests import hand_made_peering
from ..scenarios.served_sandbox import start_served
from ..world.sandbox_info import SandboxInfo

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POLICY = PROJECT_ROOT / "iam" / "deployer-policy.json"
SECOND_SPACE = "demo-space-2"  # same ranges as the demo space, as Heroku's default: the routes stay, their target moves


class PolicyFileError(SandboxError):
    """The policy file cannot be used; the message names the file, the problem and the fix."""


@dataclass(frozen=True)
class Phase:
    name: str
    scenario: str  # each scenario is one stack with its own state
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


WARNING_READ_SKIPPED = re.compile(r"not checked \(ec2:\w+")


@dataclass(frozen=True)
class LifeResult:
    """How far one life went: ``failed`` is the phase that failed (None: all passed) and its output."""

    failed: str | None
    output: str
    seconds: float
    runs: int

    def denied_action(self) -> str | None:
        """The action AWS refused, as its message names it ("not authorized to perform: ec2:X")."""
        found = re.search(r"not authorized to perform:? (ec2:\w+)", self.output)
        return found.group(1) if found else None


def load_policy(path: Path) -> dict[str, Any]:
    try:
        policy = json.loads(path.read_text())
    except OSError as error:
        raise PolicyFileError(f"policy {path}: cannot be read ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise PolicyFileError(f"policy {path}: not JSON ({error}); it must be an IAM policy document") from None
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if not isinstance(statements, list) or not statements:
        raise PolicyFileError(f"policy {path}: no Statement list; it must be an IAM policy document")
    for statement in statements:
        actions = statement.get("Action")
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            raise PolicyFileError(f"policy {path}: each statement needs an Action list of action names")
        wild = [a for a in actions if "*" in a or "?" in a]
        if wild:
            raise PolicyFileError(f"policy {path}: wildcard actions {wild}; name every action (least privilege)")
    return dict(policy)


def load_policy_text(path: Path) -> str:
    """The policy document as text, checked as ``load_policy`` does."""
    return json.dumps(load_policy(path))


def actions_of(policy: dict[str, Any]) -> list[str]:
    return sorted({action for statement in policy["Statement"] for action in statement["Action"]})


def without(policy: dict[str, Any], action: str) -> dict[str, Any]:
    """The policy with one action taken out (a statement left empty is dropped)."""
    statements = []
    for statement in policy["Statement"]:
        kept = [a for a in statement["Action"] if a != action]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**policy, "Statement": statements}


def live_once(policy: dict[str, Any], workdir: Path, say: Callable[[str], None] = lambda _: None) -> LifeResult:
    """The whole life on a fresh IAM-enforcing sandbox (`serve --iam-policy`), stopping at the first failure."""
    started = time.monotonic()
    policy_file = workdir / "policy.json"
    policy_file.write_text(json.dumps(policy, indent=2))
    ready = workdir / "ready.json"
    server = start_served(ready, "--iam-policy", str(policy_file), "--space", SECOND_SPACE)
    runs = 0
    try:
        info = SandboxInfo.load(ready)
        context: dict[str, str] = {}
        for phase in LIFE:
            if phase.before is not None:
                phase.before(info, context)
            runs += 1
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "sandbox",
                    phase.command,
                    "--sandbox",
                    str(ready),
                    "--stack",
                    "iam",
                    "--state-dir",
                    str(workdir / phase.scenario),
                    *(("--skip-preview",) if phase.command != "preview" else ()),
                    *phase.config(info, context),
                ],
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            # A read that only feeds a warning (pre-flight's network ACLs) does not fail the run when refused;
            # the run says it skipped the check, and that counts as the phase failing on the action.
            skipped = WARNING_READ_SKIPPED.search(result.stdout + result.stderr)
            say(f"    {phase.name}: {'ok' if result.returncode == 0 and not skipped else 'failed'}")
            if result.returncode != 0 or skipped:
                return LifeResult(phase.name, result.stdout + result.stderr, time.monotonic() - started, runs)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return LifeResult(None, "", time.monotonic() - started, runs)


@dataclass(frozen=True)
class Verdict:
    action: str
    result: LifeResult

    @property
    def needed(self) -> bool:
        """Taking the action out made a phase fail, on that very action."""
        return self.result.failed is not None and self.result.denied_action() == self.action


def check(policy_path: Path, say: Callable[[str], None] = print) -> tuple[int, dict[str, Any]]:
    """The whole life with the policy, then without each action; the exit code and a report."""
    policy = load_policy(policy_path)
    actions = actions_of(policy)
    with tempfile.TemporaryDirectory(prefix="check-policy-") as tmp:
        say(f"{policy_path}: {len(actions)} actions. The whole life with all of them:")
        (Path(tmp) / "full").mkdir()
        full = live_once(policy, Path(tmp) / "full", say)
        report: dict[str, Any] = {"policy": str(policy_path), "actions": actions, "full": _result_json(full)}
        if full.failed is not None:
            say(f"FAILED: the policy does not suffice: {full.failed} failed:\n{full.output}")
            return 1, report
        say(f"  every phase passed ({full.runs} runs, {full.seconds:.1f}s)")
        verdicts = []
        for action in actions:
            say(f"  without {action}:")
            workdir = Path(tmp) / action.replace(":", "-")
            workdir.mkdir()
            verdicts.append(Verdict(action, live_once(without(policy, action), workdir, say)))
    say("")
    say(f"| {'action taken out':40} | {'first phase to fail':28} | {'AWS denied':40} | runs | seconds |")
    say(f"|{'-' * 42}|{'-' * 30}|{'-' * 42}|------|---------|")
    for verdict in verdicts:
        result = verdict.result
        say(
            f"| {verdict.action:40} | {result.failed or 'none: not needed':28} | "
            f"{result.denied_action() or '-':40} | {result.runs:4} | {result.seconds:7.1f} |"
        )
    unneeded = [v for v in verdicts if not v.needed]
    for verdict in unneeded:
        say(f"\n{verdict.action}: taking it out did not make a phase fail on it. Output:\n{verdict.result.output}")
    total = sum(v.result.seconds for v in verdicts) + full.seconds
    say(
        f"\n{len(verdicts) - len(unneeded)} of {len(verdicts)} actions needed; the whole life passes with all "
        f"({full.seconds:.1f}s); {sum(v.result.runs for v in verdicts) + full.runs} runs in {total:.0f}s."
    )
    report["without"] = {v.action: _result_json(v.result) for v in verdicts}
    return (0 if not unneeded else 1), report


def _result_json(result: LifeResult) -> dict[str, Any]:
    return {
        "failed": result.failed,
        "denied": result.denied_action(),
        "runs": result.runs,
        "seconds": round(result.seconds, 1),
        "output": result.output,
    }


def add_command(commands: Any) -> None:
    parser = commands.add_parser(
        "check-policy",
        help="prove an IAM policy: the whole life as a user with only it, then without each of its actions",
    )
    parser.add_argument("--policy", type=Path, default=DEFAULT_POLICY, help=f"default {DEFAULT_POLICY.name}")
    parser.add_argument("--json", action="store_true", help="print the report as JSON (progress goes to stderr)")


def run(args: argparse.Namespace) -> int:
    def say(line: str) -> None:
        print(line, file=sys.stderr if args.json else sys.stdout, flush=True)

    try:
        code, report = check(args.policy, say)
    except PolicyFileError as error:
        say(f"error: {error}")
        return 1
    if args.json:
        print(json.dumps(report, indent=2))
    return code
