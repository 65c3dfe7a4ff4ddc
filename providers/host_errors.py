"""One line, not a traceback, for the provider's own errors in Pulumi's dynamic-provider host.

The host (``python -m pulumi.dynamic``, pulumi/dynamic/__main__.py ``_abort_with_traceback``) answers
every exception with ``traceback.format_exc()``, and the engine prints it whole: a user with a wrong
token or a failed peering would read a Python traceback before the reason (pulumi/pulumi#10416). The
errors this package raises on purpose already say what happened and what to do; for those, the host's
``format_exc`` gives the message alone. Anything else (a bug) keeps its traceback. Installed from the
provider's ``configure``, inside the host only. ``one_line`` is the same text for any other host that
serves this provider (the component package's).
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

from .heroku_errors import HerokuError

_original: list[Callable[..., str]] = []


def one_line(error: BaseException) -> str | None:
    """What the user reads for an error this package raises on purpose; None for anything else (a bug)."""
    return f"{type(error).__name__}: {error}" if isinstance(error, HerokuError) else None


def _format_exc(*args: object, **kwargs: object) -> str:
    error = sys.exc_info()[1]
    text = one_line(error) if error is not None else None
    return text if text is not None else _original[0](*args, **kwargs)


def install_in_host() -> None:
    """Only in the dynamic-provider host (its ``__main__`` is pulumi.dynamic's), and once."""
    if _original or getattr(sys.modules.get("__main__"), "__package__", None) != "pulumi.dynamic":
        return
    _original.append(traceback.format_exc)
    traceback.format_exc = _format_exc
