"""Run the real Pulumi CLI on a sandbox through ``python -m sandbox``, and read what it reports.

Every end-to-end test goes through here: the wrapper's ``--json`` carries the CLI's own events (its
steps, diagnostics and change counts), the exit code is the CLI's, and the state is read with
``pulumi stack export``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.pulumi_cli import ensure_cli
from sandbox.pulumi_environment import StateFolder
from sandbox.stack_commands import DEMO_STACK, Program, StackRun
from sandbox.world.sandbox_info import SandboxInfo

ROOT = Path(__file__).resolve().parents[2]
# Types the engine adds that no user resource stands for.
ENGINE_TYPES = ("pulumi:pulumi:Stack", "pulumi:providers:")
COMPONENT = "heroku-peering:index:HerokuPeering"


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def steps(self, refresh: bool = False) -> list[dict[str, Any]]:
        """The resources' steps (the update's; a preview's when the command was a preview), without the refresh
        that Pulumi.yaml's `refresh: always` runs first (``refresh=True``: those only)."""
        steps = self.report.get("steps") or (self.report.get("preview") or {}).get("steps") or []
        return [
            s
            for s in steps
            if not str(s["type"]).startswith(ENGINE_TYPES)
            and s["type"] != COMPONENT
            and (s["op"] == "refresh") == refresh
        ]

    def ops(self) -> Counter[str]:
        return Counter(str(step["op"]) for step in self.steps())

    def refreshed(self) -> list[dict[str, Any]]:
        """The refresh steps that found the resource changed (drift, or outputs that moved on)."""
        return [step for step in self.steps(refresh=True) if step["diffs"]]

    def changed(self) -> Counter[str]:
        """What changed, as the steps say (unchanged resources left out)."""
        return Counter({op: n for op, n in self.ops().items() if op != "same"})

    @property
    def errors(self) -> list[str]:
        return [d["message"] for d in self.report.get("diagnostics", []) if d.get("severity") == "error"]


def write_ready_file(info: SandboxInfo, directory: Path) -> Path:
    """What `serve --ready-file` writes, for a sandbox this test process runs itself."""
    path = directory / "ready.json"
    path.write_text(info.to_json())
    return path


def sandbox_run(
    ready: Path,
    command: str,
    *args: str,
    state: Path | None = None,
    program: Path | None = None,
    json_output: bool = True,
    timeout: float = 600,
    env: dict[str, str] | None = None,
    summary: bool = False,
) -> CliRun:
    """``python -m sandbox <command> --sandbox READY`` with this test's state folder.

    The wrapper's summary (both clouds read back after the command) only with ``summary=True``: tests read the
    clouds and the state themselves, and the demo and the docs' pages prove the summary as it is printed.
    """
    line = [sys.executable, "-m", "sandbox", command, "--sandbox", str(ready), *([] if summary else ["--no-summary"])]
    line += ["--state-dir", str(state or ready.parent / "state")]
    if program is not None:
        line += ["--program", str(program)]
    if json_output:
        line.append("--json")
    done = subprocess.run(
        [*line, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    report: dict[str, Any] = {}
    if json_output and done.stdout.strip():
        try:
            report = json.loads(done.stdout)
        except ValueError:
            report = {}
    return CliRun(done.returncode, done.stdout, done.stderr, report)


def stack_export(ready: Path, stack: str = DEMO_STACK, state: Path | None = None, program: Path | None = None) -> Any:
    """``pulumi stack export`` of a stack the wrapper made on this sandbox."""
    info = SandboxInfo.load(ready)
    folder = StateFolder((state or ready.parent / "state").resolve(), info.sandbox_id)
    run = StackRun(ensure_cli(print), folder, Program(program or ROOT), stack)
    return run.export()


def state_resources(exported: Any) -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = exported["deployment"].get("resources") or []
    return [r for r in resources if not str(r["type"]).startswith(ENGINE_TYPES)]
