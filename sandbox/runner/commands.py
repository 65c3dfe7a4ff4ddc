"""``python -m sandbox preview|up|refresh|destroy``: the real program against the local sandbox."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi
import yaml

from providers.heroku_errors import HerokuError

from ..world.aws_accounts import Credentials
from ..world.heroku_world import Timings
from ..world.local_sandbox import SANDBOX_SEED, LocalSandbox, SandboxInfo, SandboxOptions
from .aws_errors import AwsCallFailed
from .dynamic_host import ProviderError
from .engine import Deployment, RunnerError, carry_out
from .program_runtime import DEFAULT_PROGRAM, PROJECT, PROJECT_ROOT, Program
from .summary import render, summarize

COMMANDS = ("preview", "up", "refresh", "destroy")


def add_commands(commands: Any) -> None:
    for name in COMMANDS:
        parser = commands.add_parser(name, help=f"{name} the program on the sandbox stack")
        parser.add_argument(
            "--sandbox",
            type=Path,
            metavar="READY_FILE",
            help="attach to a sandbox started with `serve --ready-file` (default: start a fresh one)",
        )
        parser.add_argument(
            "--config",
            "-c",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override stack config like `pulumi up -c` (YAML values; repeatable)",
        )
        parser.add_argument(
            "--stack", default="sandbox", help="stack name: reads Pulumi.<stack>.yaml (default sandbox)"
        )
        parser.add_argument(
            "--program",
            type=Path,
            default=PROJECT_ROOT,
            metavar="DIR",
            help="the Pulumi program to run: a directory with Pulumi.yaml, __main__.py and stack files "
            "(default: this project); this project is importable from it",
        )
        parser.add_argument("--state-dir", type=Path, default=PROJECT_ROOT / ".sandbox-state")
        parser.add_argument(
            "--json", action="store_true", help="print the plan, steps and summary as JSON (progress goes to stderr)"
        )
        if name == "up":
            parser.add_argument(
                "--skip-preview",
                action="store_true",
                help="act without showing the plan first (`pulumi up --skip-preview`)",
            )


def stack_config(stack: str, info: SandboxInfo, items: list[str], program: Program = DEFAULT_PROGRAM) -> dict[str, Any]:
    """Pulumi.<stack>.yaml as written, pointed at this sandbox, then the --config overrides.

    The sandbox's demo peering (its space, VPC and security group) is only a default for a stack
    file that names no peering itself (no space, vpcId or peerings); overrides apply on top of it
    (``-c space= -c vpcId= -c ingress=`` clears it, e.g. for ``-c peerings=[...]``).
    """
    written = program.stack_config(stack)
    overrides: dict[str, Any] = {}
    for item in items:
        key, separator, value = item.partition("=")
        if not separator:
            raise RunnerError(f"--config {item!r}: use KEY=VALUE, e.g. --config routeTo=space")
        full = key if ":" in key else f"{program.name}:{key}"
        try:
            overrides[full] = yaml.safe_load(value) if value else ""
        except yaml.YAMLError as error:
            mark = getattr(error, "problem", None) or "not valid YAML"
            raise RunnerError(f"--config {key}: {value[:80]!r} is {mark}; quote it, e.g. -c '{key}=[...]'") from None
    config = {**written, **info.endpoint_config()}
    if not any(f"{PROJECT}:{key}" in written for key in ("space", "vpcId", "peerings")) and program.name == PROJECT:
        config.update(info.demo_peering_config())
    config["heroku:apiKey"] = info.heroku_api_key
    return {**config, **overrides}


def provider_credentials(config: dict[str, Any]) -> Credentials:
    """The AWS keys as pulumi-aws finds them: aws:accessKey/aws:secretKey, else the standard environment."""
    key = config.get("aws:accessKey") or os.environ.get("AWS_ACCESS_KEY_ID")
    secret = config.get("aws:secretKey") or os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        raise RunnerError(
            "aws: no valid credential sources found: set aws:accessKey and aws:secretKey in the stack "
            "(the sandbox's endpoint config does), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        )
    return Credentials(str(key), str(secret))


@contextmanager
def sandbox_for(ready_file: Path | None) -> Iterator[SandboxInfo]:
    if ready_file is not None:
        yield SandboxInfo.load(ready_file)
        return
    # Seeded like `serve`, so that the ids in Pulumi.sandbox.yaml are this sandbox's.
    sandbox = LocalSandbox(SandboxOptions(timings=Timings(), seed=SANDBOX_SEED))
    try:
        yield sandbox.start()
    finally:
        sandbox.stop()


@contextmanager
def heroku_host(url: str) -> Iterator[None]:
    """``HEROKU_HOST`` for programs that take no API URL from their config (the client falls back to it)."""
    before = os.environ.get("HEROKU_HOST")
    os.environ["HEROKU_HOST"] = url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("HEROKU_HOST", None)
        else:
            os.environ["HEROKU_HOST"] = before


def state_path_for(state_dir: Path, stack: str, info: SandboxInfo, say: Callable[[str], None]) -> Path:
    """One state file per stack and sandbox: a restarted sandbox (same ports) starts with an empty stack."""
    path = state_dir / f"{stack}-{info.sandbox_id[:12]}.json"
    others = [p for p in state_dir.glob(f"{stack}-*.json") if p != path] if state_dir.exists() else []
    if others and not path.exists():
        say(
            f"note: {len(others)} state file(s) of stack {stack} belong to other sandboxes and are not used; "
            "this sandbox starts with an empty stack"
        )
    return path


def run(args: argparse.Namespace) -> int:
    out = sys.stderr if args.json else sys.stdout

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    report: dict[str, Any] = {}
    program = Program(args.program.resolve())
    if not (program.directory / "Pulumi.yaml").exists() or not program.main.exists():
        say(f"error: --program {args.program}: a Pulumi program needs Pulumi.yaml and __main__.py there")
        return 1
    try:
        with sandbox_for(args.sandbox) as info, heroku_host(info.heroku_url):
            config = stack_config(args.stack, info, args.config, program)
            credentials = provider_credentials(config)
            state_path = None
            if args.sandbox is not None:
                state_path = state_path_for(args.state_dir, args.stack, info, say)
            else:
                say(f"Started a fresh sandbox: Heroku {info.heroku_url}, AWS {info.aws_endpoint_url}")

            def deployment(preview: bool) -> Deployment:
                return Deployment(
                    config,
                    state_path,
                    info.aws_endpoint_url,
                    info.region,
                    say,
                    preview,
                    sandbox_id=info.sandbox_id,
                    program=program,
                    credentials=credentials,
                )

            if args.command == "up" and not args.skip_preview:  # as `pulumi up --yes`: the plan, then the update
                report["plan"] = _operate(deployment(preview=True), "preview", args.stack, say)
            final = deployment(preview=args.command == "preview")
            report["plan" if args.command == "preview" else "steps"] = _operate(final, args.command, args.stack, say)
            report["summary"] = summarize(info, final.state)
    except (pulumi.RunError, RunnerError, HerokuError, AwsCallFailed) as error:
        say(f"error: {error}")
        return 1
    except ProviderError as error:
        say(f"error: {error.method} failed: {error.reason}")
        return 1
    if args.json:
        print(
            json.dumps(
                {**report["summary"], "plan": report.get("plan", []), "steps": report.get("steps", [])}, indent=2
            )
        )
    else:
        say(render(report["summary"]))
    return 0


def _counted(op: str, preview: bool) -> str:
    """As the CLI's summary: "2 to create" in a preview, "2 created" after an update."""
    if op == "same":
        return "unchanged"
    if preview:
        return f"to {op}"
    return {"read": "refreshed", "gone": "gone"}.get(op, op.rstrip("e") + "ed")


TITLES = {"preview": "Previewing update", "up": "Updating", "refresh": "Refreshing", "destroy": "Destroying"}


def _operate(deployment: Deployment, command: str, stack: str, say: Callable[[str], None]) -> list[dict[str, Any]]:
    """One engine operation; returns its steps (with their property changes) for --json."""
    say(f"{TITLES[command]} ({stack}):")
    if command != "refresh":
        deployment.warn_pending()
    started = time.monotonic()
    carry_out(deployment, command, stack)
    counts = Counter(step.op for step in deployment.steps)
    words = [f"{n} {_counted(op, command == 'preview')}" for op, n in sorted(counts.items())]
    say("Resources: " + (", ".join(words) or "none") + f" ({time.monotonic() - started:.1f}s)")
    return [
        step.change.to_json() if step.change is not None else {"op": step.op, "urn": step.urn}
        for step in deployment.steps
        if step.op != "same"
    ]
