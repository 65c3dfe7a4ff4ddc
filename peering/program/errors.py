"""The program's errors, as Pulumi shows them: ``pulumi.RunError``s, so that it prints the message and no traceback."""

from __future__ import annotations

import pulumi

from ..errors import PeeringError, PlanError


class LookupProblem(PeeringError, pulumi.RunError):
    """A fact could not be had (Heroku or AWS refused, or could not be reached)."""


class StackPlanError(PlanError, pulumi.RunError):
    """``PlanError`` raised in ``pulumi up``: problems found before anything is created (or requested)."""

    @classmethod
    def of(cls, error: PlanError) -> StackPlanError:
        """The same problems and outcome, for Pulumi to print."""
        return cls(error.problems, error.outcome)
