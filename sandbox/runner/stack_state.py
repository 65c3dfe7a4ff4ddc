"""The runner's state: one JSON file per stack and sandbox, like a Pulumi checkpoint.

As the engine does, an operation is journalled as pending (``pending_operations``) before the
provider is called and cleared once its result is recorded, so a run killed in between leaves a
trace the next run warns about and ``refresh`` can resolve.
"""

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
    import_id: str = ""  # the engine's ImportID: an import with this id is done, not repeated


@dataclass(frozen=True)
class PendingOperation:
    """The engine's ``resource.Operation``: ``creating``, ``updating`` or ``deleting``."""

    kind: str
    urn: str
    type: str
    inputs: dict[str, Any]
    id: str = ""


# pkg/resource/deploy/deployment_executor.go (pulumi/pulumi), printed before a run that finds pending operations.
PENDING_WARNING = (
    "Attempting to deploy or update resources with {count} pending operations from previous deployment.\n"
    "{lines}"
    "These resources are in an unknown state because the Pulumi CLI was interrupted while waiting for changes to "
    "these resources to complete. You should confirm whether or not the operations listed completed successfully "
    "by checking the state of the appropriate provider. For example, if you are using AWS, you can confirm using "
    "the AWS Console.\n\n"
    "Once you have confirmed the status of the interrupted operations, you can repair your stack using `pulumi "
    "refresh` which will refresh the state from the provider you are using and clear the pending operations if "
    "there are any."
)


def dependents_first(entries: list[StateEntry]) -> list[StateEntry]:
    """A deletion order: nothing is deleted while something still depends on it."""
    pending = {e.urn: e for e in entries}
    order: list[StateEntry] = []
    while pending:
        needed = {dep for e in pending.values() for dep in (*e.dependencies, e.parent)}
        ready = [e for u, e in pending.items() if u not in needed] or list(pending.values())
        for entry in ready:
            order.append(entry)
            pending.pop(entry.urn)
    return order


class StackState:
    """Entries in registration order, so that reversed order is a safe deletion order."""

    def __init__(self, path: Path | None, sandbox_id: str = "") -> None:
        self.path = path
        self.sandbox_id = sandbox_id
        self._lock = threading.RLock()
        self.entries: dict[str, StateEntry] = {}
        self.pending: list[PendingOperation] = []
        if path is not None and path.exists():
            data = json.loads(path.read_text())
            for raw in data["resources"]:
                entry = StateEntry(**raw)
                self.entries[entry.urn] = entry
            self.pending = [PendingOperation(**raw) for raw in data.get("pending_operations", [])]

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

    # -- the journal -------------------------------------------------------------------------

    def begin(self, operation: PendingOperation) -> None:
        """Written to disk before the provider is called."""
        with self._lock:
            self.pending.append(operation)
            self.save()

    def end(self, operation: PendingOperation, entry: StateEntry | None = None, remove: bool = False) -> None:
        """The operation's result, recorded in the same write that clears it."""
        with self._lock:
            if operation in self.pending:
                self.pending.remove(operation)
            if entry is not None:
                self.entries[entry.urn] = entry
            if remove:
                self.entries.pop(operation.urn, None)
            self.save()

    def pending_warning(self) -> str | None:
        if not self.pending:
            return None
        lines = "".join(f"  * {op.urn}, interrupted while {op.kind}\n" for op in self.pending)
        return PENDING_WARNING.format(count=len(self.pending), lines=lines)

    # -- order ---------------------------------------------------------------------------------

    def ordered(self) -> list[StateEntry]:
        with self._lock:
            return list(self.entries.values())

    def deletion_order(self, urns: set[str] | None = None) -> list[StateEntry]:
        """Dependents before what they depend on (children before parents)."""
        with self._lock:
            return dependents_first([e for u, e in self.entries.items() if urns is None or u in urns])

    def save(self) -> None:
        if self.path is None:
            return
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            data = json.dumps(
                {
                    "sandbox_id": self.sandbox_id,
                    "resources": [asdict(e) for e in self.entries.values()],
                    "pending_operations": [asdict(op) for op in self.pending],
                },
                indent=2,
                default=str,
            )
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
            with os.fdopen(fd, "w") as handle:
                handle.write(data)
            os.replace(tmp, self.path)
