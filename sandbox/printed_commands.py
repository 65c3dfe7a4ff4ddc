"""The commands ``serve`` prints for a user to run in another terminal: the exports that point AWS clients,
the Heroku CLI and the Pulumi CLI at the sandbox, then the ``sandbox`` stack made and configured with
``pulumi config set`` as a user would type it (lists and maps one ``--path`` at a time).

Every line is a shell command as printed, values quoted for the shell, so that pasting the block (or
running it in a script) gives the same stack as the sandbox's own commands make. The stack file they
write, ``Pulumi.sandbox.yaml``, is the user's (git ignores it): the served sandbox's ids and ports are
this sandbox's, not the project's.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from typing import Any

from .world.sandbox_info import SandboxInfo

HEADING = "In another terminal, in this directory, run:"
FOOTER = "Ctrl-C here stops the sandbox and removes its stacks."
STACK = "sandbox"
PROJECT_NAMESPACE = "heroku-peering:"
SECRET_KEYS = ("aws:accessKey", "aws:secretKey", "heroku:apiKey")


def exports(variables: dict[str, str]) -> list[str]:
    """``export KEY=VALUE`` lines; a PATH ending in ``$PATH`` keeps that reference for the shell to expand."""
    lines = []
    for key, value in variables.items():
        if key == "PATH" and value.endswith(":$PATH"):
            lines.append(f'export PATH={shlex.quote(value.removesuffix(":$PATH"))}:"$PATH"')
        else:
            lines.append(f"export {key}={shlex.quote(value)}")
    return lines


def _leaves(path: str, value: Any) -> Iterator[tuple[str, Any]]:
    """Every scalar of a config value with its ``--path`` key (``ingress[0].fromPort``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(f"{path}.{key}", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(f"{path}[{index}]", item)
    else:
        yield path, value


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def config_commands(config: dict[str, Any]) -> list[str]:
    """``pulumi config set`` lines that store ``config`` as written (typed scalars, lists and maps by path).

    Top-level values are stored as strings unless ``--type`` says otherwise; under ``--path`` the CLI
    stores ``true``/``false`` as booleans and integers as numbers (``pulumi config set --help``).
    """
    lines = []
    for full_key, value in config.items():
        key = full_key.removeprefix(PROJECT_NAMESPACE)
        if isinstance(value, (dict, list)):
            lines += [
                f"pulumi config set --path {shlex.quote(path)} {shlex.quote(_text(leaf))}"
                for path, leaf in _leaves(key, value)
            ]
            continue
        flag = (
            "--secret "
            if full_key in SECRET_KEYS
            else "--type bool "
            if isinstance(value, bool)
            else "--type int "
            if isinstance(value, int)
            else ""
        )
        lines.append(f"pulumi config set {flag}{key} {shlex.quote(_text(value))}")
    return lines


def user_commands(info: SandboxInfo, pulumi_exports: dict[str, str] | None) -> list[str]:
    """What a user runs to use the sandbox from another terminal, in the project's directory."""
    lines = exports(info.environment())
    if pulumi_exports:
        lines += exports(pulumi_exports)
        lines.append(f"pulumi stack init {STACK}")
        lines += config_commands({**info.stack_config(), "heroku:apiKey": info.heroku_api_key})
    return lines


def printed_block(output: str) -> list[str]:
    """The commands under ``HEADING`` in what ``serve`` printed, once printed whole (the footer follows them);
    empty until then. For scripts and tests that do what a user does with them."""
    if HEADING not in output:
        return []
    block: list[str] = []
    for line in output.split(f"{HEADING}\n", 1)[1].splitlines():
        if not line.startswith("  "):
            return block if line == FOOTER else []
        block.append(line[2:])
    return []
