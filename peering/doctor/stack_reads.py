"""A stack as the engine sees it, for the doctor: its config and the peering connections its state holds.

The config is read as the engine hands it to the program: every value a string (``pulumi config set`` writes
``60`` and ``true`` quoted, a hand-written YAML number or boolean is the same string), objects and lists as
JSON (``pkg/resource/config``: ``Value.Value``). Secrets are decrypted by the Pulumi CLI when one is at hand
(``pulumi config --show-secrets --json``, with the user's backend and passphrase or secrets provider); when
it cannot, the value is a ``Secret``: never the ciphertext. The state is ``pulumi stack export``. Both are
reads: nothing here changes a stack.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model.own_state import OwnState, parse

PULUMI_TIMEOUT = 120.0


@dataclass(frozen=True)
class Secret:
    """A secret config value the doctor could not decrypt, and why."""

    key: str
    reason: str


def run_pulumi(args: list[str], directory: Path) -> tuple[str | None, str]:
    """``pulumi <args>`` in the project's directory with the user's environment: (its output, "") or (None, why
    not). The Pulumi CLI is the one on PATH; none there is a reason, not an error."""
    cli = shutil.which("pulumi")
    if cli is None:
        return None, "no Pulumi CLI on PATH"
    try:
        done = subprocess.run(
            [cli, *args, "--non-interactive"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=PULUMI_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"`pulumi {args[0]}` could not run ({type(error).__name__})"
    if done.returncode != 0:
        said = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        return None, f"`pulumi {' '.join(args[:2])}` failed: {said[-1] if said else f'exit code {done.returncode}'}"
    return done.stdout, ""


def is_secret(value: Any) -> bool:
    """A ``secure:`` value, or an object or list holding one (``pulumi config set --secret --path``)."""
    if isinstance(value, Mapping):
        return set(value) == {"secure"} or any(is_secret(item) for item in value.values())
    if isinstance(value, list):
        return any(is_secret(item) for item in value)
    return False


def engine_string(value: Any) -> str:
    """The string the engine hands the program for a value as the stack file writes it."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def engine_config(stack: str, directory: Path, written: Mapping[str, Any]) -> dict[str, str | Secret]:
    """Every key of the stack file with the engine's string for it; a secret decrypted through the Pulumi CLI, or a
    ``Secret`` saying why it could not be."""
    values: dict[str, str | Secret] = {
        key: engine_string(value) for key, value in written.items() if not is_secret(value)
    }
    secret = [key for key, value in written.items() if is_secret(value)]
    if secret:
        shown, reason = run_pulumi(["config", "--show-secrets", "--json", "--stack", stack], directory)
        decrypted = _json(shown)
        for key in secret:
            item = decrypted.get(key)
            if isinstance(item, Mapping) and isinstance(item.get("value"), str):
                values[key] = str(item["value"])
            else:
                values[key] = Secret(key, reason or "the Pulumi CLI did not return it")
    return values


def state_of(stack: str, directory: Path) -> tuple[OwnState | None, str]:
    """What the stack's last saved state holds (its peering connections by peering name), or None and why not."""
    exported, reason = run_pulumi(["stack", "export", "--stack", stack], directory)
    if exported is None:
        return None, reason
    document = _json(exported)
    deployment = document.get("deployment") if isinstance(document, Mapping) else None
    resources = deployment.get("resources") if isinstance(deployment, Mapping) else None
    if not isinstance(resources, list):
        return OwnState(), ""
    return (
        parse(
            {
                str(item.get("urn")): {
                    "type": item.get("type"),
                    "outputs": {**(item.get("outputs") or {}), "id": item.get("id")},
                }
                for item in resources
                if isinstance(item, Mapping)
            }
        ),
        "",
    )


def _json(text: str | None) -> Any:
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return {}
