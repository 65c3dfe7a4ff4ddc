"""``retry.StateChangeConf`` as terraform-provider-aws's waiters use it: poll until a target state.

terraform-plugin-sdk ``helper/retry/state.go`` ``WaitForStateContext``: a found object in a target state
counts towards ``ContinuousTargetOccurence`` reads in a row; in a pending state it resets the count;
in neither, when there are pending states, it is an ``UnexpectedStateError``. Not found: with no
target (a delete's waiter) it counts as the target; else up to ``NotFoundChecks`` (20 by default)
reads in a row before "couldn't find resource". The texts are the SDK's (``helper/retry/error.go``),
the timeout's with Go's duration (``5m0s``); ``last_error`` stands for ``tfresource.SetLastError``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ..errors import SandboxError

T = TypeVar("T")

POLL_SECONDS = 0.2  # moto settles at once; AWS's own waiters poll every few seconds


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String`` for whole seconds ("5m0s", "1h0m0s", "30s")."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


class UnexpectedState(SandboxError):
    """A state neither pending nor target."""

    def __init__(self, state: str, targets: tuple[str, ...], last_error: str | None) -> None:
        shown = "%!s(<nil>)" if last_error is None else last_error  # Go's %s of a nil error
        super().__init__(f"unexpected state '{state}', wanted target '{', '.join(targets)}'. last error: {shown}")
        self.state = state


class WaitTimeout(SandboxError):
    def __init__(self, state: str, targets: tuple[str, ...], seconds: float, last_error: str | None = None) -> None:
        expected = f"state to become '{', '.join(targets)}'" if targets else "resource to be gone"
        extra = ([f"last state: '{state}'"] if state else []) + (
            [f"timeout: {go_duration(seconds)}"] if seconds else []
        )
        suffix = f" ({', '.join(extra)})" if extra else ""
        text = f"timeout while waiting for {expected}{suffix}"
        super().__init__(f"{text}: {last_error}" if last_error is not None else text)


class NotFound(SandboxError):
    def __init__(self, retries: int) -> None:
        super().__init__(f"couldn't find resource ({retries} retries)")


@dataclass(frozen=True)
class StateWaiter(Generic[T]):
    """``refresh`` returns the object (None: not found) and its state."""

    pending: tuple[str, ...]
    targets: tuple[str, ...]
    timeout: float
    last_error: Callable[[T], str] | None = None  # SetLastError's text from the last object read
    continuous: int = 1  # ContinuousTargetOccurence
    not_found_checks: int = 20  # NotFoundChecks

    def wait(self, refresh: Callable[[], tuple[T | None, str]]) -> T | None:
        deadline = time.monotonic() + self.timeout
        seen = not_found = 0
        last: T | None = None
        state = ""
        while True:
            found, state = refresh()
            last = found if found is not None else last
            if found is None and not self.targets:
                seen += 1
                if seen >= self.continuous:
                    return None
            elif found is None:
                not_found += 1
                if not_found > self.not_found_checks:
                    raise NotFound(not_found)
            else:
                not_found = 0
                if state in self.targets:
                    seen += 1
                    if seen >= self.continuous:
                        return found
                elif state in self.pending:
                    seen = 0
                elif self.pending:
                    raise UnexpectedState(state, self.targets, self._last_error(found))
            if time.monotonic() >= deadline:
                raise WaitTimeout(state, self.targets, self.timeout, self._last_error(last) if last else None)
            time.sleep(POLL_SECONDS)

    def _last_error(self, found: T) -> str | None:
        return self.last_error(found) if self.last_error is not None else None
