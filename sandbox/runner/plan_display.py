"""Steps shown as ``pulumi preview --diff`` shows them: ``+``, ``~``, ``+-``, ``-``, ``=`` and the properties.

Layout after the CLI's diff display (pkg/backend/display in pulumi/pulumi): one line per resource
with its type and operation, ``[id=...]`` and ``[urn=...]``, then the inputs of a create and the
changed inputs of an update or replacement (``old => new``). Secret inputs print as ``[secret]``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

SECRET_INPUTS = frozenset({"__provider"})
MARKS = {"create": "+ ", "update": "~ ", "replace": "+-", "delete": "- ", "import": "= ", "same": "  "}


@dataclass(frozen=True)
class PropertyChange:
    name: str
    old: Any
    new: Any
    replaces: bool = False


@dataclass(frozen=True)
class Change:
    op: str  # create, update, replace, delete, import, same
    urn: str
    type: str
    id: str = ""
    properties: tuple[PropertyChange, ...] = ()

    @property
    def replace_reasons(self) -> list[str]:
        return [p.name for p in self.properties if p.replaces]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["properties"] = [
            {**asdict(p), "old": _shown(p.name, p.old, raw=True), "new": _shown(p.name, p.new, raw=True)}
            for p in self.properties
        ]
        return data


def _shown(name: str, value: Any, raw: bool = False) -> Any:
    if name in SECRET_INPUTS and value is not None:
        return "[secret]"
    if _unknown(value):
        return "output<string>"  # known only once the resources it comes from exist
    if raw:
        return value
    return json.dumps(value, sort_keys=True) if value is not None else "<none>"


def _unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def property_changes(olds: dict[str, Any], news: dict[str, Any], replaces: list[str]) -> tuple[PropertyChange, ...]:
    keys = sorted(k for k in set(olds) | set(news) if olds.get(k) != news.get(k))
    return tuple(PropertyChange(k, olds.get(k), news.get(k), k in replaces) for k in keys)


def creation_properties(news: dict[str, Any]) -> tuple[PropertyChange, ...]:
    return tuple(PropertyChange(k, None, v) for k, v in sorted(news.items()))


def render(change: Change) -> list[str]:
    lines = [f"  {MARKS[change.op]}{change.type}: ({change.op})"]
    if change.id:
        lines.append(f"      [id={change.id}]")
    lines.append(f"      [urn={change.urn}]")
    if change.op == "replace" and change.replace_reasons:
        reasons = ", ".join(change.replace_reasons)
        lines.append(f"      [replace because {reasons} changed and cannot be updated in place]")
    for prop in change.properties:
        if change.op == "create" or prop.old is None:
            lines.append(f"      {prop.name}: {_shown(prop.name, prop.new)}")
        elif prop.new is None:
            lines.append(f"    - {prop.name}: {_shown(prop.name, prop.old)}")
        else:
            forces = " (forces replacement)" if prop.replaces else ""
            lines.append(f"    ~ {prop.name}: {_shown(prop.name, prop.old)} => {_shown(prop.name, prop.new)}{forces}")
    return lines
