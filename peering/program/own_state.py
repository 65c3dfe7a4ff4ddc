"""This stack's own last saved state, read through the engine before anything is registered.

The engine's builtin provider serves it (``pulumi:pulumi:readStackResourceOutputs``,
pkg/resource/deploy/builtins.go: every resource of the stack's last snapshot with its type and outputs);
``model/own_state.py`` says what pre-flight takes from it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import pulumi
from pulumi.runtime import invoke

from ..model.own_state import OwnState, parse

READ_STATE = "pulumi:pulumi:readStackResourceOutputs"
# The read is of the snapshot the running update is writing: with the file backend, a checkpoint's
# ``.attrs`` file is truncated, then written (gocloud.dev/blob/fileblob, setAttrs), and a read between
# fails ("EOF"). Such a read is tried again after these pauses (seconds).
RETRY_PAUSES = (0.5, 1.0, 2.0)


def read_own_state() -> OwnState:
    """This stack's last saved state; empty when there is none yet.

    A failed read is tried again (``RETRY_PAUSES``). When every try fails, pre-flight knows the stack's
    objects by their tags only, and says so in a warning: it may then refuse, as another run's, a peering
    the state holds (nothing is changed; the next run reads the state again).
    """
    stack = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    failure: Exception | None = None
    for pause in (0.0, *RETRY_PAUSES):
        time.sleep(pause)
        try:
            result = invoke(READ_STATE, {"stackName": stack})
        except Exception as error:
            failure = error
            continue
        value = result.value if isinstance(result.value, Mapping) else {}
        outputs = value.get("outputs")
        return parse(outputs if isinstance(outputs, Mapping) else {})
    pulumi.log.warn(
        f"heroku-peering: this stack's saved state could not be read ({type(failure).__name__}: "
        f"{str(failure).strip()[:300]}); pre-flight knows the stack's objects by their tags only"
    )
    return OwnState()
