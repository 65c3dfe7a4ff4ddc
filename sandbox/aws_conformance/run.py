"""Both plugins through every scenario, compared step by step; the table, and the full result as JSON.

A step matches when the two answers (the value or the error text, and the warnings and errors logged)
are the same once normalized (``normalize.py``); it is explained when each difference is one left on
purpose (``deliberate.py``); else it differs. The result is written to ``.cache/aws-conformance/`` and
the run fails when any step differs.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import bridged_aws
from ..pulumi_cli import PROJECT_ROOT
from ..world.local_sandbox import LocalSandbox, SandboxOptions
from ..world.sandbox_info import SandboxInfo
from .deliberate import explanation
from .normalize import differences, normalize
from .plugin_host import Answer, PluginHost
from .scenarios import SCENARIOS, Side

RESULTS = PROJECT_ROOT / ".cache" / "aws-conformance"
SANDBOX_PLUGIN = (sys.executable, "-m", "sandbox.aws_plugin")
Say = Callable[[str], None]


@dataclass
class StepResult:
    scenario: str
    label: str
    outcome: str  # match, explained, differs
    sandbox: Any
    bridged: Any
    differences: dict[str, Any] = field(default_factory=dict)
    why: str = ""


def plugin_env() -> dict[str, str]:
    """Both plugins see the same environment: no AWS settings of the caller's, no ~/.aws."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env["HOME"] = tempfile.mkdtemp(prefix="aws-conformance-home-")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return env


def _observed(step: Any, names: dict[str, str], hidden: list[str]) -> dict[str, Any]:
    answer = step.answer
    found: dict[str, Any] = {"error": answer.error} if answer.error is not None else {"value": answer.value}
    if step.logs:
        found["logs"] = [f"{severity}: {message}" for severity, message in step.logs]
    return dict(normalize(found, names, hidden))


def compare(scenario: str, sandbox: Side, bridged: Side) -> tuple[list[StepResult], list[str]]:
    results: list[StepResult] = []
    hidden: list[str] = []
    for index in range(max(len(sandbox.steps), len(bridged.steps))):
        mine = sandbox.steps[index] if index < len(sandbox.steps) else None
        theirs = bridged.steps[index] if index < len(bridged.steps) else None
        label = (mine or theirs).label  # type: ignore[union-attr]
        left = _observed(mine, sandbox.names, hidden) if mine else {"error": "(no such step)"}
        right = _observed(theirs, bridged.names, hidden) if theirs else {"error": "(no such step)"}
        if mine and theirs and mine.label != theirs.label:
            left["label"], right["label"] = mine.label, theirs.label
        found = differences(left, right)
        if not found:
            results.append(StepResult(scenario, label, "match", left, right))
            continue
        why = explanation(scenario, label, list(found))
        results.append(StepResult(scenario, label, "explained" if why else "differs", left, right, found, why or ""))
    return results, sorted(set(hidden))


def run_scenarios(
    info: SandboxInfo, bridged_command: Sequence[str], only: Sequence[str] = (), say: Say = print
) -> tuple[list[StepResult], list[str]]:
    env = plugin_env()
    results: list[StepResult] = []
    hidden: list[str] = []
    with PluginHost(SANDBOX_PLUGIN, env) as mine, PluginHost(bridged_command, env) as theirs:
        for name, scenario in SCENARIOS.items():
            if only and name not in only and name != "provider":
                continue
            say(f"  {name}")
            sides = []
            for plugin, host in (("sandbox", mine), ("bridged", theirs)):
                side = Side(plugin, host, info)
                try:
                    side.make_world()
                    scenario(side)
                except Exception as error:
                    side.record("(the scenario stopped)", _failure(error))
                side.cleanup()
                sides.append(side)
            found, keys = compare(name, sides[0], sides[1])
            results.extend(found)
            hidden.extend(keys)
    return results, sorted(set(hidden))


def _failure(error: Exception) -> Answer:
    return Answer(error=f"{type(error).__name__}: {error}")


def table(results: list[StepResult]) -> str:
    rows = []
    for scenario in dict.fromkeys(r.scenario for r in results):
        mine = [r for r in results if r.scenario == scenario]
        count = {outcome: sum(r.outcome == outcome for r in mine) for outcome in ("match", "explained", "differs")}
        rows.append((scenario, len(mine), count["match"], count["explained"], count["differs"]))
    total = (
        "total",
        len(results),
        sum(r[2] for r in rows),
        sum(r[3] for r in rows),
        sum(r[4] for r in rows),
    )
    lines = ["| scenario | steps | match | differ, explained | differ |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} |" for r in [*rows, total]]
    return "\n".join(lines)


def details(results: list[StepResult]) -> str:
    lines = []
    for result in results:
        if result.outcome == "match":
            continue
        lines.append(
            f"- [{result.outcome}] {result.scenario} / {result.label}" + (f": {result.why}" if result.why else "")
        )
        for path, (left, right) in result.differences.items():
            lines.append(
                f"    {path}:\n      sandbox: {json.dumps(left)[:600]}\n      bridged: {json.dumps(right)[:600]}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m sandbox.aws_conformance", description=__doc__)
    parser.add_argument("--only", action="append", default=[], choices=sorted(SCENARIOS), help="run these scenarios")
    parser.add_argument(
        "--against-sandbox",
        action="store_true",
        help="compare the sandbox's plugin with itself (checks the run itself; builds nothing)",
    )
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        print(line, flush=True)

    if args.against_sandbox:
        bridged_command: Sequence[str] = SANDBOX_PLUGIN
    else:
        bridged_command = (str(bridged_aws.build(say) / "pulumi-resource-aws"),)
    sandbox = LocalSandbox(SandboxOptions())
    info = sandbox.start()
    say("Driving both plugins through the scenarios (the sandbox's pulumi-aws, then the bridged real code):")
    try:
        results, hidden = run_scenarios(info, bridged_command, args.only, say)
    finally:
        sandbox.stop()
    date = datetime.date.today().isoformat()
    say(f"\nConformance of the sandbox's pulumi-aws with terraform-provider-aws's code ({date}):\n")
    say(table(results))
    if hidden:
        say(f"\nLeft out of the comparison: the bridge's hidden state keys {', '.join(hidden)}.")
    text = details(results)
    if text:
        say("\nSteps that differ:\n" + text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "last.json").write_text(
        json.dumps({"date": date, "hidden_keys": hidden, "steps": [r.__dict__ for r in results]}, indent=1, default=str)
    )
    (RESULTS / "last.md").write_text(f"Last run {date}:\n\n{table(results)}\n")
    say(f"\nThe full result: {(RESULTS / 'last.json').relative_to(PROJECT_ROOT)}")
    return 1 if any(r.outcome == "differs" for r in results) else 0
