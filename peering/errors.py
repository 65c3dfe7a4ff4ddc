"""The root of ``peering``'s errors and the config's ``PlanError``, shared by the program and the doctor.

No Pulumi here: the doctor loads none. The program raises its own subclasses, which are also
``pulumi.RunError``s so that Pulumi prints the message and no traceback (``program/errors.py``).
Every message names the config key, the value and the fix; where a Heroku or AWS failure is behind
one, it is the exception's cause, for whoever reads a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from providers.shown_values import shown

__all__ = ["PeeringError", "PlanError", "did_you_mean", "shown"]


class PeeringError(Exception):
    """Root of everything ``peering`` raises."""


class PlanError(PeeringError):
    """One or more problems found before anything is created (or requested)."""

    def __init__(self, problems: Iterable[str], outcome: str = "nothing was created") -> None:
        self.problems = list(problems)
        self.outcome = outcome
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            lines = "\n".join(f"  - {problem}" for problem in self.problems)
            message = f"{len(self.problems)} problems in the stack config; {outcome}:\n{lines}"
        super().__init__(message)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean vpcId?)`` for a near miss, else a list of what is allowed."""
    options = sorted(choices)
    by_lower = {option.lower(): option for option in options}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    if close:
        return f"did you mean {by_lower[close[0]]}?"
    return f"allowed: {', '.join(options)}"
