"""The doctor for a stack: its config gives each peering's space and VPC, and its ingress rules the
ports and the groups that must admit them. Read from ``Pulumi.<stack>.yaml`` with the program's own
parser, so the doctor takes exactly what ``pulumi up`` takes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .doctor import Target
from .doctor_errors import DoctorUsageError
from .errors import PlanError
from .stack_config import PROJECT, read_peerings
from .traffic import Traffic, traffic_of_rule


def stack_config(stack: str, directory: Path) -> dict[str, Any]:
    path = directory / f"Pulumi.{stack}.yaml"
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as error:
        raise DoctorUsageError(
            f"--stack {stack!r}: {path} cannot be read ({error.strerror}). Give a stack of this project "
            "(`pulumi stack ls`), or the project's directory with -C."
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        raise DoctorUsageError(f"--stack {stack!r}: {path} is not YAML ({where}{problem}).") from None
    config = data.get("config") if isinstance(data, dict) else None
    if not isinstance(config, dict):
        raise DoctorUsageError(f"--stack {stack!r}: {path} has no config map; set the stack's space and vpcId.")
    return config


def stack_targets(
    stack: str, directory: Path, peering: str | None, ports: tuple[tuple[Traffic, ...], ...]
) -> tuple[list[Target], str | None]:
    """The stack's peerings (or the one named ``peering``) as targets, and the stack's aws:region."""
    config = stack_config(stack, directory)
    try:
        specs = read_peerings(lambda key: config.get(f"{PROJECT}:{key}"), config)
    except PlanError as error:
        raise DoctorUsageError(f"--stack {stack!r}: {error}") from None
    if peering is not None:
        chosen = [spec for spec in specs if spec.name == peering]
        if not chosen:
            names = ", ".join(spec.name for spec in specs)
            raise DoctorUsageError(f"--peering {peering!r}: stack {stack} has no such peering (it has: {names}).")
        specs = chosen
    targets = [
        Target(
            spec.args.space,
            str(spec.args.vpc_id),
            ports,
            tuple((str(rule.security_group_id), traffic_of_rule(rule)) for rule in spec.args.ingress),
            spec.args.api_url,
            spec.name,
        )
        for spec in specs
    ]
    region = config.get("aws:region")
    return targets, str(region) if region else None
