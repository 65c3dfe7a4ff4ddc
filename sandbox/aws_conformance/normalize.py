"""Answers made comparable: each side works on objects of its own, so their ids differ.

Ids a scenario names (``side.name("pcx", id)``) become ``<pcx>``; other AWS ids become ``<kind>``
(``<vpc>``, ``<sgr>``); a request id, ``<request-id>``; an autoname's random suffix, ``<7hex>``. The
bridge's hidden state keys (``__meta``: timeouts and schema version; ``__pulumi_raw_state_delta``) are
not outputs a program sees, so they are left out and counted apart. A list of objects is a terraform set
(a table's routes, a group's rules), whose order is the set's hashing: such lists are compared sorted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

AWS_ID = re.compile(
    r"\b(vpc-cidr-assoc|vpc|pcx|rtb|rtbassoc|subnet|sg|sgr|igw|nat|eni|acl|aclassoc|dopt)-[0-9a-f]{8,17}\b"
)
ROUTE_ID = re.compile(r"\br-<(?P<table>[^>]+)>(?P<hash>\d+)\b")
REQUEST_ID = re.compile(r"(RequestID: )[^,\s]+")
AUTONAME = re.compile(r"\b([a-z][a-z0-9]*(?:-[a-z0-9]+)*)-[0-9a-f]{7}\b")
HIDDEN_KEYS = ("__meta", "__pulumi_raw_state_delta")


def _replace_text(text: str, names: Mapping[str, str]) -> str:
    for label, found in sorted(names.items(), key=lambda item: -len(item[1])):
        text = text.replace(found, f"<{label}>")
    text = AWS_ID.sub(lambda m: f"<{m.group(1)}>", text)
    text = REQUEST_ID.sub(r"\1<request-id>", text)
    return AUTONAME.sub(r"\1-<7hex>", text)


def normalize(value: Any, names: Mapping[str, str], hidden: list[str] | None = None) -> Any:
    if isinstance(value, str):
        return _replace_text(value, names)
    if isinstance(value, Mapping):
        kept = {}
        for key, item in value.items():
            if key in HIDDEN_KEYS:
                if hidden is not None:
                    hidden.append(key)
                continue
            kept[_replace_text(str(key), names)] = normalize(item, names, hidden)
        return kept
    if isinstance(value, (list, tuple)):
        items = [normalize(item, names, hidden) for item in value]
        if items and all(isinstance(item, Mapping) for item in items):
            return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
        return items
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``: paths for comparing and for masking explained keys."""
    if isinstance(value, Mapping) and value:
        found: dict[str, Any] = {}
        for key, item in value.items():
            found.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return found
    return {prefix: value}


def differences(left: Any, right: Any) -> dict[str, tuple[Any, Any]]:
    """Each path whose values differ: (left, right); a path only one side has reads None on the other."""
    a, b = flatten(left), flatten(right)
    return {
        path: (a.get(path), b.get(path))
        for path in sorted(set(a) | set(b))
        if json.dumps(a.get(path), sort_keys=True) != json.dumps(b.get(path), sort_keys=True)
    }
