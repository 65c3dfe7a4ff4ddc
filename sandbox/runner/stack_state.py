"""The runner's state: one JSON file per stack, like a Pulumi checkpoint, written after every step."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class StateEntry:
    urn: str
    type: str
    id: str
    custom: bool
    parent: str
    dependencies: list[str]
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)


class StackState:
    """Entries in registration order, so that reversed order is a safe deletion order."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.RLock()
        self.entries: dict[str, StateEntry] = {}
        if path is not None and path.exists():
            for raw in json.loads(path.read_text())["resources"]:
                entry = StateEntry(**raw)
                self.entries[entry.urn] = entry

    def get(self, urn: str) -> StateEntry | None:
        with self._lock:
            return self.entries.get(urn)

    def put(self, entry: StateEntry) -> None:
        with self._lock:
            self.entries[entry.urn] = entry  # an update keeps its place
            self.save()

    def remove(self, urn: str) -> None:
        with self._lock:
            self.entries.pop(urn, None)
            self.save()

    def ordered(self) -> list[StateEntry]:
        with self._lock:
            return list(self.entries.values())

    def deletion_order(self, urns: set[str] | None = None) -> list[StateEntry]:
        """Dependents before what they depend on (children before parents)."""
        with self._lock:
            pending = {u: e for u, e in self.entries.items() if urns is None or u in urns}
        order: list[StateEntry] = []
        while pending:
            needed = {dep for e in pending.values() for dep in (*e.dependencies, e.parent)}
            ready = [e for u, e in pending.items() if u not in needed] or list(pending.values())
            for entry in ready:
                order.append(entry)
                pending.pop(entry.urn)
        return order

    def save(self) -> None:
        if self.path is None:
            return
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            data = json.dumps({"resources": [asdict(e) for e in self.entries.values()]}, indent=2, default=str)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
            with os.fdopen(fd, "w") as handle:
                handle.write(data)
            os.replace(tmp, self.path)
