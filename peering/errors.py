"""User mistakes found before anything is created."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class PlanError(Exception):
    """One or more problems, each naming the config key, the value and the fix."""

    def __init__(self, problems: list[str], outcome: str = "nothing was created") -> None:
        self.problems = problems
        self.outcome = outcome
        super().__init__(self.render())

    def render(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0]
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        return f"{len(self.problems)} problems in the stack config; {self.outcome}:\n{lines}"


SHOWN_LENGTH = 80


def shown(value: object) -> str:
    """A value as it appears in a message: its repr, cut to a readable length."""
    text = repr(value)
    if len(text) <= SHOWN_LENGTH:
        return text
    return f"{text[: SHOWN_LENGTH - 20]}... ({len(text)} characters)"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean vpcId?)`` for a near miss, else a list of what is allowed."""
    options = sorted(choices)
    by_lower = {option.lower(): option for option in options}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    if close:
        return f"did you mean {by_lower[close[0]]}?"
    return f"allowed: {', '.join(options)}"
