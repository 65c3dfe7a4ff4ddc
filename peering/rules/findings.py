"""What the doctor reports: one finding per object and problem, with what it means and the fix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

# fault: stops traffic (exit 1); warning: wrong or risky, yet traffic flows; ok: a check that passed.
Severity = Literal["fault", "warning", "ok"]
Check = Literal["reads", "status", "cidrs", "routes", "security-groups", "network-acls"]
CHECKS: tuple[Check, ...] = ("reads", "status", "cidrs", "routes", "security-groups", "network-acls")


@dataclass(frozen=True)
class Finding:
    severity: Severity
    check: Check
    object_id: str  # the AWS or Heroku object it is about: pcx-..., rtb-..., sg-..., acl-..., the space
    summary: str  # what was found, naming the object
    meaning: str = ""  # what it means for traffic
    fix: str = ""  # what to do


def stops_traffic(findings: Iterable[Finding]) -> bool:
    return any(finding.severity == "fault" for finding in findings)
