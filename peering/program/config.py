"""The stack config as the program reads it: through ``pulumi.Config`` and the keys the language host hands over.

``read_stack_config`` gives ``model/stack_config.py``'s peerings, and its ``PlanError`` as a
``StackPlanError`` (a ``pulumi.RunError``: one message, no traceback).
"""

from __future__ import annotations

import pulumi
from pulumi.runtime.config import CONFIG, get_config_env

from ..errors import PlanError
from ..model.args import NamedPeering
from ..model.stack_config import config_getter, read_peerings
from .errors import StackPlanError


def stack_config_keys() -> set[str]:
    """Every key set in the stack config, as the language host hands it to the program."""
    return {*get_config_env(), *CONFIG.get()}


def read_stack_config() -> list[NamedPeering]:
    """The stack config's peerings, each with its checked ``HerokuPeeringArgs``; every problem in one error."""
    try:
        return read_peerings(config_getter(pulumi.Config()), stack_config_keys())
    except PlanError as error:
        raise StackPlanError.of(error) from error.__cause__
