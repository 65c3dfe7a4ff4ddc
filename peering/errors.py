"""User mistakes found before anything is created."""

from __future__ import annotations


class PlanError(Exception):
    """One or more problems, each naming the config key, the value and the fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0]
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        return f"{len(self.problems)} problems in the stack config; nothing was created:\n{lines}"
