"""The command line both proofs share: ``--policy FILE``, ``--json``, one report, one exit code.

``run`` prints progress (to stderr with ``--json``, where stdout is the report), an ``error:`` line and
exit 1 for a policy file it cannot use or a proof that could not run, else the check's exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import SandboxError

Check = Callable[[Path, Callable[[str], None]], tuple[int, dict[str, Any]]]


def add_proof_command(commands: Any, name: str, help_text: str, default_policy: Path) -> None:
    parser = commands.add_parser(name, help=help_text)
    parser.add_argument("--policy", type=Path, default=default_policy, help=f"default {default_policy.name}")
    parser.add_argument("--json", action="store_true", help="print the report as JSON (progress goes to stderr)")


def run_proof(check: Check, args: argparse.Namespace) -> int:
    """``check`` of ``args.policy``, its progress said as it goes; with ``--json`` its report on stdout."""

    def say(line: str) -> None:
        print(line, file=sys.stderr if args.json else sys.stdout, flush=True)

    try:
        code, report = check(args.policy, say)
    except SandboxError as error:  # the policy file (PolicyFileError), or a run the proof needs (ProofError)
        say(f"error: {error}")
        return 1
    if args.json:
        print(json.dumps(report, indent=2))
    return code
