"""The doctor for a stack: its config gives each peering's space and VPC, and its ingress rules the
ports and the groups that must admit them; its state gives each peering's own connection. Read as the
engine reads them (``stack_reads``: values as ``pulumi config set`` writes them, secrets through the
Pulumi CLI), parsed with the program's own parser, so the doctor takes exactly what ``pulumi up`` takes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from ..errors import PlanError
from ..model.stack_config import PROJECT, config_getter, read_peerings
from ..model.traffic import Traffic, traffic_of_rule
from .diagnose import Target
from .errors import DoctorUsageError
from .stack_reads import Secret, engine_config, state_of

# The keys the doctor needs, and the option that gives each when it is a secret the doctor cannot decrypt.
NEEDED = {
    "space": "--space",
    "vpcId": "--vpc-id",
    "herokuApiUrl": "--heroku-api-url",
    "ingress": "--port (and --security-group) for the traffic to check",
    "peerings": "--space and --vpc-id instead of --stack",
}


@dataclass(frozen=True)
class Given:
    """What the options give in place of the stack's values."""

    space: str | None = None
    vpc_id: str | None = None
    heroku_api_url: str | None = None
    region: str | None = None
    ports: bool = False  # --port or --security-group: the ingress rules are not needed

    def value(self, key: str) -> Any:
        return {
            "space": self.space,
            "vpcId": self.vpc_id,
            "herokuApiUrl": self.heroku_api_url,
            "ingress": "[]" if self.ports else None,
        }.get(key)


def stack_config(stack: str, directory: Path) -> dict[str, Any]:
    """``config:`` of ``Pulumi.<stack>.yaml`` as written."""
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


def project_name(directory: Path) -> str:
    """The project's name (its Pulumi.yaml), which the stack's claim tags start with."""
    try:
        found = yaml.safe_load((directory / "Pulumi.yaml").read_text())
    except (OSError, yaml.YAMLError):
        return PROJECT
    return str(found.get("name") or PROJECT) if isinstance(found, dict) else PROJECT


@dataclass(frozen=True)
class EngineView:
    """The stack's config as ``pulumi.Config`` gives it to the program (``get(key)``: the engine's string for
    ``heroku-peering:<key>``), for the program's own ``config_getter``. A secret the doctor could not decrypt is
    the option's value when one is given; a key the doctor does not need is left unset; a needed one stops with the
    option that gives it."""

    stack: str
    values: Mapping[str, str | Secret]
    given: Given

    def get(self, key: str) -> str | None:
        value = self.values.get(f"{PROJECT}:{key}")
        if not isinstance(value, Secret):
            return value
        if self.given.value(key) is not None:
            return str(self.given.value(key))
        if key not in NEEDED:
            return None
        raise DoctorUsageError(
            f"--stack {self.stack!r}: {key} is a secret in Pulumi.{self.stack}.yaml and could not be decrypted "
            f"({value.reason}): pass {NEEDED[key]}, or run the doctor where `pulumi config --show-secrets` works for "
            "this stack (its backend and secrets passphrase or provider)."
        )


def stack_targets(
    stack: str, directory: Path, peering: str | None, ports: tuple[tuple[Traffic, ...], ...], given: Given = Given()
) -> tuple[list[Target], str | None]:
    """The stack's peerings (or the one named ``peering``) as targets, each with its own connection from the stack's
    state and its claim, and the stack's aws:region."""
    written = stack_config(stack, directory)
    values = engine_config(stack, directory, written)
    try:
        specs = read_peerings(config_getter(EngineView(stack, values, given)), written)
    except PlanError as error:
        listed = "".join(f"\n  - {problem}" for problem in error.problems)
        raise DoctorUsageError(
            f"--stack {stack!r}: Pulumi.{stack}.yaml has mistakes the program refuses:{listed}"
        ) from None
    if peering is not None:
        chosen = [spec for spec in specs if spec.name == peering]
        if not chosen:
            names = ", ".join(spec.name for spec in specs)
            raise DoctorUsageError(f"--peering {peering!r}: stack {stack} has no such peering (it has: {names}).")
        specs = chosen
    if (given.space or given.vpc_id) and len(specs) != 1:
        names = ", ".join(spec.name for spec in specs)
        raise DoctorUsageError(
            f"--space/--vpc-id with --stack {stack!r} replace one peering's values: add --peering (it has: {names})."
        )
    state, unread = state_of(stack, directory)
    project = project_name(directory)
    targets = []
    for spec in specs:
        own = state.pcxs.get(spec.name) if state is not None else None
        target = Target(
            spec.args.space,
            str(spec.args.vpc_id),
            ports,
            tuple((str(rule.security_group_id), traffic_of_rule(rule)) for rule in spec.args.ingress),
            spec.args.api_url,
            spec.name,
            own_pcx=own.pcx_id if own is not None else None,
            claim=f"{project}/{stack}/{spec.name}",
            state_unread=unread,
        )
        targets.append(replace(target, space=given.space or target.space, vpc_id=given.vpc_id or target.vpc_id))
    region = values.get("aws:region")
    if isinstance(region, Secret) and not given.region:
        raise DoctorUsageError(
            f"--stack {stack!r}: aws:region is a secret in Pulumi.{stack}.yaml and could not be decrypted "
            f"({region.reason}): pass --region."
        )
    return targets, str(region) if isinstance(region, str) and region else None
