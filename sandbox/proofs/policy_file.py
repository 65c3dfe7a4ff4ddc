"""An IAM policy document as the proofs take it: every action named, no wildcard.

``load_policy`` raises ``PolicyFileError`` (its message names the file, the problem and the fix) for a
file that cannot be read, is not JSON, has no ``Statement`` list, or names an action with a wildcard.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import SandboxError


class PolicyFileError(SandboxError):
    """The policy file cannot be used; the message names the file, the problem and the fix."""


def load_policy(path: Path) -> dict[str, Any]:
    """The policy document in ``path``, checked: a ``Statement`` list whose actions are named in full."""
    try:
        policy = json.loads(path.read_text())
    except OSError as error:
        raise PolicyFileError(f"policy {path}: cannot be read ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise PolicyFileError(f"policy {path}: not JSON ({error}); it must be an IAM policy document") from None
    statements = policy.get("Statement") if isinstance(policy, dict) else None
    if not isinstance(statements, list) or not statements:
        raise PolicyFileError(f"policy {path}: no Statement list; it must be an IAM policy document")
    for statement in statements:
        actions = statement.get("Action")
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            raise PolicyFileError(f"policy {path}: each statement needs an Action list of action names")
        wild = [a for a in actions if "*" in a or "?" in a]
        if wild:
            raise PolicyFileError(f"policy {path}: wildcard actions {wild}; name every action (least privilege)")
    return dict(policy)


def load_policy_text(path: Path) -> str:
    """The policy document as text, checked as ``load_policy`` does."""
    return json.dumps(load_policy(path))


def actions_of(policy: dict[str, Any]) -> list[str]:
    """Every action the policy names, sorted, each once."""
    return sorted({action for statement in policy["Statement"] for action in statement["Action"]})


def without(policy: dict[str, Any], action: str) -> dict[str, Any]:
    """The policy with one action taken out (a statement left empty is dropped)."""
    statements = []
    for statement in policy["Statement"]:
        kept = [a for a in statement["Action"] if a != action]
        if kept:
            statements.append({**statement, "Action": kept})
    return {**policy, "Statement": statements}
