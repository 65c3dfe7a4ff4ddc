"""What the plugin knows of one pulumi-aws resource type, and the plan (Check and Diff) it derives from it.

pulumi-aws bridges terraform-provider-aws: which inputs force a replacement, which change in place,
which are Optional+Computed (unset in the program is no difference) and which calls each step makes
come from that provider's schema and CRUD code; each type's module cites the file it copies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .ec2_session import Ec2Session
from .wire import UNKNOWN, Properties, is_unknown

Create = Callable[[Ec2Session, Properties], tuple[str, Properties]]
Read = Callable[[Ec2Session, str, Properties], Properties | None]
Update = Callable[[Ec2Session, str, Properties, Properties], Properties]
Delete = Callable[[Ec2Session, str, Properties], None]
Import = Callable[[Ec2Session, str], tuple[str, Properties] | None]


class PartialCreate(Exception):
    """The object was made, then its create failed: the engine records it with this error (an init error)."""

    def __init__(self, id_: str, outputs: Properties, message: str) -> None:
        super().__init__(message)
        self.id_ = id_
        self.outputs = outputs
        self.message = message


@dataclass(frozen=True)
class PropertyChange:
    key: str
    kind: str  # add, update, delete (the engine's PropertyDiff kinds)
    replaces: bool


@dataclass(frozen=True)
class Plan:
    changes: tuple[PropertyChange, ...]

    @property
    def replaces(self) -> list[str]:
        return [change.key for change in self.changes if change.replaces]


def _empty(value: Any) -> bool:
    """The bridge reads an unset map or list and an empty one alike."""
    return value is None or value in ({}, [])


@dataclass(frozen=True)
class ResourceType:
    token: str
    source: str  # the terraform-provider-aws file whose schema and CRUD this copies
    required: frozenset[str]
    force_new: frozenset[str]  # ForceNew / RequiresReplace
    in_place: frozenset[str]  # changed by Update
    create: Create
    read: Read
    update: Update
    delete: Delete
    import_read: Import | None = None  # the importer: import id -> the id and live outputs; None: not importable
    computed_inputs: frozenset[str] = frozenset()  # Optional+Computed: unset in the program is no difference
    computed_outputs: tuple[str, ...] = ()  # unknown in a preview of a create
    defaults: Mapping[str, Any] = field(default_factory=dict)  # schema defaults Check fills in
    autoname: str | None = None  # the input Check fills with "<resource name>-<7 hex>" when unset
    tagged: bool = False  # has tags and tags_all

    @property
    def inputs(self) -> frozenset[str]:
        return self.required | self.force_new | self.in_place | self.computed_inputs

    def check(self, name: str, olds: Properties, news: Properties, seed: bytes) -> tuple[Properties, list[str]]:
        """Check's inputs (defaults and the autoname filled in) and the missing or unknown properties."""
        inputs = dict(news)
        for key, value in self.defaults.items():
            inputs.setdefault(key, value)
        if self.autoname and inputs.get(self.autoname) is None:
            # Kept from olds on an update; a replacement is checked without olds and gets a new one.
            inputs[self.autoname] = olds.get(self.autoname) or autoname(name, seed)
        problems = [key for key in sorted(self.required) if inputs.get(key) is None]
        unserved = sorted(key for key, value in inputs.items() if key not in self.inputs and value is not None)
        return inputs, [*(f"missing:{key}" for key in problems), *(f"unserved:{key}" for key in unserved)]

    def plan(self, olds: Properties, news: Properties, ignored: frozenset[str]) -> Plan:
        """Each input whose new value differs from the state's (the last outputs, refreshed or not)."""
        changes = []
        for key in sorted(self.inputs - ignored - {"tagsAll"}):
            new, old = news.get(key), olds.get(key)
            if key in self.computed_inputs and new is None:
                continue
            if not is_unknown(new) and (new == old or (_empty(new) and _empty(old))):
                continue
            kind = "add" if _empty(old) else "delete" if new is None else "update"
            changes.append(PropertyChange(key, kind, key in self.force_new))
        return Plan(tuple(changes))

    def preview_outputs(self, inputs: Properties, olds: Properties | None = None) -> Properties:
        """What a preview of a create or update shows: the inputs, computed outputs unknown (or kept)."""
        outputs = dict(olds or {})
        outputs.update(inputs)
        for key in self.computed_outputs:
            if olds is None or key not in olds:
                outputs[key] = UNKNOWN
        return outputs


def autoname(name: str, seed: bytes) -> str:
    """pulumi-aws's autoname: the resource name, a dash and 7 hex digits drawn from the engine's seed."""
    return f"{name}-{hashlib.sha256(seed or name.encode()).hexdigest()[:7]}"
