"""``python -m sandbox preview|up|refresh|destroy``: the real program against the local sandbox."""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pulumi
import yaml

from providers.heroku_errors import HerokuError

from ..world.heroku_world import Timings
from ..world.local_sandbox import LocalSandbox, SandboxInfo, SandboxOptions
from .dynamic_host import ProviderError
from .engine import Deployment, RunnerError, run_up
from .program_runtime import PROJECT_ROOT
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
        parser.add_argument("--state-dir", type=Path, default=PROJECT_ROOT / ".sandbox-state")
        parser.add_argument("--json", action="store_true", help="print the summary as JSON (progress goes to stderr)")


def stack_config(stack: str, info: SandboxInfo, overrides: list[str]) -> dict[str, Any]:
    """Pulumi.<stack>.yaml, pointed at this sandbox's endpoints and ids, then the --config overrides."""
    path = PROJECT_ROOT / f"Pulumi.{stack}.yaml"
    config: dict[str, Any] = dict((yaml.safe_load(path.read_text()) or {}).get("config") or {}) if path.exists() else {}
    config.update(info.stack_config())
    config["heroku:apiKey"] = info.heroku_api_key
    for item in overrides:
        key, separator, value = item.partition("=")
        if not separator:
            raise RunnerError(f"--config {item!r}: use KEY=VALUE, e.g. --config routeTo=space")
        full = key if ":" in key else f"heroku-peering:{key}"
        config[full] = yaml.safe_load(value) if value else ""
    return config


@contextmanager
def sandbox_for(ready_file: Path | None) -> Iterator[SandboxInfo]:
    if ready_file is not None:
        yield SandboxInfo.load(ready_file)
        return
    sandbox = LocalSandbox(SandboxOptions(timings=Timings()))
    try:
        yield sandbox.start()
    finally:
        sandbox.stop()


def run(args: argparse.Namespace) -> int:
    out = sys.stderr if args.json else sys.stdout

    def say(line: str) -> None:
        print(line, file=out, flush=True)

    try:
        with sandbox_for(args.sandbox) as info:
            config = stack_config(args.stack, info, args.config)
            state_path = None
            if args.sandbox is not None:
                key = hashlib.sha256(f"{info.heroku_url} {info.aws_endpoint_url}".encode()).hexdigest()[:12]
                state_path = args.state_dir / f"{args.stack}-{key}.json"
            else:
                say(f"Started a fresh sandbox: Heroku {info.heroku_url}, AWS {info.aws_endpoint_url}")
            deployment = Deployment(
                config, state_path, info.aws_endpoint_url, info.region, say, preview=args.command == "preview"
            )
            title = {"preview": "Previewing update", "up": "Updating", "refresh": "Refreshing", "destroy": "Destroying"}
            say(f"{title[args.command]} ({args.stack}):")
            started = time.monotonic()
            try:
                if args.command in ("preview", "up"):
                    run_up(deployment, args.stack)
                elif args.command == "refresh":
                    deployment.refresh()
                else:
                    deployment.destroy()
            finally:
                deployment.close()
            counts = Counter(step.op for step in deployment.steps)
            say(
                "Resources: "
                + (", ".join(f"{n} {op}" for op, n in sorted(counts.items())) or "none")
                + f" ({time.monotonic() - started:.1f}s)"
            )
            summary = summarize(info, deployment.state)
    except (pulumi.RunError, RunnerError, HerokuError) as error:
        say(f"error: {error}")
        return 1
    except ProviderError as error:
        say(f"error: {error.method} failed: {error.reason}")
        return 1
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        say(render(summary))
    return 0
