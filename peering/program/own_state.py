"""This stack's own last saved state, read through the engine before anything is registered.

The engine's builtin provider serves it (``pulumi:pulumi:readStackResourceOutputs``,
pkg/resource/deploy/builtins.go: every resource of the stack's last snapshot with its type and outputs);
``model/own_state.py`` says what pre-flight takes from it.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi.runtime import invoke

from ..model.own_state import OwnState, parse

READ_STATE = "pulumi:pulumi:readStackResourceOutputs"


def read_own_state() -> OwnState:
    """This stack's last saved state; empty when there is none yet, or when the engine cannot serve it (a mock
    or another engine: pre-flight then knows the stack's objects by their tags only)."""
    stack = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    try:
        result = invoke(READ_STATE, {"stackName": stack})
    except Exception as error:
        pulumi.log.debug(f"heroku-peering: the stack's state could not be read ({type(error).__name__})")
        return OwnState()
    value = result.value if isinstance(result.value, Mapping) else {}
    outputs = value.get("outputs")
    return parse(outputs if isinstance(outputs, Mapping) else {})
