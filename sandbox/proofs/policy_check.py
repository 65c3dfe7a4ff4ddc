"""``python -m sandbox check-policy``: prove an IAM policy for the AWS side of the stack on the sandbox.

Sufficient: the real program runs, through the real `pulumi` CLI, as an IAM user that has only the
policy (moto enforcing IAM), through a stack's whole life (``stack_life.LIFE``), and every phase passes.
That life's requests are recorded, so the proof knows the phase where each action is first asked for.

Needed: for each action, the life without it must fail, and the failure must name that action. Before
the phase that first asks for the action, the life without it runs exactly as the whole life did, so
the proof starts it there. An action first asked for where a scenario starts (``up``, the adoption)
gets a fresh sandbox and the life from that phase. A later one is tried on one sandbox that walks the
life with the whole policy: brought to just before the phase, the action taken out, the phase run;
after the failure, as a user would, the phase again with the whole policy, then the stack put back as
it was before the phase by its previous ``up``. An action the whole life never asks for, or one whose
phase passes without it, gets the whole life without it on a fresh sandbox, from the start.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .command import add_proof_command, run_proof
from .policy_file import actions_of, load_policy, without
from .stack_life import LIFE, PROJECT_ROOT, IamSandbox, PhaseRun, restoring_phase, scenario_start

DEFAULT_POLICY = PROJECT_ROOT / "iam" / "deployer-policy.json"
Say = Callable[[str], None]


@dataclass(frozen=True)
class LifeResult:
    """A life tried from phase ``start``: ``failed`` is the phase that failed (None: all passed) and its output."""

    start: str
    failed: str | None
    output: str
    seconds: float
    runs: int

    def denied_action(self) -> str | None:
        """The action AWS refused, as its message names it ("not authorized to perform: ec2:X")."""
        return PhaseRun("", False, self.output).denied_action()


def life_from(policy: dict[str, Any], start: int, workdir: Path, say: Say) -> tuple[LifeResult, dict[str, list[str]]]:
    """``LIFE[start:]`` on a fresh sandbox with ``policy``, to the first failure; what each phase asked for."""
    started = time.monotonic()
    called: dict[str, list[str]] = {}
    with IamSandbox(policy, workdir, record=True) as sandbox:
        for phase in LIFE[start:]:
            outcome = sandbox.run(phase)
            called[phase.name] = sandbox.called()
            say(f"    {phase.name}: {'ok' if outcome.passed else 'failed'}")
            if not outcome.passed:
                return LifeResult(
                    LIFE[start].name, phase.name, outcome.output, time.monotonic() - started, sandbox.runs
                ), called
        return LifeResult(LIFE[start].name, None, "", time.monotonic() - started, sandbox.runs), called


def first_asked(called: dict[str, list[str]]) -> dict[str, int]:
    """Each action's first phase (its index in ``LIFE``) in a life's record of what each phase asked for."""
    first: dict[str, int] = {}
    for index, phase in enumerate(LIFE):
        for action in called.get(phase.name, []):
            first.setdefault(action, index)
    return first


def at_their_phases(
    policy: dict[str, Any], tried: list[tuple[int, str]], workdir: Path, say: Say
) -> tuple[dict[str, LifeResult], int]:
    """Each ``(index, action)`` with the action taken out for ``LIFE[index]`` only, run from the world the
    whole policy made just before it, on sandboxes that walk the life with the whole policy; the results
    and the number of runs it took."""
    results: dict[str, LifeResult] = {}
    sandbox: IamSandbox | None = None
    made: list[IamSandbox] = []
    runs = 0  # of the lives without an action from the start
    at = 0  # the world is as the whole life left it before LIFE[at]
    dirty = False  # ... except that LIFE[at] ran part-way without an action
    try:
        for index, action in sorted(tried):
            if sandbox is not None and dirty and at == index and restoring_phase(index) is None:
                sandbox.stop()
                sandbox = None
            if sandbox is None:
                sandbox = IamSandbox(policy, workdir / f"walk-{len(made) + 1}")
                made.append(sandbox)
                at, dirty = scenario_start(index), False
            while at < index:
                say(f"    {LIFE[at].name}, with the whole policy")
                sandbox.run_whole(LIFE[at])
                at, dirty = at + 1, False
            if dirty:  # as a user would: the phase again once the policy is whole, then back to before it
                restore = restoring_phase(index)
                assert restore is not None
                for again in (index, restore):
                    say(f"    {LIFE[again].name} again, with the whole policy")
                    sandbox.run_whole(LIFE[again])
            say(f"  without {action}, from {LIFE[index].name}:")
            started = time.monotonic()
            sandbox.set_policy(without(policy, action))
            outcome = sandbox.run(LIFE[index])
            sandbox.set_policy(policy)
            dirty = True
            say(f"    {LIFE[index].name}: {'ok' if outcome.passed else 'failed'}")
            if not outcome.passed:
                results[action] = LifeResult(
                    LIFE[index].name, LIFE[index].name, outcome.output, time.monotonic() - started, 1
                )
                continue
            # The phase passed without it: the rest of the life without it decides, from the start.
            sandbox.stop()
            sandbox = None
            say(f"  without {action}, the whole life:")
            results[action], _ = life_from(without(policy, action), 0, workdir / action.replace(":", "-"), say)
            runs += results[action].runs
    finally:
        if sandbox is not None:
            sandbox.stop()
    return results, runs + sum(walk.runs for walk in made)


def check(policy_path: Path, say: Say = print) -> tuple[int, dict[str, Any]]:
    """The whole life with the policy, then without each action; the exit code and a report."""
    policy = load_policy(policy_path)
    actions = actions_of(policy)
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="check-policy-") as tmp:
        say(f"{policy_path}: {len(actions)} actions. The whole life with all of them:")
        full, called = life_from(policy, 0, Path(tmp) / "full", say)
        asked = {phase: sorted(set(found)) for phase, found in called.items()}
        report: dict[str, Any] = {
            "policy": str(policy_path),
            "actions": actions,
            "full": _result_json(full),
            "asked": asked,
        }
        if full.failed is not None:
            say(f"FAILED: the policy does not suffice: {full.failed} failed:\n{full.output}")
            return 1, report
        say(f"  every phase passed ({full.runs} runs, {full.seconds:.1f}s)")
        first = first_asked(called)
        results: dict[str, LifeResult] = {}
        later: list[tuple[int, str]] = []
        for action in actions:
            index = first.get(action)
            if index is not None and index != scenario_start(index):
                later.append((index, action))
                continue
            start = 0 if index is None else index
            say(f"  without {action}, from {LIFE[start].name}:")
            workdir = Path(tmp) / action.replace(":", "-")
            results[action], _ = life_from(without(policy, action), start, workdir, say)
        walked, walk_runs = at_their_phases(policy, later, Path(tmp), say)
        results.update(walked)
    runs = full.runs + walk_runs + sum(results[action].runs for action in actions if action not in walked)
    verdicts = {action: results[action] for action in actions}
    unneeded = [action for action, result in verdicts.items() if not _needed(action, result)]
    _table(verdicts, say)
    for action in unneeded:
        say(f"\n{action}: taking it out did not make a phase fail on it. Output:\n{verdicts[action].output}")
    say(
        f"\n{len(actions) - len(unneeded)} of {len(actions)} actions needed; the whole life passes with all "
        f"({full.seconds:.1f}s); {runs} runs in {time.monotonic() - began:.0f}s."
    )
    report["without"] = {action: _result_json(result) for action, result in verdicts.items()}
    report["runs"] = runs
    return (0 if not unneeded else 1), report


def _needed(action: str, result: LifeResult) -> bool:
    """Taking the action out made a phase fail, on that very action."""
    return result.failed is not None and result.denied_action() == action


def _table(verdicts: dict[str, LifeResult], say: Say) -> None:
    say("")
    say(f"| {'action taken out':40} | {'tried from':28} | {'first phase to fail':28} | {'AWS denied':40} | seconds |")
    say(f"|{'-' * 42}|{'-' * 30}|{'-' * 30}|{'-' * 42}|---------|")
    for action, result in verdicts.items():
        say(
            f"| {action:40} | {result.start:28} | {result.failed or 'none: not needed':28} | "
            f"{result.denied_action() or '-':40} | {result.seconds:7.1f} |"
        )


def _result_json(result: LifeResult) -> dict[str, Any]:
    return {
        "start": result.start,
        "failed": result.failed,
        "denied": result.denied_action(),
        "runs": result.runs,
        "seconds": round(result.seconds, 1),
        "output": result.output,
    }


def add_command(commands: Any) -> None:
    help_text = "prove an IAM policy: the whole life as a user with only it, then without each of its actions"
    add_proof_command(commands, "check-policy", help_text, DEFAULT_POLICY)


def run(args: argparse.Namespace) -> int:
    return run_proof(check, args)
