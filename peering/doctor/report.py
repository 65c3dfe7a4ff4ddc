"""The doctor's findings for people (grouped by check, each with its meaning and fix) and as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from ..rules.findings import CHECKS
from .diagnose import Diagnosis

LABELS = {"fault": "FAULT", "warning": "WARN", "ok": "ok"}
INDENT = " " * 9


def exit_code(diagnoses: Sequence[Diagnosis]) -> int:
    """0: nothing found stops traffic; 1: something does (or could not be checked)."""
    return 1 if any(d.stops_traffic for d in diagnoses) else 0


def render_text(diagnoses: Sequence[Diagnosis]) -> str:
    return "\n\n".join(_one(diagnosis) for diagnosis in diagnoses) + "\n"


def _one(diagnosis: Diagnosis) -> str:
    target = diagnosis.target
    ports = ", ".join(target.labels()) or "none given"
    name = f"{target.name}: " if target.name else ""
    lines = [
        f"{name}VPC {target.vpc_id} ({diagnosis.region}) and space {target.space} (VPC {diagnosis.space_vpc_id}, "
        f"{diagnosis.space_vpc_cidr}; dyno CIDRs {', '.join(diagnosis.dyno_cidrs)}); ports: {ports}"
    ]
    for check in CHECKS:
        found = [f for f in diagnosis.findings if f.check == check]
        if not found:
            continue
        lines.append(check)
        for finding in found:
            lines.append(f"  {LABELS[finding.severity]:<6} {finding.summary}")
            if finding.meaning:
                lines.append(f"{INDENT}means: {finding.meaning}")
            if finding.fix:
                lines.append(f"{INDENT}fix:   {finding.fix}")
    faults = sum(f.severity == "fault" for f in diagnosis.findings)
    warnings = sum(f.severity == "warning" for f in diagnosis.findings)
    counted = f"{faults} fault{'s' * (faults != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    verdict = "something stops traffic" if diagnosis.stops_traffic else "nothing found stops traffic"
    lines.append(f"Result: {counted}: {verdict}.")
    return "\n".join(lines)


def render_json(diagnoses: Sequence[Diagnosis]) -> str:
    return json.dumps(
        {
            "exit_code": exit_code(diagnoses),
            "diagnoses": [
                {
                    "peering": d.target.name or None,
                    "space": d.target.space,
                    "vpc_id": d.target.vpc_id,
                    "region": d.region,
                    "space_vpc_id": d.space_vpc_id,
                    "space_vpc_cidr": d.space_vpc_cidr,
                    "dyno_cidrs": list(d.dyno_cidrs),
                    "pcx_id": d.pcx_id,
                    "ports": d.target.labels(),
                    "stops_traffic": d.stops_traffic,
                    "findings": [asdict(finding) for finding in d.findings],
                }
                for d in diagnoses
            ],
        },
        indent=2,
    )
