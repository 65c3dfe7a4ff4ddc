"""The stack config this program reads, into ``HerokuPeeringArgs`` with errors that name the key.

Single form: the keys of ``HerokuPeeringArgs`` (``space``, ``vpcId``, ...), one peering named
``main``. Several peerings: ``peerings``, a list whose items take the same keys and a ``name``
(required: it names the item's resources); the top-level values of the
``shared`` keys (tags, timeouts, herokuApiUrl) are defaults for every item, and the others, which
only make sense per peering, are refused at the top level. Unknown keys are refused everywhere,
with the nearest known one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import MISSING, fields
from typing import Any

from ..errors import PlanError, did_you_mean, shown
from .args import HerokuPeeringArgs, NamedPeering, checked, config_keys, required_fields

PROJECT = "heroku-peering"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# The single form's peering: one fixed name, so that its resources never move with how space or vpcId is written.
SINGLE_NAME = "main"
KEYS = config_keys()
SPEC_KEYS = frozenset(key.name for key in KEYS.values())
ITEM_KEYS = frozenset({*SPEC_KEYS, "name"})
# With `peerings`, these only make sense per item; the others are defaults for every item.
PER_PEERING_KEYS = tuple(key.name for key in KEYS.values() if not key.shared)
# The model's defaults: the engine hands Pulumi.yaml's default of every declared key to the program as if it
# were set, so a top-level value equal to its default is not something the user set.
KEY_DEFAULTS = {f.metadata["config"].name: f.default for f in fields(HerokuPeeringArgs) if f.default is not MISSING}
SHARED_KEYS = tuple(key.name for key in KEYS.values() if key.shared)
TOP_LEVEL_KEYS = frozenset({*SPEC_KEYS, "peerings"})
STRING_KEYS = frozenset(key.name for key in KEYS.values() if key.text)
# Every key the program reads, for the test that compares them with Pulumi.yaml.
PROGRAM_KEYS = frozenset({*(f"{PROJECT}:{key}" for key in (*SPEC_KEYS, "peerings")), "heroku:apiKey"})

Getter = Callable[[str], Any]


def config_getter(config: Any) -> Getter:
    """Read ``heroku-peering:<key>`` from a ``pulumi.Config``: strings as text, everything else as JSON."""

    def get(key: str) -> Any:
        if key in STRING_KEYS:
            return config.get(key)
        raw = config.get(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw  # reported by the checks with the key's name

    return get


def unknown_keys(keys: Iterable[str]) -> list[str]:
    """Problems for the project's config keys the program does not read (``heroku-peering:vpcID``...)."""
    problems = []
    for key in sorted(keys):
        namespace, _, name = key.partition(":")
        if namespace == PROJECT and name not in TOP_LEVEL_KEYS:
            problems.append(
                f"{PROJECT}:{name} is not a key this program reads ({did_you_mean(name, TOP_LEVEL_KEYS)}). "
                f"Remove it: pulumi config rm {PROJECT}:{name}"
            )
    return problems


def read_peerings(get: Getter, config_keys: Iterable[str] = ()) -> list[NamedPeering]:
    """``get(key)`` returns the parsed value of ``heroku-peering:<key>`` or None; PlanError lists every problem."""
    problems: list[str] = unknown_keys(config_keys)
    peerings = get("peerings")
    if peerings is not None and peerings != []:
        for key in PER_PEERING_KEYS:
            if get(key) not in (None, "", [], KEY_DEFAULTS.get(key)):
                problems.append(
                    f"{PROJECT}:{key} is set at the top level together with {PROJECT}:peerings, where it would be "
                    f"ignored: it only makes sense per peering. Move it into the items of peerings that need it."
                )
        if not isinstance(peerings, list):
            problems.append(f"{PROJECT}:peerings = {shown(peerings)}: give a list of peerings, each with space, vpcId")
            raise PlanError(problems)
        defaults = {key: value for key in SHARED_KEYS if (value := get(key)) is not None}
        found = []
        for index, item in enumerate(peerings):
            where = f"{PROJECT}:peerings[{index}]."
            if not isinstance(item, dict):
                problems.append(f"{where[:-1]} = {shown(item)}: each peering is an object with space and vpcId.")
                continue
            for key in sorted(set(item) - ITEM_KEYS):
                problems.append(f"{where}{key} is not a key of a peering ({did_you_mean(key, ITEM_KEYS)}).")
            found.append(_peering({**defaults, **item}.get, where, problems, item.get("name")))
    else:
        found = [_peering(get, f"{PROJECT}:", problems, None)]
    if problems:
        raise PlanError(problems)
    named = [peering for peering in found if peering is not None]
    names = [peering.name for peering in named]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise PlanError(
            [
                f"{PROJECT}:peerings has several items named {duplicates}: give each item a distinct `name` "
                "(it names the resources)."
            ]
        )
    return named


def _peering(get: Getter, where: str, problems: list[str], name: Any) -> NamedPeering | None:
    """One peering's keys, read into the args and checked; None when it has problems (added to ``problems``)."""
    before = len(problems)
    required = required_fields()
    values: dict[str, Any] = {}
    for field_name, key in KEYS.items():
        value = get(key.name)
        if key.read is not None:
            value, found = key.read(value, where + key.name)
            problems.extend(found)
        if value is not None or field_name in required:
            values[field_name] = value
    args, found = checked(HerokuPeeringArgs(**values), where)
    problems.extend(found)
    if name is not None and (not isinstance(name, str) or not NAME.match(name)):
        problems.append(f"{where}name = {shown(name)}: use lowercase letters, digits and dashes")
    single = where == f"{PROJECT}:"
    if name is None and not single:
        suggestion = args.space if isinstance(args.space, str) and NAME.match(args.space) else "<a short name>"
        problems.append(
            f"{where}name is not set: give each peering a name (name: {suggestion}). It names the peering's "
            "resources, so it must not change when the space or the VPC is written another way; resources the stack "
            "already has for the same VPC and space are kept under the new name."
        )
    if len(problems) > before:
        return None
    return NamedPeering(name or SINGLE_NAME, where, args)
