"""Differences left on purpose, each with its reason (docs/aws-plugin-fidelity.md lists them for users).

A rule names a scenario, a step (its label, or a prefix of it ending in "*") and the answer's paths that
may differ (a prefix ending in "*" covers a subtree); a step whose only differences are on such paths
counts as explained, not as a match.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Deliberate:
    scenario: str
    step: str
    paths: tuple[str, ...]
    why: str

    def covers(self, scenario: str, step: str, path: str) -> bool:
        return (
            self.scenario in (scenario, "*")
            and _match(self.step, step)
            and any(_match(pattern, path) for pattern in self.paths)
        )


def _match(pattern: str, text: str) -> bool:
    return text.startswith(pattern[:-1]) if pattern.endswith("*") else text == pattern


IDENTITY_BUG = (
    "terraform-provider-aws 6.34.0, the version the bridged build pins, fails the refresh of a Plugin Framework "
    "resource deleted outside with 'Missing Resource Identity After Read' (a provider bug, "
    "hashicorp/terraform-provider-aws#45303): the sandbox removes it after terraform's own not-found warning, as "
    "the provider means to, so the bridged side still holds the rule afterwards"
)

DELIBERATE: tuple[Deliberate, ...] = (
    Deliberate("ingress rule", "refresh: revoked out of band", ("*",), IDENTITY_BUG),
    Deliberate("ingress rule", "cleanup: delete rule", ("*",), IDENTITY_BUG),
)


def explanation(scenario: str, step: str, paths: list[str]) -> str | None:
    """The reasons covering every differing path of a step, or None when one is not covered."""
    reasons = []
    for path in paths:
        rule = next((r for r in DELIBERATE if r.covers(scenario, step, path)), None)
        if rule is None:
            return None
        if rule.why not in reasons:
            reasons.append(rule.why)
    return "; ".join(reasons)
